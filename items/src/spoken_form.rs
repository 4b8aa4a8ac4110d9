//! Whether an item's read-aloud text says a text shown in its simulation.
//!
//! A person who reads badly but hears well must be measured on the digital skill,
//! not on reading: every text of a simulated screen they would use to answer has
//! to be in `read_aloud`. The comparison is made on a spoken form of both texts
//! ([`SpokenText`]), so that the usual ways a voice says a written text count:
//!
//! - case, accents, spaces and punctuation do not count (`Météo, Lille` = `meteo
//!   lille`);
//! - signs inside addresses and numbers may be said or not: `ameli.fr`,
//!   `ameli point f r` and `ameli fr` are the same (the words *point*, *tiret*,
//!   *arobase*, *barre*, *plus*, *deux points*, *tiret bas* are left out on both
//!   sides, like the signs they name);
//! - abbreviations a voice expands: `EUR` and `€` (*euros*), `Dr` (*docteur*),
//!   `RDV` (*rendez-vous*), `stp`, `svp`; hours (`10h30` = *10 heures 30*, `24h/24`
//!   = *24 heures sur 24*, `7j/7` = *7 jours sur 7*); a day and month (`07/12` =
//!   *7 décembre*); an inclusive ending (`convoqué(e)` = *convoqué ou convoquée*).
//!
//! What must be said: a short text (a title, a label, a sender, a file name) as a
//! whole; an address by its host (`www.ameli.fr › assure` by `ameli.fr`:
//! the path is the page's, not the site's); a long text (a message's body, a
//! result's snippet) sentence by sentence.

use crate::text::fold_accents;

/// Words that name a sign of an address or a number; left out like the signs.
const SIGN_WORDS: [&str; 7] = [
    "point",
    "tiret",
    "arobase",
    "barre",
    "plus",
    "underscore",
    "slash",
];

const MONTHS: [&str; 12] = [
    "janvier",
    "fevrier",
    "mars",
    "avril",
    "mai",
    "juin",
    "juillet",
    "aout",
    "septembre",
    "octobre",
    "novembre",
    "decembre",
];

/// The read-aloud text of an item, in its spoken form.
pub(crate) struct SpokenText {
    compact: String,
}

impl SpokenText {
    pub(crate) fn new(read_aloud: &str) -> SpokenText {
        SpokenText {
            compact: compact(read_aloud),
        }
    }

    /// Whether the text is said, as a whole (a text with no letter or digit is).
    pub(crate) fn says(&self, written: &str) -> bool {
        let c = compact(written);
        c.is_empty() || self.compact.contains(&c)
    }

    /// Whether the host of an address is said (`https://`, `www.` and the path
    /// after `/` or `›` may be left out).
    pub(crate) fn says_address(&self, address: &str) -> bool {
        self.says(host(address))
    }

    /// The sentences of a long text that are not said.
    pub(crate) fn unsaid_sentences<'t>(&self, text: &'t str) -> Vec<&'t str> {
        sentences(text)
            .into_iter()
            .filter(|s| !self.says(s))
            .collect()
    }
}

/// Whether a text shown as a link is an address (one word with a dot).
pub(crate) fn is_address(text: &str) -> bool {
    let t = text.trim();
    !t.is_empty() && !t.contains(char::is_whitespace) && t.contains('.')
}

/// The host of an address as a results page or a link shows it
/// (`www.ameli.fr › assure` → `ameli.fr`, `https://a.fr/b` → `a.fr`).
pub(crate) fn host(url: &str) -> &str {
    let url = url.trim();
    let url = url.split_once("://").map_or(url, |(_, rest)| rest);
    let url = url.split('›').next().unwrap_or(url).trim();
    let url = url.split('/').next().unwrap_or(url);
    url.strip_prefix("www.").unwrap_or(url)
}

