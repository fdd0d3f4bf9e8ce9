//! Follow-the-money tracing: where the money of a payment or an account went (forward) or came from
//! (backward), hop by hop, with the amounts attributed to every account, transaction and path exactly.
//!
//! # The model
//!
//! **Ledger.** A [`Ledger`] holds the transactions of a file, each converted to one base currency with dated
//! rates ([`FxTable`], the rate of the transaction's UTC day): the *debited* value (`amount`) leaves the
//! debtor, the *credited* value (`received`, or `amount` when there is none) reaches the creditor, both in
//! integer minor units of the base currency. They differ by fees, or by the exchange between two currencies.
//! Transactions are taken in *ledger order*: event time, then input order for equal times. A transaction
//! from an account to itself is debited first, then credited.
//!
//! **Opening balances.** What an account held before the file starts is unknown. Tracing assumes only the
//! money the file shows: an outflow is funded by the inflows the account still holds, and any part of it they
//! do not cover comes from an *untraced opening balance* (money the file never shows arriving). Known
//! holdings therefore never go below zero; the untraced part of every outflow is kept, and backward tracing
//! reports it ([`Stop::Untraced`]).
//!
//! **FIFO.** An account's inflows queue in arrival order; an outflow takes the oldest money held first,
//! whole inflows and then part of the next, and what the queue cannot cover is untraced.
//!
//! **Haircut** (proportional). An outflow takes the same share of everything held: an outflow of `o` when
//! the account holds `B` takes `min(o, B) / B` of what remains of each inflow; the rest, `o - min(o, B)`, is
//! untraced. Traced money is thus diluted into every later outflow, in proportion.
//!
//! Either method gives each account an exact matching between its inflows and outflows: for every outflow,
//! the inflows that funded it and how much of each, plus its untraced part; for every inflow, the outflows it
//! funded and how much, plus what the account still holds of it at the end of the file.
//!
//! **Forward** (where the money went). From a transaction: its debited value is traced; its credited value
//! arrives at the creditor and is followed through the creditor's later outflows that the matching says it
//! funded, and so on. From an account: each of its outflows (over the whole file) is traced in full. Money
//! that an account still holds at the end of the file stops there ([`Stop::Held`]).
//!
//! **Backward** (where the money came from). From a transaction: its credited value is traced; the debtor's
//! inflows that funded it (per the matching) are followed back to their own debtors, and so on; what came
//! from an opening balance stops there ([`Stop::Untraced`]). From an account: each of its inflows is traced
//! in full.
//!
//! **Attribution.** Each followed transaction carries an *attributed* amount: the part of the traced money
//! that went through it, measured on the side nearer the start (debited when tracing forward, credited when
//! tracing backward), never more than that side's value. Crossing a transaction scales the traced part to
//! the other side's value (`part * other / this`, rounded down), so fees shrink it in proportion and rounding
//! never creates money ([`Trace::difference`] adds up what the crossings changed). At an account, the traced
//! part of a transaction is split over the transactions the matching links it to, in proportion to how much
//! each took.
//!
//! **Paths.** A path is the list of transactions the money went through, from the start; its amount is what
//! reached its end account by exactly that route and stopped there, and why it stopped: [`Stop::Held`] (still
//! in the account at the end of the file), [`Stop::Untraced`], [`Stop::HopLimit`] (the path has `hops`
//! transactions), [`Stop::Cap`] (the cap on transactions or paths was reached) or [`Stop::Returned`] (tracing
//! from an account, the money came back to it: it is not followed a second time). The ends add up to the
//! traced amount at the start minus [`Trace::difference`], exactly.
//!
//! **Bounds.** At most [`Limits::hops`] transactions per path, at most [`Limits::max_transactions`] distinct
//! transactions followed and [`Limits::max_paths`] paths explored, so that a hub (an exchange, a merchant)
//! cannot explode a trace. Paths are extended one hop at a time, largest amounts first; what the caps leave
//! unfollowed stops where it was ([`Stop::Cap`], [`Trace::capped`]).
//!
//! **Rounding.** Every amount is an integer count of the base currency's minor units. A split gives each
//! part the floor of its exact proportional share, then hands the units left one at a time to the largest
//! remainders (ties to the earlier transaction), so that the parts add up to the whole exactly; a part is
//! never more than what the matching gives that link, even when several paths cross one transaction.
//!
//! **Cost.** An account's matching is computed once per trace, on its whole history up to the events
//! needed: FIFO in time linear in its transactions, haircut in time proportional to its outflows times the
//! inflows it still holds at each (much slower for accounts that keep a balance across many transactions).

use std::cmp::Reverse;
use std::collections::VecDeque;
use std::fmt;
use std::str::FromStr;

use rustc_hash::{FxHashMap, FxHashSet};
use tonle_core::{AccountId, Currency, EventTime, FxError, FxTable, Money, Transaction, TxId};

/// The default cap on distinct transactions followed by one trace.
pub const DEFAULT_MAX_TRANSACTIONS: usize = 10_000;
/// The default cap on paths explored by one trace.
pub const DEFAULT_MAX_PATHS: usize = 100_000;

/// Why a ledger could not be built or a trace not run.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TraceError {
    /// No exchange rate for a transaction's currency (the source says which rate is missing).
    #[error("transaction {transaction}: its amount cannot be converted to the base currency")]
    Fx {
        /// The transaction's id.
        transaction: String,
        /// The missing rate, or the overflow.
        source: FxError,
    },
    /// A negative amount: tracing needs money that moves from the debtor to the creditor.
    #[error("transaction {transaction}: the amount {amount} is negative; tracing needs amounts of zero or more")]
    Negative {
        /// The transaction's id.
        transaction: String,
        /// The amount.
        amount: Money,
    },
    /// Two transactions with one id: paths name transactions by id, so ids must be unique.
    #[error("transaction id {0:?} appears more than once; tracing needs unique transaction ids")]
    DuplicateTransaction(String),
    /// More than 2^32 - 1 transactions or accounts.
    #[error("the ledger holds more than 4,294,967,295 transactions or accounts")]
    TooLarge,
    /// The start names an account the ledger does not hold.
    #[error("no account {0:?} in the transactions")]
    UnknownAccount(String),
    /// The start names a transaction the ledger does not hold.
    #[error("no transaction {0:?} in the transactions")]
    UnknownTransaction(String),
    /// A trace needs at least one hop.
    #[error("hops must be at least 1")]
    NoHops,
    /// A total does not fit 64-bit minor units.
    #[error("a total of the trace does not fit 64-bit minor units of {0}")]
    Overflow(Currency),
}

/// Which way money is followed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Direction {
    /// Where the money went: later outflows of the accounts it reached.
    Forward,
    /// Where the money came from: earlier inflows of the accounts that paid it.
    Backward,
}

/// How an account's outflows are matched to its inflows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Method {
    /// First in, first out: an outflow takes the oldest money held first.
    Fifo,
    /// Proportional: an outflow takes the same share of everything held.
    Haircut,
}

