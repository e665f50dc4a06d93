//! One connection's descriptor, shared between the loop thread (direct
//! writes, commands) and its tokio task (reading, queued writes, shutdown,
//! timeout, close).
//!
//! A write from the loop thread goes straight to the kernel when nothing is
//! queued; only what the kernel does not take is copied and queued for the
//! task. Both sides hold the same lock while sending, so bytes never reorder.

use std::collections::VecDeque;
use std::io;
use std::net::{IpAddr, SocketAddr};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError, RwLock, Weak};
use std::time::Duration;

use bytes::{Bytes, BytesMut};
use socket2::SockRef;
use tokio::io::Interest;
use tokio::net::TcpStream;

use super::stream::Stream;
use tokio::sync::Notify;

use super::hub::{Event, Hub};
use super::runtime;
use crate::blocklist::BlockList;
use crate::proto::happy_eyeballs::attempt_order;
use crate::{Error, SystemError};

static NEXT_ID: AtomicU64 = AtomicU64::new(1);

/// How much one read takes at most.
const READ_CHUNK: usize = 64 * 1024;

#[derive(Debug)]
struct Chunk {
    data: Bytes,
    sent: usize,
    /// A caller's write, reported in `WriteDone`; piped bytes are not.
    counted: bool,
}

#[derive(Debug, Default)]
struct Shared {
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
    /// The connection piping into this one, woken when the queue drains.
    pipe_from: Option<Weak<Conn>>,
    /// That connection found the queue full and waits for room.
    pipe_waiting: bool,
    /// A task runs this connection (it reports `Closed` when told to close).
    task: bool,
}

/// How many bytes a core pipe lets wait in the destination's queue before
/// the source stops reading (Node's default high-water mark).
const PIPE_HWM: usize = 64 * 1024;

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
    hub: Arc<Hub>,
    shared: Mutex<Shared>,
    wake: Notify,
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

impl Conn {
    pub fn new(hub: Arc<Hub>, reading: bool) -> Arc<Self> {
        Arc::new(Conn {
            id: NEXT_ID.fetch_add(1, Ordering::Relaxed),
            hub,
            shared: Mutex::new(Shared {
                reading,
                ..Shared::default()
            }),
            wake: Notify::new(),
            timeout_ms: AtomicU64::new(0),
            last_activity: AtomicU64::new(runtime::now_ms()),
            piped_in: AtomicU64::new(0),
            piped_out: AtomicU64::new(0),
        })
    }

