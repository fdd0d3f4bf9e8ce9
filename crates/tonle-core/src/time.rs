//! Event time: when a transaction happened, in UTC, to the millisecond.

use std::fmt;
use std::str::FromStr;

use chrono::{DateTime, NaiveDate, NaiveDateTime, SecondsFormat, Utc};

use crate::serde_str::serde_via_str;

/// Milliseconds since the Unix epoch, UTC. The text form is RFC 3339 with milliseconds and `Z`:
/// `2025-03-01T08:15:00.250Z`.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Default)]
pub struct EventTime(i64);

/// Why a text is not an event time.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TimeError {
    /// Not a timestamp in the expected form.
    #[error("{text:?} is not a time in the form {expected}")]
    Syntax {
        /// The text given.
        text: String,
        /// The form expected, for the message.
        expected: &'static str,
    },
    /// Outside the range that chrono and 64-bit milliseconds can both carry.
    #[error("time out of range")]
    OutOfRange,
}

/// A span of time (ms) for messages, in its largest whole unit that is not zero (`3d`, `2h`, `5m`, `12s`,
/// `250ms`), rounded down.
pub fn span_text(ms: i64) -> String {
    const UNITS: [(i64, &str); 4] = [(86_400_000, "d"), (3_600_000, "h"), (60_000, "m"), (1_000, "s")];
    UNITS
        .iter()
        .find(|(unit, _)| ms >= *unit)
        .map_or_else(|| format!("{ms}ms"), |(unit, name)| format!("{}{name}", ms / unit))
}

impl EventTime {
    /// The earliest time RFC 3339 can write: 0000-01-01T00:00:00.000Z.
    pub const MIN: EventTime = EventTime(-62_167_219_200_000);
    /// The latest time RFC 3339 can write: 9999-12-31T23:59:59.999Z.
    pub const MAX: EventTime = EventTime(253_402_300_799_999);

    /// A time from milliseconds since the epoch, if it lies in years 0000 to 9999.
    pub fn from_millis(millis: i64) -> Result<EventTime, TimeError> {
        if (Self::MIN.0..=Self::MAX.0).contains(&millis) {
            Ok(EventTime(millis))
        } else {
            Err(TimeError::OutOfRange)
        }
    }

    /// Milliseconds since the epoch.
    pub const fn millis(&self) -> i64 {
        self.0
    }

    /// A UTC calendar time, if it lies in years 0000 to 9999.
    pub fn from_datetime(time: DateTime<Utc>) -> Result<EventTime, TimeError> {
        EventTime::from_millis(time.timestamp_millis())
    }

    /// A calendar time read as UTC, if it lies in years 0000 to 9999.
    pub fn from_naive_utc(time: NaiveDateTime) -> Result<EventTime, TimeError> {
        EventTime::from_millis(time.and_utc().timestamp_millis())
    }

    /// The UTC calendar time.
    pub fn to_datetime(&self) -> DateTime<Utc> {
        // Every constructor keeps the value within years 0000 to 9999, well inside chrono's range, so the
        // fallback is never taken.
        DateTime::from_timestamp_millis(self.0).unwrap_or_default()
    }

    /// The UTC calendar day.
    pub fn date(&self) -> NaiveDate {
        self.to_datetime().date_naive()
    }

    /// This time moved by a number of milliseconds, if it stays in range.
    pub fn checked_add_millis(&self, millis: i64) -> Option<EventTime> {
        self.0.checked_add(millis).and_then(|m| EventTime::from_millis(m).ok())
    }

    /// Parses RFC 3339 with any offset (converted to UTC); digits below the millisecond are truncated.
    pub fn parse_rfc3339(text: &str) -> Result<EventTime, TimeError> {
        let time = DateTime::parse_from_rfc3339(text).map_err(|_| TimeError::Syntax {
            text: text.to_owned(),
            expected: "RFC 3339, e.g. 2025-03-01T08:15:00.250Z",
        })?;
        EventTime::from_millis(time.timestamp_millis())
    }
}

impl fmt::Display for EventTime {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.to_datetime().to_rfc3339_opts(SecondsFormat::Millis, true))
    }
}

impl fmt::Debug for EventTime {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(self, f)
    }
}

impl FromStr for EventTime {
    type Err = TimeError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        EventTime::parse_rfc3339(s)
    }
}

serde_via_str!(EventTime);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_round_trip_and_offsets() {
        let t: EventTime = "2025-03-01T08:15:00.250Z".parse().unwrap();
        assert_eq!(t.to_string(), "2025-03-01T08:15:00.250Z");
        let phnom_penh: EventTime = "2025-03-01T15:15:00.250+07:00".parse().unwrap();
        assert_eq!(phnom_penh, t);
        let fine: EventTime = "2025-03-01T08:15:00.250999Z".parse().unwrap();
        assert_eq!(fine, t);
        assert_eq!(t.date(), NaiveDate::from_ymd_opt(2025, 3, 1).unwrap());
    }

    #[test]
    fn range_is_checked() {
        assert!(EventTime::from_millis(EventTime::MAX.millis()).is_ok());
        assert!(EventTime::from_millis(EventTime::MIN.millis()).is_ok());
        assert_eq!(EventTime::from_millis(i64::MAX), Err(TimeError::OutOfRange));
        assert_eq!(EventTime::MAX.to_string(), "9999-12-31T23:59:59.999Z");
        assert_eq!(EventTime::MIN.to_string(), "0000-01-01T00:00:00.000Z");
        assert_eq!(EventTime::MIN.to_string().parse::<EventTime>().unwrap(), EventTime::MIN);
        assert!("2025-03-01 08:15".parse::<EventTime>().is_err());
    }
}
