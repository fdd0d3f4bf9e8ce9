//! Dormant-account reactivation: an account silent for months (sold or taken over by a syndicate) suddenly
//! receives several payments and passes them on within hours, from a device it never used before.

use tonle_core::{AccountRole, Typology};

use super::{cash_out, draw, draw_f, forward, transfer_channel};
use crate::event::{Event, Purpose};
use crate::region::{KH, MY, TH};
use crate::rng::Rng;
use crate::scenario::{span, Dormant};
use crate::world::{World, DAY_MS};

/// Plans one reactivation.
pub fn inject(world: &mut World, rng: &mut Rng, p: &Dormant, out: &mut Vec<Event>) {
    let scenario = world.register("dormant-reactivation", Some(Typology::DormantReactivation), true);
    let country = *rng.pick(&[KH, KH, TH, MY]);
    let account = world.recruit(rng, &[country]);
    world.involve(scenario, account, AccountRole::Mule);
    let dormant = draw(rng, p.dormant_days) as i64;
    let burst = draw(rng, p.burst_days) as i64;
    // Validation guarantees days >= dormant_days.high + burst_days.high + 3.
    let wake = rng.between(dormant + 3, world.days as i64 - burst);
    let silent_from = world.start_ms + (wake - dormant) * DAY_MS;
    let wake_ms = world.start_ms + wake * DAY_MS;
    // Ordinary life leaves the account (and its holder's wallet) alone from the start of the silence, and
    // for good: the holder has sold it.
    let holder = world.pop.persons.iter().position(|p| p.account == account);
    let silence = (silent_from - crate::region::COUNTRIES[country].utc_offset_hours * 3_600_000, i64::MAX);
    world.pop.accounts[account as usize].silent = silence;
    if let Some(holder) = holder {
        let wallet = world.pop.persons[holder].wallet;
        if wallet != crate::event::NONE {
            world.pop.accounts[wallet as usize].silent = silence;
        }
    }
    // The holder's last ordinary act before the silence: a cash withdrawal a day or two before.
    let last_day = wake - dormant - rng.between(1, 2);
    let last_time = world.local_time(rng, last_day, country, false);
    let desk = world.cash_desk(account);
    let amount = world.usd_in(rng.uniform(20.0, 200.0), account);
    out.push(world.event(
        last_time,
        account,
        desk,
        amount,
        tonle_core::Channel::CashWithdrawal,
        Purpose::None,
        crate::event::NONE,
        0,
    ));
    let new_device = world.pop.add_device(rng, country);
    let mut next = wake_ms;
    let sink = world.recruit(rng, &[country, KH]);
    world.involve(scenario, sink, AccountRole::Launderer);
    for _ in 0..draw(rng, p.inflows) {
        let sender = world.recruit(rng, &[country, KH, TH, MY]);
        world.involve(scenario, sender, AccountRole::Victim);
        let sender_country = world.pop.accounts[sender as usize].country;
        let day = (next - world.start_ms) / DAY_MS + rng.between(0, burst - 1);
        let time = world.local_time(rng, day, sender_country, false).max(wake_ms);
        next = time;
        let amount = world.usd_in(draw_f(rng, p.amount_usd), sender);
        let channel = transfer_channel(world, sender, account);
        let device = world.pop.accounts[sender as usize].device;
        let pay = world.event(time, sender, account, amount, channel, Purpose::None, device, scenario);
        out.push(pay);
        let mut step = if rng.chance(0.5) {
            let channel = transfer_channel(world, account, sink);
            forward(
                world,
                rng,
                pay.time,
                pay.received,
                account,
                sink,
                span(0.9, 0.99),
                span(10, 180),
                channel,
                scenario,
            )
        } else {
            let mut e = cash_out(world, rng, pay.time, pay.received, account, scenario);
            if e.channel == tonle_core::Channel::CashWithdrawal {
                e.device = crate::event::NONE;
            }
            e
        };
        if step.device != crate::event::NONE {
            step.device = new_device;
        }
        out.push(step);
    }
}