/// The sentences of a text: ends at `.`, `!`, `?`, `…` followed by a space or
/// the end, and at line breaks (a dot inside an address or a number does not end
/// one). Pieces without a letter or digit are left out.
pub(crate) fn sentences(text: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let mut start = 0;
    let mut chars = text.char_indices().peekable();
    while let Some((i, c)) = chars.next() {
        let next_is_space = chars.peek().is_none_or(|(_, n)| n.is_whitespace());
        let end = c == '\n' || (matches!(c, '.' | '!' | '?' | '…') && next_is_space);
        if end {
            let piece = &text[start..i + c.len_utf8()];
            if piece.chars().any(char::is_alphanumeric) {
                out.push(piece.trim());
            }
            start = i + c.len_utf8();
        }
    }
    let rest = &text[start..];
    if rest.chars().any(char::is_alphanumeric) {
        out.push(rest.trim());
    }
    out
}

/// The spoken form of a text, as lowercase ASCII letters and digits only.
fn compact(text: &str) -> String {
    let mut out = String::new();
    let mut previous_deux = false;
    for word in expand(text).split_whitespace() {
        let w: String = fold_accents(word)
            .to_lowercase()
            .chars()
            .filter(char::is_ascii_alphanumeric)
            .collect();
        // « deux points » names a colon: both words go.
        if w == "points" && previous_deux {
            out.truncate(out.len() - "deux".len());
            previous_deux = false;
            continue;
        }
        previous_deux = w == "deux";
        if SIGN_WORDS.contains(&w.as_str()) {
            continue;
        }
        out.push_str(&w);
    }
    out
}

/// A text with the abbreviations a voice expands written out as words, and the
/// signs between letters and digits as spaces (`ameli.fr` → `ameli fr`).
fn expand(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 16);
    let mut after_number = false;
    for word in text.split_whitespace() {
        // « 24 h », « 7 j »: a unit after a number.
        let unit = match word.trim_end_matches([',', '.', ';', ')']) {
            "h" if after_number => Some("heures"),
            "j" if after_number => Some("jours"),
            _ => None,
        };
        match unit {
            Some(u) => out.push_str(u),
            None => out.push_str(&expand_word(word)),
        }
        out.push(' ');
        after_number = word.ends_with(|c: char| c.is_ascii_digit());
    }
    out
}

fn expand_word(word: &str) -> String {
    // Punctuation around the word is kept out of the matching.
    let core = word.trim_matches(|c: char| !c.is_alphanumeric() && c != '€' && c != '+');
    let lower = fold_accents(core).to_lowercase();
    let fixed = match lower.as_str() {
        "eur" | "€" | "euro" | "euros" => Some("euros".to_string()),
        "dr" => Some("docteur".to_string()),
        "rdv" => Some("rendez vous".to_string()),
        "stp" => Some("s'il te plait".to_string()),
        "svp" => Some("s'il vous plait".to_string()),
        _ => None,
    };
    if let Some(f) = fixed {
        return f;
    }
    if let Some(e) = inclusive(word.trim_end_matches([',', '.', ';', ':', '!', '?'])) {
        return e;
    }
    if let Some(d) = day_month(&lower) {
        return d;
    }
    // Units glued to numbers: 399,99€, 10h30, 24h/24, 7j/7.
    let mut pieces = String::new();
    let chars: Vec<char> = lower.chars().collect();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        let after_digit = i > 0 && chars[i - 1].is_ascii_digit();
        let before_end_or_digit_or_slash = chars
            .get(i + 1)
            .is_none_or(|n| n.is_ascii_digit() || *n == '/');
        match c {
            '€' => pieces.push_str(" euros "),
            'h' if after_digit && before_end_or_digit_or_slash => pieces.push_str(" heures "),
            'j' if after_digit && before_end_or_digit_or_slash => pieces.push_str(" jours "),
            '/' if i > 0
                && matches!(chars[i - 1], 'h' | 'j')
                && chars.get(i + 1).is_some_and(char::is_ascii_digit) =>
            {
                pieces.push_str(" sur ");
            }
            c if c.is_alphanumeric() => pieces.push(c),
            _ => pieces.push(' '),
        }
        i += 1;
    }
    pieces
}

