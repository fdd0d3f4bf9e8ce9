//! The stores the tests run against: a fresh SQLite file, and a fresh PostgreSQL database when
//! `TONLE_TEST_POSTGRES_URL` names a server (`.ci/run` starts one; `TONLE_REQUIRE_POSTGRES=1` makes its
//! absence an error rather than a skip).

use std::sync::atomic::{AtomicU32, Ordering};

use sqlx::Connection;
use tonle_store::Store;

/// A store under test and what keeps it alive.
pub struct TestStore {
    pub name: &'static str,
    pub store: Store,
    _dir: Option<tempfile::TempDir>,
}

/// A new empty PostgreSQL database on the test server, by URL, if there is a server.
pub async fn postgres_database() -> Option<String> {
    let Ok(base) = std::env::var("TONLE_TEST_POSTGRES_URL") else {
        if std::env::var("TONLE_REQUIRE_POSTGRES").is_ok_and(|v| v == "1") {
            panic!("TONLE_REQUIRE_POSTGRES=1 but TONLE_TEST_POSTGRES_URL is not set");
        }
        eprintln!("TONLE_TEST_POSTGRES_URL is not set: PostgreSQL not tested here (.ci/postgres starts one)");
        return None;
    };
    static NEXT: AtomicU32 = AtomicU32::new(0);
    let name =
        format!("t{}_{}_{}", std::process::id(), NEXT.fetch_add(1, Ordering::Relaxed), tonle_store::now_millis());
    sqlx::any::install_default_drivers();
    let mut admin = sqlx::AnyConnection::connect(&base).await.expect("connect to the test PostgreSQL");
    sqlx::query(&format!("CREATE DATABASE {name}")).execute(&mut admin).await.expect("create a test database");
    admin.close().await.expect("close");
    let (server, _) = base.rsplit_once('/').expect("a URL with a database");
    Some(format!("{server}/{name}"))
}

/// A fresh SQLite store, and a fresh PostgreSQL one when a server is given.
pub async fn stores() -> Vec<TestStore> {
    let dir = tempfile::tempdir().expect("temporary directory");
    let sqlite = Store::open_dir(dir.path()).await.expect("open SQLite store");
    let mut all = vec![TestStore { name: "sqlite", store: sqlite, _dir: Some(dir) }];
    if let Some(url) = postgres_database().await {
        all.push(TestStore {
            name: "postgres",
            store: Store::open(&url).await.expect("open PostgreSQL store"),
            _dir: None,
        });
    }
    all
}
