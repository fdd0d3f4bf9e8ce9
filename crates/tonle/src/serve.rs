//! `tonle serve`, `tonle keys` and `tonle audit`: the server and the store's command-line side.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{Context, Result};
use clap::{Args, Subcommand};
use tonle_core::Currency;
use tonle_server::EngineSetup;
use tonle_store::{Role, Store};

/// Where the store is.
#[derive(Args, Clone)]
pub struct StoreArgs {
    /// The data directory of the embedded store (SQLite, `DIR/tonle.db`), created if missing.
    #[arg(long, default_value = "tonle-data")]
    pub data: PathBuf,
    /// A store by URL instead (`postgres://USER@HOST:PORT/DATABASE`, or `sqlite://PATH`).
    #[arg(long)]
    pub store: Option<String>,
}

impl StoreArgs {
    /// The store's URL.
    pub fn url(&self) -> Result<String> {
        Ok(match &self.store {
            Some(url) => url.clone(),
            None => {
                std::fs::create_dir_all(&self.data)
                    .with_context(|| format!("cannot create the data directory {}", self.data.display()))?;
                format!("sqlite://{}", self.data.join("tonle.db").display())
            }
        })
    }
}

/// `tonle serve`'s options.
#[derive(Args)]
pub struct ServeArgs {
    #[command(flatten)]
    pub store: StoreArgs,
    /// The address to listen on.
    #[arg(long, default_value = "127.0.0.1:8080")]
    pub listen: SocketAddr,
    /// The rule file for tenants without a live rule set of their own (`default`: the built-in set).
    #[arg(long, default_value = "default")]
    pub rules: PathBuf,
    /// Exchange rates into the --base currency (CSV: date,from,to,rate); without it, amounts in another
    /// currency than --base are refused.
    #[arg(long)]
    pub fx: Option<PathBuf>,
    /// The engine's base currency.
    #[arg(long, default_value = "USD")]
    pub base: Currency,
    /// A model (tonle train's JSON, or ONNX with its mapping) scoring beside the rules.
    #[arg(long)]
    pub model: Option<PathBuf>,
    /// How late (behind the latest event time seen) a transaction may arrive and still be folded into the
    /// windows exactly (`30s`, `5m`, `2h`, `1d`); later ones are refused with 422.
    #[arg(long, default_value = "5m", value_parser = parse_duration)]
    pub max_lateness: i64,
    /// How far ahead of this server's clock a transaction's time may be (`30s`, `5m`, `1d`); later ones are
    /// refused with 422. Keep it at most --max-lateness: an accepted time further ahead would make every later
    /// transaction with a right time too late.
    #[arg(long, default_value = "5m", value_parser = parse_duration)]
    pub max_ahead: i64,
    /// Transactions a tenant's engine decides between snapshots of its state (0: only when the server
    /// stops); a restart restores the latest snapshot and replays only the log after it.
    #[arg(long, default_value_t = tonle_server::SNAPSHOT_EVERY)]
    pub snapshot_every: u64,
    /// The least time from the start of one commit of a tenant's log to the next (`1ms`, `500us`, `0`):
    /// transactions decided meanwhile go in one commit, so the log is synced to disk at most this often.
    #[arg(long, default_value = "0", value_parser = parse_interval)]
    pub commit_interval: std::time::Duration,
    /// Whether a commit of the embedded store waits for the disk: `full` (an answered transaction survives a
    /// power cut) or `normal` (it survives the server's crash, `kill -9` included, but not the machine's;
    /// fewer disk syncs). PostgreSQL's own `synchronous_commit` decides for it.
    #[arg(long, value_enum, default_value_t = SyncMode::Full)]
    pub sync: SyncMode,
    /// MiB of answers to its latest logged transactions each tenant keeps in memory, so that a resent
    /// transaction is answered without reading the log (0: none kept; every repeat reads the log).
    #[arg(long, default_value_t = (tonle_server::RECENT_ANSWERS >> 20) as u64)]
    pub recent_answers_mib: u64,
    #[command(flatten)]
    pub screening: crate::screen::ListArgs,
}

/// `tonle serve --sync`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum SyncMode {
    /// Every commit on disk before its answer.
    Full,
    /// Commits on disk at checkpoints: safe from the server's crash, not the machine's.
    Normal,
}

fn parse_duration(text: &str) -> Result<i64, String> {
    tonle_detect::graph::config::parse_duration(text)
}

