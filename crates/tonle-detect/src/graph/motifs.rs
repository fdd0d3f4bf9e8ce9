//! Laundering motifs, looked for around each new edge as it arrives. Each detector gives a count (0 when it
//! finds nothing) and its evidence: the sequence numbers of the edges of the subgraph it found.
//!
//! For a new edge `u -> v` at time `t`, every window is `(t - window, t]` (edges after `t`, which a late edge
//! can have, are not looked at):
//! - **fan-in**: distinct accounts that paid `v`; **fan-out**: distinct accounts `u` paid (fan window);
//!   counted up to one more than the hub degree (a merchant's thousands of payers read as 51 by default).
//! - **gather-scatter**: `u` as a hub: the smaller of the distinct accounts that paid `u` and the distinct
//!   accounts `u` paid (fan window); 0 unless both are at least 2 and neither exceeds the hub degree.
//! - **scatter-gather**: `v` as the sink of money one source scattered: the most intermediaries `m` such that
//!   one source `s` paid `m` and `m` then paid `v` (times rising), `u` being one of them (scatter-gather
//!   window). A sink with more payers than the hub degree reads 0, and a source with more than four times the
//!   hub degree of payments out is not searched through.
//! - **cycle**: the fewest edges of a cycle the new edge closes: a path `v -> ... -> u` whose times rise and
//!   lie within the cycle window before `t`, plus the new edge; up to the maximum length. No cycle has a hub
//!   in it (an account with more than four times the hub degree of payments in or out within the window: a
//!   merchant's refunds and an employer's payroll make cycles that are not laundering).
//! - **chain** (a mule chain): how many hops the money of this edge has already made, each a payment passed on
//!   within the hop time and of at least the share (at most the tolerance) of what came in: 0 when `u`
//!   received nothing it could be passing on; 1 when it passes on a payment that came straight from its
//!   source; 2 when that payment was itself passed on; and so on.
//! - **ring**: the most accounts seen with one of this transaction's device, IP address or phone numbers
//!   within the ring window, the account itself included (1 when nothing is shared).
//! - **bipartite**: the payments between the accounts that paid `v` and the accounts `u` paid (layer window),
//!   when at least two of each take part; 0 otherwise. Hubs are left out.
//! - **stack**: the accounts on the paying side of that bipartite layer that were themselves paid within the
//!   window before they paid on (a layer above), when at least two were; 0 otherwise.
//!
//! Every search reads at most `search_budget` adjacency entries, so a hub cannot make one transaction slow; a
//! search that runs out reports what it found so far (counts are then lower bounds).

use tonle_core::Transaction;

use super::config::{GraphConfig, Nodes};
use super::rings::{key_of, Rings};
use super::temporal::{Adj, Keyed, Lists, Side, TemporalGraph, NO_HINT};

/// The detectors, in the order of [`GraphFacts::values`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Motif {
    /// Distinct payers of the creditor.
    FanIn,
    /// Distinct payees of the debtor.
    FanOut,
    /// The debtor as a gather-scatter hub.
    GatherScatter,
    /// The creditor as a scatter-gather sink.
    ScatterGather,
    /// A temporal cycle closed by this edge.
    Cycle,
    /// Hops of a mule chain this edge continues.
    Chain,
    /// Accounts sharing an identifier with this transaction.
    Ring,
    /// A bipartite layer around this edge.
    Bipartite,
    /// Stacked layers around this edge.
    Stack,
}

/// Number of detectors.
pub const MOTIFS: usize = 9;

impl Motif {
    /// Every detector, in slot order.
    pub const ALL: [Motif; MOTIFS] = [
        Motif::FanIn,
        Motif::FanOut,
        Motif::GatherScatter,
        Motif::ScatterGather,
        Motif::Cycle,
        Motif::Chain,
        Motif::Ring,
        Motif::Bipartite,
        Motif::Stack,
    ];

    /// Its name as rules read it (`graph.<name>`).
    pub fn name(self) -> &'static str {
        match self {
            Motif::FanIn => "fan_in",
            Motif::FanOut => "fan_out",
            Motif::GatherScatter => "gather_scatter",
            Motif::ScatterGather => "scatter_gather",
            Motif::Cycle => "cycle",
            Motif::Chain => "chain",
            Motif::Ring => "ring",
            Motif::Bipartite => "bipartite",
            Motif::Stack => "stack",
        }
    }
}

/// What the detectors found around one edge.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct GraphFacts {
    /// Per detector (order of [`Motif::ALL`]): its count, 0 when it found nothing or did not run.
    pub values: [u32; MOTIFS],
    /// Per detector: the sequence numbers of the edges it found (see [`TemporalGraph::id_of`]), at most the
    /// evidence limit, the new edge included when it is part of the subgraph.
    pub evidence: [Vec<u32>; MOTIFS],
}

