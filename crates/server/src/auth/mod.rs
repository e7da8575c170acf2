//! Who is asking, and may they: passwords, sessions, API tokens, CSRF, role
//! checks and the login rate limit.
//!
//! One middleware ([`authenticate`]) runs before every `/portal` and `/api`
//! handler. It refuses cross-origin writes, finds the user behind the
//! session cookie or the `Authorization: Bearer` token, checks the CSRF
//! token of every write made with a session, and leaves the result in the
//! request for the [`CurrentUser`] extractor. A handler therefore only
//! states who may call it: take a [`CurrentUser`] and call
//! [`CurrentUser::require`], or take [`Admin`] / [`Editor`].
//!
//! One module per concern: [`guard`] (the middleware), [`user`] (the user
//! and the role extractors), [`cookies`], [`client`] (the client's address),
//! [`limit`] (the login rate limit) and [`login`]. Passwords and token
//! hashes are not HTTP: they live in [`zicht_service::secrets`], re-exported
//! here.

mod client;
mod cookies;
mod guard;
mod limit;
mod login;
mod user;

pub use client::{client_ip, ClientIp};
pub use cookies::{cookie, set_cookie};
pub use guard::{authenticate, step_page};
pub use limit::{Attempt, Backoff, RateLimiter};
pub use login::check_login;
pub use user::{Admin, CurrentUser, Editor, Via};
pub use zicht_service::secrets::{
    check_password, dummy_hash, generate_password, hash_password, hash_token, new_api_token,
    random_token, verify_password, PasswordError, MIN_PASSWORD_LEN,
};

/// A login at one address: 5 failures, then locked for 1 minute, doubling
/// with each further failure up to an hour. Per login *and* address, so
/// that failures from one address never lock the login elsewhere.
pub const LOGIN_AT_ADDRESS: Backoff = Backoff {
    after: 5,
    first: std::time::Duration::from_secs(60),
    cap: std::time::Duration::from_secs(3600),
};
/// One address over all logins (a spray of guesses at many accounts): 20
/// failures, as an office behind one address has many users, then the
/// same back-off. It locks that address only.
pub const ADDRESS: Backoff = Backoff {
    after: 20,
    ..LOGIN_AT_ADDRESS
};
/// The codes of one login's second factor, from anywhere: whoever is asked
/// for a code already knows the password, and a million codes must not be
/// tried; 5 wrong codes, then the same back-off.
pub const CODES: Backoff = LOGIN_AT_ADDRESS;

/// The session cookie.
pub const SESSION_COOKIE: &str = "zicht_session";
/// The CSRF token of the login form, before there is a session to hold it.
pub const LOGIN_COOKIE: &str = "zicht_login";
/// How long a session lasts: a working day, then log in again.
pub const SESSION_SECS: i64 = 8 * 3600;
/// The largest request body the portal and the API read.
pub const BODY_LIMIT: usize = 64 * 1024;
/// The header that carries the CSRF token of a cookie-authenticated API write.
pub const CSRF_HEADER: &str = "x-csrf-token";

/// One parameter of the query string; a malformed query has none, so a
/// handler never answers axum's plain-text rejection.
pub fn query_param(uri: &axum::http::Uri, name: &str) -> Option<String> {
    serde_urlencoded::from_str::<Vec<(String, String)>>(uri.query()?)
        .ok()?
        .into_iter()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v)
}