/// `convoqué(e)` → `convoqué ou convoquée` (also `(es)`, `(s)`).
fn inclusive(core: &str) -> Option<String> {
    for suffix in ["(e)", "(es)", "(s)"] {
        if let Some(stem) = core.strip_suffix(suffix) {
            if !stem.is_empty() {
                let ending = &suffix[1..suffix.len() - 1];
                return Some(format!("{stem} ou {stem}{ending}"));
            }
        }
    }
    None
}

/// `07/12` → `7 decembre` (a day and a month of the year).
fn day_month(lower: &str) -> Option<String> {
    let (d, m) = lower.split_once('/')?;
    let ok = |s: &str| (1..=2).contains(&s.len()) && s.chars().all(|c| c.is_ascii_digit());
    if !ok(d) || !ok(m) {
        return None;
    }
    let day: u32 = d.parse().ok()?;
    let month: usize = m.parse().ok()?;
    if !(1..=31).contains(&day) || !(1..=12).contains(&month) {
        return None;
    }
    Some(format!("{day} {}", MONTHS[month - 1]))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn signs_may_be_said_or_not() {
        let s = SpokenText::new(
            "Adresse : w w w point ameli point f r. Écrivez à jean point dupont arobase exemple point f r.",
        );
        assert!(s.says_address("www.ameli.fr › assure › carte-vitale"));
        assert!(s.says("jean.dupont@exemple.fr"));
        assert!(!s.says_address("ameli-remboursement.com"));
        let s = SpokenText::new("Le site impots.gouv.fr, en deux mots.");
        assert!(s.says("impots point gouv point f r"));
        // « deux points » names a colon; « deux » alone is a number word.
        let s = SpokenText::new("h t t p s deux points barre barre exemple point f r");
        assert!(s.says("https://exemple.fr"));
        assert!(SpokenText::new("en deux mots").says("en deux mots"));
    }

    #[test]
    fn abbreviations_hours_and_dates_as_a_voice_says_them() {
        let s = SpokenText::new(
            "Rendez-vous le lundi 7 décembre à 10 heures 30 avec le docteur Martin. \
             Des frais de 1,99 euros. Écris-moi, s'il te plaît. Ouvert 24 heures sur 24, \
             7 jours sur 7. Vous êtes convoqué ou convoquée sous 72 heures.",
        );
        assert!(s.says("RDV le lundi 07/12 à 10h30 avec le Dr Martin"));
        assert!(s.says("Des frais de 1,99 EUR"));
        assert!(s.says("Des frais de 1,99€"));
        assert!(s.says("Ecris-moi stp"));
        assert!(s.says("Ouvert 24h/24, 7j/7"));
        assert!(s.says("Ouvert 24 h sur 24"));
        // A spelled « h t t p » is not an hour.
        assert!(
            SpokenText::new("h t t p s deux points barre barre a point fr").says("https://a.fr")
        );
        assert!(s.says("Vous êtes convoqué(e) sous 72 heures."));
        assert!(!s.says("RDV le mardi 08/12"));
        // Not a date: a month over 12.
        assert_eq!(day_month("07/13"), None);
    }

    #[test]
    fn sentences_end_at_a_sign_before_a_space() {
        assert_eq!(
            sentences("Bonjour,\nVotre colis à 1.99 est sur colis.fr. Payez vite !"),
            [
                "Bonjour,",
                "Votre colis à 1.99 est sur colis.fr.",
                "Payez vite !"
            ]
        );
        assert_eq!(
            sentences("Un seul texte sans fin"),
            ["Un seul texte sans fin"]
        );
        assert!(sentences(" … ").is_empty());
    }

    #[test]
    fn addresses_by_their_host() {
        assert_eq!(host("www.ameli.fr › assure"), "ameli.fr");
        assert_eq!(host("https://a-b.fr/x/y"), "a-b.fr");
        assert!(is_address("http://ameli-info.com"));
        assert!(!is_address("Recevoir mon remboursement"));
    }
}
