//! `net.SocketAddress`: an IP address, a port and (for IPv6) a flow label,
//! validated and normalised as Node v24 does it.

use std::fmt;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use super::inet;
use crate::validate::{validate_port, validate_string, validate_uint32};
use crate::{Error, Value};

/// The largest IPv6 flow label (20 bits). Node aborts the process above it;
/// tokionet reports `ERR_OUT_OF_RANGE` instead.
pub const MAX_FLOWLABEL: u32 = 0xF_FFFF;

/// An address family, as SocketAddress and BlockList name them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Family {
    Ipv4,
    Ipv6,
}

impl Family {
    /// `'ipv4'` / `'ipv6'`: SocketAddress's and BlockList's spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            Family::Ipv4 => "ipv4",
            Family::Ipv6 => "ipv6",
        }
    }

    /// `'IPv4'` / `'IPv6'`: the spelling of `address()` and BlockList rules.
    pub fn label(self) -> &'static str {
        match self {
            Family::Ipv4 => "IPv4",
            Family::Ipv6 => "IPv6",
        }
    }

    /// A family given as a string, case-insensitively (Node lower-cases it);
    /// `name` is the option name its error reports.
    pub fn from_value(v: &Value, name: &str) -> Result<Family, Error> {
        match v {
            Value::Str(s) => match s.to_lowercase().as_str() {
                "ipv4" => Ok(Family::Ipv4),
                "ipv6" => Ok(Family::Ipv6),
                _ => Err(Error::invalid_arg_value(name, v, "is invalid")),
            },
            other => Err(Error::invalid_arg_value(name, other, "is invalid")),
        }
    }

    pub fn of(ip: &IpAddr) -> Family {
        match ip {
            IpAddr::V4(_) => Family::Ipv4,
            IpAddr::V6(_) => Family::Ipv6,
        }
    }
}

/// Parses address text as libuv does for `family` (C string, zone id
/// dropped); `None` is Node's `ERR_INVALID_ADDRESS`.
pub fn parse_ip(text: &str, family: Family) -> Option<IpAddr> {
    match family {
        Family::Ipv4 => inet::ip4_addr(text).map(|a| IpAddr::V4(Ipv4Addr::from(a))),
        Family::Ipv6 => inet::ip6_addr(text).map(|a| IpAddr::V6(Ipv6Addr::from(a))),
    }
}

/// The text libuv prints for an address (`::ffff:1.2.3.4`, `::0.2.0.3`).
pub fn format_ip(ip: &IpAddr) -> String {
    match ip {
        IpAddr::V4(a) => inet::ntop4(a.octets()),
        IpAddr::V6(a) => inet::ntop6(a.octets()),
    }
}

/// The constructor's options, each left [`Value::Undefined`] when not given.
#[derive(Debug, Clone, Default)]
pub struct SocketAddressOptions {
    pub address: Value,
    pub port: Value,
    pub family: Value,
    pub flowlabel: Value,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct SocketAddress {
    ip: IpAddr,
    port: u16,
    flowlabel: u32,
}

impl SocketAddress {
    /// An address from typed parts. The flow label is dropped for IPv4 and
    /// must fit in 20 bits for IPv6.
    pub fn new(ip: IpAddr, port: u16, flowlabel: u32) -> Result<Self, Error> {
        let flowlabel = match ip {
            IpAddr::V4(_) => 0,
            IpAddr::V6(_) if flowlabel > MAX_FLOWLABEL => {
                return Err(Error::out_of_range(
                    "options.flowlabel",
                    format!(">= 0 && <= {MAX_FLOWLABEL}"),
                    &Value::Int(i128::from(flowlabel)),
                ))
            }
            IpAddr::V6(_) => flowlabel,
        };
        Ok(SocketAddress {
            ip,
            port,
            flowlabel,
        })
    }

    /// `new net.SocketAddress(options)`: Node's defaults and validation
    /// order (family, address, port, flowlabel, then the address text).
    pub fn from_options(o: &SocketAddressOptions) -> Result<Self, Error> {
        let family = match &o.family {
            Value::Undefined => Family::Ipv4,
            v => Family::from_value(v, "options.family")?,
        };
        // Node picks the default address from the family as given, before
        // lower-casing it: `{family: 'IPV4'}` defaults to '::'.
        let default_address =
            if matches!(&o.family, Value::Undefined) || o.family == Value::str("ipv4") {
                "127.0.0.1"
            } else {
                "::"
            };
        let address = match &o.address {
            Value::Undefined => default_address,
            v => validate_string(v, "options.address")?,
        };
        let port = match &o.port {
            Value::Undefined => 0,
            v => validate_port(v, "options.port")?,
        };
        let flowlabel = match &o.flowlabel {
            Value::Undefined => 0,
            v => validate_uint32(v, "options.flowlabel", false)?,
        };
        // Node hands `flowlabel | 0` to C++, which aborts unless it is still
        // an unsigned 32-bit integer: anything from 2**31 up.
        if flowlabel > i32::MAX as u32 {
            let range = match family {
                Family::Ipv4 => format!(">= 0 && <= {}", i32::MAX),
                Family::Ipv6 => format!(">= 0 && <= {MAX_FLOWLABEL}"),
            };
            return Err(Error::out_of_range(
                "options.flowlabel",
                range,
                &o.flowlabel,
            ));
        }
        let ip = parse_ip(address, family).ok_or(Error::InvalidAddress)?;
        Self::new(ip, port, flowlabel)
    }

