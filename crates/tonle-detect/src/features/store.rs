//! The feature store: folds each event into its entities' windows and reads their features.

use compact_str::CompactString;
use rustc_hash::FxHashMap;
use serde::{Deserialize, Serialize};
use tonle_core::Transaction;

use super::counterparties::Key;
use super::entity::{seconds_floor, Entity, Window};
use super::maxima::Layout;
use super::reservoir::{link, slot_of, Link, Record, Reservoir, MAX_HELD, NO_LINK, SLOTS};
use super::{prefetch, MAX_HORIZONS};

/// What kind of thing an entity is. Keys are compared within a kind only.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum EntityKind {
    /// A bank, wallet or exchange account, or a blockchain address (keyed by account id).
    Account,
    /// A customer or legal entity.
    Party,
    /// A device.
    Device,
    /// A phone number.
    Phone,
}

/// An event time (UTC ms) as RFC 3339 for messages, or as ms when it is out of range.
fn time_text(millis: i64) -> String {
    tonle_core::EventTime::from_millis(millis).map_or_else(|_| format!("{millis} ms"), |t| t.to_string())
}

/// Which side of a transaction an entity is on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Side {
    /// It pays (or, for a device, initiates).
    Out = 0,
    /// It is paid.
    In = 1,
}

/// The entities a transaction touches.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Role {
    /// The debtor's account.
    DebtorAccount = 0,
    /// The creditor's account.
    CreditorAccount = 1,
    /// The debtor's party (customer).
    DebtorParty = 2,
    /// The creditor's party.
    CreditorParty = 3,
    /// The device that initiated the payment.
    Device = 4,
    /// The debtor's phone number.
    DebtorPhone = 5,
    /// The creditor's phone number (or the phone proxy paid).
    CreditorPhone = 6,
}

impl Role {
    /// Every role, in slot order.
    pub const ALL: [Role; SLOTS] = [
        Role::DebtorAccount,
        Role::CreditorAccount,
        Role::DebtorParty,
        Role::CreditorParty,
        Role::Device,
        Role::DebtorPhone,
        Role::CreditorPhone,
    ];

    /// The side of the transaction the role is on.
    pub fn side(self) -> Side {
        match self {
            Role::CreditorAccount | Role::CreditorParty | Role::CreditorPhone => Side::In,
            _ => Side::Out,
        }
    }

    /// The kind of entity in the role.
    pub fn kind(self) -> EntityKind {
        match self {
            Role::DebtorAccount | Role::CreditorAccount => EntityKind::Account,
            Role::DebtorParty | Role::CreditorParty => EntityKind::Party,
            Role::Device => EntityKind::Device,
            Role::DebtorPhone | Role::CreditorPhone => EntityKind::Phone,
        }
    }
}

fn side_of(slot: usize) -> usize {
    Role::ALL[slot].side() as usize
}

/// Horizons, memory, lateness bound, and what to track.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WindowConfig {
    /// Window lengths in milliseconds, strictly ascending (1 to [`MAX_HORIZONS`] of them).
    pub horizons: Vec<i64>,
    /// How long (ms) a counterparty is remembered: an event's counterparty is *new* if it has not dealt with
    /// the entity on that side within this long before. At least the longest horizon.
    pub memory: i64,
    /// How far (ms) an event may lag the latest event time seen and still be folded in exactly; must be
    /// shorter than the longest horizon.
    pub max_lateness: i64,
    /// Housekeeping: events between checks for stored events no window or memory can reach any more; such a
    /// check starts a pass that visits every entity over about as many events, after which those events are
    /// dropped (and counterparties not seen within the memory forgotten at the next pass). Larger values do
    /// less work per event but hold up to about twice as many more events. 1 to 2^20.
    pub sweep_every: u64,
    /// The roles whose entities are tracked (slot order of [`Role::ALL`]); an untracked role's key is ignored
    /// and its features are `None`, and entities count only the events of tracked roles (an account's `in`
    /// side needs the creditor role tracked). Tracking only what the rules read is the cheapest speed-up:
    /// each role costs about as much as the others.
    pub roles: [bool; SLOTS],
    /// Per horizon and side (out, in): whether the window's largest amount is kept. A side with a kept
    /// maximum costs every entity a small queue over the longest horizon kept on that side (the shorter ones
    /// kept on that side are read off the same queue); a maximum not kept reads 0.
    pub maxima: [[bool; 2]; MAX_HORIZONS],
    /// Per horizon: whether its window's counts (count, sum, mean, distinct and new counterparties) are kept.
    /// A window not kept costs nothing and reads 0 (its maximum is kept or not by `maxima` alone). The engine
    /// keeps only the windows its rules and model read: each costs every entity's event about as much as the
    /// others.
    pub counted: [bool; MAX_HORIZONS],
}

const DAY: i64 = 24 * 60 * 60_000;

