//! One decision pipeline per tenant: a thread that owns the tenant's `Engine` and decides its transactions in
//! arrival order, with group commit. Requests arriving while a group is being written wait and form the next
//! group; each group is decided, then written to the durable log (transactions, decisions and alerts in one
//! database transaction), and only then answered. So an answered transaction is durable, and a crash loses
//! only transactions nobody was told about.
//!
//! The engine's state is rebuilt at start from the tenant's latest snapshot and the log after it (the whole
//! log when there is no usable snapshot); a snapshot is taken every so many transactions and when the server
//! stops. A transaction id already logged is answered with its logged decision, never decided twice. A freeze approved by a supervisor reaches the
//! pipeline (in order with transactions) before the approval is answered, so it bites on the very next
//! payment.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{self, Receiver, Sender, SyncSender};
use std::sync::Arc;
use std::time::{Duration, Instant};

use compact_str::CompactString;
use rustc_hash::{FxHashMap, FxHashSet};
use tokio::sync::oneshot;
use tonle_core::{Decision, Fact, LabelledTransaction, Reason, Transaction};
use tonle_detect::engine::Engine;
use tonle_detect::rules::decide::{decision_json, Outcome};
use tonle_store::alerts::NewAlert;
use tonle_store::{LoggedTransaction, RuleSetMode, Store};

use crate::metrics::Metrics;
use crate::recent::RecentAnswers;
use crate::snapshot;
use crate::EngineSetup;

/// The most transactions decided as one group, and written in one commit.
const MAX_GROUP: usize = 8192;

/// Decided groups that may wait for the writer: while a commit is written (or the commit interval runs), the
/// decision thread goes on deciding what arrives, so the next commit takes it all; beyond this many groups it
/// waits (and so do requests, unanswered, in memory: at most this many groups of [`MAX_GROUP`]).
const WRITE_QUEUE: usize = 8;

/// One transaction of a request: decoded, or why not.
pub type Item = Result<LabelledTransaction, ItemError>;

/// Why one transaction of a request was not decided.
#[derive(Debug, Clone, PartialEq)]
pub struct ItemError {
    /// The HTTP status it would get alone.
    pub status: u16,
    /// What is wrong.
    pub message: String,
    /// The field at fault.
    pub field: Option<String>,
}

/// The answer for one transaction.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Decided {
    /// The decision as JSON (`tonle score`'s object, plus `seq`, `alert_id` and `duplicate`).
    pub json: String,
    /// The decision.
    pub decision: String,
}

/// Where a request's answers go.
type Reply = oneshot::Sender<Vec<Result<Decided, ItemError>>>;

/// What a tenant's pipeline is asked to do.
enum Job {
    Decide { items: Vec<Item>, reply: Reply },
    Freeze { account: String, freeze: Option<i64>, reply: oneshot::Sender<()> },
    Rules { reply: oneshot::Sender<Result<String, String>> },
    Check { text: String, origin: String, reply: oneshot::Sender<Result<String, String>> },
    Account { account: String, reply: oneshot::Sender<Option<AccountView>> },
    Snapshot { reply: oneshot::Sender<Result<(), String>> },
    Parties { reply: oneshot::Sender<Vec<KnownParty>> },
}

/// How many of an account's latest transactions the pipeline remembers.
pub const RECENT: usize = 16;

/// What the pipeline remembers of an account (from the log, exactly, since it started).
#[derive(Debug, Clone, Default, serde::Serialize, serde::Deserialize)]
pub(crate) struct AccountMemory {
    first_seen: i64,
    last_seen: i64,
    paid: u32,
    received: u32,
    /// Log seqs of its latest transactions, a ring: `recent[(next + RECENT - 1) % RECENT]` is the newest.
    recent: [i64; RECENT],
    next: u8,
    /// The holder's name and country as its latest transaction gave them (for re-screening when the lists
    /// change).
    name: Option<CompactString>,
    country: Option<CompactString>,
}

/// An account as the pipeline knows it.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct AccountView {
    /// Its earliest event time in the log (UTC ms).
    pub first_seen: i64,
    /// Its latest.
    pub last_seen: i64,
    /// Transactions it paid.
    pub paid: u32,
    /// Transactions it received.
    pub received: u32,
    /// Log seqs of its latest transactions, newest first (at most [`RECENT`]).
    pub recent: Vec<i64>,
    /// Its window features now, from the engine (when the engine tracks accounts).
    pub features: Option<serde_json::Value>,
}

impl AccountMemory {
    fn note(&mut self, seq: i64, time: i64, paid: bool, holder: &tonle_core::Party) {
        if let Some(name) = &holder.name {
            if self.name.as_deref() != Some(name.as_str()) {
                self.name = Some(CompactString::from(name.as_str()));
            }
        }
        if let Some(country) = holder.country {
            self.country = Some(CompactString::from(country.as_str()));
        }
        if self.paid + self.received == 0 {
            self.first_seen = time;
            self.last_seen = time;
        }
        self.first_seen = self.first_seen.min(time);
        self.last_seen = self.last_seen.max(time);
        if paid {
            self.paid += 1;
        } else {
            self.received += 1;
        }
        self.recent[self.next as usize] = seq;
        self.next = ((self.next as usize + 1) % RECENT) as u8;
    }

