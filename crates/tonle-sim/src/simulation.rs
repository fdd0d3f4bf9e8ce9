//! The simulation: a population's ordinary life day by day, with the planned typologies merged in, written
//! out in time order as labelled transactions. Memory holds one day of events, the typologies' planned
//! events and the population, never the output.

use compact_str::CompactString;
use tonle_core::{
    AccountRecord, Currency, EventTime, FxRate, FxTable, Label, LabelledTransaction, Money, ScenarioId, Text,
    Transaction, TxId, Typology,
};

use crate::event::{Event, Purpose, NONE};
use crate::fx::Rates;
use crate::life;
use crate::population::Population;
use crate::rng::Rng;
use crate::scenario::{Activity, Scenario};
use crate::typologies;
use crate::world::{World, DAY_MS};

/// How many events ahead [`Simulation::fill`] prefetches accounts.
const PREFETCH_AHEAD: usize = 8;

/// Stream number of the population.
const POPULATION_STREAM: u64 = 1;

/// Hours the earliest time zone of the region (UTC+8) is ahead of UTC: a local day's events can fall this
/// long before its UTC midnight.
const MAX_OFFSET_MS: i64 = 8 * 3_600_000;

/// What one scenario (a scheme or a look-alike) amounted to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ScenarioSummary {
    /// Its id (`mule-network-0003`).
    pub id: ScenarioId,
    /// Its kind (`mule-network`, `payroll`).
    pub kind: &'static str,
    /// Its typology (none for legitimate look-alikes).
    pub typology: Option<Typology>,
    /// Whether its transactions are illicit.
    pub illicit: bool,
    /// Accounts taking part.
    pub accounts: usize,
    /// Transactions written.
    pub transactions: u64,
    /// Its first and last transaction times.
    pub span: Option<(EventTime, EventTime)>,
}

/// A running simulation: an iterator of labelled transactions in time order (or take them in chunks with
/// [`Simulation::fill`]).
pub struct Simulation {
    world: World,
    activity: Activity,
    seed: u64,
    planned: Vec<Event>,
    next_planned: usize,
    pending: Vec<Event>,
    ready: Vec<Event>,
    ready_pos: usize,
    day: u32,
    written: u64,
    per_scenario: Vec<(u64, i64, i64)>,
    purposes: [Option<Text>; 10],
}

impl Simulation {
    /// Builds the population and plans every typology. The same scenario and seed always give the same
    /// simulation.
    pub fn new(scenario: &Scenario, seed: u64) -> Simulation {
        let rates = Rates::new(&scenario.fx_per_usd);
        let start_ms = scenario.start_date().and_hms_opt(0, 0, 0).map(|t| t.and_utc().timestamp_millis()).unwrap_or(0);
        let mut rng = Rng::stream(seed, POPULATION_STREAM);
        let pop = Population::build(scenario, &rates, &mut rng, start_ms);
        let mut world = World::new(pop, rates, start_ms, scenario.days);
        let planned = typologies::plan(&mut world, scenario, seed);
        let purposes = [
            Purpose::None,
            Purpose::Salary,
            Purpose::Supplier,
            Purpose::Goods,
            Purpose::Electricity,
            Purpose::Phone,
            Purpose::Rent,
            Purpose::Family,
            Purpose::Investment,
            Purpose::Gaming,
        ]
        .map(|p| p.code().map(|code| Text::new(code).expect("purpose codes are non-empty")));
        Simulation {
            world,
            activity: scenario.activity.clone(),
            seed,
            planned,
            next_planned: 0,
            pending: Vec::new(),
            ready: Vec::new(),
            ready_pos: 0,
            day: 0,
            written: 0,
            per_scenario: Vec::new(),
            purposes,
        }
    }

    /// Days simulated so far, and in all.
    pub fn progress(&self) -> (u32, u32) {
        (self.day, self.world.days)
    }

    /// Transactions produced so far.
    pub fn written(&self) -> u64 {
        self.written
    }

