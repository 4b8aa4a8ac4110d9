//! The phone system the simulated screens imitate: Android or iPhone, from the
//! person's answer to « Quel smartphone avez-vous ? » (context question `phone`),
//! or a neutral phone when the answer is unknown or not given.
//!
//! Only the look changes: colours, icons, the place of the buttons, the names of
//! the system's own apps and screens (« Réglages » on an iPhone, « Paramètres » on
//! Android). What the person acts on keeps its name on every system: the
//! elements of the item's data (switches, fields, results, messages) and the
//! simulation's own buttons (« Répondre », « Joindre un fichier », « Envoyer »…),
//! so that the task, its scoring and the trainers' reports are the same
//! everywhere. The answer is kept in the log with the other context answers;
//! neither the estimate nor the scoring reads it.

/// A phone system's look.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum Look {
    /// Neither system: the person does not know, has no smartphone, or did not say.
    #[default]
    Neutral,
    /// Android (Material Design, as on most phones sold in France in 2025–2026).
    Android,
    /// iPhone (iOS).
    Ios,
}

/// The context question whose answer chooses the look.
pub const PHONE_QUESTION: &str = "phone";

impl Look {
    /// The look for the context answers given (`question:answer` strings).
    pub fn from_context(answers: &[String]) -> Look {
        let given = |a: &str| {
            answers
                .iter()
                .any(|x| *x == format!("{PHONE_QUESTION}:{a}"))
        };
        if given("android") {
            Look::Android
        } else if given("iphone") {
            Look::Ios
        } else {
            Look::Neutral
        }
    }

    /// The look named in the preview's address (`?systeme=android|iphone|neutre`).
    pub fn from_name(name: &str) -> Option<Look> {
        match name {
            "android" => Some(Look::Android),
            "iphone" | "ios" => Some(Look::Ios),
            "neutre" => Some(Look::Neutral),
            _ => None,
        }
    }

    /// The CSS class of a simulated screen in this look.
    pub fn class(self) -> &'static str {
        match self {
            Look::Neutral => "look-neutral",
            Look::Android => "look-android",
            Look::Ios => "look-ios",
        }
    }

    /// The system's settings app.
    pub fn settings_app(self) -> &'static str {
        match self {
            Look::Android => "Paramètres",
            Look::Neutral | Look::Ios => "Réglages",
        }
    }

    /// The title of a settings screen: the settings app's own name follows the
    /// system (an item written « Réglages » reads « Paramètres » on Android); a
    /// screen of its own (« Son ») keeps its title.
    pub fn settings_title(self, title: &str) -> String {
        let title = title.trim();
        if ["Réglages", "Paramètres"]
            .iter()
            .any(|g| g.eq_ignore_ascii_case(title))
        {
            self.settings_app().to_string()
        } else {
            title.to_string()
        }
    }

    /// The heading of the Wi-Fi networks list.
    pub fn networks_heading(self) -> &'static str {
        match self {
            Look::Ios => "Réseaux",
            Look::Neutral | Look::Android => "Réseaux disponibles",
        }
    }

    /// The system's text messages app.
    pub fn messages_app(self) -> &'static str {
        "Messages"
    }

    /// The mail app.
    pub fn mail_app(self) -> &'static str {
        match self {
            Look::Ios => "Mail",
            Look::Neutral | Look::Android => "Messagerie",
        }
    }

    /// The web browser.
    pub fn browser(self) -> &'static str {
        "Navigateur"
    }

    /// What an SMS is called above its first bubble.
    pub fn sms_label(self) -> &'static str {
        match self {
            Look::Ios => "Message texte",
            Look::Neutral | Look::Android => "SMS",
        }
    }

    /// The placeholder of the (decorative) field where one would type an answer.
    pub fn sms_field(self) -> &'static str {
        match self {
            Look::Ios => "Message texte",
            Look::Neutral | Look::Android => "Message SMS",
        }
    }

    /// The heading of the file picker.
    pub fn picker_title(self) -> &'static str {
        match self {
            Look::Ios => "Récents",
            Look::Neutral | Look::Android => "Choisir un fichier",
        }
    }
}

/// The first letter of a name, for a contact's round picture (« Léa Durand » →
/// « L »; a number or a sign gives none). Shown in capitals by the style sheet
/// (`text-transform`: no case tables in the wasm).
pub fn initial(name: &str) -> Option<char> {
    name.chars()
        .find(|c| c.is_alphanumeric())
        .filter(|c| c.is_alphabetic())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_phone_answer_chooses_the_look() {
        let keys = |v: &[&str]| v.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        assert_eq!(
            Look::from_context(&keys(&["equipment:smartphone", "phone:android"])),
            Look::Android
        );
        assert_eq!(Look::from_context(&keys(&["phone:iphone"])), Look::Ios);
        assert_eq!(Look::from_context(&keys(&["phone:unknown"])), Look::Neutral);
        assert_eq!(Look::from_context(&keys(&["phone:none"])), Look::Neutral);
        assert_eq!(
            Look::from_context(&keys(&["equipment:none"])),
            Look::Neutral
        );
        assert_eq!(Look::from_context(&[]), Look::Neutral);
        assert_eq!(Look::from_name("iphone"), Some(Look::Ios));
        assert_eq!(Look::from_name("windows"), None);
    }

    #[test]
    fn the_settings_app_has_the_name_of_the_system() {
        assert_eq!(Look::Android.settings_title("Réglages"), "Paramètres");
        assert_eq!(Look::Ios.settings_title("Paramètres"), "Réglages");
        assert_eq!(Look::Neutral.settings_title("Réglages"), "Réglages");
        assert_eq!(Look::Android.settings_title("Son"), "Son");
        assert_eq!(Look::Ios.settings_title(" paramètres "), "Réglages");
    }

    #[test]
    fn initials_of_senders() {
        assert_eq!(initial("Léa Durand"), Some('L'));
        assert_eq!(initial("élise"), Some('é'));
        assert_eq!(initial("+33 6 39 98 24 09"), None);
        assert_eq!(initial("36179"), None);
    }
}
