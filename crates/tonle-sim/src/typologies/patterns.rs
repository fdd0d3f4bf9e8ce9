//! IBM AMLworld's eight laundering patterns (Altman et al., NeurIPS 2023; after AMLSim): fan-out, fan-in,
//! gather-scatter, scatter-gather, simple cycle, random, bipartite and stack. Launderers are recruited from
//! the population across the region; amounts are converted between their currencies at the scenario's rates.

use tonle_core::{AccountRole, Channel, Typology};

use super::{draw, draw_f, split, start_day};
use crate::event::{Event, Purpose};
use crate::fx::cash_unit;
use crate::region::{CN, KH, MY, SG, TH, VN};
use crate::rng::Rng;
use crate::scenario::Pattern;
use crate::world::{World, DAY_MS, MINUTE_MS};

/// Which pattern.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Shape {
    /// Many pay one.
    FanIn,
    /// One pays many.
    FanOut,
    /// Many pay a hub that pays many.
    GatherScatter,
    /// One pays many who pay one.
    ScatterGather,
    /// A ring.
    Cycle,
    /// A random walk in a group.
    Random,
    /// One set pays another.
    Bipartite,
    /// Three layers: two bipartite steps.
    Stack,
}

impl Shape {
    /// The shape of a scenario table name (`fan_in`, ...); unknown names are fan-in (the names come from
    /// [`crate::scenario::Scenario::patterns`]).
    pub fn from_table(name: &str) -> Shape {
        match name {
            "fan_out" => Shape::FanOut,
            "gather_scatter" => Shape::GatherScatter,
            "scatter_gather" => Shape::ScatterGather,
            "cycle" => Shape::Cycle,
            "random" => Shape::Random,
            "bipartite" => Shape::Bipartite,
            "stack" => Shape::Stack,
            _ => Shape::FanIn,
        }
    }

    fn typology(self) -> (Typology, &'static str) {
        match self {
            Shape::FanIn => (Typology::FanIn, "fan-in"),
            Shape::FanOut => (Typology::FanOut, "fan-out"),
            Shape::GatherScatter => (Typology::GatherScatter, "gather-scatter"),
            Shape::ScatterGather => (Typology::ScatterGather, "scatter-gather"),
            Shape::Cycle => (Typology::Cycle, "cycle"),
            Shape::Random => (Typology::Random, "random"),
            Shape::Bipartite => (Typology::Bipartite, "bipartite"),
            Shape::Stack => (Typology::Stack, "stack"),
        }
    }
}

/// Schedules payments of one attempt, at rising times within its window.
struct Attempt<'a> {
    world: &'a mut World,
    scenario: u32,
    start: i64,
    length: i64,
}

impl Attempt<'_> {
    fn member(&mut self, rng: &mut Rng) -> u32 {
        let account = self.world.recruit(rng, &[KH, KH, TH, VN, MY, SG, CN]);
        self.world.involve(self.scenario, account, AccountRole::Launderer);
        account
    }

    fn members(&mut self, rng: &mut Rng, n: u32) -> Vec<u32> {
        (0..n).map(|_| self.member(rng)).collect()
    }

    /// A time in the window's fraction [from, to).
    fn time(&self, rng: &mut Rng, from: f64, to: f64) -> i64 {
        let low = self.start + (self.length as f64 * from) as i64;
        let high = self.start + (self.length as f64 * to) as i64;
        rng.between(low, high.max(low + 1) - 1)
    }

    /// A payment of `usd` from one member to another.
    fn pay(&mut self, rng: &mut Rng, time: i64, from: u32, to: u32, usd: f64) -> Event {
        let currency = self.world.pop.accounts[from as usize].currency;
        let amount = self.world.rates.from_usd(usd, currency, cash_unit(currency));
        let channel =
            if rng.chance(0.7) { Channel::BankTransfer } else { super::transfer_channel(self.world, from, to) };
        let device = self.world.pop.accounts[from as usize].device;
        self.world.event(time, from, to, amount, channel, Purpose::None, device, self.scenario)
    }

    /// Passes on `share` of a received payment, some time after it.
    fn pass(&mut self, rng: &mut Rng, received: &Event, to: u32, share: f64, end: f64) -> Event {
        let usd = self.world.rates.to_usd(received.received, received.received_currency) * share;
        let latest = self.start + (self.length as f64 * end) as i64;
        let time =
            (received.time + rng.between(10 * MINUTE_MS, 6 * 3_600_000)).min(latest.max(received.time + MINUTE_MS));
        self.pay(rng, time, received.creditor, to, usd)
    }
}

