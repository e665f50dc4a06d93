// Scenario: setEncoding('utf8') with a multi-byte character split across two
// writes.  The server writes 'h' + the first two bytes of '€' (E2 82 AC),
// waits until the client has seen that first chunk, then writes the last byte
// + 'i' and ends.  The client's 'data' events are strings: 'h' (the partial
// character held back), then '€i'.
// compare: per-side (the client's and the server's events interleave freely).
'use strict';
const net = require('node:net');
const { emit, dataFields, watchdog } = require('./_trace');

watchdog();

let conn = null;
let client = null;
let chunks = 0;

const server = net.createServer((c) => {
  conn = c;
  emit('server', 'connection', { obj: 'server' });
  c.on('end', () => emit('server', 'end', { obj: 'socket' }));
  c.on('close', (hadError) => {
    emit('server', 'close', { obj: 'socket', hadError });
    server.close();
  });
  c.resume();
  c.write(Buffer.from([0x68, 0xe2, 0x82]));
});

server.listen(0, '127.0.0.1', () => {
  client = net.connect(server.address().port, '127.0.0.1');
  const ret = client.setEncoding('utf8');
  emit('client', 'setEncoding', { returnsSelf: ret === client });
  let text = '';
  client.on('data', (d) => {
    chunks += 1;
    text += d;
    emit('client', 'data', dataFields(d));
    if (chunks === 1) conn.end(Buffer.from([0xac, 0x69]));
  });
  client.on('end', () => emit('client', 'end', { text }));
  client.on('close', (hadError) => emit('client', 'close', { hadError }));
});
