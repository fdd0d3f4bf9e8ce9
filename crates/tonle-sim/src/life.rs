//! Ordinary life: purchases, transfers between friends, salaries, rent, bills, remittances, cash, business
//! payments, with daily and weekly rhythms, heavy-tailed amounts and heavy-tailed activity.
//!
//! Each day is generated from its own random stream (seed, day), so a day's traffic does not depend on the
//! typologies injected around it.

use chrono::{Datelike, Duration, NaiveDate, Weekday};
use tonle_core::{Channel, Currency};

use crate::event::{Event, Purpose, NONE};
use crate::fx::{cash_unit, round_unit};
use crate::region::{COUNTRIES, KH};
use crate::rng::Rng;
use crate::scenario::Activity;
use crate::world::{World, MINUTE_MS};

/// Stream number base for the days of ordinary life.
pub const LIFE_STREAM: u64 = 1 << 40;

/// Generates the ordinary traffic of local day `day` into `out`.
pub fn generate_day(world: &mut World, activity: &Activity, seed: u64, day: u32, out: &mut Vec<Event>) {
    let mut rng = Rng::stream(seed, LIFE_STREAM + day as u64);
    let date = world_date(world, day);
    let weekday = date.weekday();
    let weekend = matches!(weekday, Weekday::Sat | Weekday::Sun);
    let day = day as i64;
    for country in 0..COUNTRIES.len() {
        let persons = world.pop.people[country].0.len() as f64;
        if persons == 0.0 {
            continue;
        }
        let shopping = if weekend { 1.25 } else { 0.95 };
        let n = rng.poisson(persons * activity.merchant * shopping);
        for _ in 0..n {
            purchase(world, &mut rng, day, country, out);
        }
        for _ in 0..rng.poisson(persons * activity.p2p) {
            transfer(world, &mut rng, day, country, out);
        }
        for _ in 0..rng.poisson(persons * activity.online) {
            online(world, &mut rng, day, country, out);
        }
        for _ in 0..rng.poisson(persons * activity.cash_withdrawal * if weekend { 1.2 } else { 1.0 }) {
            cash(world, &mut rng, day, country, false, out);
        }
        for _ in 0..rng.poisson(persons * activity.cash_deposit * if weekend { 0.3 } else { 1.0 }) {
            cash(world, &mut rng, day, country, true, out);
        }
        if country == KH {
            for _ in 0..rng.poisson(persons * activity.casino * if weekend { 2.0 } else { 1.0 }) {
                casino_visit(world, &mut rng, day, out);
            }
        }
        let firms = world.pop.firms[country].0.len() as f64;
        for _ in 0..rng.poisson(firms * activity.b2b * if weekend { 0.15 } else { 1.0 }) {
            supplier(world, &mut rng, day, country, out);
        }
    }
    crypto(world, &mut rng, day, out);
    scheduled(world, &mut rng, date, day, out);
}

/// The local date of a simulated day.
pub fn world_date(world: &World, day: u32) -> NaiveDate {
    // start_ms is a validated date from 1970 on, so the conversion cannot fail.
    let start = chrono::DateTime::from_timestamp_millis(world.start_ms).expect("start date").date_naive();
    start + Duration::days(day as i64)
}

fn person_of(world: &World, rng: &mut Rng, country: usize) -> Option<u32> {
    let (people, table) = &world.pop.people[country];
    let table = table.as_ref()?;
    Some(people[table.sample(rng)])
}

/// The account a person pays from: the wallet for small everyday payments when they have one.
fn paying_account(world: &World, rng: &mut Rng, person: u32, small: bool) -> u32 {
    let p = &world.pop.persons[person as usize];
    if p.wallet != NONE && small && rng.chance(0.6) {
        p.wallet
    } else {
        p.account
    }
}

fn active(world: &World, account: u32, time: i64) -> bool {
    world.pop.accounts[account as usize].active_at(time)
}

fn device_of(world: &World, account: u32) -> u32 {
    world.pop.accounts[account as usize].device
}

