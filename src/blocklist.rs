//! `net.BlockList`: address, range and subnet rules, and a check that costs
//! `O(log n)` in the number of rules.
//!
//! Node's C++ (`src/node_sockaddr.cc`) tests every rule in turn. tokionet
//! keeps the rule list only for `rules`/`toJSON`, and answers `check` from
//! merged, sorted intervals: one set for IPv4 probes and one for IPv6 probes,
//! each rule contributing the interval of probes it matches under Node's
//! exact comparison rules. [`Rule::matches`] is the rule-by-rule reference
//! the intervals are tested against.
//!
//! Node's quirks kept on purpose (all observed on Node 24): IPv4 rules match
//! IPv4-mapped IPv6 probes (`::ffff:a.b.c.d`) and IPv6 rules for mapped
//! addresses match IPv4 probes; IPv4-compatible addresses never do; an IPv4
//! address and a non-mapped IPv6 address never compare, so a range whose
//! ends have two families covers only the mapped part.

use std::collections::BTreeMap;
use std::fmt;
use std::net::{IpAddr, Ipv6Addr};
use std::sync::LazyLock;

use regex::Regex;

use crate::address::{Family, SocketAddress, SocketAddressOptions};
use crate::validate::{validate_int32, validate_string};
use crate::{Error, Value};

/// One rule, in the order it was added.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Rule {
    Address(IpAddr),
    Range(IpAddr, IpAddr),
    Subnet(IpAddr, u8),
}

/// `Rule` text as `blockList.rules` shows it.
impl fmt::Display for Rule {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        use crate::address::format_ip;
        match self {
            Rule::Address(a) => write!(f, "Address: {} {}", Family::of(a).label(), format_ip(a)),
            Rule::Range(s, e) => write!(
                f,
                "Range: {} {}-{}",
                Family::of(s).label(),
                format_ip(s),
                format_ip(e)
            ),
            Rule::Subnet(n, p) => write!(
                f,
                "Subnet: {} {}/{}",
                Family::of(n).label(),
                format_ip(n),
                p
            ),
        }
    }
}

const MAPPED_PREFIX: u128 = 0xffff << 32;

/// The IPv4 address inside an IPv4-mapped IPv6 address.
fn mapped_v4(a: &Ipv6Addr) -> Option<u32> {
    let bits = a.to_bits();
    (bits >> 32 == 0xffff).then_some(bits as u32)
}

fn map_v4(a: u32) -> u128 {
    MAPPED_PREFIX | u128::from(a)
}

/// Node's `SocketAddress::compare` result, `None` for NOT_COMPARABLE.
fn compare(a: &IpAddr, b: &IpAddr) -> Option<std::cmp::Ordering> {
    match (a, b) {
        (IpAddr::V4(x), IpAddr::V4(y)) => Some(x.to_bits().cmp(&y.to_bits())),
        (IpAddr::V4(x), IpAddr::V6(y)) => mapped_v4(y).map(|y| x.to_bits().cmp(&y)),
        (IpAddr::V6(x), IpAddr::V4(y)) => mapped_v4(x).map(|x| x.cmp(&y.to_bits())),
        (IpAddr::V6(x), IpAddr::V6(y)) => Some(x.to_bits().cmp(&y.to_bits())),
    }
}

/// The netmask for an IPv4 prefix (0 to 32).
fn v4_mask(prefix: u8) -> u32 {
    u32::MAX.checked_shl(32 - u32::from(prefix)).unwrap_or(0)
}

/// The set of 128-bit values sharing `net`'s first `prefix` bits.
fn v6_block(net: u128, prefix: u8) -> (u128, u128) {
    if prefix == 0 {
        return (0, u128::MAX);
    }
    let host = if prefix >= 128 {
        0
    } else {
        u128::MAX >> prefix
    };
    (net & !host, net | host)
}

