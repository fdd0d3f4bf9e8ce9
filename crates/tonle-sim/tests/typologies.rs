//! The shape and labels of every typology's ground truth, checked on the tiny preset's output.

mod common;

use std::collections::{BTreeMap, BTreeSet, HashMap};

use common::{minutes_between, ratio, tiny};
use tonle_core::{AccountKind, AccountRole, Channel, Currency, LabelledTransaction, Typology};

fn debtor(t: &LabelledTransaction) -> &str {
    t.tx.debtor.account.as_str()
}

fn creditor(t: &LabelledTransaction) -> &str {
    t.tx.creditor.account.as_str()
}

fn purpose(t: &LabelledTransaction) -> &str {
    t.tx.purpose.as_ref().map(|p| p.as_str()).unwrap_or("")
}

/// Checks every transaction of an instance is labelled illicit with the typology and one scenario id.
fn labelled(rows: &[&LabelledTransaction], typology: Typology) {
    let scenario = rows[0].label.as_ref().unwrap().scenario.clone();
    for t in rows {
        let label = t.label.as_ref().unwrap();
        assert!(label.illicit, "{:?}", t.tx.id);
        assert_eq!(label.typology.as_ref(), Some(&typology));
        assert_eq!(label.scenario, scenario);
    }
}

/// Matches each pass-on step (time order) to an earlier receipt of its debtor, not yet matched, that it
/// passes on within `minutes` and at a share of it within `share` (one minor unit of rounding allowed). Panics
/// naming the step when none fits: then the ground truth does not have the typology's shape.
fn steps<'a>(
    rows: &[&'a LabelledTransaction],
    is_step: impl Fn(&LabelledTransaction) -> bool,
    minutes: (f64, f64),
    share: (f64, f64),
) -> Vec<(&'a LabelledTransaction, &'a LabelledTransaction)> {
    let mut used = vec![false; rows.len()];
    let mut pairs = Vec::new();
    for (i, step) in rows.iter().enumerate() {
        if !is_step(step) {
            continue;
        }
        let fits = |r: &LabelledTransaction| {
            let gap = minutes_between(r, step);
            let received = r.tx.credited();
            received.currency() == step.tx.amount.currency()
                && creditor(r) == debtor(step)
                && gap >= minutes.0
                && gap <= minutes.1
                && step.tx.amount.minor() as f64 >= received.minor() as f64 * share.0 - 1.0
                && step.tx.amount.minor() as f64 <= received.minor() as f64 * share.1 + 1.0
        };
        let receipt = (0..i).find(|&j| !used[j] && fits(rows[j])).unwrap_or_else(|| {
            panic!("step {:?} passes on no receipt within {minutes:?} minutes at {share:?}", step.tx.id)
        });
        used[receipt] = true;
        pairs.push((rows[receipt], *step));
    }
    pairs
}

#[test]
fn mule_networks_pass_on_80_to_90_percent_within_3_to_10_minutes() {
    let out = tiny();
    let instances: Vec<_> = out
        .instances(Typology::MuleNetwork)
        .into_iter()
        .filter(|rows| scenario_id(rows).starts_with("mule-network"))
        .collect();
    assert_eq!(instances.len(), out.scenario.typologies.mule_network.count as usize);
    for rows in instances {
        labelled(&rows, Typology::MuleNetwork);
        // Victims pay the collection account; mules pass on to mules.
        let victims: BTreeSet<&str> =
            rows.iter().filter(|t| out.role(debtor(t)) == AccountRole::Victim).map(|t| debtor(t)).collect();
        assert!(victims.len() >= 10, "fan-in from many victims: {}", victims.len());
        let collectors: BTreeSet<&str> =
            rows.iter().filter(|t| out.role(debtor(t)) == AccountRole::Victim).map(|t| creditor(t)).collect();
        assert_eq!(collectors.len(), 1, "one collection account");
        let is_hop = |t: &LabelledTransaction| {
            out.role(debtor(t)) == AccountRole::Mule && out.role(creditor(t)) == AccountRole::Mule
        };
        // Every hop passes on 80-90% of a receipt 3-10 minutes after it (steps() panics otherwise).
        let pairs = steps(&rows, is_hop, (3.0, 10.0), (0.80, 0.90));
        let hops = rows.iter().filter(|t| is_hop(t)).count();
        assert_eq!(pairs.len(), hops);
        assert!(hops >= victims.len(), "every receipt is passed on at least once");
        let received_by_collector = rows.iter().filter(|t| out.role(debtor(t)) == AccountRole::Victim).count();
        let passed_by_collector = pairs.iter().filter(|(r, _)| out.role(debtor(r)) == AccountRole::Victim).count();
        assert_eq!(received_by_collector, passed_by_collector, "each victim's payment is forwarded");
        for (receipt, step) in &pairs {
            assert!(ratio(step.tx.amount, receipt.tx.credited()) <= 0.9001);
        }
        // The chain ends in a cash-out: cash, crypto or casino.
        assert!(rows.iter().any(|t| matches!(t.tx.channel, Channel::CashWithdrawal | Channel::CryptoOnRamp)
            || out.record(creditor(t)).kind == AccountKind::Casino));
    }
}

