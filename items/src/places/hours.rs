//! Opening hours in plain French, from the OpenStreetMap `opening_hours` syntax of
//! the national file (`Mo-Fr 09:00-12:00,14:00-18:30; Sa 08:30-12:00` → « Du lundi
//! au vendredi, de 9 h à 12 h et de 14 h à 18 h 30. », « Le samedi, de 8 h 30 à
//! 12 h. »).
//!
//! The text is parsed by the `opening-hours-syntax` crate and normalised by it
//! (overlapping rules such as `Mo-Fr 09:00-18:00; We 09:00-12:00` become one rule
//! per set of days). The common subset is put into words: days of the week and
//! their ranges, public and school holidays, fixed times, `off`/`closed`, `24/7`,
//! comments. Anything else (months, dates, week numbers, "the second Monday",
//! sunrise, open ends, fallbacks) and anything that does not parse gives the raw
//! text back: a person can still read it, and nothing is invented.

use opening_hours_syntax::rules::day::{HolidayKind, WeekDayRange};
use opening_hours_syntax::rules::time::{Time, TimeSpan};
use opening_hours_syntax::rules::{RuleKind, RuleOperator, RuleSequence};
use opening_hours_syntax::ExtendedTime;

/// Opening hours as a person reads them.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Hours {
    /// One sentence per rule.
    Words(Vec<String>),
    /// The text as written in the file (it does not parse, or uses what is not
    /// put into words).
    Raw(String),
}

impl Hours {
    /// The lines to show: the sentences, or the raw text as one line.
    pub fn lines(self) -> Vec<String> {
        match self {
            Hours::Words(w) => w,
            Hours::Raw(r) if r.is_empty() => Vec::new(),
            Hours::Raw(r) => vec![r],
        }
    }
}

/// The opening hours of `raw` in plain French (see the module documentation).
pub fn in_french(raw: &str) -> Hours {
    let text = raw.trim();
    if text.is_empty() {
        return Hours::Raw(String::new());
    }
    let Ok(expr) = opening_hours_syntax::parse(text) else {
        return Hours::Raw(text.to_string());
    };
    let expr = expr.normalize();
    let mut lines = Vec::with_capacity(expr.rules.len());
    for rule in &expr.rules {
        match rule_words(rule) {
            Some(line) => lines.push(line),
            None => return Hours::Raw(text.to_string()),
        }
    }
    if lines.is_empty() {
        return Hours::Raw(text.to_string());
    }
    Hours::Words(lines)
}

const DAYS: [&str; 7] = [
    "lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi", "dimanche",
];

/// "a", "a et b", "a, b et c".
fn and_list(items: &[String]) -> String {
    match items {
        [] => String::new(),
        [one] => one.clone(),
        [init @ .., last] => format!("{} et {last}", init.join(", ")),
    }
}

/// « 9 h », « 18 h 30 », « minuit ».
fn time_words(t: ExtendedTime) -> Option<String> {
    let (h, m) = (t.hour(), t.minute());
    if h > 24 || (h == 24 && m > 0) {
        return None;
    }
    Some(match (h, m) {
        (0 | 24, 0) => "minuit".to_string(),
        (h, 0) => format!("{h}\u{a0}h"),
        (h, m) => format!("{h}\u{a0}h\u{a0}{m:02}"),
    })
}

fn span_words(span: &TimeSpan) -> Option<String> {
    if span.open_end || span.repeats.is_some() {
        return None;
    }
    let (Time::Fixed(from), Time::Fixed(to)) = (span.range.start, span.range.end) else {
        return None;
    };
    Some(format!("de {} à {}", time_words(from)?, time_words(to)?))
}

/// The days of a rule, lower case (« du lundi au vendredi et le samedi »), `None`
/// when they use what is not put into words; empty for every day.
fn days_words(rule: &RuleSequence) -> Option<String> {
    let d = &rule.day_selector;
    if !d.year.is_empty() || !d.monthday.is_empty() || !d.week.is_empty() {
        return None;
    }
    let mut parts = Vec::new();
    for w in &d.weekday {
        match w {
            WeekDayRange::Fixed {
                range,
                offset,
                nth_from_start,
                nth_from_end,
            } => {
                let every_week =
                    nth_from_start.iter().all(|x| *x) && nth_from_end.iter().all(|x| *x);
                if *offset != 0 || !every_week {
                    return None;
                }
                let a = range.start().num_days_from_monday() as usize;
                let b = range.end().num_days_from_monday() as usize;
                let (da, db) = (DAYS.get(a)?, DAYS.get(b)?);
                if a == b {
                    parts.push(format!("le {da}"));
                } else if b == a + 1 {
                    // Two days are named, not ranged (« le lundi et le mardi »).
                    parts.push(format!("le {da}"));
                    parts.push(format!("le {db}"));
                } else {
                    parts.push(format!("du {da} au {db}"));
                }
            }
            WeekDayRange::Holiday { kind, offset } => {
                if *offset != 0 {
                    return None;
                }
                parts.push(match kind {
                    HolidayKind::Public => "les jours fériés".to_string(),
                    HolidayKind::School => "pendant les vacances scolaires".to_string(),
                });
            }
        }
    }
    Some(and_list(&parts))
}

