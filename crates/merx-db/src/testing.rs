//! Fresh databases for tests: a temporary SQLite file, or a new database on the Postgres server
//! named by `MERX_TEST_POSTGRES_URL`. Each test gets its own, migrated.

use std::path::PathBuf;

use crate::{migrate, server, Backend, Db, DbOptions};

/// The environment variable naming the Postgres server tests use.
pub const POSTGRES_ENV: &str = "MERX_TEST_POSTGRES_URL";

/// A migrated database that belongs to one test.
pub struct TestDb {
    pub db: Db,
    /// A URL another process can connect to (e.g. a `merx` binary under test).
    pub url: String,
    cleanup: Cleanup,
}

enum Cleanup {
    SqliteDir(PathBuf),
    /// The server's URL and the database's name.
    PostgresDatabase {
        server: String,
        name: String,
    },
}

impl TestDb {
    /// A fresh database of the given engine, or `None` (with a message) when Postgres is not
    /// configured. A configured but unreachable Postgres is a test failure, not a skip.
    pub async fn new(backend: Backend) -> Option<TestDb> {
        match backend {
            Backend::Sqlite => Some(Self::sqlite().await),
            Backend::Postgres => Self::postgres().await,
        }
    }

    pub async fn sqlite() -> TestDb {
        let dir = std::env::temp_dir().join(format!("merx-test-{}", ulid::Ulid::new()));
        std::fs::create_dir_all(&dir).expect("create temp dir");
        let url = format!("sqlite://{}", dir.join("merx.db").display());
        let db = Db::connect(&url, &DbOptions::default())
            .await
            .expect("open sqlite test database");
        migrate::run(&db)
            .await
            .expect("migrate sqlite test database");
        TestDb {
            db,
            url,
            cleanup: Cleanup::SqliteDir(dir),
        }
    }

    pub async fn postgres() -> Option<TestDb> {
        let Ok(server) = std::env::var(POSTGRES_ENV) else {
            eprintln!("skipped on PostgreSQL: set {POSTGRES_ENV} to run this test there too");
            return None;
        };
        let name = format!("merx_t_{}", ulid::Ulid::new().to_string().to_lowercase());
        server::create_database(&server, &name)
            .await
            .unwrap_or_else(|e| panic!("{POSTGRES_ENV} is set but no test database: {e:#}"));
        let url = server::with_database(&server, &name);
        let options = DbOptions {
            max_connections: 8,
            ..DbOptions::default()
        };
        let db = Db::connect(&url, &options)
            .await
            .expect("connect to test database");
        migrate::run(&db)
            .await
            .expect("migrate postgres test database");
        Some(TestDb {
            db,
            url,
            cleanup: Cleanup::PostgresDatabase { server, name },
        })
    }

    /// Closes the pools and removes the database. Tests that panic leave theirs behind; `.ci/run`
    /// drops leftovers (`merx_t_*`) before it starts.
    pub async fn cleanup(self) {
        self.db.close().await;
        match self.cleanup {
            Cleanup::SqliteDir(dir) => {
                std::fs::remove_dir_all(dir).ok();
            }
            Cleanup::PostgresDatabase { server, name } => {
                // A leftover is dropped by `.ci/run` next time.
                server::drop_database(&server, &name).await.ok();
            }
        }
    }
}

/// Runs `test` on a fresh database of `backend` and removes the database afterwards. Skips (with a
/// message) when the backend is Postgres and none is configured.
pub async fn with_test_db<F, Fut>(backend: Backend, test: F)
where
    F: FnOnce(Db) -> Fut,
    Fut: std::future::Future<Output = ()>,
{
    if let Some(t) = TestDb::new(backend).await {
        test(t.db.clone()).await;
        t.cleanup().await;
    }
}

/// Declares a test that runs once on SQLite and once on Postgres:
/// `both_engines!(name, async_fn_taking_db)` makes `name::sqlite` and `name::postgres`.
#[macro_export]
macro_rules! both_engines {
    ($name:ident, $test:ident) => {
        mod $name {
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn sqlite() {
                $crate::testing::with_test_db($crate::Backend::Sqlite, super::$test).await
            }
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn postgres() {
                $crate::testing::with_test_db($crate::Backend::Postgres, super::$test).await
            }
        }
    };
}
