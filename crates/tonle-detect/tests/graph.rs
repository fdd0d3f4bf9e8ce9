//! The graph detectors on hand-built graphs: each finds its motif, and does not find it just outside its
//! window; the cycle, fan, scatter-gather and ring detectors agree with a brute-force search on random graphs; and
//! the temporal graph keeps exactly the edges within its horizon, late ones included.

use proptest::prelude::*;
use tonle_detect::graph::{
    ip_text, GraphConfig, GraphFacts, Keyed, Lists, MoneyGraph, Motif, NewEdge, TemporalGraph, MOTIFS, NO_HINT,
};

const MIN: i64 = 60_000;
const HOUR: i64 = 60 * MIN;
const DAY: i64 = 24 * HOUR;

struct Net {
    graph: MoneyGraph,
    facts: GraphFacts,
    next: u32,
}

impl Net {
    fn new(config: GraphConfig) -> Net {
        Net { graph: MoneyGraph::new(config, [true; MOTIFS]).unwrap(), facts: GraphFacts::default(), next: 0 }
    }

    /// A payment; returns the facts found.
    fn pay(&mut self, from: &str, to: &str, time: i64, amount: i64) -> &GraphFacts {
        self.pay_with(from, to, time, amount, [None; 4])
    }

    fn pay_with(&mut self, from: &str, to: &str, time: i64, amount: i64, ids: [Option<&str>; 4]) -> &GraphFacts {
        self.next += 1;
        let id = format!("t{}", self.next);
        let edge =
            NewEdge { id: &id, debtor: from, creditor: to, time, amount, identifiers: ids, node_hints: [NO_HINT; 2] };
        self.graph.observe(&edge, &mut self.facts);
        &self.facts
    }

    fn value(&self, motif: Motif) -> u32 {
        self.facts.value(motif)
    }

    /// The evidence of the last payment's detection, as transaction ids.
    fn evidence(&self, motif: Motif) -> Vec<String> {
        self.facts.evidence(motif).iter().map(|s| self.graph.graph().id_of(*s).unwrap().to_owned()).collect()
    }
}

fn config() -> GraphConfig {
    GraphConfig::default()
}

#[test]
fn fan_in_and_fan_out_count_distinct_counterparties_within_the_window() {
    let mut net = Net::new(GraphConfig { fan_window: HOUR, ..config() });
    net.pay("a", "hub", 0, 100);
    net.pay("b", "hub", 10 * MIN, 100);
    net.pay("b", "hub", 20 * MIN, 100);
    net.pay("c", "hub", HOUR - 1, 100);
    assert_eq!(net.value(Motif::FanIn), 3, "a, b and c; b once");
    assert_eq!(net.evidence(Motif::FanIn), ["t4", "t3", "t1"], "the latest payment of each");
    // One millisecond later a's payment, an hour old, has left the window.
    net.pay("d", "hub", HOUR, 100);
    assert_eq!(net.value(Motif::FanIn), 3, "b, c and d");
    net.pay("hub", "x", HOUR, 1);
    net.pay("hub", "y", HOUR + 1, 1);
    assert_eq!(net.value(Motif::FanOut), 2);
    assert_eq!(net.value(Motif::FanIn), 1, "y is paid by the hub only");
    // An hour after the payment to y, x and y have both left the fan-out window.
    net.pay("hub", "z", 2 * HOUR + 1, 1);
    assert_eq!(net.value(Motif::FanOut), 1);
}

#[test]
fn gather_scatter_needs_both_sides_of_the_hub() {
    let mut net = Net::new(GraphConfig { fan_window: DAY, ..config() });
    for (i, source) in ["a", "b", "c"].iter().enumerate() {
        net.pay(source, "hub", i as i64 * HOUR, 1_000);
    }
    net.pay("hub", "x", 5 * HOUR, 1_400);
    assert_eq!(net.value(Motif::GatherScatter), 0, "one payee is no scatter");
    net.pay("hub", "y", 6 * HOUR, 1_400);
    assert_eq!(net.value(Motif::GatherScatter), 2, "three in, two out");
    assert_eq!(net.evidence(Motif::GatherScatter).len(), 5);
    // A day after the first gathering, a's payment has left the window: two in, two out still.
    net.pay("hub", "z", DAY, 100);
    assert_eq!(net.value(Motif::GatherScatter), 2);
    // Past every gathering payment, nothing.
    net.pay("hub", "w", DAY + 2 * HOUR, 100);
    assert_eq!(net.value(Motif::GatherScatter), 0);
}

