// Scenario: an echo over a Unix domain socket (a path in a temporary directory).
// The server listens on <dir>/echo.sock; the client connects with net.connect(path),
// writes 'ping', gets the echo, and ends.  Traced: both ends' events, server.address()
// (the path, printed as "<path>"), remoteAddress/localAddress/remotePort and address()
// of the client and of the accepted socket (undefined for pipes: printed as null),
// and after server.close(): whether the socket file still exists (Node unlinks it)
// and what server.address() returns (Node keeps returning the path).
// compare: per-side (the client's and the server's events interleave freely).
'use strict';
const fs = require('node:fs');
const os = require('node:os');
const net = require('node:net');
const { emit, dataFields, watchdog } = require('./_trace');

watchdog();

const dir = fs.mkdtempSync(os.tmpdir() + '/tokionet-diff-');
const path = dir + '/echo.sock';
process.on('exit', () => fs.rmSync(dir, { recursive: true, force: true }));

// A value as Python sees it: undefined and null are both None (null here).
function val(v) {
  return v === undefined ? null : v;
}

function normAddress(a) {
  if (a === path) return '<path>';
  if (typeof a === 'string') return 'a string, not the path';
  return val(a);
}

function endpoints(sock) {
  return {
    remoteAddress: val(sock.remoteAddress),
    remotePort: val(sock.remotePort),
    remoteFamily: val(sock.remoteFamily),
    localAddress: val(sock.localAddress),
    localPort: val(sock.localPort),
    address: sock.address(),
  };
}

const server = net.createServer((conn) => {
  emit('server', 'connection', Object.assign({ obj: 'server' }, endpoints(conn)));
  conn.on('data', (d) => {
    emit('server', 'data', Object.assign({ obj: 'socket' }, dataFields(d)));
    conn.write(d);
  });
  conn.on('end', () => {
    emit('server', 'end', { obj: 'socket' });
  });
  conn.on('finish', () => emit('server', 'finish', { obj: 'socket' }));
  conn.on('close', (hadError) => {
    emit('server', 'close', { obj: 'socket', hadError });
    server.close();
    emit('server', 'closeCalled', {
      listening: server.listening,
      address: normAddress(server.address()),
      fileExists: fs.existsSync(path),
    });
  });
});
server.on('listening', () =>
  emit('server', 'listening', {
    obj: 'server',
    address: normAddress(server.address()),
    fileExists: fs.existsSync(path),
  }),
);
server.on('close', () => {
  emit('server', 'close', {
    obj: 'server',
    listening: server.listening,
    address: normAddress(server.address()),
    fileExists: fs.existsSync(path),
  });
});

server.listen(path, () => {
  const client = net.connect(path);
  emit('client', 'connecting', { connecting: client.connecting, readyState: client.readyState });
  client.on('connect', () => {
    emit('client', 'connect', Object.assign({ readyState: client.readyState }, endpoints(client)));
    client.write('ping');
  });
  client.on('ready', () => emit('client', 'ready'));
  client.on('data', (d) => {
    emit('client', 'data', dataFields(d));
    client.end();
  });
  client.on('end', () => emit('client', 'end'));
  client.on('finish', () => emit('client', 'finish'));
  client.on('close', (hadError) =>
    emit('client', 'close', {
      hadError,
      bytesRead: client.bytesRead,
      bytesWritten: client.bytesWritten,
      remoteAddress: val(client.remoteAddress),
    }),
  );
});