fn purchase(world: &mut World, rng: &mut Rng, day: i64, country: usize, out: &mut Vec<Event>) {
    let Some(person) = person_of(world, rng, country) else { return };
    let (merchants, Some(table)) = &world.pop.merchants[country] else { return };
    let merchant = merchants[table.sample(rng)];
    let from = paying_account(world, rng, person, true);
    let time = world.local_time(rng, day, country, false);
    if !active(world, from, time) {
        return;
    }
    let usd = rng.lognormal(COUNTRIES[country].purchase_usd, 0.95).min(5_000.0);
    let currency = world.pop.accounts[from as usize].currency;
    let amount = world.rates.from_usd(usd, currency, cash_unit(currency));
    let channel = if rng.chance(0.2) { Channel::Card } else { COUNTRIES[country].qr_channel };
    let device = device_of(world, from);
    out.push(world.event(time, from, merchant, amount, channel, Purpose::None, device, 0));
}

fn transfer(world: &mut World, rng: &mut Rng, day: i64, country: usize, out: &mut Vec<Event>) {
    let Some(person) = person_of(world, rng, country) else { return };
    let (start, end) = world.pop.persons[person as usize].contacts;
    if start == end {
        return;
    }
    let friend = world.pop.contacts[rng.between(start as i64, end as i64 - 1) as usize];
    let from = paying_account(world, rng, person, true);
    let time = world.local_time(rng, day, country, false);
    if !active(world, from, time) || !active(world, friend, time) {
        return;
    }
    let usd = rng.lognormal(COUNTRIES[country].salary_usd * 0.06, 1.0).min(50_000.0);
    let currency = world.pop.accounts[from as usize].currency;
    let unit = if rng.chance(0.6) { round_unit(currency) } else { cash_unit(currency) };
    let amount = world.rates.from_usd(usd, currency, unit);
    let channel = if world.pop.accounts[from as usize].country != world.pop.accounts[friend as usize].country {
        Channel::BankTransfer
    } else if from == world.pop.persons[person as usize].wallet {
        Channel::MobileWallet
    } else {
        COUNTRIES[country].qr_channel
    };
    let device = device_of(world, from);
    out.push(world.event(time, from, friend, amount, channel, Purpose::None, device, 0));
}

fn online(world: &mut World, rng: &mut Rng, day: i64, country: usize, out: &mut Vec<Event>) {
    let Some(person) = person_of(world, rng, country) else { return };
    let from = world.pop.persons[person as usize].account;
    let shop = *rng.pick(&world.pop.online_shops);
    let time = world.local_time(rng, day, country, false);
    if !active(world, from, time) {
        return;
    }
    let usd = rng.lognormal(25.0, 1.0).min(10_000.0);
    let currency = world.pop.accounts[from as usize].currency;
    let amount = world.rates.from_usd(usd, currency, cash_unit(currency));
    let device = device_of(world, from);
    out.push(world.event(time, from, shop, amount, Channel::Card, Purpose::Goods, device, 0));
}

fn cash(world: &mut World, rng: &mut Rng, day: i64, country: usize, deposit: bool, out: &mut Vec<Event>) {
    let Some(person) = person_of(world, rng, country) else { return };
    let account = world.pop.persons[person as usize].account;
    let desk = world.cash_desk(account);
    let time = world.local_time(rng, day, country, false);
    if !active(world, account, time) {
        return;
    }
    let usd = rng.lognormal(COUNTRIES[country].salary_usd * if deposit { 0.4 } else { 0.15 }, 0.8).min(9_000.0);
    let currency = world.pop.accounts[account as usize].currency;
    let amount = world.rates.from_usd(usd, currency, round_unit(currency));
    let event = if deposit {
        let mut e = world.event(time, desk, account, amount, Channel::CashDeposit, Purpose::None, NONE, 0);
        // Cash comes in the account's currency, whatever the desk's ledger currency.
        e.currency = currency;
        e.received_currency = currency;
        e.received = amount;
        e
    } else {
        world.event(time, account, desk, amount, Channel::CashWithdrawal, Purpose::None, NONE, 0)
    };
    out.push(event);
}

fn casino_visit(world: &mut World, rng: &mut Rng, day: i64, out: &mut Vec<Event>) {
    let Some(person) = person_of(world, rng, KH) else { return };
    let account = world.pop.persons[person as usize].account;
    let casino = *rng.pick(&world.pop.casinos);
    let time = world.local_time(rng, day, KH, true);
    if !active(world, account, time) {
        return;
    }
    let currency = world.pop.accounts[account as usize].currency;
    let amount = world.rates.from_usd(rng.lognormal(150.0, 1.0).min(20_000.0), currency, round_unit(currency));
    let device = device_of(world, account);
    out.push(world.event(time, account, casino, amount, Channel::Card, Purpose::Gaming, device, 0));
    if rng.chance(0.3) {
        // Sometimes the gambler wins something back the same night.
        let back = world.rates.convert(amount, currency, Currency::USD) * rng.between(30, 250) / 100;
        let later = time + rng.between(30, 300) * MINUTE_MS;
        out.push(world.event(later, casino, account, back.max(100), Channel::BankTransfer, Purpose::Gaming, NONE, 0));
    }
}

