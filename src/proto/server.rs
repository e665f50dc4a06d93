//! The life of one `net.Server`, with no I/O: listening, the count of live
//! connections, `maxConnections`, and when `'close'` is due.
//!
//! Node's rules: `close()` stops accepting at once and leaves live
//! connections alone; `'close'` comes once the server is not listening and
//! its last connection is gone (re-checked as each one closes), even for a
//! server that never listened, whose `close()` callback gets
//! `ERR_SERVER_NOT_RUNNING`. A connection over `maxConnections` is dropped
//! (`'drop'`) and never counted.

use crate::Error;

/// What to do with a freshly accepted connection.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Admission {
    Accept,
    /// Over `maxConnections`: emit `'drop'` and close it.
    Drop,
}

#[derive(Debug, Default)]
pub struct ServerMachine {
    listening: bool,
    connections: usize,
    max_connections: Option<f64>,
    /// `'close'` emissions owed (one per `close()` that found the server
    /// drained or that will once it drains).
    close_owed: usize,
}

impl ServerMachine {
    pub fn new() -> Self {
        Self::default()
    }

    pub fn listening(&self) -> bool {
        self.listening
    }

    pub fn connections(&self) -> usize {
        self.connections
    }

    pub fn max_connections(&self) -> Option<f64> {
        self.max_connections
    }

    /// `server.maxConnections = n` (`None` for null/undefined). Node compares
    /// numbers as they are, so a fraction or a negative number stays.
    pub fn set_max_connections(&mut self, n: Option<f64>) {
        self.max_connections = n;
    }

    /// Before binding: a second `listen()` without `close()` is an error.
    pub fn check_can_listen(&self) -> Result<(), Error> {
        if self.listening {
            Err(Error::ServerAlreadyListen)
        } else {
            Ok(())
        }
    }

    pub fn listened(&mut self) {
        self.listening = true;
    }

    pub fn admit(&mut self) -> Admission {
        if self
            .max_connections
            .is_some_and(|m| self.connections as f64 >= m)
        {
            return Admission::Drop;
        }
        self.connections += 1;
        Admission::Accept
    }

    /// `close()`: stops listening. Returns whether the caller's callback must
    /// get `ERR_SERVER_NOT_RUNNING`, and whether `'close'` is due now.
    pub fn close(&mut self) -> (Option<Error>, bool) {
        let err = (!self.listening).then_some(Error::ServerNotRunning);
        self.listening = false;
        self.close_owed += 1;
        (err, self.take_close())
    }

    /// An accepted connection closed; whether `'close'` is due now.
    pub fn connection_closed(&mut self) -> bool {
        self.connections = self.connections.saturating_sub(1);
        self.take_close()
    }

    fn take_close(&mut self) -> bool {
        if self.close_owed > 0 && !self.listening && self.connections == 0 {
            self.close_owed = 0;
            true
        } else {
            false
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn close_waits_for_the_last_connection() {
        let mut s = ServerMachine::new();
        s.listened();
        assert_eq!(s.admit(), Admission::Accept);
        assert_eq!(s.close(), (None, false));
        assert!(!s.listening());
        assert!(s.connection_closed());
    }

    #[test]
    fn close_of_a_server_not_listening_still_emits_close() {
        let mut s = ServerMachine::new();
        assert_eq!(s.close(), (Some(Error::ServerNotRunning), true));
        assert_eq!(s.close(), (Some(Error::ServerNotRunning), true));
    }

    #[test]
    fn max_connections_drops_the_extra_ones() {
        let mut s = ServerMachine::new();
        s.listened();
        s.set_max_connections(Some(1.0));
        assert_eq!(s.admit(), Admission::Accept);
        assert_eq!(s.admit(), Admission::Drop);
        assert_eq!(s.connections(), 1);
        s.set_max_connections(Some(0.0));
        assert!(!s.connection_closed());
        assert_eq!(s.admit(), Admission::Drop);
    }

    #[test]
    fn listen_twice_is_refused() {
        let mut s = ServerMachine::new();
        s.listened();
        assert_eq!(s.check_can_listen(), Err(Error::ServerAlreadyListen));
    }
}