#[test]
fn scatter_gather_counts_intermediaries_of_one_source() {
    let mut net = Net::new(GraphConfig { scatter_gather_window: DAY, ..config() });
    net.pay("s", "m1", 0, 1_000);
    net.pay("s", "m2", HOUR, 1_000);
    net.pay("s", "m3", 2 * HOUR, 1_000);
    net.pay("m1", "sink", 3 * HOUR, 950);
    assert_eq!(net.value(Motif::ScatterGather), 1);
    net.pay("m2", "sink", 4 * HOUR, 950);
    assert_eq!(net.value(Motif::ScatterGather), 2);
    net.pay("m3", "sink", 5 * HOUR, 950);
    assert_eq!(net.value(Motif::ScatterGather), 3);
    let mut evidence = net.evidence(Motif::ScatterGather);
    evidence.sort();
    assert_eq!(evidence, ["t1", "t2", "t3", "t4", "t5", "t6"]);

    // The same, with the first scatter payment just outside the window when the last one gathers.
    let mut net = Net::new(GraphConfig { scatter_gather_window: DAY, ..config() });
    net.pay("s", "m1", 0, 1_000);
    net.pay("s", "m2", HOUR, 1_000);
    net.pay("s", "m3", 2 * HOUR, 1_000);
    net.pay("m1", "sink", 3 * HOUR, 950);
    net.pay("m2", "sink", 4 * HOUR, 950);
    net.pay("m3", "sink", DAY, 950);
    assert_eq!(net.value(Motif::ScatterGather), 2, "s -> m1 at 0 is outside (DAY - 1d, DAY]");
}

#[test]
fn a_cycle_needs_rising_times_within_the_window_and_the_length() {
    let mut net = Net::new(GraphConfig { cycle_window: DAY, ..config() });
    net.pay("a", "b", HOUR, 1_000);
    net.pay("b", "c", 2 * HOUR, 990);
    net.pay("c", "d", 3 * HOUR, 980);
    net.pay("d", "a", 4 * HOUR, 970);
    assert_eq!(net.value(Motif::Cycle), 4);
    assert_eq!(net.evidence(Motif::Cycle), ["t1", "t2", "t3", "t4"], "in path order");

    // Times falling somewhere along the ring: no cycle.
    let mut net = Net::new(config());
    net.pay("b", "c", HOUR, 990);
    net.pay("a", "b", 2 * HOUR, 1_000);
    net.pay("c", "a", 3 * HOUR, 980);
    assert_eq!(net.value(Motif::Cycle), 0);

    // The first edge a day before the closing one: just outside the window.
    let mut net = Net::new(GraphConfig { cycle_window: DAY, ..config() });
    net.pay("a", "b", HOUR, 1_000);
    net.pay("b", "c", 2 * HOUR, 990);
    net.pay("c", "a", DAY + HOUR, 980);
    assert_eq!(net.value(Motif::Cycle), 0);
    net.pay("c", "a", DAY + HOUR - 1, 980);
    assert_eq!(net.value(Motif::Cycle), 3, "a millisecond earlier it closes");

    // Longer than the length looked for.
    let mut net = Net::new(GraphConfig { cycle_max_length: 3, ..config() });
    for (i, (from, to)) in [("a", "b"), ("b", "c"), ("c", "d"), ("d", "a")].iter().enumerate() {
        net.pay(from, to, i as i64 * HOUR, 1_000);
    }
    assert_eq!(net.value(Motif::Cycle), 0);
    // A shortcut makes a 3-cycle, which is found.
    net.pay("c", "a", 5 * HOUR, 10);
    assert_eq!(net.value(Motif::Cycle), 3);

    // Through a hub (more than 4 x hub_degree payments in the window), or from one, no cycle.
    let mut net = Net::new(GraphConfig { hub_degree: 2, ..config() });
    for (i, shopper) in ["s1", "s2", "s3", "s4", "s5", "s6", "s7", "s8"].iter().enumerate() {
        net.pay(shopper, "shop", i as i64 * MIN, 10);
    }
    net.pay("a", "shop", HOUR, 1_000);
    net.pay("shop", "b", 2 * HOUR, 990);
    net.pay("b", "a", 3 * HOUR, 980);
    assert_eq!(net.value(Motif::Cycle), 0, "a -> shop -> b -> a passes through the shop");
    net.pay("b", "shop", 4 * HOUR, 970);
    assert_eq!(net.value(Motif::Cycle), 0, "shop -> b -> shop: the shop is an end");
    net.pay("x", "y", 5 * HOUR, 970);
    net.pay("y", "x", 6 * HOUR, 960);
    assert_eq!(net.value(Motif::Cycle), 2, "x -> y -> x: no hub");
}