impl GraphFacts {
    /// One detector's count.
    pub fn value(&self, motif: Motif) -> u32 {
        self.values[motif as usize]
    }

    /// One detector's evidence.
    pub fn evidence(&self, motif: Motif) -> &[u32] {
        &self.evidence[motif as usize]
    }

    fn clear(&mut self) {
        self.values = [0; MOTIFS];
        for e in &mut self.evidence {
            e.clear();
        }
    }
}

/// The kinds of a [`NewEdge`]'s identifiers, in order.
const IDENTIFIER_KINDS: [&str; 4] = ["device", "ip", "phone", "phone"];

/// The keys of an edge's four identifiers in the ring detector's index ([`MoneyGraph::identifier_keys`]).
pub type IdentifierKeys = [Option<u64>; 4];

/// A new edge as the detectors see it.
#[derive(Debug, Clone, Copy)]
pub struct NewEdge<'a> {
    /// The transaction's id.
    pub id: &'a str,
    /// The debtor's account.
    pub debtor: &'a str,
    /// The creditor's account.
    pub creditor: &'a str,
    /// Event time, UTC ms.
    pub time: i64,
    /// Amount in the base currency's minor units.
    pub amount: i64,
    /// The device, the IP address and the debtor's phone number (the debtor's identifiers), then the
    /// creditor's phone number.
    pub identifiers: [Option<&'a str>; 4],
    /// The caller's numbers for the debtor's and the creditor's node keys, or [`NO_HINT`] (see
    /// [`temporal::Keyed`](super::temporal::Keyed)).
    pub node_hints: [u32; 2],
}

/// A transaction's IP address as text, written into `scratch` (no allocation once it has grown), for
/// [`NewEdge::of`].
pub fn ip_text(ip: Option<std::net::IpAddr>, scratch: &mut String) -> Option<&str> {
    scratch.clear();
    tonle_core::transaction::write_ip(scratch, ip?);
    Some(scratch.as_str())
}

impl<'a> NewEdge<'a> {
    /// The edge of a transaction with its amount in the base currency's minor units, its IP address written
    /// as text (`ip`, when it has one), and nodes as `nodes` says: accounts, or parties where named. Party
    /// keys are set apart from account keys, so that an account and a party with the same id stay two nodes.
    pub fn of(tx: &'a Transaction, amount: i64, ip: Option<&'a str>, nodes: Nodes, keys: &'a mut [String; 2]) -> Self {
        let node = |party: &'a tonle_core::Party, key: &'a mut String| -> &'a str {
            match (nodes, party.party.as_ref()) {
                (Nodes::Parties, Some(id)) => {
                    key.clear();
                    key.push_str("party:");
                    key.push_str(id.as_str());
                    key.as_str()
                }
                _ => party.account.as_str(),
            }
        };
        let [debtor_key, creditor_key] = keys;
        NewEdge {
            id: tx.id.as_str(),
            debtor: node(&tx.debtor, debtor_key),
            creditor: node(&tx.creditor, creditor_key),
            time: tx.time.millis(),
            amount,
            identifiers: [
                tx.device.as_ref().map(|d| d.as_str()),
                ip,
                tx.debtor.phone.as_ref().map(|p| p.as_str()),
                tx.creditor.phone.as_ref().map(|p| p.as_str()),
            ],
            node_hints: [NO_HINT; 2],
        }
    }
}

impl<'a> NewEdge<'a> {
    /// The debtor's and the creditor's node keys with their hints.
    pub fn keyed(&self) -> [Keyed<'a>; 2] {
        [Keyed { key: self.debtor, hint: self.node_hints[0] }, Keyed { key: self.creditor, hint: self.node_hints[1] }]
    }
}

/// Per-node marks that can be cleared in constant time (a generation stamp per node).
#[derive(Debug, Default)]
struct Marks {
    stamp: Vec<u32>,
    value: Vec<i64>,
    now: u32,
}

impl Marks {
    fn begin(&mut self, nodes: usize) {
        if self.stamp.len() < nodes {
            self.stamp.resize(nodes, 0);
            self.value.resize(nodes, 0);
        }
        self.now = self.now.wrapping_add(1);
        if self.now == 0 {
            self.stamp.iter_mut().for_each(|s| *s = 0);
            self.now = 1;
        }
    }

    /// Marks `node` with `value`; false if it was marked already (its value is kept).
    #[inline]
    fn insert(&mut self, node: u32, value: i64) -> bool {
        let at = node as usize;
        if self.stamp[at] == self.now {
            return false;
        }
        self.stamp[at] = self.now;
        self.value[at] = value;
        true
    }

    #[inline]
    fn get(&self, node: u32) -> Option<i64> {
        let at = node as usize;
        (self.stamp.get(at) == Some(&self.now)).then(|| self.value[at])
    }

    #[inline]
    fn set(&mut self, node: u32, value: i64) {
        self.stamp[node as usize] = self.now;
        self.value[node as usize] = value;
    }
}

