//! The temporal directed multigraph: accounts as nodes, each transaction an edge from the debtor's account to
//! the creditor's with its time and amount, kept for a bounded horizon.
//!
//! Each node keeps its outgoing and incoming edges in event-time order (a late edge is inserted in its
//! place), so that a window is a suffix of a list. Edges are numbered in arrival order (a 32-bit sequence
//! number that wraps); the transaction ids are kept once, in arrival order, for evidence. Edges older than the
//! horizon behind the latest event time are dropped, and a node with no edge left is forgotten.
//!
//! A list that no detector reads need not be kept ([`TemporalGraph::keep_lists`]): the default rules' mule
//! chains read only the incoming lists, the shared-identifier rings neither. Adding an edge to a list and
//! dropping it later cost a cache miss or two each.
//!
//! A caller that numbers its accounts itself (the engine's feature store does) passes each key's number as a
//! hint: the graph remembers the node per number, so the next edge of that account finds its node without
//! hashing the key. A hint is only a shortcut: the node's key is compared before it is used.

use serde::{Deserialize, Serialize};
use std::collections::vec_deque::Iter;
use std::collections::VecDeque;

use compact_str::CompactString;
use rustc_hash::FxHashMap;

/// One end of an edge as a node's list holds it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Adj {
    /// Event time, UTC ms.
    pub time: i64,
    /// Amount in the base currency's minor units.
    pub amount: i64,
    /// The node at the other end.
    pub peer: u32,
    /// The edge's sequence number.
    pub seq: u32,
}

/// One of a node's two lists of edges.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Side {
    /// The edges it is paid.
    In,
    /// The edges it pays.
    Out,
}

/// A node: an account's edges within the horizon. Laid out so that its key, its incoming list and its latest
/// time share one cache line (what the mule chains and the default rules read), the outgoing list the next.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[repr(C, align(64))]
pub struct Node {
    /// The account's id.
    pub key: CompactString,
    /// Edges it is paid, oldest first.
    pub inn: VecDeque<Adj>,
    /// The time of its latest edge, either way: a node is forgotten only once this has left the horizon, so
    /// that its number names one account while any of its edges is held (the rings count accounts by it).
    #[serde(default)]
    pub last: i64,
    /// Edges it pays, oldest first.
    pub out: VecDeque<Adj>,
}

impl Node {
    /// Whether it is a live node with no edge left after `start` (to be forgotten). Read in the order of its
    /// lines: a node whose latest edge is held is seen alive from the first.
    fn is_dead(&self, start: i64) -> bool {
        self.last <= start && self.inn.is_empty() && self.out.is_empty() && !self.key.is_empty()
    }

    /// Its outgoing edges with time in `(after, before)`, oldest first.
    pub fn out_between(&self, after: i64, before: i64) -> Iter<'_, Adj> {
        between(&self.out, after, before)
    }

    /// Its incoming edges with time in `(after, before)`, oldest first.
    pub fn in_between(&self, after: i64, before: i64) -> Iter<'_, Adj> {
        between(&self.inn, after, before)
    }

    /// [`Node::out_between`] latest first, found lazily: a walk that stops early reads no further back.
    pub fn out_latest_first(&self, after: i64, before: i64) -> impl Iterator<Item = &Adj> {
        latest_first(&self.out, after, before)
    }

    /// [`Node::in_between`] latest first, found lazily: a walk that stops early reads no further back.
    pub fn in_latest_first(&self, after: i64, before: i64) -> impl Iterator<Item = &Adj> {
        latest_first(&self.inn, after, before)
    }

    /// [`Node::in_latest_first`] or [`Node::out_latest_first`], by side.
    pub(crate) fn latest_first(&self, side: Side, after: i64, before: i64) -> impl Iterator<Item = &Adj> {
        let list = match side {
            Side::In => &self.inn,
            Side::Out => &self.out,
        };
        latest_first(list, after, before)
    }
}

/// The entries with time in `(after, before)`, latest first: the end found as [`between`] finds it, then a
/// walk back that stops at the first entry at or before `after`. Unlike `between(..).rev()`, it does not
/// search for the window's start, which in a long list (a merchant's) reads entries all over it, when the
/// caller stops after a few.
fn latest_first(list: &VecDeque<Adj>, after: i64, before: i64) -> impl Iterator<Item = &Adj> {
    let to = start_of_suffix(list, list.len(), |a| a.time >= before);
    list.range(..to).rev().take_while(move |a| a.time > after)
}

