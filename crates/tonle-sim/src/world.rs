//! The mutable state shared by ordinary life and the typology injectors: population, rates, scenarios, and
//! the scheduling of events.

use tonle_core::{AccountRole, Channel, Label, ScenarioId, Typology};

use crate::event::{Event, Purpose};
use crate::fx::Rates;
use crate::population::Population;
use crate::region::COUNTRIES;
use crate::rng::{AliasTable, Rng};

/// Milliseconds in a day.
pub const DAY_MS: i64 = 86_400_000;
/// Milliseconds in a minute.
pub const MINUTE_MS: i64 = 60_000;

/// One scenario: an injected scheme or a legitimate look-alike, with the ground truth it writes.
#[derive(Debug, Clone)]
pub struct ScenarioEntry {
    /// What kind of scheme (`pig-butchering`) or look-alike (`payroll`).
    pub kind: &'static str,
    /// The label every transaction of the scenario carries.
    pub label: Label,
    /// Accounts taking part.
    pub accounts: Vec<u32>,
}

/// Everything generators share.
pub struct World {
    /// The population.
    pub pop: Population,
    /// Exchange rates.
    pub rates: Rates,
    /// Scenarios; index 0 is ordinary life.
    pub scenarios: Vec<ScenarioEntry>,
    /// UTC ms of the first day's midnight.
    pub start_ms: i64,
    /// Days simulated.
    pub days: u32,
    /// Name of the simulation scenario (prefix of nothing; kept for ids).
    seq: u64,
    hourly: AliasTable,
    hourly_scam: AliasTable,
}

impl World {
    /// A world around a population.
    pub fn new(pop: Population, rates: Rates, start_ms: i64, days: u32) -> World {
        World {
            pop,
            rates,
            scenarios: vec![ScenarioEntry { kind: "ordinary", label: Label::licit(), accounts: Vec::new() }],
            start_ms,
            days,
            seq: 0,
            hourly: AliasTable::new(&crate::region::HOURLY),
            hourly_scam: AliasTable::new(&crate::region::HOURLY_SCAM),
        }
    }

    /// Registers a scenario; its id is `<kind>-<n>` with n counting scenarios of that kind from 1.
    pub fn register(&mut self, kind: &'static str, typology: Option<Typology>, illicit: bool) -> u32 {
        let n = self.scenarios.iter().filter(|s| s.kind == kind).count() + 1;
        // kind is a non-empty literal.
        let id = ScenarioId::new(format!("{kind}-{n:04}")).expect("scenario id");
        self.scenarios.push(ScenarioEntry {
            kind,
            label: Label { illicit, typology, scenario: Some(id) },
            accounts: Vec::new(),
        });
        (self.scenarios.len() - 1) as u32
    }

    /// Records that an account takes part in a scenario, in a role (the strongest role is kept: an account
    /// that is a victim in one scheme and a mule in another is a mule).
    pub fn involve(&mut self, scenario: u32, account: u32, role: AccountRole) {
        let entry = &mut self.scenarios[scenario as usize];
        if !entry.accounts.contains(&account) {
            entry.accounts.push(account);
        }
        let acc = &mut self.pop.accounts[account as usize];
        if !acc.scenarios.contains(&scenario) {
            acc.scenarios.push(scenario);
        }
        if role != AccountRole::Normal && (acc.role == AccountRole::Normal || role_rank(role) > role_rank(acc.role)) {
            acc.role = role;
        }
        acc.claimed = true;
    }

    /// A payment of `amount` minor units of the debtor's currency; the creditor receives it converted to its
    /// own currency (cash keeps the debtor's currency).
    #[allow(clippy::too_many_arguments)]
    #[inline]
    pub fn event(
        &mut self,
        time: i64,
        debtor: u32,
        creditor: u32,
        amount: i64,
        channel: Channel,
        purpose: Purpose,
        device: u32,
        scenario: u32,
    ) -> Event {
        let currency = self.pop.accounts[debtor as usize].currency;
        let received_currency =
            if channel.is_cash() { currency } else { self.pop.accounts[creditor as usize].currency };
        let received = self.rates.convert(amount, currency, received_currency);
        self.seq += 1;
        Event {
            time,
            seq: self.seq,
            debtor,
            creditor,
            amount,
            received,
            currency,
            received_currency,
            channel,
            purpose,
            device,
            scenario,
        }
    }

