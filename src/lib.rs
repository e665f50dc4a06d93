//! tokionet: Node.js v24's `node:net` with a tokio core.
//!
//! The crate is usable from Rust on its own: addresses ([`address`]),
//! [`BlockList`], Node's error model ([`Error`]) and argument validation
//! ([`validate`]) are plain Rust, and so is the I/O core ([`driver`]). The
//! Python extension module lives in `python` and is built only with the
//! `python` feature; without it (`cargo test --no-default-features`) nothing
//! here needs an interpreter.
//!
//! # Addresses: `isIP` and `SocketAddress`
//!
//! [`SocketAddress`] prints addresses as libuv does, and
//! [`SocketAddress::parse`] reads `host[:port]` as Node's `SocketAddress.parse`
//! does (through the WHATWG URL host parser: IPv4 shorthand is accepted, and
//! http's default port 80 reads back as 0).
//!
//! ```
//! use std::net::{IpAddr, Ipv6Addr};
//! use tokionet::{is_ip, Family, SocketAddress};
//!
//! assert_eq!(is_ip("fe80::1%eth0"), 6);
//! assert_eq!(is_ip("1.2.3.4\n"), 0); // Node's regular expressions, quirks included
//!
//! let sa = SocketAddress::parse("[0:0::1]:8080").unwrap();
//! assert_eq!((sa.address().as_str(), sa.port(), sa.family()), ("::1", 8080, Family::Ipv6));
//! assert_eq!(SocketAddress::parse("127.1:443").unwrap().address(), "127.0.0.1");
//! assert_eq!(SocketAddress::parse("[::1]:80").unwrap().port(), 0);
//! assert!(SocketAddress::parse("not an address").is_none());
//!
//! // Typed construction; an IPv6 flow label must fit in 20 bits (Node aborts
//! // the process there, tokionet returns ERR_OUT_OF_RANGE).
//! let ip = IpAddr::V6(Ipv6Addr::LOCALHOST);
//! let sa = SocketAddress::new(ip, 443, 7)?;
//! assert_eq!(sa.to_std().to_string(), "[::1]:443");
//! let err = SocketAddress::new(ip, 443, 1 << 20).unwrap_err();
//! assert_eq!(err.code(), "ERR_OUT_OF_RANGE");
//! # Ok::<(), tokionet::Error>(())
//! ```
//!
//! # `BlockList`
//!
//! Rules are kept as merged intervals per family, so a check costs the same
//! against ten rules or a hundred thousand. IPv4 rules also match
//! IPv4-mapped IPv6 addresses, and [`BlockList::rules`] lists the newest rule
//! first, both as in Node.
//!
//! ```
//! use tokionet::blocklist::Target;
//! use tokionet::{BlockList, SocketAddress, Value};
//!
//! let mut bl = BlockList::new();
//! bl.add_ip("192.0.2.1".parse().unwrap());
//! bl.add_ip_range("10.0.0.10".parse().unwrap(), "10.0.0.20".parse().unwrap())?;
//! bl.add_ip_subnet("2001:db8::".parse().unwrap(), 32)?;
//! assert!(bl.check_ip("10.0.0.15".parse().unwrap()));
//! assert!(bl.check_ip("::ffff:192.0.2.1".parse().unwrap()));
//! assert!(bl.check_ip("2001:db8:1::7".parse().unwrap()));
//! assert!(!bl.check_ip("10.0.0.21".parse().unwrap()));
//! assert_eq!(
//!     bl.rules(),
//!     [
//!         "Subnet: IPv6 2001:db8::/32",
//!         "Range: IPv4 10.0.0.10-10.0.0.20",
//!         "Address: IPv4 192.0.2.1",
//!     ]
//! );
//!
//! // Node's entry points take loosely typed arguments and validate them as
//! // Node does: a string with an optional family, or a SocketAddress.
//! let probe = Target::Value(Value::str("2001:db8::1"));
//! assert!(bl.check(&probe, &Value::str("ipv6"))?);
//! let sa = SocketAddress::parse("10.0.0.12:443").unwrap();
//! assert!(bl.check(&Target::Address(sa), &Value::Undefined)?);
//! let err = bl.add_ip_subnet("10.0.0.0".parse().unwrap(), 33).unwrap_err();
//! assert_eq!(err.code(), "ERR_OUT_OF_RANGE");
//! assert_eq!(err.to_string(), r#"The value of "prefix" is out of range. It must be >= 0 && <= 32. Received 33"#);
//!
//! // Node's JSON form is the rule list; reading it back applies the items in
//! // order, oldest last, so the copy lists them reversed (as Node's does).
//! let mut copy = BlockList::new();
//! copy.from_json(&bl.rules())?;
//! assert!(copy.rules().iter().eq(bl.rules().iter().rev()));
//! assert!(copy.check_ip("10.0.0.15".parse().unwrap()));
//! # Ok::<(), tokionet::Error>(())
//! ```
//!
//! # A TCP echo server on the driver
//!
//! The [`driver`] reports what happened as [`driver::Event`]s on a
//! [`driver::Hub`]: one epoll set per event loop. Whoever owns the hub waits
//! for its descriptor to become readable ([`driver::Hub::wait`], or any
//! poller watching [`driver::Hub::fd`]), then takes the batch of events,
//! which also reads and writes the connected sockets that are ready, and
//! reacts: that is all the Python side does on its event loop. Resolving,
//! connection attempts and timers run on a tokio runtime and arrive in the
//! same batches. Here a plain thread is the loop: a [`driver::Listener`]
//! accepts, each accepted
//! [`driver::Conn`] echoes what it reads and ends when its peer ends, and a
//! client `Conn` connects, writes, ends and reads the echo back.
//!
//! ```
//! use std::collections::HashMap;
//! use std::sync::Arc;
//! use std::time::{Duration, Instant};
//!
//! use tokionet::driver::conn::{ConnectPlan, Target};
//! use tokionet::driver::listener::{Endpoint, ListenConfig};
//! use tokionet::driver::{Conn, Event, Hub, Listener};
//! use tokionet::Error;
//!
//! # fn main() -> Result<(), Box<dyn std::error::Error>> {
//! let hub = Hub::new()?;
//! let config = ListenConfig {
//!     endpoint: Endpoint::Tcp { addr: "127.0.0.1:0".parse()?, ipv6_only: false, reuse_port: false },
//!     backlog: 511,
//!     start_reading: true, // accepted connections read at once
//! };
//! // `1` is the server's id in the events it causes.
//! let mut listener = Listener::listen(&hub, 1, &config).map_err(Error::from)?;
//! let addr = listener.local_addr().expect("a TCP listener has an address");
//!
//! let client = Conn::new(&hub, true);
//! client.spawn_connect(ConnectPlan { target: Target::Addr(addr), local: None, auto_select: None, block_list: None });
//!
//! let mut accepted: HashMap<u64, Arc<Conn>> = HashMap::new();
//! let (mut echoed, mut open) = (Vec::new(), 2); // two ends to see closed
//! let mut events = Vec::new();
//! let deadline = Instant::now() + Duration::from_secs(10);
//! while open > 0 {
//!     let left = deadline.saturating_duration_since(Instant::now());
//!     assert!(!left.is_zero(), "the echo took too long");
//!     hub.wait(Some(left))?;
//!     hub.take(&mut events);
//!     for event in events.drain(..) {
//!         match event {
//!             Event::Accepted { server: 1, conn } => {
//!                 accepted.insert(conn.id, conn);
//!             }
//!             Event::Connected { conn } if conn == client.id => {
//!                 client.write(b"hello from Rust").map_err(Error::from)?;
//!                 client.shutdown(); // Node's end(): FIN once the write is out
//!             }
//!             Event::Data { conn, data } if conn == client.id => echoed.extend_from_slice(&data),
//!             Event::Data { conn, data } => {
//!                 accepted[&conn].write(&data).map_err(Error::from)?;
//!             }
//!             // The peer ended: the server ends too; the client is done.
//!             Event::Eof { conn } if conn == client.id => client.close(false),
//!             Event::Eof { conn } => accepted[&conn].shutdown(),
//!             Event::ShutdownDone { conn } if conn != client.id => accepted[&conn].close(false),
//!             Event::ConnectFailed { errors, .. } => panic!("connect failed: {}", errors[0]),
//!             Event::IoError { error, .. } => panic!("I/O error: {error}"),
//!             Event::Closed { conn } => {
//!                 accepted.remove(&conn);
//!                 open -= 1;
//!             }
//!             _ => {} // writes done, ...
//!         }
//!     }
//! }
//! listener.close(); // the port is free when this returns
//! assert_eq!(echoed, b"hello from Rust");
//! # Ok(())
//! # }
//! ```

pub mod address;
pub mod blocklist;
pub mod config;
pub mod driver;
pub mod error;
pub mod proto;
pub mod validate;
pub mod value;

#[cfg(feature = "python")]
mod python;

#[cfg(test)]
mod proptests;

/// Only the Python extension picks the allocator; Rust programs using the
/// crate keep their own.
#[cfg(feature = "python")]
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

pub use address::{is_ip, is_ipv4, is_ipv6, Family, SocketAddress};
pub use blocklist::BlockList;
pub use error::{Error, ErrorClass, SystemError};
pub use value::Value;