macro_rules! text_enum {
    ($name:ident, $what:literal, $($variant:ident => $text:literal),+) => {
        impl $name {
            /// The name used on the command line and in outputs.
            pub const fn as_str(&self) -> &'static str {
                match self {
                    $($name::$variant => $text),+
                }
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl FromStr for $name {
            type Err = String;
            fn from_str(text: &str) -> Result<Self, Self::Err> {
                match text {
                    $($text => Ok($name::$variant),)+
                    _ => Err(format!(concat!("unknown ", $what, " {:?} (expected {})"), text, [$($text),+].join(" or "))),
                }
            }
        }
    };
}

text_enum!(Direction, "direction", Forward => "forward", Backward => "backward");
text_enum!(Method, "method", Fifo => "fifo", Haircut => "haircut");

/// Why a path's money stopped where it did.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Stop {
    /// Forward: the account still holds it at the end of the file.
    Held,
    /// Backward: it came from the account's untraced opening balance.
    Untraced,
    /// The path has as many transactions as the hop limit allows.
    HopLimit,
    /// The cap on transactions or paths was reached before it could be followed further.
    Cap,
    /// Tracing from an account: the money came back to that account, whose transactions are traced in full.
    Returned,
}

text_enum!(Stop, "stop", Held => "held", Untraced => "untraced", HopLimit => "hop-limit", Cap => "cap", Returned => "returned");

/// Where a trace starts.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Start {
    /// An account: all its outflows (forward) or inflows (backward), in full.
    Account(AccountId),
    /// A transaction: its value, from its creditor on (forward) or from its debtor back (backward).
    Transaction(TxId),
}

impl fmt::Display for Start {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Start::Account(id) => write!(f, "account:{id}"),
            Start::Transaction(id) => write!(f, "transaction:{id}"),
        }
    }
}

/// How far a trace goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// The most transactions on one path (at least 1; the start transaction counts as the first).
    pub hops: u32,
    /// The most distinct transactions followed.
    pub max_transactions: usize,
    /// The most paths explored (each extension of a path by one transaction is a path).
    pub max_paths: usize,
}

impl Limits {
    /// A hop limit with the default caps.
    pub const fn hops(hops: u32) -> Limits {
        Limits { hops, max_transactions: DEFAULT_MAX_TRANSACTIONS, max_paths: DEFAULT_MAX_PATHS }
    }
}

/// One transaction as the ledger keeps it.
#[derive(Debug, Clone)]
struct Entry {
    id: TxId,
    time: EventTime,
    debtor: u32,
    creditor: u32,
    amount: Money,
    received: Option<Money>,
    /// The debited value, in base minor units.
    debited: i64,
    /// The credited value, in base minor units.
    credited: i64,
    /// Position in the input, for equal times.
    input: u32,
}

/// Transactions indexed for tracing: every account's inflows and outflows in ledger order, values in one base
/// currency. Build it with [`Ledger::from_transactions`] or a [`LedgerBuilder`].
#[derive(Debug, Clone)]
pub struct Ledger {
    base: Currency,
    /// In ledger order.
    entries: Vec<Entry>,
    accounts: Vec<AccountId>,
    account_index: FxHashMap<AccountId, u32>,
    tx_index: FxHashMap<TxId, u32>,
    /// Per account: the positions of its transactions in `entries`, ascending.
    events: Vec<Vec<u32>>,
}

/// Builds a [`Ledger`] one transaction at a time (in any order), converting amounts as they come.
#[derive(Debug)]
pub struct LedgerBuilder {
    fx: FxTable,
    entries: Vec<Entry>,
    accounts: Vec<AccountId>,
    account_index: FxHashMap<AccountId, u32>,
    tx_index: FxHashMap<TxId, u32>,
}

impl LedgerBuilder {
    /// An empty builder converting into `fx`'s base currency.
    pub fn new(fx: FxTable) -> LedgerBuilder {
        LedgerBuilder {
            fx,
            entries: Vec::new(),
            accounts: Vec::new(),
            account_index: FxHashMap::default(),
            tx_index: FxHashMap::default(),
        }
    }

    /// Adds a transaction; refuses a duplicate id, a negative amount or one without an exchange rate.
    pub fn push(&mut self, tx: &Transaction) -> Result<(), TraceError> {
        if self.tx_index.contains_key(&tx.id) {
            return Err(TraceError::DuplicateTransaction(tx.id.to_string()));
        }
        let debited = self.value(tx, tx.amount)?;
        let credited = self.value(tx, tx.credited())?;
        let input = u32::try_from(self.entries.len()).map_err(|_| TraceError::TooLarge)?;
        let debtor = self.intern(&tx.debtor.account)?;
        let creditor = self.intern(&tx.creditor.account)?;
        self.tx_index.insert(tx.id.clone(), input);
        self.entries.push(Entry {
            id: tx.id.clone(),
            time: tx.time,
            debtor,
            creditor,
            amount: tx.amount,
            received: tx.received,
            debited,
            credited,
            input,
        });
        Ok(())
    }

    /// The ledger, in ledger order.
    pub fn finish(mut self) -> Ledger {
        self.entries.sort_unstable_by_key(|e| (e.time, e.input));
        let mut events = vec![Vec::new(); self.accounts.len()];
        for (position, entry) in self.entries.iter().enumerate() {
            // `push` refused more entries than fit u32, so the position fits.
            let position = position as u32;
            if let Some(slot) = self.tx_index.get_mut(&entry.id) {
                *slot = position;
            }
            events[entry.debtor as usize].push(position);
            if entry.creditor != entry.debtor {
                events[entry.creditor as usize].push(position);
            }
        }
        Ledger {
            base: self.fx.base(),
            entries: self.entries,
            accounts: self.accounts,
            account_index: self.account_index,
            tx_index: self.tx_index,
            events,
        }
    }

    fn value(&self, tx: &Transaction, money: Money) -> Result<i64, TraceError> {
        if money.is_negative() {
            return Err(TraceError::Negative { transaction: tx.id.to_string(), amount: money });
        }
        let base = self
            .fx
            .to_base(money, tx.time.date())
            .map_err(|source| TraceError::Fx { transaction: tx.id.to_string(), source })?;
        Ok(base.minor())
    }

    fn intern(&mut self, account: &AccountId) -> Result<u32, TraceError> {
        if let Some(&index) = self.account_index.get(account) {
            return Ok(index);
        }
        let index = u32::try_from(self.accounts.len()).map_err(|_| TraceError::TooLarge)?;
        self.accounts.push(account.clone());
        self.account_index.insert(account.clone(), index);
        Ok(index)
    }
}

