// Scenario: signals that are already aborted when they are given (Node's quirks included).
//   socket:  new net.Socket({signal}), never connected: not destroyed when the
//            constructor returns; on a later tick 'error' AbortError (name AbortError,
//            code ABORT_ERR, 'The operation was aborted') and 'close' with no argument
//            (the socket never had a handle); readyState 'writeOnly' by then.
//   connect: net.connect({port, host, signal}): connect() returns with destroyed false
//            and connecting true; on a later tick 'error' AbortError and 'close' with
//            no argument are emitted, and the connection then goes on all the same:
//            'connect' (the scenario destroys the socket there: 'close'(false)); the
//            server's end ('connect.server') sees 'end' and 'close'(false).
//   listen:  server2.listen({port: 0, host, signal}): listening true when listen()
//            returns, then 'close' on a later tick with no 'listening'.
// compare: per-side (each case is a side of its own; they run one after the other).
'use strict';
const net = require('node:net');
const { emit, errorFields, watchdog } = require('./_trace');

watchdog();

function aborted() {
  const ac = new AbortController();
  ac.abort();
  return ac.signal;
}

function traceClient(name, c) {
  c.on('connect', () => emit(name, 'connect'));
  c.on('error', (err) =>
    emit(name, 'error', { error: errorFields(err), destroyed: c.destroyed, connecting: c.connecting }),
  );
}

// Calls next() once it has been called n times.
function join(n, next) {
  return () => {
    if (--n === 0) next();
  };
}

const server = net.createServer();

function socket(next) {
  const c = new net.Socket({ signal: aborted() });
  traceClient('socket', c);
  c.on('close', (...args) => {
    emit('socket', 'close', { args, destroyed: c.destroyed, readyState: c.readyState });
    next();
  });
  emit('socket', 'constructed', { destroyed: c.destroyed, readyState: c.readyState });
}

function connect(next) {
  const done = join(2, next);
  server.on('connection', (conn) => {
    emit('connect.server', 'connection');
    conn.on('data', () => {});
    conn.on('end', () => emit('connect.server', 'end'));
    conn.on('error', (err) => emit('connect.server', 'error', { error: errorFields(err) }));
    conn.on('close', (hadError) => {
      emit('connect.server', 'close', { hadError });
      done();
    });
  });
  let returned = false;
  const c = net.connect({ port: server.address().port, host: '127.0.0.1', signal: aborted() });
  c.on('error', () => emit('connect', 'errorTiming', { insideConnect: !returned }));
  traceClient('connect', c);
  let closes = 0;
  c.on('close', (...args) => {
    emit('connect', 'close', { args, readyState: c.readyState });
    if (++closes === 2) done();
  });
  c.on('connect', () => c.destroy());
  returned = true;
  emit('connect', 'connectReturned', { destroyed: c.destroyed, connecting: c.connecting });
}

function listen(next) {
  const server2 = net.createServer();
  server2.on('listening', () => emit('listen', 'listening', { listening: server2.listening }));
  server2.on('error', (err) => emit('listen', 'error', { error: errorFields(err) }));
  server2.on('close', () => {
    emit('listen', 'close', { listening: server2.listening, address: server2.address() });
    next();
  });
  server2.listen({ port: 0, host: '127.0.0.1', signal: aborted() });
  emit('listen', 'listenReturned', { listening: server2.listening });
}

server.listen(0, '127.0.0.1', () => socket(() => connect(() => listen(() => server.close()))));
