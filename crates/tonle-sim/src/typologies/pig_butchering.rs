//! Pig butchering (FinCEN FIN-2023-Alert005): a victim is groomed for days, invests a little, sees a small
//! "profit" paid out, then deposits ever more, ending with a "tax" to withdraw. The money goes to mule
//! accounts in the victim's country, is layered through mules in Cambodia within minutes to hours, and leaves
//! the banking system as USDT on Tron bought at an exchange; victims told to buy USDT themselves send it on
//! chain to the scam's wallet directly.

use tonle_core::{AccountKind, AccountRole, Channel, Typology};

use super::{days_ms, delay, draw, draw_f, forward, recruit_in, start_day, transfer_channel};
use crate::event::{Event, Purpose};
use crate::region::{CN, KH, MY, SG, TH, VN};
use crate::rng::Rng;
use crate::scenario::{span, PigButchering};
use crate::world::{World, MINUTE_MS};

/// Plans one scam operation.
pub fn inject(world: &mut World, rng: &mut Rng, p: &PigButchering, out: &mut Vec<Event>) {
    let scenario = world.register("pig-butchering", Some(Typology::PigButchering), true);
    let exchange = rng.index(world.pop.exchanges.len());
    let hot_wallet = world.pop.exchanges[exchange].1;
    let scam_wallet =
        world.pop.add_wallet(rng, exchange_institution(world, exchange), AccountKind::Wallet, world.start_ms);
    world.involve(scenario, scam_wallet, AccountRole::Scammer);
    // Layering mules in Cambodia, in US dollars.
    let layers = draw(rng, p.layers);
    let mut chain = Vec::new();
    for _ in 1..layers {
        let mule = recruit_in(world, rng, &[KH], tonle_core::Currency::USD);
        world.involve(scenario, mule, AccountRole::Mule);
        chain.push(mule);
    }
    let victims = draw(rng, p.victims);
    let span_days = p.grooming_days.high + p.deposits.high * (p.days_between.high + 1) + 2;
    let first_day = start_day(world, rng, span_days.min(world.days));
    let mut local_mules: Vec<(usize, u32)> = Vec::new();
    for _ in 0..victims {
        let country = *rng.pick(&[SG, SG, MY, MY, CN, CN, TH, VN, KH]);
        let victim = world.recruit(rng, &[country]);
        let country = world.pop.accounts[victim as usize].country;
        world.involve(scenario, victim, AccountRole::Victim);
        let crypto = rng.chance(p.crypto_share);
        let collector = match local_mules.iter().find(|(c, _)| *c == country) {
            Some((_, mule)) => *mule,
            None => {
                let currency = world.pop.accounts[victim as usize].currency;
                let mule = recruit_in(world, rng, &[country], currency);
                local_mules.push((country, mule));
                mule
            }
        };
        if !crypto {
            world.involve(scenario, collector, AccountRole::Mule);
        }
        let mut day = first_day + draw(rng, p.grooming_days) as i64;
        let deposits = draw(rng, p.deposits);
        let payouts = draw(rng, p.payouts).min(deposits.saturating_sub(1));
        let mut usd = draw_f(rng, p.first_deposit_usd);
        let mut invested_usd = 0.0;
        for k in 0..deposits {
            if day >= world.days as i64 {
                break;
            }
            let last = k + 1 == deposits && deposits > 1;
            // The last payment is the "tax" or "fee" the platform demands before a withdrawal.
            let deposit_usd = if last { invested_usd * rng.uniform(0.1, 0.3) } else { usd };
            invested_usd += deposit_usd;
            let time = world.local_time(rng, day, country, false);
            let amount = world.usd_in(deposit_usd, victim);
            let device = world.pop.accounts[victim as usize].device;
            if crypto {
                let fiat = world.pop.exchange_account(exchange, world.pop.accounts[victim as usize].currency);
                let buy = world.event(
                    time,
                    victim,
                    fiat,
                    amount,
                    Channel::CryptoOnRamp,
                    Purpose::Investment,
                    device,
                    scenario,
                );
                out.push(buy);
                let send = time + delay(rng, span(10, 120));
                out.push(send_usdt(world, &buy, send, hot_wallet, scam_wallet));
            } else {
                let channel = transfer_channel(world, victim, collector);
                let pay = world.event(time, victim, collector, amount, channel, Purpose::Investment, device, scenario);
                out.push(pay);
                layer(world, rng, p, &chain, exchange, scam_wallet, hot_wallet, pay, scenario, out);
            }
            // Early on, a small "profit" is paid back to win trust.
            if k < payouts {
                let back_usd = deposit_usd * rng.uniform(0.05, 0.2);
                let payer = if crypto {
                    world.pop.exchange_account(exchange, world.pop.accounts[victim as usize].currency)
                } else {
                    collector
                };
                let at = time + days_ms(1) + rng.between(0, 12 * 60) * MINUTE_MS;
                let amount = world.usd_in(back_usd, payer);
                let channel = if crypto { Channel::CryptoOffRamp } else { transfer_channel(world, payer, victim) };
                out.push(world.event(
                    at,
                    payer,
                    victim,
                    amount,
                    channel,
                    Purpose::Investment,
                    crate::event::NONE,
                    scenario,
                ));
            }
            usd *= draw_f(rng, p.growth);
            day += 1 + draw(rng, p.days_between) as i64;
        }
    }
}

fn exchange_institution(world: &World, exchange: usize) -> usize {
    let hot = world.pop.exchanges[exchange].1;
    world.pop.accounts[hot as usize].institution
}

/// The collector's receipt passes through the layering mules, then buys USDT that goes on chain to the scam.
#[allow(clippy::too_many_arguments)]
fn layer(
    world: &mut World,
    rng: &mut Rng,
    p: &PigButchering,
    chain: &[u32],
    exchange: usize,
    scam_wallet: u32,
    hot_wallet: u32,
    pay: Event,
    scenario: u32,
    out: &mut Vec<Event>,
) {
    let mut holder = pay.creditor;
    let mut held = pay.received;
    let mut at = pay.time;
    for &mule in chain {
        let channel = transfer_channel(world, holder, mule);
        let step = forward(world, rng, at, held, holder, mule, p.forward_share, p.forward_minutes, channel, scenario);
        out.push(step);
        holder = mule;
        held = step.received;
        at = step.time;
    }
    let fiat = world.pop.exchange_account(exchange, world.pop.accounts[holder as usize].currency);
    world.involve(scenario, holder, AccountRole::CashOut);
    let buy = forward(
        world,
        rng,
        at,
        held,
        holder,
        fiat,
        p.forward_share,
        p.forward_minutes,
        Channel::CryptoOnRamp,
        scenario,
    );
    out.push(buy);
    let send = buy.time + delay(rng, span(5, 60));
    out.push(send_usdt(world, &buy, send, hot_wallet, scam_wallet));
}

/// The exchange sends the USDT a purchase bought, on chain from its hot wallet to the scam's wallet, at `at`.
fn send_usdt(world: &mut World, buy: &Event, at: i64, hot_wallet: u32, scam_wallet: u32) -> Event {
    let usdt = world.rates.convert(buy.received, buy.received_currency, tonle_core::Currency::USDT);
    world.event(at, hot_wallet, scam_wallet, usdt, Channel::OnChain, Purpose::None, crate::event::NONE, buy.scenario)
}
