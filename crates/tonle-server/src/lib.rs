//! `tonle serve`: the decision API over HTTP (axum), for a payment switch to call and analysts to work from.
//!
//! - `POST /v1/transactions`: one transaction (a native JSON object) or a batch (an array), each decided by the
//!   same `Engine` the command line uses, durably logged before it is answered, decided once per id.
//! - Alerts, cases, accounts, four-eyes freezes, rule sets, API keys, the audit log and its verification.
//! - `/healthz`, `/metrics` (Prometheus), `/openapi.json` (OpenAPI 3.1), without a key.
//!
//! Each institution is a tenant with its own engine, rule sets and data; an API key belongs to one tenant and
//! one role ([`auth`]). The store is SQLite in a data directory or PostgreSQL ([`tonle_store`]).

mod admin;
pub mod auth;
pub mod error;
pub mod metrics;
mod openapi;
pub mod pipeline;
mod recent;
mod screening;
mod snapshot;
mod system;
mod transactions;
mod work;

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Instant;

use anyhow::Context;
use axum::extract::{MatchedPath, Request, State};
use axum::middleware::Next;
use axum::response::Response;
use axum::routing::{get, post, put};
use axum::Router;
use tonle_core::FxTable;
use tonle_detect::engine::Engine;
use tonle_detect::features::WindowConfig;
use tonle_detect::models::model::Model;
use tonle_store::{Principal, Store};

use crate::error::ApiError;
use crate::metrics::Metrics;
use crate::pipeline::Pipeline;
pub use crate::transactions::MAX_BATCH;

/// How every tenant's engine is built.
pub struct EngineSetup {
    /// The rule file used by tenants that have no live rule set of their own, and its name for errors.
    pub rules: (String, String),
    /// Exchange rates into the engine's base currency.
    pub fx: FxTable,
    /// The windows (horizons, lateness bound); the engine tracks within them only what its rules read.
    pub windows: WindowConfig,
    /// A model file scoring beside the rules, if any (loaded for each engine built).
    pub model: Option<std::path::PathBuf>,
    /// How many transactions a tenant's pipeline decides between snapshots of its state (0: none but the
    /// one taken when the server stops). A restart replays only the log after the latest snapshot.
    pub snapshot_every: u64,
    /// The least time from the start of one commit of a tenant's log to the next ([`COMMIT_INTERVAL`] by
    /// default; zero: the next commit starts as soon as the last is written). Transactions decided meanwhile
    /// wait and go in one commit, so a busy server syncs its log to disk fewer times a second.
    pub commit_interval: std::time::Duration,
    /// How far (ms) a transaction's event time may be ahead of the server's clock when it is submitted
    /// ([`MAX_AHEAD`] by default); later ones are refused with 422. A time far ahead (a wrong clock, a typo
    /// in the year) would otherwise move the tenant's windows there, and every later transaction with a right
    /// time would be refused as too late: at most the lateness bound keeps every right time foldable.
    pub max_ahead: i64,
    /// The lists every tenant's transactions are screened against, if any.
    pub screening: Option<ScreeningSetup>,
    /// Bytes of answers to its latest logged transactions each tenant keeps in memory, so that a repeat is
    /// answered without reading the log ([`RECENT_ANSWERS`] by default; 0 keeps none).
    pub recent_answers: usize,
}

/// The lists the server screens parties against: shared by every tenant's engine, and replaced (with the
/// known parties re-screened) by `POST /v1/screening/lists/reload`.
pub struct ScreeningSetup {
    /// The lists in use.
    pub lists: Arc<tonle_screen::Watchlists>,
    /// Where they are loaded from.
    pub sources: tonle_screen::ListSources,
    /// What a hit asks for by itself.
    pub policy: tonle_detect::screening::ScreenPolicy,
    /// What the last load gave, file by file, and when it was loaded (UTC ms).
    pub loaded: std::sync::Mutex<(Vec<tonle_screen::ListReport>, i64)>,
    /// Held while the lists are reloaded, so that two reloads do not interleave.
    pub reloading: tokio::sync::Mutex<()>,
}

