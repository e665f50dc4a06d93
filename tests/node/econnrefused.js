// Scenario: connect to a closed port -> ECONNREFUSED.
// A probe server listens on an ephemeral port and closes; the client then
// connects there.  Node: 'connectionAttempt' -> 'connectionAttemptFailed'
// -> 'error' -> 'close'(true).  The error's fields are traced (errno as its
// absolute value: negative in Node, positive in Python; the port normalised).
// compare: global (one socket; the probe server is done before it starts).
'use strict';
const net = require('node:net');
const { emit, errorFields, watchdog } = require('./_trace');

watchdog();

const probe = net.createServer();
probe.listen(0, '127.0.0.1', () => {
  const port = probe.address().port;
  probe.close(() => {
    const client = net.connect(port, '127.0.0.1');
    emit('client', 'connecting', { connecting: client.connecting, readyState: client.readyState });
    client.on('connectionAttempt', (ip, p, family) =>
      emit('client', 'connectionAttempt', { ip, portMatches: p === port, family }),
    );
    client.on('connectionAttemptFailed', (ip, p, family, err) =>
      emit('client', 'connectionAttemptFailed', { ip, portMatches: p === port, family, error: errorFields(err) }),
    );
    client.on('connect', () => emit('client', 'connect'));
    client.on('error', (err) =>
      emit('client', 'error', {
        error: errorFields(err),
        portMatches: err.port === port,
        destroyed: client.destroyed,
        connecting: client.connecting,
      }),
    );
    client.on('close', (hadError) =>
      emit('client', 'close', { hadError, readyState: client.readyState, destroyed: client.destroyed }),
    );
  });
});
