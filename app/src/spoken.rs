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
/// The welcome screen: one may always skip.
pub const WELCOME_SKIP: &str = "Vous pouvez toujours répondre : je ne sais pas.";
/// The heading of what is kept of the test.
pub const KEPT: &str = "Ce qui est gardé.";
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

/// The device a test runs on, for what is said of what is kept.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Device {
    /// A kiosk of a structure (anonymous, wiped at the end).
    Kiosk,
    /// An agent's tablet, handed to the person.
    Agent,
    /// The person's own device.
    Own,
}

/// How long the server keeps a result, in words (« 12 mois », « 2 ans », « 90
/// jours »).
pub fn kept_for(days: u32) -> String {
    if days.is_multiple_of(365) {
        let years = days / 365;
        if years == 1 {
            "12\u{a0}mois".into()
        } else {
            format!("{years}\u{a0}ans")
        }
    } else if days.is_multiple_of(30) {
        format!("{}\u{a0}mois", days / 30)
    } else {
        format!("{days}\u{a0}jours")
    }
}

/// What is kept of the test, for whom, how long (`retention_days`: the server's
/// retention, when the page says it) and what is wiped: one short sentence each,
/// true for the device.
pub fn privacy(device: Device, retention_days: Option<u32>) -> Vec<String> {
    let how_long = match retention_days {
        Some(d) => format!("Il est effacé au bout de {}.", kept_for(d)),
        None => "Il est effacé après un temps limité.".into(),
    };
    let lines: [&str; 4] = match device {
        Device::Agent => [
            "Votre prénom est noté seulement si vous êtes d'accord.",
            "Votre résultat est gardé par cette structure, avec un code.",
            "L'agent et les médiateurs de la structure peuvent le lire.",
            "Sur la tablette, le test est effacé quand vous la rendez.",
        ],
        Device::Kiosk => [
            "Le test est anonyme\u{a0}: on ne vous demande pas votre nom.",
            "À la fin, votre résultat est envoyé à la structure de cette borne, avec un code.",
            "Ses médiateurs peuvent le lire, pour vous orienter.",
            "Sur la borne, tout est effacé à la fin\u{a0}: vos réponses et votre résultat.",
        ],
        Device::Own => [
            "Le test est anonyme\u{a0}: on ne vous demande pas votre nom.",
            "À la fin, votre résultat est envoyé au serveur, avec un code.",
            "Un médiateur peut le lire si vous lui donnez ce code.",
            "Sur cet appareil, le test est effacé quand vous touchez «\u{a0}Terminer\u{a0}».",
        ],
    };
    let mut out: Vec<String> = lines[..3].iter().map(|l| l.to_string()).collect();
    out.push(how_long);
    out.push(lines[3].to_string());
    out
}

/// The retentions whose sentence the recorded voice can say: 1 to 24 months and
/// 1 to 5 years (the server keeps results 12 months unless told otherwise).
/// Another retention is shown, and its sentence skipped by the recorded voice.
#[allow(dead_code)] // Read by `xtask`.
pub fn voiced_retentions() -> Vec<Option<u32>> {
    let mut out = vec![None];
    out.extend((1..=24).map(|m| Some(m * 30)));
    out.extend((1..=5).map(|y| Some(y * 365)));
    out
}

/// The welcome screen's text on `device`: what it is, how long (see
/// [`length_facts`]: `items`, the fewest and the most questions; `minutes`, the
/// time cap), what is kept (see [`privacy`], with the server's `retention_days`),
/// how to start.
pub fn welcome(
    device: Device,
    retention_days: Option<u32>,
    items: (usize, usize),
    minutes: u64,
) -> String {
    // Said with plain spaces, as written in the screen's words.
    let [questions, time] = length_facts(items, minutes).map(|f| f.replace('\u{a0}', " "));
    let mut text = format!("{WELCOME} {questions} {time} {WELCOME_SKIP} {KEPT}");
    for p in privacy(device, retention_days) {
        text.push(' ');
        text.push_str(&p);
    }
    text.push(' ');
    text.push_str(WELCOME_START);
    text
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
/// whose tests have `items` questions (fewest, most) and a cap of `minutes`: the
/// welcome of every device with every retention the voice says.
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
    for device in [Device::Kiosk, Device::Agent, Device::Own] {
        for retention in voiced_retentions() {
            texts.push(welcome(device, retention, items, minutes));
        }
    }
    texts.extend(VOICED_COUNTDOWNS.filter(|&s| voiced_countdown(s)).map(idle));
    texts
}

#[cfg(test)]
mod tests {
    use super::*;

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
        let said = welcome(Device::Kiosk, Some(365), (10, 20), 20);
        assert!(said.contains(" Entre 10 et 20 questions. "), "{said}");
        assert!(said.ends_with(
            "Sur la borne, tout est effacé à la fin\u{a0}: vos réponses et votre résultat. \
             Pour commencer, touchez le bouton Commencer."
        ));
        assert!(all((10, 20), 20).contains(&said));
    }

    #[test]
    fn what_is_kept_is_said_for_each_device() {
        assert_eq!(kept_for(365), "12\u{a0}mois");
        assert_eq!(kept_for(730), "2\u{a0}ans");
        assert_eq!(kept_for(180), "6\u{a0}mois");
        assert_eq!(kept_for(45), "45\u{a0}jours");
        let kiosk = privacy(Device::Kiosk, Some(365));
        assert_eq!(kiosk.len(), 5);
        assert_eq!(kiosk[3], "Il est effacé au bout de 12\u{a0}mois.");
        assert!(kiosk[1].contains("envoyé à la structure de cette borne"));
        assert!(kiosk[4].starts_with("Sur la borne, tout est effacé à la fin"));
        let agent = privacy(Device::Agent, None);
        assert_eq!(agent[3], "Il est effacé après un temps limité.");
        assert!(agent[0].contains("prénom"));
        let own = privacy(Device::Own, Some(90));
        assert_eq!(own[3], "Il est effacé au bout de 3\u{a0}mois.");
        // The welcome's text says all of it, in order, between the length and
        // how to start.
        let text = welcome(Device::Kiosk, Some(365), (10, 20), 20);
        let at = |s: &str| {
            text.find(s)
                .unwrap_or_else(|| panic!("« {s} » in « {text} »"))
        };
        assert!(at("Entre 10 et 20") < at(KEPT));
        assert!(at(KEPT) < at(&kiosk[0]) && at(&kiosk[4]) < at(WELCOME_START));
        // Every retention the voice can say is in the texts recorded.
        let all = all((10, 20), 20);
        assert!(all.iter().any(|t| t.contains("au bout de 12\u{a0}mois.")));
        assert!(all.iter().any(|t| t.contains("au bout de 24\u{a0}mois.")));
        assert!(all.iter().any(|t| t.contains("au bout de 5\u{a0}ans.")));
        assert!(!all.iter().any(|t| t.contains("jours.")));
    }
}
