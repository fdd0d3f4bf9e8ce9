//! Sanctions and watch-list screening: lists loaded from their published formats (OFAC SDN, UN Security
//! Council, OpenSanctions FollowTheMoney, an institution's own CSV), names normalised and transliterated from
//! any script to Latin, and matched name part by name part with every hit explained.

pub mod entity;
pub mod index;
pub mod lists;
pub mod matcher;
pub mod normalize;
pub mod screener;
pub mod translit;

pub use entity::{Chain, CryptoAddress, ListEntity, ListName, NameKind, PartialDate, Schema};
pub use index::Index;
pub use matcher::{AllowList, Hit, Matcher, Query, DEFAULT_THRESHOLD};
pub use screener::{load_matcher, read_allow_list, ListReport, ListSources, Watchlists};
