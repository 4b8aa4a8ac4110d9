//! Time: the server's clock (with an offset that tests use to make records old) and
//! the calendar dates people read (France, `DD/MM/YYYY`).
//!
//! Timestamps are milliseconds since the Unix epoch (UTC) everywhere in the store.
//! Dates shown to people are days in Europe/Paris time (CET/CEST with the EU rule:
//! summer time from the last Sunday of March 01:00 UTC to the last Sunday of October
//! 01:00 UTC), computed here without a time-zone database.

use std::time::{SystemTime, UNIX_EPOCH};

/// Milliseconds in a day.
pub const DAY_MS: i64 = 86_400_000;

/// The server's clock: the system time plus a fixed offset (zero in production; the
/// hidden `--clock-offset-days` option of `repere serve` sets it so that a test can
/// write records "in the past" and check the retention purge).
#[derive(Clone, Copy, Debug, Default)]
pub struct Clock {
    offset_ms: i64,
}

impl Clock {
    /// The system clock.
    pub fn system() -> Self {
        Clock { offset_ms: 0 }
    }

    /// The system clock shifted by `days` (negative: in the past).
    pub fn with_offset_days(days: i64) -> Self {
        Clock {
            offset_ms: days.saturating_mul(DAY_MS),
        }
    }

    /// Now, in milliseconds since the epoch.
    pub fn now_ms(&self) -> i64 {
        let sys = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map(|d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX))
            .unwrap_or(0);
        sys.saturating_add(self.offset_ms)
    }
}

/// Days since 1970-01-01 → (year, month 1..=12, day 1..=31), proleptic Gregorian
/// (H. Hinnant's `civil_from_days`).
pub fn civil_from_days(z: i64) -> (i64, u32, u32) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    (if m <= 2 { y + 1 } else { y }, m, d)
}

/// (year, month, day) → days since 1970-01-01 (H. Hinnant's `days_from_civil`).
pub fn days_from_civil(y: i64, m: u32, d: u32) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y.rem_euclid(400);
    let m = i64::from(m);
    let mp = if m > 2 { m - 3 } else { m + 9 };
    let doy = (153 * mp + 2) / 5 + i64::from(d) - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// Day of the week of a day number, 0 = Sunday.
fn weekday(days: i64) -> i64 {
    (days + 4).rem_euclid(7)
}

/// The last Sunday of a month, as a day number.
fn last_sunday(y: i64, m: u32) -> i64 {
    let next_first = if m == 12 {
        days_from_civil(y + 1, 1, 1)
    } else {
        days_from_civil(y, m + 1, 1)
    };
    let last = next_first - 1;
    last - weekday(last)
}

/// Offset of Paris time from UTC at an instant: +1 h in winter, +2 h in summer.
fn paris_offset_ms(utc_ms: i64) -> i64 {
    let (y, _, _) = civil_from_days(utc_ms.div_euclid(DAY_MS));
    let start = last_sunday(y, 3) * DAY_MS + 3_600_000;
    let end = last_sunday(y, 10) * DAY_MS + 3_600_000;
    if (start..end).contains(&utc_ms) {
        7_200_000
    } else {
        3_600_000
    }
}

/// The Paris calendar day of an instant, as (year, month, day).
pub fn paris_date(utc_ms: i64) -> (i64, u32, u32) {
    civil_from_days((utc_ms + paris_offset_ms(utc_ms)).div_euclid(DAY_MS))
}

/// `DD/MM/YYYY` in Paris time: the date format of French spreadsheets.
pub fn format_date_fr(utc_ms: i64) -> String {
    let (y, m, d) = paris_date(utc_ms);
    format!("{d:02}/{m:02}/{y:04}")
}

/// `DD/MM/YYYY à HHhMM` in Paris time, for printed sheets.
pub fn format_datetime_fr(utc_ms: i64) -> String {
    let local = utc_ms + paris_offset_ms(utc_ms);
    let (y, m, d) = civil_from_days(local.div_euclid(DAY_MS));
    let minutes = local.rem_euclid(DAY_MS) / 60_000;
    format!(
        "{d:02}/{m:02}/{y:04} à {:02}h{:02}",
        minutes / 60,
        minutes % 60
    )
}

