//! The machine's own addresses.  DS01 prints the server's address (the
//! original's `hostname -I | awk '{print $1}'`) in SSH hints; the recording
//! host's was 192.0.2.2, so this machine's addresses read as that one.

/// The address the recordings show for the server.
pub const RECORDED_ADDRESS: &str = "192.0.2.2";

/// This machine's IPv4 addresses, loopback excluded.
pub fn ipv4_addresses() -> Vec<String> {
    let mut found = Vec::new();
    let mut list: *mut libc::ifaddrs = std::ptr::null_mut();
    // SAFETY: getifaddrs fills `list`, freed below with freeifaddrs.
    if unsafe { libc::getifaddrs(&mut list) } != 0 {
        return found;
    }
    let mut cur = list;
    while !cur.is_null() {
        // SAFETY: `cur` is a node of the list getifaddrs returned.
        let ifa = unsafe { &*cur };
        if !ifa.ifa_addr.is_null()
            // SAFETY: ifa_addr is non-null and points to a sockaddr.
            && i32::from(unsafe { (*ifa.ifa_addr).sa_family }) == libc::AF_INET
        {
            // SAFETY: an AF_INET address is a sockaddr_in.
            let sin = unsafe { &*(ifa.ifa_addr as *const libc::sockaddr_in) };
            let ip = std::net::Ipv4Addr::from(u32::from_be(sin.sin_addr.s_addr));
            if !ip.is_loopback() {
                found.push(ip.to_string());
            }
        }
        cur = ifa.ifa_next;
    }
    // SAFETY: `list` came from getifaddrs.
    unsafe { libc::freeifaddrs(list) };
    found
}

/// `text` with every whole occurrence of one of `addresses` replaced by
/// the recorded address (not inside a longer dotted number).
pub fn as_recorded(text: &str, addresses: &[String]) -> String {
    let mut out = text.to_owned();
    for addr in addresses {
        out = replace_whole(&out, addr, RECORDED_ADDRESS);
    }
    out
}

fn replace_whole(text: &str, needle: &str, with: &str) -> String {
    let part_of_number = |c: Option<char>| c.is_some_and(|c| c.is_ascii_digit() || c == '.');
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(pos) = rest.find(needle) {
        let before = if pos == 0 {
            out.chars().last()
        } else {
            rest[..pos].chars().last()
        };
        let after = rest[pos + needle.len()..].chars().next();
        out.push_str(&rest[..pos]);
        if part_of_number(before) || part_of_number(after) {
            out.push_str(needle);
        } else {
            out.push_str(with);
        }
        rest = &rest[pos + needle.len()..];
    }
    out.push_str(rest);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn whole_addresses_only() {
        let addrs = vec!["10.0.0.5".to_owned()];
        assert_eq!(
            as_recorded(
                "scp a@10.0.0.5:~/k\nHostName 10.0.0.5\r\n110.0.0.5 10.0.0.55",
                &addrs
            ),
            "scp a@192.0.2.2:~/k\nHostName 192.0.2.2\r\n110.0.0.5 10.0.0.55"
        );
    }

    #[test]
    fn this_machine_has_addresses_or_none() {
        assert!(ipv4_addresses().iter().all(|a| a != "127.0.0.1"));
    }
}
