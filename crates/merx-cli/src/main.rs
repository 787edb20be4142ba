//! `merx`: serve the API, migrate the database, print the OpenAPI spec.

mod config;

use std::net::SocketAddr;
use std::path::PathBuf;

use anyhow::Context;
use clap::{Args, Parser, Subcommand};
use merx_core::api_key::KeyType;
use merx_core::auth::Role;
use merx_core::platform::background::{Background, BackgroundConfig};
use merx_core::Core;
use merx_db::{Db, DbOptions};
use merx_http::{AppState, HttpConfig};
use tracing_subscriber::filter::Targets;
use tracing_subscriber::prelude::*;

use config::{FileConfig, DEFAULT_ADDR, DEFAULT_DATABASE_URL};

/// mimalloc instead of glibc's malloc: a request allocates many small, short-lived values from
/// several threads, and glibc's allocator was a sixth of the server's CPU under checkout load.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[derive(Parser)]
#[command(name = "merx", version, about = "Merx, a headless commerce engine")]
struct Cli {
    /// Configuration file (default: ./merx.toml when present).
    #[arg(long, global = true, env = "MERX_CONFIG")]
    config: Option<PathBuf>,
    /// Database URL: sqlite://FILE or postgres://USER@HOST/DB [default: sqlite://merx.db].
    #[arg(long, global = true, env = "DATABASE_URL")]
    database_url: Option<String>,
    /// Log filter, e.g. `info` or `info,merx_http=debug`.
    #[arg(long, global = true, env = "MERX_LOG")]
    log: Option<String>,
    #[command(subcommand)]
    command: Command,
}

// Parsed once per process: the size of the serve variant costs nothing worth boxing for.
#[allow(clippy::large_enum_variant)]
#[derive(Subcommand)]
enum Command {
    /// Migrate the database and serve the APIs.
    Serve(ServeArgs),
    /// Apply pending database migrations and exit.
    Migrate,
    /// Print the OpenAPI 3.1 document.
    Openapi,
    /// Manage API keys.
    #[command(subcommand)]
    ApiKey(ApiKeyCommand),
    /// Manage admin users.
    #[command(subcommand)]
    User(UserCommand),
}

#[derive(Subcommand)]
enum UserCommand {
    /// Create an admin user who logs in with email and password.
    Create {
        #[arg(long)]
        email: String,
        /// At least 8 characters. Read from MERX_USER_PASSWORD when not given.
        #[arg(long, env = "MERX_USER_PASSWORD", hide_env_values = true)]
        password: String,
        /// owner, admin, merchandiser, support or vendor.
        #[arg(long, default_value = "admin")]
        role: String,
    },
}

#[derive(Subcommand)]
enum ApiKeyCommand {
    /// Create a key and print its token (a secret token is shown only this once).
    Create {
        /// A name to recognise the key by.
        #[arg(long)]
        title: String,
        /// `secret` (Admin API) or `publishable` (Store API).
        #[arg(long = "type", default_value = "secret")]
        key_type: String,
        /// Role of a secret key: owner, admin, merchandiser, support, vendor.
        #[arg(long, default_value = "admin")]
        role: String,
    },
}