impl Rule {
    /// Whether this rule matches `probe`, exactly as Node's C++ decides it,
    /// one rule at a time. The reference for the interval index.
    pub fn matches(&self, probe: &IpAddr) -> bool {
        use std::cmp::Ordering::{Equal, Greater, Less};
        match self {
            Rule::Address(a) => match (a, probe) {
                (IpAddr::V4(x), IpAddr::V4(y)) => x == y,
                (IpAddr::V6(x), IpAddr::V6(y)) => x == y,
                (IpAddr::V4(x), IpAddr::V6(y)) | (IpAddr::V6(y), IpAddr::V4(x)) => {
                    mapped_v4(y) == Some(x.to_bits())
                }
            },
            Rule::Range(s, e) => {
                matches!(compare(probe, s), Some(Greater | Equal))
                    && matches!(compare(probe, e), Some(Less | Equal))
            }
            Rule::Subnet(net, prefix) => match (probe, net) {
                (IpAddr::V4(ip), IpAddr::V4(n)) => {
                    let m = v4_mask(*prefix);
                    ip.to_bits() & m == n.to_bits() & m
                }
                (IpAddr::V6(ip), IpAddr::V6(n)) => {
                    let (lo, hi) = v6_block(n.to_bits(), *prefix);
                    (lo..=hi).contains(&ip.to_bits())
                }
                (IpAddr::V4(ip), IpAddr::V6(n)) => {
                    let (lo, hi) = v6_block(n.to_bits(), *prefix);
                    (lo..=hi).contains(&map_v4(ip.to_bits()))
                }
                (IpAddr::V6(ip), IpAddr::V4(n)) => {
                    let m = v4_mask(*prefix);
                    mapped_v4(ip).is_some_and(|v| v & m == n.to_bits() & m)
                }
            },
        }
    }
}

/// Disjoint, non-adjacent closed intervals, kept merged.
#[derive(Debug, Clone, Default)]
struct IntervalSet<T: Ord + Copy> {
    // start -> end, both inclusive.
    map: BTreeMap<T, T>,
}

trait Bound: Ord + Copy {
    fn succ(self) -> Option<Self>;
}

impl Bound for u32 {
    fn succ(self) -> Option<Self> {
        self.checked_add(1)
    }
}

impl Bound for u128 {
    fn succ(self) -> Option<Self> {
        self.checked_add(1)
    }
}

impl<T: Bound> IntervalSet<T> {
    fn insert(&mut self, mut lo: T, mut hi: T) {
        if lo > hi {
            return;
        }
        // Absorb an interval that starts before `lo` and reaches it.
        if let Some((&s, &e)) = self.map.range(..=lo).next_back() {
            if e >= lo || e.succ() == Some(lo) {
                if e >= hi {
                    return;
                }
                lo = s;
                hi = hi.max(e);
                self.map.remove(&s);
            }
        }
        // Absorb every interval that starts inside [lo, hi + 1].
        loop {
            let next = match hi.succ() {
                Some(limit) => self.map.range(lo..=limit).next().map(|(&s, &e)| (s, e)),
                None => self.map.range(lo..).next().map(|(&s, &e)| (s, e)),
            };
            let Some((s, e)) = next else { break };
            self.map.remove(&s);
            hi = hi.max(e);
        }
        self.map.insert(lo, hi);
    }

    fn contains(&self, x: T) -> bool {
        self.map
            .range(..=x)
            .next_back()
            .is_some_and(|(_, &e)| e >= x)
    }
}

/// What a caller passed where Node takes "a string or a SocketAddress".
#[derive(Debug, Clone)]
pub enum Target {
    Address(SocketAddress),
    Value(Value),
}

impl Target {
    /// Node's conversion: a SocketAddress as is; otherwise a string (error
    /// name `name`) and a family (error name `family`) made into one.
    fn resolve(&self, name: &str, family: &Value) -> Result<IpAddr, Error> {
        match self {
            Target::Address(sa) => Ok(sa.ip()),
            Target::Value(v) => {
                let address = validate_string(v, name)?;
                let family = default_family(family);
                validate_string(&family, "family")?;
                let sa = SocketAddress::from_options(&SocketAddressOptions {
                    address: Value::str(address),
                    family,
                    ..Default::default()
                })?;
                Ok(sa.ip())
            }
        }
    }
}

fn default_family(family: &Value) -> Value {
    match family {
        Value::Undefined => Value::str("ipv4"),
        v => v.clone(),
    }
}

#[derive(Debug, Clone, Default)]
pub struct BlockList {
    rules: Vec<Rule>,
    v4: IntervalSet<u32>,
    v6: IntervalSet<u128>,
}

impl BlockList {
    pub fn new() -> Self {
        Self::default()
    }

    /// `blockList.rules`: newest first.
    pub fn rules(&self) -> Vec<String> {
        self.rules.iter().rev().map(ToString::to_string).collect()
    }

    pub fn len(&self) -> usize {
        self.rules.len()
    }

