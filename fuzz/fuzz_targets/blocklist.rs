//! BlockList rules built from arbitrary bytes, checked against the
//! rule-by-rule reference for probes read from the same bytes.
#![no_main]

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use libfuzzer_sys::fuzz_target;
use tokionet::blocklist::Rule;
use tokionet::BlockList;

fn ip(b: &[u8]) -> Option<(IpAddr, &[u8])> {
    let (&tag, rest) = b.split_first()?;
    if tag % 3 == 0 {
        let (a, rest) = rest.split_first_chunk::<4>()?;
        Some((IpAddr::V4(Ipv4Addr::from(*a)), rest))
    } else if tag % 3 == 1 {
        let (a, rest) = rest.split_first_chunk::<4>()?;
        Some((IpAddr::V6(Ipv4Addr::from(*a).to_ipv6_mapped()), rest))
    } else {
        let (a, rest) = rest.split_first_chunk::<16>()?;
        Some((IpAddr::V6(Ipv6Addr::from(*a)), rest))
    }
}

fuzz_target!(|data: &[u8]| {
    let mut bl = BlockList::new();
    let mut rules = Vec::new();
    let mut probes = Vec::new();
    let mut rest = data;
    while let Some((&op, r)) = rest.split_first() {
        let Some((a, r)) = ip(r) else { break };
        rest = r;
        probes.push(a);
        match op % 4 {
            0 => {
                bl.add_ip(a);
                rules.push(Rule::Address(a));
            }
            1 => {
                let Some((b, r)) = ip(rest) else { break };
                rest = r;
                probes.push(b);
                if bl.add_ip_range(a, b).is_ok() {
                    rules.push(Rule::Range(a, b));
                }
            }
            2 => {
                let Some((&p, r)) = rest.split_first() else {
                    break;
                };
                rest = r;
                if bl.add_ip_subnet(a, p % 130).is_ok() {
                    rules.push(Rule::Subnet(a, p % 130));
                }
            }
            _ => {}
        }
    }
    assert_eq!(bl.len(), rules.len());
    for p in &probes {
        assert_eq!(bl.check_ip(*p), rules.iter().any(|r| r.matches(p)), "{p}");
    }
});
