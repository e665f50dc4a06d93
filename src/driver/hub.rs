//! Where events for one event loop gather, and the loop thread's reactor.
//!
//! Connected sockets are read and written on the thread that drains the hub
//! (the loop thread): their descriptors sit in one epoll set per hub, whose
//! descriptor the loop watches. A request therefore never crosses threads:
//! readiness, the read, the listener and the reply all happen in one pass,
//! as in uvloop. The tokio threads keep what may block or wait (resolving,
//! connection attempts, accepting, timers) and leave their events in a
//! queue; the first of a batch wakes the epoll set through a mio `Waker`.

use std::io;
use std::os::fd::{AsRawFd, RawFd};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError, Weak};
use std::time::Duration;

use bytes::{Bytes, BytesMut};
use mio::unix::SourceFd;
use mio::{Interest, Poll, Token, Waker};
use rustc_hash::FxHashMap;

use super::conn::Conn;
use super::listener::accept;
use super::runtime;
use super::stream::Stream;
use crate::SystemError;

/// Something that happened on a socket or a listener.
#[derive(Debug)]
pub enum Event {
    /// A listener accepted a connection.
    Accepted {
        server: u64,
        conn: Arc<Conn>,
    },
    /// `accept()` failed.
    AcceptError {
        server: u64,
        error: SystemError,
    },
    /// A server's listen host was resolved (or not); `generation` is the
    /// server's listen generation when the lookup started.
    ServerLookup {
        server: u64,
        generation: u64,
        result: Result<Vec<std::net::IpAddr>, SystemError>,
    },
    /// A host name was resolved (or not) before connecting: every address
    /// the resolver gave, in its order.
    Lookup {
        conn: u64,
        result: Result<Vec<std::net::IpAddr>, SystemError>,
    },
    /// A connection attempt starts (`he`: one of several, Happy Eyeballs).
    Attempt {
        conn: u64,
        addr: std::net::SocketAddr,
        he: bool,
    },
    /// An attempt failed (blocked, refused, ...); the next one follows.
    AttemptFailed {
        conn: u64,
        addr: std::net::SocketAddr,
        error: crate::Error,
    },
    /// An attempt took longer than the attempt timeout; the next one follows.
    AttemptTimeout {
        conn: u64,
        addr: std::net::SocketAddr,
    },
    Connected {
        conn: u64,
    },
    /// Every attempt failed: one error, or several (`aggregate`, Happy
    /// Eyeballs: Node's AggregateError).
    ConnectFailed {
        conn: u64,
        errors: Vec<crate::Error>,
        aggregate: bool,
    },
    Data {
        conn: u64,
        data: Bytes,
    },
    /// The peer shut its side down.
    Eof {
        conn: u64,
    },
    /// The oldest `count` queued writes are out.
    WriteDone {
        conn: u64,
        count: usize,
    },
    ShutdownDone {
        conn: u64,
    },
    IoError {
        conn: u64,
        error: SystemError,
    },
    Timeout {
        conn: u64,
    },
    /// A core pipe waits for the loop to have taken what was read before it.
    PipeReady {
        conn: u64,
    },
    /// The descriptor is closed; nothing more will come for this id.
    Closed {
        conn: u64,
    },
}

const WAKE: Token = Token(usize::MAX);
/// Listeners' tokens have this bit set (connections' are their ids).
const LISTENER: usize = 1 << (usize::BITS - 2);
/// Foreign descriptors' tokens (see [`Hub::add_foreign`]) have this bit set
/// on their descriptor.
const FOREIGN: usize = 1 << (usize::BITS - 3);
/// Accepts per listener per pass before the connections get their turn.
const ACCEPTS_PER_PASS: usize = 64;
/// How long a listener that ran out of descriptors waits to try again (the
/// pending connection stays queued meanwhile).
const EMFILE_RETRY: Duration = Duration::from_millis(50);