fn supplier(world: &mut World, rng: &mut Rng, day: i64, country: usize, out: &mut Vec<Event>) {
    let (firms, Some(table)) = &world.pop.firms[country] else { return };
    let payer = world.pop.businesses[firms[table.sample(rng)] as usize].account;
    let payee_country = if rng.chance(0.1) { crate::region::CN } else { country };
    let (firms, Some(table)) = &world.pop.firms[payee_country] else { return };
    let payee = world.pop.businesses[firms[table.sample(rng)] as usize].account;
    if payer == payee {
        return;
    }
    let hour = rng.between(8, 17);
    let time = world.at_local(day, country, hour, rng.between(0, 59)) + rng.below(60_000) as i64;
    let currency = world.pop.accounts[payer as usize].currency;
    let amount = world.rates.from_usd(rng.lognormal(1_500.0, 1.2).min(2_000_000.0), currency, cash_unit(currency));
    let device = device_of(world, payer);
    out.push(world.event(time, payer, payee, amount, Channel::BankTransfer, Purpose::Supplier, device, 0));
}

fn crypto(world: &mut World, rng: &mut Rng, day: i64, out: &mut Vec<Event>) {
    // Legitimate crypto buyers: about one purchase or sale a month each.
    if world.pop.crypto_users.is_empty() {
        return;
    }
    for _ in 0..rng.poisson(world.pop.crypto_users.len() as f64 / 30.0) {
        let person = world.pop.crypto_users[rng.index(world.pop.crypto_users.len())] as usize;
        let country = world.pop.persons[person].country;
        let account = world.pop.persons[person].account;
        let exchange = rng.index(world.pop.exchanges.len());
        let time = world.local_time(rng, day, country, false);
        if !active(world, account, time) {
            continue;
        }
        let currency = world.pop.accounts[account as usize].currency;
        let fiat = world.pop.exchange_account(exchange, currency);
        let amount = world.rates.from_usd(rng.lognormal(300.0, 1.0).min(50_000.0), currency, round_unit(currency));
        let device = device_of(world, account);
        let event = if rng.chance(0.7) {
            world.event(time, account, fiat, amount, Channel::CryptoOnRamp, Purpose::Investment, device, 0)
        } else {
            let back = world.rates.convert(amount, currency, world.pop.accounts[fiat as usize].currency);
            world.event(time, fiat, account, back, Channel::CryptoOffRamp, Purpose::Investment, NONE, 0)
        };
        out.push(event);
    }
}

/// Whether a business pays salaries today: on its payday (moved back to Friday from a weekend), or on the
/// month's last working day.
fn is_payday(date: NaiveDate, payday: u32) -> bool {
    if matches!(date.weekday(), Weekday::Sat | Weekday::Sun) {
        return false;
    }
    let last_of_month = last_day_of_month(date);
    let mut target = if payday == 0 || payday > last_of_month.day() {
        last_of_month
    } else {
        date.with_day(payday).unwrap_or(last_of_month)
    };
    while matches!(target.weekday(), Weekday::Sat | Weekday::Sun) {
        target -= Duration::days(1);
    }
    target == date
}

fn last_day_of_month(date: NaiveDate) -> NaiveDate {
    let (year, month) = if date.month() == 12 { (date.year() + 1, 1) } else { (date.year(), date.month() + 1) };
    // The first of any month from 1970 to 9999 exists.
    NaiveDate::from_ymd_opt(year, month, 1).expect("first of month") - Duration::days(1)
}

