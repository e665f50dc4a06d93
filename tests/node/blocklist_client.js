// Scenario: a client's blockList (a server listens on 127.0.0.1:<port> throughout).
//   single: net.connect({port, host: '127.0.0.1', blockList}) with 127.0.0.1 blocked
//           -> 'connectionAttempt' then 'error' ERR_IP_BLOCKED ('IP(127.0.0.1) is
//           blocked by net.BlockList'), no 'connectionAttemptFailed', 'close'(true);
//           the server sees no connection.
//   multi:  new net.Socket({blockList}) (a constructor option: net.connect(options)
//           passes it there), then socket.connect({port, host, lookup}); the custom
//           lookup answers [127.0.0.2, 127.0.0.1] with 127.0.0.2 blocked: Happy
//           Eyeballs records ERR_IP_BLOCKED for .2 as a 'connectionAttemptFailed'
//           (no 'connectionAttempt' for it, and it is not in
//           autoSelectFamilyAttemptedAddresses), then connects to .1.
//   allBlocked: the lookup answers [127.0.0.2, 127.0.0.3], both blocked ->
//           'error' AggregateError (code ERR_IP_BLOCKED, .errors both ERR_IP_BLOCKED),
//           autoSelectFamilyAttemptedAddresses [].
// compare: per-side (each case is a side of its own; they run one after the other,
//          and the server's events are a side of their own).
'use strict';
const net = require('node:net');
const { emit, errorFields, watchdog } = require('./_trace');

watchdog();

const server = net.createServer((conn) => {
  emit('server', 'connection', { remoteAddress: conn.remoteAddress });
  conn.on('data', () => {});
  conn.on('end', () => emit('server', 'end'));
});

function run(name, port, blockList, options, next) {
  const normPort = (p) => (p === port ? '<port>' : p);
  const normAttempted = (list) =>
    list === undefined ? null : list.map((a) => a.split(':' + port).join(':<port>'));
  // 'single' uses net.connect(options) (listeners attached after it returns:
  // nothing is emitted inside connect() for an IP literal); the others
  // new net.Socket({blockList}) and socket.connect(options) after the listeners.
  const viaConnect = options.lookup === undefined;
  const client = viaConnect
    ? net.connect(Object.assign({ port, blockList }, options))
    : new net.Socket({ blockList });
  client.on('lookup', (err, address, family, host) =>
    emit(name, 'lookup', { err: errorFields(err), address, family, host }),
  );
  client.on('connectionAttempt', (ip, p, family) =>
    emit(name, 'connectionAttempt', { ip, port: normPort(p), family }),
  );
  client.on('connectionAttemptFailed', (ip, p, family, err) =>
    emit(name, 'connectionAttemptFailed', { ip, port: normPort(p), family, error: errorFields(err) }),
  );
  client.on('connectionAttemptTimeout', (ip, p, family) =>
    emit(name, 'connectionAttemptTimeout', { ip, port: normPort(p), family }),
  );
  client.on('connect', () => {
    emit(name, 'connect', {
      remoteAddress: client.remoteAddress,
      attempted: normAttempted(client.autoSelectFamilyAttemptedAddresses),
    });
    client.end();
  });
  client.on('data', () => {});
  client.on('error', (err) =>
    emit(name, 'error', {
      error: errorFields(err),
      errors: Array.isArray(err.errors) ? err.errors.map(errorFields) : null,
      destroyed: client.destroyed,
      connecting: client.connecting,
      attempted: normAttempted(client.autoSelectFamilyAttemptedAddresses),
    }),
  );
  client.on('close', (hadError) => {
    emit(name, 'close', { hadError, readyState: client.readyState });
    next();
  });
  if (!viaConnect) client.connect(Object.assign({ port }, options));
}

function lookupOf(addresses) {
  return (hostname, options, callback) => callback(null, addresses.map((address) => ({ address, family: 4 })));
}

server.listen(0, '127.0.0.1', () => {
  const port = server.address().port;
  const single = new net.BlockList();
  single.addAddress('127.0.0.1');
  const others = new net.BlockList();
  others.addAddress('127.0.0.2');
  others.addAddress('127.0.0.3');
  run('single', port, single, { host: '127.0.0.1' }, () =>
    run('multi', port, others, { host: 'example.test', lookup: lookupOf(['127.0.0.2', '127.0.0.1']) }, () =>
      run('allBlocked', port, others, { host: 'example.test', lookup: lookupOf(['127.0.0.2', '127.0.0.3']) }, () =>
        server.close(),
      ),
    ),
  );
});