/// A short interval: a number and a unit `s`, `ms` or `us` (`0` alone is allowed), at most a second.
fn parse_interval(text: &str) -> Result<std::time::Duration, String> {
    let text = text.trim();
    let wrong = || format!("{text:?} is not an interval: write a number and a unit s, ms or us (\"1ms\"), at most 1s");
    let split = text.find(|c: char| c.is_ascii_alphabetic() || c == 'µ').unwrap_or(text.len());
    let (number, unit) = text.split_at(split);
    let micros_per_unit = match unit {
        "s" => 1e6,
        "ms" => 1e3,
        "us" | "µs" => 1.0,
        "" if number.parse::<f64>() == Ok(0.0) => 0.0,
        _ => return Err(wrong()),
    };
    match number.parse::<f64>() {
        Ok(x) if x.is_finite() && x >= 0.0 && x * micros_per_unit <= 1e6 => {
            Ok(std::time::Duration::from_micros((x * micros_per_unit).round() as u64))
        }
        _ => Err(wrong()),
    }
}

/// The engine setup of `tonle serve`'s options.
pub fn engine_setup(args: &ServeArgs) -> Result<EngineSetup> {
    let rules = crate::score::load_rules(&args.rules)?;
    let fx = match &args.fx {
        Some(path) => tonle_formats::read_fx_table(path, args.base)?,
        None => tonle_core::FxTable::new(args.base),
    };
    let model = args.model.clone();
    let windows = tonle_detect::features::WindowConfig { max_lateness: args.max_lateness, ..Default::default() };
    let screening = args
        .screening
        .load()?
        .map(|loaded| tonle_server::ScreeningSetup::new(loaded.lists, loaded.sources, loaded.policy, loaded.reports));
    Ok(EngineSetup {
        rules,
        fx,
        windows,
        model,
        snapshot_every: args.snapshot_every,
        commit_interval: args.commit_interval,
        max_ahead: args.max_ahead,
        screening,
        recent_answers: usize::try_from(args.recent_answers_mib)
            .ok()
            .and_then(|mib| mib.checked_mul(1 << 20))
            .context("--recent-answers-mib is too large")?,
    })
}

/// A runtime for the async commands.
pub fn runtime() -> Result<tokio::runtime::Runtime> {
    tokio::runtime::Builder::new_multi_thread().enable_all().build().context("starting the async runtime")
}

/// Resolves when the process is asked to stop (Ctrl-C or SIGTERM).
pub async fn stop_signal() {
    let interrupt = tokio::signal::ctrl_c();
    #[cfg(unix)]
    {
        let mut terminate = match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(signal) => signal,
            Err(_) => {
                let _ = interrupt.await;
                return;
            }
        };
        tokio::select! {
            _ = interrupt => {}
            _ = terminate.recv() => {}
        }
    }
    #[cfg(not(unix))]
    let _ = interrupt.await;
}

/// Runs `tonle serve`.
pub fn run_serve(args: &ServeArgs) -> Result<ExitCode> {
    let setup = engine_setup(args)?;
    let mut url = args.store.url()?;
    if args.sync == SyncMode::Normal {
        if !url.starts_with("sqlite:") {
            anyhow::bail!(
                "--sync normal is for the embedded store (SQLite); PostgreSQL's synchronous_commit decides for it"
            );
        }
        url.push(if url.contains('?') { '&' } else { '?' });
        url.push_str("sync=normal");
    }
    let runtime = runtime()?;
    runtime.block_on(async {
        let running = tonle_server::start(&url, setup, args.listen, stop_signal()).await?;
        let tenants = running.state.store.tenants().await?;
        eprintln!("tonle serve: listening on http://{} (store {url})", running.address);
        if tenants.is_empty() {
            eprintln!(
                "  no tenant yet: make one and its first key with `tonle keys create --tenant ID --user NAME --role admin{}`",
                match &args.store.store {
                    Some(_) => " --store URL".to_owned(),
                    None => format!(" --data {}", args.store.data.display()),
                }
            );
        }
        eprintln!("  the API: http://{}/openapi.json; metrics: /metrics; Ctrl-C stops", running.address);
        running.task.await.context("the server task")??;
        eprintln!("tonle serve: stopped");
        anyhow::Ok(())
    })?;
    Ok(ExitCode::SUCCESS)
}

/// `tonle keys`.
#[derive(Subcommand)]
pub enum KeysCommand {
    /// Make an API key for a user of a tenant (the tenant is made if it does not exist) and print it: the only
    /// time it is shown.
    Create {
        #[command(flatten)]
        store: StoreArgs,
        /// The tenant (institution) id.
        #[arg(long)]
        tenant: String,
        /// The tenant's name, when it is made.
        #[arg(long)]
        name: Option<String>,
        /// Who the key is for.
        #[arg(long)]
        user: String,
        /// ingest, analyst, supervisor, admin or auditor.
        #[arg(long)]
        role: String,
    },
    /// List a tenant's keys (their first characters, never the keys).
    List {
        #[command(flatten)]
        store: StoreArgs,
        /// The tenant.
        #[arg(long)]
        tenant: String,
    },
    /// Revoke a tenant's keys by their first characters (at least 12).
    Revoke {
        #[command(flatten)]
        store: StoreArgs,
        /// The tenant.
        #[arg(long)]
        tenant: String,
        /// The key's first characters.
        prefix: String,
    },
}