fn scenario_id<'a>(rows: &[&'a LabelledTransaction]) -> &'a str {
    rows[0].label.as_ref().unwrap().scenario.as_ref().unwrap().as_str()
}

#[test]
fn mule_account_batches_share_devices_and_phones() {
    let out = tiny();
    let params = &out.scenario.typologies.mule_accounts;
    let instances: Vec<_> = out
        .instances(Typology::MuleNetwork)
        .into_iter()
        .filter(|rows| scenario_id(rows).starts_with("mule-accounts"))
        .collect();
    assert_eq!(instances.len(), params.count as usize);
    let start = out.transactions[0].tx.time.millis() - 86_400_000;
    for rows in instances {
        labelled(&rows, Typology::MuleNetwork);
        let id = scenario_id(&rows);
        let mules: Vec<_> = out
            .accounts
            .values()
            .filter(|a| a.role == AccountRole::Mule && a.scenarios.iter().any(|s| s.as_str() == id))
            .collect();
        assert!(
            (params.accounts.low as usize..=params.accounts.high as usize).contains(&mules.len()),
            "{}",
            mules.len()
        );
        let opened: Vec<i64> = mules.iter().map(|m| m.opened.unwrap().millis()).collect();
        assert!(opened.iter().all(|t| *t > start), "opened during the simulation");
        let spread = (opened.iter().max().unwrap() - opened.iter().min().unwrap()) as f64 / 86_400_000.0;
        assert!(spread <= params.opening_days.high as f64, "opened within {spread} days");
        let devices: BTreeSet<_> = mules.iter().map(|m| m.device.clone().unwrap()).collect();
        let phones: BTreeSet<_> = mules.iter().map(|m| m.phone.clone().unwrap()).collect();
        assert!(devices.len() <= params.devices.high as usize && devices.len() < mules.len(), "{devices:?}");
        assert!(phones.len() <= params.phones.high as usize && phones.len() < mules.len(), "{phones:?}");
        let is_forward = |t: &LabelledTransaction| out.role(debtor(t)) == AccountRole::Mule;
        let minutes = (params.forward_minutes.low as f64, params.forward_minutes.high as f64);
        let pairs = steps(&rows, is_forward, minutes, (params.forward_share.low, params.forward_share.high));
        assert!(!pairs.is_empty());
        for (_, step) in pairs {
            assert!(devices.contains(step.tx.device.as_ref().unwrap()), "moved on from a shared device");
        }
    }
}

