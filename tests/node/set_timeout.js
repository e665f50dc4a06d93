// Scenario: socket.setTimeout() fires 'timeout' on an idle socket and does not
// close it.  The client sets a 100 ms timeout with a callback (attached with
// once('timeout'), so it runs after the 'timeout' listener added before it);
// on 'timeout' it disables the timer (setTimeout(0)), shows the socket is
// still open by a round trip through the echoing server, then ends.
// compare: per-side (the client's and the server's events interleave freely).
'use strict';
const net = require('node:net');
const { emit, dataFields, watchdog } = require('./_trace');

watchdog();

const server = net.createServer((conn) => {
  emit('server', 'connection', { obj: 'server' });
  conn.on('data', (d) => {
    emit('server', 'data', Object.assign({ obj: 'socket' }, dataFields(d)));
    conn.write(d);
  });
  conn.on('end', () => emit('server', 'end', { obj: 'socket' }));
  conn.on('close', (hadError) => {
    emit('server', 'close', { obj: 'socket', hadError });
    server.close();
  });
});

server.listen(0, '127.0.0.1', () => {
  const client = net.connect(server.address().port, '127.0.0.1');
  emit('client', 'timeoutProperty', { value: client.timeout === undefined ? null : client.timeout });
  let timeouts = 0;
  client.on('timeout', () => {
    timeouts += 1;
    emit('client', 'timeout', {
      count: timeouts, readyState: client.readyState, destroyed: client.destroyed, timeout: client.timeout,
    });
    const ret = client.setTimeout(0);
    emit('client', 'setTimeout0', { returnsSelf: ret === client, timeout: client.timeout });
    client.write('still open');
  });
  client.on('connect', () => {
    emit('client', 'connect');
    const ret = client.setTimeout(100, () => emit('client', 'timeoutCallback', { count: timeouts }));
    emit('client', 'setTimeout', { returnsSelf: ret === client, timeout: client.timeout });
  });
  client.on('data', (d) => {
    emit('client', 'data', dataFields(d));
    client.end();
  });
  client.on('end', () => emit('client', 'end'));
  client.on('close', (hadError) => emit('client', 'close', { hadError, timeouts }));
});
