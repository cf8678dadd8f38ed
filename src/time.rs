//! Timestamps as logs write them, parsed without allocation, and user-typed times.
//!
//! Log timestamps come as ISO 8601 with `T` or a space, with or without a zone (`Z`, `+02:00`),
//! with up to nanosecond fractions, or as epoch numbers (seconds, milliseconds, floats).
//! Everything is normalised to nanoseconds since the Unix epoch, UTC.

use chrono::{DateTime, SecondsFormat, Utc};

pub const NANOS_PER_SEC: i64 = 1_000_000_000;

/// Parses an ISO-8601-like timestamp as logs write them. A missing zone means UTC.
pub fn parse_timestamp(text: &str) -> Option<i64> {
    let text = text.trim();
    let bytes = text.as_bytes();
    if bytes.len() < 10 || bytes[4] != b'-' || bytes[7] != b'-' {
        return None;
    }
    let year = digits(bytes, 0, 4)?;
    let month = digits(bytes, 5, 2)?;
    let day = digits(bytes, 8, 2)?;
    let mut seconds_of_day = 0;
    let mut nanos = 0;
    let mut rest = &bytes[10..];
    if !rest.is_empty() {
        if rest[0] != b'T' && rest[0] != b' ' && rest[0] != b't' {
            return None;
        }
        let time = &rest[1..];
        let hour = digits(time, 0, 2)?;
        if time.get(2) != Some(&b':') {
            return None;
        }
        let minute = digits(time, 3, 2)?;
        let mut used = 5;
        let mut second = 0;
        if time.get(5) == Some(&b':') {
            second = digits(time, 6, 2)?;
            used = 8;
            if matches!(time.get(8), Some(b'.' | b',')) {
                let fraction_len = time[9..].iter().take_while(|b| b.is_ascii_digit()).count();
                if fraction_len == 0 {
                    return None;
                }
                // Keep nanosecond precision; further digits are dropped.
                let kept = fraction_len.min(9);
                let mut fraction = digits(time, 9, kept)?;
                for _ in kept..9 {
                    fraction *= 10;
                }
                nanos = fraction;
                used = 9 + fraction_len;
            }
        }
        if hour > 23 || minute > 59 || second > 60 {
            return None;
        }
        seconds_of_day = hour * 3600 + minute * 60 + second;
        rest = &time[used..];
    }
    let offset_seconds = parse_zone(rest)?;
    if !(1..=12).contains(&month) || !(1..=31).contains(&day) {
        return None;
    }
    let days = days_from_civil(year, month, day);
    let seconds = days * 86_400 + seconds_of_day - offset_seconds;
    seconds.checked_mul(NANOS_PER_SEC)?.checked_add(nanos)
}

/// Epoch seconds, milliseconds, microseconds or nanoseconds, told apart by magnitude.
pub fn from_epoch_number(value: f64) -> Option<i64> {
    if !value.is_finite() || value < 0.0 {
        return None;
    }
    let nanos = if value < 1e11 {
        value * 1e9
    } else if value < 1e14 {
        value * 1e6
    } else if value < 1e17 {
        value * 1e3
    } else {
        value
    };
    (nanos < i64::MAX as f64).then_some(nanos as i64)
}

/// A timestamp given either as text (ISO or an epoch number in a string) or as a number.
pub fn parse_any(text: &str) -> Option<i64> {
    parse_timestamp(text).or_else(|| text.trim().parse::<f64>().ok().and_then(from_epoch_number))
}

/// RFC 3339 in UTC with millisecond precision, as the jsonl contract writes `time`.
pub fn format_rfc3339(nanos: i64) -> String {
    DateTime::<Utc>::from_timestamp_nanos(nanos).to_rfc3339_opts(SecondsFormat::Millis, true)
}

fn parse_zone(rest: &[u8]) -> Option<i64> {
    match rest {
        [] | [b'Z' | b'z'] => Some(0),
        [b'+' | b'-', ..] => {
            let sign = if rest[0] == b'-' { -1 } else { 1 };
            let zone = &rest[1..];
            let hours = digits(zone, 0, 2)?;
            let minutes = match zone.len() {
                2 => 0,
                4 => digits(zone, 2, 2)?,
                5 if zone[2] == b':' => digits(zone, 3, 2)?,
                _ => return None,
            };
            Some(sign * (hours * 3600 + minutes * 60))
        }
        // Some exports append " UTC" or "+0000 UTC"-like suffixes.
        _ if rest.eq_ignore_ascii_case(b" UTC") => Some(0),
        _ => None,
    }
}

fn digits(bytes: &[u8], start: usize, len: usize) -> Option<i64> {
    let slice = bytes.get(start..start + len)?;
    slice.iter().try_fold(0i64, |acc, b| {
        b.is_ascii_digit().then(|| acc * 10 + i64::from(b - b'0'))
    })
}