#[test]
fn pig_butchering_escalates_pays_out_and_ends_in_usdt_on_tron() {
    let out = tiny();
    let p = &out.scenario.typologies.pig_butchering;
    let instances = out.instances(Typology::PigButchering);
    assert_eq!(instances.len(), p.count as usize);
    let mut payouts_seen = 0;
    let mut escalations = 0;
    for rows in instances {
        labelled(&rows, Typology::PigButchering);
        let mut deposits: BTreeMap<&str, Vec<&LabelledTransaction>> = BTreeMap::new();
        for t in &rows {
            if out.role(debtor(t)) == AccountRole::Victim && purpose(t) == "INVS" {
                deposits.entry(debtor(t)).or_default().push(t);
            }
        }
        assert!(!deposits.is_empty(), "victims invest");
        for (victim, list) in &deposits {
            let amounts: Vec<f64> = list.iter().map(|t| t.tx.amount.minor() as f64).collect();
            for k in 1..amounts.len() {
                let growth = amounts[k] / amounts[k - 1];
                let prior: f64 = amounts[..k].iter().sum();
                let last = k + 1 == amounts.len();
                if (p.growth.low - 0.02..=p.growth.high + 0.02).contains(&growth) {
                    escalations += 1;
                } else {
                    // Only the last payment may break the escalation: the "tax" to withdraw.
                    assert!(last, "{victim}: deposit {k} grew {growth}");
                    let share = amounts[k] / prior;
                    assert!((0.099..=0.301).contains(&share), "{victim}: tax is {share} of the invested");
                }
            }
            // "Profits" paid back are small next to what was invested.
            for payout in rows.iter().filter(|t| creditor(t) == *victim) {
                let invested: i64 =
                    list.iter().filter(|d| d.tx.time < payout.tx.time).map(|d| d.tx.amount.minor()).sum();
                assert!(payout.tx.credited().minor() as f64 <= invested as f64 * 0.2 + 1.0);
                payouts_seen += 1;
            }
        }
        // The money ends as USDT sent on chain to the scam's self-hosted Tron wallet.
        let on_chain: Vec<_> = rows.iter().filter(|t| t.tx.channel == Channel::OnChain).collect();
        assert!(!on_chain.is_empty());
        for t in on_chain {
            assert_eq!(t.tx.amount.currency(), Currency::USDT);
            assert_eq!(out.role(creditor(t)), AccountRole::Scammer);
            assert_eq!(out.record(creditor(t)).kind, AccountKind::Wallet);
            let address = creditor(t);
            assert!(address.starts_with('T') && address.len() == 34, "{address}");
            let decoded = bs58::decode(address).with_check(None).into_vec().expect("base58check");
            assert_eq!(decoded[0], 0x41, "Tron mainnet prefix");
        }
        assert!(rows.iter().any(|t| t.tx.channel == Channel::CryptoOnRamp), "bought at an exchange");
        // Mule layering passes on almost everything within minutes to hours.
        let is_layer = |t: &LabelledTransaction| {
            out.role(debtor(t)) == AccountRole::Mule && out.role(creditor(t)) == AccountRole::Mule
        };
        let minutes = (p.forward_minutes.low as f64, p.forward_minutes.high as f64);
        steps(&rows, is_layer, minutes, (p.forward_share.low, p.forward_share.high));
    }
    assert!(payouts_seen > 0, "small profits are paid out to win trust");
    assert!(escalations > 0, "deposits escalate");
}

fn local_date(t: &LabelledTransaction, offset_hours: i64) -> i64 {
    (t.tx.time.millis() + offset_hours * 3_600_000).div_euclid(86_400_000)
}

#[test]
fn structuring_keeps_each_day_under_the_cash_threshold() {
    let out = tiny();
    let p = &out.scenario.typologies.structuring;
    let instances = out.instances(Typology::Structuring);
    assert_eq!(instances.len(), p.count as usize);
    for rows in instances {
        labelled(&rows, Typology::Structuring);
        let deposits: Vec<_> = rows.iter().filter(|t| t.tx.channel == Channel::CashDeposit).collect();
        assert!(!deposits.is_empty());
        let account = creditor(deposits[0]);
        assert_eq!(out.role(account), AccountRole::Launderer);
        let record = out.record(account);
        let (threshold, offset) = match (record.country.as_ref().unwrap().as_str(), record.currency.code()) {
            ("KH", "USD") => (10_000 * 100, 7),
            ("KH", "KHR") => (40_000_000 * 100, 7),
            ("MY", "MYR") => (25_000 * 100, 8),
            other => panic!("structuring in {other:?}"),
        };
        let mut per_day: BTreeMap<i64, i64> = BTreeMap::new();
        for d in &deposits {
            assert_eq!(creditor(d), account);
            assert!(d.tx.amount.minor() < threshold);
            *per_day.entry(local_date(d, offset)).or_default() += d.tx.amount.minor();
        }
        assert!(per_day.len() as u32 >= p.days.low);
        for (day, total) in &per_day {
            let share = *total as f64 / threshold as f64;
            assert!(share < 1.0 && share >= p.share_of_threshold.low - 0.01, "day {day}: {share} of the threshold");
        }
        // Then the pooled cash is wired abroad.
        let wire = rows.iter().find(|t| debtor(t) == account).expect("wire out");
        assert_eq!(wire.tx.channel, Channel::BankTransfer);
        assert_ne!(wire.tx.creditor.country, record.country);
        let total: i64 = per_day.values().sum();
        let share = wire.tx.amount.minor() as f64 / total as f64;
        assert!((0.9..=0.98).contains(&share), "{share}");
    }
}

