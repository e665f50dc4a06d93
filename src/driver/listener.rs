//! Listening sockets: bound and listening synchronously (so errors are known
//! at once, and reported by the caller on a later tick as Node does), then
//! an accept task per listener that hands each connection to the hub.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use socket2::{Domain, Socket, Type};
use tokio::task::JoinHandle;

use super::conn::Conn;
use super::hub::{Event, Hub};
use super::runtime;
use crate::SystemError;

#[derive(Debug, Clone)]
pub struct ListenConfig {
    pub addr: SocketAddr,
    pub backlog: i32,
    pub ipv6_only: bool,
    pub reuse_port: bool,
    /// Whether accepted connections start reading at once.
    pub start_reading: bool,
}

#[derive(Debug)]
pub struct Listener {
    task: Option<JoinHandle<()>>,
    local: SocketAddr,
}

fn bind(cfg: &ListenConfig) -> std::io::Result<Socket> {
    let sock = Socket::new(
        Domain::for_address(cfg.addr),
        Type::STREAM.nonblocking().cloexec(),
        None,
    )?;
    // As libuv does for every TCP listener.
    sock.set_reuse_address(true)?;
    if cfg.addr.is_ipv6() {
        sock.set_only_v6(cfg.ipv6_only)?;
    }
    if cfg.reuse_port {
        sock.set_reuse_port(true)?;
    }
    sock.bind(&cfg.addr.into())?;
    sock.listen(cfg.backlog)?;
    Ok(sock)
}

impl Listener {
    /// Binds and listens; errors read as Node's `listen E...: <description>
    /// address:port`.
    pub fn listen(hub: Arc<Hub>, server: u64, cfg: &ListenConfig) -> Result<Self, SystemError> {
        let sock = bind(cfg).map_err(|e| {
            SystemError::from_io(&e, "listen")
                .with_address(cfg.addr.ip().to_string(), Some(cfg.addr.port()))
                .described()
        })?;
        let local = sock
            .local_addr()
            .ok()
            .and_then(|a| a.as_socket())
            .unwrap_or(cfg.addr);
        let std_listener: std::net::TcpListener = sock.into();
        let start_reading = cfg.start_reading;
        let task = runtime::get().spawn(async move {
            let listener = match tokio::net::TcpListener::from_std(std_listener) {
                Ok(l) => l,
                Err(e) => {
                    hub.push(Event::AcceptError {
                        server,
                        error: SystemError::from_io(&e, "accept"),
                    });
                    return;
                }
            };
            loop {
                match listener.accept().await {
                    Ok((stream, _)) => {
                        let conn = Conn::new(Arc::clone(&hub), start_reading);
                        let start = conn.adopt(stream);
                        hub.push(Event::Accepted {
                            server,
                            conn: Arc::clone(&conn),
                        });
                        start();
                    }
                    Err(e) => {
                        let out_of_fds =
                            matches!(e.raw_os_error(), Some(libc::EMFILE | libc::ENFILE));
                        hub.push(Event::AcceptError {
                            server,
                            error: SystemError::from_io(&e, "accept"),
                        });
                        if out_of_fds {
                            // The pending connection stays queued; give
                            // descriptors a moment to come back.
                            tokio::time::sleep(Duration::from_millis(50)).await;
                        }
                    }
                }
            }
        });
        Ok(Listener {
            task: Some(task),
            local,
        })
    }

    pub fn local_addr(&self) -> SocketAddr {
        self.local
    }

    /// Stops accepting and closes the descriptor before returning, so the
    /// port is free when `close()` returns. Blocks briefly on the I/O thread;
    /// call it without holding the GIL.
    pub fn close(&mut self) {
        if let Some(task) = self.task.take() {
            task.abort();
            let _ = runtime::get().block_on(task);
        }
    }
}

impl Drop for Listener {
    fn drop(&mut self) {
        if let Some(task) = self.task.take() {
            task.abort();
        }
    }
}
