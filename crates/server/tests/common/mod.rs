#![allow(dead_code)] // each test binary uses a part of it
//! What the server tests share: real stores (SQLite, and PostgreSQL when
//! configured), a monitor loaded into one, users.

pub mod browser;

use zicht_store::{NewVersion, Store};

pub async fn store_with(monitor: &zicht_ingest::Monitor) -> (tempfile::TempDir, Store) {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}", dir.path().join("z.db").display());
    let store = Store::open(&url).await.unwrap();
    load_monitor(&store, monitor).await;
    (dir, store)
}

/// Loads a monitor's definitions and cells into a store, as `zicht init` does.
pub async fn load_monitor(store: &Store, monitor: &zicht_ingest::Monitor) {
    let versions: Vec<NewVersion<'_>> = monitor
        .cells
        .iter()
        .map(|rc| NewVersion {
            cell: &rc.cell,
            recorded_at: rc.recorded_at,
            reason: rc.reason.as_deref(),
        })
        .collect();
    store
        .load("test", Some(&monitor.catalogue), &versions, None)
        .await
        .unwrap();
}

/// Where a test's stores live: a fresh SQLite file, and a fresh PostgreSQL
/// database when `ZICHT_TEST_POSTGRES_URL` names a server (required under
/// CI=true). Keep the directory as long as the SQLite store is used.
pub async fn store_urls(test: &str) -> (tempfile::TempDir, Vec<String>) {
    let dir = tempfile::tempdir().unwrap();
    let mut urls = vec![format!("sqlite://{}", dir.path().join("z.db").display())];
    match std::env::var("ZICHT_TEST_POSTGRES_URL") {
        Ok(server) => {
            let db = format!("zicht_srv_{}_{test}", std::process::id());
            let admin = Store::open(&server).await.expect("reach PostgreSQL");
            admin
                .execute_raw(&format!("DROP DATABASE IF EXISTS {db}"))
                .await
                .unwrap();
            admin
                .execute_raw(&format!("CREATE DATABASE {db}"))
                .await
                .unwrap();
            admin.close().await;
            let base = server.rsplit_once('/').map(|(b, _)| b).unwrap_or(&server);
            urls.push(format!("{base}/{db}"));
        }
        Err(_) if std::env::var("CI").as_deref() == Ok("true") => {
            panic!("CI=true but ZICHT_TEST_POSTGRES_URL is not set")
        }
        Err(_) => eprintln!("note: ZICHT_TEST_POSTGRES_URL not set; ran on SQLite only"),
    }
    (dir, urls)
}

/// Adds users (login, role, organisation), each with the same password
/// hash and the name "Name of LOGIN".
pub async fn add_users(
    store: &Store,
    users: &[(&str, zicht_model::Role, Option<&str>)],
    password_hash: &str,
) {
    for &(login, role, organisation) in users {
        store
            .create_user(
                None,
                &zicht_store::NewUser {
                    login,
                    name: &format!("Name of {login}"),
                    role,
                    organisation,
                    password_hash,
                },
            )
            .await
            .unwrap();
    }
}

/// Gives `login` a second factor as the enrolment page does: a new secret,
/// confirmed with the code an authenticator computes from it now. Answers
/// the secret and the recovery codes. Admins and editors need one before
/// their sessions may do anything.
pub async fn enrol_second_factor(store: &Store, login: &str) -> (String, Vec<String>) {
    let user = store.user_by_login(login).await.unwrap().unwrap();
    let enrolment = zicht_service::accounts::start_enrolment(store, &user)
        .await
        .unwrap();
    let code = totp_code(&enrolment.secret, 0);
    let recovery = zicht_service::accounts::confirm_enrolment(store, &user, &code, None)
        .await
        .unwrap();
    (enrolment.secret, recovery)
}

/// The code of `secret` `steps` time steps from now, as an authenticator
/// app computes it (RFC 6238); the server accepts one step either side.
pub fn totp_code(secret: &str, steps: i64) -> String {
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64;
    let at = now + steps * zicht_service::second_factor::STEP_SECS as i64;
    zicht_service::second_factor::code_at(secret, at as u64).unwrap()
}

/// A session of `login` made in the store, as a login does, that has
/// passed the second factor where the user has one (as the code page
/// records it after checking a code: the code itself is checked by the
/// tests that log in through the forms).
pub async fn full_session(store: &Store, login: &str, token: &str, csrf: &str) {
    let user = store.user_by_login(login).await.unwrap().unwrap();
    let hash = zicht_service::secrets::hash_token(token);
    store
        .create_session(user.id, &hash, csrf, 3600)
        .await
        .unwrap();
    if user.second_factor {
        store.pass_second_factor(&hash).await.unwrap();
    }
}