    fn view(&self) -> AccountView {
        let held = ((self.paid + self.received) as usize).min(RECENT);
        let recent = (1..=held).map(|back| self.recent[(self.next as usize + RECENT - back) % RECENT]).collect();
        AccountView {
            first_seen: self.first_seen,
            last_seen: self.last_seen,
            paid: self.paid,
            received: self.received,
            recent,
            features: None,
        }
    }
}

/// A handle on a tenant's pipeline.
#[derive(Clone)]
pub struct Pipeline {
    jobs: Sender<Job>,
}

/// The pipeline has stopped (its thread ended).
#[derive(Debug, thiserror::Error)]
#[error("the tenant's decision pipeline has stopped")]
pub struct Stopped;

impl Pipeline {
    /// Starts a tenant's pipeline: builds its engine from its live rule set (or the server's), replays its log,
    /// and loads its frozen accounts. Blocks until that is done; call it off the async threads.
    pub fn start(
        tenant: &str,
        store: Arc<Store>,
        setup: Arc<EngineSetup>,
        metrics: Arc<Metrics>,
        runtime: tokio::runtime::Handle,
    ) -> anyhow::Result<Pipeline> {
        let poisoned = Arc::new(AtomicBool::new(false));
        let (writes, written) = mpsc::sync_channel(WRITE_QUEUE);
        let (snapshots, to_store) = mpsc::channel();
        let snapshotter = Snapshotter {
            tenant: tenant.to_owned(),
            store: Arc::clone(&store),
            metrics: Arc::clone(&metrics),
            runtime: runtime.clone(),
        };
        let writer = Writer {
            tenant: tenant.to_owned(),
            store: Arc::clone(&store),
            metrics: Arc::clone(&metrics),
            runtime: runtime.clone(),
            poisoned: Arc::clone(&poisoned),
            snapshots,
            commit_interval: setup.commit_interval,
            recent: RecentAnswers::new(setup.recent_answers),
        };
        let Replayed { engine, seen, accounts, frozen, next_seq, fingerprint, replayed } =
            replay(tenant, &store, &setup, &runtime)?;
        metrics.replayed(replayed);
        let mut worker = Worker {
            tenant: tenant.to_owned(),
            store,
            setup,
            metrics,
            runtime,
            engine,
            seen,
            frozen,
            accounts,
            next_seq,
            writes,
            poisoned,
            fingerprint,
            since_snapshot: replayed,
        };
        let (jobs, queue) = mpsc::channel();
        std::thread::Builder::new().name(format!("tonle-snap-{tenant}")).spawn(move || snapshotter.run(to_store))?;
        std::thread::Builder::new().name(format!("tonle-write-{tenant}")).spawn(move || writer.run(written))?;
        // A long replay is worth a snapshot at once (the log it read is all written).
        worker.snapshot_if_due(None);
        std::thread::Builder::new().name(format!("tonle-{tenant}")).spawn(move || worker.run(queue))?;
        Ok(Pipeline { jobs })
    }

    /// Decides transactions in order; one answer per item.
    pub async fn decide(&self, items: Vec<Item>) -> Result<Vec<Result<Decided, ItemError>>, Stopped> {
        let (reply, answer) = oneshot::channel();
        self.jobs.send(Job::Decide { items, reply }).map_err(|_| Stopped)?;
        answer.await.map_err(|_| Stopped)
    }

    /// Tells the pipeline an account is frozen now (`Some(request)`) or no longer (`None`); returns once the
    /// next transaction will see it.
    pub async fn set_frozen(&self, account: &str, freeze: Option<i64>) -> Result<(), Stopped> {
        let (reply, answer) = oneshot::channel();
        self.jobs.send(Job::Freeze { account: account.to_owned(), freeze, reply }).map_err(|_| Stopped)?;
        answer.await.map_err(|_| Stopped)
    }

    /// Reloads the tenant's live and shadow rule sets from the store; returns the version deciding now.
    pub async fn reload_rules(&self) -> Result<Result<String, String>, Stopped> {
        let (reply, answer) = oneshot::channel();
        self.jobs.send(Job::Rules { reply }).map_err(|_| Stopped)?;
        answer.await.map_err(|_| Stopped)
    }

    /// What the pipeline knows of an account: counts, first and last event time, latest log seqs.
    pub async fn account(&self, account: &str) -> Result<Option<AccountView>, Stopped> {
        let (reply, answer) = oneshot::channel();
        self.jobs.send(Job::Account { account: account.to_owned(), reply }).map_err(|_| Stopped)?;
        answer.await.map_err(|_| Stopped)
    }

    /// Takes a snapshot of the state now (unless nothing was decided since the last one) and returns once it
    /// is stored.
    pub async fn snapshot(&self) -> Result<Result<(), String>, Stopped> {
        let (reply, answer) = oneshot::channel();
        self.jobs.send(Job::Snapshot { reply }).map_err(|_| Stopped)?;
        answer.await.map_err(|_| Stopped)
    }

    /// Every account seen, with its holder's latest name and country and its latest transaction.
    pub async fn known_parties(&self) -> Result<Vec<KnownParty>, Stopped> {
        let (reply, answer) = oneshot::channel();
        self.jobs.send(Job::Parties { reply }).map_err(|_| Stopped)?;
        answer.await.map_err(|_| Stopped)
    }

