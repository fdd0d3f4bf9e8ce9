//! Dates as the lists write them: ISO (`1960`, `1960-01`, `1960-01-12`) and OFAC's remarks (`12 Jan 1960`,
//! `Jan 1960`, `circa 1960`, `1960 to 1962`), into [`PartialDate`]s.

use crate::entity::PartialDate;

/// The widest year range expanded into one date per year; wider ranges keep only their two ends.
pub const MAX_RANGE_YEARS: i32 = 10;

const MONTHS: [&str; 12] = ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"];

fn year(s: &str) -> Option<i32> {
    if s.len() == 4 && s.bytes().all(|b| b.is_ascii_digit()) {
        s.parse().ok().filter(|y| (1000..=2999).contains(y))
    } else {
        None
    }
}

fn number(s: &str, max: u8) -> Option<u8> {
    if (1..=2).contains(&s.len()) && s.bytes().all(|b| b.is_ascii_digit()) {
        s.parse().ok().filter(|n| (1..=max).contains(n))
    } else {
        None
    }
}

fn month_name(s: &str) -> Option<u8> {
    let lower = s.to_ascii_lowercase();
    let lower = lower.trim_end_matches('.');
    if lower.len() < 3 || !lower.is_ascii() {
        return None;
    }
    MONTHS.iter().position(|m| lower.starts_with(m)).map(|i| i as u8 + 1)
}

/// An ISO date: `YYYY`, `YYYY-MM` or `YYYY-MM-DD` (a time after `T` is ignored).
pub fn parse_iso(s: &str) -> Option<PartialDate> {
    let s = s.trim();
    let s = s.split('T').next().unwrap_or(s);
    let mut parts = s.split('-');
    let year = year(parts.next()?)?;
    let month = match parts.next() {
        Some(m) if m.len() == 2 => Some(number(m, 12)?),
        Some(_) => return None,
        None => None,
    };
    let day = match parts.next() {
        Some(d) if d.len() == 2 => Some(number(d, 31)?),
        Some(_) => return None,
        None => None,
    };
    if parts.next().is_some() {
        return None;
    }
    Some(PartialDate { year, month, day })
}

/// One OFAC date: `12 Jan 1960`, `Jan 1960`, `1960`, or ISO.
fn parse_one_ofac(s: &str) -> Option<PartialDate> {
    let words: Vec<&str> = s.split_whitespace().collect();
    match words.as_slice() {
        [y] => parse_iso(y),
        [m, y] => Some(PartialDate { year: year(y)?, month: Some(month_name(m)?), day: None }),
        [d, m, y] => Some(PartialDate { year: year(y)?, month: Some(month_name(m)?), day: Some(number(d, 31)?) }),
        _ => None,
    }
}

/// The dates from `from` to `to`: one a year for a range of whole years (`1960 to 1962`, `01 Jan 1960 to
/// 31 Dec 1962`) up to [`MAX_RANGE_YEARS`] long, else the two ends.
pub fn range(from: PartialDate, to: PartialDate) -> Vec<PartialDate> {
    let whole_from = from.month.is_none() || (from.month == Some(1) && matches!(from.day, None | Some(1)));
    let whole_to = to.month.is_none() || (to.month == Some(12) && matches!(to.day, None | Some(31)));
    if whole_from && whole_to && from.year <= to.year && to.year - from.year <= MAX_RANGE_YEARS {
        (from.year..=to.year).map(|year| PartialDate { year, month: None, day: None }).collect()
    } else if from == to {
        vec![from]
    } else {
        vec![from, to]
    }
}

/// An OFAC remarks date (after `DOB`): `12 Jan 1960`, `Jan 1960`, `1960`, `circa 1960`, `1960 to 1962`,
/// `circa 1960-1962`. A trailing `.` is ignored. `None` when it is none of these.
pub fn parse_ofac(s: &str) -> Option<Vec<PartialDate>> {
    let s = s.trim().trim_end_matches('.').trim();
    let s = s.strip_prefix("circa").map(str::trim).unwrap_or(s);
    if let Some((a, b)) = s.split_once(" to ") {
        return Some(range(parse_one_ofac(a.trim())?, parse_one_ofac(b.trim())?));
    }
    if let Some((a, b)) = s.split_once('-') {
        if let (Some(a), Some(b)) = (year(a.trim()), year(b.trim())) {
            let p = |year| PartialDate { year, month: None, day: None };
            return Some(range(p(a), p(b)));
        }
    }
    parse_one_ofac(s).map(|d| vec![d])
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(year: i32, month: Option<u8>, day: Option<u8>) -> PartialDate {
        PartialDate { year, month, day }
    }

    #[test]
    fn ofac_forms() {
        assert_eq!(parse_ofac("12 Jan 1960"), Some(vec![d(1960, Some(1), Some(12))]));
        assert_eq!(parse_ofac("1960."), Some(vec![d(1960, None, None)]));
        assert_eq!(parse_ofac("circa 1960"), Some(vec![d(1960, None, None)]));
        assert_eq!(parse_ofac("Mar 1960"), Some(vec![d(1960, Some(3), None)]));
        assert_eq!(parse_ofac("1960 to 1962").map(|v| v.len()), Some(3));
        assert_eq!(parse_ofac("01 Jan 1960 to 31 Dec 1961").map(|v| v.len()), Some(2));
        assert_eq!(parse_ofac("circa 1958-1960").map(|v| v.len()), Some(3));
        assert_eq!(parse_ofac("05 Mar 1960 to 07 Apr 1960").map(|v| v.len()), Some(2));
        assert_eq!(parse_ofac("soon"), None);
        assert_eq!(parse_ofac("32 Jan 1960"), None);
    }

    #[test]
    fn iso_forms() {
        assert_eq!(parse_iso("1960"), Some(d(1960, None, None)));
        assert_eq!(parse_iso("1960-02"), Some(d(1960, Some(2), None)));
        assert_eq!(parse_iso("1960-02-29"), Some(d(1960, Some(2), Some(29))));
        assert_eq!(parse_iso("1960-13-01"), None);
        assert_eq!(parse_iso("60"), None);
    }
}
