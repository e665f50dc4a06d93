//! Text to address and back, exactly as libuv does it (`uv_inet_pton`,
//! `uv_inet_ntop`, `uv_ip4_addr`, `uv_ip6_addr`), since Node's SocketAddress
//! and BlockList print what libuv prints.
//!
//! The quirks matter: input is a C string (it ends at the first NUL), an IPv6
//! zone id is cut off and the part before it is limited to 39 bytes, and
//! `inet_ntop` writes `::a.b.c.d` for IPv4-compatible addresses such as
//! `::2:3`, unlike Rust's own `Ipv6Addr` formatting.

use std::fmt::Write as _;

/// The part of `text` a C function would see: everything before the first NUL.
pub fn c_str(text: &str) -> &[u8] {
    let bytes = text.as_bytes();
    let end = bytes.iter().position(|&b| b == 0).unwrap_or(bytes.len());
    &bytes[..end]
}

/// `inet_pton4` (ISC, as in libuv): four decimal octets, no leading zeros.
pub fn pton4(src: &[u8]) -> Option<[u8; 4]> {
    let mut out = [0u8; 4];
    let mut octets = 0;
    let mut saw_digit = false;
    let mut cur: u32 = 0;
    for &ch in src {
        if ch.is_ascii_digit() {
            let nw = cur * 10 + u32::from(ch - b'0');
            if saw_digit && cur == 0 {
                return None;
            }
            if nw > 255 {
                return None;
            }
            cur = nw;
            if !saw_digit {
                octets += 1;
                if octets > 4 {
                    return None;
                }
                saw_digit = true;
            }
            out[octets - 1] = cur as u8;
        } else if ch == b'.' && saw_digit {
            if octets == 4 {
                return None;
            }
            cur = 0;
            saw_digit = false;
        } else {
            return None;
        }
    }
    (octets == 4).then_some(out)
}

/// `inet_pton6` (ISC, as in libuv).
pub fn pton6(src: &[u8]) -> Option<[u8; 16]> {
    let mut tmp = [0u8; 16];
    let mut tp = 0usize;
    let mut colonp: Option<usize> = None;
    let mut i = 0usize;
    if src.first() == Some(&b':') {
        if src.get(1) != Some(&b':') {
            return None;
        }
        i = 1;
    }
    let mut curtok = i;
    let mut seen_xdigits = 0;
    let mut val: u32 = 0;
    while i < src.len() {
        let ch = src[i];
        i += 1;
        if let Some(d) = char::from(ch).to_digit(16) {
            val = (val << 4) | d;
            seen_xdigits += 1;
            if seen_xdigits > 4 {
                return None;
            }
            continue;
        }
        if ch == b':' {
            curtok = i;
            if seen_xdigits == 0 {
                if colonp.is_some() {
                    return None;
                }
                colonp = Some(tp);
                continue;
            } else if i == src.len() {
                return None;
            }
            if tp + 2 > 16 {
                return None;
            }
            tmp[tp] = (val >> 8) as u8;
            tmp[tp + 1] = val as u8;
            tp += 2;
            seen_xdigits = 0;
            val = 0;
            continue;
        }
        if ch == b'.' && tp + 4 <= 16 {
            if let Some(v4) = pton4(&src[curtok..]) {
                tmp[tp..tp + 4].copy_from_slice(&v4);
                tp += 4;
                seen_xdigits = 0;
                break;
            }
        }
        return None;
    }
    if seen_xdigits > 0 {
        if tp + 2 > 16 {
            return None;
        }
        tmp[tp] = (val >> 8) as u8;
        tmp[tp + 1] = val as u8;
        tp += 2;
    }
    if let Some(cp) = colonp {
        if tp == 16 {
            return None;
        }
        let n = tp - cp;
        for k in 1..=n {
            tmp[16 - k] = tmp[cp + n - k];
            tmp[cp + n - k] = 0;
        }
        tp = 16;
    }
    (tp == 16).then_some(tmp)
}

/// `uv_ip4_addr`'s parse: the C string, strict dotted quad.
pub fn ip4_addr(text: &str) -> Option<[u8; 4]> {
    pton4(c_str(text))
}

