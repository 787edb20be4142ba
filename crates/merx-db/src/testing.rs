//! Fresh databases for tests: a temporary SQLite file, or a new database on the Postgres server
//! named by `MERX_TEST_POSTGRES_URL`. Each test gets its own, migrated.

use std::path::PathBuf;
use std::str::FromStr;

use sqlx::postgres::PgConnectOptions;
use sqlx::{ConnectOptions, Connection, Executor};

use crate::{migrate, Backend, Db, DbOptions};

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
    PostgresDatabase {
        admin: Box<PgConnectOptions>,
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
        let Ok(url) = std::env::var(POSTGRES_ENV) else {
            eprintln!("skipped on PostgreSQL: set {POSTGRES_ENV} to run this test there too");
            return None;
        };
        let admin = PgConnectOptions::from_str(&url)
            .unwrap_or_else(|e| panic!("{POSTGRES_ENV} is not a Postgres URL: {e}"));
        let name = format!("merx_t_{}", ulid::Ulid::new().to_string().to_lowercase());
        let mut conn = admin
            .connect()
            .await
            .unwrap_or_else(|e| panic!("{POSTGRES_ENV} is set but Postgres is unreachable: {e}"));
        conn.execute(format!("CREATE DATABASE {name}").as_str())
            .await
            .expect("create test database");
        conn.close().await.ok();
        let options = DbOptions {
            max_connections: 8,
            ..DbOptions::default()
        };
        let db = Db::connect_postgres(admin.clone().database(&name), &options)
            .await
            .expect("connect to test database");
        migrate::run(&db)
            .await
            .expect("migrate postgres test database");
        Some(TestDb {
            db,
            url: with_database(&url, &name),
            cleanup: Cleanup::PostgresDatabase {
                admin: Box::new(admin),
                name,
            },
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
            Cleanup::PostgresDatabase { admin, name } => {
                if let Ok(mut conn) = admin.connect().await {
                    conn.execute(format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)").as_str())
                        .await
                        .ok();
                    conn.close().await.ok();
                }
            }
        }
    }
}

/// `url` with its database name replaced by `name`.
fn with_database(url: &str, name: &str) -> String {
    let authority_start = url.find("://").map(|i| i + 3).unwrap_or(0);
    let (base, query) = match url.find('?') {
        Some(q) => (&url[..q], &url[q..]),
        None => (url, ""),
    };
    let host_end = base[authority_start..]
        .find('/')
        .map(|i| authority_start + i)
        .unwrap_or(base.len());
    format!("{}/{name}{query}", &base[..host_end])
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

#[cfg(test)]
mod tests {
    #[test]
    fn database_name_is_replaced_in_urls() {
        use super::with_database as w;
        assert_eq!(w("postgres://u@h:5432/test", "x"), "postgres://u@h:5432/x");
        assert_eq!(w("postgres://u@h", "x"), "postgres://u@h/x");
        assert_eq!(
            w("postgres://u@h/db?sslmode=disable", "x"),
            "postgres://u@h/x?sslmode=disable"
        );
    }
}
