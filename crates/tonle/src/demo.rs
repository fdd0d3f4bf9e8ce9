//! `tonle demo`: simulate the demo scenario, start the server on the embedded store, stream the traffic
//! through its HTTP API as a payment switch would, and print what was caught and where to look.

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Instant;

use anyhow::{bail, Context, Result};
use clap::Args;
use tonle_core::LabelledTransaction;
use tonle_store::{Role, Store};

/// `tonle demo`'s options.
#[derive(Args)]
pub struct DemoArgs {
    /// The demo's data directory (the embedded store and the keys); made fresh each run.
    #[arg(long, default_value = "tonle-demo")]
    pub data: PathBuf,
    /// The address the server listens on.
    #[arg(long, default_value = "127.0.0.1:8080")]
    pub listen: SocketAddr,
    /// Days of the demo scenario to simulate.
    #[arg(long, default_value_t = 7)]
    pub days: u32,
    /// The simulation's seed.
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
    /// Transactions per HTTP request.
    #[arg(long, default_value_t = 1000)]
    pub batch: usize,
    /// Stop once the traffic is through and the summary printed, instead of serving until Ctrl-C.
    #[arg(long)]
    pub exit: bool,
}

/// Marks a directory as the demo's own, so that a rerun may empty it.
const MARKER: &str = ".tonle-demo";
const TENANT: &str = "demo-bank";

fn fresh_directory(dir: &std::path::Path) -> Result<()> {
    if dir.exists() {
        let empty = std::fs::read_dir(dir)?.next().is_none();
        if !empty && !dir.join(MARKER).exists() {
            bail!("{} exists and is not a tonle demo directory: give another --data", dir.display());
        }
        std::fs::remove_dir_all(dir).with_context(|| format!("emptying {}", dir.display()))?;
    }
    std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
    std::fs::write(dir.join(MARKER), "made by tonle demo; emptied by the next run\n")?;
    Ok(())
}

/// What the demo counted.
#[derive(Default)]
struct Tally {
    decisions: BTreeMap<String, u64>,
    alerts: u64,
    illicit: u64,
    caught: u64,
    false_alerts: u64,
    per_typology: BTreeMap<String, (u64, u64)>,
    errors: u64,
    first_caught: Option<(String, i64)>,
}

/// Runs `tonle demo`.
pub fn run(args: &DemoArgs) -> Result<ExitCode> {
    fresh_directory(&args.data)?;
    let mut scenario = tonle_sim::Scenario::load("demo")?;
    scenario.days = args.days;
    let started = Instant::now();
    let simulation = tonle_sim::Simulation::new(&scenario, args.seed);
    let fx = simulation.fx_table();
    let transactions: Vec<LabelledTransaction> = simulation.collect();
    eprintln!(
        "tonle demo: simulated {} transactions over {} days (scenario demo, seed {}) in {:.1} s",
        transactions.len(),
        args.days,
        args.seed,
        started.elapsed().as_secs_f64()
    );
    let url = format!("sqlite://{}", args.data.join("tonle.db").display());
    let runtime = crate::serve::runtime()?;
    let keys = runtime.block_on(async {
        let store = Store::open(&url).await?;
        store.create_tenant(TENANT, "Demo Bank (Phnom Penh)", "tonle-demo").await?;
        let mut keys = BTreeMap::new();
        for (user, role) in [
            ("switch", Role::Ingest),
            ("dara", Role::Analyst),
            ("sophea", Role::Supervisor),
            ("vanna", Role::Supervisor),
            ("auditor", Role::Auditor),
            ("admin", Role::Admin),
        ] {
            keys.insert(user, (role, store.create_key(TENANT, user, role, "tonle-demo").await?));
        }
        store.close().await;
        anyhow::Ok(keys)
    })?;
    let key_file = args.data.join("keys.txt");
    let listing: String = keys.iter().map(|(user, (role, key))| format!("{user:8} {role:10} {key}\n")).collect();
    std::fs::write(&key_file, listing)?;

    let setup = tonle_server::EngineSetup {
        rules: (tonle_detect::rules::ruleset::DEFAULT_RULES.to_owned(), "default rules".to_owned()),
        fx,
        windows: Default::default(),
        model: None,
        snapshot_every: tonle_server::SNAPSHOT_EVERY,
        commit_interval: tonle_server::COMMIT_INTERVAL,
        recent_answers: tonle_server::RECENT_ANSWERS,
        // Simulated traffic is stamped with the scenario's dates, whatever this machine's clock says.
        max_ahead: i64::MAX,
        screening: None,
    };
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let running = runtime.block_on(tonle_server::start(&url, setup, args.listen, async move {
        tokio::select! {
            _ = stopped => {}
            _ = crate::serve::stop_signal() => {}
        }
    }))?;
    let base = format!("http://{}", running.address);
    eprintln!("tonle demo: server listening on {base}, store {}", args.data.join("tonle.db").display());

    let ingest = keys["switch"].1.clone();
    let streamed = Instant::now();
    let tally = stream(&base, &ingest, &transactions, args.batch.clamp(1, tonle_server::MAX_BATCH))?;
    let seconds = streamed.elapsed().as_secs_f64();
    summary(&base, &keys, &tally, transactions.len(), seconds, &key_file);
    if !args.exit {
        eprintln!("serving until Ctrl-C");
    } else {
        let _ = stop.send(());
    }
    runtime.block_on(async { running.task.await.context("the server task")? })?;
    Ok(ExitCode::SUCCESS)
}

