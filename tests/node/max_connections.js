// Scenario: server.maxConnections = 1.  A second client, connecting while the
// first is open, is accepted by the kernel, then dropped by the server: the
// server emits 'drop' with {localAddress, localPort, localFamily,
// remoteAddress, remotePort, remoteFamily} (the server's port traced as
// '<server>', others as '<port>'; client2 checks, once closed, that the
// dropped peer was itself), and the dropped client sees a plain EOF.  Once
// client2 has closed, client1 ends and the server closes.
// compare: per-side (the clients' and the server's events interleave freely).
'use strict';
const net = require('node:net');
const { emit, dataFields, watchdog } = require('./_trace');

watchdog();

let serverPort = null;
let client1 = null;
let client2 = null;
let dropped = null;
let client2Port = null;

function portName(port) {
  if (port === serverPort) return '<server>';
  return typeof port === 'number' ? '<port>' : port;
}

const server = net.createServer((conn) => {
  emit('server', 'connection', {
    obj: 'server', remotePort: portName(conn.remotePort), maxConnections: server.maxConnections,
  });
  conn.on('data', (d) => emit('server', 'data', Object.assign({ obj: 'socket' }, dataFields(d))));
  conn.on('end', () => emit('server', 'end', { obj: 'socket' }));
  conn.on('close', (hadError) => {
    emit('server', 'close', { obj: 'socket', hadError });
    server.close();
  });
  connect2();
});
server.maxConnections = 1;
server.on('drop', (data) => {
  dropped = data;
  const out = {};
  for (const key of Object.keys(data).sort()) {
    out[key] = key.endsWith('Port') ? portName(data[key]) : data[key];
  }
  emit('server', 'drop', { obj: 'server', data: out });
});
server.on('close', () => emit('server', 'close', { obj: 'server' }));

server.listen(0, '127.0.0.1', () => {
  serverPort = server.address().port;
  emit('server', 'listening', { obj: 'server', maxConnections: server.maxConnections });
  client1 = net.connect(serverPort, '127.0.0.1');
  client1.on('connect', () => emit('client1', 'connect'));
  client1.on('end', () => emit('client1', 'end'));
  client1.on('close', (hadError) => emit('client1', 'close', { hadError }));
});

function connect2() {
  client2 = net.connect(serverPort, '127.0.0.1');
  client2.on('connect', () => {
    client2Port = client2.localPort;
    emit('client2', 'connect');
  });
  client2.on('data', (d) => emit('client2', 'data', dataFields(d)));
  client2.on('end', () => emit('client2', 'end'));
  client2.on('error', (err) => emit('client2', 'error', { code: err.code }));
  client2.on('close', (hadError) => {
    emit('client2', 'close', { hadError, wasDropped: dropped !== null && dropped.remotePort === client2Port });
    client1.end();
  });
}
