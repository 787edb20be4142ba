//! A fresh, migrated database for one run: an SQLite file in the run's work directory, a new
//! SQLite file the user named, or a new database `merx_bench_<ulid>` on a Postgres server.

use std::path::{Path, PathBuf};

use anyhow::Context;
use merx_db::{Backend, Db, DbOptions};

/// The seeded database and how to remove it.
pub struct Database {
    pub db: Db,
    /// What the server is given as `DATABASE_URL`.
    pub url: String,
    pub backend: Backend,
    drop_postgres: Option<(String, String)>,
}

impl Database {
    /// Creates and migrates a fresh database. `server_url` is `--database-url`; without it the
    /// database is `merx.db` in `work_dir`.
    pub async fn create(server_url: Option<&str>, work_dir: &Path) -> anyhow::Result<Database> {
        let (url, drop_postgres) = match server_url {
            None => (sqlite_url(&work_dir.join("merx.db")), None),
            Some(url) => match Db::backend_of(url)? {
                Backend::Sqlite => {
                    let path = Path::new(sqlite_path(url));
                    // Seeding twice into one file would clash on handles; a run wants a clean slate.
                    anyhow::ensure!(
                        !path.exists(),
                        "{} already exists: merx-bench seeds a fresh database, name a new file",
                        path.display()
                    );
                    // The server runs in the work directory, so a relative path must be resolved here.
                    let absolute = std::env::current_dir()?.join(path);
                    let query = url.find('?').map(|q| &url[q..]).unwrap_or("");
                    (format!("{}{query}", sqlite_url(&absolute)), None)
                }
                Backend::Postgres => {
                    let name = format!(
                        "merx_bench_{}",
                        ulid::Ulid::new().to_string().to_lowercase()
                    );
                    merx_db::server::create_database(url, &name).await?;
                    (
                        merx_db::server::with_database(url, &name),
                        Some((url.to_string(), name)),
                    )
                }
            },
        };
        let options = DbOptions {
            max_connections: 8,
            ..DbOptions::default()
        };
        let db = Db::connect(&url, &options)
            .await
            .with_context(|| format!("opening {}", merx_db::redact_url(&url)))?;
        merx_db::migrate::run(&db)
            .await
            .context("migrating the benchmark database")?;
        let backend = db.backend();
        Ok(Database {
            db,
            url,
            backend,
            drop_postgres,
        })
    }

    /// Closes the pools and drops a Postgres database this run created (an SQLite file goes with
    /// the work directory).
    pub async fn remove(self) -> anyhow::Result<()> {
        self.db.close().await;
        if let Some((server, name)) = self.drop_postgres {
            merx_db::server::drop_database(&server, &name).await?;
        }
        Ok(())
    }

    /// A name for the report: `sqlite` or `postgres`.
    pub fn engine(&self) -> &'static str {
        match self.backend {
            Backend::Sqlite => "sqlite",
            Backend::Postgres => "postgres",
        }
    }
}

fn sqlite_url(path: &Path) -> String {
    format!("sqlite://{}", path.display())
}

/// The file of an `sqlite://FILE[?options]` URL.
fn sqlite_path(url: &str) -> &str {
    let rest = url
        .strip_prefix("sqlite://")
        .or_else(|| url.strip_prefix("sqlite:"))
        .unwrap_or(url);
    rest.split('?').next().unwrap_or(rest)
}

/// A directory of this run's own: the default SQLite file and the server's log.
pub fn work_dir() -> anyhow::Result<PathBuf> {
    let dir = std::env::temp_dir().join(format!("merx-bench-{}", ulid::Ulid::new()));
    std::fs::create_dir_all(&dir).with_context(|| format!("creating {}", dir.display()))?;
    Ok(dir)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sqlite_file_is_found() {
        assert_eq!(sqlite_path("sqlite:///tmp/a.db?mode=rwc"), "/tmp/a.db");
        assert_eq!(sqlite_path("sqlite:a.db"), "a.db");
    }
}