impl Ledger {
    /// A ledger of the transactions, converted into `fx`'s base currency.
    pub fn from_transactions<'a>(
        transactions: impl IntoIterator<Item = &'a Transaction>,
        fx: FxTable,
    ) -> Result<Ledger, TraceError> {
        let mut builder = LedgerBuilder::new(fx);
        for tx in transactions {
            builder.push(tx)?;
        }
        Ok(builder.finish())
    }

    /// The base currency of every value.
    pub fn base(&self) -> Currency {
        self.base
    }

    /// The number of transactions.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// Whether there are no transactions.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// The number of distinct accounts.
    pub fn account_count(&self) -> usize {
        self.accounts.len()
    }

    /// Whether an account takes part in some transaction.
    pub fn has_account(&self, id: &str) -> bool {
        AccountId::new(id).is_ok_and(|id| self.account_index.contains_key(&id))
    }

    /// Whether a transaction with this id is in the ledger.
    pub fn has_transaction(&self, id: &str) -> bool {
        TxId::new(id).is_ok_and(|id| self.tx_index.contains_key(&id))
    }

    fn entry(&self, position: u32) -> &Entry {
        &self.entries[position as usize]
    }
}

/// An account the money reached.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AccountReached {
    /// The account.
    pub account: AccountId,
    /// The fewest transactions between the start and it (0 for the start's own account).
    pub hop: u32,
    /// The traced money that reached it (forward: credited to it; backward: debited from it towards the
    /// start); for the start's account, the amount traced from it.
    pub amount: Money,
    /// The part of the traced money that stopped at it, for any [`Stop`].
    pub ended: Money,
    /// Backward: the part that came from its untraced opening balance.
    pub untraced: Money,
}

/// A transaction the money went through.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TransactionFollowed {
    /// Its id.
    pub id: TxId,
    /// The debtor's account.
    pub from: AccountId,
    /// The creditor's account.
    pub to: AccountId,
    /// When (event time, UTC).
    pub time: EventTime,
    /// The amount debited, as given.
    pub amount: Money,
    /// The amount credited, as given, when it differs.
    pub received: Option<Money>,
    /// Its value in the base currency on the side attributed: debited (forward) or credited (backward).
    pub value: Money,
    /// The part of `value` that carried the traced money.
    pub attributed: Money,
    /// The fewest transactions from the start to it, itself included (1 for the start's own transactions).
    pub hop: u32,
}

/// One route of the money and what stopped there.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Path {
    /// The transactions, from the start outwards (empty when the money stopped at the start's account).
    pub transactions: Vec<TxId>,
    /// The account where it stopped: the last transaction's creditor (forward) or debtor (backward).
    pub end: AccountId,
    /// How much stopped there by this route, in the base currency.
    pub amount: Money,
    /// Why it stopped.
    pub stop: Stop,
}

/// The result of [`trace`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Trace {
    /// Where it started.
    pub start: Start,
    /// The account it started from: the start account, or the start transaction's debtor (forward) or
    /// creditor (backward).
    pub origin: AccountId,
    /// Which way.
    pub direction: Direction,
    /// How outflows were matched to inflows.
    pub method: Method,
    /// The bounds it ran with.
    pub limits: Limits,
    /// The currency of every value and attributed amount.
    pub base: Currency,
    /// The traced amount at the start.
    pub amount: Money,
    /// Every account reached, the origin first, by hop, then by amount (largest first).
    pub accounts: Vec<AccountReached>,
    /// Every transaction followed, by hop, then in ledger order.
    pub transactions: Vec<TransactionFollowed>,
    /// Every route with the money that stopped at its end, largest first.
    pub paths: Vec<Path>,
    /// What crossing transactions changed: the sum over followed transactions of the traced part on the
    /// start's side minus the part carried to the far side (fees; positive or negative differences between
    /// debited and credited values in the base currency; rounding down).
    pub difference: Money,
    /// Whether a cap stopped the trace somewhere.
    pub capped: bool,
    /// How many (path, transaction) extensions the caps refused.
    pub refused: u64,
}

impl Trace {
    /// The total that stopped for one reason.
    pub fn ended(&self, stop: Stop) -> Result<Money, TraceError> {
        let total: i128 = self.paths.iter().filter(|p| p.stop == stop).map(|p| i128::from(p.amount.minor())).sum();
        money(total, self.base)
    }
}

fn money(minor: i128, base: Currency) -> Result<Money, TraceError> {
    i64::try_from(minor).map(|m| Money::from_minor(m, base)).map_err(|_| TraceError::Overflow(base))
}

/// How one transaction's value is divided at an account: the parts linked to other transactions, and the
/// rest (untraced, for an outflow's sources; still held at the end, for an inflow's destinations).
#[derive(Debug, Clone, Default)]
struct Split {
    parts: Vec<(u32, i64)>,
    rest: i64,
}

/// An inflow, or what remains of it, held by an account.
#[derive(Debug, Clone, Copy)]
struct Lot {
    position: u32,
    left: i64,
}

/// The matching of one account's outflows to its inflows, computed by replaying its transactions in ledger
/// order as far as needed.
#[derive(Debug)]
struct Flows {
    account: u32,
    /// The next of the account's events to replay.
    next: usize,
    lots: VecDeque<Lot>,
    held: i128,
    /// Lots not yet spent, by position.
    live: FxHashSet<u32>,
    /// Per outflow replayed: the inflows that funded it.
    sources: FxHashMap<u32, Split>,
    /// Per inflow replayed: the outflows it funded so far.
    destinations: FxHashMap<u32, Vec<(u32, i64)>>,
}

impl Flows {
    fn new(account: u32) -> Flows {
        Flows {
            account,
            next: 0,
            lots: VecDeque::new(),
            held: 0,
            live: FxHashSet::default(),
            sources: FxHashMap::default(),
            destinations: FxHashMap::default(),
        }
    }

    /// The index of a transaction among the account's events.
    fn index(&self, ledger: &Ledger, position: u32) -> usize {
        let events = &ledger.events[self.account as usize];
        events.partition_point(|&p| p < position)
    }

    fn step(&mut self, ledger: &Ledger, method: Method) {
        let position = ledger.events[self.account as usize][self.next];
        self.next += 1;
        let entry = ledger.entry(position);
        if entry.debtor == self.account {
            self.spend(position, entry.debited, method);
        }
        if entry.creditor == self.account {
            self.destinations.insert(position, Vec::new());
            if entry.credited > 0 {
                self.lots.push_back(Lot { position, left: entry.credited });
                self.held += i128::from(entry.credited);
                self.live.insert(position);
            }
        }
    }