/// Accounts that only pay, only receive, or both, in an instance.
fn sides<'a>(rows: &[&'a LabelledTransaction]) -> (BTreeSet<&'a str>, BTreeSet<&'a str>, BTreeSet<&'a str>) {
    let debtors: BTreeSet<&str> = rows.iter().map(|t| debtor(t)).collect();
    let creditors: BTreeSet<&str> = rows.iter().map(|t| creditor(t)).collect();
    let both: BTreeSet<&str> = debtors.intersection(&creditors).copied().collect();
    (debtors.difference(&both).copied().collect(), creditors.difference(&both).copied().collect(), both)
}

#[test]
fn the_eight_amlworld_patterns_have_their_shapes() {
    let out = tiny();
    let low = |t: &Typology| {
        out.scenario.patterns().iter().find(|(name, _)| name.replace('_', "-") == t.as_str()).unwrap().1.degree.low
            as usize
    };
    for typology in [
        Typology::FanIn,
        Typology::FanOut,
        Typology::GatherScatter,
        Typology::ScatterGather,
        Typology::Cycle,
        Typology::Random,
        Typology::Bipartite,
        Typology::Stack,
    ] {
        let instances = out.instances(typology.clone());
        assert!(!instances.is_empty(), "{typology}");
        for rows in instances {
            labelled(&rows, typology.clone());
            for t in &rows {
                assert_eq!(out.role(debtor(t)), AccountRole::Launderer);
                assert_eq!(out.role(creditor(t)), AccountRole::Launderer);
            }
            let (payers, payees, both) = sides(&rows);
            match typology {
                Typology::FanIn => {
                    assert_eq!(payees.len(), 1);
                    assert!(payers.len() >= low(&typology) && both.is_empty());
                }
                Typology::FanOut => {
                    assert_eq!(payers.len(), 1);
                    assert!(payees.len() >= low(&typology) && both.is_empty());
                }
                Typology::GatherScatter => {
                    assert_eq!(both.len(), 1, "one hub");
                    let hub = *both.iter().next().unwrap();
                    let last_in = rows.iter().filter(|t| creditor(t) == hub).map(|t| t.tx.time).max().unwrap();
                    let first_out = rows.iter().filter(|t| debtor(t) == hub).map(|t| t.tx.time).min().unwrap();
                    assert!(last_in <= first_out, "gather, then scatter");
                    let gathered: i64 =
                        rows.iter().filter(|t| creditor(t) == hub).map(|t| t.tx.credited().minor()).sum();
                    let scattered: i64 = rows.iter().filter(|t| debtor(t) == hub).map(|t| t.tx.amount.minor()).sum();
                    let share = scattered as f64 / gathered as f64;
                    assert!((0.89..=0.99).contains(&share), "{share}");
                }
                Typology::ScatterGather => {
                    assert_eq!((payers.len(), payees.len()), (1, 1));
                    assert!(both.len() >= low(&typology));
                    for middle in &both {
                        let got = rows.iter().find(|t| creditor(t) == *middle).unwrap();
                        let gave = rows.iter().find(|t| debtor(t) == *middle).unwrap();
                        assert!(got.tx.time < gave.tx.time);
                    }
                }
                Typology::Cycle | Typology::Random => {
                    // A walk: each payment starts where the previous one arrived, times rising.
                    for pair in rows.windows(2) {
                        assert_eq!(creditor(pair[0]), debtor(pair[1]));
                        assert!(pair[0].tx.time < pair[1].tx.time);
                    }
                    if typology == Typology::Cycle {
                        assert_eq!(creditor(rows.last().unwrap()), debtor(rows[0]), "the ring closes");
                        assert!(payers.is_empty() && payees.is_empty() && both.len() == rows.len());
                    }
                }
                Typology::Bipartite => {
                    assert!(both.is_empty(), "two disjoint sets");
                    assert!(payers.len() >= 2 && payees.len() >= 2);
                }
                Typology::Stack => {
                    assert!(payers.len() >= 2 && payees.len() >= 2 && both.len() >= 2, "three layers");
                    for middle in &both {
                        let got = rows.iter().filter(|t| creditor(t) == *middle).map(|t| t.tx.time).min().unwrap();
                        let gave = rows.iter().filter(|t| debtor(t) == *middle).map(|t| t.tx.time).min().unwrap();
                        assert!(got < gave);
                        assert!(rows.iter().filter(|t| debtor(t) == *middle).all(|t| payees.contains(creditor(t))));
                    }
                }
                _ => unreachable!(),
            }
        }
    }
}

