// Scenario: backpressure.  The server pauses its accepted socket
// (pauseOnConnect); the client writes 16 KiB chunks until write() returns
// false.  A 'drain' while the reader is still paused (possible where the
// kernel had room after all) just makes the writer fill again; once no 'drain'
// has come for 200 ms after a false write, the reader resumes, and the next
// 'drain' is traced and the client ends.  The server checks it got every byte.
// Traced: the first false write (not how many writes it took: that depends on
// kernel buffers), the resume, the drain, and the byte counts as booleans.
// compare: per-side (the client's and the server's events interleave freely).
'use strict';
const net = require('node:net');
const { emit, watchdog } = require('./_trace');

watchdog();

const CHUNK = Buffer.alloc(16 * 1024, 'x');
const CAP = 64 * 1024 * 1024; // never buffer more than this, whatever happens
const STALL_MS = 200;

let conn = null;
let client = null;
let connected = false;
let started = false;
let resumed = false;
let drainTraced = false;
let firstFalse = false;
let capped = false;
let total = 0;
let received = 0;
let drains = 0;

function start() {
  if (started || !conn || !connected) return;
  started = true;
  fill();
}

function fill() {
  while (total < CAP) {
    total += CHUNK.length;
    if (!client.write(CHUNK)) {
      if (!firstFalse) {
        firstFalse = true;
        emit('client', 'write', {
          returned: false,
          full: client.writableLength >= client.writableHighWaterMark,
          writableHighWaterMark: client.writableHighWaterMark,
        });
      }
      const seen = drains;
      setTimeout(() => {
        if (drains === seen && !resumed) {
          resumed = true;
          emit('server', 'resume', { obj: 'socket', isPaused: conn.isPaused() });
          conn.resume();
        }
      }, STALL_MS);
      return;
    }
  }
  if (!capped) {
    capped = true;
    emit('client', 'cap');
    resumed = true;
    conn.resume();
  }
}

const server = net.createServer({ pauseOnConnect: true }, (c) => {
  conn = c;
  emit('server', 'connection', { obj: 'server', isPaused: c.isPaused() });
  c.on('data', (d) => { received += d.length; });
  c.on('end', () => emit('server', 'end', { obj: 'socket', bytesMatch: received === total }));
  c.on('close', (hadError) => {
    emit('server', 'close', { obj: 'socket', hadError });
    server.close();
  });
  start();
});

server.listen(0, '127.0.0.1', () => {
  client = net.connect(server.address().port, '127.0.0.1');
  client.on('connect', () => {
    emit('client', 'connect');
    connected = true;
    start();
  });
  client.on('drain', () => {
    drains += 1;
    if (!resumed) {
      fill();
    } else if (!drainTraced) {
      drainTraced = true;
      emit('client', 'drain', { readerResumed: resumed, writableLength: client.writableLength });
      client.end();
    }
  });
  client.on('finish', () => emit('client', 'finish'));
  client.on('end', () => emit('client', 'end'));
  client.on('close', (hadError) =>
    emit('client', 'close', { hadError, bytesWrittenMatch: client.bytesWritten === total }),
  );
});