impl Default for WindowConfig {
    /// 10 minutes, 1 hour, 24 hours, 7 days, 30 days; counterparties remembered for 30 days; events up to 5
    /// minutes late; every role, window and maximum tracked.
    fn default() -> Self {
        const MINUTE: i64 = 60_000;
        WindowConfig {
            horizons: vec![10 * MINUTE, 60 * MINUTE, DAY, 7 * DAY, 30 * DAY],
            memory: 30 * DAY,
            max_lateness: 5 * MINUTE,
            sweep_every: 1 << 18,
            roles: [true; SLOTS],
            maxima: [[true; 2]; MAX_HORIZONS],
            counted: [true; MAX_HORIZONS],
        }
    }
}

/// Why an event was not folded in, or a configuration refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FeatureError {
    /// The event is later than the lateness bound allows.
    #[error(
        "its time {} is {} behind the latest event time {}; at most {} is allowed",
        time_text(*.time), tonle_core::time::span_text(*.late), time_text(*.watermark),
        tonle_core::time::span_text(*.bound)
    )]
    TooLate {
        /// Its time.
        time: i64,
        /// How late it is.
        late: i64,
        /// The latest event time seen.
        watermark: i64,
        /// The bound.
        bound: i64,
    },
    /// The configuration is not usable.
    #[error("window configuration: {0}")]
    Config(String),
    /// The store is full: more entities than it can number, or more events within the memory than it can
    /// hold (both far beyond what fits in memory; see [`MAX_ENTITIES`] and [`MAX_HELD`]).
    #[error("feature store full: {0}")]
    Capacity(String),
}

/// Features of one side of one window.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct SideFeatures {
    /// Events.
    pub count: u32,
    /// Sum of amounts (base-currency minor units).
    pub sum: i64,
    /// Largest amount (0 when empty).
    pub max: i64,
    /// Distinct counterparties.
    pub distinct: u32,
    /// Events whose counterparty was new when they arrived.
    pub new_counterparties: u32,
}

/// Features of one entity for the current event.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct EntityFeatures {
    /// The entity's earliest event time (this one, for a new entity).
    pub first_seen: i64,
    /// Time since the entity's latest earlier event (ms), if it had one.
    pub since_last: Option<i64>,
    /// Whether this event's counterparty is new to the entity on this side.
    pub new_counterparty: bool,
    /// Per horizon: out (0) and in (1).
    pub windows: [[SideFeatures; 2]; MAX_HORIZONS],
}

/// Features of every entity the current event touches, by [`Role`].
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Snapshot {
    /// Per role (slot order of [`Role::ALL`]); `None` when the event has no such entity.
    pub roles: [Option<EntityFeatures>; SLOTS],
}

impl Snapshot {
    /// The features of a role.
    pub fn get(&self, role: Role) -> Option<&EntityFeatures> {
        self.roles[role as usize].as_ref()
    }
}

/// Memory held by a store.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MemoryReport {
    /// Entities known.
    pub entities: usize,
    /// Bytes of entity state, in all.
    pub entity_bytes: usize,
    /// Bytes of the largest entity's state.
    pub entity_bytes_max: usize,
    /// Counterparties remembered, over all entities.
    pub counterparties: usize,
    /// Bytes of the counterparty tables' allocations (included in `entity_bytes`).
    pub counterparty_bytes: usize,
    /// Candidates held for the maxima, over all entities.
    pub maxima_candidates: usize,
    /// Bytes of the maxima's candidates (included in `entity_bytes`).
    pub maxima_bytes: usize,
    /// Bytes of the index from keys to entities (included in `entity_bytes`).
    pub index_bytes: usize,
    /// Events held in the reservoir.
    pub events: usize,
    /// Bytes of the reservoir.
    pub reservoir_bytes: usize,
}

const NO_ENTITY: u32 = u32::MAX;

/// Housekeeping visits entities in groups, once every this many events (see [`FeatureStore::move_anchors`]).
const VISIT_GROUP: usize = 8;

/// The most entities a store numbers (counterparty keys hold an entity number and a side in 32 bits).
pub const MAX_ENTITIES: usize = (1 << 31) - 1;

/// The store: entities, their windows, and the reservoir of events they point into. Serialised whole, it is
/// the features' part of an engine's snapshot ([`crate::state`]).
#[derive(Clone, Serialize, Deserialize)]
pub struct FeatureStore {
    horizons: Vec<i64>,
    memory: i64,
    max_lateness: i64,
    /// Per horizon and side: whether its maximum is kept (only the first `horizons.len()` can be).
    maxima: [[bool; 2]; MAX_HORIZONS],
    /// Per horizon: whether its window's counts are kept ([`WindowConfig::counted`]).
    counted: [bool; MAX_HORIZONS],
    /// Per side, the longest horizon whose maximum is kept, which its queue spans; and the candidates' size.
    maxima_layout: Layout,
    ids: [FxHashMap<CompactString, u32>; 4],
    entities: Vec<Entity>,
    reservoir: Reservoir,
    watermark: i64,
    observed: u64,
    sweep_every: u64,
    /// The pass under way, if any: events before this time are being removed from every entity.
    pass_before: Option<i64>,
    /// The next entity the pass visits.
    cursor: usize,
    roles: [bool; SLOTS],
}

/// The entity numbers of an event's tracked roles, found ahead of folding it in ([`FeatureStore::prepare`]).
#[derive(Debug, Clone, Copy)]
pub struct Prepared {
    ids: [u32; SLOTS],
}