/// The entries with time in `(after, before)`. Both ends are searched from the back of the list: windows end
/// at or near the latest edge, so this reads the list's tail (which a batch has loaded ahead), not the middle of
/// a long list as a binary search over all of it would.
fn between(list: &VecDeque<Adj>, after: i64, before: i64) -> Iter<'_, Adj> {
    let to = start_of_suffix(list, list.len(), |a| a.time >= before);
    let from = start_of_suffix(list, to, |a| a.time > after);
    list.range(from..to)
}

/// The first index `i <= end` with `later(list[j])` for every `j` in `i..end`, where `later` holds on a suffix of
/// `list[..end]`: galloping back from `end` (1, 2, 4, ... entries), then a binary search within the last step.
/// Reads O(log k) entries for a suffix of k.
fn start_of_suffix(list: &VecDeque<Adj>, end: usize, later: impl Fn(&Adj) -> bool) -> usize {
    // Invariant: every entry in `known..end` is later.
    let mut known = end;
    let mut step = 1;
    while known > 0 {
        let probe = known.saturating_sub(step);
        if later(&list[probe]) {
            known = probe;
            step *= 2;
        } else {
            // The suffix starts in `probe + 1..=known`; entries `probe + 1..known` are not yet looked at.
            let (mut lo, mut hi) = (probe + 1, known);
            while lo < hi {
                let mid = lo + (hi - lo) / 2;
                if later(&list[mid]) {
                    hi = mid;
                } else {
                    lo = mid + 1;
                }
            }
            return lo;
        }
    }
    0
}

/// An edge's record, in arrival order.
#[derive(Debug, Clone, Serialize, Deserialize)]
struct Record {
    id: CompactString,
    debtor: u32,
    creditor: u32,
    time: i64,
    /// Hops of the mule chain this edge ends (see the chain detector).
    chain: u8,
}

/// How many nodes ahead the sweep requests the node it will look at.
const SWEEP_AHEAD: usize = 4;

/// No hint: the key alone finds the node.
pub const NO_HINT: u32 = u32::MAX;

/// An account as [`TemporalGraph::add`] takes it: its key, and the caller's number for it (or [`NO_HINT`]).
/// A number must stand for one key only while the graph lives; numbers below a few millions keep the table
/// of hints small (4 bytes per number).
#[derive(Debug, Clone, Copy)]
pub struct Keyed<'a> {
    /// The account's id.
    pub key: &'a str,
    /// The caller's number for it, or [`NO_HINT`].
    pub hint: u32,
}

impl<'a> Keyed<'a> {
    /// A key without a hint.
    pub fn key(key: &'a str) -> Keyed<'a> {
        Keyed { key, hint: NO_HINT }
    }
}

/// Memory and size of the graph.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct GraphMemory {
    /// Nodes alive.
    pub nodes: usize,
    /// Edge records kept (a late edge's record can outlive its list entries until the records before it go).
    pub edges: usize,
    /// Bytes allocated for nodes, their lists, the key index (and the hints) and the edge records.
    pub bytes: usize,
}

/// The graph.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct TemporalGraph {
    horizon: i64,
    nodes: Vec<Node>,
    free: Vec<u32>,
    index: FxHashMap<CompactString, u32>,
    records: VecDeque<Record>,
    /// Sequence number of `records[0]`.
    first_seq: u32,
    /// Latest event time seen.
    watermark: i64,
    /// Per caller's number, the node last found for it (or [`NO_HINT`]); checked against the node's key.
    #[serde(skip)]
    hinted: Vec<u32>,
    /// Whether the incoming and the outgoing lists are kept (see [`TemporalGraph::keep_lists`]).
    #[serde(default)]
    kept: Lists,
    /// The next node slot the sweep looks at (see [`TemporalGraph::sweep_one`]).
    #[serde(skip)]
    sweep: usize,
}

/// Which of each node's two lists are kept.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Lists {
    /// The edges a node is paid.
    pub inn: bool,
    /// The edges a node pays.
    pub out: bool,
}

impl Lists {
    /// Both lists.
    pub const BOTH: Lists = Lists { inn: true, out: true };
}

/// Both lists (what a graph kept before lists could be left out).
impl Default for Lists {
    fn default() -> Self {
        Lists::BOTH
    }
}

