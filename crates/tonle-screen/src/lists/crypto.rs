//! Crypto addresses: which chain an address is on (from its format first, then the list's currency tag)
//! and its normal form for comparison.

use crate::entity::Chain;

const BASE58: &[u8] = b"123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz";
const BECH32: &[u8] = b"qpzry9x8gf2tvdw0s3jn54khce6mua7l";

fn all_in(s: &str, alphabet: &[u8]) -> bool {
    !s.is_empty() && s.bytes().all(|b| alphabet.contains(&b))
}

fn is_base58(s: &str) -> bool {
    all_in(s, BASE58)
}

/// Bech32 data part: one case throughout, bech32 characters.
fn is_bech32_data(s: &str) -> bool {
    let lower = s.to_ascii_lowercase();
    (s == lower || s == s.to_ascii_uppercase()) && all_in(&lower, BECH32)
}

fn is_hex(s: &str) -> bool {
    !s.is_empty() && s.bytes().all(|b| b.is_ascii_hexdigit())
}

/// `0x` and 40 hex digits: an EVM address.
fn is_evm(address: &str) -> bool {
    address.len() == 42 && (address.starts_with("0x") || address.starts_with("0X")) && is_hex(&address[2..])
}

/// The chain a list's currency tag names (`XBT`, `ETH`, `USDT`...), if it names one.
fn chain_of_tag(tag: &str) -> Option<Chain> {
    Some(match tag.trim().to_ascii_uppercase().as_str() {
        "XBT" | "BTC" => Chain::Bitcoin,
        "ETH" | "USDC" | "ARB" | "BSC" | "BNB" | "DAI" => Chain::Ethereum,
        "TRX" => Chain::Tron,
        "LTC" => Chain::Litecoin,
        "BCH" => Chain::BitcoinCash,
        "XMR" => Chain::Monero,
        "ZEC" => Chain::Zcash,
        "DASH" => Chain::Dash,
        "ETC" => Chain::EthereumClassic,
        "BSV" => Chain::BitcoinSv,
        _ => return None,
    })
}

/// Which chain `address` is on: from its format first (Bitcoin `1`/`3` base58 and `bc1` bech32, EVM `0x`
/// and 40 hex digits, Tron `T` and 33 base58, Litecoin `L`/`M`/`ltc1`, Bitcoin Cash `bitcoincash:`/`q`/`p`,
/// Monero `4`/`8` and 95 characters, Zcash `t1`/`t3`/`zs`, Dash `X`), then from the list's `tag` when the
/// format is shared or unknown (an `0x` address tagged `ETC` is Ethereum Classic; a `1...` or `3...`
/// address tagged `BCH`, `BSV` or `LTC` is on that chain), else [`Chain::Other`] with the tag (`Other("")` with no tag).
pub fn infer_chain(address: &str, tag: Option<&str>) -> Chain {
    let a = address.trim();
    let tagged = tag.and_then(chain_of_tag);
    let lower = a.to_ascii_lowercase();
    if is_evm(a) {
        return match tagged {
            Some(Chain::EthereumClassic) => Chain::EthereumClassic,
            _ => Chain::Ethereum,
        };
    }
    if let Some(rest) = lower.strip_prefix("bitcoincash:") {
        if is_bech32_data(rest) {
            return Chain::BitcoinCash;
        }
    }
    if let Some(rest) = lower.strip_prefix("bc1") {
        if (11..=87).contains(&rest.len()) && is_bech32_data(&a[3..]) {
            return Chain::Bitcoin;
        }
    }
    if let Some(rest) = lower.strip_prefix("ltc1") {
        if (11..=87).contains(&rest.len()) && is_bech32_data(&a[4..]) {
            return Chain::Litecoin;
        }
    }
    let len = a.len();
    if is_base58(a) {
        let first = a.as_bytes()[0];
        match first {
            // P2PKH and P2SH share their format with the Bitcoin forks (and Litecoin's old `3` P2SH): the tag
            // tells them apart.
            b'1' | b'3' if (26..=35).contains(&len) => {
                return match tagged {
                    Some(c @ (Chain::BitcoinCash | Chain::BitcoinSv | Chain::Litecoin)) => c,
                    _ => Chain::Bitcoin,
                };
            }
            b'T' if len == 34 => return Chain::Tron,
            b'L' | b'M' if (26..=35).contains(&len) => return Chain::Litecoin,
            b'4' | b'8' if len == 95 || len == 106 => return Chain::Monero,
            b'X' if len == 34 => return Chain::Dash,
            b't' if len == 35 && (a.starts_with("t1") || a.starts_with("t3")) => return Chain::Zcash,
            _ => {}
        }
    }
    if lower.starts_with("zs") && len == 78 && is_bech32_data(&a[2..]) {
        return Chain::Zcash;
    }
    if (lower.starts_with('q') || lower.starts_with('p')) && len == 42 && is_bech32_data(a) {
        return Chain::BitcoinCash;
    }
    match (tagged, tag) {
        (Some(chain), _) => chain,
        (None, Some(t)) => Chain::Other(t.trim().to_ascii_uppercase()),
        (None, None) => Chain::Other(String::new()),
    }
}