    fn spend(&mut self, position: u32, amount: i64, method: Method) {
        // At most `amount`, so it fits i64.
        let covered = i128::from(amount).min(self.held) as i64;
        let mut parts = Vec::new();
        if i128::from(covered) == self.held {
            // Everything held goes, whatever the method.
            parts.extend(self.lots.drain(..).map(|lot| (lot.position, lot.left)));
            self.live.clear();
        } else if method == Method::Fifo {
            let mut need = covered;
            while need > 0 {
                let Some(lot) = self.lots.front_mut() else { break };
                let take = lot.left.min(need);
                parts.push((lot.position, take));
                lot.left -= take;
                need -= take;
                if lot.left == 0 {
                    self.live.remove(&lot.position);
                    self.lots.pop_front();
                }
            }
        } else {
            let weights: Vec<i64> = self.lots.iter().map(|lot| lot.left).collect();
            let shares = apportion(covered, &weights, &weights);
            for (lot, share) in self.lots.iter_mut().zip(shares) {
                if share > 0 {
                    parts.push((lot.position, share));
                    lot.left -= share;
                }
            }
            let live = &mut self.live;
            self.lots.retain(|lot| {
                if lot.left == 0 {
                    live.remove(&lot.position);
                }
                lot.left > 0
            });
        }
        self.held -= i128::from(covered);
        for &(inflow, share) in &parts {
            if let Some(list) = self.destinations.get_mut(&inflow) {
                list.push((position, share));
            }
        }
        self.sources.insert(position, Split { parts, rest: amount - covered });
    }

    /// What funded one of the account's outflows.
    fn sources(&mut self, ledger: &Ledger, method: Method, position: u32) -> Split {
        let index = self.index(ledger, position);
        let len = ledger.events[self.account as usize].len();
        while self.next <= index && self.next < len {
            self.step(ledger, method);
        }
        // The outflow was replayed above, so it is there; were it not (a transaction of another account), all
        // of it would count as untraced, which keeps every total exact.
        self.sources
            .get(&position)
            .cloned()
            .unwrap_or_else(|| Split { parts: Vec::new(), rest: ledger.entry(position).debited })
    }

    /// Where one of the account's inflows went, and what is still held of it at the end of the file.
    fn destinations(&mut self, ledger: &Ledger, method: Method, position: u32) -> Split {
        let index = self.index(ledger, position);
        let len = ledger.events[self.account as usize].len();
        while self.next < len && (self.next <= index || self.live.contains(&position)) {
            self.step(ledger, method);
        }
        let parts = self.destinations.get(&position).cloned().unwrap_or_default();
        let spent: i64 = parts.iter().map(|&(_, share)| share).sum();
        Split { parts, rest: ledger.entry(position).credited - spent }
    }
}

/// Splits `amount` in proportion to `weights`, each part at most its `room`, the parts adding up to `amount`
/// exactly (when `amount` is at most the total room, which callers keep true). Each part first gets the floor
/// of its exact share, or its room if that is less; the units left go one each to the parts with the largest
/// remainders (ties to the earlier part), then to parts with room left, in the same order.
fn apportion(amount: i64, weights: &[i64], room: &[i64]) -> Vec<i64> {
    let total: i128 = weights.iter().map(|&w| i128::from(w)).sum();
    let mut shares = vec![0i64; weights.len()];
    if amount <= 0 || weights.is_empty() {
        return shares;
    }
    let mut unmet = Vec::with_capacity(weights.len());
    let mut rest = amount;
    for (i, (&weight, &room)) in weights.iter().zip(room).enumerate() {
        let exact = i128::from(amount) * i128::from(weight);
        // The floor of a share of `amount` fits i64.
        let floor = if total > 0 { (exact / total) as i64 } else { 0 };
        let share = floor.min(room).max(0);
        shares[i] = share;
        rest -= share;
        unmet.push((exact - i128::from(share) * total, i));
    }
    unmet.sort_unstable_by_key(|&(left, i)| (Reverse(left), i));
    for pass in 0..2 {
        for &(_, i) in &unmet {
            if rest == 0 {
                return shares;
            }
            let free = room[i] - shares[i];
            if free > 0 {
                let give = if pass == 0 { 1 } else { free.min(rest) };
                shares[i] += give;
                rest -= give;
            }
        }
    }
    // Unreachable while callers keep `amount` within the room; if not, the last part (the caller's rest: held
    // or untraced) takes what is left, so that totals stay exact.
    debug_assert_eq!(rest, 0, "apportion: {amount} over {weights:?} with room {room:?}");
    if let Some(last) = shares.last_mut() {
        *last += rest;
    }
    shares
}

/// `part` of a transaction's value on one side, carried to the other side: `part * to / from`, rounded down.
fn scale(part: i64, to: i64, from: i64) -> i64 {
    if from <= 0 || part <= 0 {
        return 0;
    }
    if to == from {
        return part;
    }
    // At most `to` when `part <= from`, so it fits i64.
    (i128::from(part) * i128::from(to) / i128::from(from)).min(i128::from(to)) as i64
}

/// One step of a path: a transaction and the traced part it carried.
#[derive(Debug, Clone, Copy)]
struct Node {
    parent: Option<u32>,
    transaction: u32,
    amount: i64,
    hop: u32,
}

/// An extension of a path waiting to be accepted under the caps.
#[derive(Debug, Clone, Copy)]
struct Candidate {
    parent: Option<u32>,
    /// Where the money is if the extension is refused.
    account: u32,
    transaction: u32,
    amount: i64,
    hop: u32,
}

#[derive(Debug, Clone, Copy)]
struct Reached {
    hop: u32,
    amount: i128,
}

#[derive(Debug, Clone, Copy)]
struct Followed {
    hop: u32,
    attributed: i128,
}

struct Tracer<'a> {
    ledger: &'a Ledger,
    direction: Direction,
    method: Method,
    limits: Limits,
    origin: u32,
    from_account: bool,
    flows: FxHashMap<u32, Flows>,
    nodes: Vec<Node>,
    /// Per (path, reason): the account and the amount stopped.
    ends: FxHashMap<(Option<u32>, Stop), (u32, i128)>,
    followed: FxHashMap<u32, Followed>,
    reached: FxHashMap<u32, Reached>,
    /// Per transaction whose value has been split at its far account: the room left on each link.
    room: FxHashMap<u32, Vec<i64>>,
    difference: i128,
    refused: u64,
}

/// Traces money from `start` through `ledger`: see the module documentation for the model.
pub fn trace(
    ledger: &Ledger,
    start: &Start,
    direction: Direction,
    limits: Limits,
    method: Method,
) -> Result<Trace, TraceError> {
    if limits.hops == 0 {
        return Err(TraceError::NoHops);
    }
    let forward = direction == Direction::Forward;
    let (origin, roots): (u32, Vec<u32>) = match start {
        Start::Account(id) => {
            let account = *ledger.account_index.get(id).ok_or_else(|| TraceError::UnknownAccount(id.to_string()))?;
            let roots = ledger.events[account as usize]
                .iter()
                .copied()
                .filter(|&p| {
                    let entry = ledger.entry(p);
                    if forward {
                        entry.debtor == account
                    } else {
                        entry.creditor == account
                    }
                })
                .collect();
            (account, roots)
        }
        Start::Transaction(id) => {
            let position = *ledger.tx_index.get(id).ok_or_else(|| TraceError::UnknownTransaction(id.to_string()))?;
            let entry = ledger.entry(position);
            (if forward { entry.debtor } else { entry.creditor }, vec![position])
        }
    };
    let mut tracer = Tracer {
        ledger,
        direction,
        method,
        limits,
        origin,
        from_account: matches!(start, Start::Account(_)),
        flows: FxHashMap::default(),
        nodes: Vec::new(),
        ends: FxHashMap::default(),
        followed: FxHashMap::default(),
        reached: FxHashMap::default(),
        room: FxHashMap::default(),
        difference: 0,
        refused: 0,
    };
    let candidates: Vec<Candidate> = roots
        .iter()
        .map(|&transaction| Candidate {
            parent: None,
            account: origin,
            transaction,
            amount: tracer.near_value(transaction),
            hop: 1,
        })
        .filter(|c| c.amount > 0)
        .collect();
    let amount: i128 = candidates.iter().map(|c| i128::from(c.amount)).sum();
    tracer.reached.insert(origin, Reached { hop: 0, amount });
    let mut level = tracer.accept(candidates);
    while !level.is_empty() {
        level = tracer.extend(level);
    }
    tracer.result(start, amount)
}

