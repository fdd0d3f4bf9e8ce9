//! Typology injectors. Each plans its instances before the simulation runs, choosing accounts from the
//! population (or opening new ones), writing their roles, and scheduling every event with its scenario's
//! label. Each instance draws from its own random stream, so changing one typology leaves the others and
//! ordinary life unchanged.

mod casino;
mod dormant;
mod family;
mod mules;
mod patterns;
mod pig_butchering;
mod structuring;

use tonle_core::{AccountRole, Channel};

use crate::event::{Event, Purpose};
use crate::rng::Rng;
use crate::scenario::{Scenario, Span};
use crate::world::{World, DAY_MS, MINUTE_MS};

/// Stream number base for typology instances.
const TYPOLOGY_STREAM: u64 = 1 << 50;

/// Plans every typology and hard negative of a scenario; returns their events, sorted by time.
pub fn plan(world: &mut World, scenario: &Scenario, seed: u64) -> Vec<Event> {
    let mut events = Vec::new();
    let t = &scenario.typologies;
    let mut injector = 0u64;
    let mut streams = |count: u32| {
        injector += 1;
        let base = TYPOLOGY_STREAM + injector * 1_000_000;
        (0..count as u64).map(move |i| Rng::stream(seed, base + i))
    };
    for mut rng in streams(t.pig_butchering.count) {
        pig_butchering::inject(world, &mut rng, &t.pig_butchering, &mut events);
    }
    for mut rng in streams(t.mule_network.count) {
        mules::network(world, &mut rng, &t.mule_network, &mut events);
    }
    for mut rng in streams(t.mule_accounts.count) {
        mules::batch(world, &mut rng, &t.mule_accounts, &mut events);
    }
    for mut rng in streams(t.structuring.count) {
        structuring::inject(world, &mut rng, &t.structuring, &mut events);
    }
    for (kind, pattern) in scenario.patterns() {
        let shape = patterns::Shape::from_table(kind);
        for mut rng in streams(pattern.count) {
            patterns::inject(world, &mut rng, shape, pattern, &mut events);
        }
    }
    for mut rng in streams(t.dormant_reactivation.count) {
        dormant::inject(world, &mut rng, &t.dormant_reactivation, &mut events);
    }
    for mut rng in streams(t.casino.count) {
        casino::inject(world, &mut rng, &t.casino, &mut events);
    }
    for mut rng in streams(scenario.hard_negatives.family_cycles) {
        family::cycle(world, &mut rng, &mut events);
    }
    events.sort_unstable_by_key(Event::key);
    events
}

/// A uniform integer in a span.
fn draw(rng: &mut Rng, span: Span<u32>) -> u32 {
    rng.between(span.low as i64, span.high as i64) as u32
}

/// A uniform real in a span.
fn draw_f(rng: &mut Rng, span: Span<f64>) -> f64 {
    if span.high > span.low {
        rng.uniform(span.low, span.high)
    } else {
        span.low
    }
}

/// A first day for an instance lasting `length` days, so that it fits in the scenario.
fn start_day(world: &World, rng: &mut Rng, length: u32) -> i64 {
    let last = world.days.saturating_sub(length.max(1));
    rng.between(0, last as i64)
}

/// A delay in minutes drawn from a span, with random seconds, never past the span's upper end.
fn delay(rng: &mut Rng, minutes: Span<u32>) -> i64 {
    rng.between(minutes.low as i64 * MINUTE_MS, minutes.high as i64 * MINUTE_MS)
}

/// Passes `share` of a receipt on from `from` to `to` after a delay: the mule's step. Returns the event.
#[allow(clippy::too_many_arguments)]
fn forward(
    world: &mut World,
    rng: &mut Rng,
    received_at: i64,
    received: i64,
    from: u32,
    to: u32,
    share: Span<f64>,
    minutes: Span<u32>,
    channel: Channel,
    scenario: u32,
) -> Event {
    let amount = ((received as f64 * draw_f(rng, share)).round() as i64).max(1);
    let time = received_at + delay(rng, minutes);
    let device = world.pop.accounts[from as usize].device;
    world.event(time, from, to, amount, channel, Purpose::None, device, scenario)
}

/// The channel a domestic transfer from an account would use: the country's instant scheme, or a bank
/// transfer across borders.
fn transfer_channel(world: &World, from: u32, to: u32) -> Channel {
    let a = &world.pop.accounts[from as usize];
    let b = &world.pop.accounts[to as usize];
    if a.country == b.country {
        crate::region::COUNTRIES[a.country].qr_channel
    } else {
        Channel::BankTransfer
    }
}

/// Recruits an account whose currency is `currency` when one can be found quickly (mule chains keep one
/// currency so that their pass-on shares are exact).
fn recruit_in(world: &mut World, rng: &mut Rng, countries: &[usize], currency: tonle_core::Currency) -> u32 {
    for _ in 0..50 {
        let account = world.recruit(rng, countries);
        if world.pop.accounts[account as usize].currency == currency {
            return account;
        }
        // Not this one: give it back.
        world.pop.accounts[account as usize].claimed = false;
    }
    world.recruit(rng, countries)
}

/// Cashes out what a last mule received: an ATM withdrawal, a USDT purchase or a casino deposit.
fn cash_out(world: &mut World, rng: &mut Rng, at: i64, received: i64, from: u32, scenario: u32) -> Event {
    let minutes = crate::scenario::span(3, 60);
    match rng.below(3) {
        0 => {
            let desk = world.cash_desk(from);
            world.involve(scenario, from, AccountRole::CashOut);
            forward(
                world,
                rng,
                at,
                received,
                from,
                desk,
                crate::scenario::span(0.95, 1.0),
                minutes,
                Channel::CashWithdrawal,
                scenario,
            )
        }
        1 => {
            let exchange = rng.index(world.pop.exchanges.len());
            let currency = world.pop.accounts[from as usize].currency;
            let fiat = world.pop.exchange_account(exchange, currency);
            forward(
                world,
                rng,
                at,
                received,
                from,
                fiat,
                crate::scenario::span(0.97, 1.0),
                minutes,
                Channel::CryptoOnRamp,
                scenario,
            )
        }
        _ => {
            let casino = *rng.pick(&world.pop.casinos);
            let mut event = forward(
                world,
                rng,
                at,
                received,
                from,
                casino,
                crate::scenario::span(0.95, 1.0),
                minutes,
                Channel::BankTransfer,
                scenario,
            );
            event.purpose = Purpose::Gaming;
            event
        }
    }
}

/// Splits a total into `parts` random positive parts (rounded to `unit`) that sum to about the total.
fn split(rng: &mut Rng, total: i64, parts: u32, unit: i64) -> Vec<i64> {
    let weights: Vec<f64> = (0..parts).map(|_| rng.uniform(0.5, 1.5)).collect();
    let sum: f64 = weights.iter().sum();
    weights.iter().map(|w| (((total as f64 * w / sum) / unit as f64).round() as i64).max(1) * unit).collect()
}

/// Milliseconds of a whole number of days.
fn days_ms(days: i64) -> i64 {
    days * DAY_MS
}