impl Prepared {
    /// The number of the entity in a role, when the store tracks the role and the transaction has one. An
    /// entity keeps its number while the store lives, and the numbers of entities of different kinds differ.
    pub fn entity(&self, role: Role) -> Option<u32> {
        Some(self.ids[role as usize]).filter(|id| *id != NO_ENTITY)
    }
}

/// One event as the store sees it: a time, an amount and the entity keys per role.
#[derive(Debug, Clone, Copy)]
pub struct EventKeys<'a> {
    /// Event time, UTC ms.
    pub time: i64,
    /// Amount, in one base currency's minor units.
    pub amount: i64,
    /// The entity in each role, by key (slot order of [`Role::ALL`]).
    pub keys: [Option<&'a str>; SLOTS],
}

/// The horizons whose windows' counts are kept, with their indices.
#[inline]
fn counted<'a>(horizons: &'a [i64], kept: &'a [bool; MAX_HORIZONS]) -> impl Iterator<Item = (usize, i64)> + 'a {
    horizons.iter().copied().enumerate().filter(|(h, _)| kept[*h])
}

impl<'a> EventKeys<'a> {
    /// The keys of a transaction: accounts, parties, device and phone numbers.
    pub fn of(tx: &'a Transaction, amount: i64) -> EventKeys<'a> {
        EventKeys {
            time: tx.time.millis(),
            amount,
            keys: [
                Some(tx.debtor.account.as_str()),
                Some(tx.creditor.account.as_str()),
                tx.debtor.party.as_ref().map(|p| p.as_str()),
                tx.creditor.party.as_ref().map(|p| p.as_str()),
                tx.device.as_ref().map(|d| d.as_str()),
                tx.debtor.phone.as_ref().map(|p| p.as_str()),
                tx.creditor.phone.as_ref().map(|p| p.as_str()),
            ],
        }
    }
}

impl FeatureStore {
    /// An empty store.
    pub fn new(config: WindowConfig) -> Result<FeatureStore, FeatureError> {
        let h = &config.horizons;
        if h.is_empty() || h.len() > MAX_HORIZONS {
            return Err(FeatureError::Config(format!("1 to {MAX_HORIZONS} horizons, not {}", h.len())));
        }
        if h[0] <= 0 || h.windows(2).any(|w| w[0] >= w[1]) {
            return Err(FeatureError::Config("horizons must be positive and strictly ascending".into()));
        }
        let longest = h[h.len() - 1];
        if config.memory < longest {
            return Err(FeatureError::Config("the counterparty memory must be at least the longest horizon".into()));
        }
        if config.max_lateness < 0 || config.max_lateness >= longest {
            return Err(FeatureError::Config("the lateness bound must be >= 0 and below the longest horizon".into()));
        }
        if config.sweep_every == 0 || config.sweep_every > 1 << 20 {
            return Err(FeatureError::Config("sweep_every must be 1 to 2^20 events".into()));
        }
        let mut maxima = [[false; 2]; MAX_HORIZONS];
        let mut maxima_span = [None; 2];
        for (horizon, sides) in config.maxima.iter().enumerate().take(h.len()) {
            for (side, kept) in sides.iter().enumerate() {
                if *kept {
                    maxima[horizon][side] = true;
                    maxima_span[side] = Some(h[horizon]);
                }
            }
        }
        let mut counted = [false; MAX_HORIZONS];
        counted[..h.len()].copy_from_slice(&config.counted[..h.len()]);
        Ok(FeatureStore {
            counted,
            horizons: config.horizons,
            memory: config.memory,
            max_lateness: config.max_lateness,
            maxima,
            maxima_layout: Layout::new(maxima_span),
            ids: Default::default(),
            entities: Vec::new(),
            reservoir: Reservoir::default(),
            watermark: i64::MIN,
            observed: 0,
            sweep_every: config.sweep_every,
            pass_before: None,
            cursor: 0,
            roles: config.roles,
        })
    }

    /// Whether another store was built with the same windows, memory, lateness bound, housekeeping, maxima
    /// and tracked roles (so that its state can stand for this one's); else what differs.
    pub fn check_same_shape(&self, other: &FeatureStore) -> Result<(), String> {
        let differs =
            |what: &str, theirs: String, ours: String| Err(format!("its {what} {theirs}; this engine's {ours}"));
        if other.horizons != self.horizons {
            return differs("horizons are", format!("{:?} ms", other.horizons), format!("are {:?} ms", self.horizons));
        }
        if (other.memory, other.max_lateness, other.sweep_every) != (self.memory, self.max_lateness, self.sweep_every) {
            return differs(
                "counterparty memory, lateness bound and housekeeping period are",
                format!("{} ms, {} ms, {} events", other.memory, other.max_lateness, other.sweep_every),
                format!("are {} ms, {} ms, {} events", self.memory, self.max_lateness, self.sweep_every),
            );
        }
        if other.maxima != self.maxima || other.maxima_layout != self.maxima_layout {
            return differs("kept maxima are", format!("{:?}", other.maxima), format!("are {:?}", self.maxima));
        }
        if other.roles != self.roles {
            return differs("tracked roles are", format!("{:?}", other.roles), format!("are {:?}", self.roles));
        }
        if other.counted != self.counted {
            return differs("kept windows are", format!("{:?}", other.counted), format!("are {:?}", self.counted));
        }
        Ok(())
    }

