//! The life of one `net.Socket`, as Node's Duplex stream and `lib/net.js`
//! run it, with no I/O: inputs are the caller's calls (`write`, `end`,
//! `pause`, `destroy`, ...) and what the driver saw (`handle_data`,
//! `handle_eof`, ...); outputs, taken with [`SocketMachine::poll`], are
//! events to emit and commands for the driver, in the order Node produces
//! them.
//!
//! The rules, from Node v24:
//! * Reading: a socket reads as soon as it is connected unless paused; data
//!   is emitted only while flowing (a `'data'` listener or `resume()`), and
//!   is buffered otherwise. While nobody consumes, reading stops once the
//!   buffer holds the high-water mark; `pause()` stops it at once, so the
//!   peer feels backpressure.
//! * `'end'` comes after the last buffered chunk is emitted (at once when
//!   nothing is buffered, even with no consumer). Without
//!   `allowHalfOpen` the socket then ends its own side, and a later write
//!   fails with `EPIPE` ("This socket has been ended by the other party").
//! * `end()` shuts the writing side down after every queued write; `'finish'`
//!   follows the shutdown. A socket whose both sides are done destroys itself.
//! * `destroy(err)` aborts queued writes (their callbacks get
//!   `ERR_STREAM_DESTROYED`), emits `'error'` if there is an error, and
//!   `'close'(hadError)` once the handle is closed; a socket that never had a
//!   handle emits `'close'` with no argument.
//! * Misuse: a write after `end()` is `ERR_STREAM_WRITE_AFTER_END` (callback
//!   and `'error'`), after `destroy()` is `ERR_STREAM_DESTROYED` (callback
//!   only), on a socket never connected is `ERR_SOCKET_CLOSED`.

use std::collections::VecDeque;

use bytes::Bytes;

use super::write_queue::{CallbackId, Completed, WriteQueue};
use crate::Error;

/// An event for the caller's listeners.
#[derive(Debug, Clone, PartialEq)]
pub enum Emit {
    Connect,
    Ready,
    Data(Bytes),
    End,
    Prefinish,
    Finish,
    Drain,
    Timeout,
    Error(Error),
    /// `'close'`: `None` for a socket that never had a handle (no argument).
    Close(Option<bool>),
    /// A write or end callback, with its error if it failed.
    Callback(CallbackId, Option<Error>),
}

/// A command for the driver that owns the descriptor.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Io {
    StartReading,
    StopReading,
    /// Shut the writing side down once every queued write is out.
    Shutdown,
    /// Close the descriptor (`reset`: with `SO_LINGER` 0, so the peer sees
    /// `ECONNRESET`).
    Close {
        reset: bool,
    },
}

#[derive(Debug, Clone, PartialEq)]
pub enum Output {
    Emit(Emit),
    Io(Io),
}

/// Node's `readableFlowing`: `null`, `true` or `false`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Flow {
    Initial,
    Flowing,
    Paused,
}

/// What a caller's `write()` must do next.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WriteGrant {
    /// Send the bytes (directly if the descriptor is connected and idle);
    /// `ret` is what `write()` returns.
    Send { ret: bool, connected: bool },
    /// The write failed; its outcome is already in the outputs.
    Refused,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Phase {
    /// `new Socket()` with no handle yet.
    Idle,
    Connecting,
    Open,
    /// Destroyed; the descriptor is closing (or there was none).
    Destroyed,
}

#[derive(Debug)]
pub struct SocketMachine {
    phase: Phase,
    has_handle: bool,
    allow_half_open: bool,
    closed: bool,
    had_error: bool,
    reset_on_connect: bool,

    flow: Flow,
    buffer: VecDeque<Bytes>,
    buffered: usize,
    readable_hwm: usize,
    reading: bool,
    eof: bool,
    end_emitted: bool,
    /// The peer ended and the socket is not half-open: writes are refused.
    ended_by_peer: bool,

    writes: WriteQueue,
    ending: bool,
    shutdown_requested: bool,
    finished: bool,

    bytes_read: u64,
    out: VecDeque<Output>,
}

impl SocketMachine {
    /// A socket with no handle (`new net.Socket()`).
    pub fn new(allow_half_open: bool, readable_hwm: usize, writable_hwm: usize) -> Self {
        SocketMachine {
            phase: Phase::Idle,
            has_handle: false,
            allow_half_open,
            closed: false,
            had_error: false,
            reset_on_connect: false,
            flow: Flow::Initial,
            buffer: VecDeque::new(),
            buffered: 0,
            readable_hwm,
            reading: false,
            eof: false,
            end_emitted: false,
            ended_by_peer: false,
            writes: WriteQueue::new(writable_hwm),
            ending: false,
            shutdown_requested: false,
            finished: false,
            bytes_read: 0,
            out: VecDeque::new(),
        }
    }

