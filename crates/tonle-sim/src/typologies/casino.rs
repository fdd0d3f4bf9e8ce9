//! Casino and junket laundering (UNODC 2024 on casinos in the Mekong region): cash and transfers go into a
//! junket operator's account, little is played, and most comes back out as "winnings" paid to someone else,
//! often abroad.

use tonle_core::{AccountRole, Channel, Typology};

use super::{draw, draw_f, split, start_day};
use crate::event::{Event, Purpose, NONE};
use crate::fx::round_unit;
use crate::region::{CN, KH, TH};
use crate::rng::Rng;
use crate::scenario::Casino;
use crate::world::{World, MINUTE_MS};

/// Plans one scheme.
pub fn inject(world: &mut World, rng: &mut Rng, p: &Casino, out: &mut Vec<Event>) {
    let scenario = world.register("casino", Some(Typology::Casino), true);
    let junket = *rng.pick(&world.pop.casinos);
    world.involve(scenario, junket, AccountRole::CashOut);
    let depositors: Vec<u32> = (0..rng.between(1, 3)).map(|_| world.recruit(rng, &[KH, KH, CN, TH])).collect();
    for d in &depositors {
        world.involve(scenario, *d, AccountRole::Launderer);
    }
    let beneficiary = world.recruit(rng, &[CN, TH, KH]);
    world.involve(scenario, beneficiary, AccountRole::Launderer);
    let days = draw(rng, p.days);
    let first = start_day(world, rng, days + 1);
    let desk = world.cash_desk(junket);
    let mut deposited_usd = 0.0;
    let mut last = 0;
    for _ in 0..draw(rng, p.deposits) {
        let usd = draw_f(rng, p.deposit_usd);
        deposited_usd += usd;
        let day = first + rng.between(0, days as i64 - 1);
        let time = world.local_time(rng, day, KH, true);
        last = last.max(time);
        if rng.chance(0.5) {
            // Cash carried to the junket's cage, banked as a deposit to its account.
            let amount = world.usd_in(usd, junket);
            let mut deposit =
                world.event(time, desk, junket, amount, Channel::CashDeposit, Purpose::Gaming, NONE, scenario);
            deposit.currency = world.pop.accounts[junket as usize].currency;
            deposit.received_currency = deposit.currency;
            deposit.received = amount;
            out.push(deposit);
        } else {
            let from = *rng.pick(&depositors);
            let amount = world.usd_in(usd, from);
            let device = world.pop.accounts[from as usize].device;
            out.push(world.event(time, from, junket, amount, Channel::BankTransfer, Purpose::Gaming, device, scenario));
        }
    }
    let payout_usd = deposited_usd * draw_f(rng, p.payout_share);
    let currency = world.pop.accounts[junket as usize].currency;
    let total = world.usd_in(payout_usd, junket);
    let parts = rng.between(1, 3) as u32;
    let mut at = last + rng.between(60, 24 * 60) * MINUTE_MS;
    for amount in split(rng, total, parts, round_unit(currency)) {
        out.push(world.event(at, junket, beneficiary, amount, Channel::BankTransfer, Purpose::Gaming, NONE, scenario));
        at += rng.between(30, 600) * MINUTE_MS;
    }
}
