//! Facts about the server itself that commands print.

use std::net::{Ipv4Addr, Ipv6Addr};

/// The server's address as users reach it, as `hostname -I | awk '{print
/// $1}'` gave it to the originals: the first IPv4 address of an interface
/// that is up and not loopback, else the first such IPv6 address that is
/// not link-local; empty when there is none.
pub fn server_address() -> String {
    let (v4, v6) = interface_addresses();
    let link_local = |ip: &Ipv6Addr| (ip.segments()[0] & 0xffc0) == 0xfe80;
    v4.first()
        .map(Ipv4Addr::to_string)
        .or_else(|| {
            v6.iter()
                .find(|ip| !link_local(ip))
                .map(Ipv6Addr::to_string)
        })
        .unwrap_or_default()
}

/// The addresses of interfaces that are up and not loopback, in the
/// kernel's order.
fn interface_addresses() -> (Vec<Ipv4Addr>, Vec<Ipv6Addr>) {
    let (mut v4, mut v6) = (Vec::new(), Vec::new());
    let mut list: *mut libc::ifaddrs = std::ptr::null_mut();
    // SAFETY: getifaddrs fills `list`, freed below with freeifaddrs.
    if unsafe { libc::getifaddrs(&mut list) } != 0 {
        return (v4, v6);
    }
    let mut node = list;
    while !node.is_null() {
        // SAFETY: `node` is an element of the list getifaddrs returned.
        let ifa = unsafe { &*node };
        let up = ifa.ifa_flags & libc::IFF_UP as libc::c_uint != 0;
        let loopback = ifa.ifa_flags & libc::IFF_LOOPBACK as libc::c_uint != 0;
        if up && !loopback && !ifa.ifa_addr.is_null() {
            // SAFETY: a non-null ifa_addr points to a sockaddr of the
            // family it names, so each cast reads the right structure.
            unsafe {
                match i32::from((*ifa.ifa_addr).sa_family) {
                    libc::AF_INET => {
                        let sin = &*(ifa.ifa_addr as *const libc::sockaddr_in);
                        v4.push(Ipv4Addr::from(u32::from_be(sin.sin_addr.s_addr)));
                    }
                    libc::AF_INET6 => {
                        let sin6 = &*(ifa.ifa_addr as *const libc::sockaddr_in6);
                        v6.push(Ipv6Addr::from(sin6.sin6_addr.s6_addr));
                    }
                    _ => {}
                }
            }
        }
        node = ifa.ifa_next;
    }
    // SAFETY: `list` came from getifaddrs and is freed once.
    unsafe { libc::freeifaddrs(list) };
    (v4, v6)
}

#[cfg(test)]
mod tests {
    #[test]
    fn never_loopback() {
        let address = super::server_address();
        assert!(address != "127.0.0.1" && address != "::1", "{address}");
    }
}