    /// The next output, in order.
    pub fn poll(&mut self) -> Option<Output> {
        self.out.pop_front()
    }

    fn emit(&mut self, e: Emit) {
        self.out.push_back(Output::Emit(e));
    }

    fn callback(&mut self, id: CallbackId, error: Option<Error>) {
        if id != 0 {
            self.emit(Emit::Callback(id, error));
        }
    }

    fn io(&mut self, c: Io) {
        self.out.push_back(Output::Io(c));
    }

    // ---- getters -----------------------------------------------------------

    pub fn connecting(&self) -> bool {
        self.phase == Phase::Connecting
    }

    pub fn destroyed(&self) -> bool {
        self.phase == Phase::Destroyed
    }

    pub fn has_handle(&self) -> bool {
        self.has_handle
    }

    /// Node's `pending`: no handle yet, or still connecting.
    pub fn pending(&self) -> bool {
        !self.has_handle || self.connecting()
    }

    pub fn closed(&self) -> bool {
        self.closed
    }

    pub fn flow(&self) -> Flow {
        self.flow
    }

    pub fn allow_half_open(&self) -> bool {
        self.allow_half_open
    }

    pub fn readable(&self) -> bool {
        !self.destroyed() && !self.end_emitted
    }

    pub fn writable(&self) -> bool {
        !self.destroyed() && !self.ending
    }