    /// Checks that a rule file compiles; returns its version.
    pub async fn check_rules(&self, text: &str, origin: &str) -> Result<Result<String, String>, Stopped> {
        let (reply, answer) = oneshot::channel();
        self.jobs.send(Job::Check { text: text.to_owned(), origin: origin.to_owned(), reply }).map_err(|_| Stopped)?;
        answer.await.map_err(|_| Stopped)
    }
}

/// The thread's state.
struct Worker {
    tenant: String,
    store: Arc<Store>,
    setup: Arc<EngineSetup>,
    metrics: Arc<Metrics>,
    runtime: tokio::runtime::Handle,
    engine: Engine,
    /// Every transaction id in the log.
    seen: FxHashSet<CompactString>,
    /// Frozen accounts and the approved request that froze each.
    frozen: FxHashMap<String, i64>,
    /// The accounts seen in the log, by id.
    accounts: FxHashMap<CompactString, AccountMemory>,
    /// The seq the next logged transaction will get (the writer writes groups in order, all or nothing).
    next_seq: i64,
    /// The writer's queue: one group waiting while one is written.
    writes: SyncSender<Write>,
    /// Set by the writer when a write failed.
    poisoned: Arc<AtomicBool>,
    /// What the state is computed with ([`snapshot::fingerprint`]).
    fingerprint: String,
    /// Transactions folded into the state since the last snapshot (or replayed since it, at start).
    since_snapshot: u64,
}

/// Where one item's answer comes from once the group is written.
enum Slot {
    /// Decided in this group: its entry.
    New(usize),
    /// Logged before this group: look it up.
    Logged(CompactString),
    /// A second copy of a transaction decided in this group.
    Again(usize),
    /// Not decided.
    Failed(ItemError),
}

impl Worker {
    fn run(mut self, queue: Receiver<Job>) {
        while let Ok(first) = queue.recv() {
            let mut jobs = vec![first];
            let mut size = jobs[0].size();
            while size < MAX_GROUP {
                match queue.try_recv() {
                    Ok(job) => {
                        size += job.size();
                        jobs.push(job);
                    }
                    Err(_) => break,
                }
            }
            let mut group = Vec::new();
            for job in jobs {
                match job {
                    Job::Decide { items, reply } => group.push((items, reply)),
                    other => {
                        // Controls take effect between transactions, in arrival order.
                        self.commit(std::mem::take(&mut group));
                        self.control(other);
                    }
                }
            }
            self.commit(group);
        }
    }

    fn control(&mut self, job: Job) {
        match job {
            Job::Decide { .. } => unreachable!("decisions are grouped by run"),
            Job::Freeze { account, freeze, reply } => {
                match freeze {
                    Some(id) => self.frozen.insert(account, id),
                    None => self.frozen.remove(&account),
                };
                let _ = reply.send(());
            }
            Job::Rules { reply } => {
                // The log must hold everything decided so far before it is replayed.
                self.drain();
                let answer =
                    self.rebuild().map(|()| self.engine.ruleset_version().to_owned()).map_err(|e| format!("{e:#}"));
                let _ = reply.send(answer);
            }
            Job::Account { account, reply } => {
                let base = self.setup.fx.base();
                let engine = &self.engine;
                let view = self.accounts.get(account.as_str()).map(|memory| {
                    let mut view = memory.view();
                    view.features = engine
                        .account_features(&account)
                        .map(|(horizons, features)| features_json(&horizons, &features, base));
                    view
                });
                let _ = reply.send(view);
            }
            Job::Snapshot { reply } => {
                let (done, stored) = oneshot::channel();
                if self.since_snapshot == 0 {
                    let _ = done.send(Ok(()));
                } else {
                    self.take_snapshot(Some(done));
                }
                let _ = reply.send(stored.blocking_recv().unwrap_or_else(|_| Err("the writer has stopped".into())));
            }
            Job::Parties { reply } => {
                let parties = self
                    .accounts
                    .iter()
                    .map(|(account, memory)| KnownParty {
                        account: account.clone(),
                        name: memory.name.clone(),
                        country: memory.country.clone(),
                        last_seq: memory.recent[(memory.next as usize + RECENT - 1) % RECENT],
                    })
                    .collect();
                let _ = reply.send(parties);
            }
            Job::Check { text, origin, reply } => {
                let answer = match self.engine.reloader().check(&text, &origin) {
                    Ok(version) => Ok(version),
                    // A set reading roles this engine does not track is fine: switching to it rebuilds the
                    // engine. Check it on a fresh engine instead.
                    Err(_) => Engine::new(self.setup.windows.clone(), &text, &origin, self.setup.fx.clone())
                        .map_err(anyhow::Error::from)
                        .and_then(|engine| self.setup.screened(engine))
                        .map(|engine| engine.ruleset_version().to_owned())
                        .map_err(|e| format!("{e:#}")),
                };
                let _ = reply.send(answer);
            }
        }
    }