#[derive(Args)]
struct ServeArgs {
    /// Seed a demo store (idempotent) and print how to use it.
    #[arg(long)]
    demo: bool,
    /// Address to listen on [default: 127.0.0.1:9000].
    #[arg(long, env = "MERX_ADDR")]
    addr: Option<SocketAddr>,
    /// The URL clients reach this server at, for the absolute URLs Merx writes (the demo's
    /// image URLs) [default: http://localhost:PORT on a loopback or unspecified listen address,
    /// else http://ADDR].
    #[arg(long, env = "MERX_PUBLIC_URL")]
    public_url: Option<String>,
    /// Origins allowed by CORS, comma-separated (`*` for any).
    #[arg(long, env = "MERX_CORS_ORIGINS", value_delimiter = ',')]
    cors_origins: Option<Vec<String>>,
    /// Largest accepted request body in bytes.
    #[arg(long, env = "MERX_BODY_LIMIT_BYTES")]
    body_limit_bytes: Option<usize>,
    /// Memory for cached Store API reads, in MiB (0 turns the cache off) [default: 16].
    #[arg(long, env = "MERX_READ_CACHE_MB")]
    read_cache_mb: Option<usize>,
    /// Longest a cached read is trusted without an invalidation reaching it, in seconds
    /// [default: 30].
    #[arg(long, env = "MERX_READ_CACHE_TTL_SECS")]
    read_cache_ttl_secs: Option<u64>,
    /// Database connections per pool.
    #[arg(long, env = "MERX_DB_MAX_CONNECTIONS")]
    db_max_connections: Option<u32>,
    /// NATS server for cross-process events and cache invalidation (e.g. nats://127.0.0.1:4222).
    #[arg(long, env = "MERX_NATS_URL")]
    nats_url: Option<String>,
    /// Stripe secret key: enables the `pp_stripe_stripe` payment provider.
    #[arg(long, env = "MERX_STRIPE_API_KEY", hide_env_values = true)]
    stripe_api_key: Option<String>,
    /// Stripe webhook endpoint secret (`whsec_…`) for `/hooks/payment/stripe`.
    #[arg(long, env = "MERX_STRIPE_WEBHOOK_SECRET", hide_env_values = true)]
    stripe_webhook_secret: Option<String>,
    /// Stripe API base URL (tests point it at a local server).
    #[arg(
        long,
        env = "MERX_STRIPE_API_BASE",
        default_value = "https://api.stripe.com"
    )]
    stripe_api_base: String,
    /// Secret that signs JWTs (generated and stored in the database when absent).
    #[arg(long, env = "MERX_JWT_SECRET", hide_env_values = true)]
    jwt_secret: Option<String>,
    /// Most units of one variant a cart line may hold [default: 10000].
    #[arg(long, env = "MERX_MAX_LINE_QUANTITY")]
    max_line_quantity: Option<i64>,
    /// Seconds a connection may take to send a request's headers; also how long an idle
    /// keep-alive connection stays open [default: 10].
    #[arg(long, env = "MERX_HEADER_TIMEOUT_SECS")]
    header_timeout_secs: Option<u64>,
    /// Longest pause, in seconds, while a request's body is being received [default: 30].
    #[arg(long, env = "MERX_BODY_TIMEOUT_SECS")]
    body_timeout_secs: Option<u64>,
    /// Keep connections open between requests [default: true].
    #[arg(long, env = "MERX_KEEP_ALIVE")]
    keep_alive: Option<bool>,
    /// Most connections open at once; more wait to be accepted [default: 4096].
    #[arg(long, env = "MERX_MAX_CONNECTIONS")]
    max_connections: Option<usize>,
    /// This process's name in the workflow journal; unique among live processes
    /// [default: host name and listen address].
    #[arg(long, env = "MERX_NODE_ID")]
    node_id: Option<String>,
    /// Reverse proxies whose X-Forwarded-For names the client (addresses or CIDR networks,
    /// comma-separated) [default: none, the header is ignored].
    #[arg(long, env = "MERX_TRUSTED_PROXIES", value_delimiter = ',')]
    trusted_proxies: Option<Vec<String>>,
}

fn main() -> anyhow::Result<()> {
    let cli = Cli::parse();
    let file = FileConfig::load(cli.config.as_deref())?;
    init_logging(cli.log.as_deref().or(file.log.as_deref()))?;
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("starting the async runtime")?;
    runtime.block_on(run(cli, file))
}

fn init_logging(filter: Option<&str>) -> anyhow::Result<()> {
    let filter: Targets = filter
        .unwrap_or("info,sqlx=warn")
        .parse()
        .context("parsing the log filter (MERX_LOG)")?;
    tracing_subscriber::registry()
        .with(
            tracing_subscriber::fmt::layer()
                .with_writer(std::io::stderr)
                .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr())),
        )
        .with(filter)
        .init();
    Ok(())
}

