// Scenario: a custom `lookup` answering several addresses (Happy Eyeballs).
// A server listens on 127.0.0.1:<port>.  A client (new net.Socket(), listeners
// attached first, then socket.connect({port, host: 'example.test', lookup})) gets
// from its lookup, synchronously, [127.0.0.3, 127.0.0.1] (both family 4):
// nothing listens on 127.0.0.3:<port> -> refused, then 127.0.0.1 connects.
// Traced: how the lookup is called (hostname, the options' keys and values --
// Node: {all: true, family: undefined (null here), hints: 32 (dns.ADDRCONFIG)} --,
// typeof callback), every 'lookup' event (all four arguments), 'connectionAttempt',
// 'connectionAttemptFailed' (with the error), 'connectionAttemptTimeout',
// 'connect', 'ready', autoSelectFamilyAttemptedAddresses (ports printed as
// <port>), remoteAddress; then the client ends and the server closes.
// Side 'sync': which client events ran before socket.connect() returned (in Node
// the lookup is called, and its synchronous answer acted on, inside connect()).
// compare: per-side (the client's and the server's events interleave freely).
'use strict';
const net = require('node:net');
const { emit, errorFields, watchdog } = require('./_trace');

watchdog();

// A value as Python sees it: undefined and null are both None (null here).
function val(v) {
  return v === undefined ? null : v;
}

const server = net.createServer((conn) => {
  emit('server', 'connection', { remoteAddress: conn.remoteAddress });
  conn.on('end', () => emit('server', 'end'));
  conn.on('close', (hadError) => {
    emit('server', 'close', { hadError });
    server.close();
  });
  conn.on('data', (d) => emit('server', 'data', { length: d.length }));
});
server.on('close', () => emit('server', 'closeServer'));

server.listen(0, '127.0.0.1', () => {
  const port = server.address().port;
  const normPort = (p) => (p === port ? '<port>' : p);
  const normAttempted = (list) =>
    list === undefined ? null : list.map((a) => a.split(':' + port).join(':<port>'));

  // What ran before socket.connect() returned (Node calls the lookup and, when it
  // answers synchronously, emits 'lookup' and starts the first attempt inside connect()).
  let returned = false;
  const before = [];
  const trace = (event, fields) => {
    if (!returned) before.push(event);
    emit('client', event, fields);
  };

  function lookup(hostname, options, callback) {
    const keys = Object.keys(options).sort();
    const values = {};
    for (const k of keys) values[k] = val(options[k]);
    trace('lookupCalled', { hostname, keys, options: values, callback: typeof callback });
    callback(null, [
      { address: '127.0.0.3', family: 4 },
      { address: '127.0.0.1', family: 4 },
    ]);
  }

  const client = new net.Socket();
  client.on('lookup', (err, address, family, host) =>
    trace('lookup', { err: errorFields(err), address: val(address), family: val(family), host: val(host) }),
  );
  client.on('connectionAttempt', (ip, p, family) =>
    trace('connectionAttempt', { ip, port: normPort(p), family }),
  );
  client.on('connectionAttemptFailed', (ip, p, family, err) =>
    trace('connectionAttemptFailed', { ip, port: normPort(p), family, error: errorFields(err) }),
  );
  client.on('connectionAttemptTimeout', (ip, p, family) =>
    trace('connectionAttemptTimeout', { ip, port: normPort(p), family }),
  );
  client.on('connect', () => {
    trace('connect', {
      connecting: client.connecting,
      remoteAddress: client.remoteAddress,
      remotePortMatches: client.remotePort === port,
      attempted: normAttempted(client.autoSelectFamilyAttemptedAddresses),
    });
    client.end();
  });
  client.on('ready', () => trace('ready'));
  client.on('error', (err) => trace('error', { error: errorFields(err) }));
  client.on('end', () => trace('end'));
  client.on('close', (hadError) => trace('close', { hadError }));
  client.on('data', (d) => trace('data', { length: d.length }));

  client.connect({ port, host: 'example.test', lookup });
  returned = true;
  emit('sync', 'connectReturned', {
    before,
    connecting: client.connecting,
    attempted: normAttempted(client.autoSelectFamilyAttemptedAddresses),
  });
});