/// `uv_ip6_addr`'s parse: the C string, a zone id cut off (and the part
/// before it limited to 39 bytes), then `inet_pton6`.
pub fn ip6_addr(text: &str) -> Option<[u8; 16]> {
    let s = c_str(text);
    let s = match s.iter().position(|&b| b == b'%') {
        Some(p) => &s[..p.min(39)],
        None => s,
    };
    pton6(s)
}

/// `inet_ntop4`.
pub fn ntop4(a: [u8; 4]) -> String {
    format!("{}.{}.{}.{}", a[0], a[1], a[2], a[3])
}

/// `inet_ntop6` (ISC, as in libuv): the longest run of two or more zero
/// words becomes `::` (the first run on a tie); IPv4-compatible and
/// IPv4-mapped addresses end in a dotted quad.
pub fn ntop6(src: [u8; 16]) -> String {
    let words: [u16; 8] = std::array::from_fn(|i| u16::from_be_bytes([src[2 * i], src[2 * i + 1]]));
    let mut best: Option<(usize, usize)> = None;
    let mut cur: Option<(usize, usize)> = None;
    for (i, &w) in words.iter().enumerate() {
        if w == 0 {
            cur = Some(cur.map_or((i, 1), |(b, l)| (b, l + 1)));
        } else if let Some(c) = cur.take() {
            if best.is_none_or(|b| c.1 > b.1) {
                best = Some(c);
            }
        }
    }
    if let Some(c) = cur {
        if best.is_none_or(|b| c.1 > b.1) {
            best = Some(c);
        }
    }
    let best = best.filter(|b| b.1 >= 2);
    let mut out = String::with_capacity(46);
    let mut i = 0;
    while i < 8 {
        if let Some((base, len)) = best {
            if i >= base && i < base + len {
                if i == base {
                    out.push(':');
                }
                i += 1;
                continue;
            }
        }
        if i != 0 {
            out.push(':');
        }
        if i == 6
            && best.is_some_and(|(base, len)| {
                base == 0
                    && (len == 6 || (len == 7 && words[7] != 1) || (len == 5 && words[5] == 0xffff))
            })
        {
            out.push_str(&ntop4([src[12], src[13], src[14], src[15]]));
            break;
        }
        let _ = write!(out, "{:x}", words[i]);
        i += 1;
    }
    if best.is_some_and(|(base, len)| base + len == 8) {
        out.push(':');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn norm6(s: &str) -> Option<String> {
        ip6_addr(s).map(ntop6)
    }

    #[test]
    fn ipv4_is_strict() {
        assert_eq!(ip4_addr("1.2.3.4"), Some([1, 2, 3, 4]));
        assert_eq!(ip4_addr("1.2.3.4\0junk"), Some([1, 2, 3, 4]));
        for bad in [
            "01.2.3.4",
            "127.1",
            "1.2.3.256",
            "1.2.3.4.",
            "",
            "1..2.3",
            " 1.2.3.4",
        ] {
            assert_eq!(ip4_addr(bad), None, "{bad:?}");
        }
    }

    #[test]
    fn ipv6_prints_as_libuv() {
        assert_eq!(norm6("0:0:0:0:0:0:0:1").as_deref(), Some("::1"));
        assert_eq!(norm6("::2:3").as_deref(), Some("::0.2.0.3"));
        assert_eq!(norm6("::ffff:1.2.3.4").as_deref(), Some("::ffff:1.2.3.4"));
        assert_eq!(norm6("::ffff:1").as_deref(), Some("::255.255.0.1"));
        assert_eq!(norm6("fe80::1%lo").as_deref(), Some("fe80::1"));
        assert_eq!(
            norm6("2001:0DB8:0000::0001").as_deref(),
            Some("2001:db8::1")
        );
        assert_eq!(norm6("::").as_deref(), Some("::"));
        assert_eq!(norm6("1::").as_deref(), Some("1::"));
        assert_eq!(norm6("::1:0:0:0:0:0:0").as_deref(), Some("0:1::"));
        assert_eq!(norm6("1:0:0:1:0:0:0:1").as_deref(), Some("1:0:0:1::1"));
        assert_eq!(norm6(":1::"), None);
        assert_eq!(norm6("1:::2"), None);
        assert_eq!(norm6("1:"), None);
    }
}