impl ScreeningSetup {
    /// Screening with lists loaded from `sources`, with what their load gave.
    pub fn new(
        lists: Arc<tonle_screen::Watchlists>,
        sources: tonle_screen::ListSources,
        policy: tonle_detect::screening::ScreenPolicy,
        reports: Vec<tonle_screen::ListReport>,
    ) -> ScreeningSetup {
        ScreeningSetup {
            lists,
            sources,
            policy,
            loaded: std::sync::Mutex::new((reports, now_millis())),
            reloading: tokio::sync::Mutex::new(()),
        }
    }
}

/// Now, in UTC milliseconds.
pub(crate) fn now_millis() -> i64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_millis() as i64)
}

/// The default of [`EngineSetup::snapshot_every`].
pub const SNAPSHOT_EVERY: u64 = 250_000;

/// The default of [`EngineSetup::max_ahead`]: 5 minutes, the engine's default lateness bound.
pub const MAX_AHEAD: i64 = 5 * 60_000;

/// The default of [`EngineSetup::recent_answers`]: 16 MiB per tenant, about 16,000 answers of a kilobyte.
pub const RECENT_ANSWERS: usize = 16 << 20;

/// The default of [`EngineSetup::commit_interval`]: none, the next commit starts as soon as the last is written
/// (with every transaction decided meanwhile).
pub const COMMIT_INTERVAL: std::time::Duration = std::time::Duration::ZERO;

impl EngineSetup {
    /// An engine with these rules.
    pub fn engine(&self, text: &str, origin: &str) -> anyhow::Result<Engine> {
        Ok(match &self.model {
            Some(path) => {
                let model = Model::load(path).with_context(|| format!("loading the model {}", path.display()))?;
                Engine::with_model(self.windows.clone(), text, origin, self.fx.clone(), model)?
            }
            None => Engine::new(self.windows.clone(), text, origin, self.fx.clone())?,
        })
        .and_then(|engine| self.screened(engine))
    }

    /// An engine given the server's lists, if it has any; refused if its rules read `screen.*` without them.
    pub fn screened(&self, mut engine: Engine) -> anyhow::Result<Engine> {
        if let Some(screening) = &self.screening {
            engine.set_screener(Arc::clone(&screening.lists) as Arc<dyn tonle_core::Screener>, screening.policy);
        }
        if let Some((rule, variable)) = engine.unscreened_rule() {
            anyhow::bail!("rule {rule:?} reads `{variable}`, but the server screens no lists (tonle serve --list)");
        }
        Ok(engine)
    }
}

/// What the handlers share.
pub struct AppState {
    /// The store.
    pub store: Arc<Store>,
    /// How engines are built.
    pub setup: Arc<EngineSetup>,
    /// The metrics.
    pub metrics: Arc<Metrics>,
    /// The tenants' pipelines, read by every request.
    pipelines: std::sync::RwLock<HashMap<String, Pipeline>>,
    /// Held while a tenant's pipeline starts (its log replayed), so that it starts once.
    starting: tokio::sync::Mutex<()>,
    /// Keys recently authenticated, by the key, with when they were looked up: a key's lookup costs a
    /// database query, and a payment switch sends thousands of requests a second with one key.
    keys: std::sync::Mutex<HashMap<String, (Principal, Instant)>>,
}

/// How long an authenticated key is trusted without asking the store again: a key revoked through this
/// server stops at once, one revoked by another process (`tonle keys revoke`) within this time.
pub const KEY_CACHE: std::time::Duration = std::time::Duration::from_secs(5);

impl AppState {
    /// A state over an open store.
    pub fn new(store: Store, setup: EngineSetup) -> AppState {
        AppState {
            store: Arc::new(store),
            setup: Arc::new(setup),
            metrics: Arc::new(Metrics::default()),
            pipelines: std::sync::RwLock::new(HashMap::new()),
            starting: tokio::sync::Mutex::new(()),
            keys: std::sync::Mutex::new(HashMap::new()),
        }
    }