    /// Appends up to `max` transactions, in time order, to `out`, simulating further days as needed.
    /// Returns how many it appended: 0 once the simulation is over.
    pub fn fill(&mut self, out: &mut Vec<LabelledTransaction>, max: usize) -> usize {
        let mut appended = 0;
        while appended < max {
            if self.ready_pos == self.ready.len() && !self.advance() {
                break;
            }
            let n = (self.ready.len() - self.ready_pos).min(max - appended);
            out.reserve(n);
            for i in self.ready_pos..self.ready_pos + n {
                if let Some(ahead) = self.ready.get(i + PREFETCH_AHEAD) {
                    self.prefetch(ahead.debtor);
                    self.prefetch(ahead.creditor);
                }
                let event = self.ready[i];
                let record = self.materialise(&event);
                out.push(record);
            }
            self.ready_pos += n;
            appended += n;
        }
        appended
    }

    /// Simulates the next day and moves the events now final (none can come before them any more) to
    /// `ready`, in time order. Returns false once every day has been simulated and everything flushed.
    fn advance(&mut self) -> bool {
        if self.day > self.world.days {
            return false;
        }
        let horizon = if self.day < self.world.days {
            life::generate_day(&mut self.world, &self.activity, self.seed, self.day, &mut self.pending);
            // Tomorrow's earliest local midnight: nothing generated later can come before it.
            self.world.start_ms + (self.day as i64 + 1) * DAY_MS - MAX_OFFSET_MS
        } else {
            i64::MAX
        };
        self.day += 1;
        while self.next_planned < self.planned.len() && self.planned[self.next_planned].time < horizon {
            self.pending.push(self.planned[self.next_planned]);
            self.next_planned += 1;
        }
        self.pending.sort_unstable_by_key(Event::key);
        let ready = self.pending.partition_point(|e| e.time < horizon);
        self.ready.clear();
        self.ready.extend(self.pending.drain(..ready));
        self.ready_pos = 0;
        true
    }

    /// Asks the CPU to start loading an account a few events ahead: events come in time order, so their
    /// accounts are scattered over memory, and waiting for each was a large share of the time.
    #[inline(always)]
    fn prefetch(&self, account: u32) {
        #[cfg(target_arch = "x86_64")]
        if let Some(a) = self.world.pop.accounts.get(account as usize) {
            let p = a as *const _ as *const i8;
            // SAFETY: a prefetch is a hint: it reads nothing the program sees and cannot fault, whatever the
            // address. The addresses are an account's first two cache lines (`wrapping_add`: no pointer
            // arithmetic assumption is made about the allocation).
            unsafe {
                std::arch::x86_64::_mm_prefetch(p, std::arch::x86_64::_MM_HINT_T0);
                std::arch::x86_64::_mm_prefetch(p.wrapping_add(64), std::arch::x86_64::_MM_HINT_T0);
            }
        }
        #[cfg(not(target_arch = "x86_64"))]
        let _ = account;
    }

    fn materialise(&mut self, e: &Event) -> LabelledTransaction {
        self.written += 1;
        let accounts = &self.world.pop.accounts;
        let (device, ip) = if e.device == NONE {
            (None, None)
        } else {
            let d = &self.world.pop.devices[e.device as usize];
            (Some(d.id.clone()), Some(d.ip))
        };
        let scenario = e.scenario as usize;
        if scenario != 0 {
            if self.per_scenario.len() <= scenario {
                self.per_scenario.resize(self.world.scenarios.len(), (0, i64::MAX, i64::MIN));
            }
            let s = &mut self.per_scenario[scenario];
            s.0 += 1;
            s.1 = s.1.min(e.time);
            s.2 = s.2.max(e.time);
        }
        let label = &self.world.scenarios[scenario].label;
        let tx = Transaction {
            id: tx_id(self.written),
            // Simulated times lie within years 1970 to 9999 (validated start, at most 3660 days).
            time: EventTime::from_millis(e.time).expect("simulated time in range"),
            debtor: accounts[e.debtor as usize].party.clone(),
            creditor: accounts[e.creditor as usize].party.clone(),
            amount: Money::from_minor(e.amount, e.currency),
            received: if e.received_currency != e.currency || e.received != e.amount {
                Some(Money::from_minor(e.received, e.received_currency))
            } else {
                None
            },
            channel: e.channel,
            device,
            ip,
            purpose: self.purposes[e.purpose as usize].clone(),
            reference: None,
        };
        LabelledTransaction { tx, label: Some(label.clone()) }
    }