    /// The horizons, in ms.
    pub fn horizons(&self) -> &[i64] {
        &self.horizons
    }

    /// The latest event time seen, if any event was.
    pub fn watermark(&self) -> Option<i64> {
        (self.watermark != i64::MIN).then_some(self.watermark)
    }

    /// An entity's features at time `t` (at most the latest event time seen, and within the lateness bound of
    /// it, so that its chain still reaches every window), computed exactly by walking its events without
    /// changing anything: what an analyst's profile of an account shows. `since_last` is the time since its
    /// latest event at or before `t`. `None` when the entity is not known (never seen, or of a role the store
    /// does not track).
    pub fn peek(&self, kind: EntityKind, key: &str, t: i64) -> Option<EntityFeatures> {
        let id = *self.ids[kind as usize].get(key)?;
        let entity = &self.entities[id as usize];
        if entity.first_seen == i64::MAX {
            return None;
        }
        let mut features = self.scan(id, t);
        features.since_last = self.latest_at_or_before(entity, t).map(|latest| t - latest);
        Some(features)
    }

    fn intern(&mut self, kind: EntityKind, key: &str) -> Result<u32, FeatureError> {
        let map = &mut self.ids[kind as usize];
        if let Some(id) = map.get(key) {
            return Ok(*id);
        }
        if self.entities.len() >= MAX_ENTITIES {
            return Err(FeatureError::Capacity(format!("{MAX_ENTITIES} entities")));
        }
        let id = self.entities.len() as u32;
        map.insert(CompactString::from(key), id);
        self.entities.push(Entity::new());
        Ok(id)
    }

    /// Folds a transaction in and writes the features of its entities (its own event included) to `out`.
    pub fn observe_transaction(
        &mut self,
        tx: &Transaction,
        amount: i64,
        out: &mut Snapshot,
    ) -> Result<(), FeatureError> {
        self.observe(&EventKeys::of(tx, amount), out)
    }

    /// Folds an event in and writes the features of its entities (the event included) to `out`.
    pub fn observe(&mut self, event: &EventKeys, out: &mut Snapshot) -> Result<(), FeatureError> {
        self.check_time(event.time)?;
        let prepared = self.prepare(&event.keys)?;
        self.warm(&prepared, event.time);
        self.observe_prepared(event, &prepared, out)
    }

    fn check_time(&self, t: i64) -> Result<(), FeatureError> {
        if self.watermark != i64::MIN && t < self.watermark - self.max_lateness {
            return Err(FeatureError::TooLate {
                time: t,
                late: self.watermark - t,
                watermark: self.watermark,
                bound: self.max_lateness,
            });
        }
        Ok(())
    }

    /// The first step of [`FeatureStore::observe`], which a caller with events queued can take a few events
    /// ahead: finds (or creates) the entities of an event's keys and starts loading their state into the
    /// cache. Then [`FeatureStore::warm`] (an event or so ahead) and [`FeatureStore::observe_prepared`].
    /// Creating the entities of an event that is later refused does no harm: an entity without events is
    /// unknown to every feature.
    pub fn prepare(&mut self, keys: &[Option<&str>; SLOTS]) -> Result<Prepared, FeatureError> {
        let mut ids = [NO_ENTITY; SLOTS];
        for (slot, key) in keys.iter().enumerate() {
            if let (Some(key), true) = (key, self.roles[slot]) {
                ids[slot] = self.intern(Role::ALL[slot].kind(), key)?;
            }
        }
        for id in ids {
            if let Some(entity) = self.entities.get(id as usize) {
                prefetch(entity);
            }
        }
        Ok(Prepared { ids })
    }

    /// The second step: starts loading what folding an event at `time` will read (the tail of each window
    /// with something to expire, the chain's head, the maxima's queues and the counterparty table), once the
    /// entities themselves are in the cache. Only a hint: state changed since is read as it is then.
    pub fn warm(&self, prepared: &Prepared, time: i64) {
        for id in prepared.ids {
            if let Some(entity) = self.entities.get(id as usize) {
                for (h, horizon) in counted(&self.horizons, &self.counted) {
                    if (entity.tail_bounds[h] as i64) * 1000 <= time - horizon {
                        if let Some(record) = self.reservoir.at(entity.tails[h]) {
                            prefetch(record);
                        }
                    }
                }
                if let Some(record) = self.reservoir.at(entity.head) {
                    prefetch(record);
                }
                entity.maxima.prefetch();
                entity.counterparties.prefetch();
            }
        }
    }