impl Tracer<'_> {
    /// A transaction's value on the side nearer the start.
    fn near_value(&self, position: u32) -> i64 {
        let entry = self.ledger.entry(position);
        match self.direction {
            Direction::Forward => entry.debited,
            Direction::Backward => entry.credited,
        }
    }

    /// Accepts extensions, largest first, while the caps allow; the rest stop where they were.
    fn accept(&mut self, mut candidates: Vec<Candidate>) -> Vec<u32> {
        candidates.sort_unstable_by_key(|c| (Reverse(c.amount), c.transaction, c.parent));
        let mut accepted = Vec::new();
        for candidate in candidates {
            let known = self.followed.contains_key(&candidate.transaction);
            if self.nodes.len() >= self.limits.max_paths
                || (!known && self.followed.len() >= self.limits.max_transactions)
            {
                self.refused += 1;
                self.end(candidate.parent, candidate.account, Stop::Cap, candidate.amount);
                continue;
            }
            // `max_paths` is a usize, but the nodes are indexed by u32; refuse beyond that too.
            let Ok(id) = u32::try_from(self.nodes.len()) else {
                self.refused += 1;
                self.end(candidate.parent, candidate.account, Stop::Cap, candidate.amount);
                continue;
            };
            self.nodes.push(Node {
                parent: candidate.parent,
                transaction: candidate.transaction,
                amount: candidate.amount,
                hop: candidate.hop,
            });
            let followed =
                self.followed.entry(candidate.transaction).or_insert(Followed { hop: candidate.hop, attributed: 0 });
            followed.hop = followed.hop.min(candidate.hop);
            followed.attributed += i128::from(candidate.amount);
            accepted.push(id);
        }
        accepted
    }

    fn end(&mut self, node: Option<u32>, account: u32, stop: Stop, amount: i64) {
        if amount > 0 {
            self.ends.entry((node, stop)).or_insert((account, 0)).1 += i128::from(amount);
        }
    }

    /// Carries every path of a level across its last transaction and splits it at the far account.
    fn extend(&mut self, mut level: Vec<u32>) -> Vec<u32> {
        level
            .sort_unstable_by_key(|&n| (Reverse(self.nodes[n as usize].amount), self.nodes[n as usize].transaction, n));
        let mut candidates = Vec::new();
        for id in level {
            let node = self.nodes[id as usize];
            let entry = self.ledger.entry(node.transaction);
            let (account, far) = match self.direction {
                Direction::Forward => (entry.creditor, scale(node.amount, entry.credited, entry.debited)),
                Direction::Backward => (entry.debtor, scale(node.amount, entry.debited, entry.credited)),
            };
            self.difference += i128::from(node.amount) - i128::from(far);
            let reached = self.reached.entry(account).or_insert(Reached { hop: node.hop, amount: 0 });
            reached.hop = reached.hop.min(node.hop);
            if account != self.origin {
                reached.amount += i128::from(far);
            }
            if far == 0 {
                continue;
            }
            if self.from_account && account == self.origin {
                self.end(Some(id), account, Stop::Returned, far);
                continue;
            }
            if node.hop >= self.limits.hops {
                self.end(Some(id), account, Stop::HopLimit, far);
                continue;
            }
            let (ledger, method) = (self.ledger, self.method);
            let flows = self.flows.entry(account).or_insert_with(|| Flows::new(account));
            let split = match self.direction {
                Direction::Forward => flows.destinations(ledger, method, node.transaction),
                Direction::Backward => flows.sources(ledger, method, node.transaction),
            };
            let weights: Vec<i64> = split.parts.iter().map(|&(_, share)| share).chain([split.rest]).collect();
            let room = self.room.entry(node.transaction).or_insert_with(|| weights.clone());
            let shares = apportion(far, &weights, room);
            for (left, share) in room.iter_mut().zip(&shares) {
                *left -= share;
            }
            for (&(transaction, _), &share) in split.parts.iter().zip(&shares) {
                if share > 0 {
                    candidates.push(Candidate {
                        parent: Some(id),
                        account,
                        transaction,
                        amount: share,
                        hop: node.hop + 1,
                    });
                }
            }
            let rest = shares.last().copied().unwrap_or(0);
            let stop = if self.direction == Direction::Forward { Stop::Held } else { Stop::Untraced };
            self.end(Some(id), account, stop, rest);
        }
        self.accept(candidates)
    }

    fn result(self, start: &Start, amount: i128) -> Result<Trace, TraceError> {
        let ledger = self.ledger;
        let base = ledger.base;
        let account_id = |index: u32| ledger.accounts[index as usize].clone();
        let mut ended: FxHashMap<u32, (i128, i128)> = FxHashMap::default();
        let mut paths = Vec::with_capacity(self.ends.len());
        for (&(node, stop), &(account, total)) in &self.ends {
            let at = ended.entry(account).or_default();
            at.0 += total;
            if stop == Stop::Untraced {
                at.1 += total;
            }
            let mut route = Vec::new();
            let mut next = node;
            while let Some(id) = next {
                let step = self.nodes[id as usize];
                route.push(step.transaction);
                next = step.parent;
            }
            route.reverse();
            paths.push((total, route, account, stop));
        }
        paths.sort_unstable_by(|a, b| b.0.cmp(&a.0).then_with(|| a.1.cmp(&b.1)).then(a.3.cmp(&b.3)));

        let mut accounts: Vec<(u32, Reached)> = self.reached.iter().map(|(&a, &r)| (a, r)).collect();
        accounts.sort_unstable_by(|a, b| {
            (a.1.hop, Reverse(a.1.amount))
                .cmp(&(b.1.hop, Reverse(b.1.amount)))
                .then_with(|| ledger.accounts[a.0 as usize].cmp(&ledger.accounts[b.0 as usize]))
        });
        let accounts = accounts
            .into_iter()
            .map(|(index, reached)| {
                let (stopped, untraced) = ended.get(&index).copied().unwrap_or_default();
                Ok(AccountReached {
                    account: account_id(index),
                    hop: reached.hop,
                    amount: money(reached.amount, base)?,
                    ended: money(stopped, base)?,
                    untraced: money(untraced, base)?,
                })
            })
            .collect::<Result<Vec<_>, TraceError>>()?;

        let mut followed: Vec<(u32, Followed)> = self.followed.iter().map(|(&t, &f)| (t, f)).collect();
        followed.sort_unstable_by_key(|&(position, f)| (f.hop, position));
        let transactions = followed
            .into_iter()
            .map(|(position, f)| {
                let entry = ledger.entry(position);
                Ok(TransactionFollowed {
                    id: entry.id.clone(),
                    from: account_id(entry.debtor),
                    to: account_id(entry.creditor),
                    time: entry.time,
                    amount: entry.amount,
                    received: entry.received,
                    value: Money::from_minor(self.near_value(position), base),
                    attributed: money(f.attributed, base)?,
                    hop: f.hop,
                })
            })
            .collect::<Result<Vec<_>, TraceError>>()?;

        let paths = paths
            .into_iter()
            .map(|(total, route, account, stop)| {
                Ok(Path {
                    transactions: route.into_iter().map(|p| ledger.entry(p).id.clone()).collect(),
                    end: account_id(account),
                    amount: money(total, base)?,
                    stop,
                })
            })
            .collect::<Result<Vec<_>, TraceError>>()?;

        Ok(Trace {
            start: start.clone(),
            origin: account_id(self.origin),
            direction: self.direction,
            method: self.method,
            limits: self.limits,
            base,
            amount: money(amount, base)?,
            accounts,
            transactions,
            paths,
            difference: money(self.difference, base)?,
            capped: self.refused > 0,
            refused: self.refused,
        })
    }
}