    /// Decides a group and hands it to the writer, which writes it and answers it while the next group is
    /// decided.
    fn commit(&mut self, group: Vec<(Vec<Item>, Reply)>) {
        if group.is_empty() {
            return;
        }
        if self.poisoned.load(Ordering::Acquire) {
            self.recover();
        }
        let started = Instant::now();
        let mut entries: Vec<(LoggedTransaction, Option<NewAlert>)> = Vec::new();
        let mut in_group: FxHashMap<CompactString, usize> = FxHashMap::default();
        let mut slots: Vec<Vec<Slot>> = Vec::with_capacity(group.len());
        let mut replies = Vec::with_capacity(group.len());
        for (items, reply) in group {
            let mut job_slots = Vec::with_capacity(items.len());
            for item in items {
                let slot = match item {
                    Err(error) => Slot::Failed(error),
                    Ok(labelled) => {
                        let id = CompactString::from(labelled.tx.id.as_str());
                        if self.seen.contains(&id) {
                            Slot::Logged(id)
                        } else if let Some(&entry) = in_group.get(&id) {
                            Slot::Again(entry)
                        } else {
                            match self.decide(&labelled) {
                                Ok(entry) => {
                                    entries.push(entry);
                                    in_group.insert(id, entries.len() - 1);
                                    Slot::New(entries.len() - 1)
                                }
                                Err(error) => Slot::Failed(error),
                            }
                        }
                    }
                };
                job_slots.push(slot);
            }
            slots.push(job_slots);
            replies.push(reply);
        }
        // Ids of groups still being written count as logged: the writer answers in order, so by the time it
        // looks a repeat up, the group holding the first copy is written (or failed, and this one with it).
        self.seen.extend(in_group.into_keys());
        let decided = started.elapsed();
        self.since_snapshot += entries.len() as u64;
        if self.writes.send(Write::Group(GroupWrite { entries, slots, replies, decided, started })).is_err() {
            eprintln!("tonle: tenant {}: the writer has stopped", self.tenant);
        }
        self.snapshot_if_due(None);
    }

    /// Takes a snapshot if the setup's number of transactions has been decided since the last one.
    fn snapshot_if_due(&mut self, done: Option<oneshot::Sender<Result<(), String>>>) {
        let every = self.setup.snapshot_every;
        if every > 0 && self.since_snapshot >= every {
            self.take_snapshot(done);
        }
    }

    /// Encodes the state through the last transaction decided and hands it to the writer, which stores it
    /// once every group before it is written (and drops it if one failed).
    fn take_snapshot(&mut self, done: Option<oneshot::Sender<Result<(), String>>>) {
        let started = Instant::now();
        let through_seq = self.next_seq - 1;
        let copied = snapshot::copy(&self.seen, &self.accounts, &self.engine);
        self.since_snapshot = 0;
        let write = Write::Snapshot(Box::new(SnapshotWrite {
            through_seq,
            fingerprint: self.fingerprint.clone(),
            copied,
            paused: started.elapsed(),
            done,
        }));
        if self.writes.send(write).is_err() {
            eprintln!("tonle: tenant {}: the writer has stopped", self.tenant);
        }
    }

    /// After a failed write: waits until the writer has answered every group sent before, then rebuilds the
    /// engine from the log (the engine had folded in transactions the log does not hold).
    fn recover(&mut self) {
        self.drain();
        match self.rebuild() {
            Ok(()) => self.poisoned.store(false, Ordering::Release),
            // Still poisoned: this group and the next are refused, and the next tries again.
            Err(error) => eprintln!("tonle: tenant {}: rebuilding the engine failed: {error:#}", self.tenant),
        }
    }

    /// Waits until every group sent to the writer is written and answered (a repeat of an earlier transaction
    /// may still be being read back from the log for its answer).
    fn drain(&self) {
        let (done, wait) = mpsc::channel();
        if self.writes.send(Write::Barrier(done)).is_ok() {
            let _ = wait.recv();
        }
    }

    /// Decides one new transaction: its log entry and its alert.
    fn decide(&mut self, labelled: &LabelledTransaction) -> Result<(LoggedTransaction, Option<NewAlert>), ItemError> {
        let tx = &labelled.tx;
        let engine = &mut self.engine;
        let mut outcome =
            engine.decide(tx).map_err(|e| ItemError { status: 422, message: e.to_string(), field: None })?;
        if let Some(&freeze) = self.frozen.get(tx.debtor.account.as_str()) {
            block_frozen(&mut outcome, tx.debtor.account.as_str(), freeze);
        }
        self.metrics.decision(outcome.decision);
        if let Some(hits) = engine.screen_hits() {
            for (hit, name) in hits.iter().zip(tonle_detect::screening::HIT_NAMES) {
                if hit.is_some() {
                    self.metrics.screening_hit(name);
                }
            }
        }
        let version = outcome.ruleset_version.to_string();
        let json = decision_json(tx.id.as_str(), &outcome, &version, &|id| id.to_owned()).to_string();
        let alert = (outcome.decision >= Decision::Review).then(|| NewAlert {
            account: tx.debtor.account.as_str().to_owned(),
            decision: outcome.decision.as_str().to_owned(),
            score: outcome.score,
            rules: outcome.reasons.iter().filter(|r| !r.shadow).map(|r| r.rule.as_str()).collect::<Vec<_>>().join(","),
        });
        // The logged body has no label: the ground truth is not the server's business.
        let body = tonle_formats::native::jsonl::encode_object(&LabelledTransaction { tx: tx.clone(), label: None });
        remember(&mut self.accounts, tx, self.next_seq);
        self.next_seq += 1;
        Ok((
            LoggedTransaction {
                tx_id: tx.id.as_str().to_owned(),
                event_time: tx.time.millis(),
                debtor_account: tx.debtor.account.as_str().to_owned(),
                creditor_account: tx.creditor.account.as_str().to_owned(),
                body,
                decision: outcome.decision.as_str().to_owned(),
                score: outcome.score,
                outcome: json,
            },
            alert,
        ))
    }

