//! Where the I/O threads leave events for one event loop, and how that loop
//! is woken: once per batch, through an eventfd the loop watches.
//!
//! A producer that finds the queue empty writes the eventfd; the loop reads
//! the eventfd *before* taking the queue, so an event pushed after the take
//! always brings a fresh wake-up and none is lost.

use std::io;
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd, RawFd};
use std::sync::{Arc, Mutex, PoisonError};

use bytes::Bytes;

use super::conn::Conn;
use crate::SystemError;

/// Something that happened on a socket or a listener.
#[derive(Debug)]
pub enum Event {
    /// A listener accepted a connection (its task is already running).
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

#[derive(Debug)]
pub struct Hub {
    queue: Mutex<Vec<Event>>,
    efd: OwnedFd,
}

impl Hub {
    pub fn new() -> io::Result<Arc<Self>> {
        // SAFETY: eventfd returns a new descriptor or -1.
        let fd = unsafe { libc::eventfd(0, libc::EFD_NONBLOCK | libc::EFD_CLOEXEC) };
        if fd < 0 {
            return Err(io::Error::last_os_error());
        }
        Ok(Arc::new(Hub {
            queue: Mutex::new(Vec::with_capacity(64)),
            // SAFETY: `fd` is a fresh descriptor that nothing else owns.
            efd: unsafe { OwnedFd::from_raw_fd(fd) },
        }))
    }

    /// The descriptor the loop watches for readability.
    pub fn fd(&self) -> RawFd {
        self.efd.as_raw_fd()
    }

    pub fn push(&self, event: Event) {
        let was_empty = {
            let mut q = self.queue.lock().unwrap_or_else(PoisonError::into_inner);
            q.push(event);
            q.len() == 1
        };
        if was_empty {
            self.wake();
        }
    }

    fn wake(&self) {
        let one: u64 = 1;
        // SAFETY: writes 8 bytes from a live u64 to our own eventfd. A full
        // counter (EAGAIN) already means a wake-up is pending.
        unsafe {
            libc::write(self.fd(), std::ptr::addr_of!(one).cast(), 8);
        }
    }

    /// Takes every pending event (the loop thread, when the fd is readable).
    pub fn take(&self, into: &mut Vec<Event>) {
        let mut counter: u64 = 0;
        // SAFETY: reads 8 bytes into a live u64 from our own non-blocking
        // eventfd; EAGAIN just means there was no wake-up to clear.
        unsafe {
            libc::read(self.fd(), std::ptr::addr_of_mut!(counter).cast(), 8);
        }
        let mut q = self.queue.lock().unwrap_or_else(PoisonError::into_inner);
        std::mem::swap(&mut *q, into);
    }
}
