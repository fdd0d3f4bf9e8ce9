//! Window features against a naive recomputation over the raw history, out-of-order events included.

// The naive model indexes events and slots by number, as its definitions do.
#![allow(clippy::needless_range_loop)]

use proptest::prelude::*;
use tonle_detect::features::{
    EntityKind, EventKeys, FeatureError, FeatureStore, Role, SideFeatures, Snapshot, WindowConfig,
};

const MINUTE: i64 = 60_000;
const HORIZONS: [i64; 3] = [5 * MINUTE, 30 * MINUTE, 120 * MINUTE];
const LATENESS: i64 = 10 * MINUTE;
const ORIGIN: i64 = 1_700_000_000_000;

#[derive(Debug, Clone)]
struct Event {
    time: i64,
    amount: i64,
    keys: [Option<String>; 7],
}

fn kind(slot: usize) -> usize {
    [0, 0, 1, 1, 2, 3, 3][slot]
}

fn side(slot: usize) -> usize {
    Role::ALL[slot].side() as usize
}

fn counterparty(event: &Event, slot: usize) -> &str {
    let other = if side(slot) == 0 { 1 } else { 0 };
    event.keys[other].as_deref().unwrap()
}

/// A stream: a clock that moves forward by up to 40 minutes, each event up to the lateness bound behind it;
/// some steps are whole minutes, so that events fall exactly on window boundaries (the horizons are whole
/// minutes too).
fn stream() -> impl Strategy<Value = Vec<Event>> {
    let event = (
        prop_oneof![0i64..40 * MINUTE, (0i64..40).prop_map(|m| m * MINUTE)],
        prop_oneof![3 => Just(0i64), 1 => 0..=LATENESS, 1 => (0..=LATENESS / MINUTE).prop_map(|m| m * MINUTE)],
        1i64..1_000,
        0usize..5,
        0usize..5,
        proptest::option::of(0usize..3),
        proptest::option::of(0usize..3),
        proptest::option::of(0usize..2),
        proptest::option::of(0usize..2),
    );
    proptest::collection::vec(event, 1..120).prop_map(|raw| {
        let mut clock = ORIGIN;
        raw.into_iter()
            .map(|(step, behind, amount, debtor, creditor, party, device, phone_a, phone_b)| {
                clock += step;
                Event {
                    time: clock - behind,
                    amount,
                    keys: [
                        Some(format!("A{debtor}")),
                        Some(format!("A{creditor}")),
                        party.map(|p| format!("P{p}")),
                        Some(format!("P{}", (creditor + 1) % 3)),
                        device.map(|d| format!("D{d}")),
                        phone_a.map(|p| format!("+8551200{p}")),
                        phone_b.map(|p| format!("+8551200{p}")),
                    ],
                }
            })
            .collect()
    })
}

/// The features of role `slot` of event `k`, recomputed from the whole history.
struct Naive<'a> {
    events: &'a [Event],
    /// new[j][slot]: whether event j's counterparty on that slot was new when it arrived.
    new: Vec<[bool; 7]>,
    /// Per horizon and side: whether the store keeps the maximum (else it reads 0).
    maxima: [[bool; 2]; 5],
    /// Per horizon: whether the store keeps the window's counts (else they read 0, the maximum aside).
    counted: [bool; 5],
    horizons: [i64; 3],
}