    pub fn is_empty(&self) -> bool {
        self.rules.is_empty()
    }

    fn push(&mut self, rule: Rule) {
        match rule {
            Rule::Address(IpAddr::V4(a)) => {
                self.v4.insert(a.to_bits(), a.to_bits());
                self.v6.insert(map_v4(a.to_bits()), map_v4(a.to_bits()));
            }
            Rule::Address(IpAddr::V6(a)) => {
                self.v6.insert(a.to_bits(), a.to_bits());
                if let Some(v) = mapped_v4(&a) {
                    self.v4.insert(v, v);
                }
            }
            Rule::Range(IpAddr::V4(s), IpAddr::V4(e)) => {
                self.v4.insert(s.to_bits(), e.to_bits());
                self.v6.insert(map_v4(s.to_bits()), map_v4(e.to_bits()));
            }
            Rule::Range(IpAddr::V6(s), IpAddr::V6(e)) => {
                self.v6.insert(s.to_bits(), e.to_bits());
                if let (Some(s), Some(e)) = (mapped_v4(&s), mapped_v4(&e)) {
                    self.v4.insert(s, e);
                }
            }
            // Ends of two families: only IPv4 and mapped probes compare
            // with the IPv4 end, so the range is cut to the mapped block.
            Rule::Range(IpAddr::V4(s), IpAddr::V6(e)) => {
                self.v6
                    .insert(map_v4(s.to_bits()), e.to_bits().min(map_v4(u32::MAX)));
                if let Some(e) = mapped_v4(&e) {
                    self.v4.insert(s.to_bits(), e);
                }
            }
            Rule::Range(IpAddr::V6(s), IpAddr::V4(e)) => {
                self.v6
                    .insert(s.to_bits().max(map_v4(0)), map_v4(e.to_bits()));
                if let Some(s) = mapped_v4(&s) {
                    self.v4.insert(s, e.to_bits());
                }
            }
            Rule::Subnet(IpAddr::V4(n), prefix) => {
                let m = v4_mask(prefix);
                let (lo, hi) = (n.to_bits() & m, n.to_bits() | !m);
                self.v4.insert(lo, hi);
                self.v6.insert(map_v4(lo), map_v4(hi));
            }
            Rule::Subnet(IpAddr::V6(n), prefix) => {
                let (lo, hi) = v6_block(n.to_bits(), prefix);
                self.v6.insert(lo, hi);
                let (lo, hi) = (lo.max(map_v4(0)), hi.min(map_v4(u32::MAX)));
                if lo <= hi {
                    self.v4.insert(lo as u32, hi as u32);
                }
            }
        }
        self.rules.push(rule);
    }

    /// Adds one address.
    pub fn add_ip(&mut self, ip: IpAddr) {
        self.push(Rule::Address(ip));
    }

    /// Adds `start..=end`; Node refuses a start that compares after the end
    /// (ends of two families never compare, so they are accepted).
    pub fn add_ip_range(&mut self, start: IpAddr, end: IpAddr) -> Result<(), Error> {
        if compare(&start, &end) == Some(std::cmp::Ordering::Greater) {
            let start = SocketAddress::new(start, 0, 0)?;
            return Err(Error::InvalidArgValue {
                name: "start".into(),
                reason: "must come before end".into(),
                received: start.to_string(),
            });
        }
        self.push(Rule::Range(start, end));
        Ok(())
    }

    /// Adds a subnet. `prefix` must suit the family (0..=32 or 0..=128).
    pub fn add_ip_subnet(&mut self, network: IpAddr, prefix: u8) -> Result<(), Error> {
        let max = match network {
            IpAddr::V4(_) => 32,
            IpAddr::V6(_) => 128,
        };
        if prefix > max {
            return Err(Error::out_of_range(
                "prefix",
                format!(">= 0 && <= {max}"),
                &Value::Int(i128::from(prefix)),
            ));
        }
        self.push(Rule::Subnet(network, prefix));
        Ok(())
    }

    /// Whether any rule matches `ip`.
    pub fn check_ip(&self, ip: IpAddr) -> bool {
        match ip {
            IpAddr::V4(a) => self.v4.contains(a.to_bits()),
            IpAddr::V6(a) => self.v6.contains(a.to_bits()),
        }
    }

    /// `blockList.addAddress(address[, type])`.
    pub fn add_address(&mut self, address: &Target, family: &Value) -> Result<(), Error> {
        let ip = address.resolve("address", family)?;
        self.add_ip(ip);
        Ok(())
    }

