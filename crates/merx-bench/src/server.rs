//! The real `merx` server, spawned next to this binary on a free loopback port.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use anyhow::Context;

/// A running `merx serve`; dropped, it is killed.
pub struct Server {
    child: Child,
    pub base: String,
    pub log: PathBuf,
    /// From spawn to the first 200 of `/health`.
    pub start_to_health: Duration,
}

/// The `merx` binary beside the running executable (cargo puts both in the same target dir).
pub fn merx_binary() -> anyhow::Result<PathBuf> {
    let path = std::env::current_exe()
        .context("locating merx-bench")?
        .with_file_name(format!("merx{}", std::env::consts::EXE_SUFFIX));
    anyhow::ensure!(
        path.is_file(),
        "{} not found: build the server first with `cargo build --release -p merx-cli` \
         (or `cargo build -p merx-cli` for a debug merx-bench)",
        path.display()
    );
    Ok(path)
}

impl Server {
    /// Starts `merx serve` on `database_url` in `work_dir` (its log goes to `work_dir/<name>.log`)
    /// and waits for `/health`.
    pub async fn start(
        binary: &Path,
        database_url: &str,
        work_dir: &Path,
        name: &str,
    ) -> anyhow::Result<Self> {
        let port = free_port()?;
        let addr = format!("127.0.0.1:{port}");
        let log = work_dir.join(format!("{name}.log"));
        let out =
            std::fs::File::create(&log).with_context(|| format!("creating {}", log.display()))?;
        let err = out.try_clone()?;
        let started = Instant::now();
        // The work directory as cwd keeps a `merx.toml` of the caller's directory out of the run.
        let child = Command::new(binary)
            .args(["serve", "--addr", &addr])
            .env("DATABASE_URL", database_url)
            .current_dir(work_dir)
            .stdin(Stdio::null())
            .stdout(out)
            .stderr(err)
            .spawn()
            .with_context(|| format!("starting {}", binary.display()))?;
        let mut server = Server {
            child,
            base: format!("http://{addr}"),
            log,
            start_to_health: Duration::ZERO,
        };
        let child = &mut server.child;
        let log_path = server.log.clone();
        let ready = crate::http::wait_for_health(&server.base, Duration::from_secs(120), || {
            match child.try_wait() {
                Ok(Some(status)) => Err(anyhow::anyhow!(
                    "merx exited ({status}) before answering /health:\n{}",
                    tail(&log_path)
                )),
                _ => Ok(()),
            }
        })
        .await?;
        server.start_to_health = ready.duration_since(started);
        Ok(server)
    }

    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// Resident memory in MiB, from /proc (Linux only).
    pub fn rss_mb(&self) -> Option<f64> {
        rss_kb(self.pid()).map(|kb| kb as f64 / 1024.0)
    }

    /// Whether the server is still running (a crash mid-run invalidates the figures).
    pub fn check_alive(&mut self) -> anyhow::Result<()> {
        match self.child.try_wait()? {
            None => Ok(()),
            Some(status) => Err(anyhow::anyhow!(
                "merx exited during the run ({status}):\n{}",
                tail(&self.log)
            )),
        }
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        // SIGKILL: nothing of the run needs a graceful shutdown, and it cannot hang.
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// `VmRSS` of a process in KiB.
pub fn rss_kb(pid: u32) -> Option<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.split_whitespace().next())
        .and_then(|n| n.parse().ok())
}

/// CPU time (user + system) a process has used, in seconds, from /proc (Linux only).
pub fn cpu_seconds(pid: u32) -> Option<f64> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    // The command name may hold spaces; the fields after its closing parenthesis do not.
    let fields: Vec<&str> = stat
        .get(stat.rfind(')')? + 1..)?
        .split_whitespace()
        .collect();
    let utime: u64 = fields.get(11)?.parse().ok()?;
    let stime: u64 = fields.get(12)?.parse().ok()?;
    // Clock ticks of USER_HZ, which Linux fixes at 100 for /proc.
    Some((utime + stime) as f64 / 100.0)
}

/// A port nothing listens on right now (the kernel picks it; merx binds it a moment later).
fn free_port() -> anyhow::Result<u16> {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").context("finding a free port")?;
    Ok(listener.local_addr()?.port())
}

/// The last lines of the server's log, for error messages.
fn tail(log: &Path) -> String {
    let text = std::fs::read_to_string(log).unwrap_or_default();
    let lines: Vec<&str> = text.lines().collect();
    lines[lines.len().saturating_sub(20)..].join("\n")
}

#[cfg(test)]
mod tests {
    #[test]
    fn own_rss_and_cpu_are_readable() {
        let kb = super::rss_kb(std::process::id());
        assert!(kb.is_some_and(|kb| kb > 0));
        assert!(super::cpu_seconds(std::process::id()).is_some_and(|s| s >= 0.0));
    }
}
