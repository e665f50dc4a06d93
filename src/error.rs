//! The one error type of tokionet: every failure Node reports with a `code`.
//!
//! Each variant is one of Node's error codes (or a system error from the
//! kernel) and formats Node v24's message template. Misuse by the caller
//! (`ERR_*` codes) is kept apart from failures of the peer or the kernel
//! ([`SystemError`]). This module never touches Python: the binding layer
//! turns an [`Error`] into an exception in exactly one place.

use std::fmt;

/// Which JavaScript class Node throws for an error; the binding layer maps it
/// onto the host language (`TypeError` -> `TypeError`, `RangeError` ->
/// `ValueError`, ...).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ErrorClass {
    TypeError,
    RangeError,
    Error,
    AbortError,
    System,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Error {
    /// `ERR_INVALID_ARG_TYPE`. `expected` is the phrase after "must be"
    /// (`of type string`, `one of type number or string`, ...).
    InvalidArgType {
        name: String,
        expected: &'static str,
        received: String,
    },
    /// `ERR_INVALID_ARG_VALUE`. `reason` defaults to `is invalid` in Node.
    InvalidArgValue {
        name: String,
        reason: String,
        received: String,
    },
    /// `ERR_OUT_OF_RANGE`.
    OutOfRange {
        name: String,
        range: String,
        received: String,
    },
    /// `ERR_SOCKET_BAD_PORT`; `name` is `Port` or `options.port`.
    SocketBadPort {
        name: String,
        received: String,
    },
    /// `ERR_INVALID_ADDRESS` (raised by Node's C++ SocketAddress).
    InvalidAddress,
    /// `ERR_INVALID_IP_ADDRESS`.
    InvalidIpAddress(String),
    /// `ERR_INVALID_ADDRESS_FAMILY`.
    InvalidAddressFamily {
        family: String,
        host: String,
        port: String,
    },
    /// `ERR_IP_BLOCKED`.
    IpBlocked(String),
    MissingArgs,
    ServerAlreadyListen,
    ServerNotRunning,
    SocketClosed,
    SocketClosedBeforeConnection,
    SocketConnectionTimeout,
    /// `ERR_INVALID_FD_TYPE` with the handle type (`UNKNOWN`, `FILE`, ...).
    InvalidFdType(String),
    InvalidHandleType,
    StreamWriteAfterEnd,
    StreamDestroyed,
    StreamNullValues,
    UnknownEncoding(String),
    /// `ABORT_ERR`.
    Abort,
    /// Node's non-system `EPIPE`: a write after the peer ended the stream.
    EndedByPeer,
    /// `ERR_UNHANDLED_ERROR`: an `'error'` event with no listener and no
    /// exception to raise; holds how the emitted value prints, if there was one.
    UnhandledError(Option<String>),
    /// An error from the operating system (boxed: it is the one large variant).
    System(Box<SystemError>),
    /// An error object the caller supplied (`destroy(err)`), held by the
    /// binding layer under this token.
    Foreign(u64),
}

impl Error {
    /// Node's `code` property.
    pub fn code(&self) -> &str {
        match self {
            Error::InvalidArgType { .. } => "ERR_INVALID_ARG_TYPE",
            Error::InvalidArgValue { .. } => "ERR_INVALID_ARG_VALUE",
            Error::OutOfRange { .. } => "ERR_OUT_OF_RANGE",
            Error::SocketBadPort { .. } => "ERR_SOCKET_BAD_PORT",
            Error::InvalidAddress => "ERR_INVALID_ADDRESS",
            Error::InvalidIpAddress(_) => "ERR_INVALID_IP_ADDRESS",
            Error::InvalidAddressFamily { .. } => "ERR_INVALID_ADDRESS_FAMILY",
            Error::IpBlocked(_) => "ERR_IP_BLOCKED",
            Error::MissingArgs => "ERR_MISSING_ARGS",
            Error::ServerAlreadyListen => "ERR_SERVER_ALREADY_LISTEN",
            Error::ServerNotRunning => "ERR_SERVER_NOT_RUNNING",
            Error::SocketClosed => "ERR_SOCKET_CLOSED",
            Error::SocketClosedBeforeConnection => "ERR_SOCKET_CLOSED_BEFORE_CONNECTION",
            Error::SocketConnectionTimeout => "ERR_SOCKET_CONNECTION_TIMEOUT",
            Error::InvalidFdType(_) => "ERR_INVALID_FD_TYPE",
            Error::InvalidHandleType => "ERR_INVALID_HANDLE_TYPE",
            Error::StreamWriteAfterEnd => "ERR_STREAM_WRITE_AFTER_END",
            Error::StreamDestroyed => "ERR_STREAM_DESTROYED",
            Error::StreamNullValues => "ERR_STREAM_NULL_VALUES",
            Error::UnknownEncoding(_) => "ERR_UNKNOWN_ENCODING",
            Error::Abort => "ABORT_ERR",
            Error::EndedByPeer => "EPIPE",
            Error::UnhandledError(_) => "ERR_UNHANDLED_ERROR",
            Error::System(e) => e.code(),
            Error::Foreign(_) => "",
        }
    }

