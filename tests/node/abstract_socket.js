// Scenario: an echo over a Linux abstract Unix socket name (a leading NUL byte:
// '\0tokionet-diff-<pid>-<random>'), which never touches the file system.
// The server listens on the name; the client connects with net.connect(name),
// writes 'ping', gets the echo and ends; the server closes after its socket
// closed.  server.address() is printed as "<name>" when it is the name; the
// remote/local addresses of both ends and address() are traced (undefined
// for pipes: printed as null).  Once both are closed, a new connection to the
// name is refused (ECONNREFUSED, syscall connect).
// compare: per-side (the client's and the server's events interleave freely).
'use strict';
const crypto = require('node:crypto');
const net = require('node:net');
const { emit, dataFields, watchdog } = require('./_trace');

watchdog();

const name = '\0tokionet-diff-' + process.pid + '-' + crypto.randomBytes(6).toString('hex');

// A value as Python sees it: undefined and null are both None (null here).
function val(v) {
  return v === undefined ? null : v;
}

function normAddress(a) {
  if (a === name) return '<name>';
  if (typeof a === 'string') return 'a string, not the name';
  return val(a);
}

function endpoints(sock) {
  return {
    remoteAddress: val(sock.remoteAddress),
    remotePort: val(sock.remotePort),
    localAddress: val(sock.localAddress),
    address: sock.address(),
  };
}

const server = net.createServer((conn) => {
  emit('server', 'connection', Object.assign({ obj: 'server' }, endpoints(conn)));
  conn.on('data', (d) => {
    emit('server', 'data', Object.assign({ obj: 'socket' }, dataFields(d)));
    conn.write(d);
  });
  conn.on('end', () => emit('server', 'end', { obj: 'socket' }));
  conn.on('close', (hadError) => {
    emit('server', 'close', { obj: 'socket', hadError });
    server.close();
    emit('server', 'closeCalled', { listening: server.listening, address: normAddress(server.address()) });
  });
});
server.on('listening', () =>
  emit('server', 'listening', { obj: 'server', address: normAddress(server.address()) }),
);
server.on('close', () => {
  emit('server', 'close', { obj: 'server', listening: server.listening, address: normAddress(server.address()) });
  done();
});

// Once the server and the client are both closed, the name is free again: a
// new connection is refused.
let pending = 2;
function done() {
  if (--pending > 0) return;
  const late = net.connect(name);
  late.on('connect', () => emit('late', 'connect'));
  late.on('error', (err) => emit('late', 'error', { code: err.code, syscall: err.syscall }));
  late.on('close', (hadError) => emit('late', 'close', { hadError }));
}

server.listen(name, () => {
  const client = net.connect(name);
  client.on('connect', () => {
    emit('client', 'connect', Object.assign({ readyState: client.readyState }, endpoints(client)));
    client.write('ping');
  });
  client.on('data', (d) => {
    emit('client', 'data', dataFields(d));
    client.end();
  });
  client.on('end', () => emit('client', 'end'));
  client.on('finish', () => emit('client', 'finish'));
  client.on('close', (hadError) => {
    emit('client', 'close', { hadError });
    done();
  });
});
