//! The system resolver as Node's `dns.lookup` uses it: getaddrinfo with
//! the caller's family and hints (Node adds `AI_ADDRCONFIG` when neither is
//! given), run off the loop thread on tokio's blocking pool.

use std::ffi::CString;
use std::io;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use crate::SystemError;

/// Node's default hints for a lookup with no family: `dns.ADDRCONFIG`.
pub const ADDRCONFIG: i32 = libc::AI_ADDRCONFIG;

/// Resolves `host` to addresses in the resolver's order. `family` is 0, 4
/// or 6.
pub async fn lookup(host: String, family: u8, hints: i32) -> Result<Vec<IpAddr>, SystemError> {
    let name = host.clone();
    tokio::task::spawn_blocking(move || getaddrinfo(&name, family, hints))
        .await
        .map_err(|e| lookup_error(&host, &io::Error::other(e)))?
        .map_err(|e| lookup_error(&host, &e))
}

// getaddrinfo hands back each address in storage aligned for its family.
#[allow(clippy::cast_ptr_alignment)]
fn getaddrinfo(host: &str, family: u8, hints: i32) -> io::Result<Vec<IpAddr>> {
    let c_host = CString::new(host).map_err(|_| io::Error::from(io::ErrorKind::InvalidInput))?;
    // SAFETY: a zeroed addrinfo is a valid "no constraints" hints value; the
    // result list is walked only while valid and freed exactly once.
    unsafe {
        let mut want: libc::addrinfo = std::mem::zeroed();
        want.ai_family = match family {
            4 => libc::AF_INET,
            6 => libc::AF_INET6,
            _ => libc::AF_UNSPEC,
        };
        want.ai_socktype = libc::SOCK_STREAM;
        want.ai_flags = hints;
        let mut res: *mut libc::addrinfo = std::ptr::null_mut();
        let rc = libc::getaddrinfo(
            c_host.as_ptr(),
            std::ptr::null(),
            &raw const want,
            &raw mut res,
        );
        if rc != 0 {
            return Err(io::Error::other(format!("getaddrinfo {rc}")));
        }
        let mut out = Vec::new();
        let mut cur = res;
        while !cur.is_null() {
            let ai = &*cur;
            if !ai.ai_addr.is_null() {
                match ai.ai_family {
                    libc::AF_INET => {
                        let sa = &*ai.ai_addr.cast::<libc::sockaddr_in>();
                        out.push(IpAddr::V4(Ipv4Addr::from(u32::from_be(sa.sin_addr.s_addr))));
                    }
                    libc::AF_INET6 => {
                        let sa = &*ai.ai_addr.cast::<libc::sockaddr_in6>();
                        out.push(IpAddr::V6(Ipv6Addr::from(sa.sin6_addr.s6_addr)));
                    }
                    _ => {}
                }
            }
            cur = ai.ai_next;
        }
        libc::freeaddrinfo(res);
        Ok(out)
    }
}

/// getaddrinfo's failures have no errno; Node reports `ENOTFOUND` with the
/// host name.
pub fn lookup_error(host: &str, _e: &io::Error) -> SystemError {
    let mut err = SystemError::new(0, "getaddrinfo").with_hostname(host);
    err.code = Some("ENOTFOUND");
    err
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn localhost_resolves_to_loopback() {
        let ips = getaddrinfo("localhost", 4, 0).unwrap();
        // /etc/hosts only: tests never ask a DNS server.
        assert!(ips.iter().all(IpAddr::is_loopback) && !ips.is_empty());
    }
}
