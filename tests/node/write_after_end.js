// Scenario: write after end() and write after destroy.
// On 'connect' the client calls end('a') then write('b', cb): write returns
// false, cb and 'error' get ERR_STREAM_WRITE_AFTER_END ("write after end"),
// 'error' comes once and the socket closes with hadError true.  After
// 'close', write('c', cb) still gets ERR_STREAM_WRITE_AFTER_END (ended is
// checked before destroyed) in cb, and emits no second 'error'.
// The server side traces only 'connection' and 'close': whether the 'a' sent
// before the destroy reaches it is a matter of timing, not of contract.
// compare: per-side (the client's and the server's events interleave freely).
'use strict';
const net = require('node:net');
const { emit, errorFields, watchdog } = require('./_trace');

watchdog();

const server = net.createServer((conn) => {
  emit('server', 'connection', { obj: 'server' });
  conn.on('error', () => {});
  conn.resume();
  conn.on('close', () => {
    emit('server', 'close', { obj: 'socket' });
    server.close();
  });
});

server.listen(0, '127.0.0.1', () => {
  const client = net.connect(server.address().port, '127.0.0.1');
  let errors = 0;
  client.on('connect', () => {
    emit('client', 'connect');
    client.end('a');
    emit('client', 'ended', { readyState: client.readyState, writableEnded: client.writableEnded });
    const ret = client.write('b', (...args) =>
      emit('client', 'writeCallback', { nargs: args.length, err: errorFields(args[0]) }),
    );
    emit('client', 'writeReturned', { value: ret, destroyed: client.destroyed });
  });
  client.on('error', (err) => {
    errors += 1;
    emit('client', 'error', { count: errors, error: errorFields(err) });
  });
  client.on('finish', () => emit('client', 'finish'));
  client.on('close', (hadError) => {
    emit('client', 'close', { hadError, errors });
    const ret = client.write('c', (...args) => {
      emit('client', 'writeAfterDestroyCallback', { nargs: args.length, err: errorFields(args[0]), errors });
    });
    emit('client', 'writeAfterDestroyReturned', { value: ret });
  });
});
