//! Configuration: flags, then environment (`DATABASE_URL`, `MERX_*`), then `merx.toml`, then
//! defaults. clap resolves flags and environment; the file fills what both left unset.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};

use anyhow::Context;
use serde::Deserialize;

/// Settings read from `merx.toml` (every key optional; unknown keys are an error, to catch typos).
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FileConfig {
    pub database_url: Option<String>,
    pub addr: Option<SocketAddr>,
    /// The URL clients reach the server at (for the demo's image URLs).
    pub public_url: Option<String>,
    pub cors_origins: Option<Vec<String>>,
    pub body_limit_bytes: Option<usize>,
    pub read_cache_mb: Option<usize>,
    pub read_cache_ttl_secs: Option<u64>,
    pub db_max_connections: Option<u32>,
    pub log: Option<String>,
    pub nats_url: Option<String>,
    pub jwt_secret: Option<String>,
    pub max_line_quantity: Option<i64>,
    pub header_timeout_secs: Option<u64>,
    pub body_timeout_secs: Option<u64>,
    pub keep_alive: Option<bool>,
    pub max_connections: Option<usize>,
    pub node_id: Option<String>,
    /// Reverse proxies (addresses or CIDR networks) whose `X-Forwarded-For` is believed.
    pub trusted_proxies: Option<Vec<String>>,
}

impl FileConfig {
    /// Reads `path` when given (it must exist), else `./merx.toml` when present, else nothing.
    pub fn load(path: Option<&Path>) -> anyhow::Result<FileConfig> {
        let (path, required) = match path {
            Some(p) => (p.to_path_buf(), true),
            None => (PathBuf::from("merx.toml"), false),
        };
        let text = match std::fs::read_to_string(&path) {
            Ok(text) => text,
            Err(e) if !required && e.kind() == std::io::ErrorKind::NotFound => {
                return Ok(FileConfig::default())
            }
            Err(e) => return Err(e).with_context(|| format!("reading {}", path.display())),
        };
        toml::from_str(&text).with_context(|| format!("parsing {}", path.display()))
    }
}

/// The default database: an SQLite file beside the working directory, created if missing.
pub const DEFAULT_DATABASE_URL: &str = "sqlite://merx.db";
/// The default listen address (Medusa's port).
pub const DEFAULT_ADDR: &str = "127.0.0.1:9000";

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn file_config_parses_and_rejects_unknown_keys() {
        let ok: FileConfig = toml::from_str(
            "database_url = \"postgres://x@y/z\"\naddr = \"0.0.0.0:9000\"\ncors_origins = [\"https://shop.example\"]",
        )
        .unwrap();
        assert_eq!(ok.database_url.as_deref(), Some("postgres://x@y/z"));
        assert_eq!(ok.addr.unwrap().port(), 9000);
        assert!(toml::from_str::<FileConfig>("databse_url = \"x\"").is_err());
        let proxies: FileConfig =
            toml::from_str("trusted_proxies = [\"10.0.0.0/8\", \"192.168.1.7\"]").unwrap();
        assert_eq!(
            proxies.trusted_proxies.unwrap(),
            ["10.0.0.0/8", "192.168.1.7"]
        );
    }
}