/// A stored time (UTC ms) as RFC 3339.
fn when(millis: i64) -> String {
    tonle_core::EventTime::from_millis(millis).map_or_else(|_| format!("{millis} ms"), |t| t.to_string())
}

/// The command line's name in the audit log.
fn cli_actor() -> String {
    format!("cli:{}", std::env::var("USER").unwrap_or_else(|_| "unknown".into()))
}

/// Runs `tonle keys`.
pub fn run_keys(command: &KeysCommand) -> Result<ExitCode> {
    let runtime = runtime()?;
    runtime.block_on(async {
        match command {
            KeysCommand::Create { store, tenant, name, user, role } => {
                let role: Role = role.parse()?;
                let store = Store::open(&store.url()?).await?;
                if !store.tenants().await?.iter().any(|(id, _)| id == tenant) {
                    store.create_tenant(tenant, name.as_deref().unwrap_or(tenant), &cli_actor()).await?;
                }
                let key = store.create_key(tenant, user, role, &cli_actor()).await?;
                println!("{key}");
                eprintln!("key for {user} ({role}) at tenant {tenant}: keep it; it is not shown again");
            }
            KeysCommand::List { store, tenant } => {
                let store = Store::open(&store.url()?).await?;
                for key in store.keys(tenant).await? {
                    let revoked = key.revoked_at.map_or(String::new(), |at| format!("  revoked {}", when(at)));
                    println!(
                        "{}…  {:<12} {:<10} made {}{revoked}",
                        key.prefix,
                        key.user,
                        key.role,
                        when(key.created_at)
                    );
                }
            }
            KeysCommand::Revoke { store, tenant, prefix } => {
                let store = Store::open(&store.url()?).await?;
                let revoked = store.revoke_keys(tenant, prefix, &cli_actor()).await?;
                if revoked == 0 {
                    anyhow::bail!("no live key of tenant {tenant} starts with {prefix}");
                }
                eprintln!("revoked {revoked} key(s)");
            }
        }
        anyhow::Ok(())
    })?;
    Ok(ExitCode::SUCCESS)
}

/// `tonle audit`.
#[derive(Subcommand)]
pub enum AuditCommand {
    /// Check the hash chains of the audit log and the transaction log: finds any edited, reordered or deleted
    /// entry. Exits 1 when something is wrong.
    Verify {
        #[command(flatten)]
        store: StoreArgs,
        /// Only this tenant.
        #[arg(long)]
        tenant: Option<String>,
        /// Print the report as JSON.
        #[arg(long)]
        json: bool,
    },
}

/// Runs `tonle audit`.
pub fn run_audit(command: &AuditCommand) -> Result<ExitCode> {
    let AuditCommand::Verify { store, tenant, json } = command;
    let runtime = runtime()?;
    let report = runtime.block_on(async {
        let store = Store::open(&store.url()?).await?;
        anyhow::Ok(store.verify(tenant.as_deref()).await?)
    })?;
    if *json {
        println!("{}", serde_json::to_string_pretty(&report)?);
    } else if report.intact() {
        println!("intact: {} entries checked (audit log and transaction log, every tenant's chain)", report.entries);
    } else {
        println!("BROKEN: {} problem(s) in {} entries", report.problems.len(), report.entries);
        for problem in &report.problems {
            println!("  tenant {} {} entry {}: {}", problem.tenant, problem.chain, problem.seq, problem.problem);
        }
    }
    Ok(if report.intact() { ExitCode::SUCCESS } else { ExitCode::FAILURE })
}

#[cfg(test)]
mod tests {
    use super::parse_interval;
    use std::time::Duration;

    #[test]
    fn commit_intervals_read_with_their_units() {
        assert_eq!(parse_interval("0"), Ok(Duration::ZERO));
        assert_eq!(parse_interval("1ms"), Ok(Duration::from_millis(1)));
        assert_eq!(parse_interval("500us"), Ok(Duration::from_micros(500)));
        assert_eq!(parse_interval("0.25s"), Ok(Duration::from_millis(250)));
        for wrong in ["1", "2s", "-1ms", "ms", "1min"] {
            assert!(parse_interval(wrong).is_err(), "{wrong}");
        }
    }
}