/// How many rounds of scheduled work one `take` runs before leaving the
/// rest to the next one (a pipe can keep rescheduling its two ends).
const ROUNDS: usize = 8;

/// Events from other threads, and connections that start being served.
#[derive(Debug, Default)]
struct Inbox {
    events: Vec<Event>,
    /// Connections whose stream is ready to join the reactor, each with
    /// the event that announces it (in `events`, before anything of theirs).
    arrivals: Vec<Arc<Conn>>,
}

/// Work for the reactor that did not come from epoll.
#[derive(Debug, Default)]
struct Pending {
    conns: Vec<Arc<Conn>>,
    /// Listeners to accept on again (they stopped after a full pass, or ran
    /// out of descriptors).
    listeners: Vec<u64>,
    /// A `take` is running: it picks up what is scheduled meanwhile.
    draining: bool,
}

#[derive(Debug)]
struct ListenSock {
    sock: socket2::Socket,
    unix: bool,
    /// Whether accepted connections start reading at once.
    start_reading: bool,
}

/// What only the draining thread touches.
#[derive(Debug)]
struct Reactor {
    poll: Poll,
    events: mio::Events,
    conns: FxHashMap<u64, Arc<Conn>>,
    /// One read buffer for every connection: each read is split off as the
    /// event's `Bytes`, and the space is reused once those are dropped.
    scratch: BytesMut,
    /// `events` holds what a blocking [`Hub::wait`] found, for the next
    /// `take` (which otherwise asks epoll itself, without waiting).
    waited: bool,
}

/// The hub: while [`Hub::take_with`] hands events to its caller, the
/// reactor is locked; what the caller may do meanwhile (listen, close a
/// listener, command a connection, close everything) goes through the other
/// locks and the registry, which `take` never holds across the call.
#[derive(Debug)]
pub struct Hub {
    me: Weak<Hub>,
    inbox: Mutex<Inbox>,
    pending: Mutex<Pending>,
    reactor: Mutex<Reactor>,
    registry: mio::Registry,
    listeners: Mutex<FxHashMap<u64, Arc<ListenSock>>>,
    /// `close_all` ran while a take was delivering: the take closes
    /// everything before it returns.
    closing: AtomicBool,
    waker: Waker,
    fd: RawFd,
}

/// The epoll bits of an event, as `select.epoll` reports them.
fn epoll_bits(ev: &mio::event::Event) -> u32 {
    let mut bits = 0;
    if ev.is_readable() {
        bits |= libc::EPOLLIN as u32;
    }
    if ev.is_writable() {
        bits |= libc::EPOLLOUT as u32;
    }
    if ev.is_error() {
        bits |= libc::EPOLLERR as u32;
    }
    if ev.is_read_closed() && ev.is_write_closed() {
        bits |= libc::EPOLLHUP as u32;
    }
    bits
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(PoisonError::into_inner)
}

impl Hub {
    pub fn new() -> io::Result<Arc<Self>> {
        // Started now, while descriptors are surely available, rather than
        // by the first task that needs it.
        runtime::get();
        let poll = Poll::new()?;
        let waker = Waker::new(poll.registry(), WAKE)?;
        let registry = poll.registry().try_clone()?;
        let fd = poll.as_raw_fd();
        Ok(Arc::new_cyclic(|me| Hub {
            me: me.clone(),
            inbox: Mutex::new(Inbox::default()),
            pending: Mutex::new(Pending::default()),
            reactor: Mutex::new(Reactor {
                poll,
                events: mio::Events::with_capacity(1024),
                conns: FxHashMap::default(),
                scratch: BytesMut::new(),
                waited: false,
            }),
            waker,
            registry,
            listeners: Mutex::new(FxHashMap::default()),
            closing: AtomicBool::new(false),
            fd,
        }))
    }

    /// The descriptor the loop watches for readability (the epoll set):
    /// whenever it is readable, call [`Hub::take`] on the loop thread.
    pub fn fd(&self) -> RawFd {
        self.fd
    }

