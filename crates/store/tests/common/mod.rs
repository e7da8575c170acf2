//! The backends a store test runs on. PostgreSQL is reached through
//! `ZICHT_TEST_POSTGRES_URL` (a server URL; each test makes its own
//! database); without it the PostgreSQL half is skipped with a notice, except
//! under CI=true, where it fails.

pub mod rounds;

use zicht_model::Catalogue;
use zicht_store::Store;

/// [`stores`], each already holding `catalogue`, loaded as `origin`.
// Each test binary includes `common`; the accounts suite does not use this.
#[allow(dead_code)]
pub async fn stores_holding(
    test: &str,
    origin: &str,
    catalogue: &Catalogue,
) -> Vec<(String, Store)> {
    let out = stores(test).await;
    for (_, store) in &out {
        store
            .load(origin, Some(catalogue), &[], None)
            .await
            .unwrap();
    }
    out
}

/// Every backend the suite runs on, each with a fresh, empty store.
pub async fn stores(test: &str) -> Vec<(String, Store)> {
    let dir = std::env::temp_dir().join(format!("zicht-store-{}-{test}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let url = format!("sqlite://{}/z.db", dir.display());
    let mut out = vec![(url.clone(), Store::open(&url).await.expect("open sqlite"))];
    match std::env::var("ZICHT_TEST_POSTGRES_URL") {
        Ok(server) => {
            let db = format!("zicht_{}_{}", std::process::id(), test);
            let admin = Store::open(&server)
                .await
                .expect("reach the PostgreSQL server");
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
            let url = format!("{base}/{db}");
            out.push((url.clone(), Store::open(&url).await.expect("open postgres")));
        }
        Err(_) if std::env::var("CI").as_deref() == Ok("true") => {
            panic!("CI=true but ZICHT_TEST_POSTGRES_URL is not set: the store suite must run against PostgreSQL");
        }
        Err(_) => {
            eprintln!("note: ZICHT_TEST_POSTGRES_URL not set; store suite ran on SQLite only")
        }
    }
    out
}