/// Payrolls, rent, bills and remittances: the monthly calendar.
fn scheduled(world: &mut World, rng: &mut Rng, date: NaiveDate, day: i64, out: &mut Vec<Event>) {
    let dom = date.day();
    for b in 0..world.pop.businesses.len() {
        let business = &world.pop.businesses[b];
        if business.employees.is_empty() || !is_payday(date, business.payday) {
            continue;
        }
        let (country, account, hour) = (business.country, business.account, business.payroll_hour as i64);
        let employees = std::mem::take(&mut world.pop.businesses[b].employees);
        // A payroll run of ten or more is a fan-out that must not be mistaken for laundering.
        let scenario = if employees.len() >= 10 { world.register("payroll", None, false) } else { 0 };
        if scenario != 0 {
            world.involve(scenario, account, tonle_core::AccountRole::Normal);
        }
        let mut time = world.at_local(day, country, hour, rng.between(0, 30));
        let device = device_of(world, account);
        for &person in &employees {
            time += rng.between(200, 20_000);
            let p = &world.pop.persons[person as usize];
            let (to, salary, landlord, rent, rent_now) = (p.account, p.salary, p.landlord, p.rent, p.rent_on_payday);
            if !active(world, to, time) {
                continue;
            }
            let payer_currency = world.pop.accounts[account as usize].currency;
            let to_currency = world.pop.accounts[to as usize].currency;
            let amount = world.rates.convert(salary, to_currency, payer_currency).max(1);
            out.push(world.event(time, account, to, amount, Channel::BankTransfer, Purpose::Salary, device, scenario));
            if rent_now && landlord != NONE {
                // The salary passes straight through to the landlord within the hour.
                let pass = world.register("salary-to-rent", None, false);
                world.involve(pass, to, tonle_core::AccountRole::Normal);
                world.involve(pass, landlord, tonle_core::AccountRole::Normal);
                let later = time + rng.between(3, 55) * MINUTE_MS + rng.below(60_000) as i64;
                let device = device_of(world, to);
                let mut salary_event = *out.last().expect("salary just pushed");
                salary_event.scenario = pass;
                *out.last_mut().expect("salary just pushed") = salary_event;
                out.push(world.event(
                    later,
                    to,
                    landlord,
                    rent,
                    COUNTRIES[country].qr_channel,
                    Purpose::Rent,
                    device,
                    pass,
                ));
            }
        }
        world.pop.businesses[b].employees = employees;
    }
    for index in 0..world.pop.persons.len() {
        let p = &world.pop.persons[index];
        let (country, account, bill_day) = (p.country, p.account, p.bill_day);
        if p.landlord != NONE && !p.rent_on_payday && dom == 1 + (index as u32 % 5) {
            let (landlord, rent) = (p.landlord, p.rent);
            let time = world.local_time(rng, day, country, false);
            if active(world, account, time) && active(world, landlord, time) {
                let device = device_of(world, account);
                out.push(world.event(time, account, landlord, rent, Channel::BankTransfer, Purpose::Rent, device, 0));
            }
        }
        if dom == bill_day {
            let utilities = world.pop.utilities[country];
            let salary_usd =
                world.rates.to_usd(world.pop.persons[index].salary, world.pop.accounts[account as usize].currency);
            for (utility, purpose, share) in
                [(utilities[0], Purpose::Electricity, 0.06), (utilities[1], Purpose::Phone, 0.03)]
            {
                let time = world.local_time(rng, day, country, false);
                if !active(world, account, time) {
                    continue;
                }
                let currency = world.pop.accounts[account as usize].currency;
                let amount =
                    world.rates.from_usd(rng.lognormal(salary_usd * share, 0.4), currency, cash_unit(currency));
                let device = device_of(world, account);
                let channel = COUNTRIES[country].qr_channel;
                out.push(world.event(time, account, utility, amount, channel, purpose, device, 0));
            }
        }
        let p = &world.pop.persons[index];
        if p.family != NONE && dom == (bill_day % 28) + 1 {
            let (family, salary) = (p.family, p.salary);
            let time = world.local_time(rng, day, country, false);
            if active(world, account, time) && active(world, family, time) {
                let currency = world.pop.accounts[account as usize].currency;
                let share = rng.uniform(0.2, 0.45);
                let unit = round_unit(currency);
                let amount = (((salary as f64 * share) / unit as f64).round() as i64).max(1) * unit;
                let channel = if rng.chance(0.5) { Channel::BankTransfer } else { Channel::MobileWallet };
                let device = device_of(world, account);
                out.push(world.event(time, account, family, amount, channel, Purpose::Family, device, 0));
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paydays() {
        let d = |y, m, d| NaiveDate::from_ymd_opt(y, m, d).unwrap();
        // January 2026 ends on a Saturday: the last working day is Friday the 30th.
        assert!(is_payday(d(2026, 1, 30), 0));
        assert!(!is_payday(d(2026, 1, 31), 0));
        // The 25th of January 2026 is a Sunday: pay on Friday the 23rd.
        assert!(is_payday(d(2026, 1, 23), 25));
        assert!(is_payday(d(2026, 2, 25), 25));
    }
}