#[test]
fn mule_chains_pass_most_of_the_money_on_within_the_hop() {
    let mut net = Net::new(GraphConfig { chain_hop: HOUR, ..config() });
    net.pay("victim", "collector", 0, 100_000);
    assert_eq!(net.value(Motif::Chain), 0);
    net.pay("collector", "mule1", 5 * MIN, 88_000);
    assert_eq!(net.value(Motif::Chain), 1);
    net.pay("mule1", "mule2", 12 * MIN, 80_000);
    assert_eq!(net.value(Motif::Chain), 2);
    net.pay("mule2", "cash", 12 * MIN + HOUR, 79_000);
    assert_eq!(net.value(Motif::Chain), 3, "an hour after the receipt: on the edge of the hop");
    assert_eq!(net.evidence(Motif::Chain), ["t1", "t2", "t3", "t4"]);
    // An hour and a millisecond: not a hop.
    net.pay("mule2", "cash2", 12 * MIN + HOUR + 1, 79_000);
    assert_eq!(net.value(Motif::Chain), 0);
    // Too small a share of what came in.
    net.pay("collector", "shop", 10 * MIN, 50_000);
    assert_eq!(net.value(Motif::Chain), 0);
}

#[test]
fn rings_count_accounts_sharing_an_identifier_within_the_window() {
    let mut net = Net::new(GraphConfig { ring_window: DAY, ..config() });
    net.pay_with("m1", "x", 0, 1, [Some("dev-1"), None, Some("+85512000001"), None]);
    net.pay_with("m2", "x", HOUR, 1, [Some("dev-1"), None, Some("+85512000002"), None]);
    net.pay_with("m3", "x", 2 * HOUR, 1, [None, None, Some("+85512000001"), None]);
    assert_eq!(net.value(Motif::Ring), 2, "m1 and m3 share a phone");
    net.pay_with("m3", "y", 3 * HOUR, 1, [Some("dev-1"), None, None, None]);
    assert_eq!(net.value(Motif::Ring), 3, "m1, m2, m3 on one device");
    assert_eq!(net.evidence(Motif::Ring), ["t4", "t2", "t1"]);
    // A day after m1's use, it has left the window.
    net.pay_with("m4", "y", DAY, 1, [Some("dev-1"), None, None, None]);
    assert_eq!(net.value(Motif::Ring), 3, "m2, m3, m4");
    net.pay_with("m5", "y", DAY + 3 * HOUR, 1, [Some("dev-1"), None, None, None]);
    assert_eq!(net.value(Motif::Ring), 2, "m4, m5");
}