    /// Blocks until something is ready or `timeout` passes, for a program
    /// that drives the hub from a thread of its own (or is its loop's
    /// poller): what epoll reports is kept for the next [`Hub::take`], so a
    /// wake-up costs one `epoll_wait`. Returns at once if an earlier wait's
    /// events have not been taken yet. EINTR comes back as an error.
    pub fn wait(&self, timeout: Option<Duration>) -> io::Result<()> {
        let mut r = lock(&self.reactor);
        let r = &mut *r;
        if r.waited {
            return Ok(());
        }
        let result = r.poll.poll(&mut r.events, timeout);
        // On failure mio leaves `events` empty: the take finds nothing there.
        r.waited = true;
        result
    }

    /// Adds a descriptor the hub does not serve to its epoll set,
    /// level-triggered, for `events` (`EPOLLIN`, `EPOLLOUT`): [`Hub::take_with`]
    /// reports it ready in its `foreign` list. This lets one epoll set be a
    /// whole event loop's poller.
    pub fn add_foreign(&self, fd: RawFd, events: u32) -> io::Result<()> {
        self.epoll_ctl(libc::EPOLL_CTL_ADD, fd, events)
    }

    /// Changes what a foreign descriptor is watched for.
    pub fn modify_foreign(&self, fd: RawFd, events: u32) -> io::Result<()> {
        self.epoll_ctl(libc::EPOLL_CTL_MOD, fd, events)
    }

    /// Stops watching a foreign descriptor.
    pub fn remove_foreign(&self, fd: RawFd) -> io::Result<()> {
        self.epoll_ctl(libc::EPOLL_CTL_DEL, fd, 0)
    }

    fn epoll_ctl(&self, op: libc::c_int, fd: RawFd, events: u32) -> io::Result<()> {
        let token = usize::try_from(fd).map_err(|_| io::Error::from_raw_os_error(libc::EBADF))?;
        let mut ev = libc::epoll_event {
            events,
            u64: (FOREIGN | token) as u64,
        };
        // SAFETY: epoll_ctl on our own epoll descriptor with a live event
        // structure; the descriptor added is the caller's to watch.
        if unsafe { libc::epoll_ctl(self.fd, op, fd, &raw mut ev) } < 0 {
            Err(io::Error::last_os_error())
        } else {
            Ok(())
        }
    }

    /// An event from another thread (or from outside a `take`).
    pub fn push(&self, event: Event) {
        let was_empty = {
            let mut inbox = lock(&self.inbox);
            inbox.events.push(event);
            inbox.events.len() == 1
        };
        if was_empty {
            self.wake();
        }
    }

    /// Hands a connected stream's connection to the reactor, announced by
    /// `event` (`Accepted` or `Connected`): it joins the epoll set when the
    /// loop takes that event, so nothing of it can come before.
    pub(crate) fn arrive(&self, conn: Arc<Conn>, event: Option<Event>) {
        let was_empty = {
            let mut inbox = lock(&self.inbox);
            let was_empty = inbox.events.is_empty() && inbox.arrivals.is_empty();
            inbox.events.extend(event);
            inbox.arrivals.push(conn);
            was_empty
        };
        if was_empty {
            self.wake();
        }
    }

    /// Asks for `conn` to be served (a command changed what it should do).
    pub(crate) fn schedule(&self, conn: &Arc<Conn>) {
        if !conn.mark_scheduled() {
            return;
        }
        let wake = {
            let mut p = lock(&self.pending);
            p.conns.push(Arc::clone(conn));
            !p.draining && p.conns.len() == 1
        };
        if wake {
            self.wake();
        }
    }