    /// The JavaScript class Node uses for this error.
    pub fn class(&self) -> ErrorClass {
        match self {
            Error::InvalidArgType { .. }
            | Error::InvalidArgValue { .. }
            | Error::InvalidIpAddress(_)
            | Error::MissingArgs
            | Error::InvalidFdType(_)
            | Error::InvalidHandleType
            | Error::StreamNullValues
            | Error::UnknownEncoding(_) => ErrorClass::TypeError,
            Error::OutOfRange { .. }
            | Error::SocketBadPort { .. }
            | Error::InvalidAddressFamily { .. } => ErrorClass::RangeError,
            Error::Abort => ErrorClass::AbortError,
            Error::System(_) => ErrorClass::System,
            _ => ErrorClass::Error,
        }
    }

    pub fn invalid_arg_type(
        name: impl Into<String>,
        expected: &'static str,
        received: &crate::Value,
    ) -> Self {
        Error::InvalidArgType {
            name: name.into(),
            expected,
            received: received.describe(),
        }
    }

    pub fn invalid_arg_value(
        name: impl Into<String>,
        value: &crate::Value,
        reason: impl Into<String>,
    ) -> Self {
        Error::InvalidArgValue {
            name: name.into(),
            reason: reason.into(),
            received: value.inspect(),
        }
    }

    pub fn out_of_range(
        name: impl Into<String>,
        range: impl Into<String>,
        value: &crate::Value,
    ) -> Self {
        Error::OutOfRange {
            name: name.into(),
            range: range.into(),
            received: value.range_repr(),
        }
    }
}

/// Node's wording for an argument or a property (a name with a dot).
fn arg_kind(name: &str) -> &'static str {
    if name.contains('.') {
        "property"
    } else {
        "argument"
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::InvalidArgType {
                name,
                expected,
                received,
            } => {
                if name.ends_with(" argument") {
                    write!(f, "The {name} must be {expected}. Received {received}")
                } else {
                    write!(
                        f,
                        "The \"{name}\" {} must be {expected}. Received {received}",
                        arg_kind(name)
                    )
                }
            }
            Error::InvalidArgValue {
                name,
                reason,
                received,
            } => {
                write!(
                    f,
                    "The {} '{name}' {reason}. Received {received}",
                    arg_kind(name)
                )
            }
            Error::OutOfRange {
                name,
                range,
                received,
            } => {
                write!(
                    f,
                    "The value of \"{name}\" is out of range. It must be {range}. Received {received}"
                )
            }
            Error::SocketBadPort { name, received } => {
                write!(f, "{name} should be >= 0 and < 65536. Received {received}.")
            }
            Error::InvalidAddress => f.write_str("Invalid socket address"),
            Error::InvalidIpAddress(ip) => write!(f, "Invalid IP address: {ip}"),
            Error::InvalidAddressFamily { family, host, port } => {
                write!(f, "Invalid address family: {family} {host}:{port}")
            }
            Error::IpBlocked(ip) => write!(f, "IP({ip}) is blocked by net.BlockList"),
            Error::MissingArgs => {
                f.write_str("The \"options\" or \"port\" or \"path\" argument must be specified")
            }
            Error::ServerAlreadyListen => {
                f.write_str("Listen method has been called more than once without closing.")
            }
            Error::ServerNotRunning => f.write_str("Server is not running."),
            Error::SocketClosed => f.write_str("Socket is closed"),
            Error::SocketClosedBeforeConnection => {
                f.write_str("Socket closed before the connection was established")
            }
            Error::SocketConnectionTimeout => f.write_str("Socket connection timeout"),
            Error::InvalidFdType(t) => write!(f, "Unsupported fd type: {t}"),
            Error::InvalidHandleType => f.write_str("This handle type cannot be sent"),
            Error::StreamWriteAfterEnd => f.write_str("write after end"),
            Error::StreamDestroyed => f.write_str("Cannot call write after a stream was destroyed"),
            Error::StreamNullValues => f.write_str("May not write null values to stream"),
            Error::UnknownEncoding(e) => write!(f, "Unknown encoding: {e}"),
            Error::Abort => f.write_str("The operation was aborted"),
            Error::EndedByPeer => f.write_str("This socket has been ended by the other party"),
            Error::UnhandledError(None) => f.write_str("Unhandled error."),
            Error::UnhandledError(Some(value)) => write!(f, "Unhandled error. ({value})"),
            Error::System(e) => e.fmt(f),
            Error::Foreign(id) => write!(f, "error #{id} supplied by the caller"),
        }
    }
}

