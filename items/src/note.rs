//! What an expert writes in `provenance.note`: the difficulty band and the
//! discrimination with its reason (`"bande moyen ; a = 1,3 : …"`), read back so the
//! validator can hold them against the parameters.

use crate::text::fold_accents;
use crate::Band;

/// A band as a note states it.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum StatedBand {
    /// `bande moyen`: the location is inside the band ([`Band::fits`]).
    In(Band),
    /// `bande entre facile et moyen`: a half-band, between the two expert values
    /// (bounds included).
    Between(Band, Band),
}

impl StatedBand {
    /// Whether `location` agrees with the statement.
    pub fn fits(self, location: f64) -> bool {
        match self {
            StatedBand::In(b) => b.fits(location),
            StatedBand::Between(lo, hi) => {
                location >= lo.expert_b() - 1e-9 && location <= hi.expert_b() + 1e-9
            }
        }
    }

    /// The statement as written, for messages.
    pub fn describe(self) -> String {
        match self {
            StatedBand::In(b) => format!("bande {}", b.french()),
            StatedBand::Between(lo, hi) => {
                format!("bande entre {} et {}", lo.french(), hi.french())
            }
        }
    }

    /// The locations that agree with the statement, for messages.
    pub fn range(self) -> String {
        match self {
            StatedBand::In(Band::FirstContact) => "b < -3".to_string(),
            StatedBand::In(Band::Hard) => "b > 1".to_string(),
            StatedBand::In(b) => format!("{} < b < {}", b.expert_b() - 0.5, b.expert_b() + 0.5),
            StatedBand::Between(lo, hi) => {
                format!("{} ≤ b ≤ {}", lo.expert_b(), hi.expert_b())
            }
        }
    }
}

/// Why a note's band cannot be read.
#[derive(Clone, Debug, PartialEq)]
pub enum BandError {
    /// No `bande …` nor `entre … et …` naming bands.
    Missing,
    /// `entre X et Y` with bands that are not neighbours, or in the wrong order.
    NotNeighbours(Band, Band),
}

/// Bands by French name, longest first so that `très facile` is not read `facile`.
fn band_at(text: &str) -> Option<(Band, usize)> {
    let mut names: Vec<(Band, &str)> = Band::ALL.iter().map(|b| (*b, b.french())).collect();
    names.sort_by_key(|(_, n)| std::cmp::Reverse(n.len()));
    names.into_iter().find_map(|(b, n)| {
        let rest = text.strip_prefix(n)?;
        let boundary = rest.chars().next().is_none_or(|c| !c.is_alphanumeric());
        boundary.then_some((b, n.len()))
    })
}

/// The shift of an expert's value moved onto the calibrated scale (`repere
/// calibrate --shift-experts` appends « décalé de +0.480 … »), if the note says
/// one: the stated band is the expert's, on the scale before the shift.
pub fn stated_shift(note: &str) -> Option<f64> {
    let (_, rest) = note.split_once("décalé de ")?;
    let token = rest.split_whitespace().next()?;
    token.parse::<f64>().ok().filter(|v| v.is_finite())
}

/// The band a note states: the first `bande <name>` or `entre <name> et <name>`
/// (with or without `bande` before it), case and accents as written.
pub fn stated_band(note: &str) -> Result<StatedBand, BandError> {
    let lower = note.to_lowercase();
    let word_start = |i: usize| {
        lower[..i]
            .chars()
            .next_back()
            .is_none_or(|c| !c.is_alphanumeric())
    };
    for (i, _) in lower.char_indices() {
        if !word_start(i) {
            continue;
        }
        let rest = &lower[i..];
        if let Some(after) = rest.strip_prefix("entre ") {
            if let Some((lo, n)) = band_at(after) {
                if let Some(after_lo) = after[n..].strip_prefix(" et ") {
                    if let Some((hi, _)) = band_at(after_lo) {
                        let next = Band::ALL.iter().position(|b| *b == lo).map(|p| p + 1);
                        return if next.and_then(|p| Band::ALL.get(p)) == Some(&hi) {
                            Ok(StatedBand::Between(lo, hi))
                        } else {
                            Err(BandError::NotNeighbours(lo, hi))
                        };
                    }
                }
            }
        }
        if let Some(after) = rest.strip_prefix("bande ") {
            if let Some((b, _)) = band_at(after) {
                return Ok(StatedBand::In(b));
            }
        }
    }
    Err(BandError::Missing)
}

/// What a note says of the discrimination: `a = <value>` and the reason after it.
#[derive(Clone, Debug, PartialEq)]
pub struct StatedA {
    /// The value (French decimal comma or a point).
    pub value: f64,
    /// The text after the value up to the next `;` or the end, without the
    /// punctuation around it.
    pub reason: String,
}

/// Reasons that only name the item's type: the discrimination was then set by
/// type, not by item (accents and case ignored).
pub const TYPE_ONLY_REASONS: [&str; 8] = [
    "choix unique",
    "choix multiple",
    "zone a toucher",
    "remise en ordre",
    "saisie",
    "decision",
    "simulation a une decision",
    "simulation en etapes",
];

/// Words a reason needs at least.
pub const MIN_REASON_WORDS: usize = 3;

