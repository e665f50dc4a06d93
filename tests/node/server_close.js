// Scenario: server.close().
//   live: close() while a connection is open stops listening at once
//         (listening false, address() null) but keeps the connection; the
//         server's 'close' (and the close() callback, with no error) comes
//         only after that connection has ended.  A second close() on the
//         closed server gets ERR_SERVER_NOT_RUNNING.
//   idle: close() on a server that never listened: the callback gets
//         ERR_SERVER_NOT_RUNNING, and 'close' is emitted all the same.
// compare: per-side (the server's and the client's events interleave freely;
//          'idle' is a side of its own and runs after 'live' has finished).
'use strict';
const net = require('node:net');
const { emit, dataFields, errorFields, watchdog } = require('./_trace');

watchdog();

const server = net.createServer((conn) => {
  emit('server', 'connection', { obj: 'server' });
  const ret = server.close((...args) => {
    emit('server', 'closeCallback', { nargs: args.length, err: errorFields(args[0]) });
    server.close((...again) => {
      emit('server', 'secondCloseCallback', { nargs: again.length, err: errorFields(again[0]) });
      idle();
    });
  });
  emit('server', 'closeCalled', {
    returnsSelf: ret === server, listening: server.listening, address: server.address(),
  });
  conn.on('data', (d) => emit('server', 'data', Object.assign({ obj: 'socket' }, dataFields(d))));
  conn.on('end', () => emit('server', 'end', { obj: 'socket' }));
  conn.on('close', (hadError) => emit('server', 'close', { obj: 'socket', hadError }));
  conn.write('still served');
});
server.on('close', () => emit('server', 'close', { obj: 'server', listening: server.listening }));

server.listen(0, '127.0.0.1', () => {
  emit('server', 'listening', { obj: 'server', listening: server.listening });
  const client = net.connect(server.address().port, '127.0.0.1');
  client.on('data', (d) => {
    emit('client', 'data', dataFields(d));
    client.end();
  });
  client.on('end', () => emit('client', 'end'));
  client.on('close', (hadError) => emit('client', 'close', { hadError }));
});

function idle() {
  const s = net.createServer();
  s.on('close', (...args) => emit('idle', 'close', { nargs: args.length }));
  const ret = s.close((...args) => emit('idle', 'closeCallback', { nargs: args.length, err: errorFields(args[0]) }));
  emit('idle', 'closeCalled', { returnsSelf: ret === s, listening: s.listening });
}