    /// Who holds an API key.
    pub async fn authenticate(&self, key: &str) -> Result<Option<Principal>, ApiError> {
        if let Some((principal, at)) = self.keys.lock().expect("the key cache is never poisoned").get(key) {
            if at.elapsed() < KEY_CACHE {
                return Ok(Some(principal.clone()));
            }
        }
        let principal = self.store.authenticate(key).await?;
        let mut keys = self.keys.lock().expect("the key cache is never poisoned");
        match &principal {
            Some(principal) => {
                if keys.len() > 10_000 {
                    keys.clear();
                }
                keys.insert(key.to_owned(), (principal.clone(), Instant::now()));
            }
            None => {
                keys.remove(key);
            }
        }
        Ok(principal)
    }

    /// Forgets every cached key (after a revocation).
    pub fn forget_keys(&self) {
        self.keys.lock().expect("the key cache is never poisoned").clear();
    }

    /// The tenant's pipeline, started (its log replayed) on first use.
    pub async fn pipeline(&self, tenant: &str) -> Result<Pipeline, ApiError> {
        let running = |state: &AppState| {
            state.pipelines.read().expect("the pipelines' lock is never poisoned").get(tenant).cloned()
        };
        if let Some(pipeline) = running(self) {
            return Ok(pipeline);
        }
        let _starting = self.starting.lock().await;
        if let Some(pipeline) = running(self) {
            return Ok(pipeline);
        }
        let (store, setup, metrics) = (Arc::clone(&self.store), Arc::clone(&self.setup), Arc::clone(&self.metrics));
        let runtime = tokio::runtime::Handle::current();
        let name = tenant.to_owned();
        let pipeline = tokio::task::spawn_blocking(move || Pipeline::start(&name, store, setup, metrics, runtime))
            .await
            .map_err(|e| ApiError::unavailable(format!("starting the tenant's engine: {e}")))?
            .map_err(|e| ApiError::unavailable(format!("starting the tenant's engine: {e:#}")))?;
        self.pipelines
            .write()
            .expect("the pipelines' lock is never poisoned")
            .insert(tenant.to_owned(), pipeline.clone());
        Ok(pipeline)
    }

    /// Takes a snapshot of every running tenant's state (when the server stops, so that the next start
    /// replays nothing).
    pub async fn snapshot_all(&self) -> anyhow::Result<()> {
        let running: Vec<(String, Pipeline)> = {
            let pipelines = self.pipelines.read().expect("the pipelines' lock is never poisoned");
            pipelines.iter().map(|(tenant, pipeline)| (tenant.clone(), pipeline.clone())).collect()
        };
        for (tenant, pipeline) in running {
            match pipeline.snapshot().await {
                Ok(Ok(())) => {}
                Ok(Err(error)) => anyhow::bail!("tenant {tenant}: the snapshot failed: {error}"),
                Err(stopped) => anyhow::bail!("tenant {tenant}: {stopped}"),
            }
        }
        Ok(())
    }

    /// Starts every tenant's pipeline now (replaying their logs), so the first request does not wait.
    pub async fn start_all(&self) -> anyhow::Result<()> {
        for (tenant, _) in self.store.tenants().await? {
            self.pipeline(&tenant).await.map_err(|e| anyhow::anyhow!("tenant {tenant}: {}", e.message))?;
        }
        Ok(())
    }
}

