//! Where webhooks may go. An endpoint is a URL an admin typed, and a name in it may resolve
//! anywhere, now or later: to this machine (`localhost`, `127.0.0.1`), to the campus network
//! behind the firewall (`10.0.0.0/8`, ...), to a cloud's metadata service (`169.254.169.254`).
//! Unless private networks are allowed (`--webhook-allow-private-networks`), such an endpoint
//! is refused when it is registered, and again at every delivery: names are resolved by
//! [`PublicResolver`], which connects only to the public addresses it found, so a name that
//! has moved inward since registration (DNS rebinding) gets nothing.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};

use crate::error::{AppError, AppResult};

/// Whether an address is one a webhook must not reach: loopback, private, link-local,
/// unique-local, shared (carrier-grade NAT), unspecified, broadcast, multicast, documentation
/// or reserved, also when written inside an IPv6 address (mapped, compatible, NAT64, 6to4).
pub fn is_internal(address: IpAddr) -> bool {
    match address {
        IpAddr::V4(v4) => is_internal_v4(v4),
        IpAddr::V6(v6) => is_internal_v6(v6),
    }
}

fn is_internal_v4(address: Ipv4Addr) -> bool {
    let [a, b, c, _] = address.octets();
    address.is_loopback()
        || address.is_private()
        || address.is_link_local()
        || address.is_unspecified()
        || address.is_broadcast()
        || address.is_multicast()
        || address.is_documentation()
        || a == 0
        // Shared address space (RFC 6598).
        || (a == 100 && (64..=127).contains(&b))
        // IETF protocol assignments (RFC 6890).
        || (a == 192 && b == 0 && c == 0)
        // Benchmarking (RFC 2544).
        || (a == 198 && (18..=19).contains(&b))
        // Reserved (240.0.0.0/4).
        || a >= 240
}

fn is_internal_v6(address: Ipv6Addr) -> bool {
    let segments = address.segments();
    let embedded_v4 = |high: u16, low: u16| {
        let [h1, h2] = high.to_be_bytes();
        let [l1, l2] = low.to_be_bytes();
        Ipv4Addr::new(h1, h2, l1, l2)
    };
    if let Some(v4) = address.to_ipv4_mapped() {
        return is_internal_v4(v4);
    }
    address.is_loopback()
        || address.is_unspecified()
        || address.is_multicast()
        // Unique local (fc00::/7) and link-local (fe80::/10), and the old site-local (fec0::/10).
        || (segments[0] & 0xfe00) == 0xfc00
        || (segments[0] & 0xffc0) == 0xfe80
        || (segments[0] & 0xffc0) == 0xfec0
        // Documentation (2001:db8::/32).
        || (segments[0] == 0x2001 && segments[1] == 0x0db8)
        // IPv4-compatible (::a.b.c.d), NAT64 (64:ff9b::/96) and 6to4 (2002::/16) carry an IPv4
        // address that the packet may end up at.
        || (segments[..6].iter().all(|s| *s == 0) && is_internal_v4(embedded_v4(segments[6], segments[7])))
        || (segments[0] == 0x0064 && segments[1] == 0xff9b && is_internal_v4(embedded_v4(segments[6], segments[7])))
        || (segments[0] == 0x2002 && is_internal_v4(embedded_v4(segments[1], segments[2])))
}

/// Checks that `url` reaches only public addresses now: an IP address written in it, or every
/// address its name resolves to. An error names `field`.
pub async fn check_public(field: &'static str, url: &str) -> AppResult<()> {
    let parsed = url::Url::parse(url).map_err(|_| AppError::bad_input(field, "not a URL"))?;
    let port = parsed.port_or_known_default().unwrap_or(443);
    let addresses: Vec<IpAddr> = match parsed.host() {
        Some(url::Host::Ipv4(v4)) => vec![IpAddr::V4(v4)],
        Some(url::Host::Ipv6(v6)) => vec![IpAddr::V6(v6)],
        Some(url::Host::Domain(name)) => tokio::net::lookup_host((name, port))
            .await
            .map_err(|_| {
                AppError::bad_input(field, format!("`{name}` does not resolve to an address"))
            })?
            .map(|socket| socket.ip())
            .collect(),
        None => return Err(AppError::bad_input(field, "the URL has no host")),
    };
    if addresses.is_empty() {
        return Err(AppError::bad_input(
            field,
            "the host resolves to no address",
        ));
    }
    if let Some(internal) = addresses.into_iter().find(|address| is_internal(*address)) {
        return Err(AppError::bad_input(
            field,
            format!(
                "the endpoint reaches {internal}, a loopback, private or link-local address; webhooks go to public addresses only (see --webhook-allow-private-networks)"
            ),
        ));
    }
    Ok(())
}

/// A DNS resolver for webhook deliveries that hands the connection only the public addresses a
/// name resolves to; a name with none fails to resolve.
#[derive(Debug, Clone, Copy, Default)]
pub struct PublicResolver;

impl reqwest::dns::Resolve for PublicResolver {
    fn resolve(&self, name: reqwest::dns::Name) -> reqwest::dns::Resolving {
        Box::pin(async move {
            let host = name.as_str().to_owned();
            let found: Vec<SocketAddr> = tokio::net::lookup_host((host.as_str(), 0))
                .await?
                .filter(|socket| !is_internal(socket.ip()))
                .collect();
            if found.is_empty() {
                return Err(format!(
                    "`{host}` resolves to no public address (webhooks go to public addresses only)"
                )
                .into());
            }
            let addresses: reqwest::dns::Addrs = Box::new(found.into_iter());
            Ok(addresses)
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn internal(text: &str) -> bool {
        is_internal(text.parse().unwrap_or_else(|_| panic!("{text}")))
    }

    #[test]
    fn inward_addresses_are_told_from_public_ones() {
        for address in [
            "127.0.0.1",
            "127.255.0.1",
            "10.1.2.3",
            "172.16.0.1",
            "172.31.255.255",
            "192.168.1.1",
            "169.254.169.254",
            "100.64.0.1",
            "0.0.0.0",
            "255.255.255.255",
            "224.0.0.1",
            "::1",
            "::",
            "fd00::1",
            "fc12::1",
            "fe80::1",
            "::ffff:127.0.0.1",
            "::ffff:169.254.169.254",
            "::127.0.0.1",
            "64:ff9b::a9fe:a9fe",
            "2002:7f00:1::",
        ] {
            assert!(internal(address), "{address} is internal");
        }
        for address in [
            "8.8.8.8",
            "1.1.1.1",
            "172.32.0.1",
            "203.119.1.1",
            "2606:4700:4700::1111",
            "::ffff:8.8.8.8",
        ] {
            assert!(!internal(address), "{address} is public");
        }
    }
}