/// Whether `node` made or took more than four times the hub degree of payments within `(start, end)` (a
/// count of payments, cheaper than one of counterparties, so with room for repeat payments); remembered in
/// `memo`, which must have been begun for this window.
fn hub_within(graph: &TemporalGraph, memo: &mut Marks, hub_degree: u32, node: u32, start: i64, end: i64) -> bool {
    if let Some(known) = memo.get(node) {
        return known != 0;
    }
    let n = graph.node(node);
    let most = 4 * hub_degree as usize;
    // Most nodes hold fewer edges in all than a hub has in a window: no need to find the window.
    let hub = (n.inn.len() > most && n.in_between(start, end).len() > most)
        || (n.out.len() > most && n.out_between(start, end).len() > most);
    memo.set(node, hub as i64);
    hub
}

/// A small map from node to a value: open addressing over [`SMALL_SLOTS`] slots, for at most
/// [`SMALL_MOST`] entries (the counterparties of one window, up to a hub's degree); cleared per use.
#[derive(Debug)]
struct SmallMap {
    keys: [u32; SMALL_SLOTS],
    values: [i64; SMALL_SLOTS],
    len: usize,
}

const SMALL_SLOTS: usize = 512;
/// Entries a [`SmallMap`] takes; more are refused (and the hub degree is at most a third of this, so a
/// search stops before).
pub const SMALL_MOST: usize = 384;
const EMPTY: u32 = u32::MAX;

impl SmallMap {
    fn new() -> SmallMap {
        SmallMap { keys: [EMPTY; SMALL_SLOTS], values: [0; SMALL_SLOTS], len: 0 }
    }

    fn clear(&mut self) {
        if self.len > 0 {
            self.keys.fill(EMPTY);
            self.len = 0;
        }
    }

    #[inline]
    fn slot(key: u32) -> usize {
        (key.wrapping_mul(0x9E37_79B9) >> 23) as usize
    }

    /// Inserts `key` with `value`; false if it was there (its value is kept) or the map is full.
    #[inline]
    fn insert(&mut self, key: u32, value: i64) -> bool {
        let mut at = Self::slot(key);
        loop {
            match self.keys[at] {
                EMPTY => {
                    if self.len == SMALL_MOST {
                        return false;
                    }
                    self.keys[at] = key;
                    self.values[at] = value;
                    self.len += 1;
                    return true;
                }
                k if k == key => return false,
                _ => at = (at + 1) % SMALL_SLOTS,
            }
        }
    }

    #[inline]
    fn get(&self, key: u32) -> Option<i64> {
        let mut at = Self::slot(key);
        loop {
            match self.keys[at] {
                EMPTY => return None,
                k if k == key => return Some(self.values[at]),
                _ => at = (at + 1) % SMALL_SLOTS,
            }
        }
    }
}

/// One step of a cycle search: a node reached, when, in how many hops, from which step by which edge, and
/// the node's previous step (reached in fewer hops at a worse time).
#[derive(Debug, Clone, Copy)]
struct Step {
    node: u32,
    time: i64,
    hops: u32,
    parent: u32,
    seq: u32,
    same: u32,
}

/// Appends a step, linking it to its node's previous one, and marks it as the node's latest; returns its index.
fn push_step(steps: &mut Vec<Step>, marks: &mut Marks, mut step: Step) -> u32 {
    let index = steps.len() as u32;
    step.same = marks.get(step.node).map_or(NO_PARENT, |i| i as u32);
    steps.push(step);
    marks.set(step.node, index as i64);
    index
}

/// The shortest cycle through a forward step and a backward step of its node (one can arrive before one
/// must leave), or `best` if shorter: `(edges, forward step, backward step)`.
fn meet(
    step: &Step,
    index: u32,
    backward: &[Step],
    marks: &Marks,
    best: Option<(u32, u32, u32)>,
) -> Option<(u32, u32, u32)> {
    let mut best = best;
    let mut at = marks.get(step.node).map_or(NO_PARENT, |i| i as u32);
    while at != NO_PARENT {
        let other = &backward[at as usize];
        if other.time > step.time && step.hops + other.hops >= 1 {
            let length = step.hops + other.hops + 1;
            if best.is_none_or(|b| length < b.0) {
                best = Some((length, index, at));
            }
        }
        at = other.same;
    }
    best
}

const NO_PARENT: u32 = u32::MAX;

/// The money-flow graph with its detectors: add an edge, learn what it takes part in.
#[derive(Debug)]
pub struct MoneyGraph {
    config: GraphConfig,
    enabled: [bool; MOTIFS],
    graph: TemporalGraph,
    rings: Rings,
    a: Marks,
    b: Marks,
    c: Marks,
    /// Whether a node is a hub, as learnt during one cycle search (1 or 0): a search meets the same nodes
    /// again and again.
    hubs: Marks,
    /// The few counterparties of one window (at most a hub's degree): cheaper than marks, which are spread
    /// over every node.
    small: Box<SmallMap>,
    other: Box<SmallMap>,
    forward: Vec<Step>,
    backward: Vec<Step>,
    frontier: Vec<u32>,
    next: Vec<u32>,
    layer: Vec<Pair>,
    /// Scratch lists: a node's payments in (scatter-gather) and a node's payers (layers).
    sources: Vec<Adj>,
    payers: Vec<u32>,
}

