//! Who is on the other end of a request: the client's address and whether it came over TLS,
//! believing `X-Forwarded-For` and `X-Forwarded-Proto` only from the trusted reverse proxies
//! (`ESKALERA_TRUSTED_PROXIES`); from anyone else those headers are ignored.

use std::net::IpAddr;

use actix_web::{web, HttpRequest};
use ipnet::IpNet;

/// The reverse proxies whose forwarding headers are believed.
#[derive(Debug, Clone, Default)]
pub struct TrustedProxies(pub Vec<IpNet>);

impl TrustedProxies {
    fn trusts(&self, ip: IpAddr) -> bool {
        let ip = canonical(ip);
        self.0.iter().any(|n| n.contains(&ip))
    }
}

/// An IPv4 address mapped into IPv6 (`::ffff:10.0.0.1`) is the IPv4 address.
fn canonical(ip: IpAddr) -> IpAddr {
    match ip {
        IpAddr::V6(v6) => v6.to_ipv4_mapped().map_or(ip, IpAddr::V4),
        v4 => v4,
    }
}

fn trusted(req: &HttpRequest) -> Option<&TrustedProxies> {
    req.app_data::<web::Data<TrustedProxies>>()
        .map(|d| d.get_ref())
}

/// The peer, when it is a trusted proxy.
fn via_trusted_proxy(req: &HttpRequest) -> Option<&TrustedProxies> {
    let proxies = trusted(req)?;
    let peer = req.peer_addr()?.ip();
    proxies.trusts(peer).then_some(proxies)
}

/// Whether the peer is one of the trusted proxies.
pub fn from_trusted_proxy(req: &HttpRequest) -> bool {
    via_trusted_proxy(req).is_some()
}

/// The client's address: the peer, or behind trusted proxies the last address in
/// `X-Forwarded-For` that is not itself a trusted proxy (the ones before it are whatever the
/// client chose to send).
pub fn address(req: &HttpRequest) -> Option<IpAddr> {
    let peer = canonical(req.peer_addr()?.ip());
    let Some(proxies) = via_trusted_proxy(req) else {
        return Some(peer);
    };
    let forwarded: Vec<IpAddr> = req
        .headers()
        .get_all("x-forwarded-for")
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .filter_map(|a| parse_forwarded_address(a.trim()))
        .collect();
    Some(
        forwarded
            .into_iter()
            .rev()
            .find(|ip| !proxies.trusts(*ip))
            .unwrap_or(peer),
    )
}

/// "203.0.113.7", "[2001:db8::1]:4711", "203.0.113.7:4711" or "2001:db8::1".
fn parse_forwarded_address(s: &str) -> Option<IpAddr> {
    if let Ok(ip) = s.parse::<IpAddr>() {
        return Some(canonical(ip));
    }
    if let Ok(sa) = s.parse::<std::net::SocketAddr>() {
        return Some(canonical(sa.ip()));
    }
    s.strip_prefix('[')
        .and_then(|r| r.split_once(']'))
        .and_then(|(a, _)| a.parse().ok())
        .map(canonical)
}

/// The client's address as a throttle key ("unknown" when the socket has none).
pub fn address_key(req: &HttpRequest) -> String {
    address(req).map_or_else(|| "unknown".to_string(), |a| a.to_string())
}

/// Whether the client reached us over TLS: directly, or as a trusted proxy says.
pub fn is_https(req: &HttpRequest) -> bool {
    if req.uri().scheme_str() == Some("https") {
        return true;
    }
    via_trusted_proxy(req).is_some()
        && req
            .headers()
            .get("x-forwarded-proto")
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.split(',').next())
            .is_some_and(|p| p.trim().eq_ignore_ascii_case("https"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use actix_web::test::TestRequest;

    fn req(peer: &str, proxies: &[&str], headers: &[(&str, &str)]) -> HttpRequest {
        let mut r = TestRequest::default()
            .peer_addr(peer.parse().unwrap_or_else(|e| panic!("{peer}: {e}")))
            .app_data(web::Data::new(TrustedProxies(
                proxies
                    .iter()
                    .map(|p| p.parse().unwrap_or_else(|e| panic!("{p}: {e}")))
                    .collect(),
            )));
        for h in headers {
            r = r.insert_header(*h);
        }
        r.to_http_request()
    }

    #[test]
    fn forwarding_headers_count_only_from_trusted_proxies() {
        let spoofed = req(
            "198.51.100.9:5000",
            &["10.0.0.0/8"],
            &[
                ("X-Forwarded-For", "1.2.3.4"),
                ("X-Forwarded-Proto", "https"),
            ],
        );
        assert_eq!(address_key(&spoofed), "198.51.100.9");
        assert!(!is_https(&spoofed));

        let proxied = req(
            "10.1.2.3:5000",
            &["10.0.0.0/8"],
            &[
                ("X-Forwarded-For", "1.2.3.4, 203.0.113.7, 10.9.9.9"),
                ("X-Forwarded-Proto", "https"),
            ],
        );
        // The client may prepend anything; the first address the proxies did not add is it.
        assert_eq!(address_key(&proxied), "203.0.113.7");
        assert!(is_https(&proxied));
    }

    #[test]
    fn without_a_header_the_proxy_itself_is_the_client_and_odd_values_are_ignored() {
        let bare = req("10.1.2.3:5000", &["10.0.0.0/8"], &[]);
        assert_eq!(address_key(&bare), "10.1.2.3");
        let odd = req(
            "[::ffff:10.1.2.3]:5000",
            &["10.0.0.0/8"],
            &[("X-Forwarded-For", "nonsense, [2001:db8::1]:4711")],
        );
        assert_eq!(address_key(&odd), "2001:db8::1");
    }
}
