//! Time: the server's clock (with an offset that tests use to make records old, or
//! to stand at a chosen instant) and the calendar dates people read
//! (`DD/MM/YYYY`) in a structure's time zone.
//!
//! Timestamps are milliseconds since the Unix epoch (UTC) everywhere in the store.
//! Dates shown to people are days in the time zone of the structure they belong to
//! (an IANA name such as `Europe/Paris` or `America/Cayenne`, default
//! [`DEFAULT_TZ`]), computed by `jiff` with the time-zone database embedded in the
//! binary: the same dates on every machine, summer time included.

use std::sync::OnceLock;
use std::time::{SystemTime, UNIX_EPOCH};

use jiff::civil::{Date, DateTime};
use jiff::tz::{TimeZone, TimeZoneDatabase};
use jiff::Timestamp;

/// Milliseconds in a day.
pub const DAY_MS: i64 = 86_400_000;

/// The server's clock: the system time plus a fixed offset (zero in production; the
/// hidden options `--clock-offset-days` and `--clock-start` of `repere serve` set it
/// so that a test can write records "in the past" and check the retention purge,
/// or store results at a chosen instant and check the dates people read).
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

    /// A clock that reads `at_ms` now and runs on from there.
    pub fn starting_at(at_ms: i64) -> Self {
        Clock {
            offset_ms: at_ms.saturating_sub(Clock::system().now_ms()),
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

/// Time zone of a structure that names none (and of results attached to none).
pub const DEFAULT_TZ: &str = "Europe/Paris";

fn database() -> &'static TimeZoneDatabase {
    static DB: OnceLock<TimeZoneDatabase> = OnceLock::new();
    DB.get_or_init(TimeZoneDatabase::bundled)
}

/// Checks an IANA time-zone name; returns its canonical spelling
/// (`europe/paris` → `Europe/Paris`). The error says what is expected.
pub fn check_tz(name: &str) -> Result<String, String> {
    let n = name.trim();
    let tz = (!n.is_empty() && !n.contains(".."))
        .then(|| database().get(n).ok())
        .flatten();
    match tz.as_ref().and_then(TimeZone::iana_name) {
        Some(canonical) => Ok(canonical.to_string()),
        None => Err(format!(
            "unknown time zone `{n}`: give an IANA name such as Europe/Paris, \
             America/Cayenne, America/Martinique, Indian/Reunion or Pacific/Noumea"
        )),
    }
}

/// The time zone of a structure (its stored name, or [`DEFAULT_TZ`]). A name the
/// embedded database no longer knows falls back to the default, with a log line.
pub fn time_zone(name: Option<&str>) -> TimeZone {
    let name = name.unwrap_or(DEFAULT_TZ);
    match database().get(name) {
        Ok(tz) => tz,
        Err(e) => {
            tracing::error!(tz = name, error = %e, "unknown time zone: using {DEFAULT_TZ}");
            database().get(DEFAULT_TZ).unwrap_or(TimeZone::UTC)
        }
    }
}

/// The default time zone ([`DEFAULT_TZ`]).
pub fn default_tz() -> TimeZone {
    time_zone(None)
}

fn civil(utc_ms: i64, tz: &TimeZone) -> DateTime {
    let t = Timestamp::from_millisecond(utc_ms).unwrap_or(Timestamp::UNIX_EPOCH);
    tz.to_datetime(t)
}

/// The calendar day of an instant in `tz`, as (year, month, day).
pub fn local_date(utc_ms: i64, tz: &TimeZone) -> (i64, u32, u32) {
    let d = civil(utc_ms, tz).date();
    (
        i64::from(d.year()),
        u32::try_from(d.month()).unwrap_or(1),
        u32::try_from(d.day()).unwrap_or(1),
    )
}

/// `DD/MM/YYYY` in `tz`: the date format of French spreadsheets.
pub fn format_date_fr(utc_ms: i64, tz: &TimeZone) -> String {
    let (y, m, d) = local_date(utc_ms, tz);
    format!("{d:02}/{m:02}/{y:04}")
}

/// `HH:MM` in `tz`: the time of day, as French spreadsheets read it.
pub fn format_time_hm(utc_ms: i64, tz: &TimeZone) -> String {
    let t = civil(utc_ms, tz);
    format!("{:02}:{:02}", t.hour(), t.minute())
}

/// `DD/MM/YYYY à HHhMM` in `tz`, for printed sheets.
pub fn format_datetime_fr(utc_ms: i64, tz: &TimeZone) -> String {
    let t = civil(utc_ms, tz);
    format!(
        "{:02}/{:02}/{:04} à {:02}h{:02}",
        t.day(),
        t.month(),
        t.year(),
        t.hour(),
        t.minute()
    )
}

/// Parses a day `YYYY-MM-DD` (the HTML date input's format) or `DD/MM/YYYY`.
/// `None` if it is not a real date between 1900 and 9999.
pub fn parse_day(text: &str) -> Option<Date> {
    let t = text.trim();
    let (y, m, d) = if let [y, m, d] = t.split('-').collect::<Vec<_>>().as_slice() {
        (y.parse().ok()?, m.parse().ok()?, d.parse().ok()?)
    } else if let [d, m, y] = t.split('/').collect::<Vec<_>>().as_slice() {
        (y.parse().ok()?, m.parse().ok()?, d.parse().ok()?)
    } else {
        return None;
    };
    let (y, m, d): (i16, i8, i8) = (y, m, d);
    if !(1900..=9999).contains(&y) {
        return None;
    }
    Date::new(y, m, d).ok()
}

/// The first instant of `day` in `tz` (midnight, or the end of a gap when the
/// clocks jump at midnight), in milliseconds.
pub fn day_start(day: Date, tz: &TimeZone) -> Option<i64> {
    let zdt = day
        .to_zoned_datetime(tz.clone())
        .ok()?
        .start_of_day()
        .ok()?;
    Some(zdt.timestamp().as_millisecond())
}

/// [`parse_day`] then [`day_start`].
pub fn parse_day_start(text: &str, tz: &TimeZone) -> Option<i64> {
    day_start(parse_day(text)?, tz)
}

/// The first instant of the day after `text`'s day in `tz`: the exclusive end of
/// a range that includes that day, whatever its length (23, 24 or 25 hours).
pub fn parse_day_end(text: &str, tz: &TimeZone) -> Option<i64> {
    day_start(parse_day(text)?.tomorrow().ok()?, tz)
}

/// The first instant of the `days` last days of `tz`, today included: the start
/// of today for 1, of yesterday for 2. Falls back to `days` × 24 h before `now_ms`
/// for a day the calendar cannot hold.
pub fn recent_days_start(now_ms: i64, days: u16, tz: &TimeZone) -> i64 {
    let today = civil(now_ms, tz).date();
    let back = i64::from(days.saturating_sub(1));
    today
        .checked_sub(jiff::Span::new().days(back))
        .ok()
        .and_then(|d| day_start(d, tz))
        .unwrap_or_else(|| now_ms.saturating_sub(i64::from(days) * DAY_MS))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn utc(text: &str) -> i64 {
        text.parse::<Timestamp>()
            .expect("timestamp")
            .as_millisecond()
    }

    #[test]
    fn paris_dates_follow_summer_time() {
        let paris = default_tz();
        for (instant, local) in [
            // 2026-03-29: summer time starts at 01:00 UTC. 00:30 UTC is 01:30 CET.
            ("2026-03-29T00:30:00Z", "29/03/2026 à 01h30"),
            ("2026-03-29T01:00:00Z", "29/03/2026 à 03h00"),
            // 2024-06-30 22:30 UTC is already 1 July (CEST).
            ("2024-06-30T22:30:00Z", "01/07/2024 à 00h30"),
            // 2024-10-27 01:00 UTC ends summer time: 02:59 CEST, then 02:00 CET.
            ("2024-10-27T00:59:00Z", "27/10/2024 à 02h59"),
            ("2024-10-27T01:00:00Z", "27/10/2024 à 02h00"),
        ] {
            assert_eq!(format_datetime_fr(utc(instant), &paris), local, "{instant}");
        }
        assert_eq!(
            format_date_fr(utc("2026-03-29T00:30:00Z"), &paris),
            "29/03/2026"
        );
        assert_eq!(format_time_hm(utc("2026-03-29T00:30:00Z"), &paris), "01:30");
        assert_eq!(format_time_hm(utc("2026-03-29T01:05:00Z"), &paris), "03:05");
        assert_eq!(format_time_hm(utc("2024-06-30T22:30:00Z"), &paris), "00:30");
        // 23:30 UTC on 31 December is already the next year in Paris.
        assert_eq!(
            format_date_fr(utc("2026-12-31T23:30:00Z"), &paris),
            "01/01/2027"
        );
        assert_eq!(
            local_date(utc("2026-12-31T23:30:00Z"), &paris),
            (2027, 1, 1)
        );
    }

    #[test]
    fn recent_days_start_at_midnight_of_the_first_day() {
        let paris = default_tz();
        // Thursday 2 April 2026, 10:00 in Paris (summer time since 29 March).
        let now = utc("2026-04-02T08:00:00Z");
        assert_eq!(
            recent_days_start(now, 1, &paris),
            utc("2026-04-01T22:00:00Z")
        );
        // 7 days: from Friday 27 March, still winter time (midnight = 23:00 UTC).
        assert_eq!(
            recent_days_start(now, 7, &paris),
            utc("2026-03-26T23:00:00Z")
        );
        let cayenne = time_zone(Some("America/Cayenne"));
        // 08:00 UTC is 05:00 in Cayenne, 2 April; 7 days from 27 March 03:00 UTC.
        assert_eq!(
            recent_days_start(now, 7, &cayenne),
            utc("2026-03-27T03:00:00Z")
        );
    }

    #[test]
    fn other_zones_give_their_own_dates() {
        for (zone, instant, date) in [
            // UTC-3, no summer time.
            ("America/Cayenne", "2026-03-29T00:30:00Z", "28/03/2026"),
            ("America/Cayenne", "2026-12-31T23:30:00Z", "31/12/2026"),
            // UTC+11.
            ("Pacific/Noumea", "2026-06-30T13:00:00Z", "01/07/2026"),
        ] {
            let tz = time_zone(Some(zone));
            assert_eq!(format_date_fr(utc(instant), &tz), date, "{zone} {instant}");
        }
        let reunion = time_zone(Some("Indian/Reunion")); // UTC+4
        assert_eq!(
            format_datetime_fr(utc("2026-12-31T20:30:00Z"), &reunion),
            "01/01/2027 à 00h30"
        );
        assert_eq!(
            format_time_hm(utc("2026-12-31T20:30:00Z"), &reunion),
            "00:30"
        );
        let cayenne = time_zone(Some("America/Cayenne"));
        assert_eq!(
            format_time_hm(utc("2026-12-31T23:30:00Z"), &cayenne),
            "20:30"
        );
    }

    #[test]
    fn time_zone_names_are_checked() {
        assert_eq!(check_tz("Europe/Paris").as_deref(), Ok("Europe/Paris"));
        assert_eq!(check_tz(" europe/paris ").as_deref(), Ok("Europe/Paris"));
        assert_eq!(
            check_tz("America/Cayenne").as_deref(),
            Ok("America/Cayenne")
        );
        for bad in [
            "",
            "Europe/Pariss",
            "Mars/Olympus",
            "../etc/passwd",
            "CET+1",
        ] {
            let e = check_tz(bad).expect_err(bad);
            assert!(
                e.contains("unknown time zone") && e.contains("Europe/Paris"),
                "{e}"
            );
        }
        // A name the database lost falls back to Paris.
        let fallback = time_zone(Some("Nowhere/Atlantis"));
        assert_eq!(fallback.iana_name(), Some("Europe/Paris"));
    }

    #[test]
    fn parses_days_in_both_formats() {
        let paris = default_tz();
        let a = parse_day_start("2024-07-01", &paris);
        assert_eq!(a, parse_day_start("01/07/2024", &paris));
        // Midnight Paris (CEST) is 22:00 UTC the day before.
        assert_eq!(a, Some(utc("2024-06-30T22:00:00Z")));
        assert_eq!(parse_day_start("2024-02-30", &paris), None);
        assert_eq!(parse_day_start("hier", &paris), None);
        assert_eq!(parse_day_start("2024-13-01", &paris), None);
        // The day summer time starts has 23 hours; the range end is the next start.
        assert_eq!(
            parse_day_end("2026-03-29", &paris),
            Some(utc("2026-03-29T22:00:00Z"))
        );
        assert_eq!(
            parse_day_start("2026-03-29", &paris),
            Some(utc("2026-03-28T23:00:00Z"))
        );
        let cayenne = time_zone(Some("America/Cayenne"));
        assert_eq!(
            parse_day_start("2026-12-31", &cayenne),
            Some(utc("2026-12-31T03:00:00Z"))
        );
    }

    #[test]
    fn clock_offset_moves_now() {
        let past = Clock::with_offset_days(-400).now_ms();
        let now = Clock::system().now_ms();
        let diff = now - past;
        assert!((400 * DAY_MS - 1000..=400 * DAY_MS + 1000).contains(&diff));
        let at = utc("2026-12-31T23:30:00Z");
        let fixed = Clock::starting_at(at).now_ms();
        assert!((at..at + 60_000).contains(&fixed), "{fixed}");
    }
}