impl<'a> Naive<'a> {
    fn new(
        events: &'a [Event],
        horizons: [i64; 3],
        memory: i64,
        maxima: [[bool; 2]; 5],
        counted: [bool; 5],
    ) -> Naive<'a> {
        let mut new = vec![[false; 7]; events.len()];
        for j in 0..events.len() {
            for s in 0..7 {
                let Some(key) = &events[j].keys[s] else { continue };
                let seen = (0..=j).any(|i| {
                    (0..7).any(|s2| {
                        (i < j || s2 < s)
                            && kind(s2) == kind(s)
                            && events[i].keys[s2].as_ref() == Some(key)
                            && side(s2) == side(s)
                            && counterparty(&events[i], s2) == counterparty(&events[j], s)
                            && events[i].time > events[j].time - memory
                            && events[i].time <= events[j].time
                    })
                });
                new[j][s] = !seen;
            }
        }
        Naive { events, new, maxima, counted, horizons }
    }

    fn occurrences(&self, k: usize, slot: usize) -> Vec<(usize, usize)> {
        let key = self.events[k].keys[slot].as_ref().unwrap();
        (0..=k)
            .flat_map(|j| (0..7).map(move |s| (j, s)))
            .filter(|(j, s)| kind(*s) == kind(slot) && self.events[*j].keys[*s].as_ref() == Some(key))
            .collect()
    }

    fn side_features(&self, k: usize, slot: usize, horizon: i64, side_wanted: usize) -> SideFeatures {
        let t = self.events[k].time;
        let mut f = SideFeatures::default();
        let mut cps: Vec<&str> = Vec::new();
        for (j, s) in self.occurrences(k, slot) {
            let e = &self.events[j];
            if side(s) != side_wanted || e.time <= t - horizon || e.time > t {
                continue;
            }
            f.count += 1;
            f.sum += e.amount;
            if self.maxima[self.horizons.iter().position(|h| *h == horizon).unwrap()][side_wanted] {
                f.max = f.max.max(e.amount);
            }
            if self.new[j][s] {
                f.new_counterparties += 1;
            }
            let cp = counterparty(e, s);
            if !cps.contains(&cp) {
                cps.push(cp);
            }
        }
        f.distinct = cps.len() as u32;
        if !self.counted[self.horizons.iter().position(|h| *h == horizon).unwrap()] {
            f = SideFeatures { max: f.max, ..SideFeatures::default() };
        }
        f
    }

    fn check(&self, k: usize, snapshot: &Snapshot) -> Result<(), TestCaseError> {
        let t = self.events[k].time;
        for slot in 0..7 {
            let got = &snapshot.roles[slot];
            if self.events[k].keys[slot].is_none() {
                prop_assert!(got.is_none());
                continue;
            }
            let got = got.as_ref().unwrap();
            let occurrences = self.occurrences(k, slot);
            let first = occurrences.iter().map(|(j, _)| self.events[*j].time).min().unwrap();
            prop_assert_eq!(got.first_seen, first, "first seen, event {} slot {}", k, slot);
            let previous =
                occurrences.iter().filter(|(j, _)| *j < k).map(|(j, _)| self.events[*j].time).filter(|p| *p <= t).max();
            prop_assert_eq!(got.since_last, previous.map(|p| t - p), "since last, event {} slot {}", k, slot);
            prop_assert_eq!(got.new_counterparty, self.new[k][slot], "new counterparty, event {} slot {}", k, slot);
            for (h, horizon) in self.horizons.iter().enumerate() {
                for s in 0..2 {
                    let want = self.side_features(k, slot, *horizon, s);
                    prop_assert_eq!(got.windows[h][s], want, "event {} slot {} horizon {} side {}", k, slot, h, s);
                }
            }
        }
        Ok(())
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 300, ..ProptestConfig::default() })]

    #[test]
    fn windows_match_a_naive_recomputation(
        events in stream(),
        sweep_every in 1u64..20,
        extra_memory in prop_oneof![Just(0i64), 1..=3 * HORIZONS[2]],
        maxima in proptest::array::uniform5(proptest::array::uniform2(any::<bool>())),
        counted in prop_oneof![Just([true; 5]), proptest::array::uniform5(any::<bool>())],
        scale in prop_oneof![2 => Just(1i64), 1 => Just(300), 1 => Just(1_000)],
    ) {
        // Times, horizons, lateness and memory scaled up: by 300, the maxima's time offsets are rebased
        // within a stream; by 1,000, the longest horizon (2^32 ms or more) needs whole times.
        let events: Vec<Event> =
            events.into_iter().map(|e| Event { time: ORIGIN + (e.time - ORIGIN) * scale, ..e }).collect();
        let horizons = HORIZONS.map(|h| h * scale);
        let memory = (HORIZONS[2] + extra_memory) * scale;
        let config = WindowConfig {
            horizons: horizons.to_vec(),
            memory,
            max_lateness: LATENESS * scale,
            sweep_every,
            roles: [true; 7],
            maxima,
            counted,
        };
        let mut store = FeatureStore::new(config).unwrap();
        let naive = Naive::new(&events, horizons, memory, maxima, counted);
        let mut snapshot = Snapshot::default();
        for (k, event) in events.iter().enumerate() {
            let keys = EventKeys {
                time: event.time,
                amount: event.amount,
                keys: std::array::from_fn(|s| event.keys[s].as_deref()),
            };
            store.observe(&keys, &mut snapshot).unwrap();
            naive.check(k, &snapshot)?;
        }
        // Afterwards, every account's features at the latest time, read without changing anything.
        let now = events.iter().map(|e| e.time).max().unwrap();
        prop_assert_eq!(store.watermark(), Some(now));
        let accounts: std::collections::BTreeSet<&str> =
            events.iter().flat_map(|e| [e.keys[0].as_deref(), e.keys[1].as_deref()]).flatten().collect();
        for account in accounts {
            let peeked = store.peek(EntityKind::Account, account, now).unwrap();
            let times: Vec<i64> = (0..events.len())
                .flat_map(|j| (0..2).map(move |s| (j, s)))
                .filter(|(j, s)| events[*j].keys[*s].as_deref() == Some(account))
                .map(|(j, _)| events[j].time)
                .collect();
            prop_assert_eq!(peeked.first_seen, *times.iter().min().unwrap());
            prop_assert_eq!(peeked.since_last, Some(now - times.iter().max().unwrap()));
            for (h, horizon) in horizons.iter().enumerate() {
                for side_wanted in 0..2 {
                    let mut want = SideFeatures::default();
                    let mut cps: Vec<&str> = Vec::new();
                    for (j, e) in events.iter().enumerate() {
                        for s in 0..2 {
                            if e.keys[s].as_deref() != Some(account) || side(s) != side_wanted || e.time <= now - horizon {
                                continue;
                            }
                            want.count += 1;
                            want.sum += e.amount;
                            if maxima[h][side_wanted] {
                                want.max = want.max.max(e.amount);
                            }
                            want.new_counterparties += naive.new[j][s] as u32;
                            let cp = counterparty(e, s);
                            if !cps.contains(&cp) {
                                cps.push(cp);
                            }
                        }
                    }
                    want.distinct = cps.len() as u32;
                    if !counted[h] {
                        want = SideFeatures { max: want.max, ..SideFeatures::default() };
                    }
                    prop_assert_eq!(peeked.windows[h][side_wanted], want, "peek {} horizon {} side {}", account, h, side_wanted);
                }
            }
        }
        prop_assert!(store.peek(EntityKind::Account, "nobody", now).is_none());
    }
}