    /// Rebuilds the engine and what the pipeline remembers from the store ([`replay`]); on failure keeps them
    /// as they were.
    fn rebuild(&mut self) -> anyhow::Result<()> {
        let Replayed { engine, seen, accounts, frozen, next_seq, fingerprint, replayed } =
            replay(&self.tenant, &self.store, &self.setup, &self.runtime)?;
        self.metrics.replayed(replayed);
        (self.engine, self.seen, self.accounts, self.frozen, self.next_seq, self.fingerprint, self.since_snapshot) =
            (engine, seen, accounts, frozen, next_seq, fingerprint, replayed);
        self.snapshot_if_due(None);
        Ok(())
    }
}

/// Notes a logged (or about to be) transaction in its two accounts' memories.
fn remember(accounts: &mut FxHashMap<CompactString, AccountMemory>, tx: &Transaction, seq: i64) {
    let time = tx.time.millis();
    accounts.entry(CompactString::from(tx.debtor.account.as_str())).or_default().note(seq, time, true, &tx.debtor);
    accounts.entry(CompactString::from(tx.creditor.account.as_str())).or_default().note(seq, time, false, &tx.creditor);
}

/// An account the pipeline has seen, as re-screening needs it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KnownParty {
    /// The account.
    pub account: CompactString,
    /// Its holder's name, as its latest transaction gave it.
    pub name: Option<CompactString>,
    /// Its holder's country, likewise.
    pub country: Option<CompactString>,
    /// Its latest transaction's place in the log.
    pub last_seq: i64,
}

/// A tenant's engine and the pipeline's memory, rebuilt from the store.
struct Replayed {
    engine: Engine,
    seen: FxHashSet<CompactString>,
    accounts: FxHashMap<CompactString, AccountMemory>,
    frozen: FxHashMap<String, i64>,
    next_seq: i64,
    /// What the state is computed with.
    fingerprint: String,
    /// Log entries replayed (after the snapshot, if one was restored).
    replayed: u64,
}

/// Builds a tenant's engine from its live (and shadow) rule set, or the server's, restores its snapshot if it
/// has a usable one, and replays the log after it (or the whole log); reads its frozen accounts.
fn replay(
    tenant: &str,
    store: &Store,
    setup: &EngineSetup,
    runtime: &tokio::runtime::Handle,
) -> anyhow::Result<Replayed> {
    let started = Instant::now();
    let (live, shadow, frozen) = runtime.block_on(async {
        anyhow::Ok((
            store.ruleset_in(tenant, RuleSetMode::Live).await?,
            store.ruleset_in(tenant, RuleSetMode::Shadow).await?,
            store.frozen_accounts(tenant).await?,
        ))
    })?;
    let (text, origin) = match &live {
        Some(set) => (set.body.clone(), format!("rule set {} of tenant {tenant}", set.version)),
        None => setup.rules.clone(),
    };
    let text = match &shadow {
        Some(shadow) => with_shadow(&text, &shadow.body)
            .map_err(|e| anyhow::anyhow!("{origin} with shadow set {}: {e}", shadow.version))?,
        None => text,
    };
    let mut replayed = Replayed {
        engine: setup.engine(&text, &origin)?,
        seen: FxHashSet::default(),
        accounts: FxHashMap::default(),
        frozen: frozen.into_iter().collect(),
        next_seq: 1,
        fingerprint: snapshot::fingerprint(setup, &text)?,
        replayed: 0,
    };
    let mut after = 0;
    let mut restored = None;
    match runtime.block_on(store.snapshot(tenant)) {
        Ok(Some(stored)) if stored.fingerprint == replayed.fingerprint => {
            match snapshot::decode(&stored.bytes, &mut replayed.engine) {
                Ok(memory) => {
                    (replayed.seen, replayed.accounts) = (memory.seen, memory.accounts);
                    after = stored.through_seq;
                    replayed.next_seq = after + 1;
                    restored = Some((stored.through_seq, stored.bytes.len()));
                }
                Err(error) => eprintln!(
                    "tonle: tenant {tenant}: the snapshot through log entry {} cannot be restored ({error:#}); \
                     replaying the whole log",
                    stored.through_seq
                ),
            }
        }
        Ok(Some(stored)) => eprintln!(
            "tonle: tenant {tenant}: the snapshot through log entry {} was taken with other rules, rates, \
             windows or model; replaying the whole log",
            stored.through_seq
        ),
        Ok(None) => {}
        Err(error) => eprintln!("tonle: tenant {tenant}: {error}; replaying the whole log"),
    }
    const PAGE: i64 = 20_000;
    loop {
        let page = runtime.block_on(store.log_page(tenant, after, PAGE))?;
        for stored in &page {
            let logged = &stored.logged;
            let labelled = tonle_formats::native::jsonl::decode_object(&logged.body).map_err(|e| {
                anyhow::anyhow!("log entry {} of tenant {tenant}: field {}: {}", stored.seq, e.column, e.message)
            })?;
            // Only the state is rebuilt: the logged decision stands. A transaction the engine refuses now (the
            // rates changed since it was accepted) is left out of the state, with a warning.
            if let Err(error) = replayed.engine.decide(&labelled.tx) {
                eprintln!("tonle: tenant {tenant}: replaying log entry {}: {error}", stored.seq);
            }
            replayed.seen.insert(CompactString::from(logged.tx_id.as_str()));
            remember(&mut replayed.accounts, &labelled.tx, stored.seq);
            replayed.next_seq = stored.seq + 1;
            replayed.replayed += 1;
            after = stored.seq;
        }
        if (page.len() as i64) < PAGE {
            break;
        }
    }
    match restored {
        Some((through, bytes)) => eprintln!(
            "tonle: tenant {tenant}: restored the snapshot through log entry {through} ({:.1} MB) and replayed {} \
             logged transactions after it in {:.1} s",
            bytes as f64 / 1e6,
            replayed.replayed,
            started.elapsed().as_secs_f64()
        ),
        None if replayed.replayed > 0 => eprintln!(
            "tonle: tenant {tenant}: replayed {} logged transactions in {:.1} s",
            replayed.replayed,
            started.elapsed().as_secs_f64()
        ),
        None => {}
    }
    Ok(replayed)
}