/// The form of `address` to compare on `chain`: hex (EVM) addresses and bech32 addresses in lower case,
/// base58 addresses as they are (base58 is case-sensitive); surrounding space removed either way.
pub fn normalize_address(chain: &Chain, address: &str) -> String {
    let a = address.trim();
    let lower = a.to_ascii_lowercase();
    match chain {
        Chain::Ethereum | Chain::EthereumClassic => lower,
        _ if lower.starts_with("bc1")
            || lower.starts_with("ltc1")
            || lower.starts_with("bitcoincash:")
            || (lower.starts_with("zs") && is_bech32_data(&a[2..])) =>
        {
            lower
        }
        Chain::BitcoinCash if is_bech32_data(a) => lower,
        Chain::Other(_) if is_evm(a) => lower,
        _ => a.to_string(),
    }
}

/// A short lower-case name for a chain, for ids (`bitcoin`, `ethereum`, `other-usdt`).
pub fn chain_slug(chain: &Chain) -> String {
    match chain {
        Chain::Bitcoin => "bitcoin".into(),
        Chain::Ethereum => "ethereum".into(),
        Chain::Tron => "tron".into(),
        Chain::Litecoin => "litecoin".into(),
        Chain::BitcoinCash => "bitcoincash".into(),
        Chain::Monero => "monero".into(),
        Chain::Zcash => "zcash".into(),
        Chain::Dash => "dash".into(),
        Chain::EthereumClassic => "ethereumclassic".into(),
        Chain::BitcoinSv => "bitcoinsv".into(),
        Chain::Other(tag) => format!("other-{}", tag.to_ascii_lowercase()),
    }
}

/// Whether `s` could be an address at all: one token of ASCII letters, digits and `:` (for
/// `bitcoincash:`), 20 to 120 characters.
pub fn plausible_address(s: &str) -> bool {
    (20..=120).contains(&s.len()) && s.bytes().all(|b| b.is_ascii_alphanumeric() || b == b':')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats() {
        assert_eq!(infer_chain("16iWn2J1McqjToYLHSsAyS6En3QA8YQ91H", Some("USDT")), Chain::Bitcoin);
        assert_eq!(infer_chain("bc1qrmcjar58mkwz6ng6zz7s2qmcjar58mkwz6ng6q", None), Chain::Bitcoin);
        assert_eq!(infer_chain("0x175d44451403Edf28469dF03A9280c1197ADb92c", Some("USDT")), Chain::Ethereum);
        assert_eq!(infer_chain("0x175d44451403Edf28469dF03A9280c1197ADb92c", Some("ETC")), Chain::EthereumClassic);
        assert_eq!(infer_chain("TEAqwfMhXLaomXhZ8KeMhx3njGmQEDnsUR", Some("USDT")), Chain::Tron);
        assert_eq!(infer_chain("LTbEz2UVkoHMmumXTYD7Xo3u7fJCVjfZrX", None), Chain::Litecoin);
        assert_eq!(infer_chain("Xr1c1bP7ZBnvHYX9bdMW8iGVDW8DCJH7tF", None), Chain::Dash);
        assert_eq!(infer_chain("t1Kfs3YEVS6F5yMxRpqVCsLtbd7zBHCsLgv", None), Chain::Zcash);
        assert_eq!(infer_chain("qpm2qsznhks23z7629mms6s4cwef74vcwvy22gdx6a", None), Chain::BitcoinCash);
        assert_eq!(infer_chain("1BoatSLRHtKNngkdXEeobR76b53LETtpyT", Some("BCH")), Chain::BitcoinCash);
        assert_eq!(infer_chain("3E6ZCKRrsdPc35chA9Eftp1h3DLW18NFNV", Some("LTC")), Chain::Litecoin);
        assert_eq!(infer_chain("abc", Some("xvg")), Chain::Other("XVG".into()));
        assert_eq!(infer_chain("abc", Some("XMR")), Chain::Monero);
        assert_eq!(infer_chain("", None), Chain::Other(String::new()));
    }

    #[test]
    fn normal_forms() {
        assert_eq!(
            normalize_address(&Chain::Ethereum, " 0x175d44451403Edf28469dF03A9280c1197ADb92c"),
            "0x175d44451403edf28469df03a9280c1197adb92c"
        );
        assert_eq!(
            normalize_address(&Chain::Bitcoin, "16iWn2J1McqjToYLHSsAyS6En3QA8YQ91H"),
            "16iWn2J1McqjToYLHSsAyS6En3QA8YQ91H"
        );
        assert_eq!(normalize_address(&Chain::Bitcoin, "BC1QAB"), "bc1qab");
    }
}
