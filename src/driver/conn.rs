//! One connection: its descriptor and everything queued for it.
//!
//! A connection is set up on the tokio threads (resolving, Happy Eyeballs
//! attempts, accepting) and then served on the loop thread by the hub's
//! reactor ([`Hub::take`]): reads, queued writes, shutdown and close all
//! happen there, next to the listeners, so a request never crosses threads.
//! A write goes straight to the kernel when nothing is queued; only what the
//! kernel does not take is copied and queued until the socket is writable.
//! The idle timeout is a tokio timer that reads the activity stamp.

use std::collections::VecDeque;
use std::io;
use std::net::{IpAddr, SocketAddr};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError, RwLock, Weak};
use std::time::Duration;

use bytes::{Bytes, BytesMut};
use mio::unix::SourceFd;
use socket2::SockRef;
use tokio::net::TcpStream;
use tokio::sync::Notify;

use super::hub::{Event, Hub};
use super::runtime;
use super::stream::Stream;
use crate::blocklist::BlockList;
use crate::proto::happy_eyeballs::attempt_order;
use crate::{Error, SystemError};

static NEXT_ID: AtomicU64 = AtomicU64::new(1);

/// How much one read takes at most. A bulk transfer then moves in few,
/// large reads and sends: in the 4-connection bulk echo, reads of about
/// 1 MB measured cheapest per MB (256 KiB and 64 KiB dearer). Not 1 MiB:
/// the load generator keeps 1 MiB in flight per connection, and reads of
/// exactly that, which take all of it at once, measured up to 25 % dearer
/// than reads of 1,000,000 bytes (a C server too: 245 against 180 µs per
/// MB). The buffer is shared by every connection of the loop, so this
/// costs no memory per connection.
const READ_CHUNK: usize = 1_000_000;
/// Reads per connection per pass before the others get their turn.
const READS_PER_PASS: usize = 2;
/// The shared read buffer is refilled in blocks of this size, and a read
/// gets a fresh block when less than `MIN_WINDOW` is left.
const SCRATCH_BLOCK: usize = 2 * READ_CHUNK;
const MIN_WINDOW: usize = 16 * 1024;

/// How many bytes a core pipe lets wait in the destination's queue before
/// the source stops reading (Node's default high-water mark).
///
/// A core pipe copies through the shared read buffer. splice(2) through a
/// kernel pipe was measured dearer on loopback TCP (about 320 against 265 µs
/// of server CPU per MB echoed, 4 connections).
const PIPE_HWM: usize = 64 * 1024;

#[derive(Debug)]
struct Chunk {
    data: Bytes,
    sent: usize,
    /// A caller's write, reported in `WriteDone`; piped bytes are not.
    counted: bool,
}

/// Who runs the connection.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
enum Phase {
    /// Nothing started yet.
    #[default]
    Idle,
    /// A tokio task resolves and connects (or waits for close after failing).
    Connecting,
    /// Connected; joins the reactor at the loop's next take.
    Arriving,
    /// In the reactor.
    Served,
    /// Closed, `Closed` reported.
    Done,
}

#[derive(Debug, Default)]
struct Shared {
    phase: Phase,
    stream: Option<Arc<Stream>>,
    queue: VecDeque<Chunk>,
    reading: bool,
    shutdown: bool,
    /// Close requested; `true` for a reset.
    close: Option<bool>,
    /// Bytes waiting in `queue`.
    queued_bytes: usize,
    /// A connection piped into in the core: what this one reads goes there.
    pipe_to: Option<Arc<Conn>>,
    /// The pipe waits for the loop to take every chunk read before it
    /// (announced with `PipeReady`), so that no byte overtakes another.
    pipe_pending: bool,
    pipe_announced: bool,
    /// The connection piping into this one, woken when the queue drains.
    pipe_from: Option<Weak<Conn>>,
    /// That connection found the queue full and waits for room.
    pipe_waiting: bool,
    /// Edge-triggered readiness not yet used up (a read or write since
    /// the last edge did not say EAGAIN).
    read_ready: bool,
    write_ready: bool,
    /// epoll reported the peer's FIN: reads go on until they return 0,
    /// even after a short one (no further edge would come for it).
    hup: bool,
    eof: bool,
    failed: bool,
    shut: bool,
    /// A timer task watches the idle timeout.
    timer: bool,
}

