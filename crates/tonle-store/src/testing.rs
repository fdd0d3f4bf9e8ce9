//! For the tests of this crate and the crates above it: a fresh PostgreSQL database on the test server named
//! by `TONLE_TEST_POSTGRES_URL` (`.ci/postgres` starts one, `.ci/run` sets it). Without it PostgreSQL is
//! skipped with a note, unless `TONLE_REQUIRE_POSTGRES=1` (as in CI), which makes its absence a failure.

use std::sync::atomic::{AtomicU32, Ordering};

use sqlx::Connection;

/// The URL of a new empty database on the test server, or `None` when no server is configured.
///
/// # Panics
/// When the server cannot be reached or `TONLE_REQUIRE_POSTGRES=1` without a server: tests must fail then.
pub async fn postgres_database() -> Option<String> {
    let Ok(base) = std::env::var("TONLE_TEST_POSTGRES_URL") else {
        if std::env::var("TONLE_REQUIRE_POSTGRES").is_ok_and(|v| v == "1") {
            panic!("TONLE_REQUIRE_POSTGRES=1 but TONLE_TEST_POSTGRES_URL is not set");
        }
        eprintln!("TONLE_TEST_POSTGRES_URL is not set: PostgreSQL is not tested here (.ci/postgres starts one)");
        return None;
    };
    static NEXT: AtomicU32 = AtomicU32::new(0);
    let name = format!("t{}_{}_{}", std::process::id(), NEXT.fetch_add(1, Ordering::Relaxed), crate::now_millis());
    sqlx::any::install_default_drivers();
    let mut admin = sqlx::AnyConnection::connect(&base).await.expect("connect to the test PostgreSQL server");
    sqlx::query(&format!("CREATE DATABASE {name}")).execute(&mut admin).await.expect("create a test database");
    admin.close().await.expect("close the admin connection");
    let (server, _) = base.rsplit_once('/').expect("a PostgreSQL URL ends with /DATABASE");
    Some(format!("{server}/{name}"))
}