    /// Starts accepting on a listening socket for `server` (its
    /// `Accepted` events carry that id).
    pub(crate) fn add_listener(
        &self,
        server: u64,
        sock: socket2::Socket,
        unix: bool,
        start_reading: bool,
    ) -> io::Result<()> {
        let fd = sock.as_raw_fd();
        let token = Token(LISTENER | server as usize);
        self.registry
            .register(&mut SourceFd(&fd), token, Interest::READABLE)?;
        lock(&self.listeners).insert(
            server,
            Arc::new(ListenSock {
                sock,
                unix,
                start_reading,
            }),
        );
        Ok(())
    }

    /// Stops accepting for `server` and closes its listening socket.
    pub(crate) fn remove_listener(&self, server: u64) {
        let removed = lock(&self.listeners).remove(&server);
        if let Some(l) = removed {
            let _ = self.registry.deregister(&mut SourceFd(&l.sock.as_raw_fd()));
        }
    }

    fn schedule_listener(&self, server: u64) {
        let wake = {
            let mut p = lock(&self.pending);
            p.listeners.push(server);
            !p.draining && p.listeners.len() == 1 && p.conns.is_empty()
        };
        if wake {
            self.wake();
        }
    }

    /// Accepts what is waiting on a listener: each connection is announced
    /// (`Accepted`) and served at once.
    fn accept(
        &self,
        server: u64,
        l: &ListenSock,
        into: &mut Vec<Event>,
        ready: &mut Vec<Arc<Conn>>,
    ) {
        for _ in 0..ACCEPTS_PER_PASS {
            match accept(&l.sock) {
                Ok(sock) => {
                    let stream = if l.unix {
                        Stream::unix(sock.into())
                    } else {
                        Stream::tcp(sock.into())
                    };
                    let conn = Conn::with_hub(self.me.clone(), l.start_reading);
                    conn.place(stream);
                    into.push(Event::Accepted {
                        server,
                        conn: Arc::clone(&conn),
                    });
                    ready.push(conn);
                }
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => return,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) => {
                    into.push(Event::AcceptError {
                        server,
                        error: SystemError::from_io(&e, "accept"),
                    });
                    if matches!(e.raw_os_error(), Some(libc::EMFILE | libc::ENFILE)) {
                        // No edge comes for a connection already queued:
                        // try again once descriptors may be back.
                        let hub = self.me.clone();
                        runtime::get().spawn(async move {
                            tokio::time::sleep(EMFILE_RETRY).await;
                            if let Some(hub) = hub.upgrade() {
                                hub.schedule_listener(server);
                            }
                        });
                    }
                    return;
                }
            }
        }
        self.schedule_listener(server);
    }

    fn wake(&self) {
        // A failure leaves an earlier wake-up pending, which is as good.
        let _ = self.waker.wake();
    }

    /// Takes every pending event, reading and writing the connections that
    /// are ready on the way. Call it on the loop thread whenever [`Hub::fd`]
    /// is readable; it never blocks.
    pub fn take(&self, into: &mut Vec<Event>) {
        self.take_with(into, &mut Vec::new(), |_| {});
    }

    /// [`Hub::take`], handing the events over as they come: `deliver` is
    /// called whenever `into` has new events (it may drain it), so a
    /// connection's bytes are handled while they are still in the cache,
    /// before the next connection is read. `deliver` may listen, close
    /// listeners, command connections and call [`Hub::close_all`]; it must
    /// not call `take` again. Foreign descriptors that are ready are added to
    /// `foreign` with their epoll bits.
    pub fn take_with(
        &self,
        into: &mut Vec<Event>,
        foreign: &mut Vec<(RawFd, u32)>,
        mut deliver: impl FnMut(&mut Vec<Event>),
    ) {
        let mut r = lock(&self.reactor);
        let r = &mut *r;
        let mut accepting = {
            let mut p = lock(&self.pending);
            p.draining = true;
            std::mem::take(&mut p.listeners)
        };
        let mut ready = Vec::new();
        // EINTR or a failure leaves the events for the next take.
        let polled = std::mem::take(&mut r.waited)
            || r.poll.poll(&mut r.events, Some(Duration::ZERO)).is_ok();
        if polled {
            for ev in &r.events {
                let token = ev.token();
                if token == WAKE {
                    continue;
                }
                if token.0 & LISTENER != 0 {
                    accepting.push((token.0 & !LISTENER) as u64);
                } else if token.0 & FOREIGN != 0 {
                    foreign.push(((token.0 & !FOREIGN) as RawFd, epoll_bits(ev)));
                } else if let Some(conn) = r.conns.get(&(token.0 as u64)) {
                    let readable = ev.is_readable() || ev.is_read_closed() || ev.is_error();
                    let writable = ev.is_writable() || ev.is_write_closed() || ev.is_error();
                    if conn.ready(readable, writable, ev.is_read_closed()) {
                        ready.push(Arc::clone(conn));
                    }
                }
            }
        }
        let mut arrivals = {
            let mut inbox = lock(&self.inbox);
            into.append(&mut inbox.events);
            std::mem::take(&mut inbox.arrivals)
        };
        for server in accepting {
            let listener = lock(&self.listeners).get(&server).cloned();
            if let Some(l) = listener {
                self.accept(server, &l, into, &mut arrivals);
            }
        }
        for conn in arrivals {
            Self::join(r, &conn, into);
            // Served at once: a new connection's first bytes are usually
            // there already, and its writes may be waiting.
            if conn.mark_scheduled() {
                ready.push(conn);
            }
        }
        if !into.is_empty() {
            deliver(into);
        }
        let mut rounds = 0;
        loop {
            for conn in ready.drain(..) {
                conn.clear_scheduled();
                if conn.service(self, &self.registry, &mut r.scratch, into) {
                    r.conns.remove(&conn.id);
                }
                if !into.is_empty() {
                    deliver(into);
                }
            }
            rounds += 1;
            let mut p = lock(&self.pending);
            if p.conns.is_empty() || rounds == ROUNDS {
                // What is left (or a listener with more to accept) waits
                // for the next take, after the loop's other callbacks.
                p.draining = false;
                let more = !p.conns.is_empty() || !p.listeners.is_empty();
                drop(p);
                if more {
                    self.wake();
                }
                break;
            }
            std::mem::swap(&mut p.conns, &mut ready);
        }
        if self.closing.swap(false, Ordering::AcqRel) {
            self.close_locked(r);
        }
    }

    /// Puts a connection whose stream is in place into the epoll set.
    fn join(r: &mut Reactor, conn: &Arc<Conn>, into: &mut Vec<Event>) {
        if let Some(fd) = conn.join() {
            let source = &mut SourceFd(&fd);
            let token = Token(conn.id as usize);
            let interest = Interest::READABLE | Interest::WRITABLE;
            if let Err(e) = r.poll.registry().register(source, token, interest) {
                conn.fail(SystemError::from_io(&e, "epoll_ctl"), into);
            }
            r.conns.insert(conn.id, Arc::clone(conn));
        }
    }

    /// Closes every descriptor the reactor holds, at once, without events
    /// (the loop is going away). Inside [`Hub::take_with`]'s `deliver` it
    /// happens as that take ends.
    pub fn close_all(&self) {
        let listeners: Vec<u64> = lock(&self.listeners).keys().copied().collect();
        for server in listeners {
            self.remove_listener(server);
        }
        match self.reactor.try_lock() {
            Ok(mut r) => self.close_locked(&mut r),
            Err(std::sync::TryLockError::Poisoned(p)) => self.close_locked(&mut p.into_inner()),
            Err(std::sync::TryLockError::WouldBlock) => self.closing.store(true, Ordering::Release),
        }
    }

    fn close_locked(&self, r: &mut Reactor) {
        let mut discard = Vec::new();
        let arrivals = std::mem::take(&mut lock(&self.inbox).arrivals);
        for conn in arrivals.into_iter().chain(r.conns.drain().map(|(_, c)| c)) {
            conn.close_now(&self.registry, &mut discard);
        }
    }
}