/// What a direct write did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WriteOutcome {
    /// The kernel took every byte.
    Sent,
    /// Some or all of it waits in the queue; a `WriteDone` event follows.
    Queued,
}

/// Where and how to connect.
#[derive(Debug, Clone)]
pub struct ConnectPlan {
    pub target: Target,
    /// An address to bind first (`localAddress`/`localPort`).
    pub local: Option<SocketAddr>,
    /// Happy Eyeballs: the attempt timeout, when several addresses may be
    /// tried in Node's order.
    pub auto_select: Option<Duration>,
    /// Addresses this socket may not connect to.
    pub block_list: Option<Arc<RwLock<BlockList>>>,
}

/// Where to connect.
#[derive(Debug, Clone)]
pub enum Target {
    Addr(SocketAddr),
    /// A host name, resolved by the system resolver; `family` 4 or 6 keeps
    /// only that family.
    Host {
        host: String,
        port: u16,
        family: u8,
        /// getaddrinfo flags (Node's `hints`).
        hints: i32,
    },
    /// Addresses a caller's own `lookup` found, in its order.
    Resolved {
        ips: Vec<IpAddr>,
        port: u16,
    },
    /// A Unix domain socket: a file path, or a Linux abstract name (a
    /// leading NUL byte).
    Path(String),
}

/// How one attempt ended without a connection.
enum AttemptError {
    Failed(crate::Error),
    TimedOut,
    /// The socket was closed meanwhile.
    Cancelled,
}

#[derive(Debug)]
pub struct Conn {
    pub id: u64,
    hub: Weak<Hub>,
    shared: Mutex<Shared>,
    /// Wakes the connecting task (close requested).
    wake: Notify,
    /// Wakes the timer task (timeout changed, or closed).
    timer_wake: Notify,
    /// Queued for the reactor (by an event or a command), not yet served.
    scheduled: AtomicBool,
    timeout_ms: AtomicU64,
    last_activity: AtomicU64,
    /// Bytes read and handed to a core pipe (never seen by the loop).
    piped_in: AtomicU64,
    /// Bytes written here by a core pipe.
    piped_out: AtomicU64,
}

fn write_error(e: &io::Error) -> SystemError {
    SystemError::from_io(e, "write")
}

/// A send that did not take everything: how much it took, and whether the
/// kernel said EAGAIN (so a writable edge will follow).
struct Sent {
    n: usize,
    blocked: bool,
}

impl Conn {
    pub fn new(hub: &Arc<Hub>, reading: bool) -> Arc<Self> {
        Self::with_hub(Arc::downgrade(hub), reading)
    }

    pub(crate) fn with_hub(hub: Weak<Hub>, reading: bool) -> Arc<Self> {
        Arc::new(Conn {
            id: NEXT_ID.fetch_add(1, Ordering::Relaxed),
            hub,
            shared: Mutex::new(Shared {
                reading,
                ..Shared::default()
            }),
            wake: Notify::new(),
            timer_wake: Notify::new(),
            scheduled: AtomicBool::new(false),
            timeout_ms: AtomicU64::new(0),
            last_activity: AtomicU64::new(runtime::now_ms()),
            piped_in: AtomicU64::new(0),
            piped_out: AtomicU64::new(0),
        })
    }

