//! Text helpers: normalisation of typed answers and the FALC sentence-length check.

use crate::item::{Normalise, Spaces};

/// Longest sentence allowed in a stem, an option, a label or a description, in words.
///
/// FALC guidance asks for short sentences; 15 words is the usual upper bound in
/// French easy-to-read guides. Simulated content (e-mail bodies, scam SMS, search
/// snippets) is exempt: it must look real.
pub const MAX_WORDS_PER_SENTENCE: usize = 15;

/// Folds accented Latin letters to their base letters (é → e, ç → c, œ → oe).
pub fn fold_accents(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for ch in s.chars() {
        let rep: &str = match ch {
            'à' | 'â' | 'ä' | 'á' | 'ã' | 'å' => "a",
            'À' | 'Â' | 'Ä' | 'Á' | 'Ã' | 'Å' => "A",
            'ç' => "c",
            'Ç' => "C",
            'é' | 'è' | 'ê' | 'ë' => "e",
            'É' | 'È' | 'Ê' | 'Ë' => "E",
            'î' | 'ï' | 'í' | 'ì' => "i",
            'Î' | 'Ï' | 'Í' | 'Ì' => "I",
            'ô' | 'ö' | 'ó' | 'ò' | 'õ' => "o",
            'Ô' | 'Ö' | 'Ó' | 'Ò' | 'Õ' => "O",
            'ù' | 'û' | 'ü' | 'ú' => "u",
            'Ù' | 'Û' | 'Ü' | 'Ú' => "U",
            'ÿ' => "y",
            'Ÿ' => "Y",
            'ñ' => "n",
            'Ñ' => "N",
            'œ' => "oe",
            'Œ' => "OE",
            'æ' => "ae",
            'Æ' => "AE",
            _ => {
                out.push(ch);
                continue;
            }
        };
        out.push_str(rep);
    }
    out
}

/// Normalises a text by the rules of `n`, for comparing typed answers.
pub fn normalise(s: &str, n: &Normalise) -> String {
    // Non-breaking and other Unicode spaces count as spaces.
    let mut t: String = s
        .chars()
        .map(|c| if c.is_whitespace() { ' ' } else { c })
        .collect();
    if n.trim {
        t = t.trim().to_string();
    }
    if n.ignore_accents {
        t = fold_accents(&t);
    }
    if n.ignore_case {
        t = t.to_lowercase();
    }
    match n.spaces {
        Spaces::Keep => t,
        Spaces::Remove => t.chars().filter(|c| *c != ' ').collect(),
        Spaces::Collapse => {
            let mut out = String::with_capacity(t.len());
            let mut prev_space = false;
            for c in t.chars() {
                if c == ' ' {
                    if !prev_space {
                        out.push(c);
                    }
                    prev_space = true;
                } else {
                    out.push(c);
                    prev_space = false;
                }
            }
            out
        }
    }
}

/// The sentences of a text that are longer than `max` words, as `(word count,
/// first words…)`. Sentences end at `.`, `!`, `?`, `…`, `:` and line breaks; a word
/// is a run of characters between spaces that holds a letter or a digit.
pub fn long_sentences(text: &str, max: usize) -> Vec<(usize, String)> {
    let mut out = Vec::new();
    for sentence in text.split(['.', '!', '?', '…', ':', '\n']) {
        let words: Vec<&str> = sentence
            .split_whitespace()
            .filter(|w| w.chars().any(char::is_alphanumeric))
            .collect();
        if words.len() > max {
            let start = words.iter().take(5).copied().collect::<Vec<_>>().join(" ");
            out.push((words.len(), format!("{start}…")));
        }
    }
    out
}

/// Places where French typography wants a no-break space and the text has an
/// ordinary one: before `?`, `!`, `:`, `;` and `»`, after `«`. Each as `(sign,
/// the words around it)`. With a no-break space (U+00A0; the app's font has no
/// narrow one), a line never starts with the sign.
pub fn breakable_spaces(text: &str) -> Vec<(char, String)> {
    let chars: Vec<char> = text.chars().collect();
    let mut out = Vec::new();
    for (i, w) in chars.windows(2).enumerate() {
        let sign = match (w[0], w[1]) {
            (' ', c @ ('?' | '!' | ':' | ';' | '»')) => c,
            (c @ '«', ' ') => c,
            _ => continue,
        };
        let from = i.saturating_sub(12);
        let to = (i + 14).min(chars.len());
        out.push((sign, chars[from..to].iter().collect()));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ordinary_spaces_before_french_signs_are_found() {
        assert!(
            breakable_spaces("Que faites-vous\u{a0}? «\u{a0}Oui\u{a0}»\u{a0}: bien").is_empty()
        );
        let found = breakable_spaces("Que faites-vous ? Réponse\u{a0}: « Oui »");
        let signs: Vec<char> = found.iter().map(|(c, _)| *c).collect();
        assert_eq!(signs, ['?', '«', '»']);
        assert_eq!(found[0].1, " faites-vous ? Réponse\u{a0}: «");
        // Only a space right before the sign counts; a dash is not concerned.
        assert!(breakable_spaces("exemple.fr?x=1 a - b Oui!").is_empty());
    }

    #[test]
    fn default_normalisation_folds_case_accents_and_spaces() {
        let n = Normalise::default();
        assert_eq!(normalise("  Hélène   DUPONT ", &n), "helene dupont");
        assert_eq!(normalise("Œuvre\u{a0}ça", &n), "oeuvre ca");
    }

    #[test]
    fn remove_spaces_and_keep_case() {
        let n = Normalise {
            trim: true,
            ignore_case: false,
            ignore_accents: false,
            spaces: Spaces::Remove,
        };
        assert_eq!(
            normalise(" Jean Dupont@exemple.fr ", &n),
            "JeanDupont@exemple.fr"
        );
    }

    #[test]
    fn sentence_length() {
        assert!(long_sentences("Touchez le trombone. Puis envoyez.", 15).is_empty());
        let long = "un deux trois quatre cinq six sept huit neuf dix onze douze treize quatorze quinze seize.";
        let found = long_sentences(long, 15);
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].0, 16);
        // Punctuation-only tokens are not words.
        assert!(long_sentences("un – deux – trois", 3).is_empty());
    }
}