    /// Every account with its ground truth.
    pub fn accounts(&self) -> impl Iterator<Item = AccountRecord> + '_ {
        let world = &self.world;
        world.pop.accounts.iter().map(move |a| AccountRecord {
            account: a.party.account.clone(),
            institution: a.party.institution.clone(),
            party: a.party.party.clone(),
            name: a.party.name.clone(),
            kind: a.kind,
            country: a.party.country,
            currency: a.currency,
            opened: EventTime::from_millis(a.opened).ok(),
            phone: a.party.phone.clone(),
            device: if a.device == NONE { None } else { Some(world.pop.devices[a.device as usize].id.clone()) },
            role: a.role,
            scenarios: a.scenarios.iter().filter_map(|s| world.scenarios[*s as usize].label.scenario.clone()).collect(),
        })
    }

    /// Every scenario (schemes and look-alikes), with what it amounted to so far.
    pub fn scenarios(&self) -> Vec<ScenarioSummary> {
        self.world
            .scenarios
            .iter()
            .enumerate()
            .skip(1)
            .filter_map(|(i, s)| {
                let (count, first, last) = self.per_scenario.get(i).copied().unwrap_or((0, i64::MAX, i64::MIN));
                Some(ScenarioSummary {
                    id: s.label.scenario.clone()?,
                    kind: s.kind,
                    typology: s.label.typology.clone(),
                    illicit: s.label.illicit,
                    accounts: s.accounts.len(),
                    transactions: count,
                    span: if count > 0 {
                        Some((EventTime::from_millis(first).ok()?, EventTime::from_millis(last).ok()?))
                    } else {
                        None
                    },
                })
            })
            .collect()
    }

    /// The fixed exchange rates used, in units per US dollar.
    pub fn rates(&self) -> &[(Currency, f64)] {
        self.world.rates.all()
    }

    /// The date the exchange rates are given for: the day before the start, since the first local day begins
    /// up to eight hours before the start date in UTC.
    pub fn rates_date(&self) -> chrono::NaiveDate {
        // start_ms is a validated date from 1970 on.
        let start = chrono::DateTime::from_timestamp_millis(self.world.start_ms).expect("start date").date_naive();
        start - chrono::Duration::days(1)
    }

    /// The exchange rates as a table in US dollars dated [`Simulation::rates_date`], to convert the
    /// simulation's amounts (what `fx.csv` holds).
    pub fn fx_table(&self) -> FxTable {
        let mut table = FxTable::new(Currency::USD);
        for (currency, per_usd) in self.rates() {
            if *currency != Currency::USD {
                // Validated rates are finite and positive, and f64's Display writes plain decimals.
                let rate = FxRate::parse(&per_usd.to_string()).expect("a positive decimal rate");
                table.insert(self.rates_date(), Currency::USD, *currency, rate).expect("a rate against the base");
            }
        }
        table
    }

    /// The label of ordinary life.
    pub fn licit() -> Label {
        Label::licit()
    }
}

impl Iterator for Simulation {
    type Item = LabelledTransaction;

    fn next(&mut self) -> Option<LabelledTransaction> {
        while self.ready_pos == self.ready.len() {
            if !self.advance() {
                return None;
            }
        }
        let event = self.ready[self.ready_pos];
        self.ready_pos += 1;
        Some(self.materialise(&event))
    }
}

/// `T` and the 1-based sequence number, zero-padded to 10 digits: `T0000000001`.
fn tx_id(n: u64) -> TxId {
    let mut buf = [b'0'; 21];
    buf[0] = b'T';
    let mut value = n;
    let mut end = 11;
    if n >= 10_000_000_000 {
        end = 1 + (n.ilog10() as usize + 1);
    }
    let mut i = end;
    while i > 1 {
        i -= 1;
        buf[i] = b'0' + (value % 10) as u8;
        value /= 10;
    }
    // The buffer holds 'T' and ASCII digits only.
    let text = std::str::from_utf8(&buf[..end]).expect("ASCII id");
    TxId::new(CompactString::from(text)).expect("non-empty id")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn transaction_ids() {
        assert_eq!(tx_id(1).as_str(), "T0000000001");
        assert_eq!(tx_id(9_999_999_999).as_str(), "T9999999999");
        assert_eq!(tx_id(12_345_678_901).as_str(), "T12345678901");
    }
}