    fn lock(&self) -> MutexGuard<'_, Shared> {
        self.shared.lock().unwrap_or_else(PoisonError::into_inner)
    }

    fn push(&self, event: Event) {
        if let Some(hub) = self.hub.upgrade() {
            hub.push(event);
        }
    }

    fn schedule(self: &Arc<Self>) {
        if let Some(hub) = self.hub.upgrade() {
            hub.schedule(self);
        }
    }

    // ---- commands (the loop thread) ----------------------------------------

    /// Writes `data`: straight to the kernel if connected and nothing is
    /// queued, the rest (copied) to the queue.
    pub fn write(self: &Arc<Self>, data: &[u8]) -> Result<WriteOutcome, SystemError> {
        self.write_with(data, || Bytes::copy_from_slice(data))
    }

    /// [`Conn::write`], where what the kernel does not take at once is
    /// queued as `keep()` (the same bytes, e.g. shared with their owner)
    /// instead of a copy.
    pub fn write_with(
        self: &Arc<Self>,
        data: &[u8],
        keep: impl FnOnce() -> Bytes,
    ) -> Result<WriteOutcome, SystemError> {
        self.touch();
        let mut s = self.lock();
        let sent = Self::send_now(&mut s, data)?;
        if sent.n == data.len() {
            return Ok(WriteOutcome::Sent);
        }
        let rest = keep().slice(sent.n..);
        debug_assert_eq!(rest.len(), data.len() - sent.n);
        s.queued_bytes += rest.len();
        s.queue.push_back(Chunk {
            data: rest,
            sent: 0,
            counted: true,
        });
        let retry = !sent.blocked && s.phase == Phase::Served;
        drop(s);
        if retry {
            self.schedule();
        }
        Ok(WriteOutcome::Queued)
    }

    /// Sends what the kernel takes at once, but only when nothing is queued
    /// (so bytes keep their order) and the socket is connected.
    fn send_now(s: &mut Shared, data: &[u8]) -> Result<Sent, SystemError> {
        let Some(stream) = s.stream.as_ref().filter(|_| s.queue.is_empty()) else {
            return Ok(Sent {
                n: 0,
                blocked: false,
            });
        };
        match stream.sock().send_with_flags(data, libc::MSG_NOSIGNAL) {
            Ok(n) => Ok(Sent { n, blocked: false }),
            Err(e) if e.kind() == io::ErrorKind::WouldBlock => {
                s.write_ready = false;
                Ok(Sent {
                    n: 0,
                    blocked: true,
                })
            }
            Err(e) => Err(write_error(&e)),
        }
    }

    /// Bytes a core pipe moves here: sent at once if the queue is empty,
    /// queued otherwise (copied, so the shared read buffer is not held).
    /// Not reported in `WriteDone`.
    fn forward(self: &Arc<Self>, hub: &Hub, data: &[u8]) -> Result<(), SystemError> {
        self.touch();
        self.piped_out
            .fetch_add(data.len() as u64, Ordering::Relaxed);
        let mut s = self.lock();
        if s.close.is_some() {
            return Ok(());
        }
        let sent = Self::send_now(&mut s, data)?;
        if sent.n < data.len() {
            s.queued_bytes += data.len() - sent.n;
            s.queue.push_back(Chunk {
                data: Bytes::copy_from_slice(&data[sent.n..]),
                sent: 0,
                counted: false,
            });
            let retry = !sent.blocked && s.phase == Phase::Served;
            drop(s);
            if retry {
                hub.schedule(self);
            }
        }
        Ok(())
    }

    /// Pipes what this connection reads into `dest` inside the core, with
    /// backpressure; `None` stops it (bytes go to the loop again). Reading
    /// pauses until the loop answers the `PipeReady` event with
    /// [`Conn::pipe_start`]: chunks already on their way to the loop are
    /// written first.
    pub fn pipe_to(self: &Arc<Self>, dest: Option<&Arc<Conn>>) {
        if let Some(d) = dest {
            d.lock().pipe_from = Some(Arc::downgrade(self));
        }
        self.command(|s| {
            s.pipe_pending = dest.is_some();
            s.pipe_to = dest.cloned();
        });
    }

    /// The loop has taken every chunk read before the pipe: start it.
    pub fn pipe_start(self: &Arc<Self>) {
        self.command(|s| s.pipe_pending = false);
    }

    /// Bytes read into a core pipe, and bytes a core pipe wrote here.
    pub fn piped(&self) -> (u64, u64) {
        (
            self.piped_in.load(Ordering::Relaxed),
            self.piped_out.load(Ordering::Relaxed),
        )
    }

    /// Whether the queue is full; if so the caller (a pipe's source) is
    /// scheduled once there is room.
    fn backlogged(&self) -> bool {
        let mut s = self.lock();
        let full = s.queued_bytes >= PIPE_HWM;
        s.pipe_waiting |= full;
        full
    }

    fn command(self: &Arc<Self>, f: impl FnOnce(&mut Shared)) {
        let served = {
            let mut s = self.lock();
            f(&mut s);
            s.phase == Phase::Served
        };
        if served {
            self.schedule();
        }
    }

    pub fn set_reading(self: &Arc<Self>, reading: bool) {
        self.command(|s| s.reading = reading);
    }

    /// Shut the writing side down after the queued writes.
    pub fn shutdown(self: &Arc<Self>) {
        self.command(|s| s.shutdown = true);
    }

    pub fn close(self: &Arc<Self>, reset: bool) {
        let mut s = self.lock();
        s.close.get_or_insert(reset);
        let phase = s.phase;
        if phase == Phase::Idle {
            s.phase = Phase::Done;
        }
        drop(s);
        self.timer_wake.notify_one();
        match phase {
            // Nothing was ever started (a caller's lookup failed): the
            // close is done at once, and told like any other.
            Phase::Idle => self.push(Event::Closed { conn: self.id }),
            Phase::Connecting => self.wake.notify_one(),
            Phase::Served => self.schedule(),
            // The reactor closes it when it arrives.
            Phase::Arriving | Phase::Done => {}
        }
    }

    /// The idle timeout in milliseconds (0: none). Activity re-arms it.
    pub fn set_timeout(self: &Arc<Self>, ms: u64) {
        self.timeout_ms.store(ms, Ordering::Relaxed);
        self.touch();
        let start = {
            let mut s = self.lock();
            let start = ms > 0 && !s.timer && s.phase != Phase::Done;
            s.timer |= start;
            start
        };
        if start {
            let conn = Arc::clone(self);
            runtime::get().spawn(async move { conn.watch_timeout().await });
        } else {
            self.timer_wake.notify_one();
        }
    }

    /// Notes activity for the idle timeout; without one there is nothing
    /// to note (`set_timeout` notes the moment it is set), which saves a
    /// clock read per read and per write.
    pub fn touch(&self) {
        if self.timeout_ms.load(Ordering::Relaxed) != 0 {
            self.last_activity
                .store(runtime::now_ms(), Ordering::Relaxed);
        }
    }

    /// Runs `f` on the socket if it is connected.
    pub fn with_socket<R>(&self, f: impl FnOnce(SockRef<'_>) -> R) -> Option<R> {
        let s = self.lock();
        s.stream.as_deref().map(|st| f(st.sock()))
    }

    pub fn local_addr(&self) -> Option<SocketAddr> {
        self.lock().stream.as_ref().and_then(|s| s.local_addr())
    }

    pub fn peer_addr(&self) -> Option<SocketAddr> {
        self.lock().stream.as_ref().and_then(|s| s.peer_addr())
    }

    /// Takes a connected stream (accepted, or a caller's descriptor): it is
    /// in place at once (so its addresses are known), and joins the reactor
    /// when the loop takes `event`, the news of it.
    pub fn adopt(self: &Arc<Self>, stream: Stream, event: Option<Event>) {
        self.place(stream);
        if let Some(hub) = self.hub.upgrade() {
            hub.arrive(Arc::clone(self), event);
        }
    }

    // ---- the reactor (the loop thread) -------------------------------------

    /// Puts the connected stream in place; the reactor serves it next.
    pub(crate) fn place(&self, stream: Stream) {
        let mut s = self.lock();
        s.stream = Some(Arc::new(stream));
        s.phase = Phase::Arriving;
    }

    /// Marks the connection as queued for service; false if it already was.
    pub(crate) fn mark_scheduled(&self) -> bool {
        !self.scheduled.swap(true, Ordering::AcqRel)
    }

    pub(crate) fn clear_scheduled(&self) {
        self.scheduled.store(false, Ordering::Release);
    }

    /// Records readiness from epoll; true if the connection should now be
    /// served (it was not queued already).
    pub(crate) fn ready(&self, readable: bool, writable: bool, hup: bool) -> bool {
        {
            let mut s = self.lock();
            s.read_ready |= readable;
            s.write_ready |= writable;
            s.hup |= hup;
        }
        self.mark_scheduled()
    }

    /// The descriptor of an arriving connection, now served by the reactor
    /// (`None` if it was closed meanwhile: it is served once to report it).
    pub(crate) fn join(&self) -> Option<i32> {
        let mut s = self.lock();
        if s.phase != Phase::Arriving {
            return None;
        }
        s.phase = Phase::Served;
        s.read_ready = true;
        s.write_ready = true;
        if s.close.is_some() {
            return None;
        }
        s.stream.as_ref().map(|st| st.fd())
    }

    /// The reactor could not take the connection: it reports the error as
    /// an I/O error (the socket is then destroyed as for any other).
    pub(crate) fn fail(&self, error: SystemError, out: &mut Vec<Event>) {
        self.lock().failed = true;
        out.push(Event::IoError {
            conn: self.id,
            error,
        });
    }

    /// Closes the descriptor now; reports `Closed` into `out` unless it was
    /// reported already.
    pub(crate) fn close_now(&self, registry: &mio::Registry, out: &mut Vec<Event>) {
        let (stream, reset) = {
            let mut s = self.lock();
            if s.phase == Phase::Done {
                return;
            }
            s.phase = Phase::Done;
            s.pipe_to = None;
            (s.stream.take(), s.close.unwrap_or(false))
        };
        self.timer_wake.notify_one();
        if let Some(stream) = stream {
            if reset {
                let _ = stream.sock().set_linger(Some(Duration::ZERO));
            }
            // Closing the last descriptor of a socket takes it out of the
            // epoll set; only one the caller handed over may have others
            // (and ids are never reused, so a late event finds nobody).
            if stream.adopted() {
                let _ = registry.deregister(&mut SourceFd(&stream.fd()));
            }
        }
        out.push(Event::Closed { conn: self.id });
    }

    /// Does whatever the connection can do now: close, flush the queue,
    /// shut down, read. Returns true once it has left the reactor.
    pub(crate) fn service(
        self: &Arc<Self>,
        hub: &Hub,
        registry: &mio::Registry,
        scratch: &mut BytesMut,
        out: &mut Vec<Event>,
    ) -> bool {
        let mut s = self.lock();
        if s.phase != Phase::Served {
            return false;
        }
        if s.close.is_some() {
            drop(s);
            self.close_now(registry, out);
            return true;
        }
        let Some(stream) = s.stream.clone() else {
            return false;
        };
        let mut completed = 0;
        let mut error = None;
        let mut wake_source = None;
        if !s.failed && s.write_ready && !s.queue.is_empty() {
            match Self::flush(&mut s, &stream) {
                Ok(n) => completed = n,
                Err(e) => error = Some(e),
            }
            wake_source = Self::pipe_source_to_wake(&mut s);
        }
        if error.is_none() && !s.failed && !s.shut && s.shutdown && s.queue.is_empty() {
            s.shut = true;
            match stream.sock().shutdown(std::net::Shutdown::Write) {
                Ok(()) => out.push(Event::ShutdownDone { conn: self.id }),
                Err(e) if e.raw_os_error() == Some(libc::ENOTCONN) => {
                    out.push(Event::ShutdownDone { conn: self.id });
                }
                Err(e) => error = Some(SystemError::from_io(&e, "shutdown")),
            }
        }
        if s.pipe_pending && !s.pipe_announced {
            s.pipe_announced = true;
            out.push(Event::PipeReady { conn: self.id });
        }
        if !s.pipe_pending {
            s.pipe_announced = false;
        }
        if completed > 0 {
            out.push(Event::WriteDone {
                conn: self.id,
                count: completed,
            });
        }
        if let Some(error) = error {
            s.failed = true;
            out.push(Event::IoError {
                conn: self.id,
                error,
            });
        }
        let reading = s.reading && s.read_ready && !s.eof && !s.failed && !s.pipe_pending;
        let pipe = s.pipe_to.clone();
        drop(s);
        if let Some(src) = wake_source {
            hub.schedule(&src);
        }
        if reading {
            self.read(hub, &stream, pipe.as_ref(), scratch, out);
        }
        false
    }

    /// Reads while the socket has data, up to `READS_PER_PASS` times (then
    /// it is scheduled again, after the others).
    fn read(
        self: &Arc<Self>,
        hub: &Hub,
        stream: &Stream,
        pipe: Option<&Arc<Conn>>,
        scratch: &mut BytesMut,
        out: &mut Vec<Event>,
    ) {
        for _ in 0..READS_PER_PASS {
            // A core pipe reads only while its destination has room.
            if pipe.is_some_and(|d| d.backlogged()) {
                return;
            }
            // Back to the start of the block when every earlier read has
            // been handed on (the memory is still in the cache); a fresh
            // block only when little is left and earlier reads are held.
            if scratch.capacity() < SCRATCH_BLOCK
                && !scratch.try_reclaim(SCRATCH_BLOCK)
                && scratch.capacity() < MIN_WINDOW
            {
                scratch.reserve(SCRATCH_BLOCK);
            }
            let window = scratch.capacity().min(READ_CHUNK);
            match stream.read_buf(scratch, window) {
                Ok(0) => {
                    let mut s = self.lock();
                    s.eof = true;
                    s.read_ready = false;
                    out.push(Event::Eof { conn: self.id });
                    return;
                }
                Ok(n) => {
                    self.touch();
                    let data = scratch.split_to(n).freeze();
                    match pipe {
                        Some(dest) => {
                            self.piped_in.fetch_add(n as u64, Ordering::Relaxed);
                            if let Err(error) = dest.forward(hub, &data) {
                                out.push(Event::IoError {
                                    conn: dest.id,
                                    error,
                                });
                                self.lock().pipe_to = None;
                                return;
                            }
                        }
                        None => out.push(Event::Data {
                            conn: self.id,
                            data,
                        }),
                    }
                    if n < window {
                        // A short read drained the socket (as libuv assumes
                        // too); the next edge says when there is more. A FIN
                        // already seen brings no edge: read on to the 0.
                        let mut s = self.lock();
                        if !s.hup {
                            s.read_ready = false;
                            return;
                        }
                    }
                }
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => {
                    self.lock().read_ready = false;
                    return;
                }
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) => {
                    self.lock().failed = true;
                    out.push(Event::IoError {
                        conn: self.id,
                        error: SystemError::from_io(&e, "read"),
                    });
                    return;
                }
            }
        }
        hub.schedule(self);
    }

    /// Flushes what the queue holds; returns how many writes completed.
    /// EAGAIN clears `write_ready` (the next writable edge resumes it).
    fn flush(s: &mut Shared, stream: &Stream) -> Result<usize, SystemError> {
        let mut completed = 0;
        while let Some(front) = s.queue.front_mut() {
            let sent = stream
                .sock()
                .send_with_flags(&front.data[front.sent..], libc::MSG_NOSIGNAL);
            match sent {
                Ok(n) => {
                    front.sent += n;
                    s.queued_bytes -= n;
                    if front.sent == front.data.len() {
                        let counted = front.counted;
                        s.queue.pop_front();
                        completed += usize::from(counted);
                    }
                }
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => {
                    s.write_ready = false;
                    return Ok(completed);
                }
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) => return Err(write_error(&e)),
            }
        }
        Ok(completed)
    }

    /// A core pipe's source waits while this queue is full; it is served
    /// again once there is room.
    fn pipe_source_to_wake(s: &mut Shared) -> Option<Arc<Conn>> {
        if s.pipe_waiting && s.queued_bytes < PIPE_HWM {
            s.pipe_waiting = false;
            return s.pipe_from.as_ref().and_then(Weak::upgrade);
        }
        None
    }

    // ---- the tokio side ----------------------------------------------------

    /// Reports `Timeout` whenever the connection has been idle for the
    /// timeout, once per idle period, until the timeout is cleared or the
    /// connection closes.
    async fn watch_timeout(self: Arc<Self>) {
        let mut spent: Option<u64> = None;
        loop {
            let notified = self.timer_wake.notified();
            let timeout = self.timeout_ms.load(Ordering::Relaxed);
            {
                let mut s = self.lock();
                if timeout == 0 || s.close.is_some() || s.failed || s.phase == Phase::Done {
                    s.timer = false;
                    return;
                }
            }
            let last = self.last_activity.load(Ordering::Relaxed);
            // After firing, wait a whole period for activity to re-arm it.
            let from = if spent == Some(last) {
                runtime::now_ms()
            } else {
                last
            };
            tokio::select! {
                () = notified => {}
                () = tokio::time::sleep_until(runtime::instant_at(from + timeout)) => {
                    let last = self.last_activity.load(Ordering::Relaxed);
                    if spent != Some(last) && runtime::now_ms().saturating_sub(last) >= timeout {
                        spent = Some(last);
                        self.push(Event::Timeout { conn: self.id });
                    }
                }
            }
        }
    }

    /// Connects as `plan` says (resolving, trying each address in turn),
    /// then hands the connection to the reactor.
    pub fn spawn_connect(self: &Arc<Self>, plan: ConnectPlan) {
        let mut s = self.lock();
        if s.close.is_some() || s.phase != Phase::Idle {
            return;
        }
        s.phase = Phase::Connecting;
        drop(s);
        let conn = Arc::clone(self);
        runtime::get().spawn(async move {
            match conn.connect(plan).await {
                Ok(stream) => {
                    let closed = conn.lock().close.is_some();
                    if closed {
                        drop(stream);
                        conn.lock().phase = Phase::Done;
                        conn.push(Event::Closed { conn: conn.id });
                    } else {
                        conn.adopt(stream, Some(Event::Connected { conn: conn.id }));
                    }
                }
                Err(Some((errors, aggregate))) => {
                    conn.push(Event::ConnectFailed {
                        conn: conn.id,
                        errors,
                        aggregate,
                    });
                    conn.wait_for_close().await;
                }
                Err(None) => conn.wait_for_close().await,
            }
        });
    }

    /// Resolves and tries the addresses; `Err(None)` when closed meanwhile.
    async fn connect(&self, plan: ConnectPlan) -> Result<Stream, Option<(Vec<Error>, bool)>> {
        let (candidates, port) = match &plan.target {
            Target::Path(path) => {
                return match self.connect_unix(path).await {
                    Ok(stream) => Ok(stream),
                    Err(AttemptError::Failed(e)) => Err(Some((vec![e], false))),
                    Err(_) => Err(None),
                };
            }
            Target::Addr(a) => (vec![a.ip()], a.port()),
            Target::Host {
                host,
                port,
                family,
                hints,
            } => {
                let result = match super::resolve::lookup(host.clone(), *family, *hints).await {
                    Ok(list) if list.is_empty() => Err(super::resolve::lookup_error(
                        host,
                        &io::Error::from(io::ErrorKind::NotFound),
                    )),
                    other => other,
                };
                self.push(Event::Lookup {
                    conn: self.id,
                    result: result.clone(),
                });
                match result {
                    Ok(list) if plan.auto_select.is_some() => (attempt_order(&list), *port),
                    Ok(list) => (vec![list[0]], *port),
                    Err(e) => return Err(Some((vec![e.into()], false))),
                }
            }
            Target::Resolved { ips, port } if plan.auto_select.is_some() => {
                (attempt_order(ips), *port)
            }
            Target::Resolved { ips, port } => (ips.iter().take(1).copied().collect(), *port),
        };
        let he = candidates.len() > 1;
        let mut errors = Vec::new();
        for (i, ip) in candidates.iter().enumerate() {
            let addr = SocketAddr::new(*ip, port);
            let blocked = plan.block_list.as_ref().is_some_and(|bl| {
                bl.read()
                    .unwrap_or_else(PoisonError::into_inner)
                    .check_ip(*ip)
            });
            if blocked {
                // Node: a single attempt is announced, then refused; among
                // several, a blocked one is only reported as failed.
                let error = Error::IpBlocked(ip.to_string());
                if he {
                    self.push(Event::AttemptFailed {
                        conn: self.id,
                        addr,
                        error: error.clone(),
                    });
                    errors.push(error);
                    continue;
                }
                self.push(Event::Attempt {
                    conn: self.id,
                    addr,
                    he,
                });
                return Err(Some((vec![error], false)));
            }
            self.push(Event::Attempt {
                conn: self.id,
                addr,
                he,
            });
            let last = i + 1 == candidates.len();
            let limit = if he && !last { plan.auto_select } else { None };
            let local = match (he, plan.local) {
                // Among several attempts only a local port is kept, on the
                // unspecified address of each attempt's family.
                (true, Some(l)) if l.port() != 0 => Some(SocketAddr::new(
                    if ip.is_ipv4() {
                        IpAddr::from([0u8; 4])
                    } else {
                        IpAddr::from([0u16; 8])
                    },
                    l.port(),
                )),
                (true, _) => None,
                (false, l) => l,
            };
            match self.attempt(addr, local, limit).await {
                Ok(stream) => return Ok(stream),
                Err(AttemptError::Cancelled) => return Err(None),
                Err(AttemptError::TimedOut) => {
                    self.push(Event::AttemptTimeout {
                        conn: self.id,
                        addr,
                    });
                    errors.push(
                        SystemError::new(libc::ETIMEDOUT, "connect")
                            .with_address(ip.to_string(), Some(port))
                            .into(),
                    );
                }
                Err(AttemptError::Failed(error)) => {
                    self.push(Event::AttemptFailed {
                        conn: self.id,
                        addr,
                        error: error.clone(),
                    });
                    errors.push(error);
                }
            }
        }
        Err(Some((errors, he)))
    }

    /// A Unix socket connect; Node's error names the path, with no port.
    async fn connect_unix(&self, path: &str) -> Result<Stream, AttemptError> {
        let fail = |e: &io::Error| {
            AttemptError::Failed(
                SystemError::from_io(e, "connect")
                    .with_address(path, None)
                    .into(),
            )
        };
        let addr = unix_addr(path).map_err(|e| fail(&e))?;
        let sock = socket2::Socket::new(
            socket2::Domain::UNIX,
            socket2::Type::STREAM.nonblocking().cloexec(),
            None,
        )
        .map_err(|e| fail(&e))?;
        match sock.connect(&addr) {
            Ok(()) => {}
            Err(e) if matches!(e.raw_os_error(), Some(libc::EINPROGRESS | libc::EAGAIN)) => {}
            Err(e) => return Err(fail(&e)),
        }
        let std_stream: std::os::unix::net::UnixStream = sock.into();
        let stream = tokio::net::UnixStream::from_std(std_stream).map_err(|e| fail(&e))?;
        stream.writable().await.map_err(|e| fail(&e))?;
        if let Some(e) = stream.take_error().map_err(|e| fail(&e))? {
            return Err(fail(&e));
        }
        if self.lock().close.is_some() {
            return Err(AttemptError::Cancelled);
        }
        let stream = stream.into_std().map_err(|e| fail(&e))?;
        Ok(Stream::unix(stream))
    }

    /// One connection attempt, bounded by `limit` when given.
    async fn attempt(
        &self,
        addr: SocketAddr,
        local: Option<SocketAddr>,
        limit: Option<Duration>,
    ) -> Result<Stream, AttemptError> {
        let fail = |e: &io::Error, syscall: &str, at: SocketAddr| {
            AttemptError::Failed(
                SystemError::from_io(e, syscall)
                    .with_address(at.ip().to_string(), Some(at.port()))
                    .into(),
            )
        };
        let domain = socket2::Domain::for_address(addr);
        let sock =
            socket2::Socket::new(domain, socket2::Type::STREAM.nonblocking().cloexec(), None)
                .map_err(|e| fail(&e, "connect", addr))?;
        if let Some(local) = local {
            sock.bind(&local.into())
                .map_err(|e| fail(&e, "bind", local))?;
        }
        match sock.connect(&addr.into()) {
            Ok(()) => {}
            Err(e) if e.raw_os_error() == Some(libc::EINPROGRESS) => {}
            Err(e) => {
                return Err(AttemptError::Failed(
                    Self::connect_error(&e, addr, local).into(),
                ))
            }
        }
        let stream = TcpStream::from_std(sock.into()).map_err(|e| fail(&e, "connect", addr))?;
        let closed_meanwhile = async {
            loop {
                let notified = self.wake.notified();
                if self.lock().close.is_some() {
                    return;
                }
                notified.await;
            }
        };
        let deadline = async {
            match limit {
                Some(d) => tokio::time::sleep(d).await,
                None => std::future::pending().await,
            }
        };
        tokio::select! {
            r = stream.writable() => r.map_err(|e| fail(&e, "connect", addr))?,
            () = closed_meanwhile => return Err(AttemptError::Cancelled),
            () = deadline => return Err(AttemptError::TimedOut),
        }
        if let Some(e) = stream.take_error().map_err(|e| fail(&e, "connect", addr))? {
            return Err(AttemptError::Failed(
                Self::connect_error(&e, addr, local).into(),
            ));
        }
        let stream = stream.into_std().map_err(|e| fail(&e, "connect", addr))?;
        Ok(Stream::tcp(stream))
    }

    fn connect_error(e: &io::Error, addr: SocketAddr, local: Option<SocketAddr>) -> SystemError {
        let err = SystemError::from_io(e, "connect")
            .with_address(addr.ip().to_string(), Some(addr.port()));
        match local {
            Some(l) if l.port() != 0 => err.with_local(l.ip().to_string(), l.port()),
            _ => err,
        }
    }

    async fn wait_for_close(&self) {
        loop {
            let notified = self.wake.notified();
            {
                let mut s = self.lock();
                if s.close.is_some() {
                    s.phase = Phase::Done;
                    break;
                }
            }
            notified.await;
        }
        self.push(Event::Closed { conn: self.id });
    }
}

/// A Unix socket address: a path, or a Linux abstract name after a NUL
/// byte (socket2 knows both).
pub fn unix_addr(path: &str) -> io::Result<socket2::SockAddr> {
    socket2::SockAddr::unix(path)
}

/// The family Node reports for an address (4 or 6).
pub fn family_of(ip: &IpAddr) -> u8 {
    if ip.is_ipv4() {
        4
    } else {
        6
    }
}
