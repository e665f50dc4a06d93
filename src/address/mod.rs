//! Addresses: Node's `isIP` family of predicates, libuv's text forms, and
//! `net.SocketAddress`. Pure functions and values; no I/O, no Python.

pub mod inet;
pub mod ip;
pub mod socket_address;

pub use ip::{is_ip, is_ipv4, is_ipv6};
pub use socket_address::{format_ip, parse_ip, Family, SocketAddress, SocketAddressOptions};
