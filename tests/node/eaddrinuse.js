// Scenario: listen on a port already in use -> EADDRINUSE.
// Server A listens on an ephemeral port; server B listens on the same port
// and gets 'error' (syscall 'listen', message "listen EADDRINUSE: address
// already in use 127.0.0.1:<port>"), no 'listening' and no 'close'; B can
// listen again afterwards (on port 0), then both close.
// compare: global (one thing happens at a time).
'use strict';
const net = require('node:net');
const { emit, errorFields, watchdog } = require('./_trace');

watchdog();

const a = net.createServer();
a.on('close', () => emit('a', 'close'));
a.listen(0, '127.0.0.1', () => {
  const port = a.address().port;
  emit('a', 'listening');
  const b = net.createServer();
  b.on('listening', () => {
    emit('b', 'listening', { listening: b.listening, samePort: b.address().port === port });
    b.close(() => a.close());
  });
  b.on('close', () => emit('b', 'close'));
  b.once('error', (err) => {
    emit('b', 'error', {
      error: errorFields(err), portMatches: err.port === port, listening: b.listening, address: b.address(),
    });
    setTimeout(() => b.listen(0, '127.0.0.1'), 20);
  });
  const ret = b.listen(port, '127.0.0.1');
  emit('b', 'listenCalled', { returnsSelf: ret === b });
});