/// The API's routes.
pub fn router(state: Arc<AppState>) -> Router {
    Router::new()
        .route("/healthz", get(system::healthz))
        .route("/metrics", get(system::metrics))
        .route("/openapi.json", get(openapi::document))
        .route("/v1/transactions", post(transactions::submit))
        .route("/v1/transactions/{id}", get(transactions::get_one))
        .route("/v1/accounts/{id}", get(transactions::account))
        .route("/v1/alerts", get(work::list_alerts))
        .route("/v1/alerts/{id}", get(work::get_alert))
        .route("/v1/alerts/{id}/assign", post(work::assign_alert))
        .route("/v1/alerts/{id}/close", post(work::close_alert))
        .route("/v1/cases", get(work::list_cases).post(work::create_case))
        .route("/v1/cases/{id}", get(work::get_case).patch(work::update_case))
        .route("/v1/cases/{id}/alerts", post(work::add_case_alerts))
        .route("/v1/cases/{id}/notes", post(work::add_case_note))
        .route("/v1/cases/{id}/evidence", post(work::add_case_evidence))
        .route("/v1/freezes", get(work::list_freezes).post(work::request_freeze))
        .route("/v1/freezes/{id}", get(work::get_freeze))
        .route("/v1/freezes/{id}/approve", post(work::approve_freeze))
        .route("/v1/freezes/{id}/reject", post(work::reject_freeze))
        .route("/v1/rulesets", get(admin::list_rulesets).post(admin::upload_ruleset))
        .route("/v1/rulesets/{version}/mode", put(admin::set_ruleset_mode))
        .route("/v1/keys", get(admin::list_keys).post(admin::create_key))
        .route("/v1/keys/{prefix}", axum::routing::delete(admin::revoke_key))
        .route("/v1/audit", get(admin::audit_entries))
        .route("/v1/audit/verify", get(admin::audit_verify))
        .route("/v1/screening/lists", get(screening::lists))
        .route("/v1/screening/lists/reload", post(screening::reload))
        .route("/v1/screening/match", post(screening::match_one))
        .fallback(system::not_found)
        .layer(axum::middleware::from_fn_with_state(Arc::clone(&state), observe))
        .layer(axum::extract::DefaultBodyLimit::max(32 << 20))
        .with_state(state)
}

/// Counts every request by route and status, with its latency.
async fn observe(State(state): State<Arc<AppState>>, request: Request, next: Next) -> Response {
    let started = Instant::now();
    let method = request.method().as_str().to_owned();
    let route = request.extensions().get::<MatchedPath>().map_or("unmatched", |p| p.as_str()).to_owned();
    let response = next.run(request).await;
    state.metrics.request(&method, &route, response.status().as_u16(), started.elapsed());
    response
}

/// A running server.
pub struct Running {
    /// Where it listens.
    pub address: SocketAddr,
    /// Its state.
    pub state: Arc<AppState>,
    /// Ends when the server stops.
    pub task: tokio::task::JoinHandle<anyhow::Result<()>>,
}

/// Opens the store, restores every tenant's state (snapshot and log), binds `address` and serves until `shutdown`
/// completes; then takes every tenant's snapshot.
pub async fn start(
    store_url: &str,
    setup: EngineSetup,
    address: SocketAddr,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> anyhow::Result<Running> {
    let store = Store::open(store_url).await.with_context(|| format!("opening the store {store_url}"))?;
    let state = Arc::new(AppState::new(store, setup));
    state.start_all().await?;
    let listener =
        tokio::net::TcpListener::bind(address).await.with_context(|| format!("cannot listen on {address}"))?;
    let address = listener.local_addr()?;
    // A decision is a small answer a switch waits for: send it at once, never held back by Nagle's algorithm.
    let listener = axum::serve::ListenerExt::tap_io(listener, |stream: &mut tokio::net::TcpStream| {
        if let Err(error) = stream.set_nodelay(true) {
            eprintln!("tonle serve: cannot set TCP_NODELAY on a connection: {error}");
        }
    });
    let app = router(Arc::clone(&state));
    let stopping = Arc::clone(&state);
    let task = tokio::spawn(async move {
        axum::serve(listener, app).with_graceful_shutdown(shutdown).await.context("serving HTTP")?;
        stopping.snapshot_all().await.context("taking the snapshots at shutdown")
    });
    Ok(Running { address, state, task })
}
