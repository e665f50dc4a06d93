// Scenario: the order of events on both ends of one connection.
// The client writes 'hello'; the server answers end('bye'); the client (allowHalfOpen
// false) ends in turn when it sees the server's FIN; the server closes itself
// after its accepted socket closes.
// compare: per-side (the client's and the server's events interleave freely).
'use strict';
const net = require('node:net');
const { emit, dataFields, watchdog } = require('./_trace');

watchdog();

const server = net.createServer((conn) => {
  emit('server', 'connection', { obj: 'server' });
  emit('server', 'readyState', { obj: 'socket', value: conn.readyState });
  conn.on('data', (d) => {
    emit('server', 'data', Object.assign({ obj: 'socket' }, dataFields(d)));
    conn.end('bye');
    emit('server', 'readyState', { obj: 'socket', value: conn.readyState });
  });
  conn.on('end', () => emit('server', 'end', { obj: 'socket' }));
  conn.on('finish', () => emit('server', 'finish', { obj: 'socket' }));
  conn.on('close', (hadError) => {
    emit('server', 'close', { obj: 'socket', hadError, readyState: conn.readyState });
    server.close();
  });
});
server.on('listening', () => emit('server', 'listening', { obj: 'server' }));
server.on('close', () => emit('server', 'close', { obj: 'server' }));

server.listen(0, '127.0.0.1', () => {
  const client = net.connect(server.address().port, '127.0.0.1');
  emit('client', 'readyState', { value: client.readyState, connecting: client.connecting });
  client.on('connect', () => {
    emit('client', 'connect', { readyState: client.readyState, connecting: client.connecting });
    client.write('hello');
  });
  client.on('ready', () => emit('client', 'ready'));
  client.on('data', (d) => emit('client', 'data', dataFields(d)));
  client.on('end', () => emit('client', 'end', { destroyed: client.destroyed }));
  client.on('finish', () => emit('client', 'finish'));
  client.on('close', (hadError) =>
    emit('client', 'close', { hadError, readyState: client.readyState, destroyed: client.destroyed }),
  );
});
