//! `isIP`, `isIPv4`, `isIPv6`: Node's own regular expressions
//! (`lib/internal/net.js`), run by the `regex` crate.
//!
//! The patterns are Node's, character for character, so the two agree by
//! construction: strict dotted quads (no leading zeros, no short forms), IPv6
//! with at most one `::`, an embedded dotted-quad tail, and an optional zone id.
//! Rust's `$` (without the multi-line flag) matches only at the very end, as
//! JavaScript's does, so `"1.2.3.4\n"` is not an address.

use std::sync::LazyLock;

use regex::Regex;

const V4_SEG: &str = "(?:25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9][0-9]|[0-9])";
const V6_SEG: &str = "(?:[0-9a-fA-F]{1,4})";

fn v4_str() -> String {
    format!(r"(?:{V4_SEG}\.){{3}}{V4_SEG}")
}

static IPV4: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(&format!("^{}$", v4_str())).expect("valid IPv4 pattern"));

static IPV6: LazyLock<Regex> = LazyLock::new(|| {
    let v4 = v4_str();
    let s = V6_SEG;
    let pattern = format!(
        "^(?:\
         (?:{s}:){{7}}(?:{s}|:)|\
         (?:{s}:){{6}}(?:{v4}|:{s}|:)|\
         (?:{s}:){{5}}(?::{v4}|(?::{s}){{1,2}}|:)|\
         (?:{s}:){{4}}(?:(?::{s}){{0,1}}:{v4}|(?::{s}){{1,3}}|:)|\
         (?:{s}:){{3}}(?:(?::{s}){{0,2}}:{v4}|(?::{s}){{1,4}}|:)|\
         (?:{s}:){{2}}(?:(?::{s}){{0,3}}:{v4}|(?::{s}){{1,5}}|:)|\
         (?:{s}:){{1}}(?:(?::{s}){{0,4}}:{v4}|(?::{s}){{1,6}}|:)|\
         (?::(?:(?::{s}){{0,5}}:{v4}|(?::{s}){{1,7}}|:))\
         )(?:%[0-9a-zA-Z.:-]{{1,}})?$"
    );
    Regex::new(&pattern).expect("valid IPv6 pattern")
});

/// `net.isIPv4(input)`.
pub fn is_ipv4(input: &str) -> bool {
    IPV4.is_match(input)
}

/// `net.isIPv6(input)`.
pub fn is_ipv6(input: &str) -> bool {
    IPV6.is_match(input)
}

/// `net.isIP(input)`: 4, 6 or 0.
pub fn is_ip(input: &str) -> u8 {
    if is_ipv4(input) {
        4
    } else if is_ipv6(input) {
        6
    } else {
        0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn node_documented_cases() {
        for (s, want) in [
            ("0.0.0.0", 4),
            ("127.0.0.1", 4),
            ("01.2.3.4", 0),
            ("127.000.000.001", 0),
            ("1.2.3", 0),
            (" 1.2.3.4", 0),
            ("1.2.3.4\n", 0),
            ("1.2.3.4/24", 0),
            ("::1", 6),
            ("00001::", 0),
            ("::ffff:01.2.3.4", 0),
            ("fe80::1%eth0", 6),
            ("fe80::1%en0.1:-", 6),
            ("abcd::%25", 6),
            ("fe80::1%", 0),
            ("[::1]", 0),
            ("::ffff:127.0.0.1", 6),
            ("1:2:3:4:5:6:1.2.3.4", 6),
            ("1:2:3:4:5:6:7:1.2.3.4", 0),
            ("::1\n", 0),
            ("1.2.3.4\0", 0),
        ] {
            assert_eq!(is_ip(s), want, "{s:?}");
        }
    }
}
