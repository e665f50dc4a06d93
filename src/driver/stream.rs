//! A connected stream socket of either kind the core serves: TCP or a Unix
//! domain socket (Node's IPC). One type, so connections, listeners and the
//! event flow are the same for both.

use std::io;
use std::net::SocketAddr;

use bytes::BytesMut;
use socket2::SockRef;
use tokio::io::Interest;
use tokio::net::{TcpStream, UnixStream};

#[derive(Debug)]
pub enum Stream {
    Tcp(TcpStream),
    Unix(UnixStream),
}

/// libuv's `uv_guess_handle`, as Node's `guessHandleType` reports it:
/// `TCP`, `PIPE` (Unix sockets and FIFOs), `UDP`, `TTY`, `FILE` or `UNKNOWN`.
pub fn guess_handle_type(fd: i32) -> &'static str {
    // SAFETY: fstat and getsockopt only read the descriptor's metadata into
    // the zeroed structures given; a bad descriptor is an error return.
    unsafe {
        let mut st: libc::stat = std::mem::zeroed();
        if libc::fstat(fd, &raw mut st) != 0 {
            return "UNKNOWN";
        }
        match st.st_mode & libc::S_IFMT {
            libc::S_IFREG | libc::S_IFDIR => "FILE",
            libc::S_IFCHR => {
                if libc::isatty(fd) == 1 {
                    "TTY"
                } else {
                    "FILE"
                }
            }
            libc::S_IFIFO => "PIPE",
            libc::S_IFSOCK => {
                let mut ty: libc::c_int = 0;
                let mut domain: libc::c_int = 0;
                let mut len = std::mem::size_of::<libc::c_int>() as libc::socklen_t;
                if libc::getsockopt(
                    fd,
                    libc::SOL_SOCKET,
                    libc::SO_TYPE,
                    (&raw mut ty).cast(),
                    &raw mut len,
                ) != 0
                {
                    return "UNKNOWN";
                }
                len = std::mem::size_of::<libc::c_int>() as libc::socklen_t;
                if libc::getsockopt(
                    fd,
                    libc::SOL_SOCKET,
                    libc::SO_DOMAIN,
                    (&raw mut domain).cast(),
                    &raw mut len,
                ) != 0
                {
                    return "UNKNOWN";
                }
                match (domain, ty) {
                    (libc::AF_UNIX, libc::SOCK_STREAM) => "PIPE",
                    (libc::AF_INET | libc::AF_INET6, libc::SOCK_STREAM) => "TCP",
                    (libc::AF_INET | libc::AF_INET6, libc::SOCK_DGRAM) => "UDP",
                    _ => "UNKNOWN",
                }
            }
            _ => "UNKNOWN",
        }
    }
}

impl Stream {
    /// Takes over a connected socket descriptor (Node's `new Socket({fd})`:
    /// the socket owns it from now on). `kind` is what
    /// [`guess_handle_type`] said: `TCP` or `PIPE`.
    pub fn from_fd(fd: i32, kind: &str) -> io::Result<Stream> {
        use std::os::fd::FromRawFd;
        let _guard = super::runtime::get().enter();
        // SAFETY: the caller hands the descriptor over, as Node's API does;
        // nothing else closes it.
        let sock = unsafe { socket2::Socket::from_raw_fd(fd) };
        sock.set_nonblocking(true)?;
        if kind == "PIPE" {
            Ok(Stream::Unix(UnixStream::from_std(sock.into())?))
        } else {
            Ok(Stream::Tcp(TcpStream::from_std(sock.into())?))
        }
    }

    /// The descriptor, for socket options and raw sends.
    pub fn sock(&self) -> SockRef<'_> {
        match self {
            Stream::Tcp(s) => SockRef::from(s),
            Stream::Unix(s) => SockRef::from(s),
        }
    }

    pub async fn readable(&self) -> io::Result<()> {
        match self {
            Stream::Tcp(s) => s.readable().await,
            Stream::Unix(s) => s.readable().await,
        }
    }

    pub async fn writable(&self) -> io::Result<()> {
        match self {
            Stream::Tcp(s) => s.writable().await,
            Stream::Unix(s) => s.writable().await,
        }
    }

    /// tokio's `try_io`: readiness is forgotten when `f` says WouldBlock.
    pub fn try_io<R>(
        &self,
        interest: Interest,
        f: impl FnOnce() -> io::Result<R>,
    ) -> io::Result<R> {
        match self {
            Stream::Tcp(s) => s.try_io(interest, f),
            Stream::Unix(s) => s.try_io(interest, f),
        }
    }

    pub fn try_read_buf(&self, buf: &mut BytesMut) -> io::Result<usize> {
        match self {
            Stream::Tcp(s) => s.try_read_buf(buf),
            Stream::Unix(s) => s.try_read_buf(buf),
        }
    }

    /// The local IP address and port (`None` for Unix sockets).
    pub fn local_addr(&self) -> Option<SocketAddr> {
        match self {
            Stream::Tcp(s) => s.local_addr().ok(),
            Stream::Unix(_) => None,
        }
    }

    /// The peer's IP address and port (`None` for Unix sockets).
    pub fn peer_addr(&self) -> Option<SocketAddr> {
        match self {
            Stream::Tcp(s) => s.peer_addr().ok(),
            Stream::Unix(_) => None,
        }
    }
}