/// What the writer is given.
enum Write {
    /// A decided group to write and answer.
    Group(GroupWrite),
    /// Answered once every group before it is written.
    Barrier(mpsc::Sender<()>),
    /// A snapshot to store once every group before it is written.
    Snapshot(Box<SnapshotWrite>),
}

/// A decided group: its log entries, where each request's answers come from, and who waits for them.
struct GroupWrite {
    entries: Vec<(LoggedTransaction, Option<NewAlert>)>,
    slots: Vec<Vec<Slot>>,
    replies: Vec<Reply>,
    /// How long deciding took.
    decided: Duration,
    /// When deciding started.
    started: Instant,
}

impl GroupWrite {
    /// Appends a later group, to be written in the same commit.
    fn absorb(&mut self, later: GroupWrite) {
        let offset = self.entries.len();
        self.entries.extend(later.entries);
        self.slots.extend(later.slots.into_iter().map(|job_slots| {
            job_slots
                .into_iter()
                .map(|slot| match slot {
                    Slot::New(i) => Slot::New(i + offset),
                    Slot::Again(i) => Slot::Again(i + offset),
                    other => other,
                })
                .collect()
        }));
        self.replies.extend(later.replies);
        self.decided += later.decided;
    }
}

/// A snapshot on its way to the store, and who waits for it.
struct SnapshotWrite {
    through_seq: i64,
    fingerprint: String,
    /// The state, copied; encoded by the snapshot thread.
    copied: snapshot::Copied,
    /// How long the decision thread was held copying it.
    paused: Duration,
    done: Option<oneshot::Sender<Result<(), String>>>,
}

/// The writer's thread: writes each decided group to the log in order, then answers it. After a failed write
/// every group is failed (they were decided on a state including the lost one) until the pipeline has
/// rebuilt its engine and cleared `poisoned`.
struct Writer {
    tenant: String,
    store: Arc<Store>,
    metrics: Arc<Metrics>,
    runtime: tokio::runtime::Handle,
    poisoned: Arc<AtomicBool>,
    /// The snapshot thread's queue.
    snapshots: Sender<Box<SnapshotWrite>>,
    /// The least time from one commit's start to the next ([`EngineSetup::commit_interval`]).
    commit_interval: Duration,
    /// The answers to the latest transactions written, for their repeats.
    recent: RecentAnswers,
}

/// The snapshot thread: stores the snapshots the writer hands it, in order.
struct Snapshotter {
    tenant: String,
    store: Arc<Store>,
    metrics: Arc<Metrics>,
    runtime: tokio::runtime::Handle,
}

impl Snapshotter {
    fn run(self, queue: Receiver<Box<SnapshotWrite>>) {
        // The size of the last snapshot encoded: room for the next.
        let mut expected = 0;
        for write in queue {
            let SnapshotWrite { through_seq, fingerprint, copied, paused, done } = *write;
            let started = Instant::now();
            let bytes = match snapshot::encode(&copied, expected) {
                Ok(bytes) => bytes,
                Err(error) => {
                    eprintln!("tonle: tenant {}: encoding a snapshot failed: {error:#}", self.tenant);
                    if let Some(done) = done {
                        let _ = done.send(Err(format!("encoding the snapshot: {error:#}")));
                    }
                    continue;
                }
            };
            drop(copied);
            expected = bytes.len();
            let encoded = started.elapsed();
            let started = Instant::now();
            let stored = match self.runtime.block_on(self.store.save_snapshot(
                &self.tenant,
                through_seq,
                &fingerprint,
                &bytes,
            )) {
                Ok(()) => {
                    self.metrics.snapshot(bytes.len(), paused, encoded, started.elapsed());
                    Ok(())
                }
                Err(error) => {
                    eprintln!("tonle: tenant {}: storing a snapshot failed: {error}", self.tenant);
                    Err(error.to_string())
                }
            };
            if let Some(done) = done {
                let _ = done.send(stored);
            }
        }
    }
}

