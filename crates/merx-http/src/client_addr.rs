//! The client's address, for per-address rate limits. `X-Forwarded-For` is believed only from a TCP
//! peer that is a configured trusted proxy; then the client is the right-most hop that is not itself
//! a trusted proxy, because anything left of that hop may have been written by the client.

use std::convert::Infallible;
use std::net::{IpAddr, SocketAddr};

use axum::extract::{ConnectInfo, FromRequestParts};
use axum::http::request::Parts;
use axum::http::HeaderMap;
use ipnet::{IpNet, Ipv6Net};

use crate::AppState;

/// Addresses and networks of the reverse proxies whose `X-Forwarded-For` is believed (none by
/// default: the header is ignored).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TrustedProxies(Vec<IpNet>);

impl TrustedProxies {
    /// Parses addresses (`10.0.0.1`, `::1`) and CIDR networks (`10.0.0.0/8`, `fd00::/8`); blank
    /// items are skipped.
    pub fn parse<S: AsRef<str>>(items: &[S]) -> Result<Self, String> {
        items
            .iter()
            .map(|s| s.as_ref().trim())
            .filter(|s| !s.is_empty())
            .map(|s| {
                s.parse::<IpNet>()
                    .map(|n| n.trunc())
                    .or_else(|_| s.parse::<IpAddr>().map(|ip| IpNet::from(ip.to_canonical())))
                    .map_err(|_| {
                        format!(
                            "trusted proxy {s:?} is not an IP address or CIDR network \
                             (e.g. 10.0.0.1 or 10.0.0.0/8)"
                        )
                    })
            })
            .collect::<Result<_, _>>()
            .map(TrustedProxies)
    }