#[test]
fn events_beyond_the_lateness_bound_are_refused() {
    let mut store = FeatureStore::new(WindowConfig {
        horizons: HORIZONS.to_vec(),
        max_lateness: LATENESS,
        sweep_every: 8,
        ..WindowConfig::default()
    })
    .unwrap();
    let mut snapshot = Snapshot::default();
    let keys = |time| EventKeys { time, amount: 5, keys: [Some("A"), Some("B"), None, None, None, None, None] };
    store.observe(&keys(100 * MINUTE), &mut snapshot).unwrap();
    store.observe(&keys(90 * MINUTE), &mut snapshot).unwrap();
    let err = store.observe(&keys(90 * MINUTE - 1), &mut snapshot).unwrap_err();
    assert!(matches!(err, FeatureError::TooLate { late, .. } if late == 10 * MINUTE + 1), "{err}");
    assert!(
        FeatureStore::new(WindowConfig { horizons: vec![10, 5], max_lateness: 1, ..WindowConfig::default() }).is_err()
    );
    assert!(
        FeatureStore::new(WindowConfig { horizons: vec![10], max_lateness: 10, ..WindowConfig::default() }).is_err()
    );
    let refused = |config: WindowConfig| match FeatureStore::new(config) {
        Err(error) => error.to_string(),
        Ok(_) => panic!("accepted"),
    };
    let short_memory = WindowConfig { memory: 29 * 24 * 3_600_000, ..WindowConfig::default() };
    assert!(refused(short_memory).contains("memory must be at least the longest horizon"));
    for sweep_every in [0, (1 << 20) + 1] {
        let config = WindowConfig { sweep_every, ..WindowConfig::default() };
        assert!(refused(config).contains("sweep_every must be 1 to 2^20"), "{sweep_every}");
    }
}

#[test]
fn untracked_roles_have_no_features_and_do_not_change_the_others() {
    let mut all = FeatureStore::new(WindowConfig::default()).unwrap();
    let accounts_only =
        WindowConfig { roles: [true, true, false, false, false, false, false], ..WindowConfig::default() };
    let mut some = FeatureStore::new(accounts_only).unwrap();
    let (mut a, mut b) = (Snapshot::default(), Snapshot::default());
    for i in 0..50i64 {
        let keys = EventKeys {
            time: 1_700_000_000_000 + i * 60_000,
            amount: 100 + i,
            keys: [Some("A"), Some(if i % 3 == 0 { "B" } else { "C" }), Some("P"), Some("Q"), Some("D"), None, None],
        };
        all.observe(&keys, &mut a).unwrap();
        some.observe(&keys, &mut b).unwrap();
        assert_eq!(a.roles[..2], b.roles[..2]);
        assert!(b.roles[2..].iter().all(Option::is_none));
        assert!(a.roles[2].is_some());
    }
}
