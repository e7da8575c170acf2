//! The client's address, for the login rate limit.

use std::net::SocketAddr;

use axum::extract::{ConnectInfo, FromRequestParts};
use axum::http::request::Parts;

use crate::AppState;

/// The client's address: as the socket saw it, or, from the trusted
/// proxy only, the last address its `X-Forwarded-For` names (the one the
/// proxy itself added; earlier entries are the client's to write).
pub struct ClientIp(pub String);

impl FromRequestParts<AppState> for ClientIp {
    type Rejection = std::convert::Infallible;
    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let peer = parts
            .extensions
            .get::<ConnectInfo<SocketAddr>>()
            .map(|ConnectInfo(a)| a.ip());
        let forwarded = parts
            .headers
            .get_all("x-forwarded-for")
            .iter()
            .filter_map(|v| v.to_str().ok())
            .next_back();
        Ok(ClientIp(client_ip(peer, forwarded, state.trusted_proxy)))
    }
}

/// See [`ClientIp`].
pub fn client_ip(
    peer: Option<std::net::IpAddr>,
    forwarded: Option<&str>,
    trusted_proxy: Option<std::net::IpAddr>,
) -> String {
    let Some(peer) = peer else {
        return "unknown".into();
    };
    if Some(peer) == trusted_proxy {
        if let Some(client) = forwarded
            .and_then(|f| f.rsplit(',').next())
            .and_then(|last| last.trim().parse::<std::net::IpAddr>().ok())
        {
            return client.to_string();
        }
    }
    peer.to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_the_trusted_proxy_names_the_client() {
        let ip = |s: &str| s.parse::<std::net::IpAddr>().unwrap();
        let proxy = Some(ip("10.0.0.1"));
        // Behind the proxy: the entry the proxy added, not what the client
        // wrote before it.
        assert_eq!(
            client_ip(Some(ip("10.0.0.1")), Some("6.6.6.6, 203.0.113.7"), proxy),
            "203.0.113.7"
        );
        // Anyone else's header is ignored.
        assert_eq!(
            client_ip(Some(ip("198.51.100.2")), Some("203.0.113.7"), proxy),
            "198.51.100.2"
        );
        assert_eq!(
            client_ip(Some(ip("10.0.0.1")), Some("203.0.113.7"), None),
            "10.0.0.1"
        );
        assert_eq!(
            client_ip(Some(ip("10.0.0.1")), Some("junk"), proxy),
            "10.0.0.1"
        );
        assert_eq!(client_ip(None, None, proxy), "unknown");
    }
}
