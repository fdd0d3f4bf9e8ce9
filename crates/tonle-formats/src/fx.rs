//! Exchange-rate files: dated rates into one base currency, for [`FxTable`].
//!
//! A CSV file with the header `date,from,to,rate`: on `date` (`YYYY-MM-DD`), one unit of `from` bought `rate`
//! units of `to`; one side of every rate must be the base currency. Both directions are fine:
//!
//! ```text
//! date,from,to,rate
//! 2025-03-01,USD,KHR,4005
//! 2025-03-01,BTC,USD,86000.50
//! 2025-03-01,THB,USD,0.0296
//! ```
//!
//! A conversion uses the latest rate dated on or before the transaction's day (see [`FxTable::to_base`]). Any bad
//! line stops the read: a wrong rate silently skipped would make every later total wrong.

use std::fs::File;
use std::io::BufReader;
use std::path::Path;

use chrono::NaiveDate;
use tonle_core::{Currency, FxRate, FxTable};

use crate::error::{Location, ReadError};
use crate::native::csv::crlf_line_offset;
use crate::reader::display_name;

/// The header of a rates file.
pub const FX_HEADER: [&str; 4] = ["date", "from", "to", "rate"];

/// Reads a rates file into a table converting into `base`.
pub fn read_fx_table(path: &Path, base: Currency) -> Result<FxTable, ReadError> {
    let name = display_name(path);
    let file = File::open(path).map_err(|e| ReadError::io(&name, &e))?;
    let mut input = BufReader::new(file);
    let line_offset = crlf_line_offset(&mut input).map_err(|e| ReadError::io(&name, &e))?;
    let mut reader = csv::ReaderBuilder::new().trim(csv::Trim::All).flexible(true).from_reader(input);
    let header = reader.headers().map_err(|e| ReadError::fatal(Location::line(&name, 1), e))?;
    if header.iter().collect::<Vec<_>>() != FX_HEADER {
        return Err(ReadError::fatal(
            Location::line(&name, 1),
            format!("the header must be {:?}", FX_HEADER.join(",")),
        ));
    }
    let mut table = FxTable::new(base);
    let mut record = csv::StringRecord::new();
    loop {
        match reader.read_record(&mut record) {
            Ok(false) => return Ok(table),
            Ok(true) => {}
            Err(error) => {
                let line = error.position().map_or(0, |p| p.line()) + line_offset;
                return Err(ReadError::fatal(Location::line(&name, line), error));
            }
        }
        let line = record.position().map_or(0, |p| p.line()) + line_offset;
        let at = |field: &str| Location::line(&name, line).with_field(field);
        if record.len() != FX_HEADER.len() {
            return Err(ReadError::fatal(
                Location::line(&name, line),
                format!("has {} fields, expected 4", record.len()),
            ));
        }
        let date = NaiveDate::parse_from_str(&record[0], "%Y-%m-%d")
            .map_err(|_| ReadError::fatal(at("date"), format!("{:?} is not a date YYYY-MM-DD", &record[0])))?;
        let from = Currency::from_code(&record[1]).map_err(|e| ReadError::fatal(at("from"), e))?;
        let to = Currency::from_code(&record[2]).map_err(|e| ReadError::fatal(at("to"), e))?;
        let rate = FxRate::parse(&record[3]).map_err(|e| ReadError::fatal(at("rate"), e))?;
        table.insert(date, from, to, rate).map_err(|e| ReadError::fatal(Location::line(&name, line), e))?;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tonle_core::Money;

    fn table(text: &str) -> Result<FxTable, ReadError> {
        let dir = tempfile::tempdir().expect("temp dir");
        let path = dir.path().join("rates.csv");
        std::fs::write(&path, text).expect("write");
        read_fx_table(&path, Currency::USD)
    }

    #[test]
    fn reads_rates_both_ways() {
        let fx = table("date,from,to,rate\n2025-03-01,USD,KHR,4000\n2025-03-01, BTC ,USD,86000.50\n").unwrap();
        let day = NaiveDate::from_ymd_opt(2025, 3, 2).unwrap();
        let riel = Money::parse_exact("41000", Currency::KHR).unwrap();
        assert_eq!(fx.to_base(riel, day).unwrap().to_string(), "10.25 USD");
        let btc = Money::parse_exact("0.01", Currency::BTC).unwrap();
        assert_eq!(fx.to_base(btc, day).unwrap().to_string(), "860.00 USD");
    }

    #[test]
    fn a_bad_line_names_its_line_and_field() {
        for (text, line, field) in [
            ("date,from,to,rate\n2025-03-01,USD,KHR,4000\n2025-13-01,USD,KHR,4000\n", 3, Some("date")),
            ("date,from,to,rate\n2025-03-01,USD,KHX,4000\n", 2, Some("to")),
            ("date,from,to,rate\n2025-03-01,USD,KHR,-1\n", 2, Some("rate")),
            ("date,from,to,rate\n2025-03-01,THB,KHR,1\n", 2, None),
            ("date,from,to,rate\n2025-03-01,USD,KHR\n", 2, None),
            ("date,from,to,rate\r\n2025-03-01,USD,KHR,4000\r\n2025-03-01,USD,KHR,x\r\n", 3, Some("rate")),
        ] {
            let error = table(text).unwrap_err();
            assert_eq!(error.location.line, Some(line), "{text}");
            assert_eq!(error.location.field.as_deref(), field, "{text}");
            assert!(error.fatal);
        }
        let error = table("day,from,to,rate\n").unwrap_err();
        assert!(error.message.contains("header"), "{}", error.message);
    }
}