    /// `SocketAddress.parse(input)`: `host[:port]` read as the host and port
    /// of `http://<input>` by the WHATWG URL parser, so IPv4 shorthand and
    /// hex forms are accepted and the default port 80 reads back as 0.
    /// `None` where Node returns `undefined`.
    pub fn parse(input: &str) -> Option<Self> {
        let url = url::Url::parse(&format!("http://{input}")).ok()?;
        let port = url.port().unwrap_or(0);
        match url.host()? {
            url::Host::Ipv6(a) => Some(SocketAddress {
                ip: IpAddr::V6(a),
                port,
                flowlabel: 0,
            }),
            url::Host::Ipv4(a) => Some(SocketAddress {
                ip: IpAddr::V4(a),
                port,
                flowlabel: 0,
            }),
            // A host name: Node's constructor rejects it as an IPv4 address.
            url::Host::Domain(d) => {
                let ip = parse_ip(d, Family::Ipv4)?;
                Some(SocketAddress {
                    ip,
                    port,
                    flowlabel: 0,
                })
            }
        }
    }

    pub fn ip(&self) -> IpAddr {
        self.ip
    }

    /// The address as libuv prints it.
    pub fn address(&self) -> String {
        format_ip(&self.ip)
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    pub fn family(&self) -> Family {
        Family::of(&self.ip)
    }

    pub fn flowlabel(&self) -> u32 {
        self.flowlabel
    }

    pub fn to_std(&self) -> std::net::SocketAddr {
        match self.ip {
            IpAddr::V4(a) => std::net::SocketAddr::V4(std::net::SocketAddrV4::new(a, self.port)),
            IpAddr::V6(a) => std::net::SocketAddr::V6(std::net::SocketAddrV6::new(
                a,
                self.port,
                self.flowlabel,
                0,
            )),
        }
    }
}

/// Node's `util.inspect` form:
/// `SocketAddress { address: '1.2.3.4', port: 80, family: 'ipv4', flowlabel: 0 }`.
impl fmt::Display for SocketAddress {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "SocketAddress {{ address: '{}', port: {}, family: '{}', flowlabel: {} }}",
            self.address(),
            self.port,
            self.family().as_str(),
            self.flowlabel
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn opts(address: &str, family: &str) -> SocketAddressOptions {
        SocketAddressOptions {
            address: Value::str(address),
            family: Value::str(family),
            ..Default::default()
        }
    }

    #[test]
    fn defaults_follow_the_family_as_given() {
        let sa = SocketAddress::from_options(&SocketAddressOptions::default()).unwrap();
        assert_eq!(sa.address(), "127.0.0.1");
        let o = SocketAddressOptions {
            family: Value::str("IPV6"),
            ..Default::default()
        };
        assert_eq!(SocketAddress::from_options(&o).unwrap().address(), "::");
        let o = SocketAddressOptions {
            family: Value::str("IPV4"),
            ..Default::default()
        };
        assert_eq!(
            SocketAddress::from_options(&o).unwrap_err(),
            Error::InvalidAddress
        );
    }

    #[test]
    fn normalises_and_rejects_like_node() {
        let sa = SocketAddress::from_options(&opts("0:0:0:0:0:0:0:1", "ipv6")).unwrap();
        assert_eq!(sa.address(), "::1");
        assert!(SocketAddress::from_options(&opts("::1", "ipv4")).is_err());
        let e = SocketAddress::from_options(&opts("1.2.3.4", "ipv5")).unwrap_err();
        assert_eq!(
            e.to_string(),
            "The property 'options.family' is invalid. Received 'ipv5'"
        );
    }

    #[test]
    fn oversized_flowlabels_are_errors_not_aborts() {
        let mut o = opts("::1", "ipv6");
        o.flowlabel = Value::Int(0x10_0000);
        assert_eq!(
            SocketAddress::from_options(&o).unwrap_err().code(),
            "ERR_OUT_OF_RANGE"
        );
        let mut o = opts("1.2.3.4", "ipv4");
        o.flowlabel = Value::Int(0x10_0000);
        assert_eq!(SocketAddress::from_options(&o).unwrap().flowlabel(), 0);
        o.flowlabel = Value::Int(4_294_967_295);
        assert_eq!(
            SocketAddress::from_options(&o).unwrap_err().code(),
            "ERR_OUT_OF_RANGE"
        );
    }

    #[test]
    fn parse_uses_url_host_rules() {
        let p = |s| SocketAddress::parse(s).map(|a| (a.address(), a.port()));
        assert_eq!(p("1.2.3.4:80"), Some(("1.2.3.4".into(), 0)));
        assert_eq!(p("1.2.3.4:443"), Some(("1.2.3.4".into(), 443)));
        assert_eq!(p("127.1:80"), Some(("127.0.0.1".into(), 0)));
        assert_eq!(p("0x7f.1"), Some(("127.0.0.1".into(), 0)));
        assert_eq!(p("[::1]:8080"), Some(("::1".into(), 8080)));
        assert_eq!(p("user@1.2.3.4:5/path"), Some(("1.2.3.4".into(), 5)));
        assert_eq!(p("::1"), None);
        assert_eq!(p("foo:80"), None);
        assert_eq!(p("1.2.3.4:99999"), None);
        assert_eq!(p(""), None);
    }
}
