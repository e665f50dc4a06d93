//! Node's Happy Eyeballs order (`lib/net.js`, `lookupAndConnectMultiple`):
//! which addresses a connect tries, and in what order. No I/O: the driver
//! runs the attempts, with the attempt timeout, in this order.

use std::net::IpAddr;

/// The addresses a lookup returned, in Node's attempt order: the family of
/// the first address first, then the other, alternating (the longer
/// family's leftovers last); a repeated address is tried once.
pub fn attempt_order(addrs: &[IpAddr]) -> Vec<IpAddr> {
    let Some(first) = addrs.first() else {
        return Vec::new();
    };
    let preferred_v4 = first.is_ipv4();
    let mut primary: Vec<IpAddr> = Vec::new();
    let mut secondary: Vec<IpAddr> = Vec::new();
    for a in addrs {
        let group = if a.is_ipv4() == preferred_v4 {
            &mut primary
        } else {
            &mut secondary
        };
        if !group.contains(a) {
            group.push(*a);
        }
    }
    let mut out = Vec::with_capacity(primary.len() + secondary.len());
    for i in 0..primary.len().max(secondary.len()) {
        out.extend(primary.get(i));
        out.extend(secondary.get(i));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ips(s: &[&str]) -> Vec<IpAddr> {
        s.iter().map(|a| a.parse().unwrap()).collect()
    }

    #[test]
    fn alternates_starting_with_the_first_family_and_drops_repeats() {
        assert_eq!(
            attempt_order(&ips(&["::1", "127.0.0.1", "::1", "127.0.0.2"])),
            ips(&["::1", "127.0.0.1", "127.0.0.2"])
        );
        assert_eq!(
            attempt_order(&ips(&["127.0.0.1", "127.0.0.2", "::1"])),
            ips(&["127.0.0.1", "::1", "127.0.0.2"])
        );
        assert!(attempt_order(&[]).is_empty());
    }
}