/// The first `a = <number>` of a note (`a` standing alone as a word).
pub fn stated_a(note: &str) -> Option<StatedA> {
    let bytes = note.as_bytes();
    for (i, _) in note.match_indices('a') {
        let before_ok = note[..i]
            .chars()
            .next_back()
            .is_none_or(|c| !c.is_alphanumeric());
        if !before_ok || bytes.get(i + 1).is_some_and(u8::is_ascii_alphanumeric) {
            continue;
        }
        let rest = note[i + 1..].trim_start();
        let Some(rest) = rest.strip_prefix('=') else {
            continue;
        };
        let rest = rest.trim_start();
        let end = rest
            .char_indices()
            .find(|&(k, c)| {
                !(c.is_ascii_digit()
                    || ((c == ',' || c == '.')
                        && rest[k + 1..].starts_with(|d: char| d.is_ascii_digit())))
            })
            .map_or(rest.len(), |(k, _)| k);
        let Ok(value) = rest[..end].replace(',', ".").parse::<f64>() else {
            continue;
        };
        let tail = &rest[end..];
        let clause = tail.split(';').next().unwrap_or_default();
        let reason = clause
            .trim_matches(|c: char| c.is_whitespace() || "():,-–—.".contains(c))
            .to_string();
        return Some(StatedA { value, reason });
    }
    None
}

/// Whether a reason says something of this item: enough words, and not only the
/// name of its type.
pub fn is_item_reason(reason: &str) -> bool {
    let folded = fold_accents(&reason.to_lowercase());
    let words = folded
        .split_whitespace()
        .filter(|w| w.chars().any(char::is_alphanumeric))
        .count();
    words >= MIN_REASON_WORDS && !TYPE_ONLY_REASONS.contains(&folded.trim())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_shift_is_read_from_a_moved_expert_value() {
        let note = "bande moyen ; a = 1,2 : deux écrans ; avis d'expert décalé de +0.480 : \
                    écart moyen des 95 items calibrés";
        assert_eq!(stated_shift(note), Some(0.48));
        assert_eq!(stated_shift("décalé de -0.25 : écart"), Some(-0.25));
        assert_eq!(stated_shift("bande moyen ; a = 1,2"), None);
        assert_eq!(stated_shift("décalé de beaucoup"), None);
    }

    #[test]
    fn bands_are_read_longest_name_first() {
        assert_eq!(
            stated_band("bande très facile (gros bouton) ; a = 1,5"),
            Ok(StatedBand::In(Band::VeryEasy))
        );
        assert_eq!(stated_band("Bande facile"), Ok(StatedBand::In(Band::Easy)));
        assert_eq!(
            stated_band("bande premier contact : un seul bouton"),
            Ok(StatedBand::In(Band::FirstContact))
        );
        assert_eq!(
            stated_band("bande difficile ; a = 1,2"),
            Ok(StatedBand::In(Band::Hard))
        );
    }

    #[test]
    fn half_bands_name_two_neighbours() {
        assert_eq!(
            stated_band("entre très facile et facile ; a = 1,2"),
            Ok(StatedBand::Between(Band::VeryEasy, Band::Easy))
        );
        assert_eq!(
            stated_band("bande entre intermédiaire et difficile"),
            Ok(StatedBand::Between(Band::Intermediate, Band::Hard))
        );
        assert_eq!(
            stated_band("bande entre facile et intermédiaire"),
            Err(BandError::NotNeighbours(Band::Easy, Band::Intermediate))
        );
        assert_eq!(
            stated_band("bande entre moyen et facile"),
            Err(BandError::NotNeighbours(Band::Medium, Band::Easy))
        );
    }

    #[test]
    fn a_note_without_a_band_is_missing() {
        assert_eq!(
            stated_band("a = 1,2 (choix unique)"),
            Err(BandError::Missing)
        );
        // "facile" alone, or inside a word, is not a statement.
        assert_eq!(stated_band("un geste facile"), Err(BandError::Missing));
        assert_eq!(stated_band("sous-bande moyenne"), Err(BandError::Missing));
    }

    #[test]
    fn band_ranges_follow_the_expert_values() {
        let moyen = StatedBand::In(Band::Medium);
        assert!(moyen.fits(-0.5) && moyen.fits(-0.99) && moyen.fits(-0.01));
        assert!(!moyen.fits(-1.0) && !moyen.fits(0.0));
        let half = StatedBand::Between(Band::Easy, Band::Medium);
        assert!(half.fits(-1.0) && half.fits(-1.5) && half.fits(-0.5));
        assert!(!half.fits(-1.6) && !half.fits(-0.4));
        assert!(StatedBand::In(Band::FirstContact).fits(-4.5));
        assert!(!StatedBand::In(Band::FirstContact).fits(-3.0));
        assert!(StatedBand::In(Band::Hard).fits(2.5));
        assert!(!StatedBand::In(Band::Hard).fits(1.0));
        assert_eq!(moyen.range(), "-1 < b < 0");
        assert_eq!(half.range(), "-1.5 ≤ b ≤ -0.5");
    }

    #[test]
    fn discrimination_and_reason_are_read() {
        let s = stated_a("bande moyen ; a = 1,6 (la seule icône sans texte) ; étapes").unwrap();
        assert_eq!(s.value, 1.6);
        assert_eq!(s.reason, "la seule icône sans texte");
        let s = stated_a("a=0.9: les étapes s'enchaînent sans retour").unwrap();
        assert_eq!(s.value, 0.9);
        assert_eq!(s.reason, "les étapes s'enchaînent sans retour");
        let s = stated_a("bande facile ; a = 1,2").unwrap();
        assert_eq!(s.value, 1.2);
        assert_eq!(s.reason, "");
        // "a" inside a word is not the parameter.
        assert_eq!(stated_a("bande facile ; la = 2"), None);
        assert_eq!(stated_a("bande facile"), None);
    }

    #[test]
    fn type_names_are_not_reasons() {
        assert!(!is_item_reason("choix unique"));
        assert!(!is_item_reason("Simulation à une décision"));
        assert!(!is_item_reason("zone à toucher"));
        assert!(!is_item_reason("deux mots"));
        assert!(is_item_reason(
            "simulation en étapes : ouvrir puis répondre, sans hasard"
        ));
        assert!(is_item_reason("les distracteurs sont des erreurs réelles"));
    }
}