impl std::error::Error for Error {}

impl From<SystemError> for Error {
    fn from(e: SystemError) -> Self {
        Error::System(Box::new(e))
    }
}

/// How Node words a system error's message.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SystemMessage {
    /// `connect ECONNREFUSED 127.0.0.1:80`: no description (Node's
    /// `ExceptionWithHostPort`).
    Plain,
    /// `listen EADDRINUSE: address already in use 127.0.0.1:80`: with libuv's
    /// description (Node's `UVExceptionWithHostPort`).
    Described,
}

/// An error from the operating system, with Node's fields.
#[derive(Debug, Clone, PartialEq)]
pub struct SystemError {
    /// Positive errno (Linux numbering).
    pub errno: i32,
    pub syscall: String,
    pub address: Option<String>,
    pub port: Option<u16>,
    pub local_address: Option<String>,
    pub local_port: Option<u16>,
    /// The host name a failed lookup was for.
    pub hostname: Option<String>,
    /// A code that is not an errno's name (`ENOTFOUND` from getaddrinfo).
    pub code: Option<&'static str>,
    pub style: SystemMessage,
}

impl SystemError {
    pub fn new(errno: i32, syscall: impl Into<String>) -> Self {
        SystemError {
            errno,
            syscall: syscall.into(),
            address: None,
            port: None,
            local_address: None,
            local_port: None,
            hostname: None,
            code: None,
            style: SystemMessage::Plain,
        }
    }

    /// An I/O error; one with no errno (a path too long for a Unix socket
    /// address, say) is EINVAL, as libuv reports it.
    pub fn from_io(err: &std::io::Error, syscall: impl Into<String>) -> Self {
        Self::new(err.raw_os_error().unwrap_or(22), syscall)
    }

    #[must_use]
    pub fn with_address(mut self, address: impl Into<String>, port: Option<u16>) -> Self {
        self.address = Some(address.into());
        self.port = port;
        self
    }

    #[must_use]
    pub fn with_local(mut self, address: impl Into<String>, port: u16) -> Self {
        self.local_address = Some(address.into());
        self.local_port = Some(port);
        self
    }

    #[must_use]
    pub fn with_hostname(mut self, host: impl Into<String>) -> Self {
        self.hostname = Some(host.into());
        self
    }

    #[must_use]
    pub fn described(mut self) -> Self {
        self.style = SystemMessage::Described;
        self
    }

    /// libuv's name for the errno (`ECONNREFUSED`), as Node's `code`.
    pub fn code(&self) -> &'static str {
        self.code.unwrap_or_else(|| errno_name(self.errno).0)
    }

    /// libuv's description of the errno (`connection refused`).
    pub fn description(&self) -> &'static str {
        errno_name(self.errno).1
    }
}

impl fmt::Display for SystemError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {}", self.syscall, self.code())?;
        if self.style == SystemMessage::Described {
            write!(f, ": {}", self.description())?;
        }
        match (&self.address, self.port) {
            (Some(a), Some(p)) => write!(f, " {a}:{p}")?,
            (Some(a), None) => write!(f, " {a}")?,
            _ => {
                if let Some(h) = &self.hostname {
                    write!(f, " {h}")?;
                }
            }
        }
        if let (Some(a), Some(p)) = (&self.local_address, self.local_port) {
            write!(f, " - Local ({a}:{p})")?;
        }
        Ok(())
    }
}