    /// `blockList.addRange(start, end[, type])`.
    pub fn add_range(&mut self, start: &Target, end: &Target, family: &Value) -> Result<(), Error> {
        let s = start.resolve("start", family)?;
        let e = end.resolve("end", family)?;
        self.add_ip_range(s, e)
    }

    /// `blockList.addSubnet(net, prefix[, type])`.
    pub fn add_subnet(
        &mut self,
        network: &Target,
        prefix: &Value,
        family: &Value,
    ) -> Result<(), Error> {
        let ip = network.resolve("network", family)?;
        let max = if ip.is_ipv4() { 32 } else { 128 };
        let prefix = validate_int32(prefix, "prefix", 0, max)?;
        self.add_ip_subnet(ip, prefix as u8)
    }

    /// `blockList.check(address[, type])`: an address that does not parse
    /// for the family is simply not blocked.
    pub fn check(&self, address: &Target, family: &Value) -> Result<bool, Error> {
        let ip = match address {
            Target::Address(sa) => sa.ip(),
            Target::Value(v) => {
                let text = validate_string(v, "address")?;
                let family = default_family(family);
                validate_string(&family, "family")?;
                let options = SocketAddressOptions {
                    address: Value::str(text),
                    family,
                    ..Default::default()
                };
                match SocketAddress::from_options(&options) {
                    Ok(sa) => sa.ip(),
                    Err(_) => return Ok(false),
                }
            }
        };
        Ok(self.check_ip(ip))
    }