    /// An optional step between [`FeatureStore::warm`] and [`FeatureStore::observe_prepared`], once the
    /// tails and the counterparty tables are in the cache: starts loading the event after each tail that will
    /// expire (expiring walks the chain one event after another), and each entity's latest event with the
    /// counterparty.
    pub fn warm_chains(&self, prepared: &Prepared, time: i64) {
        for (slot, id) in prepared.ids.into_iter().enumerate() {
            if let Some(entity) = self.entities.get(id as usize) {
                // And the events that may be its latest with this event's counterparty.
                let key = counterparty_key(counterparty_of(accounts_of(&prepared.ids), slot), side_of(slot));
                entity.counterparties.candidates(key, |l| {
                    if let Some(record) = self.reservoir.at(l) {
                        prefetch(record)
                    }
                });
                for (h, horizon) in counted(&self.horizons, &self.counted) {
                    let start = time - horizon;
                    if (entity.tail_bounds[h] as i64) * 1000 <= start {
                        let tail = entity.tails[h];
                        if let Some(record) = self.reservoir.at(tail).filter(|r| r.time <= start) {
                            let slot = slot_of(tail);
                            // The next event is read only if it is not known to stay (see `expire`).
                            let read = !record.next_after(slot, start);
                            if let Some(next) = self.reservoir.at(record.next[slot]).filter(|_| read) {
                                prefetch(next);
                            }
                        }
                    }
                }
            }
        }
    }

    /// The last step: folds an event in and writes the features of its entities to `out`; `prepared` must
    /// come from [`FeatureStore::prepare`] with this event's keys.
    pub fn observe_prepared(
        &mut self,
        event: &EventKeys,
        prepared: &Prepared,
        out: &mut Snapshot,
    ) -> Result<(), FeatureError> {
        let t = event.time;
        self.check_time(t)?;
        if self.reservoir.len() >= MAX_HELD {
            return Err(FeatureError::Capacity(format!("{MAX_HELD} events within the memory")));
        }
        self.watermark = self.watermark.max(t);
        let ids = prepared.ids;
        // Per slot: time since the entity's latest earlier event, taken before any slot is folded.
        let mut since_last = [None; SLOTS];
        let mut late = [false; SLOTS];
        for slot in 0..SLOTS {
            if ids[slot] != NO_ENTITY {
                let entity = &self.entities[ids[slot] as usize];
                late[slot] = entity.head_time != i64::MIN && t < entity.head_time;
                since_last[slot] = if late[slot] {
                    self.latest_at_or_before(entity, t).map(|p| t - p)
                } else if entity.head_time != i64::MIN {
                    Some(t - entity.head_time)
                } else {
                    None
                };
            }
        }
        let seq = self.reservoir.push(Record {
            time: t,
            amount: event.amount,
            accounts: accounts_of(&ids),
            next: [NO_LINK; SLOTS],
            next_second: [0; 2],
            new_counterparty: 0,
            latest: 0,
        });
        let mut new_flags = 0u8;
        for slot in 0..SLOTS {
            let id = ids[slot];
            if id == NO_ENTITY {
                continue;
            }
            let counterparty = counterparty_of(accounts_of(&ids), slot);
            let new = if late[slot] {
                self.fold_late(id, link(seq, slot), t, event.amount, counterparty)
            } else {
                self.fold_in_order(id, link(seq, slot), t, event.amount, counterparty)
            };
            if new {
                new_flags |= 1 << slot;
            }
        }
        if let Some(record) = self.reservoir.get_mut(seq) {
            record.new_counterparty = new_flags;
        }
        for slot in 0..SLOTS {
            if ids[slot] == NO_ENTITY {
                out.roles[slot] = None;
                continue;
            }
            // Written in place: a snapshot's features are a few hundred bytes a role, and the slot nearly
            // always holds the previous event's, to be overwritten.
            let features = if late[slot] {
                out.roles[slot].insert(self.scan(ids[slot], t))
            } else {
                let features = out.roles[slot].get_or_insert_with(EntityFeatures::default);
                self.read_into(ids[slot], features);
                features
            };
            features.since_last = since_last[slot];
            features.new_counterparty = new_flags & (1 << slot) != 0;
        }
        self.observed += 1;
        self.housekeep();
        Ok(())
    }

    /// The latest time among an entity's events at or before `t` (walking its chain from the anchor).
    fn latest_at_or_before(&self, entity: &Entity, t: i64) -> Option<i64> {
        let mut cursor = entity.anchor;
        let mut latest = (entity.before_anchor != i64::MIN).then_some(entity.before_anchor);
        while let Some(record) = self.reservoir.at(cursor) {
            if record.time > t {
                break;
            }
            latest = Some(record.time);
            cursor = record.next[slot_of(cursor)];
        }
        latest
    }