async fn run(cli: Cli, file: FileConfig) -> anyhow::Result<()> {
    let database_url = cli
        .database_url
        .clone()
        .or(file.database_url.clone())
        .unwrap_or_else(|| DEFAULT_DATABASE_URL.to_string());
    match cli.command {
        Command::Openapi => {
            println!("{}", merx_http::openapi::json());
            Ok(())
        }
        Command::Migrate => {
            let db = connect(&database_url, DbOptions::default()).await?;
            let applied = merx_db::migrate::run(&db).await?;
            let version = merx_db::migrate::current_version(&db).await?.unwrap_or(0);
            println!(
                "applied {} migration(s); schema is at version {version}",
                applied.len()
            );
            db.close().await;
            Ok(())
        }
        Command::Serve(args) => serve(args, file, &database_url).await,
        Command::ApiKey(ApiKeyCommand::Create {
            title,
            key_type,
            role,
        }) => {
            let key_type = KeyType::parse(&key_type).with_context(|| {
                format!("--type must be secret or publishable, not {key_type:?}")
            })?;
            let role = match key_type {
                KeyType::Secret => {
                    Some(Role::parse(&role).with_context(|| format!("unknown role {role:?}"))?)
                }
                KeyType::Publishable => None,
            };
            let db = connect(&database_url, DbOptions::default()).await?;
            merx_db::migrate::run(&db).await?;
            let core = Core::new(db.clone());
            let (key, token) = core
                .api_keys
                .create(&title, key_type, role, None)
                .await
                .map_err(|e| anyhow::anyhow!("{e}"))?;
            println!("{token}");
            eprintln!(
                "created {} key {} ({})",
                key.key_type.as_str(),
                key.id,
                key.title
            );
            db.close().await;
            Ok(())
        }
        Command::User(UserCommand::Create {
            email,
            password,
            role,
        }) => {
            let role = Role::parse(&role).with_context(|| format!("unknown role {role:?}"))?;
            let db = connect(&database_url, DbOptions::default()).await?;
            merx_db::migrate::run(&db).await?;
            let secret = merx_core::auth::AuthService::load_secret(&db, None)
                .await
                .map_err(|e| anyhow::anyhow!("{e}"))?;
            let core = Core::with_auth(
                db.clone(),
                secret,
                std::sync::Arc::new(merx_core::notification::LogNotifier),
            );
            let user = core
                .users
                .create(&core.auth, &email, &password, role, (None, None))
                .await
                .map_err(|e| anyhow::anyhow!("{e}"))?;
            println!(
                "created user {} ({}, {})",
                user.id,
                user.email,
                user.role.as_str()
            );
            db.close().await;
            Ok(())
        }
    }
}

async fn connect(url: &str, options: DbOptions) -> anyhow::Result<Db> {
    Db::connect(url, &options)
        .await
        .with_context(|| format!("connecting to the database ({})", merx_db::redact_url(url)))
}