    /// `blockList.fromJSON(data)` once `data` is a list of strings: each item
    /// is read with Node's unanchored patterns and added through the public
    /// methods; items that match nothing are skipped, and an invalid address
    /// stops the import with the earlier items kept.
    pub fn from_json(&mut self, items: &[String]) -> Result<(), Error> {
        static V4_SUBNET: LazyLock<Regex> = LazyLock::new(|| {
            Regex::new(r"Subnet: IPv4 ([0-9]{1,3}(?:\.[0-9]{1,3}){3})/([0-9]{1,2})").unwrap()
        });
        static V4_ADDRESS: LazyLock<Regex> =
            LazyLock::new(|| Regex::new(r"Address: IPv4 ([0-9]{1,3}(?:\.[0-9]{1,3}){3})").unwrap());
        static V4_RANGE: LazyLock<Regex> = LazyLock::new(|| {
            Regex::new(
                r"Range: IPv4 ([0-9]{1,3}(?:\.[0-9]{1,3}){3})-([0-9]{1,3}(?:\.[0-9]{1,3}){3})",
            )
            .unwrap()
        });
        static V6_SUBNET: LazyLock<Regex> = LazyLock::new(|| {
            Regex::new(r"(?i-u)Subnet: IPv6 ([0-9a-f:]{1,39})/([0-9]{1,3})").unwrap()
        });
        static V6_ADDRESS: LazyLock<Regex> =
            LazyLock::new(|| Regex::new(r"(?i-u)Address: IPv6 ([0-9a-f:]{1,39})").unwrap());
        static V6_RANGE: LazyLock<Regex> = LazyLock::new(|| {
            Regex::new(r"(?i-u)Range: IPv6 ([0-9a-f:]{1,39})-([0-9a-f:]{1,39})").unwrap()
        });

        let text = |s: &str| Target::Value(Value::str(s));
        for item in items {
            for (family, subnet, address, range) in [
                ("IPv4", &*V4_SUBNET, &*V4_ADDRESS, &*V4_RANGE),
                ("IPv6", &*V6_SUBNET, &*V6_ADDRESS, &*V6_RANGE),
            ] {
                if !item.contains(family) {
                    continue;
                }
                let fam = Value::str(family.to_ascii_lowercase());
                if let Some(c) = subnet.captures(item) {
                    let prefix: i64 = c[2].parse().unwrap_or(0);
                    self.add_subnet(&text(&c[1]), &Value::from(prefix), &fam)?;
                    break;
                }
                if let Some(c) = address.captures(item) {
                    self.add_address(&text(&c[1]), &fam)?;
                    break;
                }
                if let Some(c) = range.captures(item) {
                    self.add_range(&text(&c[1]), &text(&c[2]), &fam)?;
                    break;
                }
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::net::Ipv4Addr;

    fn ip(s: &str) -> IpAddr {
        s.parse().unwrap()
    }

    fn t(s: &str) -> Target {
        Target::Value(Value::str(s))
    }

    #[test]
    fn rules_print_newest_first_in_node_format() {
        let mut bl = BlockList::new();
        bl.add_address(&t("1.2.3.4"), &Value::Undefined).unwrap();
        bl.add_range(&t("::1"), &t("::10"), &Value::str("ipv6"))
            .unwrap();
        bl.add_subnet(&t("10.1.2.3"), &Value::Int(8), &Value::Undefined)
            .unwrap();
        assert_eq!(
            bl.rules(),
            [
                "Subnet: IPv4 10.1.2.3/8",
                "Range: IPv6 ::1-::10",
                "Address: IPv4 1.2.3.4"
            ]
        );
        assert!(bl.check_ip(ip("10.200.0.1")));
        assert!(bl.check_ip(ip("::5")));
        assert!(!bl.check_ip(ip("::11")));
    }

    #[test]
    fn mapped_addresses_match_both_ways() {
        let mut bl = BlockList::new();
        bl.add_ip(ip("1.2.3.4"));
        assert!(bl.check_ip(ip("::ffff:1.2.3.4")));
        assert!(!bl.check_ip(ip("::1.2.3.4")));
        let mut bl = BlockList::new();
        bl.add_ip(ip("::ffff:5.6.7.8"));
        assert!(bl.check_ip(ip("5.6.7.8")));
        let mut bl = BlockList::new();
        bl.add_ip_subnet(ip("::ffff:0:0"), 96).unwrap();
        assert!(bl.check_ip(ip("200.1.1.1")));
        assert!(!bl.check_ip(ip("::1")));
    }

    #[test]
    fn start_after_end_is_refused() {
        let mut bl = BlockList::new();
        let e = bl
            .add_range(&t("10.0.0.10"), &t("10.0.0.1"), &Value::Undefined)
            .unwrap_err();
        assert_eq!(
            e.to_string(),
            "The argument 'start' must come before end. Received SocketAddress { address: '10.0.0.10', port: 0, family: 'ipv4', flowlabel: 0 }"
        );
        assert!(bl.is_empty());
    }

    #[test]
    fn interval_set_merges_overlapping_and_adjacent() {
        let mut s = IntervalSet::<u32>::default();
        s.insert(10, 20);
        s.insert(30, 40);
        s.insert(21, 29);
        assert_eq!(s.map.len(), 1);
        s.insert(0, 5);
        s.insert(u32::MAX - 1, u32::MAX);
        s.insert(3, 12);
        assert_eq!(s.map.len(), 2);
        assert!(s.contains(0) && s.contains(40) && !s.contains(41) && s.contains(u32::MAX));
    }

    #[test]
    fn index_agrees_with_rule_by_rule_reference() {
        // A small deterministic generator (xorshift) keeps this test free of
        // dependencies; hypothesis covers the same property from Python.
        let mut state = 0x2545_f491_4f6c_dd1d_u64;
        let mut next = move || {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state
        };
        let pick = |r: u64| -> IpAddr {
            let base = [
                ip("10.0.0.0"),
                ip("::ffff:10.0.0.0"),
                ip("::10.0.0.0"),
                ip("fe80::"),
            ][(r % 4) as usize];
            match base {
                IpAddr::V4(a) => {
                    IpAddr::V4(Ipv4Addr::from_bits(a.to_bits() | (r >> 8) as u32 & 0x3ff))
                }
                IpAddr::V6(a) => IpAddr::V6(Ipv6Addr::from_bits(
                    a.to_bits() | u128::from((r >> 8) & 0x3ff),
                )),
            }
        };
        for _ in 0..300 {
            let mut bl = BlockList::new();
            for _ in 0..(next() % 8) {
                let r = next();
                let (a, b) = (pick(next()), pick(next()));
                let _ = match r % 3 {
                    0 => {
                        bl.add_ip(a);
                        Ok(())
                    }
                    1 => bl.add_ip_range(a, b),
                    _ => bl.add_ip_subnet(a, (next() % if a.is_ipv4() { 33 } else { 129 }) as u8),
                };
            }
            for _ in 0..50 {
                let p = pick(next());
                let reference = bl.rules.iter().any(|r| r.matches(&p));
                assert_eq!(bl.check_ip(p), reference, "{p} against {:?}", bl.rules);
            }
        }
    }
}
