//! The texts the app reads aloud that are written in the app itself. The others
//! come from the bank (items, context questions, the result's summary:
//! `repere_items::spoken::catalogue`).
//!
//! A device without a French voice reads with clips recorded at build time, one
//! per phrase (`repere_items::spoken`). `cargo xtask build` records a clip for
//! every phrase of [`all`]: a text the app says must be built from what this
//! file lists, or its phrases are skipped on such a device. This file is also
//! compiled into `xtask` (`#[path]`), so it holds only text and uses nothing but
//! `std`.

/// The welcome screen's first words.
pub const WELCOME: &str = "Repère. Un test pour savoir où vous en êtes avec le numérique.";
/// The welcome screen's last fact, before what a kiosk adds.
pub const WELCOME_SKIP: &str = "Vous pouvez toujours répondre : je ne sais pas.";
/// Added to the welcome on a kiosk.
pub const WELCOME_KIOSK: &str = "À la fin, tout est effacé.";
/// The end of the welcome.
pub const WELCOME_START: &str = "Pour commencer, touchez le bouton Commencer.";
/// The first words of the result screen (the summary follows).
pub const RESULT: &str = "Votre résultat.";
/// No finished test in this tab.
pub const NO_RESULT: &str = "Il n'y a pas de résultat à montrer.";
/// The print view.
pub const PRINT: &str = "Votre résultat, prêt à imprimer. Touchez le bouton Imprimer.";
/// A test that cannot go on.
pub const TROUBLE: &str =
    "Le test ne peut pas continuer sur cet appareil. Demandez de l'aide à l'accueil.";
/// An address that leads nowhere.
pub const NOT_FOUND: &str = "Cette page n'existe pas. Touchez le lien pour revenir à l'accueil.";
/// A page of the other bundle, offline.
pub const UNAVAILABLE: &str = "Cette page a besoin du réseau. Réessayez quand le réseau revient.";
/// The end of a test in agent mode.
pub const HAND_BACK: &str = "Le test est fini. Merci. Rendez la tablette à l'agent. \
     Il va regarder votre résultat avec vous.";
/// The list of the preview.
pub const PREVIEW: &str = "Aperçu des questions. La liste des questions, par type.";

/// The kiosk's idle question, before its countdown.
pub const IDLE: &str = "Voulez-vous continuer ? Vous n'avez rien touché depuis un moment.";
/// The kiosk's idle question, after its countdown: what to do.
pub const IDLE_ACTIONS: &str = "Pour continuer, touchez le bouton Continuer.";

/// What the welcome screen says of the test's length (`items`: the fewest and the
/// most questions; `minutes`: the time cap), from the session rules so it stays
/// true when they change: the range of questions, and the cap without a timer.
pub fn length_facts(items: (usize, usize), minutes: u64) -> [String; 2] {
    let (min, max) = items;
    [
        format!("Entre {min} et {max}\u{a0}questions. Le test s'arrête dès qu'il en sait assez."),
        format!("Pas de chronomètre. Le test dure {minutes}\u{a0}minutes au plus."),
    ]
}

/// The welcome screen's text (`kiosk`: it says everything is wiped at the end),
/// with the test's length ([`length_facts`]).
pub fn welcome(kiosk: bool, items: (usize, usize), minutes: u64) -> String {
    let [questions, time] = length_facts(items, minutes).map(|f| f.replace('\u{a0}', " "));
    if kiosk {
        format!("{WELCOME} {questions} {time} {WELCOME_SKIP} {WELCOME_KIOSK} {WELCOME_START}")
    } else {
        format!("{WELCOME} {questions} {time} {WELCOME_SKIP} {WELCOME_START}")
    }
}

/// What the idle question says when it opens with `seconds` left. The number
/// starts a phrase of its own (after a line break), so that a short list of
/// clips says every countdown of [`VOICED_COUNTDOWNS`].
pub fn idle(seconds: u32) -> String {
    let unit = if seconds > 1 { "secondes" } else { "seconde" };
    format!("{IDLE} Sans réponse, tout sera effacé dans\n{seconds} {unit}. {IDLE_ACTIONS}")
}

/// The countdowns the recorded voice can say: every second up to a minute, then
/// every ten seconds up to ten minutes (the longest countdown a kiosk takes).
/// Another countdown is shown, and its number is skipped by the recorded voice.
#[allow(dead_code)] // The app says any countdown; `xtask` records these.
pub fn voiced_countdown(seconds: u32) -> bool {
    VOICED_COUNTDOWNS.contains(&seconds) && (seconds <= 60 || seconds.is_multiple_of(10))
}

/// Every countdown [`voiced_countdown`] accepts, smallest first.
#[allow(dead_code)] // Read by `xtask`.
pub const VOICED_COUNTDOWNS: std::ops::RangeInclusive<u32> = 1..=600;

/// Every text of the app that may be read aloud (the bank's aside), for a bank
/// whose tests have `items` questions (fewest, most) and a cap of `minutes`.
#[allow(dead_code)] // Read by `xtask`, which records them.
pub fn all(items: (usize, usize), minutes: u64) -> Vec<String> {
    let mut texts: Vec<String> = [
        RESULT,
        NO_RESULT,
        PRINT,
        TROUBLE,
        NOT_FOUND,
        UNAVAILABLE,
        HAND_BACK,
        PREVIEW,
    ]
    .iter()
    .map(|t| t.to_string())
    .collect();
    texts.push(welcome(false, items, minutes));
    texts.push(welcome(true, items, minutes));
    texts.extend(VOICED_COUNTDOWNS.filter(|&s| voiced_countdown(s)).map(idle));
    texts
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_length_said_is_the_rules() {
        let [q, t] = length_facts((10, 20), 20);
        assert_eq!(
            q,
            "Entre 10 et 20\u{a0}questions. Le test s'arrête dès qu'il en sait assez."
        );
        assert_eq!(
            t,
            "Pas de chronomètre. Le test dure 20\u{a0}minutes au plus."
        );
        let said = welcome(true, (10, 20), 20);
        assert!(said.contains(" Entre 10 et 20 questions. "), "{said}");
        assert!(said
            .ends_with("À la fin, tout est effacé. Pour commencer, touchez le bouton Commencer."));
        assert!(all((10, 20), 20).contains(&said));
    }

    #[test]
    fn the_idle_text_cuts_its_number_into_a_phrase_of_its_own() {
        let text = idle(30);
        assert!(text.contains("dans\n30 secondes."), "{text}");
        assert!(idle(1).contains("dans\n1 seconde."));
        let voiced: Vec<u32> = VOICED_COUNTDOWNS.filter(|&s| voiced_countdown(s)).collect();
        assert_eq!(voiced.len(), 60 + 54);
        assert_eq!(voiced.last(), Some(&600));
        assert!(!voiced_countdown(61) && !voiced_countdown(0) && voiced_countdown(90));
    }
}