/// The lists the detectors marked in `enabled` read: every detector but the rings reads a list, the fans and
/// the mule chains one only.
fn lists_read(enabled: [bool; MOTIFS]) -> Lists {
    let on = |motifs: &[Motif]| motifs.iter().any(|m| enabled[*m as usize]);
    let both = [Motif::GatherScatter, Motif::ScatterGather, Motif::Cycle, Motif::Bipartite, Motif::Stack];
    Lists { inn: on(&both) || on(&[Motif::FanIn, Motif::Chain]), out: on(&both) || on(&[Motif::FanOut]) }
}

impl MoneyGraph {
    /// A graph with these parameters (checked with [`GraphConfig::check`]) running the detectors marked in
    /// `enabled` (order of [`Motif::ALL`]); the others read 0.
    pub fn new(config: GraphConfig, enabled: [bool; MOTIFS]) -> Result<MoneyGraph, String> {
        config.check()?;
        let mut graph = TemporalGraph::new(config.horizon);
        graph.keep_lists(lists_read(enabled));
        Ok(MoneyGraph {
            config,
            enabled,
            graph,
            rings: Rings::new(config.ring_window),
            a: Marks::default(),
            b: Marks::default(),
            c: Marks::default(),
            hubs: Marks::default(),
            small: Box::new(SmallMap::new()),
            other: Box::new(SmallMap::new()),
            forward: Vec::new(),
            backward: Vec::new(),
            frontier: Vec::new(),
            next: Vec::new(),
            layer: Vec::new(),
            sources: Vec::new(),
            payers: Vec::new(),
        })
    }

    /// What it has learnt: the edges within the horizon and the rings' shared identifiers (a snapshot's part).
    pub fn state(&self) -> (&TemporalGraph, &Rings) {
        (&self.graph, &self.rings)
    }

    /// Whether a snapshot's graph and rings fit this graph's parameters; else what differs.
    pub fn check_state(&self, graph: &TemporalGraph, rings: &Rings) -> Result<(), String> {
        if graph.horizon() != self.graph.horizon() {
            return Err(format!(
                "its graph keeps {} ms of edges; this one keeps {} ms",
                graph.horizon(),
                self.graph.horizon()
            ));
        }
        if rings.window() != self.rings.window() {
            return Err(format!("its rings span {} ms; these span {} ms", rings.window(), self.rings.window()));
        }
        Ok(())
    }

    /// Replaces what it has learnt (checked with [`MoneyGraph::check_state`]); the detectors' scratch space
    /// grows to the new graph as it is used.
    pub fn set_state(&mut self, graph: TemporalGraph, rings: Rings) {
        self.graph = graph;
        self.graph.keep_lists(lists_read(self.enabled));
        self.rings = rings;
    }

    /// Its parameters.
    pub fn config(&self) -> &GraphConfig {
        &self.config
    }

    /// The detectors it runs.
    pub fn enabled(&self) -> [bool; MOTIFS] {
        self.enabled
    }

    /// Takes other parameters (checked with [`GraphConfig::check`] by the caller) and detectors from now on.
    /// The edges held are kept: a longer horizon keeps edges longer from now on, a shorter one drops the
    /// older ones at the next edge; a detector newly run sees the edges held (a chain's hops build up from
    /// the edges it sees), except in the lists no detector read before: when neither list was kept (only the
    /// rings ran), the lists start with the next edge ([`TemporalGraph::keep_lists`]).
    pub fn reconfigure(&mut self, config: GraphConfig, enabled: [bool; MOTIFS]) {
        self.config = config;
        self.enabled = enabled;
        self.graph.keep_lists(lists_read(enabled));
        self.graph.set_horizon(config.horizon);
        self.rings.set_window(config.ring_window);
    }

    /// The graph.
    pub fn graph(&self) -> &TemporalGraph {
        &self.graph
    }

    /// Bytes of the graph and of the identifier index.
    pub fn memory_bytes(&self) -> usize {
        self.graph.memory().bytes + self.rings.memory_bytes()
    }

    /// The keys of an edge's identifiers in the ring detector's index (none when it does not run): computed
    /// once per transaction and handed to [`MoneyGraph::prefetch_identifiers`], [`MoneyGraph::prefetch`] and
    /// [`MoneyGraph::observe_keyed`], which then need no identifier text.
    pub fn identifier_keys(&self, identifiers: [Option<&str>; 4]) -> IdentifierKeys {
        if !self.enabled[Motif::Ring as usize] {
            return [None; 4];
        }
        std::array::from_fn(|i| identifiers[i].map(|identifier| key_of(IDENTIFIER_KINDS[i], identifier)))
    }