#[test]
fn dormant_accounts_wake_after_a_long_silence_on_a_new_device() {
    let out = tiny();
    let p = &out.scenario.typologies.dormant_reactivation;
    let instances = out.instances(Typology::DormantReactivation);
    assert_eq!(instances.len(), p.count as usize);
    for rows in instances {
        labelled(&rows, Typology::DormantReactivation);
        let account = rows.iter().map(|t| creditor(t)).find(|a| out.role(a) == AccountRole::Mule).unwrap();
        let woke = rows[0].tx.time.millis();
        let history = out.touching(account);
        let before: Vec<_> = history.iter().filter(|t| t.tx.time.millis() < woke).collect();
        let last = before.last().expect("the account was active before its silence");
        let silent_days = (woke - last.tx.time.millis()) as f64 / 86_400_000.0;
        assert!(silent_days >= p.dormant_days.low as f64, "silent {silent_days} days");
        let old_devices: BTreeSet<_> = before.iter().filter_map(|t| t.tx.device.clone()).collect();
        let out_devices: BTreeSet<_> =
            rows.iter().filter(|t| debtor(t) == account).filter_map(|t| t.tx.device.clone()).collect();
        assert!(out_devices.is_disjoint(&old_devices), "moved on from a device never seen before");
        let inflows = rows.iter().filter(|t| creditor(t) == account).count();
        assert!(inflows >= p.inflows.low as usize);
    }
}

#[test]
fn casino_junkets_pay_out_most_of_what_came_in() {
    let out = tiny();
    let p = &out.scenario.typologies.casino;
    let instances = out.instances(Typology::Casino);
    assert_eq!(instances.len(), p.count as usize);
    for rows in instances {
        labelled(&rows, Typology::Casino);
        let junket = rows.iter().map(|t| creditor(t)).find(|a| out.record(a).kind == AccountKind::Casino).unwrap();
        let cash_in: i64 = rows.iter().filter(|t| creditor(t) == junket).map(|t| t.tx.credited().minor()).sum();
        let cash_out: i64 = rows.iter().filter(|t| debtor(t) == junket).map(|t| t.tx.amount.minor()).sum();
        let share = cash_out as f64 / cash_in as f64;
        assert!((p.payout_share.low - 0.01..=p.payout_share.high + 0.01).contains(&share), "{share}");
        let first_out = rows.iter().filter(|t| debtor(t) == junket).map(|t| t.tx.time).min().unwrap();
        assert!(rows.iter().filter(|t| creditor(t) == junket).all(|t| t.tx.time < first_out), "in, then out");
        assert!(rows.iter().all(|t| purpose(t) == "GAMB"));
    }
}