#[cfg(test)]
mod tests {
    use tonle_core::{Channel, FxRate, Party};

    use super::*;

    fn at(minute: i64) -> EventTime {
        EventTime::from_millis(1_740_787_200_000 + minute * 60_000).unwrap()
    }

    fn tx(id: &str, from: &str, to: &str, minute: i64, amount: &str) -> Transaction {
        Transaction::new(
            TxId::new(id).unwrap(),
            at(minute),
            Party::account(AccountId::new(from).unwrap()),
            Party::account(AccountId::new(to).unwrap()),
            amount.parse().unwrap(),
            Channel::BankTransfer,
        )
    }

    fn usd(text: &str) -> Money {
        Money::parse_exact(text, Currency::USD).unwrap()
    }

    fn fx() -> FxTable {
        let mut fx = FxTable::new(Currency::USD);
        // A day before every transaction (chrono is not a dependency here).
        let day = at(-60 * 24 * 60).date();
        fx.insert(day, Currency::USD, Currency::KHR, FxRate::parse("4000").unwrap()).unwrap();
        fx
    }

    fn ledger(transactions: &[Transaction]) -> Ledger {
        Ledger::from_transactions(transactions, fx()).unwrap()
    }

    /// S pays A before the victim V does; A spends more than it received; B keeps most of what A sent.
    fn chain() -> Ledger {
        ledger(&[
            tx("s1", "S", "A", 0, "100.00 USD"),
            tx("v", "V", "A", 10, "50.00 USD"),
            tx("a1", "A", "B", 20, "120.00 USD"),
            tx("a2", "A", "C", 30, "40.00 USD"),
            tx("b1", "B", "D", 40, "20.00 USD"),
        ])
    }

    fn start_tx(id: &str) -> Start {
        Start::Transaction(TxId::new(id).unwrap())
    }

    fn start_account(id: &str) -> Start {
        Start::Account(AccountId::new(id).unwrap())
    }

    /// Paths as (transaction ids joined by '>', end, amount, stop).
    fn paths(trace: &Trace) -> Vec<(String, String, String, Stop)> {
        trace
            .paths
            .iter()
            .map(|p| {
                let route: Vec<&str> = p.transactions.iter().map(TxId::as_str).collect();
                (route.join(">"), p.end.to_string(), p.amount.amount_text(), p.stop)
            })
            .collect()
    }

    fn path(route: &str, end: &str, amount: &str, stop: Stop) -> (String, String, String, Stop) {
        (route.to_owned(), end.to_owned(), amount.to_owned(), stop)
    }

    fn attributed(trace: &Trace, id: &str) -> Option<(String, u32)> {
        trace.transactions.iter().find(|t| t.id.as_str() == id).map(|t| (t.attributed.amount_text(), t.hop))
    }

    fn reached(trace: &Trace, id: &str) -> Option<(u32, String, String)> {
        trace
            .accounts
            .iter()
            .find(|a| a.account.as_str() == id)
            .map(|a| (a.hop, a.amount.amount_text(), a.ended.amount_text()))
    }

    /// The ends add up to the amount traced, less what crossing transactions changed.
    fn assert_conserved(trace: &Trace) {
        let ends: i64 = trace.paths.iter().map(|p| p.amount.minor()).sum();
        assert_eq!(ends + trace.difference.minor(), trace.amount.minor(), "{trace:#?}");
    }

    #[test]
    fn fifo_forward_from_a_payment() {
        let trace = trace(&chain(), &start_tx("v"), Direction::Forward, Limits::hops(3), Method::Fifo).unwrap();
        assert_eq!(trace.origin.as_str(), "V");
        assert_eq!(trace.amount, usd("50.00"));
        // A's older 100.00 from S goes first: a1 takes it and 20.00 of v; a2 the other 30.00 of v.
        assert_eq!(attributed(&trace, "v"), Some(("50.00".into(), 1)));
        assert_eq!(attributed(&trace, "a1"), Some(("20.00".into(), 2)));
        assert_eq!(attributed(&trace, "a2"), Some(("30.00".into(), 2)));
        // b1 takes 20.00 of a1's 120.00; a1 carries 20.00 traced, so 20/120 of that: 3.33 (largest remainder
        // gives B's held part the odd cent).
        assert_eq!(attributed(&trace, "b1"), Some(("3.33".into(), 3)));
        assert_eq!(attributed(&trace, "s1"), None);
        assert_eq!(
            paths(&trace),
            vec![
                path("v>a2", "C", "30.00", Stop::Held),
                path("v>a1", "B", "16.67", Stop::Held),
                path("v>a1>b1", "D", "3.33", Stop::HopLimit),
            ]
        );
        assert_eq!(reached(&trace, "V"), Some((0, "50.00".into(), "0.00".into())));
        assert_eq!(reached(&trace, "A"), Some((1, "50.00".into(), "0.00".into())));
        assert_eq!(reached(&trace, "B"), Some((2, "20.00".into(), "16.67".into())));
        assert_eq!(reached(&trace, "D"), Some((3, "3.33".into(), "3.33".into())));
        assert_eq!(reached(&trace, "S"), None);
        assert!(!trace.capped);
        assert_conserved(&trace);
    }