    /// Folds an event at or after the entity's latest: links it at the head, expires each window's tail and
    /// adds it. Returns whether its counterparty is new to the entity on its side.
    fn fold_in_order(&mut self, id: u32, new: Link, t: i64, amount: i64, counterparty: u32) -> bool {
        let side = side_of(slot_of(new));
        let key = counterparty_key(counterparty, side);
        let reservoir = &mut self.reservoir;
        let entity = &mut self.entities[id as usize];
        // Start loading the events that may be the counterparty's latest with this entity: the table confirms
        // its entry by reading it, below, once the windows have moved.
        entity.counterparties.candidates(key, |l| {
            if let Some(record) = reservoir.at(l) {
                prefetch(record)
            }
        });
        if entity.head != NO_LINK {
            reservoir.set_next(entity.head, new);
        }
        entity.head = new;
        entity.head_time = t;
        entity.first_seen = entity.first_seen.min(t);
        if !reservoir.holds(entity.anchor) {
            entity.anchor = new;
        }
        let horizons = &self.horizons;
        let kept = &self.counted;
        for (h, horizon) in counted(horizons, kept) {
            expire(&mut entity.tails[h], &mut entity.tail_bounds[h], &mut entity.windows[h], reservoir, t - horizon);
            if entity.tails[h] == NO_LINK {
                entity.tails[h] = new;
                entity.tail_bounds[h] = seconds_floor(t);
            }
        }
        // The new event becomes the counterparty's latest (one search: the old value comes back).
        let previous_link = entity.counterparties.insert(key, new, |l| link_key(reservoir, l));
        let previous = previous_link.and_then(|l| reservoir.time(l));
        let is_new = previous.is_none_or(|p| p <= t - self.memory);
        for (h, horizon) in counted(horizons, kept) {
            let joins = previous.is_none_or(|p| p <= t - horizon);
            add(&mut entity.windows[h], side, amount, is_new, joins);
        }
        // One queue per side, over its longest kept horizon; the shorter ones are read off it.
        let layout = &self.maxima_layout;
        entity.maxima.advance(layout, t);
        if layout.span(side).is_some() {
            entity.maxima.push(layout, side, t, amount);
        }
        // Expiring an older event with this counterparty no longer removes it from a window.
        if let Some(previous) = previous_link {
            reservoir.set_latest(previous, false);
        }
        reservoir.set_latest(new, true);
        is_new
    }

    /// Folds an event earlier than the entity's latest: inserts it into the chain in time order and adds it
    /// to each window of the entity's latest time that it falls in. Returns whether its counterparty is new.
    fn fold_late(&mut self, id: u32, new: Link, t: i64, amount: i64, counterparty: u32) -> bool {
        let memory = self.memory;
        let side = side_of(slot_of(new));
        let key = counterparty_key(counterparty, side);
        let reservoir = &mut self.reservoir;
        let entity = &mut self.entities[id as usize];
        // Walk from the anchor to the last event at or before t; note whether the counterparty was seen on
        // this side within the memory before t.
        let mut predecessor = NO_LINK;
        let mut cursor = entity.anchor;
        let mut seen = false;
        while cursor != NO_LINK && cursor != new {
            let Some(record) = reservoir.at(cursor) else { break };
            if record.time > t {
                break;
            }
            let slot = slot_of(cursor);
            if side_of(slot) == side && record_counterparty(record, slot) == counterparty && record.time > t - memory {
                seen = true;
            }
            predecessor = cursor;
            cursor = record.next[slot];
        }
        if predecessor == NO_LINK {
            let anchor = if reservoir.holds(entity.anchor) { entity.anchor } else { NO_LINK };
            reservoir.set_next(new, anchor);
            entity.anchor = new;
        } else {
            let after = reservoir.next(predecessor);
            reservoir.set_next(new, after);
            reservoir.set_next(predecessor, new);
        }
        entity.first_seen = entity.first_seen.min(t);
        let latest = entity.counterparties.get(key, |l| link_key(reservoir, l));
        let latest_time = latest.and_then(|l| reservoir.time(l));
        for (h, horizon) in counted(&self.horizons, &self.counted) {
            let start = entity.head_time - horizon;
            if t <= start {
                continue;
            }
            let joins = latest_time.is_none_or(|p| p <= start);
            add(&mut entity.windows[h], side, amount, !seen, joins);
            let tail = &mut entity.tails[h];
            if reservoir.time(*tail).is_none_or(|tail_time| t < tail_time) {
                *tail = new;
                entity.tail_bounds[h] = seconds_floor(t);
            }
        }
        let layout = &self.maxima_layout;
        if layout.span(side).is_some_and(|span| t > entity.head_time - span) {
            entity.maxima.insert(layout, side, t, amount);
        }
        if latest_time.is_none_or(|p| p <= t) {
            if let Some(previous) = latest {
                reservoir.set_latest(previous, false);
            }
            reservoir.set_latest(new, true);
            entity.counterparties.insert(key, new, |l| link_key(reservoir, l));
        }
        !seen
    }

    /// The features of an entity whose latest event is the current one, from its running counts.
    fn read_into(&self, id: u32, features: &mut EntityFeatures) {
        let entity = &self.entities[id as usize];
        features.first_seen = entity.first_seen;
        features.since_last = None;
        features.new_counterparty = false;
        for h in 0..MAX_HORIZONS {
            let counted = h < self.horizons.len() && self.counted[h];
            for side in 0..2 {
                features.windows[h][side] = if counted {
                    let window = &entity.windows[h];
                    SideFeatures {
                        count: window.count[side],
                        sum: window.sum[side],
                        max: 0,
                        distinct: window.distinct[side],
                        new_counterparties: window.new_counterparties[side],
                    }
                } else {
                    SideFeatures::default()
                };
            }
        }
        for (h, horizon) in self.horizons.iter().enumerate() {
            for side in 0..2 {
                if self.maxima[h][side] {
                    features.windows[h][side].max =
                        entity.maxima.max(&self.maxima_layout, side, entity.head_time - horizon);
                }
            }
        }
    }

