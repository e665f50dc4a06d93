//! A connected stream socket of either kind the core serves: TCP or a Unix
//! domain socket (Node's IPC). One type, so connections, listeners and the
//! event flow are the same for both.

use std::io;
use std::net::SocketAddr;

use std::os::fd::{AsRawFd, RawFd};

use bytes::BytesMut;
use socket2::SockRef;

/// A connected, non-blocking socket. It is not registered with tokio: the
/// loop thread's reactor ([`super::hub::Hub`]) watches it.
#[derive(Debug)]
pub struct Stream {
    sock: socket2::Socket,
    unix: bool,
    /// A descriptor the caller handed over (`Socket(fd=...)`): other
    /// descriptors may share its open file, which keeps an epoll
    /// registration alive past our `close`.
    adopted: bool,
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
    /// Whether the descriptor came from the caller (see [`Stream::from_fd`]).
    pub fn adopted(&self) -> bool {
        self.adopted
    }

    fn new(sock: socket2::Socket, unix: bool) -> Stream {
        Stream {
            sock,
            unix,
            adopted: false,
        }
    }

    /// A connected TCP socket (non-blocking, as tokio hands it over).
    pub fn tcp(stream: std::net::TcpStream) -> Stream {
        Stream::new(stream.into(), false)
    }

    /// A connected Unix socket (non-blocking).
    pub fn unix(stream: std::os::unix::net::UnixStream) -> Stream {
        Stream::new(stream.into(), true)
    }

    /// Takes over a connected socket descriptor (Node's `new Socket({fd})`:
    /// the socket owns it from now on). `kind` is what
    /// [`guess_handle_type`] said: `TCP` or `PIPE`.
    pub fn from_fd(fd: i32, kind: &str) -> io::Result<Stream> {
        use std::os::fd::FromRawFd;
        // SAFETY: the caller hands the descriptor over, as Node's API does;
        // nothing else closes it.
        let sock = unsafe { socket2::Socket::from_raw_fd(fd) };
        sock.set_nonblocking(true)?;
        Ok(Stream {
            adopted: true,
            ..Stream::new(sock, kind == "PIPE")
        })
    }

    /// The descriptor, for socket options and raw sends.
    pub fn sock(&self) -> SockRef<'_> {
        SockRef::from(&self.sock)
    }

    pub fn fd(&self) -> RawFd {
        self.sock.as_raw_fd()
    }

    /// One `read(2)` of at most `max` bytes into the spare capacity of
    /// `buf`.
    pub fn read_buf(&self, buf: &mut BytesMut, max: usize) -> io::Result<usize> {
        let spare = buf.spare_capacity_mut();
        let len = max.min(spare.len());
        let spare = &mut spare[..len];
        // SAFETY: reads at most `spare.len()` bytes into memory `buf` owns;
        // the kernel initialises the `n` bytes it reports, and only those
        // are added to the length.
        let n = unsafe { libc::read(self.fd(), spare.as_mut_ptr().cast(), spare.len()) };
        if n < 0 {
            return Err(io::Error::last_os_error());
        }
        let n = n as usize;
        // SAFETY: see above: `n` bytes were written by the kernel.
        unsafe { buf.set_len(buf.len() + n) };
        Ok(n)
    }

    /// The local IP address and port (`None` for Unix sockets).
    pub fn local_addr(&self) -> Option<SocketAddr> {
        if self.unix {
            return None;
        }
        self.sock.local_addr().ok().and_then(|a| a.as_socket())
    }

    /// The peer's IP address and port (`None` for Unix sockets).
    pub fn peer_addr(&self) -> Option<SocketAddr> {
        if self.unix {
            return None;
        }
        self.sock.peer_addr().ok().and_then(|a| a.as_socket())
    }
}
