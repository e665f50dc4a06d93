//! Listening sockets, TCP or Unix: bound and listening synchronously (so
//! errors are known at once, and reported by the caller on a later tick as
//! Node does), then watched by the hub, which accepts on the loop thread.

use std::net::SocketAddr;
use std::sync::{Arc, Weak};

use socket2::{Domain, Socket, Type};

use super::conn::unix_addr;
use super::hub::Hub;
use crate::SystemError;

/// Where to listen.
#[derive(Debug, Clone)]
pub enum Endpoint {
    Tcp {
        addr: SocketAddr,
        ipv6_only: bool,
        reuse_port: bool,
    },
    /// A descriptor already bound (Node's `listen({fd})`), of the kind
    /// `guessHandleType` gave (`TCP` or `PIPE`).
    Fd { fd: i32, kind: &'static str },
    /// A Unix socket path (or abstract name); the modes add read/write
    /// permission for everyone (`readableAll`/`writableAll`).
    Unix {
        path: String,
        readable_all: bool,
        writable_all: bool,
    },
}

#[derive(Debug, Clone)]
pub struct ListenConfig {
    pub endpoint: Endpoint,
    pub backlog: i32,
    /// Whether accepted connections start reading at once.
    pub start_reading: bool,
}

/// A listening socket. The hub's reactor accepts on it, on the loop thread.
#[derive(Debug)]
pub struct Listener {
    hub: Weak<Hub>,
    server: u64,
    local: Option<SocketAddr>,
    /// The listening descriptor (for `listen(handle)` by another server).
    fd: i32,
    /// The socket file to remove on close (not for abstract names).
    unlink: Option<String>,
}

fn bind(cfg: &ListenConfig) -> std::io::Result<Socket> {
    let sock = match &cfg.endpoint {
        Endpoint::Tcp {
            addr,
            ipv6_only,
            reuse_port,
        } => {
            let sock = Socket::new(
                Domain::for_address(*addr),
                Type::STREAM.nonblocking().cloexec(),
                None,
            )?;
            // As libuv does for every TCP listener.
            sock.set_reuse_address(true)?;
            if addr.is_ipv6() {
                sock.set_only_v6(*ipv6_only)?;
            }
            if *reuse_port {
                sock.set_reuse_port(true)?;
            }
            sock.bind(&(*addr).into())?;
            sock
        }
        Endpoint::Unix { path, .. } => {
            let sock = Socket::new(Domain::UNIX, Type::STREAM.nonblocking().cloexec(), None)?;
            sock.bind(&unix_addr(path)?)?;
            sock
        }
        Endpoint::Fd { fd, .. } => {
            use std::os::fd::FromRawFd;
            // SAFETY: the caller hands the descriptor over to the server.
            let sock = unsafe { Socket::from_raw_fd(*fd) };
            sock.set_nonblocking(true)?;
            sock
        }
    };
    sock.listen(cfg.backlog)?;
    Ok(sock)
}

/// `fchmod` for `readableAll` / `writableAll`.
fn chmod(path: &str, readable_all: bool, writable_all: bool) -> std::io::Result<()> {
    use std::os::unix::fs::PermissionsExt;
    let mut mode = 0;
    if readable_all {
        mode |= 0o444;
    }
    if writable_all {
        mode |= 0o222;
    }
    let meta = std::fs::metadata(path)?;
    let mut perms = meta.permissions();
    perms.set_mode(perms.mode() | mode);
    std::fs::set_permissions(path, perms)
}

impl Listener {
    /// Binds and listens; errors read as Node's `listen E...: <description>
    /// address[:port]`.
    pub fn listen(hub: &Arc<Hub>, server: u64, cfg: &ListenConfig) -> Result<Self, SystemError> {
        let fail = |e: &std::io::Error| {
            let err = SystemError::from_io(e, "listen").described();
            match &cfg.endpoint {
                Endpoint::Tcp { addr, .. } => {
                    err.with_address(addr.ip().to_string(), Some(addr.port()))
                }
                Endpoint::Unix { path, .. } => err.with_address(path.clone(), None),
                Endpoint::Fd { .. } => err,
            }
        };
        let sock = bind(cfg).map_err(|e| fail(&e))?;
        let mut unlink = None;
        if let Endpoint::Unix {
            path,
            readable_all,
            writable_all,
        } = &cfg.endpoint
        {
            if !path.starts_with('\0') {
                unlink = Some(path.clone());
                if *readable_all || *writable_all {
                    if let Err(e) = chmod(path, *readable_all, *writable_all) {
                        let _ = std::fs::remove_file(path);
                        return Err(SystemError::from_io(&e, "uv_pipe_chmod"));
                    }
                }
            }
        }
        let local = sock.local_addr().ok().and_then(|a| a.as_socket());
        let fd = std::os::fd::AsRawFd::as_raw_fd(&sock);
        let unix = matches!(
            cfg.endpoint,
            Endpoint::Unix { .. } | Endpoint::Fd { kind: "PIPE", .. }
        );
        let hub_ref = Arc::downgrade(hub);
        hub.add_listener(server, sock, unix, cfg.start_reading)
            .map_err(|e| fail(&e))?;
        Ok(Listener {
            hub: hub_ref,
            server,
            local,
            fd,
            unlink,
        })
    }

    /// A duplicate of the listening descriptor, for another server to
    /// listen on the same socket (Node's `listen(handle)`).
    pub fn dup_fd(&self) -> std::io::Result<i32> {
        // SAFETY: dup on a descriptor this listener keeps open.
        let fd = unsafe { libc::fcntl(self.fd, libc::F_DUPFD_CLOEXEC, 0) };
        if fd < 0 {
            Err(std::io::Error::last_os_error())
        } else {
            Ok(fd)
        }
    }

    /// The TCP address listened on (`None` for a Unix socket).
    pub fn local_addr(&self) -> Option<SocketAddr> {
        self.local
    }

    /// Stops accepting and closes the descriptor before returning (so the
    /// port is free when `close()` returns), and removes the socket file it
    /// made.
    pub fn close(&mut self) {
        if let Some(hub) = self.hub.upgrade() {
            hub.remove_listener(self.server);
        }
        self.hub = Weak::new();
        if let Some(path) = self.unlink.take() {
            let _ = std::fs::remove_file(path);
        }
    }
}

/// `accept4` with the flags every connection gets (socket2's `accept`
/// would need a second call to make it non-blocking).
pub(crate) fn accept(listener: &Socket) -> std::io::Result<Socket> {
    use std::os::fd::{AsRawFd, FromRawFd};
    // SAFETY: accept4 on our listening descriptor, with no address buffer;
    // it returns a new descriptor we own, or -1.
    let fd = unsafe {
        libc::accept4(
            listener.as_raw_fd(),
            std::ptr::null_mut(),
            std::ptr::null_mut(),
            libc::SOCK_NONBLOCK | libc::SOCK_CLOEXEC,
        )
    };
    if fd < 0 {
        return Err(std::io::Error::last_os_error());
    }
    // SAFETY: a fresh descriptor that nothing else owns.
    Ok(unsafe { Socket::from_raw_fd(fd) })
}

impl Drop for Listener {
    fn drop(&mut self) {
        self.close();
    }
}
