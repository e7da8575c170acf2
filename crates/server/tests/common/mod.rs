//! A real SQLite store in a temporary directory, holding a monitor.

use zicht_store::{NewVersion, Store};

pub async fn store_with(monitor: &zicht_ingest::Monitor) -> (tempfile::TempDir, Store) {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}", dir.path().join("z.db").display());
    let store = Store::open(&url).await.unwrap();
    let versions: Vec<NewVersion<'_>> = monitor
        .cells
        .iter()
        .map(|rc| NewVersion {
            cell: &rc.cell,
            recorded_at: &rc.recorded_at,
            reason: rc.reason.as_deref(),
        })
        .collect();
    store
        .load("test", Some(&monitor.catalogue), &versions, None)
        .await
        .unwrap();
    (dir, store)
}