/// libuv's code names and descriptions for the Linux errnos a socket library
/// meets (`uv_err_name`, `uv_strerror`).
pub fn errno_name(errno: i32) -> (&'static str, &'static str) {
    match errno {
        1 => ("EPERM", "operation not permitted"),
        2 => ("ENOENT", "no such file or directory"),
        4 => ("EINTR", "interrupted system call"),
        5 => ("EIO", "i/o error"),
        9 => ("EBADF", "bad file descriptor"),
        11 => ("EAGAIN", "resource temporarily unavailable"),
        12 => ("ENOMEM", "not enough memory"),
        13 => ("EACCES", "permission denied"),
        14 => ("EFAULT", "bad address in system call argument"),
        16 => ("EBUSY", "resource busy or locked"),
        17 => ("EEXIST", "file already exists"),
        20 => ("ENOTDIR", "not a directory"),
        21 => ("EISDIR", "illegal operation on a directory"),
        22 => ("EINVAL", "invalid argument"),
        23 => ("ENFILE", "file table overflow"),
        24 => ("EMFILE", "too many open files"),
        28 => ("ENOSPC", "no space left on device"),
        30 => ("EROFS", "read-only file system"),
        32 => ("EPIPE", "broken pipe"),
        36 => ("ENAMETOOLONG", "name too long"),
        38 => ("ENOSYS", "function not implemented"),
        40 => ("ELOOP", "too many symbolic links encountered"),
        88 => ("ENOTSOCK", "socket operation on non-socket"),
        90 => ("EMSGSIZE", "message too long"),
        92 => ("ENOPROTOOPT", "protocol not available"),
        93 => ("EPROTONOSUPPORT", "protocol not supported"),
        95 => ("ENOTSUP", "operation not supported on socket"),
        97 => ("EAFNOSUPPORT", "address family not supported"),
        98 => ("EADDRINUSE", "address already in use"),
        99 => ("EADDRNOTAVAIL", "address not available"),
        100 => ("ENETDOWN", "network is down"),
        101 => ("ENETUNREACH", "network is unreachable"),
        103 => ("ECONNABORTED", "software caused connection abort"),
        104 => ("ECONNRESET", "connection reset by peer"),
        105 => ("ENOBUFS", "no buffer space available"),
        106 => ("EISCONN", "socket is already connected"),
        107 => ("ENOTCONN", "socket is not connected"),
        108 => ("ESHUTDOWN", "cannot send after transport endpoint shutdown"),
        110 => ("ETIMEDOUT", "connection timed out"),
        111 => ("ECONNREFUSED", "connection refused"),
        112 => ("EHOSTDOWN", "host is down"),
        113 => ("EHOSTUNREACH", "host is unreachable"),
        114 => ("EALREADY", "connection already in progress"),
        125 => ("ECANCELED", "operation canceled"),
        _ => ("UNKNOWN", "unknown error"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Value;

    #[test]
    fn arg_type_message_uses_property_for_dotted_names() {
        let e = Error::invalid_arg_type("options.host", "of type string", &Value::Int(1));
        assert_eq!(
            e.to_string(),
            "The \"options.host\" property must be of type string. Received type int (1)"
        );
        assert_eq!(e.code(), "ERR_INVALID_ARG_TYPE");
        assert_eq!(e.class(), ErrorClass::TypeError);
    }

    #[test]
    fn system_error_messages_follow_node_shapes() {
        let refused = SystemError::new(111, "connect").with_address("127.0.0.1", Some(80));
        assert_eq!(refused.to_string(), "connect ECONNREFUSED 127.0.0.1:80");
        let in_use = SystemError::new(98, "listen")
            .with_address("127.0.0.1", Some(8080))
            .described();
        assert_eq!(
            in_use.to_string(),
            "listen EADDRINUSE: address already in use 127.0.0.1:8080"
        );
        let local = SystemError::new(111, "connect")
            .with_address("127.0.0.1", Some(9))
            .with_local("127.0.0.1", 5000);
        assert_eq!(
            local.to_string(),
            "connect ECONNREFUSED 127.0.0.1:9 - Local (127.0.0.1:5000)"
        );
        assert_eq!(Error::from(refused).code(), "ECONNREFUSED");
    }

    #[test]
    fn unhandled_error_prints_the_value_if_any() {
        let e = Error::UnhandledError(Some("'boom'".into()));
        assert_eq!(e.to_string(), "Unhandled error. ('boom')");
        assert_eq!(e.code(), "ERR_UNHANDLED_ERROR");
        assert_eq!(e.class(), ErrorClass::Error);
        assert_eq!(Error::UnhandledError(None).to_string(), "Unhandled error.");
    }

    #[test]
    fn range_errors_are_range_class() {
        let e = Error::SocketBadPort {
            name: "Port".into(),
            received: Value::Int(-1).describe(),
        };
        assert_eq!(
            e.to_string(),
            "Port should be >= 0 and < 65536. Received type int (-1)."
        );
        assert_eq!(e.class(), ErrorClass::RangeError);
    }
}