#[test]
fn bipartite_and_stacked_layers() {
    let mut net = Net::new(GraphConfig { layer_window: DAY, ..config() });
    // The layer above: t1 and t2 fund the middle accounts a and b.
    net.pay("top1", "a", 0, 5_000);
    net.pay("top2", "b", MIN, 5_000);
    net.pay("a", "x", HOUR, 2_400);
    net.pay("a", "y", 2 * HOUR, 2_400);
    net.pay("b", "x", 3 * HOUR, 2_400);
    assert_eq!(net.value(Motif::Bipartite), 0, "b has one payee");
    net.pay("b", "y", 4 * HOUR, 2_400);
    assert_eq!(net.value(Motif::Bipartite), 4, "a and b each paid x and y");
    assert_eq!(net.value(Motif::Stack), 2, "both were funded from above first");
    let mut evidence = net.evidence(Motif::Stack);
    evidence.sort();
    assert_eq!(evidence, ["t1", "t2", "t3", "t5"]);
    // A day after the funding payments, the layer is still there but the layer above has left the window.
    net.pay("b", "y", DAY + MIN, 2_400);
    assert_eq!((net.value(Motif::Bipartite), net.value(Motif::Stack)), (4, 0));

    // Without the layer above, a bipartite layer but no stack; and a day later the layer is gone.
    let mut net = Net::new(GraphConfig { layer_window: DAY, ..config() });
    net.pay("a", "x", 0, 2_400);
    net.pay("a", "y", HOUR, 2_400);
    net.pay("b", "x", 2 * HOUR, 2_400);
    net.pay("b", "y", 3 * HOUR, 2_400);
    assert_eq!((net.value(Motif::Bipartite), net.value(Motif::Stack)), (4, 0));
    net.pay("b", "y", DAY + HOUR, 2_400);
    assert_eq!(net.value(Motif::Bipartite), 0, "a -> x and a -> y are outside the window");
}

#[test]
fn a_bad_configuration_is_refused_with_its_key() {
    let error = MoneyGraph::new(GraphConfig { cycle_window: 20 * DAY, ..config() }, [true; MOTIFS]).unwrap_err();
    assert!(error.contains("graph.cycle_window"), "{error}");
}

/// The shortest temporal cycle closed by edge `last` by brute force: paths from its creditor to its debtor
/// with rising times in the window before it.
fn brute_cycle(edges: &[(u8, u8, i64)], last: usize, window: i64, max_len: u32) -> u32 {
    let (u, v, t) = edges[last];
    if u == v {
        return 0;
    }
    let mut best = 0;
    // Depth-first over (node, time, hops).
    let mut stack = vec![(v, t - window, 0u32)];
    while let Some((node, after, hops)) = stack.pop() {
        if node == u && hops > 0 {
            if best == 0 || hops + 1 < best {
                best = hops + 1;
            }
            continue;
        }
        if hops + 1 >= max_len {
            continue;
        }
        for (i, &(from, to, time)) in edges.iter().enumerate() {
            if i != last && from == node && time > after && time < t && time > t - window {
                stack.push((to, time, hops + 1));
            }
        }
    }
    best
}

/// Distinct payers of the creditor of edge `last` within the fan window, by brute force.
fn brute_fan_in(edges: &[(u8, u8, i64)], last: usize, window: i64) -> u32 {
    let (_, v, t) = edges[last];
    let mut payers: Vec<u8> =
        edges[..=last].iter().filter(|e| e.1 == v && e.2 > t - window && e.2 <= t).map(|e| e.0).collect();
    payers.sort();
    payers.dedup();
    payers.len() as u32
}

