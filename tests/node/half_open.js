// Scenario: half-open connections with allowHalfOpen true on both ends.
// The client writes 'ping' and ends; the server, having seen 'end', is
// 'writeOnly', still writes 'pong' and only then ends; the client, 'readOnly'
// since its end(), receives 'pong' and the server's FIN, and both close.
// compare: per-side (the client's and the server's events interleave freely).
'use strict';
const net = require('node:net');
const { emit, dataFields, watchdog } = require('./_trace');

watchdog();

const server = net.createServer({ allowHalfOpen: true }, (conn) => {
  emit('server', 'connection', { obj: 'server', allowHalfOpen: conn.allowHalfOpen });
  conn.on('data', (d) => emit('server', 'data', Object.assign({ obj: 'socket' }, dataFields(d))));
  conn.on('end', () => {
    emit('server', 'end', { obj: 'socket', readyState: conn.readyState, destroyed: conn.destroyed });
    setTimeout(() => {
      emit('server', 'readyState', { obj: 'socket', value: conn.readyState, destroyed: conn.destroyed });
      const ret = conn.write('pong');
      emit('server', 'write', { obj: 'socket', returned: ret });
      conn.end();
      emit('server', 'readyState', { obj: 'socket', value: conn.readyState });
    }, 50);
  });
  conn.on('finish', () => emit('server', 'finish', { obj: 'socket', readyState: conn.readyState }));
  conn.on('close', (hadError) => {
    emit('server', 'close', { obj: 'socket', hadError, readyState: conn.readyState });
    server.close();
  });
});
server.on('close', () => emit('server', 'close', { obj: 'server' }));

server.listen(0, '127.0.0.1', () => {
  const client = net.connect({ port: server.address().port, host: '127.0.0.1', allowHalfOpen: true });
  client.on('connect', () => {
    emit('client', 'connect', { allowHalfOpen: client.allowHalfOpen });
    client.write('ping');
    client.end();
    emit('client', 'readyState', { value: client.readyState });
  });
  client.on('data', (d) => emit('client', 'data', dataFields(d)));
  client.on('finish', () => emit('client', 'finish', { readyState: client.readyState }));
  client.on('end', () => emit('client', 'end', { readyState: client.readyState }));
  client.on('close', (hadError) => emit('client', 'close', { hadError, readyState: client.readyState }));
});
