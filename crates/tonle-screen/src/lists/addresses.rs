//! Crypto address lists: one address a line, the asset's tag from the file name
//! (`ofac_sanctioned_addresses_XBT.txt` gives `XBT`). Blank lines and `#` comments are ignored.
//!
//! Each address is one entity with no names: id `address:<chain>:<address>` (the address in its
//! [normal form](super::crypto::normalize_address)), schema [`Schema::Unknown`], source `OFAC addresses
//! (<tag>)`. The chain comes from the address's format first, then the tag (so the USDT file's Tron,
//! Ethereum and Omni addresses are told apart).

use rustc_hash::FxHashSet;

use super::crypto::{chain_slug, infer_chain, normalize_address, plausible_address};
use super::{lines, Loaded, Skipped};
use crate::entity::{CryptoAddress, ListEntity, Schema};

/// The asset tag in a file name: the part after the last `_` of the name without its extension, if that
/// is 2 to 6 ASCII letters or digits (`ofac_sanctioned_addresses_USDT.txt` gives `USDT`).
pub fn tag_from_file_name(file: &str) -> Option<&str> {
    let stem = file.rsplit(['/', '\\']).next().unwrap_or(file);
    let stem = stem.split('.').next().unwrap_or(stem);
    let tag = stem.rsplit('_').next()?;
    ((2..=6).contains(&tag.len()) && tag.bytes().all(|b| b.is_ascii_alphanumeric()) && tag != stem).then_some(tag)
}

/// Reads an address list. `tag` is the asset's tag (see [`tag_from_file_name`]); `file` names the file in
/// messages.
pub fn parse_addresses(data: &[u8], tag: Option<&str>, file: &str) -> Loaded {
    let mut out = Loaded::default();
    let mut seen = FxHashSet::default();
    let source = match tag {
        Some(t) => format!("OFAC addresses ({})", t.to_ascii_uppercase()),
        None => "OFAC addresses".to_string(),
    };
    for (number, line) in lines(data) {
        let Ok(text) = std::str::from_utf8(line) else {
            out.skipped.push(Skipped::new(file, "line is not valid UTF-8").line(Some(number)).field("address"));
            continue;
        };
        let address = text.trim().trim_start_matches('\u{feff}');
        if address.is_empty() || address.starts_with('#') {
            continue;
        }
        if !plausible_address(address) {
            out.skipped
                .push(Skipped::new(file, format!("{address:?} is not an address")).line(Some(number)).field("address"));
            continue;
        }
        let chain = infer_chain(address, tag);
        let id = format!("address:{}:{}", chain_slug(&chain), normalize_address(&chain, address));
        if !seen.insert(id.clone()) {
            out.skipped.push(
                Skipped::new(file, "address repeats an earlier line")
                    .line(Some(number))
                    .record(Some(address.to_string())),
            );
            continue;
        }
        out.entities.push(ListEntity {
            addresses: vec![CryptoAddress { chain, address: address.to_string() }],
            ..ListEntity::new(id, &source, Schema::Unknown)
        });
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tags() {
        assert_eq!(tag_from_file_name("ofac_sanctioned_addresses_USDT.txt"), Some("USDT"));
        assert_eq!(tag_from_file_name("dir/list_ETH.txt"), Some("ETH"));
        assert_eq!(tag_from_file_name("addresses.txt"), None);
    }
}
