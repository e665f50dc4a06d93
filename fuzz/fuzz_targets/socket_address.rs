//! SocketAddress.parse and the constructor's options on arbitrary text: no
//! panic, a parsed address is a valid one, and an error is Node-coded.
#![no_main]

use libfuzzer_sys::fuzz_target;
use tokionet::address::SocketAddressOptions;
use tokionet::{is_ip, SocketAddress, Value};

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    if let Some(sa) = SocketAddress::parse(text) {
        assert_ne!(is_ip(&sa.address()), 0);
        let _ = sa.to_string();
    }
    // The text split into the constructor's fields.
    let mut parts = text.splitn(3, '|');
    let address = parts.next().unwrap_or_default();
    let family = parts.next().unwrap_or("ipv4");
    let port = parts.next().unwrap_or("0");
    let options = SocketAddressOptions {
        address: Value::str(address),
        family: Value::str(family),
        port: port
            .parse::<f64>()
            .map_or_else(|_| Value::str(port), Value::Float),
        flowlabel: Value::Undefined,
    };
    match SocketAddress::from_options(&options) {
        Ok(sa) => assert_ne!(is_ip(&sa.address()), 0),
        Err(e) => assert!(e.code().starts_with("ERR_"), "{}", e.code()),
    }
});
