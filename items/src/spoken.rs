//! What the app says aloud, cut into the phrases of the recorded voice.
//!
//! A device without a French speech voice reads aloud with clips recorded at
//! build time (`cargo xtask build`, espeak-ng): one clip per *phrase*, named by
//! the [`clip_key`] of the phrase. The app cuts the text it would give the
//! device's voice into the same phrases ([`phrases`]) and plays their clips in
//! turn; a phrase without a clip is skipped. Both sides cut and name with the
//! functions of this module, so they agree by construction.
//!
//! A phrase ends at a line break, or after `.`, `!`, `?`, `…`, `:` or `;`
//! followed by a space (or the end): the lists of the result screen
//! (« Vous savez déjà : a ; b. ») fall into phrases that do not depend on the
//! person (« Vous savez déjà : », « a ; », « b. »), so a finite set of clips says
//! every result. [`catalogue`] lists every text the bank and the référentiel can
//! make the app say; the app's own fixed texts are listed by the app
//! (`app/src/spoken.rs`).

use std::hash::Hasher;

use crate::{Bank, RulesError};

/// Characters after which a phrase may end.
const ENDS: [char; 6] = ['.', '!', '?', '…', ':', ';'];
/// Closing marks that stay with the phrase they close (« … ? »).
const CLOSING: [char; 4] = ['»', '”', ')', ']'];

/// The phrases of `text`, in order, each normalised: runs of white space (no-break
/// spaces included) as one space, no space at either end. Phrases without a
/// letter or a digit are left out (nothing to say).
pub fn phrases(text: &str) -> Vec<String> {
    let chars: Vec<char> = text.chars().collect();
    let mut out = Vec::new();
    let mut start = 0;
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        if c == '\n' || c == '\r' {
            push_phrase(&mut out, &chars[start..i]);
            start = i + 1;
        } else if ENDS.contains(&c) {
            // The phrase goes on through closing marks; it ends if a space (or
            // the end of the text) follows.
            let mut end = i + 1;
            let mut j = i + 1;
            let mut spaced = j == chars.len();
            while j < chars.len() && (chars[j].is_whitespace() || CLOSING.contains(&chars[j])) {
                if chars[j] == '\n' || chars[j] == '\r' {
                    spaced = true;
                    break;
                }
                if chars[j].is_whitespace() {
                    spaced = true;
                } else {
                    end = j + 1;
                }
                j += 1;
            }
            if j == chars.len() {
                spaced = true;
            }
            if spaced {
                push_phrase(&mut out, &chars[start..end]);
                start = end;
                i = end;
                continue;
            }
        }
        i += 1;
    }
    push_phrase(&mut out, &chars[start.min(chars.len())..]);
    out
}

fn push_phrase(out: &mut Vec<String>, chars: &[char]) {
    let mut phrase = String::new();
    let mut space = false;
    for &c in chars {
        if c.is_whitespace() {
            space = !phrase.is_empty();
        } else {
            if space {
                phrase.push(' ');
                space = false;
            }
            phrase.push(c);
        }
    }
    if phrase
        .chars()
        .any(|c| c.is_alphabetic() || c.is_ascii_digit())
    {
        out.push(phrase);
    }
}

/// The name of a phrase's clip: the FNV-1a 64-bit hash of its UTF-8 bytes, as 16
/// lowercase hexadecimal digits. `phrase` is one of [`phrases`]' output.
pub fn clip_key(phrase: &str) -> String {
    let mut hasher = fnv::FnvHasher::default();
    hasher.write(phrase.as_bytes());
    format!("{:016x}", hasher.finish())
}

/// Every text the app can say from the bank: each item's `read_aloud`, each
/// context question's, and every piece of the result screen's summary (the lists
/// of mastered skills and skills to work on, written as the profile writes them,
/// one label at a time in each place a label can take in a list, and the
/// orientation sentence of each modality). Cut with [`phrases`], these texts give
/// every phrase a result can hold, whoever the person.
pub fn catalogue(bank: &Bank) -> Result<Vec<String>, RulesError> {
    let config = bank.referentiel.profile_config()?;
    let mut texts: Vec<String> = bank
        .items()
        .iter()
        .map(|item| item.read_aloud.clone())
        .collect();
    texts.extend(bank.context.questions.iter().map(|q| q.read_aloud.clone()));
    let labels = config
        .domains
        .iter()
        .map(|d| d.label.clone())
        .chain(config.skills.iter().map(|s| s.label.clone()));
    for label in labels {
        // A label in the middle of a list (« a ; ») and at its end (« b. »).
        let pair = [label.clone(), label];
        for lead in [&config.summary.known, &config.summary.work_on] {
            texts.push(repere_engine::profile::list_sentence(lead, &pair));
        }
    }
    for modality in &config.orientation.modalities {
        texts.push(repere_engine::profile::orientation_sentence(
            &config.summary.orientation,
            &modality.label,
            &modality.description,
        ));
    }
    Ok(texts)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn phrases_end_at_sentence_marks_followed_by_a_space() {
        assert_eq!(
            phrases("Que faites-vous\u{a0}? Réponse 1\u{a0}: je touche «\u{a0}Envoyer\u{a0}». Fin"),
            [
                "Que faites-vous ?",
                "Réponse 1 :",
                "je touche « Envoyer ».",
                "Fin"
            ]
        );
        // No space after the mark: not an end (an address, a time, a decimal).
        assert_eq!(
            phrases("Allez sur www.exemple.fr à 9:30, pas 1.5 fois."),
            ["Allez sur www.exemple.fr à 9:30, pas 1.5 fois."]
        );
        // A closing mark stays with its phrase.
        assert_eq!(
            phrases("Il dit «\u{a0}Bonjour\u{a0}!\u{a0}» puis part."),
            ["Il dit « Bonjour ! »", "puis part."]
        );
        // Line breaks end a phrase; empty and mark-only phrases are left out.
        assert_eq!(
            phrases("  Sans réponse, tout sera effacé dans\n30\u{a0}secondes.\n\n… "),
            ["Sans réponse, tout sera effacé dans", "30 secondes."]
        );
        assert_eq!(
            phrases("Vous savez déjà\u{a0}: lire\u{a0}; écrire."),
            ["Vous savez déjà :", "lire ;", "écrire."]
        );
        assert!(phrases("").is_empty());
        assert!(phrases(" \u{a0}\n").is_empty());
    }

    #[test]
    fn clip_keys_are_fnv1a_64() {
        // The published FNV-1a 64 test vectors.
        assert_eq!(clip_key(""), "cbf29ce484222325");
        assert_eq!(clip_key("a"), "af63dc4c8601ec8c");
        assert_eq!(clip_key("foobar"), "85944171f73967e8");
        assert_ne!(clip_key("Réponse 1 :"), clip_key("Réponse 2 :"));
    }
}