    pub fn contains(&self, ip: IpAddr) -> bool {
        let ip = ip.to_canonical();
        self.0.iter().any(|n| n.contains(&ip))
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

/// One `X-Forwarded-For` hop: an address, possibly with a port (`1.2.3.4:5678`, `[::1]:80`) or in
/// brackets.
fn parse_hop(hop: &str) -> Option<IpAddr> {
    let hop = hop.trim();
    hop.parse::<IpAddr>()
        .ok()
        .or_else(|| hop.parse::<SocketAddr>().ok().map(|a| a.ip()))
        .or_else(|| {
            hop.strip_prefix('[')?
                .strip_suffix(']')?
                .parse::<IpAddr>()
                .ok()
        })
}

/// The client's address: the TCP peer, or, when that is a trusted proxy, the right-most
/// `X-Forwarded-For` hop that is not one (or the left-most hop when all are). `None` when the peer
/// is unknown (a router served without connection info, as in `oneshot` tests).
pub fn client_ip(
    headers: &HeaderMap,
    peer: Option<IpAddr>,
    trusted: &TrustedProxies,
) -> Option<IpAddr> {
    let mut client = peer?.to_canonical();
    if !trusted.contains(client) {
        return Some(client);
    }
    let mut hops = Vec::new();
    for value in headers.get_all("x-forwarded-for") {
        match value.to_str() {
            Ok(v) => hops.extend(v.split(',').map(str::trim).filter(|h| !h.is_empty())),
            // An unreadable header: the proxy is the last address known for certain.
            Err(_) => return Some(client),
        }
    }
    for hop in hops.iter().rev() {
        // A hop that is not an address: stop at the trusted proxy that reported it.
        let Some(ip) = parse_hop(hop) else { break };
        client = ip.to_canonical();
        if !trusted.contains(client) {
            break;
        }
    }
    Some(client)
}

/// The key per-address limits count under: an IPv4 address, or an IPv6 address's /64 (one
/// subscriber's network, whose addresses cost nothing to rotate); `unknown` without a peer.
pub fn rate_key(ip: Option<IpAddr>) -> String {
    match ip {
        None => "unknown".into(),
        Some(IpAddr::V4(v4)) => v4.to_string(),
        Some(IpAddr::V6(v6)) => Ipv6Net::new(v6, 64)
            .map(|n| n.trunc().to_string())
            .unwrap_or_else(|_| v6.to_string()),
    }
}

/// The request's client, as the key of per-address limits (see [`client_ip`] and [`rate_key`]).
/// The TCP peer comes from axum's `ConnectInfo<SocketAddr>`, which [`crate::serve`] provides.
pub struct ClientAddr(pub String);

impl FromRequestParts<AppState> for ClientAddr {
    type Rejection = Infallible;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Infallible> {
        let peer = parts
            .extensions
            .get::<ConnectInfo<SocketAddr>>()
            .map(|c| c.0.ip());
        Ok(ClientAddr(rate_key(client_ip(
            &parts.headers,
            peer,
            &state.config.trusted_proxies,
        ))))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(s: &str) -> IpAddr {
        s.parse().unwrap()
    }

    fn xff(values: &[&str]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for v in values {
            h.append("x-forwarded-for", v.parse().unwrap());
        }
        h
    }

    #[test]
    fn parses_addresses_and_networks_and_refuses_the_rest() {
        let t =
            TrustedProxies::parse(&["10.0.0.0/8", " 192.168.1.7 ", "", "fd00::/8", "::1"]).unwrap();
        assert!(t.contains(ip("10.1.2.3")));
        assert!(t.contains(ip("192.168.1.7")) && !t.contains(ip("192.168.1.8")));
        assert!(t.contains(ip("fd12::1")) && t.contains(ip("::1")));
        assert!(
            t.contains(ip("::ffff:10.9.9.9")),
            "IPv4-mapped IPv6 is IPv4"
        );
        assert!(!t.contains(ip("203.0.113.1")));
        for bad in ["10.0.0.0/33", "example.com", "10.0.0", "1.2.3.4/x"] {
            assert!(TrustedProxies::parse(&[bad]).is_err(), "{bad}");
        }
        assert!(TrustedProxies::parse::<&str>(&[]).unwrap().is_empty());
    }

    #[test]
    fn forwarded_for_counts_only_from_a_trusted_peer() {
        let trusted = TrustedProxies::parse(&["10.0.0.0/8"]).unwrap();
        let h = xff(&["198.51.100.9"]);
        assert_eq!(
            client_ip(&h, Some(ip("203.0.113.5")), &trusted),
            Some(ip("203.0.113.5"))
        );
        assert_eq!(
            client_ip(&h, Some(ip("203.0.113.5")), &TrustedProxies::default()),
            Some(ip("203.0.113.5"))
        );
        assert_eq!(
            client_ip(&h, Some(ip("10.0.0.2")), &trusted),
            Some(ip("198.51.100.9"))
        );
        assert_eq!(client_ip(&h, None, &trusted), None);
    }

    #[test]
    fn the_client_is_the_right_most_untrusted_hop() {
        let trusted = TrustedProxies::parse(&["10.0.0.0/8"]).unwrap();
        let peer = Some(ip("10.0.0.1"));
        // The client forged the first hop; the proxies appended the rest.
        let h = xff(&["1.1.1.1, 198.51.100.9", "10.0.0.3"]);
        assert_eq!(client_ip(&h, peer, &trusted), Some(ip("198.51.100.9")));
        assert_eq!(
            client_ip(&xff(&["10.0.0.4, 10.0.0.3"]), peer, &trusted),
            Some(ip("10.0.0.4"))
        );
        assert_eq!(client_ip(&xff(&[]), peer, &trusted), Some(ip("10.0.0.1")));
        assert_eq!(
            client_ip(
                &xff(&["198.51.100.9:4711", "[2001:db8::1]:80"]),
                peer,
                &trusted
            ),
            Some(ip("2001:db8::1"))
        );
        assert_eq!(
            client_ip(&xff(&["198.51.100.9, garbage, 10.0.0.3"]), peer, &trusted),
            Some(ip("10.0.0.3")),
            "a hop that is not an address stops the walk at the proxy that reported it"
        );
    }

    #[test]
    fn ipv6_clients_are_counted_by_their_64() {
        assert_eq!(
            rate_key(Some(ip("2001:db8:1:2:3:4:5:6"))),
            "2001:db8:1:2::/64"
        );
        assert_eq!(
            rate_key(Some(ip("2001:db8:1:2::ffff"))),
            rate_key(Some(ip("2001:db8:1:2:aaaa::1")))
        );
        assert_eq!(rate_key(Some(ip("192.0.2.1"))), "192.0.2.1");
        assert_eq!(rate_key(None), "unknown");
    }
}