impl TemporalGraph {
    /// An empty graph keeping edges for `horizon` ms behind the latest event.
    pub fn new(horizon: i64) -> TemporalGraph {
        TemporalGraph { horizon, watermark: i64::MIN, ..TemporalGraph::default() }
    }

    /// How long (ms) it keeps edges behind the latest event.
    pub fn horizon(&self) -> i64 {
        self.horizon
    }

    /// Keeps edges for `horizon` ms from the next edge on.
    pub fn set_horizon(&mut self, horizon: i64) {
        self.horizon = horizon;
    }

    /// The lists it keeps.
    pub fn lists(&self) -> Lists {
        self.kept
    }

    /// Keeps these lists from now on (both by default). A list no longer kept is emptied. A list kept anew is
    /// rebuilt from the other one when that was kept, so that it holds every edge within the horizon;
    /// otherwise it starts empty and holds the edges added from now on.
    pub fn keep_lists(&mut self, lists: Lists) {
        let was = self.kept;
        self.kept = lists;
        for n in &mut self.nodes {
            // A node read from a snapshot written before nodes kept their latest time finds it in its lists.
            let latest = [n.inn.back(), n.out.back()].into_iter().flatten().map(|a| a.time).max();
            n.last = n.last.max(latest.unwrap_or(i64::MIN));
        }
        if !lists.inn {
            self.nodes.iter_mut().for_each(|n| n.inn = VecDeque::new());
        }
        if !lists.out {
            self.nodes.iter_mut().for_each(|n| n.out = VecDeque::new());
        }
        if lists.out && !was.out && was.inn {
            self.rebuild(Side::Out);
        }
        if lists.inn && !was.inn && was.out {
            self.rebuild(Side::In);
        }
    }

    /// Fills one side's lists (empty) from the other side's.
    fn rebuild(&mut self, side: Side) {
        let first = self.first_seq;
        let mut edges: Vec<(u32, Adj)> = Vec::new();
        for (node, n) in self.nodes.iter().enumerate() {
            let other = if side == Side::Out { &n.inn } else { &n.out };
            edges.extend(other.iter().map(|a| (a.peer, Adj { peer: node as u32, ..*a })));
        }
        // Same-time edges in arrival order, as `insert` keeps them.
        edges.sort_by_key(|(_, a)| (a.time, a.seq.wrapping_sub(first)));
        for (node, adj) in edges {
            let n = &mut self.nodes[node as usize];
            if side == Side::Out { &mut n.out } else { &mut n.inn }.push_back(adj);
        }
    }

    /// The node of an account, if it has edges within the horizon.
    pub fn node_of(&self, account: &str) -> Option<u32> {
        self.index.get(account).copied()
    }

    /// Node slots made so far: every node index is below this.
    pub fn slots(&self) -> usize {
        self.nodes.len()
    }

    /// A node (an index from this graph).
    #[inline]
    pub fn node(&self, node: u32) -> &Node {
        &self.nodes[node as usize]
    }

    /// The transaction id of an edge, while it is kept.
    pub fn id_of(&self, seq: u32) -> Option<&str> {
        self.record(seq).map(|r| r.id.as_str())
    }

    /// The mule-chain hops recorded for an edge (0 when forgotten).
    pub fn chain_of(&self, seq: u32) -> u8 {
        self.record(seq).map_or(0, |r| r.chain)
    }

    /// Records the mule-chain hops of an edge.
    pub fn set_chain(&mut self, seq: u32, hops: u8) {
        let at = seq.wrapping_sub(self.first_seq) as usize;
        if let Some(record) = self.records.get_mut(at) {
            record.chain = hops;
        }
    }

    fn record(&self, seq: u32) -> Option<&Record> {
        self.records.get(seq.wrapping_sub(self.first_seq) as usize)
    }

    /// The latest event time seen (`i64::MIN` before any).
    pub fn watermark(&self) -> i64 {
        self.watermark
    }

