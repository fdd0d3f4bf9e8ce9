//! Structuring (smurfing): cash deposits kept under the daily cash-reporting threshold (Cambodia: USD 10,000
//! or KHR 40,000,000 a day; Malaysia: RM 25,000), spread over days and branches, then wired abroad in one go.

use tonle_core::{AccountRole, Channel, Currency, Typology};

use super::{draw, draw_f, split, start_day};
use crate::event::{Event, Purpose, NONE};
use crate::fx::round_unit;
use crate::region::{CN, COUNTRIES, KH, MY};
use crate::rng::Rng;
use crate::scenario::Structuring;
use crate::world::{World, MINUTE_MS};

/// The reporting threshold for cash in `currency` in `country`, in minor units, if the country has one.
pub fn threshold(country: usize, currency: Currency) -> Option<i64> {
    COUNTRIES[country]
        .cash_thresholds
        .iter()
        .find(|(c, _)| *c == currency)
        .map(|(c, major)| major * c.minor_per_major())
}

/// Plans one launderer's deposits.
pub fn inject(world: &mut World, rng: &mut Rng, p: &Structuring, out: &mut Vec<Event>) {
    let scenario = world.register("structuring", Some(Typology::Structuring), true);
    let (account, limit) = loop {
        let account = world.recruit(rng, &[KH, KH, MY]);
        let a = &world.pop.accounts[account as usize];
        if let Some(limit) = threshold(a.country, a.currency) {
            break (account, limit);
        }
        world.pop.accounts[account as usize].claimed = false;
    };
    world.involve(scenario, account, AccountRole::Launderer);
    let country = world.pop.accounts[account as usize].country;
    let currency = world.pop.accounts[account as usize].currency;
    let unit = round_unit(currency);
    let days = draw(rng, p.days);
    let first = start_day(world, rng, days + 2);
    let desk = world.cash_desk(account);
    let mut total = 0;
    let mut last_time = 0;
    for d in 0..days as i64 {
        let target = (limit as f64 * draw_f(rng, p.share_of_threshold)) as i64;
        let parts = draw(rng, p.deposits_per_day);
        let mut amounts = split(rng, target, parts, unit);
        // Rounding must not push the day over the threshold.
        while amounts.iter().sum::<i64>() >= limit {
            let largest = amounts.iter_mut().max().expect("at least one deposit");
            *largest -= unit;
        }
        let mut time = world.at_local(first + d, country, rng.between(8, 10), rng.between(0, 59));
        for amount in amounts {
            let mut deposit =
                world.event(time, desk, account, amount, Channel::CashDeposit, Purpose::None, NONE, scenario);
            deposit.currency = currency;
            deposit.received_currency = currency;
            deposit.received = amount;
            out.push(deposit);
            total += amount;
            last_time = time;
            time += rng.between(40, 150) * MINUTE_MS;
        }
    }
    // Then the pooled cash leaves in one wire to a company abroad.
    let beneficiary = world.recruit_business(rng, CN);
    world.involve(scenario, beneficiary, AccountRole::Launderer);
    let wire = (total as f64 * rng.uniform(0.9, 0.98)) as i64;
    let at = last_time + rng.between(12 * 60, 30 * 60) * MINUTE_MS;
    let device = world.pop.accounts[account as usize].device;
    out.push(world.event(at, account, beneficiary, wire, Channel::BankTransfer, Purpose::Supplier, device, scenario));
}