    /// For a stream of edges, first step: starts loading where an edge's identifiers' entries are, when the
    /// ring detector runs. A hint to the cache; nothing changes.
    pub fn prefetch_identifiers(&self, keys: &IdentifierKeys) {
        for key in keys.iter().flatten() {
            self.rings.prefetch_key(*key);
        }
    }

    /// The step after [`MoneyGraph::prefetch_identifiers`]: starts loading the identifiers' lists of uses, the
    /// nodes an edge will read, and the nodes of the edges that will expire when it arrives. A hint to the
    /// cache; nothing changes.
    pub fn prefetch(&self, edge: &NewEdge, keys: &IdentifierKeys) {
        for key in keys.iter().flatten() {
            self.rings.prefetch_list(*key);
        }
        for keyed in edge.keyed() {
            self.graph.prefetch_node(keyed);
        }
        self.graph.prefetch_expiring(edge.time, 4);
    }

    /// The step after [`MoneyGraph::prefetch`], once the nodes are loaded: starts loading their latest edges,
    /// and the first edges of the lists that the expiring edges leave.
    pub fn prefetch_latest(&self, edge: &NewEdge) {
        for keyed in edge.keyed() {
            self.graph.prefetch_latest(keyed);
        }
        self.graph.prefetch_expiring_lists(edge.time, 4);
    }

    /// Adds an edge and runs the detectors on it, writing what they found to `facts`.
    pub fn observe(&mut self, edge: &NewEdge, facts: &mut GraphFacts) {
        let keys = self.identifier_keys(edge.identifiers);
        self.observe_keyed(edge, &keys, facts);
    }

    /// [`MoneyGraph::observe`] with the edge's identifier keys already computed
    /// ([`MoneyGraph::identifier_keys`]); the edge's identifier texts are not read.
    pub fn observe_keyed(&mut self, edge: &NewEdge, keys: &IdentifierKeys, facts: &mut GraphFacts) {
        facts.clear();
        let [debtor, creditor] = edge.keyed();
        let (u, v, seq) = self.graph.add(edge.id, debtor, creditor, edge.time, edge.amount);
        let on = self.enabled;
        let on_any = |motifs: &[Motif]| motifs.iter().any(|m| on[*m as usize]);
        let c = self.config;
        let t = edge.time;
        if on_any(&[Motif::FanIn]) {
            let count = self.fan(v, t, c.fan_window, Side::In, &mut facts.evidence[Motif::FanIn as usize]);
            facts.values[Motif::FanIn as usize] = count;
        }
        if on_any(&[Motif::FanOut, Motif::GatherScatter]) {
            let count = self.fan(u, t, c.fan_window, Side::Out, &mut facts.evidence[Motif::FanOut as usize]);
            facts.values[Motif::FanOut as usize] = count;
        }
        if on_any(&[Motif::GatherScatter]) {
            let out = facts.values[Motif::FanOut as usize];
            let mut evidence = std::mem::take(&mut facts.evidence[Motif::GatherScatter as usize]);
            let inn = self.fan(u, t, c.fan_window, Side::In, &mut evidence);
            let hub = c.hub_degree;
            if inn >= 2 && out >= 2 && inn <= hub && out <= hub {
                facts.values[Motif::GatherScatter as usize] = inn.min(out);
                let room = (c.evidence_limit as usize).saturating_sub(evidence.len());
                evidence.extend(facts.evidence[Motif::FanOut as usize].iter().take(room));
            } else {
                evidence.clear();
            }
            facts.evidence[Motif::GatherScatter as usize] = evidence;
            if !on[Motif::FanOut as usize] {
                facts.values[Motif::FanOut as usize] = 0;
                facts.evidence[Motif::FanOut as usize].clear();
            }
        }
        if on_any(&[Motif::ScatterGather]) && u != v {
            let value = self.scatter_gather(u, v, t, &mut facts.evidence[Motif::ScatterGather as usize]);
            facts.values[Motif::ScatterGather as usize] = value;
        }
        if on_any(&[Motif::Cycle]) && u != v {
            let value = self.cycle(u, v, t, seq, &mut facts.evidence[Motif::Cycle as usize]);
            facts.values[Motif::Cycle as usize] = value;
        }
        if on_any(&[Motif::Chain]) {
            let value = self.chain(u, t, edge.amount, seq, &mut facts.evidence[Motif::Chain as usize]);
            facts.values[Motif::Chain as usize] = value;
        }
        if on_any(&[Motif::Ring]) {
            let mut best = 0;
            let evidence = &mut facts.evidence[Motif::Ring as usize];
            // The device, the IP address and the debtor's phone are the debtor's; the last phone the creditor's.
            for (key, node) in keys.iter().zip([u, u, u, v]) {
                if let Some(key) = *key {
                    let uses = self.rings.observe_key(key, node, t, seq, self.graph.watermark());
                    if uses.len() as u32 > best {
                        best = uses.len() as u32;
                        evidence.clear();
                        evidence.extend(uses.iter().map(|u| u.seq).take(c.evidence_limit as usize));
                    }
                }
            }
            facts.values[Motif::Ring as usize] = best;
        }
        if on_any(&[Motif::Bipartite, Motif::Stack]) && u != v {
            let (pairs, funded) = self.layers(u, v, t, facts);
            if on[Motif::Bipartite as usize] {
                facts.values[Motif::Bipartite as usize] = pairs;
            } else {
                facts.evidence[Motif::Bipartite as usize].clear();
            }
            if on[Motif::Stack as usize] {
                facts.values[Motif::Stack as usize] = funded;
            }
        }
    }

