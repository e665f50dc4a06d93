// Scenario: a server's blockList.  The server (blockList with 127.0.0.1) listens on
// 0.0.0.0:<port>.
//   blocked: a client from 127.0.0.1 connects to 127.0.0.1:<port>: the kernel
//            completes the handshake, so the client sees 'connect', then the server
//            closes the connection silently (no 'connection', no 'drop', not
//            counted): the client sees 'end' then 'close'(false).
//   allowed: then a client bound with localAddress '127.0.0.2' is served: the
//            server sees 'connection' (remoteAddress 127.0.0.2), echoes 'ping' and
//            ends; getConnections() counts it alone.
// The server closes after the allowed connection closed.
// compare: per-side (the client's and the server's events interleave freely).
'use strict';
const net = require('node:net');
const { emit, dataFields, errorFields, watchdog } = require('./_trace');

watchdog();

const blockList = new net.BlockList();
blockList.addAddress('127.0.0.1');

const server = net.createServer({ blockList }, (conn) => {
  emit('server', 'connection', { remoteAddress: conn.remoteAddress });
  server.getConnections((err, count) => emit('server', 'getConnections', { err: errorFields(err), count }));
  conn.on('data', (d) => {
    emit('server', 'data', dataFields(d));
    conn.end(d);
  });
  conn.on('end', () => emit('server', 'end'));
  conn.on('close', (hadError) => {
    emit('server', 'socketClose', { hadError });
    server.close();
  });
});
server.on('drop', () => emit('server', 'drop'));
server.on('error', (err) => emit('server', 'error', { error: errorFields(err) }));
server.on('close', () => emit('server', 'close'));

function client(name, options, next) {
  const c = net.connect(options);
  c.on('connect', () => {
    emit(name, 'connect', { localAddress: c.localAddress, remoteAddress: c.remoteAddress });
    if (name === 'allowed') c.write('ping');
  });
  c.on('data', (d) => emit(name, 'data', dataFields(d)));
  c.on('end', () => emit(name, 'end'));
  c.on('error', (err) => emit(name, 'error', { error: errorFields(err) }));
  c.on('close', (hadError) => {
    emit(name, 'close', { hadError });
    if (next) next();
  });
}

server.listen(0, '0.0.0.0', () => {
  const port = server.address().port;
  emit('server', 'listening', { address: server.address().address, blockList: server.blockList === blockList });
  client('blocked', { port, host: '127.0.0.1' }, () =>
    server.getConnections((err, count) => {
      emit('server', 'countAfterBlocked', { err: errorFields(err), count });
      client('allowed', { port, host: '127.0.0.1', localAddress: '127.0.0.2' });
    }),
  );
});