    #[test]
    fn haircut_forward_from_a_payment() {
        let trace = trace(&chain(), &start_tx("v"), Direction::Forward, Limits::hops(3), Method::Haircut).unwrap();
        // a1 takes 120 of the 150 held: 4/5 of each inflow (80.00 of s1, 40.00 of v); a2's 40.00 finds 30.00
        // held (20.00 of s1, 10.00 of v) and 10.00 untraced.
        assert_eq!(attributed(&trace, "a1"), Some(("40.00".into(), 2)));
        assert_eq!(attributed(&trace, "a2"), Some(("10.00".into(), 2)));
        // b1 takes 1/6 of a1: 6.666..., rounded up by the largest remainder.
        assert_eq!(attributed(&trace, "b1"), Some(("6.67".into(), 3)));
        assert_eq!(
            paths(&trace),
            vec![
                path("v>a1", "B", "33.33", Stop::Held),
                path("v>a2", "C", "10.00", Stop::Held),
                path("v>a1>b1", "D", "6.67", Stop::HopLimit),
            ]
        );
        assert_conserved(&trace);
    }

    #[test]
    fn backward_from_a_payment_reports_the_untraced_opening_balance() {
        let ledger = chain();
        let fifo = trace(&ledger, &start_tx("a2"), Direction::Backward, Limits::hops(2), Method::Fifo).unwrap();
        assert_eq!(fifo.origin.as_str(), "C");
        assert_eq!(
            paths(&fifo),
            vec![path("a2>v", "V", "30.00", Stop::HopLimit), path("a2", "A", "10.00", Stop::Untraced)]
        );
        assert_eq!(fifo.ended(Stop::Untraced).unwrap(), usd("10.00"));
        let a = fifo.accounts.iter().find(|a| a.account.as_str() == "A").unwrap();
        assert_eq!((a.hop, a.amount, a.untraced), (1, usd("40.00"), usd("10.00")));
        assert_conserved(&fifo);

        let fifo = trace(&ledger, &start_tx("a1"), Direction::Backward, Limits::hops(5), Method::Fifo).unwrap();
        assert_eq!(
            paths(&fifo),
            vec![path("a1>s1", "S", "100.00", Stop::Untraced), path("a1>v", "V", "20.00", Stop::Untraced)]
        );
        let haircut = trace(&ledger, &start_tx("a1"), Direction::Backward, Limits::hops(5), Method::Haircut).unwrap();
        assert_eq!(
            paths(&haircut),
            vec![path("a1>s1", "S", "80.00", Stop::Untraced), path("a1>v", "V", "40.00", Stop::Untraced)]
        );
        assert_eq!(haircut.ended(Stop::Untraced).unwrap(), usd("120.00"));
    }

    #[test]
    fn an_account_that_spends_before_it_receives_spends_untraced_money() {
        let ledger = ledger(&[tx("x1", "X", "Y", 0, "10.00 USD"), tx("z1", "Z", "X", 5, "10.00 USD")]);
        let back = trace(&ledger, &start_tx("x1"), Direction::Backward, Limits::hops(3), Method::Fifo).unwrap();
        assert_eq!(paths(&back), vec![path("x1", "X", "10.00", Stop::Untraced)]);
        // The later inflow is held: it funded nothing.
        let forward = trace(&ledger, &start_tx("z1"), Direction::Forward, Limits::hops(3), Method::Haircut).unwrap();
        assert_eq!(paths(&forward), vec![path("z1", "X", "10.00", Stop::Held)]);
    }

    #[test]
    fn backward_from_an_account_follows_all_its_inflows() {
        let trace = trace(&chain(), &start_account("A"), Direction::Backward, Limits::hops(3), Method::Fifo).unwrap();
        assert_eq!(trace.amount, usd("150.00"));
        // S and V paid from balances the file does not show.
        assert_eq!(
            paths(&trace),
            vec![path("s1", "S", "100.00", Stop::Untraced), path("v", "V", "50.00", Stop::Untraced)]
        );
        assert_conserved(&trace);
    }

    #[test]
    fn the_hop_limit_stops_paths() {
        let trace = trace(&chain(), &start_tx("v"), Direction::Forward, Limits::hops(1), Method::Fifo).unwrap();
        assert_eq!(paths(&trace), vec![path("v", "A", "50.00", Stop::HopLimit)]);
        assert_eq!(trace.transactions.len(), 1);
        let two = super::trace(&chain(), &start_tx("v"), Direction::Forward, Limits::hops(2), Method::Fifo).unwrap();
        assert!(two.paths.iter().all(|p| p.transactions.len() <= 2));
        assert_eq!(attributed(&two, "b1"), None);
        // Both of the second hop's paths stop at the limit, B and C still holding the money.
        assert_eq!(two.ended(Stop::HopLimit).unwrap(), usd("50.00"));
        assert!(matches!(
            super::trace(&chain(), &start_tx("v"), Direction::Forward, Limits::hops(0), Method::Fifo),
            Err(TraceError::NoHops)
        ));
    }

    #[test]
    fn the_cap_keeps_the_largest_and_reports_the_rest() {
        let spokes: Vec<Transaction> =
            (1..=5).map(|i| tx(&format!("h{i}"), "H", &format!("R{i}"), i, &format!("{i}.00 USD"))).collect();
        let ledger = ledger(&spokes);
        let limits = Limits { max_transactions: 2, ..Limits::hops(4) };
        let trace = trace(&ledger, &start_account("H"), Direction::Forward, limits, Method::Fifo).unwrap();
        let followed: Vec<&str> = trace.transactions.iter().map(|t| t.id.as_str()).collect();
        assert_eq!(followed, ["h4", "h5"]);
        assert!(trace.capped);
        assert_eq!(trace.refused, 3);
        assert_eq!(trace.ended(Stop::Cap).unwrap(), usd("6.00"));
        assert!(paths(&trace).contains(&path("", "H", "6.00", Stop::Cap)));
        assert_conserved(&trace);

        let limits = Limits { max_paths: 1, ..Limits::hops(4) };
        let trace = super::trace(&ledger, &start_account("H"), Direction::Forward, limits, Method::Fifo).unwrap();
        assert_eq!(trace.transactions.len(), 1);
        assert_eq!(trace.refused, 4);
    }

