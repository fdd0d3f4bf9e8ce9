//! Prometheus metrics at `/metrics`: decisions by kind, screening hits, duplicates, the pipeline's groups (size, time to
//! decide, time to decide and write), log entries replayed, snapshots (size, the decision thread's pause to
//! copy the state, time to encode and to store),
//! and HTTP requests by route and status with their latency.

use std::time::Duration;

use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::{exponential_buckets, Histogram};
use prometheus_client::registry::Registry;
use tonle_core::Decision;

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct DecisionLabels {
    decision: &'static str,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct HitLabels {
    hit: &'static str,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct RequestLabels {
    method: String,
    route: String,
    status: u16,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct RouteLabels {
    route: String,
}

/// The server's metrics.
pub struct Metrics {
    registry: Registry,
    decisions: Family<DecisionLabels, Counter>,
    screening_hits: Family<HitLabels, Counter>,
    duplicates: Counter,
    duplicates_read: Counter,
    group_size: Histogram,
    group_decide: Histogram,
    group_commit: Histogram,
    replayed: Counter,
    snapshot_bytes: Gauge,
    snapshot_pause: Histogram,
    snapshot_encode: Histogram,
    snapshot_store: Histogram,
    requests: Family<RequestLabels, Counter>,
    request_seconds: Family<RouteLabels, Histogram>,
}

impl Default for Metrics {
    fn default() -> Self {
        let mut registry = Registry::with_prefix("tonle");
        let decisions = Family::<DecisionLabels, Counter>::default();
        registry.register("decisions", "Transactions decided, by decision", decisions.clone());
        let screening_hits = Family::<HitLabels, Counter>::default();
        registry.register(
            "screening_hits",
            "Parties of decided transactions matching a listed entity, by side and by name or wallet",
            screening_hits.clone(),
        );
        let duplicates = Counter::default();
        registry.register("duplicates", "Transactions submitted again, answered from the log", duplicates.clone());
        let duplicates_read = Counter::default();
        registry.register(
            "duplicates_read",
            "Transactions submitted again whose answer was read back from the store, not among the recent answers kept in memory",
            duplicates_read.clone(),
        );
        let group_size = Histogram::new(exponential_buckets(1.0, 2.0, 14));
        registry.register(
            "group_transactions",
            "Transactions decided and written per group commit",
            group_size.clone(),
        );
        let group_decide = Histogram::new(exponential_buckets(0.000_01, 2.0, 20));
        registry.register("group_decide_seconds", "Time to decide a group", group_decide.clone());
        let group_commit = Histogram::new(exponential_buckets(0.000_01, 2.0, 20));
        registry.register("group_commit_seconds", "Time to decide and durably write a group", group_commit.clone());
        let replayed = Counter::default();
        registry.register(
            "replayed_transactions",
            "Log entries replayed into engines at start or rebuild (those after the snapshot restored)",
            replayed.clone(),
        );
        let snapshot_bytes = Gauge::default();
        registry.register("snapshot_bytes", "Size of the latest snapshot stored", snapshot_bytes.clone());
        let snapshot_pause = Histogram::new(exponential_buckets(0.001, 2.0, 16));
        registry.register(
            "snapshot_pause_seconds",
            "Time the decision thread was held copying the state for a snapshot",
            snapshot_pause.clone(),
        );
        let snapshot_encode = Histogram::new(exponential_buckets(0.001, 2.0, 16));
        registry.register("snapshot_encode_seconds", "Time to encode a snapshot", snapshot_encode.clone());
        let snapshot_store = Histogram::new(exponential_buckets(0.001, 2.0, 16));
        registry.register("snapshot_store_seconds", "Time to store a snapshot", snapshot_store.clone());
        let requests = Family::<RequestLabels, Counter>::default();
        registry.register("http_requests", "HTTP requests by method, route and status", requests.clone());
        let request_seconds = Family::<RouteLabels, Histogram>::new_with_constructor(|| {
            Histogram::new(exponential_buckets(0.000_05, 2.0, 18))
        });
        registry.register("http_request_seconds", "HTTP request latency by route", request_seconds.clone());
        Metrics {
            registry,
            decisions,
            screening_hits,
            duplicates,
            duplicates_read,
            group_size,
            group_decide,
            group_commit,
            replayed,
            snapshot_bytes,
            snapshot_pause,
            snapshot_encode,
            snapshot_store,
            requests,
            request_seconds,
        }
    }
}

impl Metrics {
    /// Counts a decision.
    pub fn decision(&self, decision: Decision) {
        self.decisions.get_or_create(&DecisionLabels { decision: decision.as_str() }).inc();
    }

    /// Counts a screening hit (`debtor-name`, `creditor-wallet`, ...).
    pub fn screening_hit(&self, hit: &'static str) {
        self.screening_hits.get_or_create(&HitLabels { hit }).inc();
    }

    /// Counts a duplicate submission.
    pub fn duplicate(&self) {
        self.duplicates.inc();
    }

    /// Counts a duplicate whose answer is read back from the store.
    pub fn duplicate_read(&self) {
        self.duplicates_read.inc();
    }

    /// Records a group commit.
    pub fn group(&self, transactions: usize, decide: Duration, commit: Duration) {
        self.group_size.observe(transactions as f64);
        self.group_decide.observe(decide.as_secs_f64());
        self.group_commit.observe(commit.as_secs_f64());
    }

    /// Counts log entries replayed into an engine.
    pub fn replayed(&self, entries: u64) {
        self.replayed.inc_by(entries);
    }

    /// Records a snapshot stored: its size, the decision thread's pause to copy it, the time to encode and
    /// to store it.
    pub fn snapshot(&self, bytes: usize, pause: Duration, encode: Duration, store: Duration) {
        self.snapshot_bytes.set(bytes as i64);
        self.snapshot_pause.observe(pause.as_secs_f64());
        self.snapshot_encode.observe(encode.as_secs_f64());
        self.snapshot_store.observe(store.as_secs_f64());
    }

    /// Records an HTTP request.
    pub fn request(&self, method: &str, route: &str, status: u16, took: Duration) {
        self.requests
            .get_or_create(&RequestLabels { method: method.to_owned(), route: route.to_owned(), status })
            .inc();
        self.request_seconds.get_or_create(&RouteLabels { route: route.to_owned() }).observe(took.as_secs_f64());
    }

    /// The text exposition format.
    pub fn render(&self) -> String {
        let mut text = String::new();
        // Writing into a String cannot fail.
        prometheus_client::encoding::text::encode(&mut text, &self.registry).expect("encoding into a String");
        text
    }
}