    fn lock(&self) -> MutexGuard<'_, Shared> {
        self.shared.lock().unwrap_or_else(PoisonError::into_inner)
    }

    // ---- the loop thread's side -------------------------------------------

    /// Writes `data`: straight to the kernel if connected and nothing is
    /// queued, the rest (copied) to the queue.
    pub fn write(&self, data: &[u8]) -> Result<WriteOutcome, SystemError> {
        self.touch();
        let mut s = self.lock();
        let sent = Self::send_now(&s, data)?;
        if sent == data.len() {
            return Ok(WriteOutcome::Sent);
        }
        s.queued_bytes += data.len() - sent;
        s.queue.push_back(Chunk {
            data: Bytes::copy_from_slice(&data[sent..]),
            sent: 0,
            counted: true,
        });
        drop(s);
        self.wake.notify_one();
        Ok(WriteOutcome::Queued)
    }

    /// Sends what the kernel takes at once, but only when nothing is queued
    /// (so bytes keep their order) and the socket is connected.
    fn send_now(s: &Shared, data: &[u8]) -> Result<usize, SystemError> {
        match &s.stream {
            Some(stream) if s.queue.is_empty() => {
                match stream.sock().send_with_flags(data, libc::MSG_NOSIGNAL) {
                    Ok(n) => Ok(n),
                    Err(e) if e.kind() == io::ErrorKind::WouldBlock => Ok(0),
                    Err(e) => Err(write_error(&e)),
                }
            }
            _ => Ok(0),
        }
    }

    /// Bytes a core pipe moves here: sent at once if the queue is empty,
    /// queued (without a copy) otherwise. Not reported in `WriteDone`.
    fn forward(&self, data: &Bytes) -> Result<(), SystemError> {
        self.touch();
        self.piped_out
            .fetch_add(data.len() as u64, Ordering::Relaxed);
        let mut s = self.lock();
        if s.close.is_some() {
            return Ok(());
        }
        let sent = Self::send_now(&s, data)?;
        if sent < data.len() {
            s.queued_bytes += data.len() - sent;
            s.queue.push_back(Chunk {
                data: data.slice(sent..),
                sent: 0,
                counted: false,
            });
            drop(s);
            self.wake.notify_one();
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
    pub fn pipe_start(&self) {
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
    /// woken once there is room.
    fn backlogged(&self) -> bool {
        let mut s = self.lock();
        let full = s.queued_bytes >= PIPE_HWM;
        s.pipe_waiting |= full;
        full
    }

    fn command(&self, f: impl FnOnce(&mut Shared)) {
        f(&mut self.lock());
        self.wake.notify_one();
    }

    pub fn set_reading(&self, reading: bool) {
        self.command(|s| s.reading = reading);
    }

    /// Shut the writing side down after the queued writes.
    pub fn shutdown(&self) {
        self.command(|s| s.shutdown = true);
    }

    pub fn close(&self, reset: bool) {
        let mut s = self.lock();
        s.close.get_or_insert(reset);
        let orphan = !s.task;
        drop(s);
        if orphan {
            // Nothing was ever started (a caller's lookup failed): the
            // close is done at once, and told like any other.
            self.push(Event::Closed { conn: self.id });
        } else {
            self.wake.notify_one();
        }
    }

    /// The idle timeout in milliseconds (0: none). Activity re-arms it.
    pub fn set_timeout(&self, ms: u64) {
        self.timeout_ms.store(ms, Ordering::Relaxed);
        self.touch();
        self.wake.notify_one();
    }

    pub fn touch(&self) {
        self.last_activity
            .store(runtime::now_ms(), Ordering::Relaxed);
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

    // ---- the task ----------------------------------------------------------

    fn push(&self, event: Event) {
        self.hub.push(event);
    }

    /// Takes an accepted stream: it is in place at once (so its addresses
    /// are known when the loop hears of the connection); `start` runs it
    /// once the loop has been told, so no event can come before that news.
    pub fn adopt(self: &Arc<Self>, stream: Stream) -> impl FnOnce() {
        let stream = self.attach(stream);
        let conn = Arc::clone(self);
        move || {
            runtime::get().spawn(async move { conn.run(stream).await });
        }
    }

    fn attach(&self, stream: Stream) -> Arc<Stream> {
        let stream = Arc::new(stream);
        let mut s = self.lock();
        s.stream = Some(Arc::clone(&stream));
        s.task = true;
        stream
    }

    /// Connects as `plan` says (resolving, trying each address in turn),
    /// then runs.
    pub fn spawn_connect(self: &Arc<Self>, plan: ConnectPlan) {
        let mut s = self.lock();
        if s.close.is_some() {
            return;
        }
        s.task = true;
        drop(s);
        let conn = Arc::clone(self);
        runtime::get().spawn(async move {
            match conn.connect(plan).await {
                Ok(stream) => {
                    let stream = conn.attach(stream);
                    conn.push(Event::Connected { conn: conn.id });
                    conn.run(stream).await;
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
                    Ok(stream) => Ok(Stream::Unix(stream)),
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
                Ok(stream) => return Ok(Stream::Tcp(stream)),
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
    async fn connect_unix(&self, path: &str) -> Result<tokio::net::UnixStream, AttemptError> {
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
        Ok(stream)
    }

    /// One connection attempt, bounded by `limit` when given.
    async fn attempt(
        &self,
        addr: SocketAddr,
        local: Option<SocketAddr>,
        limit: Option<Duration>,
    ) -> Result<TcpStream, AttemptError> {
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
        Ok(stream)
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
            if self.lock().close.is_some() {
                break;
            }
            notified.await;
        }
        self.push(Event::Closed { conn: self.id });
    }

    /// Flushes what the queue holds; returns how many writes completed and
    /// whether the kernel pushed back.
    fn flush(s: &mut Shared, stream: &Stream) -> Result<(usize, bool), SystemError> {
        let mut completed = 0;
        while let Some(front) = s.queue.front_mut() {
            let rest = &front.data[front.sent..];
            // Through try_io, so that tokio forgets the readiness when the
            // kernel says EAGAIN and the next writable() really waits.
            match stream.try_io(Interest::WRITABLE, || {
                stream.sock().send_with_flags(rest, libc::MSG_NOSIGNAL)
            }) {
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
                    Self::wake_pipe_source(s);
                    return Ok((completed, true));
                }
                Err(e) => return Err(write_error(&e)),
            }
        }
        Self::wake_pipe_source(s);
        Ok((completed, false))
    }

    /// A core pipe's source waits while this queue is full; wake it once
    /// there is room.
    fn wake_pipe_source(s: &mut Shared) {
        if s.pipe_waiting && s.queued_bytes < PIPE_HWM {
            s.pipe_waiting = false;
            if let Some(src) = s.pipe_from.as_ref().and_then(Weak::upgrade) {
                src.wake.notify_one();
            }
        }
    }

    async fn run(&self, stream: Arc<Stream>) {
        let mut buf = BytesMut::new();
        let mut eof = false;
        let mut failed = false;
        let mut shut = false;
        let mut write_blocked = false;
        let mut timer_spent_at: Option<u64> = None;
        let mut pipe_announced = false;
        loop {
            let notified = self.wake.notified();
            let (reading, completed, error, pipe) = {
                let mut s = self.lock();
                if let Some(reset) = s.close {
                    s.stream = None;
                    s.pipe_to = None;
                    if reset {
                        let _ = stream.sock().set_linger(Some(Duration::ZERO));
                    }
                    break;
                }
                let mut completed = 0;
                let mut error = None;
                if !failed && !write_blocked {
                    match Self::flush(&mut s, &stream) {
                        Ok((n, blocked)) => (completed, write_blocked) = (n, blocked),
                        Err(e) => error = Some(e),
                    }
                }
                if error.is_none() && !failed && !shut && s.shutdown && s.queue.is_empty() {
                    shut = true;
                    match stream.sock().shutdown(std::net::Shutdown::Write) {
                        Ok(()) => self.push(Event::ShutdownDone { conn: self.id }),
                        Err(e) if e.raw_os_error() == Some(libc::ENOTCONN) => {
                            self.push(Event::ShutdownDone { conn: self.id });
                        }
                        Err(e) => error = Some(SystemError::from_io(&e, "shutdown")),
                    }
                }
                let pipe = s.pipe_to.clone();
                let pipe_pending = s.pipe_pending;
                if pipe_pending && !pipe_announced {
                    pipe_announced = true;
                    self.push(Event::PipeReady { conn: self.id });
                }
                if !pipe_pending {
                    pipe_announced = false;
                }
                (
                    s.reading && !eof && !failed && !pipe_pending,
                    completed,
                    error,
                    pipe,
                )
            };
            // A core pipe reads only while its destination has room.
            let reading = reading && pipe.as_ref().is_none_or(|d| !d.backlogged());
            if completed > 0 {
                self.push(Event::WriteDone {
                    conn: self.id,
                    count: completed,
                });
            }
            if let Some(error) = error {
                failed = true;
                self.push(Event::IoError {
                    conn: self.id,
                    error,
                });
            }
            let timeout = self.timeout_ms.load(Ordering::Relaxed);
            let last = self.last_activity.load(Ordering::Relaxed);
            let armed = timeout > 0 && !failed && timer_spent_at != Some(last);
            let deadline = runtime::instant_at(last + timeout);
            tokio::select! {
                biased;
                () = notified => {}
                r = stream.readable(), if reading => {
                    if r.is_ok() {
                        buf.reserve(READ_CHUNK);
                        let room = buf.capacity() - buf.len();
                        let mut short = 0;
                        // A short read drained the socket (as libuv assumes
                        // too): report WouldBlock to tokio so it forgets the
                        // readiness now, instead of paying a read that
                        // returns EAGAIN next time round.
                        let read = stream.try_io(Interest::READABLE, || match stream.try_read_buf(&mut buf) {
                            Ok(n) if n > 0 && n < room => {
                                short = n;
                                Err(io::ErrorKind::WouldBlock.into())
                            }
                            other => other,
                        });
                        let read = match read {
                            Err(e) if e.kind() == io::ErrorKind::WouldBlock && short > 0 => Ok(short),
                            other => other,
                        };
                        match read {
                            Ok(0) => {
                                eof = true;
                                self.push(Event::Eof { conn: self.id });
                            }
                            Ok(n) => {
                                self.touch();
                                let data = buf.split().freeze();
                                match &pipe {
                                    Some(dest) => {
                                        self.piped_in.fetch_add(n as u64, Ordering::Relaxed);
                                        if let Err(error) = dest.forward(&data) {
                                            dest.push(Event::IoError { conn: dest.id, error });
                                            self.lock().pipe_to = None;
                                        }
                                    }
                                    None => self.push(Event::Data { conn: self.id, data }),
                                }
                            }
                            Err(e) if e.kind() == io::ErrorKind::WouldBlock => {}
                            Err(e) => {
                                failed = true;
                                self.push(Event::IoError { conn: self.id, error: SystemError::from_io(&e, "read") });
                            }
                        }
                    }
                }
                r = stream.writable(), if write_blocked && !failed => {
                    if r.is_ok() {
                        write_blocked = false;
                    }
                }
                () = tokio::time::sleep_until(deadline), if armed => {
                    let last = self.last_activity.load(Ordering::Relaxed);
                    if runtime::now_ms().saturating_sub(last) >= timeout {
                        timer_spent_at = Some(last);
                        self.push(Event::Timeout { conn: self.id });
                    }
                }
            }
        }
        drop(stream);
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