/// Plans one attempt of a pattern.
pub fn inject(world: &mut World, rng: &mut Rng, shape: Shape, p: &Pattern, out: &mut Vec<Event>) {
    let (typology, kind) = shape.typology();
    let scenario = world.register(kind, Some(typology), true);
    let days = draw(rng, p.days).min(world.days);
    let first = start_day(world, rng, days);
    let start = world.start_ms + first * DAY_MS + rng.between(0, 12) * 3_600_000;
    let length = (days as i64 * DAY_MS).max(6 * 3_600_000);
    let degree = draw(rng, p.degree);
    let total = draw_f(rng, p.amount_usd);
    let mut a = Attempt { world, scenario, start, length };
    let shares = |rng: &mut Rng, n: u32| -> Vec<f64> {
        let parts = split(rng, 1_000_000, n, 1);
        parts.iter().map(|p| total * *p as f64 / 1_000_000.0).collect()
    };
    match shape {
        Shape::FanOut | Shape::FanIn => {
            let hub = a.member(rng);
            let others = a.members(rng, degree);
            for (other, usd) in others.iter().zip(shares(rng, degree)) {
                let time = a.time(rng, 0.0, 1.0);
                let (from, to) = if shape == Shape::FanOut { (hub, *other) } else { (*other, hub) };
                out.push(a.pay(rng, time, from, to, usd));
            }
        }
        Shape::GatherScatter => {
            let hub = a.member(rng);
            let sources = a.members(rng, degree.div_ceil(2).max(2));
            let sinks = a.members(rng, (degree / 2).max(2));
            let mut gathered = 0.0;
            for (source, usd) in sources.iter().zip(shares(rng, sources.len() as u32)) {
                let time = a.time(rng, 0.0, 0.5);
                out.push(a.pay(rng, time, *source, hub, usd));
                gathered += usd;
            }
            let scatter = gathered * rng.uniform(0.9, 0.98);
            let parts = split(rng, 1_000_000, sinks.len() as u32, 1);
            for (sink, part) in sinks.iter().zip(parts) {
                let time = a.time(rng, 0.5, 1.0);
                out.push(a.pay(rng, time, hub, *sink, scatter * part as f64 / 1_000_000.0));
            }
        }
        Shape::ScatterGather => {
            let source = a.member(rng);
            let sink = a.member(rng);
            let middle = a.members(rng, degree);
            for (mid, usd) in middle.iter().zip(shares(rng, degree)) {
                let time = a.time(rng, 0.0, 0.5);
                let first = a.pay(rng, time, source, *mid, usd);
                out.push(first);
                let share = rng.uniform(0.9, 0.99);
                out.push(a.pass(rng, &first, sink, share, 1.0));
            }
        }
        Shape::Cycle => {
            let ring = a.members(rng, degree.max(2));
            let mut usd = total;
            let step = a.length / ring.len() as i64;
            for (i, from) in ring.iter().enumerate() {
                let to = ring[(i + 1) % ring.len()];
                let time = a.start + step * i as i64 + rng.between(0, (step / 2).max(1));
                out.push(a.pay(rng, time, *from, to, usd));
                usd *= rng.uniform(0.95, 0.995);
            }
        }
        Shape::Random => {
            let group = a.members(rng, degree.max(3));
            let steps = group.len() + 2;
            let mut at = rng.index(group.len());
            let mut usd = total;
            let step = a.length / steps as i64;
            for i in 0..steps {
                let mut next = rng.index(group.len());
                if next == at {
                    next = (next + 1) % group.len();
                }
                let time = a.start + step * i as i64 + rng.between(0, (step / 2).max(1));
                out.push(a.pay(rng, time, group[at], group[next], usd));
                usd *= rng.uniform(0.9, 0.99);
                at = next;
            }
        }
        Shape::Bipartite => {
            let left = a.members(rng, degree.div_ceil(2).max(2));
            let right = a.members(rng, (degree / 2).max(2));
            let mut edges: Vec<(u32, u32)> = Vec::new();
            for l in &left {
                let n = rng.between(1, 3.min(right.len() as i64)) as usize;
                let first = rng.index(right.len());
                edges.extend((0..n).map(|k| (*l, right[(first + k) % right.len()])));
            }
            for ((from, to), usd) in edges.iter().zip(shares(rng, edges.len() as u32)) {
                let time = a.time(rng, 0.0, 1.0);
                out.push(a.pay(rng, time, *from, *to, usd));
            }
        }
        Shape::Stack => {
            let size = (degree / 3).max(2);
            let top = a.members(rng, size);
            let middle = a.members(rng, size);
            let bottom = a.members(rng, size);
            for (i, ((from, to), usd)) in top.iter().zip(middle.iter()).zip(shares(rng, size)).enumerate() {
                let time = a.time(rng, 0.0, 0.5);
                let first = a.pay(rng, time, *from, *to, usd);
                out.push(first);
                // Each middle account passes its receipt on to one or two accounts of the bottom layer.
                let targets = rng.between(1, 2) as usize;
                for k in 0..targets {
                    let share = rng.uniform(0.9, 0.98) / targets as f64;
                    out.push(a.pass(rng, &first, bottom[(i + k) % bottom.len()], share, 1.0));
                }
            }
        }
    }
}
