// Scenario: destroy() without and with an error, and on a socket that never
// had a handle.
//   A: the client calls destroy() on 'connect'        -> 'close'(false), no 'error';
//      a write after that gets ERR_STREAM_DESTROYED in its callback, and no 'error'
//   B: the client calls destroy(err) on 'connect'     -> 'error'(err) once, 'close'(true);
//      a second destroy(err2) emits nothing more; destroy() returns the socket
//   C: new Socket().destroy() (never connected)       -> 'close' with no argument
// B starts when both ends of A have closed (and A's write callback has run),
// C when both ends of B have.
// The server side sees a peer FIN each time ('end', then 'close'(false)).
// compare: per-side (the clients' and the server's events interleave freely).
'use strict';
const net = require('node:net');
const { emit, errorFields, watchdog } = require('./_trace');

watchdog();

let closes = 0;
const steps = [];
function closed() {
  // Each step waits for the two ends' 'close' (A: its write callback instead of
  // the client's 'close'); then the next step starts.
  closes += 1;
  if (closes % 2 === 0) steps.shift()();
}

const server = net.createServer((conn) => {
  emit('server', 'connection', { obj: 'server' });
  conn.on('data', () => emit('server', 'data', { obj: 'socket' }));
  conn.on('end', () => emit('server', 'end', { obj: 'socket' }));
  conn.on('error', (err) => emit('server', 'error', { obj: 'socket', error: errorFields(err) }));
  conn.on('close', (hadError) => {
    emit('server', 'close', { obj: 'socket', hadError });
    closed();
  });
});

function connectA() {
  const a = net.connect(server.address().port, '127.0.0.1');
  a.on('connect', () => {
    emit('clientA', 'connect');
    const ret = a.destroy();
    emit('clientA', 'destroyed', {
      returnsSelf: ret === a, destroyed: a.destroyed, readyState: a.readyState, connecting: a.connecting,
    });
  });
  a.on('error', (err) => emit('clientA', 'error', { error: errorFields(err) }));
  a.on('end', () => emit('clientA', 'end'));
  a.on('close', (...args) => {
    emit('clientA', 'close', { args, destroyed: a.destroyed });
    const ret = a.write('x', (...cbArgs) => {
      emit('clientA', 'writeCallback', { nargs: cbArgs.length, err: errorFields(cbArgs[0]) });
      closed();
    });
    emit('clientA', 'writeReturned', { value: ret });
  });
  steps.push(connectB);
}

function connectB() {
  const boom = new Error('boom');
  const b = net.connect(server.address().port, '127.0.0.1');
  b.on('connect', () => {
    emit('clientB', 'connect');
    const ret = b.destroy(boom);
    emit('clientB', 'destroyed', { returnsSelf: ret === b, destroyed: b.destroyed, readyState: b.readyState });
    const ret2 = b.destroy(new Error('second'));
    emit('clientB', 'destroyedAgain', { returnsSelf: ret2 === b });
  });
  b.on('error', (err) => emit('clientB', 'error', { same: err === boom, error: errorFields(err) }));
  b.on('close', (...args) => {
    emit('clientB', 'close', { args, destroyed: b.destroyed });
    closed();
  });
  steps.push(unconnected);
}

function unconnected() {
  const c = new net.Socket();
  emit('clientC', 'created', { readyState: c.readyState, pending: c.pending, destroyed: c.destroyed });
  c.on('error', (err) => emit('clientC', 'error', { error: errorFields(err) }));
  c.on('close', (...args) => {
    emit('clientC', 'close', { args, destroyed: c.destroyed });
    server.close();
  });
  const ret = c.destroy();
  emit('clientC', 'destroyed', { returnsSelf: ret === c, destroyed: c.destroyed, readyState: c.readyState });
}

server.on('close', () => emit('server', 'close', { obj: 'server' }));
server.listen(0, '127.0.0.1', connectA);
