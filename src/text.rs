//! The checks every argument that travels in an address or a header passes:
//! trimmed, not over a length, and no space or control character inside
//! (the URL parser would silently drop tabs and line breaks, and a secret
//! with a line break could split a request). One place, so that address,
//! token and OAuth arguments refuse the same things with the same words.

use crate::error::Error;

/// `value` trimmed; refused when over `max_bytes` or when it holds a space or
/// a control character. `name` says which argument; the value itself is never
/// echoed, as it may be a secret.
pub(crate) fn single_word<'a>(
    name: &str,
    value: &'a str,
    max_bytes: usize,
) -> Result<&'a str, Error> {
    let value = value.trim();
    if value.len() > max_bytes {
        return Err(Error::invalid_argument(format!(
            "{name} is {} bytes long; at most {max_bytes} are accepted",
            value.len()
        )));
    }
    if let Some(position) = value.find(|c: char| c.is_whitespace() || c.is_control()) {
        return Err(Error::invalid_argument(format!(
            "{name} contains a space or control character at byte {position}"
        )));
    }
    Ok(value)
}

/// As [`single_word`], and refused when empty.
pub(crate) fn required_word<'a>(
    name: &str,
    value: &'a str,
    max_bytes: usize,
) -> Result<&'a str, Error> {
    let value = single_word(name, value, max_bytes)?;
    if value.is_empty() {
        return Err(Error::invalid_argument(format!("{name} is empty")));
    }
    Ok(value)
}

/// A Unix time shown as UTC in ISO 8601: `2026-12-02T07:40:01Z`, or with
/// milliseconds, `2026-12-02T07:40:01.123Z`. The one civil-date conversion
/// of the library (the request log's times, the budget's reset times).
pub(crate) struct Utc {
    pub(crate) seconds: i64,
    pub(crate) millis: Option<u32>,
}

impl std::fmt::Display for Utc {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let (days, of_day) = (
            self.seconds.div_euclid(86_400),
            self.seconds.rem_euclid(86_400),
        );
        // Days since 1970-01-01 to a civil date (Howard Hinnant's algorithm).
        let z = days + 719_468;
        let era = z.div_euclid(146_097);
        let day_of_era = z.rem_euclid(146_097);
        let year_of_era =
            (day_of_era - day_of_era / 1460 + day_of_era / 36_524 - day_of_era / 146_096) / 365;
        let day_of_year = day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
        let month_index = (5 * day_of_year + 2) / 153;
        let day = day_of_year - (153 * month_index + 2) / 5 + 1;
        let month = if month_index < 10 {
            month_index + 3
        } else {
            month_index - 9
        };
        let year = year_of_era + era * 400 + i64::from(month <= 2);
        write!(
            f,
            "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}",
            of_day / 3600,
            of_day % 3600 / 60,
            of_day % 60
        )?;
        match self.millis {
            Some(millis) => write!(f, ".{millis:03}Z"),
            None => f.write_str("Z"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn words_are_trimmed_and_checked_without_echo() {
        assert_eq!(single_word("Token", " abc ", 10).unwrap(), "abc");
        assert_eq!(single_word("Token", "", 10).unwrap(), "");
        for (value, why) in [
            (
                "s3cr3t value",
                "Token contains a space or control character at byte 6",
            ),
            ("s3cr3t\r\nx", "at byte 6"),
            ("s3cr3t\u{7}", "at byte 6"),
            ("s3cr3tlonger", "Token is 12 bytes long; at most 10"),
        ] {
            let max = if value.contains("longer") { 10 } else { 100 };
            let error = single_word("Token", value, max).unwrap_err();
            assert!(error.description().contains(why), "{value:?}: {error}");
            assert!(!error.description().contains("s3cr3t"), "{error}");
        }
        assert_eq!(
            required_word("Code", "  ", 10).unwrap_err().description(),
            "Code is empty"
        );
    }

    #[test]
    fn unix_times_read_as_utc_dates() {
        let utc = |seconds, millis| Utc { seconds, millis }.to_string();
        assert_eq!(utc(0, None), "1970-01-01T00:00:00Z");
        assert_eq!(utc(1_722_083_795, Some(369)), "2024-07-27T12:36:35.369Z");
        assert_eq!(utc(951_782_400, None), "2000-02-29T00:00:00Z");
        assert_eq!(utc(1_796_202_847, Some(5)), "2026-12-02T09:14:07.005Z");
    }
}