    /// Adds an edge, first dropping the edges the horizon has passed; returns `(debtor node, creditor node,
    /// sequence number)`.
    pub fn add(&mut self, id: &str, debtor: Keyed, creditor: Keyed, time: i64, amount: i64) -> (u32, u32, u32) {
        self.watermark = self.watermark.max(time);
        self.expire();
        let from = self.intern_hinted(debtor);
        let to = self.intern_hinted(creditor);
        let seq = self.first_seq.wrapping_add(self.records.len() as u32);
        self.records.push_back(Record { id: CompactString::from(id), debtor: from, creditor: to, time, chain: 0 });
        for node in [from, to] {
            let n = &mut self.nodes[node as usize];
            n.last = n.last.max(time);
        }
        if self.kept.out {
            insert(&mut self.nodes[from as usize].out, Adj { time, amount, peer: to, seq });
        }
        if self.kept.inn {
            insert(&mut self.nodes[to as usize].inn, Adj { time, amount, peer: from, seq });
        }
        if self.kept != Lists::BOTH {
            self.sweep_one();
        }
        (from, to, seq)
    }

    /// The node of a hinted key: the hint's node when it still holds that key, else the key's (made if new),
    /// then remembered for the hint.
    #[inline]
    fn intern_hinted(&mut self, keyed: Keyed) -> u32 {
        if keyed.hint == NO_HINT {
            return self.intern(keyed.key);
        }
        let at = keyed.hint as usize;
        if let Some(&node) = self.hinted.get(at) {
            if self.nodes.get(node as usize).is_some_and(|n| n.key == keyed.key) {
                return node;
            }
        }
        let node = self.intern(keyed.key);
        if self.hinted.len() <= at {
            self.hinted.resize(at + 1, NO_HINT);
        }
        self.hinted[at] = node;
        node
    }

    /// The node of a key as [`TemporalGraph::add`] would find it, without making one.
    #[inline]
    fn locate(&self, keyed: Keyed) -> Option<u32> {
        if let Some(&node) = self.hinted.get(keyed.hint as usize) {
            if self.nodes.get(node as usize).is_some_and(|n| n.key == keyed.key) {
                return Some(node);
            }
        }
        self.index.get(keyed.key).copied()
    }

    /// Starts loading the node of a key: the one its hint last found, else the key index's (which is read).
    /// A hint to the cache; nothing changes.
    #[inline]
    pub fn prefetch_node(&self, keyed: Keyed) {
        let node = match self.hinted.get(keyed.hint as usize) {
            Some(&node) if node != NO_HINT => Some(node),
            _ => self.index.get(keyed.key).copied(),
        };
        if let Some(n) = node.and_then(|node| self.nodes.get(node as usize)) {
            crate::features::prefetch(n);
        }
    }

    /// Starts loading the latest edges of a key's node, both ways (best once the node is loaded).
    #[inline]
    pub fn prefetch_latest(&self, keyed: Keyed) {
        if let Some(n) = self.locate(keyed).map(|node| &self.nodes[node as usize]) {
            // A list not kept is not read: the outgoing one is on the node's second line.
            let lists = [(self.kept.out, &n.out), (self.kept.inn, &n.inn)];
            for last in lists.into_iter().filter(|(kept, _)| *kept).filter_map(|(_, list)| list.back()) {
                crate::features::prefetch(last);
            }
        }
    }

    /// Starts loading the nodes of the edges that expire when an edge at `time` arrives (up to `most`).
    pub fn prefetch_expiring(&self, time: i64, most: usize) {
        for (debtor, creditor) in self.expiring(time, most) {
            // Expiring reads the nodes of the lists it trims.
            if self.kept.out {
                crate::features::prefetch(debtor);
            }
            if self.kept.inn {
                crate::features::prefetch(creditor);
            }
        }
    }

    /// The step after [`TemporalGraph::prefetch_expiring`], once the nodes are loaded: starts loading the
    /// fronts of the lists those edges leave (the debtor's outgoing, the creditor's incoming).
    pub fn prefetch_expiring_lists(&self, time: i64, most: usize) {
        for (debtor, creditor) in self.expiring(time, most) {
            // A list not kept is not read: its node need not be loaded.
            let fronts = [(self.kept.out, &debtor.out), (self.kept.inn, &creditor.inn)];
            for first in fronts.into_iter().filter(|(kept, _)| *kept).filter_map(|(_, list)| list.front()) {
                crate::features::prefetch(first);
            }
        }
    }