impl Writer {
    fn run(mut self, queue: Receiver<Write>) {
        // When the last commit started, and a write taken off the queue while gathering a commit's groups that
        // must wait for the commit (a barrier or a snapshot).
        let mut last_commit: Option<Instant> = None;
        let mut held: Option<Write> = None;
        loop {
            let write = match held.take() {
                Some(write) => write,
                None => match queue.recv() {
                    Ok(write) => write,
                    Err(_) => return,
                },
            };
            match write {
                Write::Barrier(done) => {
                    let _ = done.send(());
                }
                Write::Group(mut group) => {
                    // At most one commit per interval: until the rest of it has passed, take every group decided
                    // meanwhile into this commit as it comes (so that the queue never fills and holds up the
                    // decisions), then every group already queued.
                    let due = last_commit.map(|last| last + self.commit_interval);
                    while group.entries.len() < MAX_GROUP {
                        // Nothing more by the end of the interval, or nothing queued once it has passed: commit.
                        let next = match due.and_then(|due| due.checked_duration_since(Instant::now())) {
                            Some(wait) => queue.recv_timeout(wait).ok(),
                            None => queue.try_recv().ok(),
                        };
                        match next {
                            Some(Write::Group(later)) => group.absorb(later),
                            Some(other) => {
                                held = Some(other);
                                break;
                            }
                            None => break,
                        }
                    }
                    last_commit = Some(Instant::now());
                    self.write(group);
                }
                Write::Snapshot(snapshot) => {
                    // Every group before it is written: hand it to the snapshot thread, so that storing it
                    // (a second or so for a large state) holds up no commit. Unless a write failed: then the
                    // state includes transactions the log lacks.
                    if self.poisoned.load(Ordering::Acquire) {
                        if let Some(done) = snapshot.done {
                            let _ = done.send(Err(
                                "an earlier write to the transaction log failed; the snapshot was dropped".into(),
                            ));
                        }
                    } else if self.snapshots.send(snapshot).is_err() {
                        eprintln!("tonle: tenant {}: the snapshot thread has stopped", self.tenant);
                    }
                }
            }
        }
    }

    fn write(&mut self, group: GroupWrite) {
        let GroupWrite { entries, slots, replies, decided, started } = group;
        let fail = |slots: Vec<Vec<Slot>>, replies: Vec<Reply>, message: String| {
            for (job_slots, reply) in slots.into_iter().zip(replies) {
                let answers = job_slots
                    .into_iter()
                    .map(|slot| match slot {
                        Slot::Failed(error) => Err(error),
                        _ => Err(ItemError { status: 503, message: message.clone(), field: None }),
                    })
                    .collect();
                let _ = reply.send(answers);
            }
        };
        if self.poisoned.load(Ordering::Acquire) {
            fail(
                slots,
                replies,
                "an earlier write to the transaction log failed; nothing of this request was accepted: send it again"
                    .into(),
            );
            return;
        }
        let appended = match self.runtime.block_on(self.store.append(&self.tenant, tonle_store::now_millis(), &entries))
        {
            Ok(appended) => appended,
            Err(error) => {
                self.poisoned.store(true, Ordering::Release);
                fail(
                    slots,
                    replies,
                    format!("the transaction log could not be written ({error}); nothing of this request was accepted"),
                );
                return;
            }
        };
        self.metrics.group(entries.len(), decided, started.elapsed());
        for ((logged, _), place) in entries.iter().zip(&appended) {
            self.recent.remember(&logged.tx_id, answer(logged, place.seq, place.alert, true));
        }
        for (job_slots, reply) in slots.into_iter().zip(replies) {
            let answers: Vec<Pending> = job_slots
                .into_iter()
                .map(|slot| match slot {
                    Slot::New(i) => {
                        Pending::Ready(Ok(answer(&entries[i].0, appended[i].seq, appended[i].alert, false)))
                    }
                    Slot::Again(i) => {
                        self.metrics.duplicate();
                        Pending::Ready(Ok(answer(&entries[i].0, appended[i].seq, appended[i].alert, true)))
                    }
                    Slot::Logged(id) => {
                        self.metrics.duplicate();
                        match self.recent.get(&id) {
                            Some(recent) => Pending::Ready(Ok(recent.clone())),
                            None => {
                                self.metrics.duplicate_read();
                                Pending::Logged(id)
                            }
                        }
                    }
                    Slot::Failed(error) => Pending::Ready(Err(error)),
                })
                .collect();
            if answers.iter().all(|pending| matches!(pending, Pending::Ready(_))) {
                let _ = reply.send(answers.into_iter().map(Pending::ready).collect());
            } else {
                // A repeat of a transaction logged before the recent answers kept is answered from the store:
                // read on the runtime, so that the writer goes on committing meanwhile. Its first copy is written by now (in this
                // commit or an earlier one: the writer commits in order).
                let (store, tenant) = (Arc::clone(&self.store), self.tenant.clone());
                self.runtime.spawn(async move {
                    let mut out = Vec::with_capacity(answers.len());
                    for pending in answers {
                        out.push(match pending {
                            Pending::Ready(ready) => ready,
                            Pending::Logged(id) => logged_answer(&store, &tenant, &id).await,
                        });
                    }
                    let _ = reply.send(out);
                });
            }
        }
    }
}

