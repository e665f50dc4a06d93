// Scenario: AbortSignal on sockets and servers (each client connects to a server of its own
// on 127.0.0.1, whose side is '<case>.server').
//   beforeConnect: net.connect({port, host, signal}), then ac.abort() at once, before the
//                  connection is established -> destroyed at once; 'error' AbortError
//                  (name AbortError, code ABORT_ERR, 'The operation was aborted') then
//                  'close'(true); no 'connect'.  signal.reason is an AbortError.
//                  The server never sees the connection (Node connects on a later tick).
//   afterConnect:  new net.Socket({signal}).connect(port, host); ac.abort('stop') in
//                  'connect' -> 'error' AbortError then 'close'(true); signal.reason
//                  is 'stop'.  The server's end ('afterConnect.server') sees 'end' and
//                  'close'(false).
//   listen:        server2.listen({port: 0, host, signal}); ac.abort() after
//                  'listening' -> listening false at once, then server2 'close'
//                  (address() null).
// Signals that are already aborted are in abort_signal_preaborted.
// compare: per-side (each case is a side of its own; they run one after the other).
'use strict';
const net = require('node:net');
const { emit, errorFields, watchdog } = require('./_trace');

watchdog();

function signalState(signal) {
  const r = signal.reason;
  return {
    aborted: signal.aborted,
    reason: r === undefined ? null : typeof r === 'string' ? r : { name: r.name },
  };
}

function traceClient(name, c, signal, next) {
  c.on('connect', () => emit(name, 'connect'));
  c.on('error', (err) =>
    emit(name, 'error', {
      error: errorFields(err),
      destroyed: c.destroyed,
      signal: signalState(signal),
    }),
  );
  c.on('close', (...args) => {
    emit(name, 'close', { args, readyState: c.readyState });
    if (next) next();
  });
}

// A server for each case that connects: its connections are traced under
// '<case>.server' (in Node the connection aborted before it was established never
// reaches a server).  onServerSideClose(side) runs when such a connection closes.
let onServerSideClose = () => {};
function serverFor(side) {
  return net.createServer((conn) => {
    emit(side, 'connection');
    conn.on('data', () => {});
    conn.on('end', () => emit(side, 'end'));
    conn.on('error', (err) => emit(side, 'error', { error: errorFields(err) }));
    conn.on('close', (hadError) => {
      emit(side, 'close', { hadError });
      onServerSideClose(side);
    });
  });
}

// Calls next() once it has been called n times.
function join(n, next) {
  return () => {
    if (--n === 0) next();
  };
}

function beforeConnect(port, next) {
  const ac = new AbortController();
  const c = net.connect({ port, host: '127.0.0.1', signal: ac.signal });
  traceClient('beforeConnect', c, ac.signal, next);
  emit('beforeConnect', 'connecting', { connecting: c.connecting });
  ac.abort();
  emit('beforeConnect', 'aborted', {
    destroyed: c.destroyed,
    connecting: c.connecting,
    signal: signalState(ac.signal),
  });
}

function afterConnect(port, next) {
  const ac = new AbortController();
  const c = new net.Socket({ signal: ac.signal });
  const done = join(2, next);
  onServerSideClose = (side) => side === 'afterConnect.server' && done();
  traceClient('afterConnect', c, ac.signal, done);
  c.on('connect', () => {
    ac.abort('stop');
    emit('afterConnect', 'aborted', { destroyed: c.destroyed, signal: signalState(ac.signal) });
  });
  c.connect(port, '127.0.0.1');
}

function listen(next) {
  const ac = new AbortController();
  const server2 = net.createServer();
  server2.on('listening', () => {
    emit('listen', 'listening', { listening: server2.listening });
    ac.abort();
    emit('listen', 'aborted', { listening: server2.listening, signal: signalState(ac.signal) });
  });
  server2.on('error', (err) => emit('listen', 'error', { error: errorFields(err) }));
  server2.on('close', () => {
    emit('listen', 'close', { listening: server2.listening, address: server2.address() });
    next();
  });
  server2.listen({ port: 0, host: '127.0.0.1', signal: ac.signal });
}

const servers = [serverFor('beforeConnect.server'), serverFor('afterConnect.server')];
servers[0].listen(0, '127.0.0.1', () =>
  servers[1].listen(0, '127.0.0.1', () => {
    const [portA, portB] = servers.map((server) => server.address().port);
    beforeConnect(portA, () =>
      afterConnect(portB, () => listen(() => servers.forEach((server) => server.close()))),
    );
  }),
);
