//! isIP/isIPv4/isIPv6 and libuv's address parsers on arbitrary text: no
//! panic, and whatever libuv parses prints back to an address isIP accepts.
#![no_main]

use libfuzzer_sys::fuzz_target;
use tokionet::address::{format_ip, parse_ip, Family};
use tokionet::{is_ip, is_ipv4, is_ipv6};

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let kind = is_ip(text);
    assert_eq!(kind == 4, is_ipv4(text));
    assert_eq!(kind == 6, is_ipv6(text) && !is_ipv4(text));
    if is_ipv4(text) {
        assert_eq!(
            text.parse::<std::net::Ipv4Addr>()
                .ok()
                .map(std::net::IpAddr::V4),
            parse_ip(text, Family::Ipv4)
        );
    }
    for family in [Family::Ipv4, Family::Ipv6] {
        if let Some(ip) = parse_ip(text, family) {
            let printed = format_ip(&ip);
            assert_ne!(is_ip(&printed), 0, "{printed}");
            assert_eq!(parse_ip(&printed, family), Some(ip));
        }
    }
});