    /// The features of an entity at time `t` by walking its chain (for late events).
    fn scan(&self, id: u32, t: i64) -> EntityFeatures {
        let entity = &self.entities[id as usize];
        let mut features = EntityFeatures {
            first_seen: entity.first_seen,
            since_last: None,
            new_counterparty: false,
            windows: [[SideFeatures::default(); 2]; MAX_HORIZONS],
        };
        let mut distinct: Vec<[Vec<u32>; 2]> = vec![[Vec::new(), Vec::new()]; self.horizons.len()];
        let mut cursor = entity.anchor;
        while let Some(record) = self.reservoir.at(cursor) {
            if record.time > t {
                break;
            }
            let slot = slot_of(cursor);
            let side = side_of(slot);
            for (h, horizon) in self.horizons.iter().enumerate() {
                if record.time > t - horizon {
                    let f = &mut features.windows[h][side];
                    f.count += 1;
                    f.sum += record.amount;
                    f.max = f.max.max(record.amount);
                    if record.new_counterparty & (1 << slot) != 0 {
                        f.new_counterparties += 1;
                    }
                    let cp = record_counterparty(record, slot);
                    if !distinct[h][side].contains(&cp) {
                        distinct[h][side].push(cp);
                    }
                }
            }
            cursor = record.next[slot];
        }
        for (h, sides) in distinct.iter().enumerate() {
            for (side, counterparties) in sides.iter().enumerate() {
                let f = &mut features.windows[h][side];
                f.distinct = counterparties.len() as u32;
                if !self.maxima[h][side] {
                    f.max = 0;
                }
                if !self.counted[h] {
                    *f = SideFeatures { max: f.max, ..SideFeatures::default() };
                }
            }
        }
        features
    }

    /// Housekeeping after each event, spread so that no event pays for all of it: every `sweep_every` events
    /// a pass starts if some stored events are beyond every window and the memory (older than the latest
    /// time minus twice the lateness bound minus the memory); a pass visits a few entities per event
    /// ([`FeatureStore::visit`]) and, once it has visited every entity, drops those events from the
    /// reservoir. Links to them are forgotten at each entity's visit in the next pass, long before the
    /// 29-bit event numbers could wrap.
    fn housekeep(&mut self) {
        match self.pass_before {
            None => {
                if self.observed.is_multiple_of(self.sweep_every) {
                    let before = self.watermark - 2 * self.max_lateness - self.memory;
                    if self.reservoir.front_time().is_some_and(|time| time < before) {
                        self.pass_before = Some(before);
                        self.cursor = 0;
                    }
                }
            }
            Some(before) => {
                // Entities are visited in groups every `VISIT_GROUP` events, enough to finish within
                // `sweep_every` events (and a group).
                if !self.observed.is_multiple_of(VISIT_GROUP as u64) {
                    return;
                }
                let per_group = (self.entities.len() / self.sweep_every as usize + 1) * VISIT_GROUP;
                let end = (self.cursor + per_group).min(self.entities.len());
                for id in self.cursor..end {
                    self.visit(id, before);
                }
                self.move_anchors(self.cursor..end, before);
                self.cursor = end;
                if self.cursor == self.entities.len() {
                    self.reservoir.drop_older(before);
                    self.pass_before = None;
                }
            }
        }
    }

    /// A group's part of a pass: moves each entity's chain anchor past its events before `before` (which the
    /// pass will drop). Each step of a walk along a chain waits for one event, old and out of the cache; the
    /// group's walks take their steps in turn, so that their waits overlap.
    fn move_anchors(&mut self, ids: std::ops::Range<usize>, before: i64) {
        let reservoir = &self.reservoir;
        for group in self.entities[ids].chunks_mut(64) {
            // Bit i: entity i's walk goes on.
            let mut walking: u64 = if group.len() == 64 { u64::MAX } else { (1 << group.len()) - 1 };
            while walking != 0 {
                for (i, entity) in group.iter_mut().enumerate() {
                    if walking & (1 << i) == 0 {
                        continue;
                    }
                    let Some(record) = reservoir.at(entity.anchor).filter(|r| r.time < before) else {
                        walking &= !(1 << i);
                        continue;
                    };
                    entity.before_anchor = entity.before_anchor.max(record.time);
                    let slot = slot_of(entity.anchor);
                    entity.anchor = record.next[slot];
                    // A next event known to stay (at or after `before`) need not be loaded.
                    if record.next_after(slot, before - 1) {
                        walking &= !(1 << i);
                    }
                }
            }
            for entity in group.iter_mut() {
                if !reservoir.holds(entity.anchor) {
                    entity.anchor = NO_LINK;
                }
            }
        }
    }

