//! `tonle bench http`: load on a running `tonle serve` from this (second) process, over real HTTP with
//! keep-alive connections (a lean client of its own, [`crate::keepalive`]). Transactions are read from a native JSON Lines file (`tonle simulate --format
//! jsonl`), each sent once, in file order within each connection.
//!
//! Two modes: as fast as the server answers (`--rate 0`: each connection sends its next request when the
//! last is answered), or open loop at a fixed request rate (`--rate N`: request k is due at k/N seconds;
//! its latency is counted from when it was due, not from when it was sent, so that a slow server cannot hide
//! its queueing, which is coordinated omission).

use std::io::BufRead;
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use anyhow::{bail, Context, Result};
use clap::Args;

/// `tonle bench http`'s options.
#[derive(Args)]
pub struct HttpArgs {
    /// The server's base URL.
    #[arg(long, default_value = "http://127.0.0.1:8080")]
    pub url: String,
    /// An API key with the ingest role.
    #[arg(long)]
    pub key: String,
    /// Native JSON Lines transactions to send (each once).
    #[arg(long = "in")]
    pub input: PathBuf,
    /// Transactions per request (1: single-transaction requests).
    #[arg(long, default_value_t = 1)]
    pub batch: usize,
    /// Requests per second, open loop (0: as fast as the server answers).
    #[arg(long, default_value_t = 0.0)]
    pub rate: f64,
    /// Concurrent connections.
    #[arg(long, default_value_t = 16)]
    pub connections: usize,
    /// Stop after this many seconds (or when the transactions run out).
    #[arg(long, default_value_t = 10.0)]
    pub seconds: f64,
    /// Also write every answered request's timing to this CSV file (`due_ms,sent_ms,latency_ms`: when it was
    /// due and when it was sent, from the start, and how long its answer took from when it was due), in order
    /// of due time: when the slow ones happened, and whether they left late.
    #[arg(long)]
    pub record: Option<PathBuf>,
}