#[test]
fn hard_negatives_look_suspicious_but_are_licit() {
    let out = tiny();
    let payrolls = out.kind("payroll");
    assert!(!payrolls.is_empty());
    for rows in &payrolls {
        assert!(rows.len() >= 5, "a payroll fans out");
        let payers: BTreeSet<&str> = rows.iter().map(|t| debtor(t)).collect();
        assert_eq!(payers.len(), 1);
        let minutes = minutes_between(rows[0], rows[rows.len() - 1]);
        assert!(minutes <= rows.len() as f64 * 20.0 / 60.0 + 31.0, "a payroll run takes minutes: {minutes}");
        assert!(rows.iter().all(|t| !t.label.as_ref().unwrap().illicit && purpose(t) == "SALA"));
    }
    let rents = out.kind("salary-to-rent");
    assert!(!rents.is_empty());
    for rows in &rents {
        assert_eq!(rows.len(), 2);
        assert_eq!((purpose(rows[0]), purpose(rows[1])), ("SALA", "RENT"));
        assert_eq!(creditor(rows[0]), debtor(rows[1]), "the salary passes straight through");
        assert!(minutes_between(rows[0], rows[1]) <= 60.0);
        assert!(rows.iter().all(|t| !t.label.as_ref().unwrap().illicit));
    }
    let cycles = out.kind("family-cycle");
    assert_eq!(cycles.len(), out.scenario.hard_negatives.family_cycles as usize);
    for rows in &cycles {
        for pair in rows.windows(2) {
            assert_eq!(creditor(pair[0]), debtor(pair[1]));
        }
        assert_eq!(creditor(rows.last().unwrap()), debtor(rows[0]));
        assert!(rows.iter().all(|t| !t.label.as_ref().unwrap().illicit && purpose(t) == "FAMI"));
    }
}

#[test]
fn every_transaction_and_account_carries_ground_truth() {
    let out = tiny();
    let mut illicit_scenarios: HashMap<&str, bool> = HashMap::new();
    for s in &out.scenarios {
        illicit_scenarios.insert(s.id.as_str(), s.illicit);
    }
    let mut previous = i64::MIN;
    for (i, t) in out.transactions.iter().enumerate() {
        assert!(t.tx.time.millis() >= previous, "time order at {}", t.tx.id);
        previous = t.tx.time.millis();
        assert_eq!(t.tx.id.as_str(), format!("T{:010}", i + 1));
        assert!(t.tx.amount.minor() > 0);
        let label = t.label.as_ref().expect("every transaction is labelled");
        match &label.scenario {
            Some(id) => assert_eq!(illicit_scenarios[id.as_str()], label.illicit),
            None => assert!(!label.illicit && label.typology.is_none()),
        }
        assert!(out.accounts.contains_key(debtor(t)) && out.accounts.contains_key(creditor(t)));
    }
    // Every illicit scenario names its victims, mules, scammers or launderers.
    for s in out.scenarios.iter().filter(|s| s.illicit) {
        assert!(s.transactions > 0, "{} wrote transactions", s.id);
        let roles: BTreeSet<AccountRole> =
            out.accounts.values().filter(|a| a.scenarios.contains(&s.id)).map(|a| a.role).collect();
        assert!(roles.iter().any(|r| *r != AccountRole::Normal), "{}: {roles:?}", s.id);
    }
    let roles: BTreeSet<AccountRole> = out.accounts.values().map(|a| a.role).collect();
    for role in AccountRole::all() {
        assert!(roles.contains(&role), "some account is a {role}");
    }
}

