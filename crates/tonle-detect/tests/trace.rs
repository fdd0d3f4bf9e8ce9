//! Properties of follow-the-money tracing on random ledgers: attribution never exceeds a transaction's value,
//! money is conserved at every account and along the paths, paths are real chains within the hop limit.

use std::collections::HashMap;

use proptest::prelude::*;
use tonle_core::{AccountId, Channel, Currency, EventTime, FxRate, FxTable, Money, Party, Transaction, TxId};
use tonle_detect::graph::trace::{trace, Direction, Ledger, Limits, Method, Start, Stop};

const ACCOUNTS: [&str; 5] = ["A", "B", "C", "D", "E"];

/// One random transaction: debtor, creditor, minute, cents, in riel or not, fee in cents.
type Spec = (usize, usize, i64, i64, bool, i64);

fn transactions(specs: &[Spec]) -> Vec<Transaction> {
    specs
        .iter()
        .enumerate()
        .map(|(i, &(from, to, minute, cents, riel, fee))| {
            let time = EventTime::from_millis(1_740_787_200_000 + minute * 60_000).unwrap();
            // The same value in riel, at 4,000 a dollar.
            let amount = if riel {
                Money::from_minor(cents * 4000, Currency::KHR)
            } else {
                Money::from_minor(cents, Currency::USD)
            };
            let mut tx = Transaction::new(
                TxId::new(format!("t{i}")).unwrap(),
                time,
                Party::account(AccountId::new(ACCOUNTS[from]).unwrap()),
                Party::account(AccountId::new(ACCOUNTS[to]).unwrap()),
                amount,
                Channel::BankTransfer,
            );
            if fee > 0 {
                tx.received = Some(Money::from_minor((cents - fee).max(0), Currency::USD));
            }
            tx
        })
        .collect()
}

fn fx() -> FxTable {
    let mut fx = FxTable::new(Currency::USD);
    let day = EventTime::from_millis(1_700_000_000_000).unwrap().date();
    fx.insert(day, Currency::USD, Currency::KHR, FxRate::parse("4000").unwrap()).unwrap();
    fx
}

fn spec() -> impl Strategy<Value = Spec> {
    (0..5usize, 0..5usize, 0..60i64, 0..10_000i64, any::<bool>(), prop_oneof![3 => Just(0i64), 1 => 0..500i64])
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 400, ..ProptestConfig::default() })]

    #[test]
    fn attribution_is_bounded_and_conserved(
        specs in proptest::collection::vec(spec(), 1..40),
        from_account in any::<bool>(),
        pick in 0..1000usize,
        forward in any::<bool>(),
        haircut in any::<bool>(),
        hops in 1..6u32,
        max_transactions in 1..30usize,
        max_paths in 1..60usize,
    ) {
        let transactions = transactions(&specs);
        let ledger = Ledger::from_transactions(&transactions, fx()).unwrap();
        let start = if from_account {
            Start::Account(transactions[pick % transactions.len()].debtor.account.clone())
        } else {
            Start::Transaction(transactions[pick % transactions.len()].id.clone())
        };
        let direction = if forward { Direction::Forward } else { Direction::Backward };
        let method = if haircut { Method::Haircut } else { Method::Fifo };
        let limits = Limits { hops, max_transactions, max_paths };
        let result = trace(&ledger, &start, direction, limits, method).unwrap();
        let by_id: HashMap<&str, &Transaction> = transactions.iter().map(|t| (t.id.as_str(), t)).collect();

        // Never more than a transaction's value on the attributed side.
        prop_assert!(result.transactions.len() <= max_transactions);
        for followed in &result.transactions {
            prop_assert!(followed.attributed.minor() > 0);
            prop_assert!(followed.attributed <= followed.value, "{followed:?}");
            prop_assert!(followed.hop >= 1 && followed.hop <= hops);
        }

        // At every account but the origin: what goes on from it plus what stops at it is what reached it
        // (forward: what leaves is at most what came in; backward: what it paid towards the start is
        // funded by its inflows or its untraced opening balance).
        for account in result.accounts.iter().filter(|a| a.account != result.origin) {
            let onward: i64 = result
                .transactions
                .iter()
                .filter(|t| if forward { t.from == account.account } else { t.to == account.account })
                .map(|t| t.attributed.minor())
                .sum();
            prop_assert_eq!(onward + account.ended.minor(), account.amount.minor(), "{:?}", account);
            prop_assert!(account.untraced <= account.ended);
            if forward {
                prop_assert!(account.untraced.is_zero());
            }
        }

        // The ends add up to the amount traced, less what crossing transactions changed (fees, FX).
        let ends: i64 = result.paths.iter().map(|p| p.amount.minor()).sum();
        prop_assert_eq!(ends + result.difference.minor(), result.amount.minor());
        prop_assert_eq!(result.capped, result.refused > 0);
        prop_assert_eq!(result.capped, result.paths.iter().any(|p| p.stop == Stop::Cap));

        // Paths are chains in time, start outwards, within the hop limit.
        for path in &result.paths {
            prop_assert!(path.amount.minor() > 0);
            prop_assert!(path.transactions.len() <= hops as usize);
            let steps: Vec<&Transaction> = path.transactions.iter().map(|id| by_id[id.as_str()]).collect();
            for pair in steps.windows(2) {
                let (near, far) = (pair[0], pair[1]);
                if forward {
                    prop_assert_eq!(&near.creditor.account, &far.debtor.account);
                    prop_assert!(near.time <= far.time);
                } else {
                    prop_assert_eq!(&near.debtor.account, &far.creditor.account);
                    prop_assert!(near.time >= far.time);
                }
            }
            match (steps.last(), path.stop) {
                (None, stop) => {
                    prop_assert_eq!(stop, Stop::Cap);
                    prop_assert_eq!(&path.end, &result.origin);
                }
                (Some(last), _) => {
                    let end = if forward { &last.creditor.account } else { &last.debtor.account };
                    prop_assert_eq!(&path.end, end);
                }
            }
            prop_assert!(forward || path.stop != Stop::Held);
            prop_assert!(!forward || path.stop != Stop::Untraced);
        }
    }
}