fn capitalise(s: &str) -> String {
    let mut c = s.chars();
    match c.next() {
        Some(f) => f.to_uppercase().chain(c).collect(),
        None => String::new(),
    }
}

fn rule_words(rule: &RuleSequence) -> Option<String> {
    if rule.operator == RuleOperator::Fallback {
        return None;
    }
    let days = days_words(rule)?;
    let spans = &rule.time_selector.spans;
    let all_day = spans.len() == 1
        && spans.first().is_some_and(|s| {
            s.range.start == Time::Fixed(ExtendedTime::MIDNIGHT_00)
                && s.range.end == Time::Fixed(ExtendedTime::MIDNIGHT_24)
                && !s.open_end
                && s.repeats.is_none()
        });
    let comment = rule.comment.trim();
    let note = if comment.is_empty() {
        String::new()
    } else {
        format!(" ({comment})")
    };
    let sentence = match rule.kind {
        RuleKind::Unknown => return None,
        RuleKind::Closed => {
            if days.is_empty() || !all_day {
                return None;
            }
            format!("Fermé {days}{note}.")
        }
        RuleKind::Open => {
            let when = if all_day {
                "24\u{a0}h sur 24".to_string()
            } else {
                let words: Option<Vec<String>> = spans.iter().map(span_words).collect();
                and_list(&words?)
            };
            if days.is_empty() {
                if all_day {
                    format!("Ouvert tous les jours, {when}{note}.")
                } else {
                    format!("Tous les jours, {when}{note}.")
                }
            } else {
                format!("{}, {when}{note}.", capitalise(&days))
            }
        }
    };
    Some(sentence)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn words(raw: &str) -> Vec<String> {
        match in_french(raw) {
            Hours::Words(w) => w.into_iter().map(|l| l.replace('\u{a0}', " ")).collect(),
            Hours::Raw(r) => vec![format!("RAW {r}")],
        }
    }

    #[test]
    fn the_common_forms_in_words() {
        assert_eq!(
            words("Mo-Fr 09:00-12:00,14:00-18:30; Sa 08:30-12:00"),
            [
                "Du lundi au vendredi, de 9 h à 12 h et de 14 h à 18 h 30.",
                "Le samedi, de 8 h 30 à 12 h."
            ]
        );
        assert_eq!(
            words("Mo,We,Fr 14:00-17:00"),
            ["Le lundi, le mercredi et le vendredi, de 14 h à 17 h."]
        );
        assert_eq!(words("24/7"), ["Ouvert tous les jours, 24 h sur 24."]);
        assert_eq!(words("10:00-16:00"), ["Tous les jours, de 10 h à 16 h."]);
    }

    #[test]
    fn holidays_closures_and_comments() {
        let w = words("Mo-Fr 09:00-17:00; PH off");
        assert_eq!(w[0], "Du lundi au vendredi, de 9 h à 17 h.");
        assert!(w.contains(&"Fermé les jours fériés.".to_string()), "{w:?}");
        let w = words("Tu 09:00-12:00 \"sur rendez-vous\"");
        assert_eq!(w, ["Le mardi, de 9 h à 12 h (sur rendez-vous)."]);
    }

    #[test]
    fn overlapping_rules_are_normalised() {
        // Wednesday's own rule replaces the general one (OSM semantics): the words
        // must not say Wednesday twice.
        assert_eq!(
            words("Mo-Fr 09:00-18:00; We 09:00-12:00"),
            [
                "Le lundi, le mardi, le jeudi et le vendredi, de 9 h à 18 h.",
                "Le mercredi, de 9 h à 12 h."
            ]
        );
        // A closed day needs no sentence: only what is open is said.
        assert_eq!(
            words("Mo-Sa 10:00-19:00; Su off"),
            ["Du lundi au samedi, de 10 h à 19 h."]
        );
    }

    #[test]
    fn what_is_not_put_into_words_stays_raw() {
        assert_eq!(
            in_french("Du lundi au vendredi de 9h à 12h"),
            Hours::Raw("Du lundi au vendredi de 9h à 12h".into())
        );
        assert_eq!(
            in_french("Jan-Jun Mo 10:00-12:00"),
            Hours::Raw("Jan-Jun Mo 10:00-12:00".into())
        );
        assert_eq!(
            in_french("Mo[1] 10:00-12:00"),
            Hours::Raw("Mo[1] 10:00-12:00".into())
        );
        assert_eq!(in_french("  "), Hours::Raw(String::new()));
        assert!(in_french("  ").lines().is_empty());
    }
}