    /// One entity's part of a pass: removes from its windows and maxima the events before `before` (which
    /// the pass will drop), and forgets its links to events dropped by earlier passes; its anchor is moved
    /// by [`FeatureStore::move_anchors`].
    fn visit(&mut self, id: usize, before: i64) {
        let reservoir = &self.reservoir;
        let entity = &mut self.entities[id];
        for (h, _) in counted(&self.horizons, &self.counted) {
            // Events before `before` are outside every admissible window; `before` - 1 as the window start
            // expires exactly those.
            let (tail, bound) = (&mut entity.tails[h], &mut entity.tail_bounds[h]);
            expire(tail, bound, &mut entity.windows[h], reservoir, before - 1);
        }
        for side in 0..2 {
            entity.maxima.expire(&self.maxima_layout, side, before - 1);
        }
        entity.maxima.shrink();
        entity.counterparties.retain(|l| reservoir.holds(l), |l| link_key(reservoir, l));
        if !reservoir.holds(entity.head) {
            entity.head = NO_LINK;
        }
    }

    /// Memory held, per entity and in the reservoir.
    pub fn memory(&self) -> MemoryReport {
        let mut total = 0;
        let mut max = 0;
        let (mut counterparties, mut counterparty_bytes, mut maxima_candidates, mut maxima_bytes) = (0, 0, 0, 0);
        for entity in &self.entities {
            let bytes = entity.bytes();
            total += bytes;
            max = max.max(bytes);
            counterparties += entity.counterparties.len();
            counterparty_bytes += entity.counterparties.heap_bytes();
            maxima_candidates += entity.maxima.len(&self.maxima_layout);
            maxima_bytes += entity.maxima.heap_bytes();
        }
        let index: usize =
            self.ids.iter().map(|m| m.capacity() * (std::mem::size_of::<(CompactString, u32)>() + 1)).sum();
        MemoryReport {
            entities: self.entities.len(),
            entity_bytes: total + index,
            entity_bytes_max: max,
            counterparties,
            counterparty_bytes,
            maxima_candidates,
            maxima_bytes,
            index_bytes: index,
            events: self.reservoir.len(),
            reservoir_bytes: self.reservoir.bytes(),
        }
    }
}

/// The table key of a counterparty on one side.
#[inline]
fn counterparty_key(counterparty: u32, side: usize) -> Key {
    // Entity numbers are below 2^31 (MAX_ENTITIES); "no entity" (u32::MAX) becomes a key no entity has.
    (counterparty << 1) | side as u32
}

/// The table key of a link's counterparty on the link's side, read off its event (`None` if dropped).
#[inline]
fn link_key(reservoir: &Reservoir, link: Link) -> Option<Key> {
    let slot = slot_of(link);
    reservoir.at(link).map(|record| counterparty_key(record_counterparty(record, slot), side_of(slot)))
}

/// The debtor's and the creditor's account entities of an event's entity numbers.
#[inline]
fn accounts_of(ids: &[u32; SLOTS]) -> [u32; 2] {
    [ids[Role::DebtorAccount as usize], ids[Role::CreditorAccount as usize]]
}

/// The counterparty account of a slot, given the event's debtor and creditor accounts: the creditor for the
/// paying side, the debtor for the paid.
#[inline]
fn counterparty_of(accounts: [u32; 2], slot: usize) -> u32 {
    accounts[1 - side_of(slot)]
}

/// The counterparty account of a record's slot.
fn record_counterparty(record: &Record, slot: usize) -> u32 {
    counterparty_of(record.accounts, slot)
}

/// Walks a window's tail forward over events at or before `start` (the window is `(start, ...]`),
/// subtracting them, and keeps `bound` (whole seconds, at most the tail's time) up to date.
#[inline]
fn expire(tail: &mut Link, bound: &mut u32, window: &mut Window, reservoir: &Reservoir, start: i64) {
    if *tail != NO_LINK && (*bound as i64) * 1000 > start {
        // The tail is after the start: nothing to expire, and no need to load it to know.
        return;
    }
    while *tail != NO_LINK {
        let Some(record) = reservoir.at(*tail) else {
            // Dropped: housekeeping empties windows before it drops their events, so this is a window left
            // empty-tailed; start afresh.
            *tail = NO_LINK;
            *window = Window::default();
            return;
        };
        if record.time > start {
            *bound = seconds_floor(record.time);
            return;
        }
        let slot = slot_of(*tail);
        let side = side_of(slot);
        window.count[side] -= 1;
        window.sum[side] -= record.amount;
        if record.new_counterparty & (1 << slot) != 0 {
            window.new_counterparties[side] -= 1;
        }
        if record.latest & (1 << slot) != 0 {
            window.distinct[side] -= 1;
        }
        *tail = record.next[slot];
        if *tail != NO_LINK && record.next_after(slot, start) {
            // It stays, known without loading it: its time to the second is the bound.
            *bound = record.next_second[slot];
            return;
        }
    }
    // The chain ran out: every event left the window.
    debug_assert!(window.count == [0, 0]);
}

/// Adds one event to one side of a window.
#[inline]
fn add(window: &mut Window, side: usize, amount: i64, new_counterparty: bool, joins: bool) {
    window.count[side] += 1;
    window.sum[side] += amount;
    if new_counterparty {
        window.new_counterparties[side] += 1;
    }
    if joins {
        window.distinct[side] += 1;
    }
}