/// The most intermediaries of one source into the creditor of edge `last`, by brute force.
fn brute_scatter_gather(edges: &[(u8, u8, i64)], last: usize, window: i64) -> u32 {
    let (m, v, t) = edges[last];
    if m == v {
        return 0;
    }
    let seen = &edges[..=last];
    let mut best = 0;
    let sources: Vec<u8> = seen.iter().filter(|e| e.1 == m && e.2 > t - window && e.2 < t).map(|e| e.0).collect();
    for s in sources {
        if s == v {
            continue;
        }
        let mut middles: Vec<u8> = seen
            .iter()
            .filter(|a| a.0 == s && a.1 != v && a.1 != s && a.2 > t - window && a.2 < t)
            .filter(|a| seen.iter().any(|b| b.0 == a.1 && b.1 == v && b.2 > a.2 && b.2 <= t && b.2 > t - window))
            .map(|a| a.1)
            .collect();
        middles.sort();
        middles.dedup();
        best = best.max(middles.len() as u32);
    }
    best
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 300, ..ProptestConfig::default() })]

    #[test]
    fn detectors_agree_with_brute_force(
        raw in prop::collection::vec((0u8..6, 0u8..6, 1i64..20), 1..60),
        max_len in 2u32..7,
    ) {
        // Distinct, rising times (in order of arrival): minutes apart.
        let mut time = 0;
        let edges: Vec<(u8, u8, i64)> = raw.iter().map(|&(a, b, gap)| { time += gap * MIN; (a, b, time) }).collect();
        let window = 300 * MIN;
        let config = GraphConfig {
            horizon: DAY,
            fan_window: window,
            scatter_gather_window: window,
            cycle_window: window,
            cycle_max_length: max_len,
            ring_window: window,
            layer_window: window,
            hub_degree: 128,
            search_budget: 1_000_000,
            ..GraphConfig::default()
        };
        let mut net = Net::new(config);
        for (i, &(a, b, t)) in edges.iter().enumerate() {
            net.pay(&a.to_string(), &b.to_string(), t, 100);
            prop_assert_eq!(net.value(Motif::Cycle), brute_cycle(&edges, i, window, max_len), "cycle at edge {}", i);
            prop_assert_eq!(net.value(Motif::FanIn), brute_fan_in(&edges, i, window), "fan-in at edge {}", i);
            prop_assert_eq!(
                net.value(Motif::ScatterGather),
                brute_scatter_gather(&edges, i, window),
                "scatter-gather at edge {}", i
            );
            let cycle = net.evidence(Motif::Cycle);
            prop_assert_eq!(cycle.len() as u32, net.value(Motif::Cycle));
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 300, ..ProptestConfig::default() })]

    /// After every edge, each account's lists hold, in time order, every edge of it later than the horizon
    /// behind the latest time seen, and older ones only while their record is kept (records go in arrival
    /// order, so a late edge's can wait behind an earlier one's); an account without an edge has no node.
    /// Edges arrive up to 40 minutes out of order, some far enough behind to be out of the horizon at once.
    #[test]
    fn the_temporal_graph_keeps_exactly_the_edges_within_its_horizon(
        raw in prop::collection::vec((0u8..8, 0u8..8, 0i64..30, 0i64..40, any::<bool>()), 1..120),
    ) {
        let horizon = 60 * MIN;
        let mut graph = TemporalGraph::new(horizon);
        let mut seen: Vec<(u8, u8, i64, u32)> = Vec::new();
        let mut clock = 0;
        for (i, &(a, b, gap, late, hinted)) in raw.iter().enumerate() {
            clock += gap * MIN;
            let time = clock - late * MIN;
            let (a_key, b_key) = (format!("a{a}"), format!("a{b}"));
            // Hints (the accounts' own numbers) on some edges only: they must not change what is kept.
            let hint = |n: u8| if hinted { n as u32 } else { NO_HINT };
            let (debtor, creditor) = (Keyed { key: &a_key, hint: hint(a) }, Keyed { key: &b_key, hint: hint(b) });
            let (_, _, seq) = graph.add(&format!("t{i}"), debtor, creditor, time, i as i64);
            seen.push((a, b, time, seq));
            let start = graph.watermark() - horizon;
            for account in 0u8..8 {
                let key = format!("a{account}");
                let want = |side: fn(&(u8, u8, i64, u32)) -> u8| -> Vec<(i64, u32)> {
                    let mut list: Vec<(i64, u32)> = seen
                        .iter()
                        .filter(|e| side(e) == account && e.2 > start)
                        .map(|e| (e.2, e.3))
                        .collect();
                    list.sort_by_key(|e| e.0);
                    list
                };
                let (out, inn) = (want(|e| e.0), want(|e| e.1));
                match graph.node_of(&key) {
                    None => prop_assert!(out.is_empty() && inn.is_empty(), "{} has edges but no node", key),
                    Some(node) => {
                        let n = graph.node(node);
                        let got_out: Vec<(i64, u32)> = n.out.iter().map(|e| (e.time, e.seq)).collect();
                        let got_in: Vec<(i64, u32)> = n.inn.iter().map(|e| (e.time, e.seq)).collect();
                        // Equal times may be in either order: compared sorted by (time, seq).
                        for (side, got, want) in [("outgoing", got_out, out), ("incoming", got_in, inn)] {
                            prop_assert!(got.windows(2).all(|w| w[0].0 <= w[1].0), "{}'s {} list is out of order", key, side);
                            let mut kept: Vec<(i64, u32)> = got.iter().copied().filter(|e| e.0 > start).collect();
                            kept.sort();
                            prop_assert_eq!(kept, want, "{}'s {} edges after edge {}", key, side, i);
                            for stale in got.iter().filter(|e| e.0 <= start) {
                                prop_assert!(graph.id_of(stale.1).is_some(), "{}'s edge {} outlived its record", key, stale.1);
                            }
                        }
                    }
                }
            }
        }
    }
}

