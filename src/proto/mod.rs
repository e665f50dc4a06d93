//! Sans-I/O state machines: Node's rules for sockets and servers as plain
//! Rust. Nothing here touches a descriptor, tokio or Python; the driver feeds
//! them what it saw and carries out what they ask.

pub mod happy_eyeballs;
pub mod server;
pub mod socket;
pub mod write_queue;