    /// The debtor's and creditor's nodes of the first `most` edges that expire when an edge at `time` arrives.
    fn expiring(&self, time: i64, most: usize) -> impl Iterator<Item = (&Node, &Node)> {
        let start = self.watermark.max(time).saturating_sub(self.horizon);
        self.records
            .iter()
            .take(most)
            .take_while(move |r| r.time <= start)
            .filter_map(|r| Some((self.nodes.get(r.debtor as usize)?, self.nodes.get(r.creditor as usize)?)))
    }

    fn intern(&mut self, key: &str) -> u32 {
        if let Some(&node) = self.index.get(key) {
            return node;
        }
        let node = match self.free.pop() {
            Some(node) => {
                let n = &mut self.nodes[node as usize];
                n.key = CompactString::from(key);
                n.last = i64::MIN;
                node
            }
            None => {
                self.nodes.push(Node { key: CompactString::from(key), last: i64::MIN, ..Node::default() });
                (self.nodes.len() - 1) as u32
            }
        };
        self.index.insert(CompactString::from(key), node);
        node
    }

    /// Drops the records and list entries at or before the horizon's start, and forgets emptied nodes.
    fn expire(&mut self) {
        let start = self.watermark.saturating_sub(self.horizon);
        while let Some(front) = self.records.front() {
            if front.time > start {
                break;
            }
            let (debtor, creditor) = (front.debtor, front.creditor);
            self.records.pop_front();
            self.first_seq = self.first_seq.wrapping_add(1);
            // The edge is in its debtor's outgoing list and its creditor's incoming one; an entry of the
            // other lists goes when its own record does (entries before it, being older, go with it). A node
            // whose lists are not kept is forgotten by the sweep instead.
            if self.kept.out {
                self.trim(debtor, Side::Out, start);
            }
            if self.kept.inn {
                self.trim(creditor, Side::In, start);
            }
        }
    }

    /// Drops the entries at or before `start` from one list of a node, and forgets the node if both its lists
    /// are then empty.
    fn trim(&mut self, node: u32, side: Side, start: i64) {
        let n = &mut self.nodes[node as usize];
        let list = match side {
            Side::Out => &mut n.out,
            Side::In => &mut n.inn,
        };
        while list.front().is_some_and(|a| a.time <= start) {
            list.pop_front();
        }
        // The trimmed list only is shrunk, so that the other (on the node's other line) is not read.
        if list.capacity() > 2 * list.len() + 8 {
            list.shrink_to(list.len() + list.len() / 4 + 2);
        }
        if n.is_dead(start) {
            self.forget(node);
        }
    }

    /// Forgets a node (its slot is reused).
    fn forget(&mut self, node: u32) {
        let n = &mut self.nodes[node as usize];
        let key = std::mem::take(&mut n.key);
        n.out = VecDeque::new();
        n.inn = VecDeque::new();
        self.index.remove(key.as_str());
        self.free.push(node);
    }

    /// Looks at the next node slot, in order, and forgets its node if every edge of it has left the horizon:
    /// once per edge while a list is not kept (a node is then not always trimmed when its last edge goes).
    fn sweep_one(&mut self) {
        if self.nodes.is_empty() {
            return;
        }
        self.sweep = if self.sweep + 1 < self.nodes.len() { self.sweep + 1 } else { 0 };
        // One node per edge is too slow a stream for the hardware to see: the node a few edges on is requested.
        if let Some(ahead) = self.nodes.get(self.sweep + SWEEP_AHEAD) {
            crate::features::prefetch(ahead);
        }
        let start = self.watermark.saturating_sub(self.horizon);
        if self.nodes[self.sweep].is_dead(start) {
            self.forget(self.sweep as u32);
        }
    }

    /// Nodes, edges and bytes.
    pub fn memory(&self) -> GraphMemory {
        let adj = std::mem::size_of::<Adj>();
        let lists: usize = self.nodes.iter().map(|n| (n.out.capacity() + n.inn.capacity()) * adj).sum();
        let keys: usize = self.nodes.iter().map(|n| if n.key.is_heap_allocated() { n.key.len() } else { 0 }).sum();
        let index = self.index.capacity() * (std::mem::size_of::<(CompactString, u32)>() + 1)
            + self.hinted.capacity() * std::mem::size_of::<u32>();
        let records = self.records.capacity() * std::mem::size_of::<Record>()
            + self.records.iter().map(|r| if r.id.is_heap_allocated() { r.id.len() } else { 0 }).sum::<usize>();
        GraphMemory {
            nodes: self.index.len(),
            edges: self.records.len(),
            bytes: self.nodes.capacity() * std::mem::size_of::<Node>() + lists + 2 * keys + index + records,
        }
    }
}

