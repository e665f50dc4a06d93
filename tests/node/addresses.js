// Scenario: a socket's addresses are read from the descriptor when first
// asked for, as Node's _getsockname()/_getpeername() do.  Each case is one
// connection to the same server on 127.0.0.1 ('<case>.server' and
// '<case>.client' are its two ends).
//   unread:     nobody reads an address before 'close' -> at 'close' every
//               address is undefined and address() is {} on both ends.
//   connection: the server reads them in 'connection', the client in
//               'connect' -> at 'close' the local ones are gone (no handle),
//               the remote ones were cached and survive.
//   end:        the server reads them first in 'end' (the peer has ended,
//               the server has not: getpeername still answers) -> the remote
//               ones survive 'close'.
//   destroyed:  the server destroys the connection in 'connection' and only
//               then reads: everything is undefined at once.
// Ports print as 'server' (the server's port), 'other' or null.
// compare: per-side (the two ends' events interleave freely).
'use strict';
const net = require('node:net');
const { emit, watchdog } = require('./_trace');

watchdog();

let serverPort = 0;
const portName = (p) => (p === undefined ? null : p === serverPort ? 'server' : 'other');

function addresses(sock) {
  const a = sock.address();
  return {
    local: [sock.localAddress ?? null, portName(sock.localPort), sock.localFamily ?? null],
    remote: [sock.remoteAddress ?? null, portName(sock.remotePort), sock.remoteFamily ?? null],
    address: [a.address ?? null, portName(a.port), a.family ?? null],
  };
}

const cases = ['unread', 'connection', 'end', 'destroyed'];
let current = 0;

const server = net.createServer((conn) => {
  const side = `${cases[current]}.server`;
  const name = cases[current];
  if (name === 'connection') emit(side, 'connection', addresses(conn));
  conn.on('end', () => {
    if (name === 'end') emit(side, 'end', addresses(conn));
  });
  conn.on('error', () => {});
  conn.on('close', () => emit(side, 'close', addresses(conn)));
  if (name === 'destroyed') {
    conn.destroy();
    emit(side, 'destroyed', addresses(conn));
  }
});

function runCase() {
  if (current === cases.length) {
    server.close();
    return;
  }
  const name = cases[current];
  const side = `${name}.client`;
  const client = net.connect(serverPort, '127.0.0.1');
  let open = 2;
  const done = () => {
    if (--open === 0) {
      current += 1;
      runCase();
    }
  };
  server.once('connection', (conn) => conn.on('close', done));
  client.on('connect', () => {
    if (name === 'connection') emit(side, 'connect', addresses(client));
    if (name !== 'destroyed') client.end();
  });
  client.on('error', () => {});
  client.on('close', () => {
    emit(side, 'close', addresses(client));
    done();
  });
}

server.listen(0, '127.0.0.1', () => {
  serverPort = server.address().port;
  runCase();
});
