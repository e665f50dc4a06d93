//! The I/O side: a tokio runtime that runs every socket and listener, and
//! reports what happened as plain [`Event`]s through a [`Hub`] per event
//! loop. Nothing here touches Python; the loop thread drains the hub and
//! feeds the state machines of [`crate::proto`].

pub mod conn;
pub mod hub;
pub mod listener;
pub mod resolve;
pub mod runtime;
pub mod stream;

pub use conn::Conn;
pub use hub::{Event, Hub};
pub use listener::Listener;