    /// A time on local day `day` of a country, following the daily rhythm (scam hours when `scam`).
    #[inline]
    pub fn local_time(&self, rng: &mut Rng, day: i64, country: usize, scam: bool) -> i64 {
        let hour = if scam { self.hourly_scam.sample(rng) } else { self.hourly.sample(rng) } as i64;
        let within = rng.below(3_600_000) as i64;
        self.start_ms + day * DAY_MS + hour * 3_600_000 + within - COUNTRIES[country].utc_offset_hours * 3_600_000
    }

    /// A local time of day on `day` in a country at `hour:minute`.
    pub fn at_local(&self, day: i64, country: usize, hour: i64, minute: i64) -> i64 {
        self.start_ms + day * DAY_MS + hour * 3_600_000 + minute * MINUTE_MS
            - COUNTRIES[country].utc_offset_hours * 3_600_000
    }

    /// An account of the population for a scheme: a random person's main account in one of `countries`, not
    /// yet taken by another scheme (in any country when those have none left).
    pub fn recruit(&mut self, rng: &mut Rng, countries: &[usize]) -> u32 {
        for attempt in 0..20_000 {
            // After a while, widen the search to every country: the scenario may have few persons (or none)
            // in the countries a typology prefers.
            let country = if attempt < 2_000 { *rng.pick(countries) } else { rng.index(COUNTRIES.len()) };
            let people = &self.pop.people[country].0;
            if people.is_empty() {
                continue;
            }
            let person = people[rng.index(people.len())];
            let account = self.pop.persons[person as usize].account;
            if !self.pop.accounts[account as usize].claimed {
                self.pop.accounts[account as usize].claimed = true;
                return account;
            }
        }
        // Validation keeps the typologies' needs under half the persons, so random draws find a free one
        // long before this; reaching it means that bound is wrong.
        panic!("no unclaimed account left; the scenario asks for too many scheme accounts")
    }

    /// A business account for a scheme, not yet taken.
    pub fn recruit_business(&mut self, rng: &mut Rng, country: usize) -> u32 {
        for _ in 0..10_000 {
            let firms = &self.pop.firms[country].0;
            if firms.is_empty() {
                break;
            }
            let account = self.pop.businesses[*rng.pick(firms) as usize].account;
            if !self.pop.accounts[account as usize].claimed {
                self.pop.accounts[account as usize].claimed = true;
                return account;
            }
        }
        self.recruit(rng, &[country])
    }

    /// The cash desk of the bank holding an account.
    pub fn cash_desk(&self, account: u32) -> u32 {
        let institution = self.pop.accounts[account as usize].institution;
        let desk = self.pop.institutions[institution].cash_account;
        if desk != crate::event::NONE {
            desk
        } else {
            // Exchanges and casinos bank with a bank of their country; take that country's first bank.
            let country = self.pop.accounts[account as usize].country;
            let bank = self.pop.banks(country).next().unwrap_or(0);
            self.pop.institutions[bank].cash_account
        }
    }

    /// A US-dollar amount in an account's currency, rounded to what people pay.
    pub fn usd_in(&self, usd: f64, account: u32) -> i64 {
        let currency = self.pop.accounts[account as usize].currency;
        self.rates.from_usd(usd, currency, crate::fx::cash_unit(currency))
    }
}

fn role_rank(role: AccountRole) -> u8 {
    match role {
        AccountRole::Normal => 0,
        AccountRole::Victim => 1,
        AccountRole::CashOut => 2,
        AccountRole::Mule => 3,
        AccountRole::Launderer => 4,
        AccountRole::Scammer => 5,
    }
}
