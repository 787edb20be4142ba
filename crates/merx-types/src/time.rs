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
    let mut out = String::with_capacity(24);
    write_fixed(&mut out, t, 3);
    out
}

/// `2025-01-31T12:00:00.123456Z`: fixed width, so comparing the text compares the instants.
pub fn to_storage(t: OffsetDateTime) -> String {
    let mut out = String::with_capacity(27);
    write_fixed(&mut out, t, 6);
    out
}

/// Appends [`to_api`]'s text to `out`: what a serializer writes for every timestamp of an answer,
/// so it is written digit by digit rather than through a format description.
pub fn write_api(out: &mut String, t: OffsetDateTime) {
    write_fixed(out, t, 3);
}

/// `YYYY-MM-DDThh:mm:ss.<digits>Z` in UTC. Years outside 0..=9999 (which nothing Merx stores
/// reaches) take the format description's path, which writes them with a sign.
fn write_fixed(out: &mut String, t: OffsetDateTime, digits: u32) {
    let t = t.to_offset(UtcOffset::UTC);
    let year = t.year();
    if !(0..=9999).contains(&year) {
        let text = if digits == 3 {
            t.format(format_description!(
                "[year]-[month]-[day]T[hour]:[minute]:[second].[subsecond digits:3]Z"
            ))
        } else {
            t.format(format_description!(
                "[year]-[month]-[day]T[hour]:[minute]:[second].[subsecond digits:6]Z"
            ))
        };
        out.push_str(&text.unwrap_or_else(|_| t.unix_timestamp().to_string()));
        return;
    }
    push_digits(out, year as u32, 4);
    out.push('-');
    push_digits(out, u8::from(t.month()) as u32, 2);
    out.push('-');
    push_digits(out, t.day() as u32, 2);
    out.push('T');
    push_digits(out, t.hour() as u32, 2);
    out.push(':');
    push_digits(out, t.minute() as u32, 2);
    out.push(':');
    push_digits(out, t.second() as u32, 2);
    out.push('.');
    push_digits(out, t.nanosecond() / 10u32.pow(9 - digits), digits);
    out.push('Z');
}

/// `value`'s last `width` decimal digits, zero-padded.
fn push_digits(out: &mut String, value: u32, width: u32) {
    let mut div = 10u32.pow(width - 1);
    while div > 0 {
        out.push(char::from(b'0' + (value / div % 10) as u8));
        div /= 10;
    }
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

    fn described(t: OffsetDateTime, digits: u32) -> String {
        let t = t.to_offset(UtcOffset::UTC);
        if digits == 3 {
            t.format(format_description!(
                "[year]-[month]-[day]T[hour]:[minute]:[second].[subsecond digits:3]Z"
            ))
        } else {
            t.format(format_description!(
                "[year]-[month]-[day]T[hour]:[minute]:[second].[subsecond digits:6]Z"
            ))
        }
        .unwrap()
    }

    proptest::proptest! {
        /// The digit-by-digit writer gives the format description's text, at any instant and offset.
        #[test]
        fn fixed_text_is_the_format_descriptions(
            secs in -62_135_596_800i64..253_402_300_799,
            nanos in 0u32..1_000_000_000,
            offset_secs in -86_399i32..86_399,
        ) {
            let offset = UtcOffset::from_whole_seconds(offset_secs).unwrap();
            let t = (OffsetDateTime::from_unix_timestamp(secs).unwrap()
                + time::Duration::nanoseconds(nanos as i64))
            .to_offset(offset);
            proptest::prop_assert_eq!(to_api(t), described(t, 3));
            proptest::prop_assert_eq!(to_storage(t), described(t, 6));
        }
    }

    #[test]
    fn years_before_zero_take_the_format_descriptions_path() {
        let t = time::Date::from_calendar_date(-5, time::Month::March, 1)
            .unwrap()
            .midnight()
            .assume_utc();
        assert_eq!(to_api(t), described(t, 3));
        assert!(to_api(t).starts_with('-'));
    }

    #[test]
    fn api_text_has_milliseconds_and_z() {
        let t = parse("2025-01-31T12:00:00.123456+02:00").unwrap();
        assert_eq!(to_api(t), "2025-01-31T10:00:00.123Z");
    }
}