    #[test]
    fn cross_currency_values_and_fees() {
        let mut payment = tx("k", "K", "A", 0, "200000.00 KHR");
        payment.received = Some(usd("49.00"));
        let ledger = ledger(&[payment, tx("a", "A", "B", 5, "30.00 USD")]);
        let trace = trace(&ledger, &start_tx("k"), Direction::Forward, Limits::hops(3), Method::Fifo).unwrap();
        assert_eq!(trace.base, Currency::USD);
        // 200,000 riel at 4,000 a dollar: 50.00 debited, 49.00 credited.
        assert_eq!(trace.amount, usd("50.00"));
        assert_eq!(trace.difference, usd("1.00"));
        let k = &trace.transactions[0];
        assert_eq!(
            (k.amount.to_string().as_str(), k.received, k.value),
            ("200000.00 KHR", Some(usd("49.00")), usd("50.00"))
        );
        assert_eq!(paths(&trace), vec![path("k>a", "B", "30.00", Stop::Held), path("k", "A", "19.00", Stop::Held)]);
        assert_conserved(&trace);
        // Backward, the traced value is what B was credited, and what left K is scaled back up to the debit.
        let back = super::trace(&ledger, &start_tx("a"), Direction::Backward, Limits::hops(3), Method::Fifo).unwrap();
        assert_eq!(paths(&back), vec![path("a>k", "K", "30.61", Stop::Untraced)]);
        assert_eq!(back.difference, usd("-0.61"));
        assert_conserved(&back);
    }

    #[test]
    fn paths_crossing_one_transaction_never_take_more_than_it_carries() {
        // Two cents from S reach A separately and leave together in x; C forwards one cent of x and keeps one.
        let ledger = ledger(&[
            tx("s1", "S", "A", 0, "0.01 USD"),
            tx("s2", "S", "A", 1, "0.01 USD"),
            tx("x", "A", "C", 2, "0.02 USD"),
            tx("y", "C", "D", 3, "0.01 USD"),
        ]);
        for method in [Method::Fifo, Method::Haircut] {
            let trace = trace(&ledger, &start_account("S"), Direction::Forward, Limits::hops(5), method).unwrap();
            assert_eq!(attributed(&trace, "x"), Some(("0.02".into(), 2)));
            // Each path would round its half cent up; the second finds the link to y already full.
            assert_eq!(attributed(&trace, "y"), Some(("0.01".into(), 3)), "{method}");
            assert_eq!(trace.ended(Stop::Held).unwrap(), usd("0.02"));
            assert_conserved(&trace);
        }
    }

    #[test]
    fn money_back_at_the_start_account_is_not_followed_twice() {
        let ledger = ledger(&[
            tx("ab", "A", "B", 0, "10.00 USD"),
            tx("ba", "B", "A", 1, "10.00 USD"),
            tx("ac", "A", "C", 2, "10.00 USD"),
        ]);
        let trace = trace(&ledger, &start_account("A"), Direction::Forward, Limits::hops(5), Method::Fifo).unwrap();
        assert_eq!(trace.amount, usd("20.00"));
        assert_eq!(
            paths(&trace),
            vec![path("ab>ba", "A", "10.00", Stop::Returned), path("ac", "C", "10.00", Stop::Held)]
        );
        assert_eq!(attributed(&trace, "ac"), Some(("10.00".into(), 1)));
        // From the transaction, the money that comes back goes on through A.
        let trace = super::trace(&ledger, &start_tx("ab"), Direction::Forward, Limits::hops(5), Method::Fifo).unwrap();
        assert_eq!(paths(&trace), vec![path("ab>ba>ac", "C", "10.00", Stop::Held)]);
    }

    #[test]
    fn equal_times_keep_input_order_and_a_self_transfer_is_debited_first() {
        let ledger = ledger(&[
            tx("in", "S", "A", 0, "5.00 USD"),
            tx("out", "A", "B", 0, "5.00 USD"),
            tx("self", "B", "B", 1, "5.00 USD"),
        ]);
        let trace = trace(&ledger, &start_tx("in"), Direction::Forward, Limits::hops(5), Method::Fifo).unwrap();
        assert_eq!(paths(&trace), vec![path("in>out>self", "B", "5.00", Stop::Held)]);
        let back =
            super::trace(&ledger, &start_tx("self"), Direction::Backward, Limits::hops(5), Method::Fifo).unwrap();
        assert_eq!(paths(&back), vec![path("self>out>in", "S", "5.00", Stop::Untraced)]);
    }

    #[test]
    fn bad_input_is_refused_with_its_reason() {
        let twice = [tx("t", "A", "B", 0, "1.00 USD"), tx("t", "A", "B", 1, "1.00 USD")];
        assert_eq!(Ledger::from_transactions(&twice, fx()).unwrap_err(), TraceError::DuplicateTransaction("t".into()));
        let negative = [tx("n", "A", "B", 0, "-1.00 USD")];
        assert!(matches!(Ledger::from_transactions(&negative, fx()), Err(TraceError::Negative { .. })));
        let baht = [tx("b", "A", "B", 0, "1.00 THB")];
        let error = Ledger::from_transactions(&baht, fx()).unwrap_err();
        assert!(matches!(&error, TraceError::Fx { transaction, .. } if transaction == "b"), "{error}");
        let ledger = chain();
        let unknown = trace(&ledger, &start_account("Q"), Direction::Forward, Limits::hops(2), Method::Fifo);
        assert_eq!(unknown.unwrap_err(), TraceError::UnknownAccount("Q".into()));
        let unknown = trace(&ledger, &start_tx("q"), Direction::Forward, Limits::hops(2), Method::Fifo);
        assert_eq!(unknown.unwrap_err().to_string(), "no transaction \"q\" in the transactions");
        assert!(ledger.has_account("A") && !ledger.has_account("") && ledger.has_transaction("a1"));
        assert_eq!(
            "sideways".parse::<Direction>().unwrap_err(),
            "unknown direction \"sideways\" (expected forward or backward)"
        );
        assert_eq!("haircut".parse::<Method>(), Ok(Method::Haircut));
    }

    #[test]
    fn every_outflow_is_funded_exactly_and_every_inflow_spent_at_most_once() {
        let ledger = chain();
        for method in [Method::Fifo, Method::Haircut] {
            for account in 0..ledger.account_count() as u32 {
                let mut flows = Flows::new(account);
                for &position in &ledger.events[account as usize] {
                    let entry = ledger.entry(position);
                    if entry.debtor == account {
                        let split = flows.sources(&ledger, method, position);
                        let funded: i64 = split.parts.iter().map(|p| p.1).sum();
                        assert_eq!(funded + split.rest, entry.debited);
                        assert!(split.rest >= 0);
                    }
                }
                for &position in &ledger.events[account as usize] {
                    if ledger.entry(position).creditor == account {
                        let split = flows.destinations(&ledger, method, position);
                        assert!(split.rest >= 0 && split.parts.iter().all(|p| p.1 > 0), "{split:?}");
                    }
                }
            }
        }
    }

    #[test]
    fn apportion_sums_exactly_within_room() {
        assert_eq!(apportion(10, &[1, 1, 1], &[10, 10, 10]), vec![4, 3, 3]);
        assert_eq!(apportion(2000, &[2000, 10000], &[2000, 10000]), vec![333, 1667]);
        assert_eq!(apportion(3, &[1, 1, 1], &[0, 5, 5]), vec![0, 2, 1]);
        assert_eq!(apportion(0, &[1, 2], &[1, 2]), vec![0, 0]);
        assert_eq!(scale(50, 49, 50), 49);
        assert_eq!(scale(1, 1, 3), 0);
    }
}
