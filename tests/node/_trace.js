// Trace helpers shared by the Node side of the differential scenarios.
//
// A trace is one JSON object per line on stdout.  Its Python twin is
// tests/differential/_trace.py; both must normalise values the same way:
//   * nothing that varies between runs is printed (ports, pids, timings):
//     ports become "<port>" (or a named placeholder chosen by the scenario);
//   * errors become {name, code, errno (absolute value), syscall, address,
//     port, message}, with keys whose value is null/undefined left out and the
//     trailing ":<digits>" of a message (a port) replaced by ":<port>";
//   * data becomes {data: text, type: 'bytes' | 'str'}: Buffers are decoded
//     as latin1 (one char per byte), strings are printed as they are.
'use strict';

function emit(side, event, fields) {
  const line = Object.assign({ side, event }, fields || {});
  process.stdout.write(JSON.stringify(line) + '\n');
}

function normMessage(msg) {
  return String(msg).replace(/:\d+$/, ':<port>');
}

function errorFields(err) {
  if (err === null || err === undefined) return null;
  const out = { name: err.name };
  if (err.code != null) out.code = err.code;
  if (typeof err.errno === 'number') out.errno = Math.abs(err.errno);
  if (err.syscall != null) out.syscall = err.syscall;
  if (err.address != null) out.address = err.address;
  if (err.port != null) out.port = '<port>';
  out.message = normMessage(err.message);
  return out;
}

function dataFields(chunk) {
  if (Buffer.isBuffer(chunk)) return { data: chunk.toString('latin1'), type: 'bytes' };
  return { data: String(chunk), type: 'str' };
}

// Fail safe: a scenario that has not finished after `ms` prints a watchdog
// line and exits with status 3.  The timer is unref'd, so it never keeps the
// process alive by itself.
function watchdog(ms) {
  setTimeout(() => {
    process.stdout.write(JSON.stringify({ event: 'watchdog' }) + '\n');
    process.exit(3);
  }, ms || 4000).unref();
}

module.exports = { emit, errorFields, dataFields, normMessage, watchdog };
