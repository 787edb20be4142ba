//! Command-line options.

use std::time::Duration;

use clap::{Parser, ValueEnum};

/// A scenario, in the order `all` runs them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Scenario {
    /// GET /health: the HTTP stack alone.
    Ceiling,
    /// GET /store/products?limit=20&region_id=…
    List,
    /// The `list` page with the `fields` Medusa's Next.js starter sends.
    StarterList,
    /// GET /store/products/:id?region_id=…
    Detail,
    /// GET /store/products?q=…&limit=20&region_id=…
    Search,
    /// The 8-call guest checkout, one virtual customer per iteration.
    Checkout,
    /// N buyers racing for K units of one variant.
    FlashSale,
    /// Merchandising placements (not in this build).
    Spots,
    /// Stored product feeds (not in this build).
    Feed,
    /// Every scenario above, in order.
    All,
}

impl Scenario {
    pub const EVERY: [Scenario; 9] = [
        Scenario::Ceiling,
        Scenario::List,
        Scenario::StarterList,
        Scenario::Detail,
        Scenario::Search,
        Scenario::Checkout,
        Scenario::FlashSale,
        Scenario::Spots,
        Scenario::Feed,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Scenario::Ceiling => "ceiling",
            Scenario::List => "list",
            Scenario::StarterList => "starter-list",
            Scenario::Detail => "detail",
            Scenario::Search => "search",
            Scenario::Checkout => "checkout",
            Scenario::FlashSale => "flash-sale",
            Scenario::Spots => "spots",
            Scenario::Feed => "feed",
            Scenario::All => "all",
        }
    }
}

#[derive(Debug, Parser)]
#[command(
    name = "merx-bench",
    version,
    about = "Load generator for Merx on loopback",
    long_about = "Seeds a fresh store through Merx's own services, starts the real `merx` \
                  server next to this binary, and drives it over HTTP/1.1 keep-alive. With \
                  --target it drives a server that is already running instead."
)]
pub struct Cli {
    /// Scenario to run (`all` runs every one in order).
    #[arg(long, value_enum, default_value = "all")]
    pub scenario: Scenario,
    /// Products to seed (three variants each); with --target, how many to read back.
    #[arg(long, default_value_t = 1000)]
    pub products: usize,
    /// Seconds each scenario runs at most.
    #[arg(long, default_value_t = 10.0)]
    pub duration: f64,
    /// Requests each scenario makes at most (checkouts for `checkout`).
    #[arg(long, default_value_t = 1_000_000)]
    pub max_requests: u64,
    /// Concurrent workers (connections).
    #[arg(long, default_value_t = 32)]
    pub concurrency: usize,
    /// Database server or file to seed: sqlite://FILE or postgres://USER@HOST/DB. A Postgres URL
    /// names the server: a fresh database `merx_bench_<ulid>` is created on it. Default: a fresh
    /// SQLite file in a temporary directory.
    #[arg(long, env = "MERX_BENCH_DATABASE_URL")]
    pub database_url: Option<String>,
    /// Keep the seeded database (and the server log) instead of removing them at the end.
    #[arg(long)]
    pub keep_db: bool,
    /// Print one JSON object per scenario on stdout (the table then goes to stderr).
    #[arg(long)]
    pub json: bool,
    /// Units of the flash-sale variant.
    #[arg(long, default_value_t = 50)]
    pub units: i64,
    /// Buyers racing in the flash sale.
    #[arg(long, default_value_t = 500)]
    pub buyers: usize,
    /// `merx serve` processes to start on the one database (the flash sale spreads its buyers over
    /// them, to show stock holds across processes; the other scenarios use the first).
    #[arg(long, default_value_t = 1, conflicts_with = "target")]
    pub servers: usize,
    /// A running server to drive instead of seeding and starting one (http://127.0.0.1:PORT).
    #[arg(long, requires = "publishable_key")]
    pub target: Option<String>,
    /// The target's publishable key (x-publishable-api-key).
    #[arg(long, env = "MERX_BENCH_PUBLISHABLE_KEY")]
    pub publishable_key: Option<String>,
    /// The target's secret admin key (needed by flash-sale with --target).
    #[arg(long, env = "MERX_BENCH_ADMIN_KEY", hide_env_values = true)]
    pub admin_key: Option<String>,
}

impl Cli {
    /// The scenarios to run, in order.
    pub fn scenarios(&self) -> Vec<Scenario> {
        match self.scenario {
            Scenario::All => Scenario::EVERY.to_vec(),
            s => vec![s],
        }
    }

    /// Rejects settings no run can use, before anything is seeded.
    pub fn validate(&self) -> anyhow::Result<()> {
        anyhow::ensure!(self.concurrency >= 1, "--concurrency must be at least 1");
        anyhow::ensure!(self.products >= 1, "--products must be at least 1");
        anyhow::ensure!(
            self.duration > 0.0 && Duration::try_from_secs_f64(self.duration).is_ok(),
            "--duration must be a positive number of seconds"
        );
        anyhow::ensure!(self.units >= 1, "--units must be at least 1");
        anyhow::ensure!(self.servers >= 1, "--servers must be at least 1");
        anyhow::ensure!(self.max_requests >= 1, "--max-requests must be at least 1");
        Ok(())
    }

    /// --duration (checked by [`Cli::validate`]; a huge value saturates).
    pub fn duration(&self) -> Duration {
        Duration::try_from_secs_f64(self.duration).unwrap_or(Duration::MAX)
    }
}
