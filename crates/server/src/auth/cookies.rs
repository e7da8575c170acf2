//! Reading and setting the portal's cookies.

use axum::http::{header, HeaderMap, HeaderValue};

/// The value of cookie `name` in the request, if sent.
pub fn cookie<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|kv| kv.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v)
}

/// A `Set-Cookie` value: always HttpOnly and SameSite=Strict, Secure unless
/// the server was told to serve plain HTTP to other hosts.
pub fn set_cookie(secure: bool, name: &str, value: &str, path: &str, max_age: i64) -> HeaderValue {
    let secure = if secure { "; Secure" } else { "" };
    HeaderValue::from_str(&format!(
        "{name}={value}; HttpOnly; SameSite=Strict; Path={path}; Max-Age={max_age}{secure}"
    ))
    .unwrap_or_else(|_| HeaderValue::from_static("invalid=; Max-Age=0"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::auth::SESSION_COOKIE;

    #[test]
    fn cookies_are_found_by_name() {
        let mut m = HeaderMap::new();
        m.insert(
            header::COOKIE,
            HeaderValue::from_static("a=1; zicht_session=xyz; b=2"),
        );
        assert_eq!(cookie(&m, SESSION_COOKIE), Some("xyz"));
        assert_eq!(cookie(&m, "c"), None);
        let c = set_cookie(true, SESSION_COOKIE, "t", "/", 60);
        let c = c.to_str().unwrap();
        assert!(c.contains("HttpOnly") && c.contains("SameSite=Strict") && c.ends_with("Secure"));
    }
}