/// One transaction's answer once its commit is written: known, or to read from the log.
enum Pending {
    Ready(Result<Decided, ItemError>),
    Logged(CompactString),
}

impl Pending {
    fn ready(self) -> Result<Decided, ItemError> {
        match self {
            Pending::Ready(ready) => ready,
            Pending::Logged(id) => unreachable!("only called when every answer is ready ({id})"),
        }
    }
}

/// The answer for a transaction id already in the log: its logged decision, marked a duplicate.
async fn logged_answer(store: &Store, tenant: &str, id: &str) -> Result<Decided, ItemError> {
    let logged = async {
        let Some(stored) = store.transaction(tenant, id).await? else {
            return Ok(None);
        };
        let alert = store.alert_for(tenant, stored.seq).await?;
        Ok::<_, tonle_store::StoreError>(Some((stored, alert)))
    };
    match logged.await {
        Ok(Some((stored, alert))) => Ok(answer(&stored.logged, stored.seq, alert, true)),
        Ok(None) => {
            Err(ItemError { status: 500, message: format!("transaction {id} is missing from the log"), field: None })
        }
        Err(error) => Err(ItemError { status: 503, message: error.to_string(), field: None }),
    }
}

impl Job {
    fn size(&self) -> usize {
        match self {
            Job::Decide { items, .. } => items.len(),
            _ => 1,
        }
    }
}

/// An account's window features as JSON: per horizon and side, counts and amounts in the base currency's
/// minor units.
fn features_json(
    horizons: &[i64],
    features: &tonle_detect::features::EntityFeatures,
    base: tonle_core::Currency,
) -> serde_json::Value {
    let mut windows = serde_json::Map::new();
    for (h, horizon) in horizons.iter().enumerate() {
        let side = |s: usize| {
            let f = &features.windows[h][s];
            serde_json::json!({
                "count": f.count, "sum_minor": f.sum, "max_minor": f.max, "distinct": f.distinct,
                "new_counterparties": f.new_counterparties
            })
        };
        windows.insert(
            tonle_detect::variables::horizon_label(*horizon),
            serde_json::json!({"out": side(0), "in": side(1)}),
        );
    }
    serde_json::json!({
        "currency": base.to_string(),
        "first_seen": features.first_seen,
        "since_last_ms": features.since_last,
        "windows": windows,
    })
}

/// A frozen debtor's payment is blocked, whatever the rules said, with the freeze as its reason.
fn block_frozen(outcome: &mut Outcome, account: &str, freeze: i64) {
    outcome.decision = Decision::Block;
    outcome.score = 1.0;
    outcome.reasons.insert(
        0,
        Reason {
            rule: CompactString::const_new("account-frozen"),
            typology: None,
            score: 1.0,
            action: Decision::Block,
            facts: vec![
                Fact { name: "debtor.account".into(), value: account.into() },
                Fact { name: "freeze_request".into(), value: freeze.to_string().into() },
            ],
            condition: CompactString::const_new("the debtor's account is frozen (four-eyes approved)"),
            shadow: false,
            evidence: Vec::new(),
        },
    );
}

/// The decision's JSON with the log's facts added: `seq`, `alert_id` and `duplicate`.
fn answer(logged: &LoggedTransaction, seq: i64, alert: Option<i64>, duplicate: bool) -> Decided {
    let body = logged.outcome.trim_end();
    let body = body.strip_suffix('}').unwrap_or(body);
    let alert = alert.map_or_else(|| "null".to_owned(), |a| a.to_string());
    Decided {
        json: format!(r#"{body},"seq":{seq},"alert_id":{alert},"duplicate":{duplicate}}}"#),
        decision: logged.decision.clone(),
    }
}

/// A live rule file with a shadow set's rules added in shadow mode (reported, never acting), their ids
/// prefixed `shadow:`; the live file's name becomes `LIVE+shadow:SHADOW`.
pub fn with_shadow(live: &str, shadow: &str) -> Result<String, String> {
    let mut live: toml::Table = toml::from_str(live).map_err(|e| format!("live set: {e}"))?;
    let shadow: toml::Table = toml::from_str(shadow).map_err(|e| format!("shadow set: {e}"))?;
    let shadow_name = shadow.get("name").and_then(|v| v.as_str()).unwrap_or("shadow").to_owned();
    let live_name = live.get("name").and_then(|v| v.as_str()).unwrap_or("live").to_owned();
    live.insert("name".into(), toml::Value::String(format!("{live_name}+shadow:{shadow_name}")));
    let added: Vec<toml::Value> = shadow
        .get("rule")
        .and_then(|r| r.as_array())
        .cloned()
        .unwrap_or_default()
        .into_iter()
        .map(|mut rule| {
            if let Some(table) = rule.as_table_mut() {
                let id = table.get("id").and_then(|v| v.as_str()).unwrap_or("?").to_owned();
                table.insert("id".into(), toml::Value::String(format!("shadow:{id}")));
                table.insert("mode".into(), toml::Value::String("shadow".into()));
            }
            rule
        })
        .collect();
    match live.get_mut("rule").and_then(|r| r.as_array_mut()) {
        Some(rules) => rules.extend(added),
        None => {
            live.insert("rule".into(), toml::Value::Array(added));
        }
    }
    toml::to_string(&live).map_err(|e| e.to_string())
}
