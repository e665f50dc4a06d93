// Scenario: Happy Eyeballs attempt timeouts (custom lookup, autoSelectFamilyAttemptTimeout 100).
// A "black hole" listener on 127.0.0.2:<port> never accepts, and its accept
// queue is filled first (client connections opened one by one until one does
// not complete): a SYN to it is then dropped and the connection attempt hangs.
// (Node always accepts on a net.Server, so the listener lives in a worker
// thread that blocks in Atomics.wait after listening.)  A real server listens
// on 127.0.0.1:<port>, the same port.
//   first: lookup -> [127.0.0.2, 127.0.0.1]: attempt .2, 'connectionAttemptTimeout'
//          for .2, attempt .1, 'connect'.
//   all:   lookup -> [127.0.0.2, 127.0.0.3]: attempt .2 times out, .3 is refused
//          (the last attempt has no timeout) -> 'error' AggregateError (code of
//          the first error, ETIMEDOUT; .errors: ETIMEDOUT, ECONNREFUSED) then
//          'close'(true).
// Traced: the 'lookup' events, attempts, timeouts, failures (error fields),
// 'connect', 'error' (name, code, message, and each of .errors), 'close',
// autoSelectFamilyAttemptedAddresses (ports printed as <port>).
// compare: per-side (each case is a side of its own; they run one after the other,
//          and the server's events are a side of their own).
'use strict';
const net = require('node:net');
const { Worker } = require('node:worker_threads');
const { emit, errorFields, watchdog } = require('./_trace');

watchdog();

const flag = new Int32Array(new SharedArrayBuffer(4));
const worker = new Worker(
  `
  const { parentPort, workerData } = require('node:worker_threads');
  const net = require('node:net');
  const flag = new Int32Array(workerData);
  // backlog 0 would become 511 (Node's 'backlog || 511'); 1 queues two connections.
  const hole = net.createServer();
  hole.listen({ port: 0, host: '127.0.0.2', backlog: 1 }, () => {
    parentPort.postMessage(hole.address().port);
    Atomics.wait(flag, 0, 0); // this thread's loop never runs again: nothing is accepted
    process.exit(0);
  });
  `,
  { eval: true, workerData: flag.buffer },
);

const fillers = [];
function fill(port, done) {
  if (fillers.length >= 16) throw new Error('the accept queue of 127.0.0.2 never filled up');
  const s = net.connect(port, '127.0.0.2');
  fillers.push(s);
  s.on('error', () => {});
  const timer = setTimeout(() => done(), 150); // this one hangs: the queue is full
  s.on('connect', () => {
    clearTimeout(timer);
    fill(port, done);
  });
}

function finish(server) {
  for (const s of fillers) s.destroy();
  server.close();
  Atomics.store(flag, 0, 1);
  Atomics.notify(flag, 0);
}

function run(name, port, addresses, next) {
  const normPort = (p) => (p === port ? '<port>' : p);
  const normAttempted = (list) =>
    list === undefined ? null : list.map((a) => a.split(':' + port).join(':<port>'));
  const lookup = (hostname, options, callback) =>
    callback(null, addresses.map((address) => ({ address, family: 4 })));
  const client = new net.Socket();
  client.on('lookup', (err, address, family, host) =>
    emit(name, 'lookup', { err: errorFields(err), address, family, host }),
  );
  client.on('connectionAttempt', (ip, p, family) =>
    emit(name, 'connectionAttempt', { ip, port: normPort(p), family }),
  );
  client.on('connectionAttemptFailed', (ip, p, family, err) =>
    emit(name, 'connectionAttemptFailed', { ip, port: normPort(p), family, error: errorFields(err) }),
  );
  client.on('connectionAttemptTimeout', (ip, p, family) =>
    emit(name, 'connectionAttemptTimeout', { ip, port: normPort(p), family }),
  );
  client.on('connect', () => {
    emit(name, 'connect', {
      remoteAddress: client.remoteAddress,
      attempted: normAttempted(client.autoSelectFamilyAttemptedAddresses),
    });
    client.end();
  });
  client.on('data', () => {});
  client.on('error', (err) =>
    emit(name, 'error', {
      error: errorFields(err),
      isAggregate: err instanceof AggregateError,
      errors: Array.isArray(err.errors) ? err.errors.map(errorFields) : null,
      attempted: normAttempted(client.autoSelectFamilyAttemptedAddresses),
    }),
  );
  client.on('close', (hadError) => {
    emit(name, 'close', { hadError });
    next();
  });
  client.connect({ port, host: 'example.test', lookup, autoSelectFamilyAttemptTimeout: 100 });
}

worker.once('message', (port) => {
  fill(port, () => {
    const server = net.createServer((conn) => {
      emit('server', 'connection', { remoteAddress: conn.remoteAddress });
      conn.on('data', () => {});
      conn.on('end', () => emit('server', 'end'));
    });
    server.listen(port, '127.0.0.1', () => {
      run('first', port, ['127.0.0.2', '127.0.0.1'], () =>
        run('all', port, ['127.0.0.2', '127.0.0.3'], () => finish(server)),
      );
    });
  });
});