async fn serve(args: ServeArgs, file: FileConfig, database_url: &str) -> anyhow::Result<()> {
    let addr = match args.addr.or(file.addr) {
        Some(a) => a,
        None => DEFAULT_ADDR.parse()?,
    };
    let mut http = HttpConfig::default();
    if let Some(origins) = args.cors_origins.or(file.cors_origins) {
        http.cors_origins = origins;
    }
    if let Some(limit) = args.body_limit_bytes.or(file.body_limit_bytes) {
        http.body_limit_bytes = limit;
    }
    if let Some(mb) = args.read_cache_mb.or(file.read_cache_mb) {
        http.read_cache_bytes = mb.saturating_mul(1024 * 1024);
    }
    if let Some(secs) = args.read_cache_ttl_secs.or(file.read_cache_ttl_secs) {
        http.read_cache_ttl = std::time::Duration::from_secs(secs);
    }
    if let Some(secs) = args.body_timeout_secs.or(file.body_timeout_secs) {
        http.body_timeout = std::time::Duration::from_secs(secs.max(1));
    }
    let mut limits = merx_http::ServerLimits::default();
    if let Some(secs) = args.header_timeout_secs.or(file.header_timeout_secs) {
        limits.header_timeout = std::time::Duration::from_secs(secs.max(1));
    }
    if let Some(on) = args.keep_alive.or(file.keep_alive) {
        limits.keep_alive = on;
    }
    if let Some(n) = args.max_connections.or(file.max_connections) {
        limits.max_connections = n.max(1);
    }
    if let Some(proxies) = args.trusted_proxies.or(file.trusted_proxies) {
        http.trusted_proxies = merx_http::TrustedProxies::parse(&proxies)
            .map_err(anyhow::Error::msg)
            .context("reading --trusted-proxies (MERX_TRUSTED_PROXIES, trusted_proxies)")?;
    }
    let public_url = args
        .public_url
        .as_deref()
        .or(file.public_url.as_deref())
        .map(checked_public_url)
        .transpose()?;
    let mut db_options = DbOptions::default();
    if let Some(n) = args.db_max_connections.or(file.db_max_connections) {
        db_options.max_connections = n;
    }

    let db = connect(database_url, db_options).await?;
    merx_db::migrate::run(&db)
        .await
        .context("migrating the database")?;
    let secret = merx_core::auth::AuthService::load_secret(
        &db,
        args.jwt_secret.as_deref().or(file.jwt_secret.as_deref()),
    )
    .await
    .context("loading the JWT secret")?;
    let mut providers: Vec<std::sync::Arc<dyn merx_core::payment::PaymentProvider>> = Vec::new();
    if let Some(api_key) = args.stripe_api_key.clone() {
        use merx_core::payment::stripe::{StripeConfig, StripeProvider};
        providers.push(std::sync::Arc::new(StripeProvider::new(StripeConfig {
            api_key,
            webhook_secret: args.stripe_webhook_secret.clone().unwrap_or_default(),
            api_base: args.stripe_api_base.clone(),
            tolerance_secs: 300,
        })));
        tracing::info!("Stripe payments enabled (pp_stripe_stripe)");
    }
    let mut core = Core::with_providers(
        db.clone(),
        secret,
        std::sync::Arc::new(merx_core::notification::LogNotifier),
        providers,
    );
    // Executions are owned by this host and address: a process restarted here takes back at once
    // what its predecessor left unfinished (it can only be gone, since we hold its address).
    let node = args
        .node_id
        .clone()
        .or(file.node_id.clone())
        .unwrap_or_else(|| format!("{}/{addr}", host_name()));
    core.workflows = core.workflows.clone().with_owner(&node);
    if let Some(max) = args.max_line_quantity.or(file.max_line_quantity) {
        anyhow::ensure!(max >= 1, "max_line_quantity must be at least 1");
        core.carts.set_max_line_quantity(max);
    }
    // Bound before seeding: the demo's image URLs name the port, which `--addr HOST:0` only
    // knows once bound. Connections wait in the backlog until the server starts.
    let listener = tokio::net::TcpListener::bind(addr)
        .await
        .with_context(|| format!("listening on {addr}"))?;
    let local = listener.local_addr()?;
    let public_url = public_url.unwrap_or_else(|| default_public_url(local));
    let demo = if args.demo {
        let report = merx_core::seed::demo_at(&core, &public_url)
            .await
            .context("seeding the demo store")?;
        let (_, admin_key) = core
            .api_keys
            .rotate_titled("Demo admin key", Role::Owner)
            .await
            .context("creating the demo admin key")?;
        let demo_user = ensure_demo_user(&core).await?;
        Some((report, admin_key, demo_user))
    } else {
        None
    };
    // After the demo, which gives the store its own default channel: what a fresh Medusa has.
    merx_core::seed::defaults(&core)
        .await
        .context("creating the default store and sales channel")?;

    let mut background = BackgroundConfig::default();
    if let Some(url) = args.nats_url.or(file.nats_url) {
        let nats = merx_bus_nats::Nats::connect(&url).await?;
        background.bus = Some(nats.event_bus());
        background.invalidator = Some(
            nats.connect_invalidator(merx_core::platform::bus::Invalidator::new())
                .await?,
        );
        tracing::info!(%url, "publishing events to NATS JetStream");
    } else if db.backend() == merx_db::Backend::Postgres {
        // Other processes on this database hear of cache invalidations through it.
        background.invalidator = Some(
            merx_core::platform::db_invalidation::connect(
                &db,
                merx_core::platform::bus::Invalidator::new(),
            )
            .await
            .context("listening for cache invalidations")?,
        );
    }
    let background = Background::start(&core, background);

    let workflows = core.workflows.clone();
    tokio::spawn(async move {
        match workflows.recover_owned().await {
            Ok(0) => {}
            Ok(n) => tracing::info!(count = n, "took back unfinished workflows after a restart"),
            Err(e) => tracing::warn!(error = %e, "taking back unfinished workflows failed"),
        }
    });
    let app = merx_http::router(AppState::new(core, http));
    let base = format!("http://{local}");
    tracing::info!(%base, "merx is serving");
    match &demo {
        Some((report, _, _)) => println!("Merx demo store \"{}\" is running.", report.store_name),
        None => println!("Merx is running."),
    }
    println!("  Health:   {base}/health");
    println!("  Store API {base}/store");
    println!("  OpenAPI:  {base}/openapi.json");
    println!("  Metrics:  {base}/metrics");
    println!("  Database: {}", merx_db::redact_url(database_url));
    if let Some((report, admin_key, (user, password))) = &demo {
        println!("  Admin login: {user} / {password}  (POST {base}/auth/user/emailpass)");
        println!(
            "  Products: {} in {}",
            report.products,
            report
                .regions
                .iter()
                .map(|(n, id)| format!("{n} ({id})"))
                .collect::<Vec<_>>()
                .join(", ")
        );
        println!(
            "  Publishable key (x-publishable-api-key): {}",
            report.publishable_key
        );
        if let Some((_, region)) = report.regions.first() {
            println!("    curl -H 'x-publishable-api-key: {}' '{base}/store/products?limit=2&region_id={region}'", report.publishable_key);
        }
        println!(
            "  Demo images: {public_url}/static/demo/ (--public-url if clients reach Merx elsewhere)"
        );
        println!("  Admin API key (owner, new at every demo start): {admin_key}");
        println!("    curl -H 'Authorization: Bearer {admin_key}' {base}/admin/webhooks");
    }

    merx_http::serve_with_limits(listener, app, limits, shutdown_signal()).await?;
    background.stop().await;
    db.close().await;
    tracing::info!("stopped");
    Ok(())
}