    /// Node's `readyState`.
    pub fn ready_state(&self) -> &'static str {
        match (self.connecting(), self.readable(), self.writable()) {
            (true, _, _) => "opening",
            (_, true, true) => "open",
            (_, true, false) => "readOnly",
            (_, false, true) => "writeOnly",
            _ => "closed",
        }
    }

    pub fn bytes_read(&self) -> u64 {
        self.bytes_read
    }

    pub fn bytes_written(&self) -> u64 {
        self.writes.accepted()
    }

    pub fn writable_length(&self) -> usize {
        self.writes.length()
    }

    pub fn writable_high_water_mark(&self) -> usize {
        self.writes.high_water_mark()
    }

    pub fn readable_length(&self) -> usize {
        self.buffered
    }

    pub fn readable_ended(&self) -> bool {
        self.end_emitted
    }

    pub fn writable_finished(&self) -> bool {
        self.finished
    }

    pub fn writable_ended(&self) -> bool {
        self.ending
    }

    /// Whether this socket keeps an event loop alive, as libuv counts an
    /// active handle: connecting, reading, writing or closing.
    pub fn is_active(&self) -> bool {
        match self.phase {
            Phase::Idle => false,
            Phase::Connecting => true,
            Phase::Open => {
                self.reading
                    || !self.writes.is_idle()
                    || (self.shutdown_requested && !self.finished)
            }
            Phase::Destroyed => self.has_handle && !self.closed,
        }
    }

    // ---- the caller's calls -----------------------------------------------

    /// `connect()`: a handle now exists and the connection is under way.
    /// A destroyed socket that has closed starts over (Node allows it).
    pub fn connect(&mut self) {
        if self.phase == Phase::Destroyed {
            let (hoh, rhwm, whwm) = (
                self.allow_half_open,
                self.readable_hwm,
                self.writes.high_water_mark(),
            );
            let flow = self.flow;
            *self = SocketMachine::new(hoh, rhwm, whwm);
            self.flow = flow;
        }
        self.has_handle = true;
        self.phase = Phase::Connecting;
    }

    /// A socket made from an accepted connection: open at once, reading
    /// unless the server pauses new connections.
    pub fn accepted(&mut self, paused: bool) {
        self.has_handle = true;
        self.phase = Phase::Open;
        if paused {
            self.flow = Flow::Paused;
        }
        // The driver starts reading on its own unless told the socket is
        // paused, so no command is needed here.
        self.reading = !paused;
    }

    /// `write()`: decides the write's fate. On [`WriteGrant::Send`] the
    /// caller sends the bytes and reports with [`Self::sent`] or
    /// [`Self::queued`].
    pub fn write(&mut self, len: usize, callback: CallbackId) -> WriteGrant {
        // Node checks "ended" before "destroyed"; once the peer's FIN has
        // ended this side too, the error is EPIPE.
        let refused = if self.ending && self.ended_by_peer {
            Some(Error::EndedByPeer)
        } else if self.ending {
            Some(Error::StreamWriteAfterEnd)
        } else if self.destroyed() {
            Some(Error::StreamDestroyed)
        } else if !self.has_handle {
            Some(Error::SocketClosed)
        } else {
            None
        };
        if let Some(error) = refused {
            self.callback(callback, Some(error.clone()));
            // A destroyed stream only tells the callback.
            if error != Error::StreamDestroyed {
                self.destroy(Some(error));
            }
            return WriteGrant::Refused;
        }
        let ret = self.writes.accept(len);
        WriteGrant::Send {
            ret,
            connected: self.phase == Phase::Open,
        }
    }

    /// The kernel took the whole write at once.
    pub fn sent(&mut self, len: usize, callback: CallbackId) {
        let done = self.writes.complete_now(len, callback);
        self.completed(done);
    }

    /// The write (or what the kernel did not take) went to the driver.
    pub fn queued(&mut self, len: usize, callback: CallbackId) {
        self.writes.queue(len, callback);
    }

    fn completed(&mut self, done: Completed) {
        for cb in done.callbacks {
            self.emit(Emit::Callback(cb, None));
        }
        if done.drain {
            self.emit(Emit::Drain);
        }
    }

    /// `end()`: no more writes; the writing side shuts down after the
    /// queued ones (at once if connected, after connecting otherwise).
    pub fn end(&mut self) {
        if self.ending || self.destroyed() {
            return;
        }
        self.ending = true;
        if self.phase == Phase::Open {
            self.request_shutdown();
        }
    }

    fn request_shutdown(&mut self) {
        if !self.shutdown_requested {
            self.shutdown_requested = true;
            self.io(Io::Shutdown);
        }
    }

    pub fn pause(&mut self) {
        self.flow = Flow::Paused;
        self.update_reading();
    }

    /// `resume()`: flowing again; buffered data is emitted first.
    pub fn resume(&mut self) {
        self.flow = Flow::Flowing;
        self.flush();
        self.update_reading();
    }

    /// A `'data'` listener was added: it starts the flow unless the socket
    /// was paused on purpose.
    pub fn data_listener_added(&mut self) {
        if self.flow != Flow::Paused {
            self.resume();
        }
    }

    /// `destroy([error])`.
    pub fn destroy(&mut self, error: Option<Error>) {
        if self.destroyed() {
            return;
        }
        let had_handle = self.has_handle && !self.closed;
        self.phase = Phase::Destroyed;
        self.reading = false;
        self.buffer.clear();
        self.buffered = 0;
        for cb in self.writes.abort() {
            self.emit(Emit::Callback(cb, Some(Error::StreamDestroyed)));
        }
        self.had_error = error.is_some();
        if let Some(e) = error {
            self.emit(Emit::Error(e));
        }
        if had_handle {
            self.io(Io::Close { reset: false });
        } else {
            self.closed = true;
            self.emit(Emit::Close(None));
        }
    }

    /// `resetAndDestroy()`: close with a reset (after connecting, if that
    /// is still under way).
    pub fn reset_and_destroy(&mut self) {
        match self.phase {
            Phase::Idle => self.destroy(Some(Error::SocketClosed)),
            Phase::Connecting => self.reset_on_connect = true,
            Phase::Open => {
                self.phase = Phase::Destroyed;
                self.reading = false;
                for cb in self.writes.abort() {
                    self.emit(Emit::Callback(cb, Some(Error::StreamDestroyed)));
                }
                self.io(Io::Close { reset: true });
            }
            Phase::Destroyed => {}
        }
    }

    // ---- what the driver saw ----------------------------------------------

    pub fn handle_connected(&mut self) {
        if self.phase != Phase::Connecting {
            return;
        }
        self.phase = Phase::Open;
        self.emit(Emit::Connect);
        self.emit(Emit::Ready);
        if self.reset_on_connect {
            self.reset_on_connect = false;
            self.reset_and_destroy();
            return;
        }
        if self.ending {
            self.request_shutdown();
        }
        self.update_reading();
    }

    pub fn handle_connect_failed(&mut self, error: Error) {
        if self.phase == Phase::Connecting {
            self.destroy(Some(error));
        }
    }

    pub fn handle_data(&mut self, chunk: Bytes) {
        if self.phase != Phase::Open {
            return;
        }
        self.bytes_read += chunk.len() as u64;
        if self.flow == Flow::Flowing && self.buffer.is_empty() {
            self.emit(Emit::Data(chunk));
        } else {
            self.buffered += chunk.len();
            self.buffer.push_back(chunk);
            self.update_reading();
        }
    }

    /// `handle_data` for a chunk that would be emitted at once with nothing
    /// ahead of it (open, flowing, nothing buffered, no output waiting): it
    /// is counted and `true` says the caller emits it itself, which spares
    /// the hottest path a trip through the output queue. Otherwise nothing
    /// changes and the chunk must go to `handle_data`.
    pub fn pass_data(&mut self, len: usize) -> bool {
        let direct = self.phase == Phase::Open
            && self.flow == Flow::Flowing
            && self.buffer.is_empty()
            && self.out.is_empty();
        if direct {
            self.bytes_read += len as u64;
        }
        direct
    }

    /// The peer shut its side down (FIN).
    pub fn handle_eof(&mut self) {
        if self.phase != Phase::Open || self.eof {
            return;
        }
        self.eof = true;
        self.reading = false;
        // Node pushes the EOF and reads 0 bytes: with nothing buffered that
        // ends the readable side whether or not anyone consumes.
        self.flush();
    }

    /// The caller emitted `'end'`: only now does the peer's FIN reach the
    /// writable side (writes before it, from `'data'` listeners, still go
    /// out). Without `allowHalfOpen` the socket ends its own side.
    pub fn end_emitted(&mut self) {
        if self.destroyed() {
            return;
        }
        if !self.allow_half_open {
            self.ended_by_peer = true;
            self.end();
        }
        if self.finished {
            self.destroy(None);
        }
    }

    pub fn handle_write_done(&mut self, count: usize) {
        let done = self.writes.complete_queued(count);
        self.completed(done);
    }

    pub fn handle_shutdown_done(&mut self) {
        if self.finished || self.destroyed() {
            return;
        }
        self.finished = true;
        self.emit(Emit::Prefinish);
        self.emit(Emit::Finish);
        if self.end_emitted {
            self.destroy(None);
        }
    }

    /// A read, write or shutdown failed: the socket is destroyed with it.
    pub fn handle_io_error(&mut self, error: Error) {
        self.destroy(Some(error));
    }

    pub fn handle_timeout(&mut self) {
        if !self.destroyed() {
            self.emit(Emit::Timeout);
        }
    }

    /// The descriptor is closed.
    pub fn handle_closed(&mut self) {
        if self.closed {
            return;
        }
        self.closed = true;
        self.phase = Phase::Destroyed;
        self.emit(Emit::Close(Some(self.had_error)));
    }

    // ---- internals ---------------------------------------------------------

    /// Emits buffered data while flowing, then `'end'` once the peer's FIN
    /// has been reached.
    fn flush(&mut self) {
        while self.flow == Flow::Flowing {
            let Some(chunk) = self.buffer.pop_front() else {
                break;
            };
            self.buffered -= chunk.len();
            self.emit(Emit::Data(chunk));
        }
        if self.eof && !self.end_emitted && self.buffer.is_empty() {
            self.end_emitted = true;
            self.emit(Emit::End);
        }
    }

    fn update_reading(&mut self) {
        let want = self.phase == Phase::Open
            && !self.eof
            && match self.flow {
                Flow::Flowing => true,
                Flow::Initial => self.buffered < self.readable_hwm,
                Flow::Paused => false,
            };
        if want != self.reading {
            self.reading = want;
            self.io(if want {
                Io::StartReading
            } else {
                Io::StopReading
            });
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Takes every output, acknowledging `'end'` as the binding does.
    fn drain(m: &mut SocketMachine) -> Vec<Output> {
        let mut out = Vec::new();
        while let Some(o) = m.poll() {
            let ended = o == Output::Emit(Emit::End);
            out.push(o);
            if ended {
                m.end_emitted();
            }
        }
        out
    }

    fn emits(m: &mut SocketMachine) -> Vec<Emit> {
        drain(m)
            .into_iter()
            .filter_map(|o| match o {
                Output::Emit(e) => Some(e),
                Output::Io(_) => None,
            })
            .collect()
    }

    fn connected() -> SocketMachine {
        let mut m = SocketMachine::new(false, 16, 16);
        m.connect();
        m.handle_connected();
        drain(&mut m);
        m
    }

    #[test]
    fn connect_emits_connect_then_ready_and_starts_reading() {
        let mut m = SocketMachine::new(false, 16, 16);
        assert_eq!(m.ready_state(), "open");
        m.connect();
        assert_eq!(
            (m.ready_state(), m.pending(), m.is_active()),
            ("opening", true, true)
        );
        m.handle_connected();
        assert_eq!(
            drain(&mut m),
            vec![
                Output::Emit(Emit::Connect),
                Output::Emit(Emit::Ready),
                Output::Io(Io::StartReading)
            ]
        );
    }

    #[test]
    fn eof_with_nothing_buffered_ends_without_a_consumer() {
        let mut m = connected();
        m.handle_eof();
        assert_eq!(
            drain(&mut m),
            vec![Output::Emit(Emit::End), Output::Io(Io::Shutdown)]
        );
    }

    #[test]
    fn data_is_buffered_until_a_listener_then_end_then_auto_end_and_close() {
        let mut m = connected();
        m.handle_data(Bytes::from_static(b"hi"));
        m.handle_eof();
        assert!(emits(&mut m).is_empty());
        assert_eq!(m.ready_state(), "open");
        m.data_listener_added();
        let out = drain(&mut m);
        assert_eq!(
            out,
            vec![
                Output::Emit(Emit::Data(Bytes::from_static(b"hi"))),
                Output::Emit(Emit::End),
                Output::Io(Io::Shutdown),
            ]
        );
        assert_eq!(m.ready_state(), "closed");
        m.handle_shutdown_done();
        assert_eq!(
            drain(&mut m),
            vec![
                Output::Emit(Emit::Prefinish),
                Output::Emit(Emit::Finish),
                Output::Io(Io::Close { reset: false })
            ]
        );
        assert!(m.is_active());
        m.handle_closed();
        assert_eq!(emits(&mut m), vec![Emit::Close(Some(false))]);
        assert!(!m.is_active());
    }

    #[test]
    fn data_passes_directly_only_when_handle_data_would_emit_it_first() {
        let chunk = Bytes::from_static(b"abc");
        // Not flowing yet: buffered by the state machine.
        let mut m = connected();
        assert!(!m.pass_data(3));
        assert_eq!(m.bytes_read(), 0);
        m.data_listener_added();
        drain(&mut m);
        // Flowing, nothing ahead: the same outcome as handle_data's.
        let mut twin = connected();
        twin.data_listener_added();
        drain(&mut twin);
        twin.handle_data(chunk.clone());
        assert_eq!(emits(&mut twin), vec![Emit::Data(chunk.clone())]);
        assert!(m.pass_data(3));
        assert_eq!((m.bytes_read(), twin.bytes_read()), (3, 3));
        assert!(m.poll().is_none());
        // An output waiting (here `'end'` after the peer's FIN) goes first.
        m.handle_eof();
        assert!(!m.pass_data(3));
        // Paused with data buffered: never direct.
        let mut p = connected();
        p.data_listener_added();
        p.pause();
        drain(&mut p);
        p.handle_data(chunk.clone());
        p.resume();
        assert!(!p.pass_data(3));
    }

    #[test]
    fn half_open_keeps_writing_after_the_peer_ends() {
        let mut m = SocketMachine::new(true, 16, 16);
        m.connect();
        m.handle_connected();
        m.data_listener_added();
        m.handle_eof();
        assert_eq!(emits(&mut m), vec![Emit::Connect, Emit::Ready, Emit::End]);
        assert_eq!(m.ready_state(), "writeOnly");
        assert!(matches!(m.write(3, 0), WriteGrant::Send { ret: true, .. }));
        m.end();
        m.handle_shutdown_done();
        let out = drain(&mut m);
        assert!(out.contains(&Output::Io(Io::Close { reset: false })));
    }

    #[test]
    fn writes_after_end_and_destroy_fail_like_node() {
        let mut m = connected();
        m.end();
        drain(&mut m);
        assert_eq!(m.ready_state(), "readOnly");
        assert_eq!(m.write(1, 5), WriteGrant::Refused);
        assert_eq!(
            emits(&mut m),
            vec![
                Emit::Callback(5, Some(Error::StreamWriteAfterEnd)),
                Emit::Error(Error::StreamWriteAfterEnd)
            ]
        );
        // Still "write after end" once destroyed: Node checks that first.
        assert_eq!(m.write(1, 6), WriteGrant::Refused);
        assert_eq!(
            emits(&mut m),
            vec![Emit::Callback(6, Some(Error::StreamWriteAfterEnd))]
        );
        m.handle_closed();
        assert_eq!(emits(&mut m), vec![Emit::Close(Some(true))]);
    }

    #[test]
    fn data_listeners_may_still_write_before_end_is_emitted() {
        let mut m = connected();
        m.handle_data(Bytes::from_static(b"a"));
        m.handle_eof();
        m.data_listener_added();
        assert_eq!(
            m.poll(),
            Some(Output::Emit(Emit::Data(Bytes::from_static(b"a"))))
        );
        // A 'data' listener echoes: the FIN has not reached the writer yet.
        assert!(matches!(m.write(1, 0), WriteGrant::Send { .. }));
        assert_eq!(m.poll(), Some(Output::Emit(Emit::End)));
        m.end_emitted();
        assert_eq!(m.write(1, 0), WriteGrant::Refused);
    }

    #[test]
    fn write_after_peer_fin_is_epipe() {
        let mut m = connected();
        m.data_listener_added();
        m.handle_eof();
        drain(&mut m);
        assert_eq!(m.write(1, 0), WriteGrant::Refused);
        assert_eq!(emits(&mut m), vec![Emit::Error(Error::EndedByPeer)]);
    }

    #[test]
    fn never_connected_socket_closes_without_argument() {
        let mut m = SocketMachine::new(false, 16, 16);
        assert_eq!(m.write(1, 1), WriteGrant::Refused);
        assert_eq!(
            emits(&mut m),
            vec![
                Emit::Callback(1, Some(Error::SocketClosed)),
                Emit::Error(Error::SocketClosed),
                Emit::Close(None)
            ]
        );
    }

    #[test]
    fn pause_stops_reading_and_resume_flushes() {
        let mut m = connected();
        m.data_listener_added();
        m.pause();
        assert_eq!(drain(&mut m), vec![Output::Io(Io::StopReading)]);
        m.handle_data(Bytes::from_static(b"x"));
        assert!(emits(&mut m).is_empty());
        m.resume();
        assert_eq!(
            drain(&mut m),
            vec![
                Output::Emit(Emit::Data(Bytes::from_static(b"x"))),
                Output::Io(Io::StartReading)
            ]
        );
    }

    #[test]
    fn unconsumed_data_stops_reading_at_the_high_water_mark() {
        let mut m = connected();
        m.handle_data(Bytes::from(vec![0; 16]));
        assert_eq!(drain(&mut m), vec![Output::Io(Io::StopReading)]);
        assert!(!m.is_active());
    }

    #[test]
    fn destroy_aborts_queued_writes_and_reports_the_error() {
        let mut m = connected();
        assert_eq!(
            m.write(20, 3),
            WriteGrant::Send {
                ret: false,
                connected: true
            }
        );
        m.queued(20, 3);
        m.destroy(Some(Error::SocketClosed));
        assert_eq!(
            drain(&mut m),
            vec![
                Output::Emit(Emit::Callback(3, Some(Error::StreamDestroyed))),
                Output::Emit(Emit::Error(Error::SocketClosed)),
                Output::Io(Io::Close { reset: false })
            ]
        );
        m.handle_closed();
        assert_eq!(emits(&mut m), vec![Emit::Close(Some(true))]);
    }

    #[test]
    fn queued_writes_complete_in_order_then_drain() {
        let mut m = connected();
        assert_eq!(
            m.write(10, 1),
            WriteGrant::Send {
                ret: true,
                connected: true
            }
        );
        m.queued(10, 1);
        assert_eq!(
            m.write(10, 2),
            WriteGrant::Send {
                ret: false,
                connected: true
            }
        );
        m.queued(10, 2);
        assert!(m.is_active());
        m.handle_write_done(2);
        assert_eq!(
            emits(&mut m),
            vec![
                Emit::Callback(1, None),
                Emit::Callback(2, None),
                Emit::Drain
            ]
        );
        assert_eq!(m.bytes_written(), 20);
    }

    #[test]
    fn end_while_connecting_shuts_down_after_connect() {
        let mut m = SocketMachine::new(false, 16, 16);
        m.connect();
        m.end();
        assert!(drain(&mut m).is_empty());
        m.handle_connected();
        assert_eq!(
            drain(&mut m),
            vec![
                Output::Emit(Emit::Connect),
                Output::Emit(Emit::Ready),
                Output::Io(Io::Shutdown),
                Output::Io(Io::StartReading)
            ]
        );
    }
}