proptest! {
    /// The rings key addresses by their text: it must be the standard one, as `Display` writes it.
    #[test]
    fn an_address_is_written_as_display_writes_it(v4 in any::<u32>(), v6 in any::<u128>()) {
        let mut scratch = String::from("left over");
        for ip in [std::net::IpAddr::from(v4.to_be_bytes()), std::net::IpAddr::from(v6.to_be_bytes())] {
            let want = ip.to_string();
            prop_assert_eq!(ip_text(Some(ip), &mut scratch), Some(want.as_str()));
        }
        prop_assert_eq!(ip_text(None, &mut scratch), None);
    }
}

/// Edges for the ring detector: debtor, creditor, time, and the device, IP address, debtor's and creditor's
/// phone as small numbers (or none).
type RingEdge = (u8, u8, i64, [Option<u8>; 4]);

/// The most accounts seen within `(t - window, t]` with one of edge `last`'s identifiers (the device, address
/// and debtor's phone are the debtor's, the creditor's phone the creditor's; both phones are one kind).
fn brute_ring(edges: &[RingEdge], last: usize, window: i64) -> u32 {
    let kind = |k: usize| [0, 1, 2, 2][k];
    let owner = |e: &RingEdge, k: usize| if k == 3 { e.1 } else { e.0 };
    let (_, _, t, ids) = edges[last];
    let mut best = 0;
    for (k, id) in ids.iter().enumerate() {
        let Some(id) = id else { continue };
        let mut accounts: Vec<u8> = Vec::new();
        for e in edges[..=last].iter().filter(|e| e.2 > t - window && e.2 <= t) {
            for (j, other) in e.3.iter().enumerate() {
                if kind(j) == kind(k) && *other == Some(*id) {
                    accounts.push(owner(e, j));
                }
            }
        }
        accounts.sort();
        accounts.dedup();
        best = best.max(accounts.len() as u32);
    }
    best
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 300, ..ProptestConfig::default() })]

    #[test]
    fn the_ring_detector_agrees_with_brute_force(
        raw in prop::collection::vec(
            (0u8..8, 0u8..8, 1i64..40, [prop::option::of(0u8..3), prop::option::of(0u8..3), prop::option::of(0u8..3), prop::option::of(0u8..3)]),
            1..80,
        ),
    ) {
        let mut time = 0;
        let edges: Vec<RingEdge> = raw.iter().map(|&(a, b, gap, ids)| { time += gap * MIN; (a, b, time, ids) }).collect();
        let window = 200 * MIN;
        let mut net = Net::new(GraphConfig { ring_window: window, ..config() });
        let names = ["device", "ip", "phone", "phone"];
        for (i, (a, b, t, ids)) in edges.iter().enumerate() {
            let texts: Vec<Option<String>> =
                ids.iter().zip(names).map(|(id, name)| id.map(|n| format!("{name}-{n}"))).collect();
            let refs: [Option<&str>; 4] = std::array::from_fn(|k| texts[k].as_deref());
            net.pay_with(&a.to_string(), &b.to_string(), *t, 100, refs);
            prop_assert_eq!(net.value(Motif::Ring), brute_ring(&edges, i, window), "ring at edge {}", i);
        }
    }
}

