//! Where events for one event loop gather, and the loop thread's reactor.
//!
//! Connected sockets are read and written on the thread that drains the hub
//! (the loop thread): their descriptors sit in one epoll set per hub, whose
//! descriptor the loop watches. A request therefore never crosses threads:
//! readiness, the read, the listener and the reply all happen in one pass,
//! as in uvloop. The tokio threads keep what may block or wait (resolving,
//! connection attempts, accepting, timers) and leave their events in a
//! queue; the first of a batch wakes the epoll set through a mio `Waker`.

use std::collections::HashMap;
use std::io;
use std::os::fd::{AsRawFd, RawFd};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::Duration;

use bytes::{Bytes, BytesMut};
use mio::unix::SourceFd;
use mio::{Interest, Poll, Token, Waker};

use super::conn::Conn;
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
    /// A `take` is running: it picks up what is scheduled meanwhile.
    draining: bool,
}

/// What only the draining thread touches.
#[derive(Debug)]
struct Reactor {
    poll: Poll,
    events: mio::Events,
    conns: HashMap<u64, Arc<Conn>>,
    /// One read buffer for every connection: each read is split off as the
    /// event's `Bytes`, and the space is reused once those are dropped.
    scratch: BytesMut,
}

#[derive(Debug)]
pub struct Hub {
    inbox: Mutex<Inbox>,
    pending: Mutex<Pending>,
    reactor: Mutex<Reactor>,
    waker: Waker,
    fd: RawFd,
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(PoisonError::into_inner)
}

impl Hub {
    pub fn new() -> io::Result<Arc<Self>> {
        let poll = Poll::new()?;
        let waker = Waker::new(poll.registry(), WAKE)?;
        let fd = poll.as_raw_fd();
        Ok(Arc::new(Hub {
            inbox: Mutex::new(Inbox::default()),
            pending: Mutex::new(Pending::default()),
            reactor: Mutex::new(Reactor {
                poll,
                events: mio::Events::with_capacity(1024),
                conns: HashMap::new(),
                scratch: BytesMut::new(),
            }),
            waker,
            fd,
        }))
    }

    /// The descriptor the loop watches for readability (the epoll set):
    /// whenever it is readable, call [`Hub::take`] on the loop thread.
    pub fn fd(&self) -> RawFd {
        self.fd
    }

    /// Blocks until [`Hub::fd`] is readable or `timeout` passes, for a
    /// program that drives the hub from a thread of its own.
    pub fn wait(&self, timeout: Option<Duration>) {
        let mut pfd = libc::pollfd {
            fd: self.fd,
            events: libc::POLLIN,
            revents: 0,
        };
        let ms = timeout.map_or(-1, |d| d.as_millis().min(i32::MAX as u128) as i32);
        // SAFETY: polls one live pollfd structure.
        unsafe {
            libc::poll(&raw mut pfd, 1, ms);
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

    fn wake(&self) {
        // A failure leaves an earlier wake-up pending, which is as good.
        let _ = self.waker.wake();
    }

    /// Takes every pending event, reading and writing the connections that
    /// are ready on the way. Call it on the loop thread whenever [`Hub::fd`]
    /// is readable; it never blocks.
    pub fn take(&self, into: &mut Vec<Event>) {
        let mut r = lock(&self.reactor);
        let r = &mut *r;
        lock(&self.pending).draining = true;
        let mut ready = Vec::new();
        match r.poll.poll(&mut r.events, Some(Duration::ZERO)) {
            Ok(()) => {
                for ev in &r.events {
                    if ev.token() == WAKE {
                        continue;
                    }
                    if let Some(conn) = r.conns.get(&(ev.token().0 as u64)) {
                        let readable = ev.is_readable() || ev.is_read_closed() || ev.is_error();
                        let writable = ev.is_writable() || ev.is_write_closed() || ev.is_error();
                        if conn.ready(readable, writable, ev.is_read_closed()) {
                            ready.push(Arc::clone(conn));
                        }
                    }
                }
            }
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(_) => {}
        }
        let arrivals = {
            let mut inbox = lock(&self.inbox);
            into.append(&mut inbox.events);
            std::mem::take(&mut inbox.arrivals)
        };
        for conn in arrivals {
            if let Some(fd) = conn.join() {
                let source = &mut SourceFd(&fd);
                let token = Token(conn.id as usize);
                let interest = Interest::READABLE | Interest::WRITABLE;
                if let Err(e) = r.poll.registry().register(source, token, interest) {
                    conn.fail(SystemError::from_io(&e, "epoll_ctl"), into);
                }
                r.conns.insert(conn.id, Arc::clone(&conn));
            }
            // Served at once: a new connection's first bytes are usually
            // there already, and its writes may be waiting.
            if conn.mark_scheduled() {
                ready.push(conn);
            }
        }
        let mut rounds = 0;
        loop {
            for conn in ready.drain(..) {
                conn.clear_scheduled();
                if conn.service(self, r.poll.registry(), &mut r.scratch, into) {
                    r.conns.remove(&conn.id);
                }
            }
            rounds += 1;
            let mut p = lock(&self.pending);
            if p.conns.is_empty() {
                p.draining = false;
                break;
            }
            if rounds == ROUNDS {
                // The rest waits for the next take, after the loop's other
                // callbacks have had their turn.
                p.draining = false;
                drop(p);
                self.wake();
                break;
            }
            std::mem::swap(&mut p.conns, &mut ready);
        }
    }

    /// Closes every descriptor the reactor holds, at once, without events
    /// (the loop is going away).
    pub fn close_all(&self) {
        let mut r = lock(&self.reactor);
        let r = &mut *r;
        let mut discard = Vec::new();
        let arrivals = std::mem::take(&mut lock(&self.inbox).arrivals);
        for conn in arrivals.into_iter().chain(r.conns.drain().map(|(_, c)| c)) {
            conn.close_now(r.poll.registry(), &mut discard);
        }
    }
}
