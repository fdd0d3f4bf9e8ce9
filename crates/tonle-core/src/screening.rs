//! Screening as the engine sees it: what a sanctions or watch-list check found of one side of a transaction,
//! and the trait a screener implements. `tonle-screen` implements it over loaded lists; the engine
//! (`tonle-detect`) asks it about each party's name and account and turns what it finds into facts and
//! reasons.

use compact_str::CompactString;

use crate::ids::CountryCode;

/// A listed entity matched by a party's name or account.
#[derive(Debug, Clone, PartialEq)]
pub struct ScreenHit {
    /// The listed entity's id, prefixed by its list (`ofac:7843`, `un:IQi.001`).
    pub entity: CompactString,
    /// The name (or crypto address) as listed that matched.
    pub listed: CompactString,
    /// How well, 0 to 1 (1 for an address, which matches exactly).
    pub score: f64,
    /// How it matched, in one line: the name parts aligned and the qualifiers that moved the score.
    pub detail: CompactString,
}

/// Screens the parties of transactions. Implementations are shared between threads and may swap their lists
/// while in use; [`Screener::generation`] changes whenever they do, so a caller caching answers knows when to
/// forget them.
pub trait Screener: Send + Sync {
    /// Changes (increases) whenever the lists change.
    fn generation(&self) -> u64;

    /// The best listed entity matching a holder's name (with the holder's country as a qualifier, if known),
    /// at or above the screener's threshold.
    fn screen_name(&self, name: &str, country: Option<CountryCode>) -> Option<ScreenHit>;

    /// The listed entity whose crypto address an account id is, if any (matched exactly).
    fn screen_account(&self, account: &str) -> Option<ScreenHit>;
}