    /// Distinct counterparties of `node` on `side` within `(t - window, t]`, counted up to one more than the
    /// hub degree; the latest edge with each goes to `evidence` (up to the limit).
    fn fan(&mut self, node: u32, t: i64, window: i64, side: Side, evidence: &mut Vec<u32>) -> u32 {
        let n = self.graph.node(node);
        let most = self.config.hub_degree + 1;
        let list = n.latest_first(side, t - window, t.saturating_add(1));
        self.small.clear();
        let mut distinct = 0;
        let mut read = 0;
        for adj in list {
            read += 1;
            if read > self.config.search_budget {
                break;
            }
            if self.small.insert(adj.peer, 0) {
                distinct += 1;
                if evidence.len() < self.config.evidence_limit as usize {
                    evidence.push(adj.seq);
                }
                if distinct == most {
                    break;
                }
            }
        }
        distinct
    }

    fn scatter_gather(&mut self, m: u32, v: u32, t: i64, evidence: &mut Vec<u32>) -> u32 {
        let c = self.config;
        let start = t - c.scatter_gather_window;
        let end = t.saturating_add(1);
        // The sink's payers within the window: each with its latest payment's time (as its value) ...
        self.small.clear();
        let mut payers = 0;
        for adj in self.graph.node(v).in_latest_first(start, end) {
            if self.small.insert(adj.peer, adj.time) {
                payers += 1;
                if payers > c.hub_degree {
                    return 0;
                }
            }
        }
        // ... then each source that paid `m` before `t`: the intermediaries it paid that then paid `v`.
        let mut budget = c.search_budget as i64;
        let mut best = (0u32, u32::MAX);
        let mut sources = std::mem::take(&mut self.sources);
        sources.clear();
        sources.extend(self.graph.node(m).in_between(start, t).rev().copied());
        self.b.begin(self.graph.slots());
        for source in &sources {
            if source.peer == v || !self.b.insert(source.peer, 0) {
                continue;
            }
            let s = self.graph.node(source.peer);
            // A hub (an employer paying its payroll) is not searched through.
            if s.out_between(start, t).len() > 4 * c.hub_degree as usize {
                continue;
            }
            let mut count = 0;
            self.c.begin(self.graph.slots());
            for adj in s.out_between(start, t) {
                budget -= 1;
                if budget < 0 {
                    break;
                }
                if adj.peer == v || adj.peer == source.peer {
                    continue;
                }
                // An intermediary that paid the sink after it was paid, counted once.
                if self.small.get(adj.peer).is_some_and(|paid_on| paid_on > adj.time) && self.c.insert(adj.peer, 0) {
                    count += 1;
                }
            }
            if count > best.0 {
                best = (count, source.peer);
            }
            if budget < 0 {
                break;
            }
        }
        self.sources = sources;
        if best.0 < 2 {
            return best.0;
        }
        // Evidence: the source's payments to the intermediaries and theirs to the sink.
        let s = best.1;
        let limit = c.evidence_limit as usize;
        let scattered: Vec<Adj> = self.graph.node(s).out_between(start, t).copied().collect();
        let sink = self.graph.node(v);
        for adj in scattered {
            if evidence.len() + 2 > limit {
                break;
            }
            if let Some(on) = sink.in_between(adj.time, end).find(|e| e.peer == adj.peer) {
                evidence.push(adj.seq);
                evidence.push(on.seq);
            }
        }
        best.0
    }