/// Posts the transactions in batches, in order, and tallies the decisions against the labels.
fn stream(base: &str, key: &str, transactions: &[LabelledTransaction], batch: usize) -> Result<Tally> {
    let agent: ureq::Agent = ureq::Agent::config_builder().http_status_as_error(false).build().into();
    let url = format!("{base}/v1/transactions");
    let auth = format!("Bearer {key}");
    let mut tally = Tally::default();
    let mut body = String::new();
    for (chunk_index, chunk) in transactions.chunks(batch).enumerate() {
        body.clear();
        body.push('[');
        for (i, labelled) in chunk.iter().enumerate() {
            if i > 0 {
                body.push(',');
            }
            body.push_str(&tonle_formats::native::jsonl::encode_object(&LabelledTransaction {
                tx: labelled.tx.clone(),
                label: None,
            }));
        }
        body.push(']');
        let mut response = agent
            .post(&url)
            .header("authorization", &auth)
            .header("content-type", "application/json")
            .send(body.as_bytes())
            .with_context(|| format!("posting batch {chunk_index}"))?;
        let status = response.status().as_u16();
        let text = response.body_mut().read_to_string()?;
        if status != 200 {
            bail!("the server answered batch {chunk_index} with {status}: {text}");
        }
        let answer: serde_json::Value = serde_json::from_str(&text)?;
        let decisions = answer["decisions"].as_array().context("a batch answer holds decisions")?;
        for (labelled, decision) in chunk.iter().zip(decisions) {
            let Some(kind) = decision["decision"].as_str() else {
                tally.errors += 1;
                continue;
            };
            *tally.decisions.entry(kind.to_owned()).or_default() += 1;
            let alerted = kind != "allow";
            tally.alerts += alerted as u64;
            let label = labelled.label.as_ref();
            if label.is_some_and(|l| l.illicit) {
                tally.illicit += 1;
                tally.caught += alerted as u64;
                let typology = label.and_then(|l| l.typology.as_ref()).map_or("unknown".to_owned(), |t| t.to_string());
                let entry = tally.per_typology.entry(typology).or_default();
                entry.0 += 1;
                entry.1 += alerted as u64;
                if alerted && tally.first_caught.is_none() {
                    tally.first_caught =
                        decision["alert_id"].as_i64().map(|id| (labelled.tx.debtor.account.as_str().to_owned(), id));
                }
            } else if alerted {
                tally.false_alerts += 1;
            }
        }
    }
    Ok(tally)
}

fn summary(
    base: &str,
    keys: &BTreeMap<&str, (Role, String)>,
    tally: &Tally,
    total: usize,
    seconds: f64,
    key_file: &std::path::Path,
) {
    println!();
    println!("tonle demo: {total} transactions through {base}/v1/transactions in {seconds:.1} s ({:.0}/s over HTTP, decided and durably logged)", total as f64 / seconds);
    let decisions: Vec<String> = tally.decisions.iter().map(|(d, n)| format!("{d} {n}")).collect();
    println!("  decisions      {}", decisions.join(", "));
    if tally.errors > 0 {
        println!("  refused        {} (see the server's answers)", tally.errors);
    }
    println!(
        "  alerts         {} raised; {} of the {} illicit transactions caught ({:.1}%), {} alerts on legitimate ones",
        tally.alerts,
        tally.caught,
        tally.illicit,
        100.0 * tally.caught as f64 / tally.illicit.max(1) as f64,
        tally.false_alerts
    );
    println!("  caught by typology (the simulation's ground truth, never sent to the server):");
    for (typology, (all, caught)) in &tally.per_typology {
        println!("    {typology:32} {caught:>6} of {all:>6}");
    }
    let analyst = &keys["dara"].1;
    println!();
    println!("where to look (keys in {}):", key_file.display());
    println!("  curl -s -H 'Authorization: Bearer {analyst}' '{base}/v1/alerts?status=open&limit=5'");
    if let Some((account, alert)) = &tally.first_caught {
        println!("  curl -s -H 'Authorization: Bearer {analyst}' {base}/v1/alerts/{alert}");
        println!("  curl -s -H 'Authorization: Bearer {analyst}' {base}/v1/accounts/{account}");
        println!(
            "  freeze it: the analyst asks, a supervisor (sophea or vanna) approves:\n    curl -s -H 'Authorization: Bearer {analyst}' -d '{{\"account\": \"{account}\", \"reason\": \"demo\"}}' {base}/v1/freezes"
        );
    }
    println!("  the API: {base}/openapi.json   metrics: {base}/metrics");
    println!(
        "  the audit chain: tonle audit verify --data {}",
        key_file.parent().map_or(".".into(), |p| p.display().to_string())
    );
}