/// A configured public URL, checked, without a trailing `/`.
fn checked_public_url(url: &str) -> anyhow::Result<String> {
    let url = url.trim().trim_end_matches('/');
    let host = url
        .strip_prefix("http://")
        .or_else(|| url.strip_prefix("https://"))
        .unwrap_or("");
    anyhow::ensure!(
        !host.is_empty() && !url.contains(['?', '#', ' ']),
        "--public-url (MERX_PUBLIC_URL, public_url) must be an http:// or https:// URL such as \
         https://shop.example, not {url:?}"
    );
    Ok(url.to_string())
}

/// The URL clients reach the server at when none is configured: the listen address, with
/// `localhost` for a loopback or unspecified address (a browser on this machine reaches it so,
/// and storefronts such as Medusa's Next.js starter allow `http://localhost` images out of the
/// box).
fn default_public_url(local: SocketAddr) -> String {
    let ip = local.ip();
    if ip.is_loopback() || ip.is_unspecified() {
        format!("http://localhost:{}", local.port())
    } else {
        format!("http://{local}")
    }
}

/// The machine's name, for the default node id.
fn host_name() -> String {
    std::env::var("HOSTNAME")
        .ok()
        .or_else(|| std::fs::read_to_string("/proc/sys/kernel/hostname").ok())
        .map(|h| h.trim().to_string())
        .filter(|h| !h.is_empty())
        .unwrap_or_else(|| "localhost".into())
}

/// The demo's admin user (created once; its password is fixed and printed, as fits a demo).
async fn ensure_demo_user(core: &Core) -> anyhow::Result<(String, String)> {
    const EMAIL: &str = "admin@merx.local";
    const PASSWORD: &str = "merx-demo-admin";
    match core
        .users
        .create(
            &core.auth,
            EMAIL,
            PASSWORD,
            Role::Owner,
            (Some("Demo".into()), Some("Admin".into())),
        )
        .await
    {
        Ok(_) => {}
        Err(merx_core::CoreError::Domain(d)) if d.kind == merx_types::ErrorKind::Duplicate => {}
        Err(e) => return Err(anyhow::anyhow!("creating the demo admin user: {e}")),
    }
    Ok((EMAIL.to_string(), PASSWORD.to_string()))
}

/// Resolves on Ctrl-C or SIGTERM, so in-flight requests can finish before exit.
async fn shutdown_signal() {
    let ctrl_c = async {
        tokio::signal::ctrl_c().await.ok();
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        _ = ctrl_c => {},
        _ = term => {},
    }
    tracing::info!("shutting down");
}

#[cfg(test)]
mod tests {
    use super::{checked_public_url, default_public_url};

    #[test]
    fn the_public_url_defaults_to_localhost_on_loopback_and_unspecified_addresses() {
        let at = |a: &str| default_public_url(a.parse().unwrap());
        assert_eq!(at("127.0.0.1:9000"), "http://localhost:9000");
        assert_eq!(at("0.0.0.0:9100"), "http://localhost:9100");
        assert_eq!(at("[::1]:9000"), "http://localhost:9000");
        assert_eq!(at("10.1.2.3:9000"), "http://10.1.2.3:9000");
        assert_eq!(
            checked_public_url("https://api.shop.example/").unwrap(),
            "https://api.shop.example"
        );
        for bad in ["api.shop.example", "ftp://x", "http://", "https://x?y=1"] {
            assert!(checked_public_url(bad).is_err(), "{bad}");
        }
    }
}
