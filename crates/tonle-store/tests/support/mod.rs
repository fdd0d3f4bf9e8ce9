//! The stores the tests run against: a fresh SQLite file, and a fresh PostgreSQL database when the test server
//! is configured (`tonle_store::testing`).

use tonle_store::Store;

/// A store under test and what keeps it alive.
pub struct TestStore {
    pub name: &'static str,
    pub store: Store,
    _dir: Option<tempfile::TempDir>,
}

/// A fresh SQLite store, and a fresh PostgreSQL one when a server is given.
pub async fn stores() -> Vec<TestStore> {
    let dir = tempfile::tempdir().expect("temporary directory");
    let sqlite = Store::open_dir(dir.path()).await.expect("open SQLite store");
    let mut all = vec![TestStore { name: "sqlite", store: sqlite, _dir: Some(dir) }];
    if let Some(url) = tonle_store::testing::postgres_database().await {
        all.push(TestStore {
            name: "postgres",
            store: Store::open(&url).await.expect("open PostgreSQL store"),
            _dir: None,
        });
    }
    all
}