/// Days since 1970-01-01 for a proleptic Gregorian date (Howard Hinnant's algorithm).
fn days_from_civil(year: i64, month: i64, day: i64) -> i64 {
    let year = if month <= 2 { year - 1 } else { year };
    let era = year.div_euclid(400);
    let year_of_era = year - era * 400;
    let month_index = (month + 9) % 12;
    let day_of_year = (153 * month_index + 2) / 5 + day - 1;
    let day_of_era = year_of_era * 365 + year_of_era / 4 - year_of_era / 100 + day_of_year;
    era * 146_097 + day_of_era - 719_468
}

/// A span of time written by a user: `30m`, `2h`, `7d`, `90s`, `1w`.
pub fn parse_duration(text: &str) -> Option<i64> {
    let text = text.trim();
    let split = text.find(|c: char| !c.is_ascii_digit())?;
    let (number, unit) = text.split_at(split);
    let number: i64 = number.parse().ok()?;
    let unit_seconds = match unit {
        "s" | "sec" | "secs" => 1,
        "m" | "min" | "mins" => 60,
        "h" | "hr" | "hrs" => 3600,
        "d" | "day" | "days" => 86_400,
        "w" | "week" | "weeks" => 604_800,
        _ => return None,
    };
    number.checked_mul(unit_seconds)?.checked_mul(NANOS_PER_SEC)
}

/// A time a user typed: absolute (as [`parse_timestamp`] reads it, at any precision from a day to
/// nanoseconds) or relative to `now` (`-2h`, `-30m`, `now`). Returns the range it covers:
/// `2024-05-01` covers the whole day, a relative time is a single instant.
pub fn parse_user_time(text: &str, now: i64) -> Option<(i64, i64)> {
    let text = text.trim();
    if text.eq_ignore_ascii_case("now") {
        return Some((now, now));
    }
    if let Some(ago) = text.strip_prefix('-').and_then(parse_duration) {
        let instant = now - ago;
        return Some((instant, instant));
    }
    let start = parse_timestamp(text)?;
    let bytes = text.as_bytes();
    let precision = if bytes.len() == 10 {
        86_400 * NANOS_PER_SEC
    } else if bytes.get(16) != Some(&b':') {
        60 * NANOS_PER_SEC
    } else if matches!(bytes.get(19), Some(b'.' | b',')) {
        1
    } else {
        NANOS_PER_SEC
    };
    Some((start, start + precision))
}

pub fn now_nanos() -> i64 {
    Utc::now().timestamp_nanos_opt().unwrap_or(i64::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn iso(nanos: i64) -> String {
        format_rfc3339(nanos)
    }

    #[test]
    fn parses_aws_and_panther_styles() {
        assert_eq!(
            iso(parse_timestamp("2022-01-03T19:03:01Z").unwrap()),
            "2022-01-03T19:03:01.000Z"
        );
        assert_eq!(
            iso(parse_timestamp("2020-02-14T18:12:22.316Z").unwrap()),
            "2020-02-14T18:12:22.316Z"
        );
        assert_eq!(
            iso(parse_timestamp("2025-02-25 20:40:06.000000000").unwrap()),
            "2025-02-25T20:40:06.000Z"
        );
        assert_eq!(
            iso(parse_timestamp("2022-07-17 04:50:23").unwrap()),
            "2022-07-17T04:50:23.000Z"
        );
        assert_eq!(
            parse_timestamp("2022-07-17T06:50:23+02:00"),
            parse_timestamp("2022-07-17T04:50:23Z")
        );
        assert_eq!(
            parse_timestamp("2019-01-01T00:00:00.123456789Z").unwrap() % NANOS_PER_SEC,
            123_456_789
        );
    }

    #[test]
    fn rejects_what_is_not_a_timestamp() {
        for bad in [
            "foo",
            "",
            "2022-13-01T00:00:00Z",
            "2022-01-03T25:00:00Z",
            "Jan 3, 2022",
        ] {
            assert_eq!(parse_timestamp(bad), None, "{bad}");
        }
    }

    #[test]
    fn epoch_numbers_by_magnitude() {
        let expected = parse_timestamp("2018-05-22T01:05:39.360Z");
        assert_eq!(from_epoch_number(1_526_951_139_360.0), expected);
        assert_eq!(from_epoch_number(1_526_951_139.36), expected);
        assert_eq!(parse_any("1526951139360"), expected);
        assert_eq!(from_epoch_number(-1.0), None);
    }

    #[test]
    fn user_times_cover_their_precision() {
        let now = parse_timestamp("2024-05-01T12:00:00Z").unwrap();
        let (start, end) = parse_user_time("2024-05-01", now).unwrap();
        assert_eq!(end - start, 86_400 * NANOS_PER_SEC);
        let (start, end) = parse_user_time("-2h", now).unwrap();
        assert_eq!(
            (start, end),
            (now - 7200 * NANOS_PER_SEC, now - 7200 * NANOS_PER_SEC)
        );
        assert_eq!(parse_duration("30m"), Some(1800 * NANOS_PER_SEC));
        assert_eq!(parse_duration("30x"), None);
    }
}