/// A graph running only `motifs`.
fn running(config: GraphConfig, motifs: &[Motif]) -> MoneyGraph {
    let mut enabled = [false; MOTIFS];
    motifs.iter().for_each(|m| enabled[*m as usize] = true);
    MoneyGraph::new(config, enabled).unwrap()
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 200, ..ProptestConfig::default() })]

    /// The mule chains read only the incoming lists and the rings neither, so a graph running only them keeps
    /// fewer lists (and forgets nodes by its sweep): they find what they find with every list kept, late edges
    /// and forgotten nodes included. A graph that then starts every detector rebuilds its outgoing lists from
    /// the incoming ones and finds what a graph that ran every detector all along finds.
    #[test]
    fn detectors_find_the_same_with_only_the_lists_they_read(
        raw in prop::collection::vec(
            (0u8..10, 0u8..10, 0i64..30, 0i64..4, 50i64..150, [prop::option::of(0u8..3), prop::option::of(0u8..3), prop::option::of(0u8..3), prop::option::of(0u8..3)]),
            1..120,
        ),
    ) {
        let config = GraphConfig {
            horizon: 300 * MIN,
            ring_window: 200 * MIN,
            chain_hop: 60 * MIN,
            fan_window: 100 * MIN,
            scatter_gather_window: 200 * MIN,
            cycle_window: 200 * MIN,
            layer_window: 200 * MIN,
            ..config()
        };
        let mut all = MoneyGraph::new(config, [true; MOTIFS]).unwrap();
        let mut chain_and_ring = running(config, &[Motif::Chain, Motif::Ring]);
        let mut ring = running(config, &[Motif::Ring]);
        let mut switched = running(config, &[Motif::Chain, Motif::Ring]);
        prop_assert_eq!(chain_and_ring.graph().lists(), Lists { inn: true, out: false });
        prop_assert_eq!(ring.graph().lists(), Lists { inn: false, out: false });
        let names = ["device", "ip", "phone", "phone"];
        let mut time = 0;
        let mut facts: [GraphFacts; 4] = Default::default();
        for (i, &(a, b, gap, late, amount, ids)) in raw.iter().enumerate() {
            time += gap * MIN;
            if i == raw.len() / 2 {
                switched.reconfigure(config, [true; MOTIFS]);
                prop_assert_eq!(switched.graph().lists(), Lists::BOTH);
            }
            let texts: Vec<Option<String>> =
                ids.iter().zip(names).map(|(id, name)| id.map(|n| format!("{name}-{n}"))).collect();
            let (debtor, creditor, id) = (a.to_string(), b.to_string(), format!("t{i}"));
            let edge = NewEdge {
                id: &id,
                debtor: &debtor,
                creditor: &creditor,
                // Every fourth edge or so is up to 30 minutes late.
                time: time - late * 10 * MIN,
                amount: amount * 100,
                identifiers: std::array::from_fn(|k| texts[k].as_deref()),
                node_hints: [NO_HINT; 2],
            };
            for (graph, found) in [&mut all, &mut chain_and_ring, &mut ring, &mut switched].into_iter().zip(facts.iter_mut()) {
                graph.observe(&edge, found);
            }
            for motif in [Motif::Chain, Motif::Ring] {
                prop_assert_eq!(facts[1].value(motif), facts[0].value(motif), "{:?} at edge {}", motif, i);
                prop_assert_eq!(facts[1].evidence(motif), facts[0].evidence(motif), "{:?} at edge {}", motif, i);
            }
            prop_assert_eq!(facts[2].value(Motif::Ring), facts[0].value(Motif::Ring), "ring alone at edge {}", i);
            prop_assert_eq!(facts[2].evidence(Motif::Ring), facts[0].evidence(Motif::Ring));
            if i >= raw.len() / 2 {
                for motif in Motif::ALL {
                    prop_assert_eq!(facts[3].value(motif), facts[0].value(motif), "{:?} after the switch, edge {}", motif, i);
                    prop_assert_eq!(facts[3].evidence(motif), facts[0].evidence(motif));
                }
            }
        }
        prop_assert!(chain_and_ring.graph().memory().bytes <= all.graph().memory().bytes);
    }
}