    /// The shortest temporal cycle closed by `u -> v` at `t` (0 if none): a path `v -> ... -> u` with rising
    /// times within `(t - window, t)`, found by searching forward from `v` and backward from `u` at once
    /// and meeting in the middle.
    ///
    /// Each side is a layered search (one layer per hop) that records a node again only when it reaches it
    /// at a better time (earlier going forward, later going backward); a node's records, linked, are its
    /// trade-offs between hops and time. Every forward record is checked against every backward record of
    /// its node, so the shortest cycle within the length is found (unless the budget runs out or the
    /// shortest goes through a hub, which is never recorded).
    fn cycle(&mut self, u: u32, v: u32, t: i64, seq: u32, evidence: &mut Vec<u32>) -> u32 {
        let c = self.config;
        let start = t - c.cycle_window;
        // Quick refusals: `v` paid nobody, or nobody paid `u`, within the window; either is a hub.
        if self.graph.node(v).out_between(start, t).len() == 0 || self.graph.node(u).in_between(start, t).len() == 0 {
            return 0;
        }
        let slots = self.graph.slots();
        self.hubs.begin(slots);
        if hub_within(&self.graph, &mut self.hubs, c.hub_degree, u, start, t)
            || hub_within(&self.graph, &mut self.hubs, c.hub_degree, v, start, t)
        {
            return 0;
        }
        let hops = c.cycle_max_length - 1;
        let back_hops = hops / 2;
        let forward_hops = hops - back_hops;
        let mut budget = c.search_budget as i64;
        // Backward from `u`: the latest time one can leave each node and still reach `u` before `t`.
        self.backward.clear();
        self.b.begin(slots);
        push_step(
            &mut self.backward,
            &mut self.b,
            Step { node: u, time: t, hops: 0, parent: NO_PARENT, seq: 0, same: NO_PARENT },
        );
        self.frontier.clear();
        self.frontier.push(0);
        'back: for _ in 0..back_hops {
            self.next.clear();
            for &at in &self.frontier {
                let step = self.backward[at as usize];
                let inn = self.graph.node(step.node).in_between(start, step.time);
                for adj in inn.rev() {
                    budget -= 1;
                    if budget < 0 {
                        break 'back;
                    }
                    let known = self.b.get(adj.peer).map(|i| self.backward[i as usize].time);
                    if known.is_some_and(|time| time >= adj.time)
                        || adj.peer != v && hub_within(&self.graph, &mut self.hubs, c.hub_degree, adj.peer, start, t)
                    {
                        continue;
                    }
                    let step = Step {
                        node: adj.peer,
                        time: adj.time,
                        hops: step.hops + 1,
                        parent: at,
                        seq: adj.seq,
                        same: NO_PARENT,
                    };
                    let index = push_step(&mut self.backward, &mut self.b, step);
                    if adj.peer != v {
                        self.next.push(index);
                    }
                }
            }
            std::mem::swap(&mut self.frontier, &mut self.next);
        }
        // Forward from `v`: the earliest time one can be at each node, leaving `v` after the window's start.
        self.forward.clear();
        self.a.begin(slots);
        push_step(
            &mut self.forward,
            &mut self.a,
            Step { node: v, time: start, hops: 0, parent: NO_PARENT, seq: 0, same: NO_PARENT },
        );
        let mut best = meet(&self.forward[0], 0, &self.backward, &self.b, None);
        self.frontier.clear();
        self.frontier.push(0);
        'layers: for _ in 0..forward_hops {
            self.next.clear();
            for &at in &self.frontier {
                let step = self.forward[at as usize];
                let out = self.graph.node(step.node).out_between(step.time, t);
                for adj in out {
                    budget -= 1;
                    if budget < 0 {
                        break 'layers;
                    }
                    let known = self.a.get(adj.peer).map(|i| self.forward[i as usize].time);
                    if known.is_some_and(|time| time <= adj.time)
                        || adj.peer != u && hub_within(&self.graph, &mut self.hubs, c.hub_degree, adj.peer, start, t)
                    {
                        continue;
                    }
                    let step = Step {
                        node: adj.peer,
                        time: adj.time,
                        hops: step.hops + 1,
                        parent: at,
                        seq: adj.seq,
                        same: NO_PARENT,
                    };
                    let index = push_step(&mut self.forward, &mut self.a, step);
                    best = meet(&self.forward[index as usize], index, &self.backward, &self.b, best);
                    self.next.push(index);
                }
            }
            std::mem::swap(&mut self.frontier, &mut self.next);
        }
        let Some((length, mut f, mut b)) = best else { return 0 };
        // Evidence, in path order: from `v` forward, then on to `u`, then the new edge.
        let mut path = Vec::with_capacity(length as usize);
        while self.forward[f as usize].parent != NO_PARENT {
            path.push(self.forward[f as usize].seq);
            f = self.forward[f as usize].parent;
        }
        path.reverse();
        while self.backward[b as usize].parent != NO_PARENT {
            path.push(self.backward[b as usize].seq);
            b = self.backward[b as usize].parent;
        }
        path.push(seq);
        evidence.extend(path.into_iter().take(c.evidence_limit as usize));
        length
    }

    /// The hops of the mule chain `u`'s payment at `t` continues, recorded on the edge.
    fn chain(&mut self, u: u32, t: i64, amount: i64, seq: u32, evidence: &mut Vec<u32>) -> u32 {
        let hops = self.chain_predecessor(u, t, amount).map_or(0, |(_, hops)| hops);
        self.graph.set_chain(seq, hops.min(u8::MAX as u32) as u8);
        if hops > 0 {
            let limit = self.config.evidence_limit as usize;
            evidence.push(seq);
            let (mut node, mut time, mut amount) = (u, t, amount);
            while evidence.len() < limit {
                let Some((adj, _)) = self.chain_predecessor(node, time, amount) else { break };
                evidence.push(adj.seq);
                (node, time, amount) = (adj.peer, adj.time, adj.amount);
            }
            evidence.reverse();
        }
        hops
    }

    /// The payment into `node` that a payment of `amount` at `t` passes on, with the longest chain behind it,
    /// and that chain's hops plus one.
    fn chain_predecessor(&self, node: u32, t: i64, amount: i64) -> Option<(Adj, u32)> {
        let c = &self.config;
        let mut best: Option<(Adj, u32)> = None;
        for adj in self.graph.node(node).in_latest_first(t - c.chain_hop - 1, t.saturating_add(1)).take(64) {
            let received = adj.amount as f64;
            let passed = amount as f64;
            if adj.time > t || passed < c.chain_share * received || passed > c.chain_tolerance * received {
                continue;
            }
            let hops = self.graph.chain_of(adj.seq) as u32 + 1;
            if best.is_none_or(|b| hops > b.1) {
                best = Some((*adj, hops));
            }
        }
        best
    }

    /// The bipartite layer around `u -> v` (pairs between `v`'s payers and `u`'s payees) and the stack count
    /// (payers of that layer paid within the window before they paid on); evidence into `facts`.
    fn layers(&mut self, u: u32, v: u32, t: i64, facts: &mut GraphFacts) -> (u32, u32) {
        let c = self.config;
        let start = t - c.layer_window;
        let end = t.saturating_add(1);
        let hub = c.hub_degree;
        // `u`'s payees.
        self.small.clear();
        let mut payees = 0;
        for adj in self.graph.node(u).out_latest_first(start, end) {
            if self.small.insert(adj.peer, 0) {
                payees += 1;
                if payees > hub {
                    return (0, 0);
                }
            }
        }
        if !(2..=hub).contains(&payees) {
            return (0, 0);
        }
        // `v`'s payers.
        self.other.clear();
        let mut payers = std::mem::take(&mut self.payers);
        payers.clear();
        for adj in self.graph.node(v).in_latest_first(start, end) {
            if self.other.insert(adj.peer, 0) {
                payers.push(adj.peer);
                if payers.len() > hub as usize {
                    break;
                }
            }
        }
        if payers.len() < 2 || payers.len() > hub as usize {
            self.payers = payers;
            return (0, 0);
        }
        // The pairs: each payer's distinct payments into `u`'s payees.
        self.layer.clear();
        let mut budget = c.search_budget as i64;
        let mut covered = 0u32;
        let mut paying = 0u32;
        self.other.clear();
        for &payer in &payers {
            let out = self.graph.node(payer).out_between(start, end);
            if out.len() > 4 * hub as usize {
                continue;
            }
            let before = self.layer.len();
            for adj in out {
                budget -= 1;
                if self.small.get(adj.peer).is_some() && !self.layer[before..].iter().any(|p| p.payee == adj.peer) {
                    self.layer.push(Pair { payer, payee: adj.peer, seq: adj.seq, time: adj.time });
                    if self.other.insert(adj.peer, 0) {
                        covered += 1;
                    }
                }
            }
            if self.layer.len() > before {
                paying += 1;
            }
            if budget < 0 {
                break;
            }
        }
        self.payers = payers;
        if paying < 2 || covered < 2 {
            return (0, 0);
        }
        let limit = c.evidence_limit as usize;
        facts.evidence[Motif::Bipartite as usize].extend(self.layer.iter().map(|p| p.seq).take(limit));
        // The layer above: payers of this layer that were paid before their first payment in it.
        let mut funded = 0;
        let stack = &mut facts.evidence[Motif::Stack as usize];
        let mut at = 0;
        while at < self.layer.len() {
            let payer = self.layer[at].payer;
            let run = self.layer[at..].iter().take_while(|p| p.payer == payer).count();
            let first = self.layer[at..at + run].iter().min_by_key(|p| p.time).copied();
            at += run;
            let Some(first) = first else { continue };
            if let Some(fund) = self.graph.node(payer).in_latest_first(start, first.time).next() {
                funded += 1;
                if stack.len() + 2 <= limit {
                    stack.push(fund.seq);
                    stack.push(first.seq);
                }
            }
        }
        if funded < 2 {
            stack.clear();
            funded = 0;
        }
        (self.layer.len() as u32, funded)
    }
}

/// A payment of a bipartite layer.
#[derive(Debug, Clone, Copy)]
struct Pair {
    payer: u32,
    payee: u32,
    seq: u32,
    time: i64,
}
