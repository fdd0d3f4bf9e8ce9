//! Money mules. A collection account takes many victims' payments and passes 80-90% of each on within
//! 3-10 minutes along a chain of mules to a cash-out (Malaysian officials describe syndicates emptying an
//! account of 80-90% within 3-10 minutes). Syndicates also open mule accounts in batches, with the same few
//! phones and phone numbers, and use them for a few days each.

use tonle_core::{AccountRole, Typology};

use super::{cash_out, days_ms, delay, draw, draw_f, forward, recruit_in, start_day, transfer_channel};
use crate::event::{Event, Purpose};
use crate::population::Population;
use crate::region::{KH, MY, SG, TH};
use crate::rng::Rng;
use crate::scenario::{MuleAccounts, MuleNetwork};
use crate::world::{World, MINUTE_MS};

/// Plans one collection network.
pub fn network(world: &mut World, rng: &mut Rng, p: &MuleNetwork, out: &mut Vec<Event>) {
    let scenario = world.register("mule-network", Some(Typology::MuleNetwork), true);
    let country = *rng.pick(&[KH, KH, TH, MY, SG]);
    let collector = world.recruit(rng, &[country]);
    let currency = world.pop.accounts[collector as usize].currency;
    world.involve(scenario, collector, AccountRole::Mule);
    let hops = draw(rng, p.hops);
    let mut chain = vec![collector];
    for _ in 0..hops {
        let mule = recruit_in(world, rng, &[country], currency);
        world.involve(scenario, mule, AccountRole::Mule);
        chain.push(mule);
    }
    let days = draw(rng, p.days);
    let first = start_day(world, rng, days + 1);
    for _ in 0..draw(rng, p.victims) {
        let victim = world.recruit(rng, &[country, country, KH, TH, MY, SG]);
        world.involve(scenario, victim, AccountRole::Victim);
        let victim_country = world.pop.accounts[victim as usize].country;
        let day = first + rng.between(0, days as i64 - 1);
        let time = world.local_time(rng, day, victim_country, false);
        let amount = world.usd_in(draw_f(rng, p.amount_usd), victim);
        let channel = transfer_channel(world, victim, collector);
        let device = world.pop.accounts[victim as usize].device;
        let pay = world.event(time, victim, collector, amount, channel, Purpose::None, device, scenario);
        out.push(pay);
        let (mut at, mut held) = (pay.time, pay.received);
        for pair in chain.windows(2) {
            let channel = transfer_channel(world, pair[0], pair[1]);
            let step =
                forward(world, rng, at, held, pair[0], pair[1], p.forward_share, p.forward_minutes, channel, scenario);
            out.push(step);
            (at, held) = (step.time, step.received);
        }
        let last = *chain.last().expect("the chain holds the collector");
        out.push(cash_out(world, rng, at, held, last, scenario));
    }
}

/// Plans one batch of mule accounts opened together.
pub fn batch(world: &mut World, rng: &mut Rng, p: &MuleAccounts, out: &mut Vec<Event>) {
    let scenario = world.register("mule-accounts", Some(Typology::MuleNetwork), true);
    let country = *rng.pick(&[KH, KH, TH, MY]);
    let devices: Vec<u32> = (0..draw(rng, p.devices)).map(|_| world.pop.add_device(rng, country)).collect();
    let phones: Vec<_> = (0..draw(rng, p.phones)).map(|_| Population::phone(rng, country)).collect();
    let banks: Vec<usize> = (0..2).map(|_| world.pop.random_bank(rng, country)).collect();
    let accounts = draw(rng, p.accounts);
    let opening = draw(rng, p.opening_days);
    let usable = p.receipts.high / 2 + 8;
    let open_day = start_day(world, rng, opening + usable);
    let consolidation = world.recruit(rng, &[country]);
    world.involve(scenario, consolidation, AccountRole::Launderer);
    let mut mules = Vec::new();
    for i in 0..accounts {
        let day = open_day + rng.between(0, opening as i64 - 1);
        let opened = world.at_local(day, country, rng.between(9, 16), rng.between(0, 59));
        let device = devices[i as usize % devices.len()];
        let phone = phones[i as usize % phones.len()].clone();
        let bank = banks[rng.index(banks.len())];
        let mule = world.pop.add_scheme_account(rng, country, Some(bank), opened, device, Some(phone));
        world.involve(scenario, mule, AccountRole::Mule);
        mules.push((mule, opened));
    }
    for (mule, opened) in mules {
        for _ in 0..draw(rng, p.receipts) {
            let victim = world.recruit(rng, &[country]);
            world.involve(scenario, victim, AccountRole::Victim);
            let after = rng.between(1, (usable as i64 - 2).max(1));
            let day = ((opened - world.start_ms) / days_ms(1) + after).min(world.days as i64 - 1);
            let time = world.local_time(rng, day, country, false).max(opened + 60 * MINUTE_MS);
            let amount = world.usd_in(draw_f(rng, p.amount_usd), victim);
            let channel = transfer_channel(world, victim, mule);
            let device = world.pop.accounts[victim as usize].device;
            let pay = world.event(time, victim, mule, amount, channel, Purpose::None, device, scenario);
            out.push(pay);
            // The syndicate moves the money on from one of the batch's shared devices.
            let device = devices[rng.index(devices.len())];
            let channel = transfer_channel(world, mule, consolidation);
            let mut step = forward(
                world,
                rng,
                pay.time,
                pay.received,
                mule,
                consolidation,
                p.forward_share,
                p.forward_minutes,
                channel,
                scenario,
            );
            step.device = device;
            out.push(step);
            if rng.chance(0.3) {
                let at = step.time + delay(rng, crate::scenario::span(30, 600));
                out.push(cash_out(world, rng, at, step.received, consolidation, scenario));
            }
        }
    }
}
