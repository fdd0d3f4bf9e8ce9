//! Hard negative: a family passing money around a ring within a few days (a loan repaid through a sibling,
//! shared costs). The shape of a laundering cycle, labelled licit.

use tonle_core::{AccountRole, Channel};

use super::start_day;
use crate::event::{Event, Purpose};
use crate::fx::round_unit;
use crate::region::{COUNTRIES, KH, MY, TH, VN};
use crate::rng::Rng;
use crate::world::{World, MINUTE_MS};

/// Plans one family cycle.
pub fn cycle(world: &mut World, rng: &mut Rng, out: &mut Vec<Event>) {
    let scenario = world.register("family-cycle", None, false);
    let country = *rng.pick(&[KH, KH, TH, VN, MY]);
    let members: Vec<u32> = (0..rng.between(3, 4)).map(|_| world.recruit(rng, &[country])).collect();
    for m in &members {
        world.involve(scenario, *m, AccountRole::Normal);
    }
    let day = start_day(world, rng, 4);
    let mut time = world.local_time(rng, day, country, false);
    let usd = rng.lognormal(COUNTRIES[country].salary_usd * 0.5, 0.5);
    for (i, from) in members.iter().enumerate() {
        let to = members[(i + 1) % members.len()];
        let currency = world.pop.accounts[*from as usize].currency;
        let amount = world.rates.from_usd(usd, currency, round_unit(currency));
        let device = world.pop.accounts[*from as usize].device;
        let channel = if world.pop.accounts[*from as usize].country == world.pop.accounts[to as usize].country {
            COUNTRIES[country].qr_channel
        } else {
            Channel::BankTransfer
        };
        out.push(world.event(time, *from, to, amount, channel, Purpose::Family, device, scenario));
        time += rng.between(60, 36 * 60) * MINUTE_MS;
    }
}
