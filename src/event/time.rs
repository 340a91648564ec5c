//! Event times: accepted as any RFC 3339 instant, stored as UTC with milliseconds
//! (`2026-11-23T01:13:45.123Z`) so that text order is time order in every engine.
//!
//! What that costs, and what is refused rather than silently changed (the README's
//! event section says the same to producers):
//! - digits below the millisecond are truncated, not rounded (`.123999` is `.123`);
//! - a leap second (`23:59:60`) is refused: UTC milliseconds have no place for it, and
//!   the parser would otherwise make it the first instant of the next day;
//! - an event time outside the years [`EARLIEST_YEAR`]..=[`LATEST_YEAR`] is refused at
//!   ingest ([`implausible`]): it is a producer's bug (an epoch of 0, seconds taken for
//!   milliseconds), not an action an agent took. Times read back from a store are not
//!   judged again, so records sealed before this rule stay readable.

use super::Event;
use chrono::{DateTime, Datelike, SecondsFormat, Timelike, Utc};
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use std::fmt;
use std::str::FromStr;
use thiserror::Error;

/// The first year an event time may fall in (the Unix epoch).
pub const EARLIEST_YEAR: i32 = 1970;
/// The last year an event time may fall in.
pub const LATEST_YEAR: i32 = 2199;

/// Why a time was refused.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum TimeError {
    #[error("`{text}` is not an RFC 3339 time ({reason})")]
    NotRfc3339 { text: String, reason: String },
    #[error("`{text}` is a leap second, which UTC milliseconds cannot hold; send the second before it with .999")]
    LeapSecond { text: String },
    #[error("{time} is outside the years {EARLIEST_YEAR}–{LATEST_YEAR} custody accepts")]
    Implausible { time: String },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Timestamp(pub DateTime<Utc>);

impl Timestamp {
    pub fn now() -> Self {
        Timestamp::from_datetime(Utc::now())
    }

    /// Truncates to whole milliseconds, the precision the contract stores.
    pub fn from_datetime(t: DateTime<Utc>) -> Self {
        let ms = t.timestamp_millis();
        Timestamp(DateTime::from_timestamp_millis(ms).unwrap_or(t))
    }

    pub fn from_millis(ms: i64) -> Option<Self> {
        DateTime::from_timestamp_millis(ms).map(Timestamp)
    }

    pub fn millis(&self) -> i64 {
        self.0.timestamp_millis()
    }

    pub fn to_rfc3339(&self) -> String {
        self.0.to_rfc3339_opts(SecondsFormat::Millis, true)
    }
}

impl fmt::Display for Timestamp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.to_rfc3339())
    }
}

impl Timestamp {
    /// Whether the year is one an event can plausibly have happened in.
    pub fn check_plausible(&self) -> Result<(), TimeError> {
        if (EARLIEST_YEAR..=LATEST_YEAR).contains(&self.0.year()) {
            Ok(())
        } else {
            Err(TimeError::Implausible {
                time: self.to_rfc3339(),
            })
        }
    }
}

/// The first time field of an event that is outside the plausible years, named.
pub(super) fn implausible(e: &Event) -> Option<(&'static str, TimeError)> {
    let approved_at = e.approval.as_ref().and_then(|a| a.at);
    [("time", Some(e.time)), ("approval.at", approved_at)]
        .into_iter()
        .find_map(|(field, t)| Some((field, t?.check_plausible().err()?)))
}

impl FromStr for Timestamp {
    type Err = TimeError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let t = DateTime::parse_from_rfc3339(s).map_err(|e| TimeError::NotRfc3339 {
            text: s.to_string(),
            reason: e.to_string(),
        })?;
        // chrono keeps a leap second as a nanosecond count past one second.
        if t.nanosecond() >= 1_000_000_000 {
            return Err(TimeError::LeapSecond {
                text: s.to_string(),
            });
        }
        Ok(Timestamp::from_datetime(t.with_timezone(&Utc)))
    }
}

impl Serialize for Timestamp {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.to_rfc3339())
    }
}

impl<'de> Deserialize<'de> for Timestamp {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = <std::borrow::Cow<'de, str>>::deserialize(d)?;
        s.parse().map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn offsets_are_normalised_to_utc_milliseconds() {
        let t: Timestamp = "2026-11-23T02:13:45.123456+01:00".parse().unwrap();
        assert_eq!(t.to_rfc3339(), "2026-11-23T01:13:45.123Z");
    }

    #[test]
    fn sub_millisecond_digits_are_truncated_not_rounded() {
        let t: Timestamp = "2026-11-23T23:59:59.999999999Z".parse().unwrap();
        assert_eq!(t.to_rfc3339(), "2026-11-23T23:59:59.999Z");
    }

    #[test]
    fn a_leap_second_is_refused_rather_than_moved_to_the_next_day() {
        for text in ["2016-12-31T23:59:60Z", "2017-01-01T00:59:60.5+01:00"] {
            let err = text.parse::<Timestamp>().unwrap_err();
            assert!(matches!(err, TimeError::LeapSecond { .. }), "{text}: {err}");
        }
        assert!("2016-12-31T23:59:59.999Z".parse::<Timestamp>().is_ok());
    }

    #[test]
    fn years_outside_1970_to_2199_are_implausible() {
        for (text, plausible) in [
            ("1969-12-31T23:59:59.999Z", false),
            ("1970-01-01T00:00:00Z", true),
            ("2199-12-31T23:59:59.999Z", true),
            ("2200-01-01T00:00:00Z", false),
            ("0001-01-01T00:00:00Z", false),
            ("9999-12-31T23:59:59Z", false),
        ] {
            let t: Timestamp = text.parse().unwrap();
            assert_eq!(t.check_plausible().is_ok(), plausible, "{text}");
        }
    }

    fn line_with_time(time: &str) -> String {
        format!(r#"{{"event_id":"e1","time":"{time}","kind":"ai.action"}}"#)
    }

    #[test]
    fn an_event_at_a_leap_second_is_rejected_naming_the_time_field() {
        let err = crate::event::parse_line(line_with_time("2016-12-31T23:59:60Z").as_bytes())
            .unwrap_err();
        assert_eq!(err.field.as_deref(), Some("time"));
        assert!(err.reason.contains("leap second"), "{err}");
    }

    #[test]
    fn an_event_before_1970_is_rejected_naming_the_field() {
        let err = crate::event::parse_line(line_with_time("1900-01-01T00:00:00Z").as_bytes())
            .unwrap_err();
        assert_eq!(err.field.as_deref(), Some("time"));
        let approved = r#"{"event_id":"e1","time":"2026-01-01T00:00:00Z","kind":"ai.action","approval":{"mode":"human","at":"2999-01-01T00:00:00Z"}}"#;
        let err = crate::event::parse_line(approved.as_bytes()).unwrap_err();
        assert_eq!(err.field.as_deref(), Some("approval.at"), "{err}");
    }
}
