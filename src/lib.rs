//! tokionet: Node.js v24's `node:net` with a tokio core.
//!
//! The crate is usable from Rust on its own: addresses ([`address`]),
//! [`BlockList`], Node's error model ([`Error`]) and argument validation
//! ([`validate`]) are plain Rust. The Python extension module lives in
//! `python` and is built only with the `python` feature.
//!
//! ```
//! use tokionet::{BlockList, SocketAddress};
//!
//! let mut bl = BlockList::new();
//! bl.add_ip_subnet("10.0.0.0".parse().unwrap(), 8).unwrap();
//! assert!(bl.check_ip("10.1.2.3".parse().unwrap()));
//! assert!(bl.check_ip("::ffff:10.9.9.9".parse().unwrap()));
//! assert_eq!(bl.rules(), ["Subnet: IPv4 10.0.0.0/8"]);
//!
//! let sa = SocketAddress::parse("[0:0::1]:8080").unwrap();
//! assert_eq!((sa.address().as_str(), sa.port()), ("::1", 8080));
//! assert_eq!(tokionet::is_ip("fe80::1%eth0"), 6);
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

/// Only the Python extension picks the allocator; Rust programs using the
/// crate keep their own.
#[cfg(feature = "python")]
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

pub use address::{is_ip, is_ipv4, is_ipv6, Family, SocketAddress};
pub use blocklist::BlockList;
pub use error::{Error, ErrorClass, SystemError};
pub use value::Value;
