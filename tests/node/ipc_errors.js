// Scenario: errors of Unix domain sockets (paths in a temporary directory, printed as "<dir>/...").
//   missing: net.connect(<dir>/missing.sock): no 'connectionAttempt' (TCP only), but
//            'connectionAttemptFailed'(path, undefined, undefined, err), then 'error'
//            ENOENT (syscall connect, address the path, message 'connect ENOENT
//            <path>') and 'close'(true).
//   inuse:   listen(<dir>/file), a regular file that exists -> async 'error'
//            EADDRINUSE (syscall listen, 'listen EADDRINUSE: address already in use
//            <path>', and port -1), no 'listening'; the file is left in place.
//   abstract: listen({path: '\0...', readableAll: true}) throws ERR_INVALID_ARG_VALUE
//            (a TypeError); the message prints a JS object, so only name and code
//            are traced.
// compare: per-side (each case is a side of its own; they run one after the other).
'use strict';
const fs = require('node:fs');
const os = require('node:os');
const net = require('node:net');
const { emit, errorFields, watchdog } = require('./_trace');

watchdog();

const dir = fs.mkdtempSync(os.tmpdir() + '/tokionet-diff-');
process.on('exit', () => fs.rmSync(dir, { recursive: true, force: true }));

// A value as Python sees it: undefined and null are both None (null here).
function val(v) {
  return v === undefined ? null : v;
}

function normPaths(v) {
  if (typeof v === 'string') return v.split(dir).join('<dir>');
  if (v && typeof v === 'object') {
    const out = {};
    for (const [k, x] of Object.entries(v)) out[k] = normPaths(x);
    return out;
  }
  return v;
}

function missing(next) {
  const client = net.connect(dir + '/missing.sock');
  emit('missing', 'connecting', { connecting: client.connecting });
  client.on('connectionAttempt', () => emit('missing', 'connectionAttempt'));
  client.on('connectionAttemptFailed', (ip, port, family, err) =>
    emit('missing', 'connectionAttemptFailed', {
      ip: normPaths(val(ip)),
      port: val(port),
      family: val(family),
      error: normPaths(errorFields(err)),
    }),
  );
  client.on('connect', () => emit('missing', 'connect'));
  client.on('error', (err) =>
    emit('missing', 'error', {
      error: normPaths(errorFields(err)),
      destroyed: client.destroyed,
      connecting: client.connecting,
    }),
  );
  client.on('close', (hadError) => {
    emit('missing', 'close', { hadError, readyState: client.readyState });
    next();
  });
}

function inuse(next) {
  const file = dir + '/file';
  fs.writeFileSync(file, 'not a socket');
  const server = net.createServer();
  let returned = false;
  server.on('listening', () => emit('inuse', 'listening'));
  server.on('close', () => emit('inuse', 'close'));
  server.on('error', (err) => {
    emit('inuse', 'error', {
      sync: !returned,
      error: normPaths(errorFields(err)),
      errPort: val(err.port),
      listening: server.listening,
      fileExists: fs.existsSync(file),
      fileContent: fs.readFileSync(file, 'latin1'),
    });
    next();
  });
  server.listen(file);
  returned = true;
  emit('inuse', 'listenReturned', { listening: server.listening });
}

function abstract(next) {
  const server = net.createServer();
  try {
    server.listen({ path: '\0tokionet-diff-abstract-' + process.pid, readableAll: true });
    emit('abstract', 'noThrow', { listening: server.listening });
    server.close();
  } catch (err) {
    emit('abstract', 'thrown', { name: err.name, code: err.code, listening: server.listening });
  }
  next();
}

missing(() => inuse(() => abstract(() => emit('done', 'done'))));
