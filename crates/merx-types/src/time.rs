//! UTC timestamps and the two text forms Merx uses: the API's ISO-8601 with milliseconds (as Medusa's
//! JavaScript renders dates) and the fixed-width storage form whose text order is time order.

use time::format_description::well_known::Rfc3339;
use time::macros::format_description;
use time::{OffsetDateTime, UtcOffset};

pub use time::OffsetDateTime as Timestamp;

/// Now, in UTC, truncated to microseconds (what both databases store).
pub fn now() -> OffsetDateTime {
    let t = OffsetDateTime::now_utc();
    t.replace_nanosecond(t.nanosecond() / 1_000 * 1_000)
        .unwrap_or(t)
}

/// `2025-01-31T12:00:00.123Z`, the form Medusa's API uses.
pub fn to_api(t: OffsetDateTime) -> String {
    let fmt =
        format_description!("[year]-[month]-[day]T[hour]:[minute]:[second].[subsecond digits:3]Z");
    t.to_offset(UtcOffset::UTC)
        .format(&fmt)
        .unwrap_or_else(|_| t.unix_timestamp().to_string())
}

/// `2025-01-31T12:00:00.123456Z`: fixed width, so comparing the text compares the instants.
pub fn to_storage(t: OffsetDateTime) -> String {
    let fmt =
        format_description!("[year]-[month]-[day]T[hour]:[minute]:[second].[subsecond digits:6]Z");
    t.to_offset(UtcOffset::UTC)
        .format(&fmt)
        .unwrap_or_else(|_| t.unix_timestamp().to_string())
}

/// Parses any RFC 3339 timestamp (what clients send and what storage holds).
pub fn parse(text: &str) -> Option<OffsetDateTime> {
    OffsetDateTime::parse(text, &Rfc3339)
        .ok()
        .map(|t| t.to_offset(UtcOffset::UTC))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn storage_text_round_trips_and_orders_like_time() {
        let a = now();
        let b = a + time::Duration::microseconds(1);
        assert_eq!(parse(&to_storage(a)), Some(a));
        assert!(to_storage(a) < to_storage(b));
        assert_eq!(to_storage(a).len(), 27);
    }

    #[test]
    fn api_text_has_milliseconds_and_z() {
        let t = parse("2025-01-31T12:00:00.123456+02:00").unwrap();
        assert_eq!(to_api(t), "2025-01-31T10:00:00.123Z");
    }
}