#[test]
fn ordinary_life_is_regional_dollarised_rhythmic_and_heavy_tailed() {
    let out = tiny();
    let licit: Vec<_> = out.transactions.iter().filter(|t| t.label.as_ref().unwrap().scenario.is_none()).collect();
    assert!(licit.len() as f64 > 0.95 * out.transactions.len() as f64);
    // Cambodia pays in dollars and riel side by side, mostly dollars.
    let kh: Vec<_> =
        licit.iter().filter(|t| t.tx.debtor.country.as_ref().is_some_and(|c| c.as_str() == "KH")).collect();
    let usd = kh.iter().filter(|t| t.tx.amount.currency() == Currency::USD).count() as f64;
    let khr = kh.iter().filter(|t| t.tx.amount.currency() == Currency::KHR).count() as f64;
    assert!(usd > khr && khr > 0.05 * (usd + khr), "USD {usd}, KHR {khr}");
    // Every country and every everyday channel appears.
    let countries: BTreeSet<_> = licit.iter().filter_map(|t| t.tx.debtor.country).collect();
    assert_eq!(countries.len(), 6);
    let channels: BTreeSet<Channel> = licit.iter().map(|t| t.tx.channel).collect();
    for channel in [
        Channel::Khqr,
        Channel::PromptPay,
        Channel::DuitNow,
        Channel::PayNow,
        Channel::Card,
        Channel::CashWithdrawal,
        Channel::CashDeposit,
        Channel::MobileWallet,
        Channel::BankTransfer,
        Channel::CryptoOnRamp,
    ] {
        assert!(channels.contains(&channel), "{channel}");
    }
    // Daily rhythm in Cambodia (UTC+7): lunchtime is busier than 3 a.m.
    let hour = |t: &&&LabelledTransaction| (t.tx.time.millis() / 3_600_000 + 7).rem_euclid(24);
    let noon = kh.iter().filter(|t| hour(t) == 12).count();
    let night = kh.iter().filter(|t| hour(t) == 3).count();
    assert!(noon > 10 * night, "noon {noon}, 3 a.m. {night}");
    // Weekends bring more merchant payments per day.
    let merchant: Vec<_> = licit.iter().filter(|t| out.record(creditor(t)).kind == AccountKind::Merchant).collect();
    let mut per_weekday = [0usize; 7];
    for t in &merchant {
        per_weekday[(t.tx.time.millis() + 7 * 3_600_000).div_euclid(86_400_000).rem_euclid(7) as usize] += 1;
    }
    // 1970-01-01 was a Thursday: index 2 is Saturday, 3 Sunday.
    let weekend = (per_weekday[2] + per_weekday[3]) as f64 / 2.0;
    let weekday = (per_weekday.iter().sum::<usize>() - per_weekday[2] - per_weekday[3]) as f64 / 5.0;
    assert!(weekend > 1.1 * weekday, "weekend {weekend}, weekday {weekday}");
    // Heavy tails: the busiest merchants and payers far above the median.
    let mut fan_in: HashMap<&str, usize> = HashMap::new();
    for t in &merchant {
        *fan_in.entry(creditor(t)).or_default() += 1;
    }
    let mut degrees: Vec<usize> = fan_in.values().copied().collect();
    degrees.sort_unstable();
    assert!(
        degrees[degrees.len() - 1] > 10 * degrees[degrees.len() / 2],
        "{:?}",
        (degrees[degrees.len() / 2], degrees.last())
    );
    let mut amounts: Vec<f64> = merchant
        .iter()
        .filter(|t| t.tx.amount.currency() == Currency::USD)
        .map(|t| t.tx.amount.minor() as f64)
        .collect();
    amounts.sort_by(f64::total_cmp);
    assert!(amounts[amounts.len() * 999 / 1000] > 10.0 * amounts[amounts.len() / 2]);
}

#[test]
fn the_same_seed_gives_the_same_traffic() {
    let text = "name = \"small\"\nstart = \"2026-03-01\"\ndays = 8\n[population]\npersons = 400\nbusinesses = 10\nmerchants = 20\n\
                [typologies.mule_network]\ncount = 1\nvictims = [5, 8]\n[typologies.cycle]\ncount = 1\n";
    let scenario = tonle_sim::Scenario::from_toml(text, "small").unwrap();
    let a = common::run(&scenario, 11);
    let b = common::run(&scenario, 11);
    let c = common::run(&scenario, 12);
    assert!(!a.transactions.is_empty());
    assert_eq!(a.transactions, b.transactions);
    assert_ne!(a.transactions, c.transactions);
    let mut accounts_a: Vec<_> = a.accounts.values().cloned().collect();
    let mut accounts_b: Vec<_> = b.accounts.values().cloned().collect();
    accounts_a.sort_by(|x, y| x.account.cmp(&y.account));
    accounts_b.sort_by(|x, y| x.account.cmp(&y.account));
    assert_eq!(accounts_a, accounts_b);
}