/// Inserts in time order, after entries of the same time (a late edge goes in its place).
fn insert(list: &mut VecDeque<Adj>, adj: Adj) {
    if list.back().is_none_or(|last| last.time <= adj.time) {
        list.push_back(adj);
    } else {
        let at = list.partition_point(|a| a.time <= adj.time);
        list.insert(at, adj);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn edges_are_kept_in_time_order_and_expire_with_their_nodes() {
        let mut g = TemporalGraph::new(100);
        let (a, b, first) = g.add("t1", Keyed::key("A"), Keyed::key("B"), 10, 5);
        g.add("t2", Keyed::key("A"), Keyed::key("C"), 30, 6);
        let (_, _, late) = g.add("t3", Keyed::key("A"), Keyed::key("B"), 20, 7);
        let times: Vec<i64> = g.node(a).out.iter().map(|e| e.time).collect();
        assert_eq!(times, [10, 20, 30]);
        assert_eq!(g.node(b).in_between(0, 100).map(|e| e.seq).collect::<Vec<_>>(), [first, late]);
        assert_eq!(g.node(a).out_between(10, 30).count(), 1, "the window is open at both ends");
        assert_eq!(g.id_of(late), Some("t3"));
        // At 125 the horizon's start is 25: t1 and t3 (times 10 and 20) go, and so does B.
        g.add("t4", Keyed::key("C"), Keyed::key("D"), 125, 1);
        assert_eq!(g.id_of(first), None);
        assert_eq!(g.node_of("B"), None);
        assert_eq!(g.node(a).out.len(), 1);
        let memory = g.memory();
        // t3's record stays until the records before it go (its list entries are gone).
        assert_eq!((memory.nodes, memory.edges), (3, 3));
        // B's slot was reused by D.
        assert_eq!((g.slots(), g.node_of("D")), (3, Some(b)));
    }

    #[test]
    fn a_hint_is_checked_against_the_key() {
        let mut g = TemporalGraph::new(100);
        let a = Keyed { key: "A", hint: 7 };
        let (node_a, _, _) = g.add("t1", a, Keyed::key("B"), 10, 5);
        assert_eq!(g.add("t2", a, Keyed::key("C"), 20, 5).0, node_a, "the hint finds A's node");
        // At 200 A's edges have gone and A with them; the freed slots are taken by D, E and then G.
        g.add("t3", Keyed::key("D"), Keyed::key("E"), 200, 1);
        g.add("t3b", Keyed::key("G"), Keyed::key("D"), 205, 1);
        assert_eq!(g.node_of("A"), None);
        assert_eq!(g.node_of("G"), Some(node_a), "A's slot was reused");
        // The stale hint names G's node now: A gets a node of its own.
        let (again, _, _) = g.add("t4", a, Keyed::key("F"), 210, 1);
        assert_eq!(g.node(again).key, "A");
        assert_eq!(g.node_of("A"), Some(again));
        // The same number given to another key finds that key's node (the number is only a shortcut).
        let (b, _, _) = g.add("t5", Keyed { key: "B2", hint: 7 }, Keyed::key("F"), 220, 1);
        assert_eq!(g.node(b).key, "B2");
        assert_ne!(b, again);
    }

    proptest::proptest! {
        #[test]
        fn windows_are_found_from_the_back_as_by_a_binary_search(
            times in proptest::collection::vec(0_i64..50, 0..80),
            after in -2_i64..52,
            width in 0_i64..60,
        ) {
            let mut times = times;
            times.sort_unstable();
            let list: VecDeque<Adj> = times.iter().map(|&time| Adj { time, amount: 1, peer: 0, seq: 0 }).collect();
            let before = after + width;
            let from = list.partition_point(|a| a.time <= after);
            let to = list.partition_point(|a| a.time < before);
            let expected: Vec<i64> = list.range(from..to.max(from)).map(|a| a.time).collect();
            let found: Vec<i64> = between(&list, after, before).map(|a| a.time).collect();
            proptest::prop_assert_eq!(&found, &expected);
            let mut backwards: Vec<i64> = latest_first(&list, after, before).map(|a| a.time).collect();
            backwards.reverse();
            proptest::prop_assert_eq!(backwards, expected);
        }
    }
}