/// Parses a day `YYYY-MM-DD` (the HTML date input's format) or `DD/MM/YYYY` into the
/// instant of its start (midnight, Paris time). `None` if it is not a real date.
pub fn parse_day_start(text: &str) -> Option<i64> {
    let t = text.trim();
    let (y, m, d) = if let [y, m, d] = t.split('-').collect::<Vec<_>>().as_slice() {
        (y.parse().ok()?, m.parse().ok()?, d.parse().ok()?)
    } else if let [d, m, y] = t.split('/').collect::<Vec<_>>().as_slice() {
        (y.parse().ok()?, m.parse().ok()?, d.parse().ok()?)
    } else {
        return None;
    };
    let (y, m, d): (i64, u32, u32) = (y, m, d);
    if !(1900..=9999).contains(&y) || !(1..=12).contains(&m) || d == 0 {
        return None;
    }
    let days = days_from_civil(y, m, d);
    if civil_from_days(days) != (y, m, d) {
        return None;
    }
    // Midnight in Paris is 23:00 or 22:00 UTC the day before; the offset at noon UTC
    // of that day is the right one (changes happen at 01:00 UTC on Sundays).
    let noon = days * DAY_MS + DAY_MS / 2;
    Some(days * DAY_MS - paris_offset_ms(noon))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn civil_round_trip_and_known_days() {
        assert_eq!(civil_from_days(0), (1970, 1, 1));
        assert_eq!(days_from_civil(2000, 3, 1), 11_017);
        assert_eq!(civil_from_days(19_782), (2024, 2, 29));
        for z in (-800_000..800_000).step_by(997) {
            let (y, m, d) = civil_from_days(z);
            assert_eq!(days_from_civil(y, m, d), z);
        }
    }

    #[test]
    fn paris_dates_follow_summer_time() {
        // 2024-03-31 00:59 UTC is 01:59 CET; 01:00 UTC is 03:00 CEST.
        let t = days_from_civil(2024, 3, 31) * DAY_MS;
        assert_eq!(paris_offset_ms(t + 59 * 60_000), 3_600_000);
        assert_eq!(paris_offset_ms(t + 3_600_000), 7_200_000);
        // 2024-10-27 01:00 UTC ends summer time.
        let t = days_from_civil(2024, 10, 27) * DAY_MS;
        assert_eq!(paris_offset_ms(t + 3_599_999), 7_200_000);
        assert_eq!(paris_offset_ms(t + 3_600_000), 3_600_000);
        // 2024-06-30 22:30 UTC is already 1 July in Paris.
        let t = days_from_civil(2024, 6, 30) * DAY_MS + 22 * 3_600_000 + 30 * 60_000;
        assert_eq!(format_date_fr(t), "01/07/2024");
        assert_eq!(format_datetime_fr(t), "01/07/2024 à 00h30");
        // 2024-01-15 23:30 UTC is 16 January in Paris.
        let t = days_from_civil(2024, 1, 15) * DAY_MS + 23 * 3_600_000 + 30 * 60_000;
        assert_eq!(format_date_fr(t), "16/01/2024");
    }

    #[test]
    fn parses_days_in_both_formats() {
        let a = parse_day_start("2024-07-01");
        assert_eq!(a, parse_day_start("01/07/2024"));
        // Midnight Paris (CEST) is 22:00 UTC the day before.
        assert_eq!(a, Some(days_from_civil(2024, 7, 1) * DAY_MS - 7_200_000));
        assert_eq!(parse_day_start("2024-02-30"), None);
        assert_eq!(parse_day_start("hier"), None);
        assert_eq!(parse_day_start("2024-13-01"), None);
    }

    #[test]
    fn clock_offset_moves_now() {
        let past = Clock::with_offset_days(-400).now_ms();
        let now = Clock::system().now_ms();
        let diff = now - past;
        assert!((400 * DAY_MS - 1000..=400 * DAY_MS + 1000).contains(&diff));
    }
}
