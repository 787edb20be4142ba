//! Whole databases on a Postgres server, for tools and tests that want a fresh one: created and
//! dropped by name, and the URL that names one.

use anyhow::Context;

use crate::{redact_url as redact, Db, DbOptions};

fn one_connection() -> DbOptions {
    DbOptions {
        max_connections: 1,
        ..DbOptions::default()
    }
}

/// `url` with its database name replaced by `name` (query options kept).
pub fn with_database(url: &str, name: &str) -> String {
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

/// Runs `sql` on the server `server_url` names, on a connection of its own.
async fn on_server(server_url: &str, sql: &str) -> anyhow::Result<()> {
    let admin = Db::connect(server_url, &one_connection())
        .await
        .with_context(|| format!("connecting to Postgres at {}", redact(server_url)))?;
    let done = admin.execute_script(sql).await;
    admin.close().await;
    Ok(done?)
}

/// Creates the database `name` (a plain identifier) on the server.
pub async fn create_database(server_url: &str, name: &str) -> anyhow::Result<()> {
    on_server(server_url, &format!("CREATE DATABASE {name}"))
        .await
        .with_context(|| format!("creating database {name}"))
}

/// Drops the database `name`, closing whatever connections it still has.
pub async fn drop_database(server_url: &str, name: &str) -> anyhow::Result<()> {
    on_server(
        server_url,
        &format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"),
    )
    .await
    .with_context(|| format!("dropping database {name}"))
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