/// Runs the load and prints throughput and latency percentiles.
pub fn run(args: &HttpArgs) -> Result<ExitCode> {
    if args.batch == 0 || args.connections == 0 {
        bail!("--batch and --connections must be at least 1");
    }
    let file = std::fs::File::open(&args.input).with_context(|| format!("cannot read {}", args.input.display()))?;
    let lines: Vec<String> = std::io::BufReader::new(file)
        .lines()
        .collect::<std::io::Result<Vec<_>>>()?
        .into_iter()
        .filter(|l| !l.trim().is_empty())
        .collect();
    let bodies: Vec<String> = if args.batch == 1 {
        lines
    } else {
        lines.chunks(args.batch).map(|chunk| format!("[{}]", chunk.join(","))).collect()
    };
    let requests = bodies.len();
    if requests == 0 {
        bail!("{} holds no transactions to send", args.input.display());
    }
    let bodies = Arc::new(bodies);
    let next = Arc::new(AtomicUsize::new(0));
    let latencies: Arc<Mutex<Vec<(u64, u64, u64)>>> = Arc::new(Mutex::new(Vec::with_capacity(requests)));
    let failures = Arc::new(Mutex::new((0usize, None::<String>)));
    let target = crate::keepalive::Target::parse(&args.url)?;
    let auth = format!("Bearer {}", args.key);
    let deadline = Duration::from_secs_f64(args.seconds);
    let rate = args.rate;
    // The record's file is made before the load, so that a path that cannot be written fails at once.
    let mut record = match &args.record {
        Some(path) => {
            Some((std::fs::File::create(path).with_context(|| format!("cannot write {}", path.display()))?, path))
        }
        None => None,
    };
    let started = Instant::now();
    let threads: Vec<_> = (0..args.connections)
        .map(|_| {
            let (bodies, next, latencies, failures, target, auth) = (
                Arc::clone(&bodies),
                Arc::clone(&next),
                Arc::clone(&latencies),
                Arc::clone(&failures),
                target.clone(),
                auth.clone(),
            );
            std::thread::spawn(move || {
                let mut connection = crate::keepalive::Connection::new(&target);
                let mut mine = Vec::new();
                loop {
                    let k = next.fetch_add(1, Ordering::Relaxed);
                    if k >= bodies.len() {
                        break;
                    }
                    // Open loop: request k is due at k / rate; wait for it, and count latency from then.
                    let due = if rate > 0.0 { Duration::from_secs_f64(k as f64 / rate) } else { started.elapsed() };
                    if due > deadline || started.elapsed() > deadline {
                        break;
                    }
                    if let Some(wait) = due.checked_sub(started.elapsed()) {
                        std::thread::sleep(wait);
                    }
                    let body = bodies[k].as_bytes();
                    let head = crate::keepalive::post_head(&target, "/v1/transactions", &auth, body.len());
                    let sent = started.elapsed();
                    let answer = connection.send(head.as_bytes(), body);
                    let ok = match answer {
                        Ok(crate::keepalive::Answer { status, body: text }) => {
                            if status == 200 && !text.contains("\"error\"") {
                                true
                            } else {
                                let mut failed = failures.lock().expect("not poisoned");
                                failed.0 += 1;
                                failed.1.get_or_insert_with(|| {
                                    format!("{status}: {}", text.chars().take(300).collect::<String>())
                                });
                                false
                            }
                        }
                        Err(error) => {
                            let mut failed = failures.lock().expect("not poisoned");
                            failed.0 += 1;
                            failed.1.get_or_insert_with(|| format!("{error:#}"));
                            false
                        }
                    };
                    if ok {
                        mine.push((
                            due.as_nanos() as u64,
                            sent.as_nanos() as u64,
                            (started.elapsed() - due).as_nanos() as u64,
                        ));
                    }
                }
                latencies.lock().expect("not poisoned").extend(mine);
            })
        })
        .collect();
    for thread in threads {
        thread.join().map_err(|_| anyhow::anyhow!("a load thread panicked"))?;
    }
    let seconds = started.elapsed().as_secs_f64();
    let mut timings = std::mem::take(&mut *latencies.lock().expect("not poisoned"));
    if let Some((file, path)) = &mut record {
        timings.sort_unstable();
        let mut out = String::with_capacity(timings.len() * 20);
        for (due, sent, latency) in &timings {
            let ms = |nanos: &u64| *nanos as f64 / 1e6;
            out.push_str(&format!("{:.3},{:.3},{:.3}\n", ms(due), ms(sent), ms(latency)));
        }
        use std::io::Write;
        file.write_all(format!("due_ms,sent_ms,latency_ms\n{out}").as_bytes())
            .with_context(|| format!("cannot write {}", path.display()))?;
    }
    let mut nanos: Vec<u64> = timings.into_iter().map(|(_, _, latency)| latency).collect();
    nanos.sort_unstable();
    let done = nanos.len();
    let (failed, first_failure) = failures.lock().expect("not poisoned").clone();
    let millis = |p: f64| crate::bench::percentile(&nanos, p) as f64 / 1e6;
    println!(
        "bench http: {}/v1/transactions, {} connections, {} transaction(s) per request, {}",
        args.url.trim_end_matches('/'),
        args.connections,
        args.batch,
        if rate > 0.0 { format!("open loop at {rate:.0} requests/s") } else { "as fast as answered".to_owned() }
    );
    println!("  requests      {done} answered, {failed} failed, in {seconds:.2} s");
    println!(
        "  throughput    {:.0} requests/s, {:.0} transactions/s",
        done as f64 / seconds,
        (done * args.batch) as f64 / seconds
    );
    println!(
        "  latency       p50 {:.2} ms  p90 {:.2} ms  p99 {:.2} ms  p99.9 {:.2} ms  max {:.2} ms{}",
        millis(0.5),
        millis(0.9),
        millis(0.99),
        millis(0.999),
        millis(1.0),
        if rate > 0.0 { " (from when each request was due)" } else { "" }
    );
    if let Some(failure) = first_failure {
        println!("  first failure {failure}");
    }
    Ok(if failed == 0 { ExitCode::SUCCESS } else { ExitCode::FAILURE })
}
