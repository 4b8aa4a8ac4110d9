//! Every route of the app, declared in one place.
//!
//! Two levels:
//! - an [`Area`] is a part of the app with its own URL path ([`PATHS`]), served by
//!   one of the two bundles ([`Bundle`]);
//! - a [`Screen`] is a step inside the self-test. Screens are deliberately *not*
//!   URLs: moving from one question to the next adds no history entry, so on a
//!   shared kiosk the back button can never bring back the previous person's
//!   screens, and a reload resumes from the session kept in `sessionStorage`.

/// A part of the app, chosen by the URL path when the page loads.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Area {
    /// `/`: the self-test (kiosk or personal device).
    SelfTest,
    /// `/apercu`: every item of the bank, one at a time (`?item=<id>`), with the
    /// response it produces and its score, for item authors and the browser tests.
    Preview,
    /// `/connexion`: staff login, then the home of the account's role.
    Login,
    /// `/agent`: the post office agent's screening (after login).
    Agent,
    /// `/mediateur` (or `/formateur`): the mediator's profiles, exports and
    /// sessions (after login).
    Mediator,
    /// `/borne`: installing this device as a kiosk of a structure (pairing with
    /// the kiosk's code), or uninstalling it.
    Pairing,
    /// `/admin`: the structure's accounts and kiosks (admins, after login).
    Admin,
    /// Any other path: a calm "page not found" with a way back.
    NotFound,
}

/// Every path of the app and its area (a trailing `/` is ignored). Any other path
/// is [`Area::NotFound`].
pub const PATHS: &[(&str, Area)] = &[
    ("", Area::SelfTest),
    ("/index.html", Area::SelfTest),
    ("/apercu", Area::Preview),
    ("/borne", Area::Pairing),
    ("/connexion", Area::Login),
    ("/agent", Area::Agent),
    ("/mediateur", Area::Mediator),
    ("/formateur", Area::Mediator),
    ("/admin", Area::Admin),
];

/// The two builds of the app (two wasm files). A page loads only the bundle of its
/// path: the server answers staff paths with `staff.html`, every other path with
/// `index.html`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Bundle {
    /// `index.html`, binary `repere-app`: what a kiosk or a person's phone loads
    /// (the self-test, the preview, "page not found"). It holds no staff code.
    SelfTest,
    /// `staff.html`, binary `repere-staff`: the staff screens (login, agent,
    /// mediator, admin) and the kiosk installation (`/borne`, done once per
    /// device by whoever installs it; uninstalling takes an admin's login).
    Staff,
}

impl Area {
    /// The area a path opens.
    pub fn from_path(path: &str) -> Area {
        let path = path.trim_end_matches('/');
        PATHS
            .iter()
            .find(|(p, _)| *p == path)
            .map_or(Area::NotFound, |(_, area)| *area)
    }

    /// The bundle that draws this area.
    pub fn bundle(self) -> Bundle {
        match self {
            Area::Login | Area::Agent | Area::Mediator | Area::Admin | Area::Pairing => {
                Bundle::Staff
            }
            Area::SelfTest | Area::Preview | Area::NotFound => Bundle::SelfTest,
        }
    }
}

/// The paths the staff bundle serves, as `staff.html` lists them for the server
/// and the service worker (`<meta name="repere-staff-paths">`, space-separated).
pub fn staff_paths() -> Vec<&'static str> {
    PATHS
        .iter()
        .filter(|(_, area)| area.bundle() == Bundle::Staff)
        .map(|(path, _)| *path)
        .collect()
}

/// A step of the self-test (kept in `sessionStorage` so a reload resumes it).
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum Screen {
    /// What will happen, « Commencer », and the comfort settings.
    Welcome,
    /// Context question number `n` of the context file (0-based: equipment,
    /// phone, e-mail, goals, sight), never scored.
    Context(usize),
    /// One question of the adaptive test.
    Question,
    /// The result: levels per domain, orientation, result code.
    Result,
    /// The result laid out for printing on A4.
    Print,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_to_areas() {
        assert_eq!(Area::from_path("/"), Area::SelfTest);
        assert_eq!(Area::from_path(""), Area::SelfTest);
        assert_eq!(Area::from_path("/index.html"), Area::SelfTest);
        assert_eq!(Area::from_path("/apercu"), Area::Preview);
        assert_eq!(Area::from_path("/apercu/"), Area::Preview);
        assert_eq!(Area::from_path("/connexion"), Area::Login);
        assert_eq!(Area::from_path("/agent"), Area::Agent);
        assert_eq!(Area::from_path("/agent/"), Area::Agent);
        assert_eq!(Area::from_path("/admin"), Area::Admin);
        assert_eq!(Area::from_path("/admin/"), Area::Admin);
        assert_eq!(Area::from_path("/mediateur"), Area::Mediator);
        assert_eq!(Area::from_path("/formateur"), Area::Mediator);
        assert_eq!(Area::from_path("/borne"), Area::Pairing);
        assert_eq!(Area::from_path("/borne/"), Area::Pairing);
        assert_eq!(Area::from_path("/nimporte-quoi"), Area::NotFound);
        assert_eq!(Area::from_path("/agent/x"), Area::NotFound);
    }

    #[test]
    fn staff_areas_are_the_staff_bundle() {
        assert_eq!(
            staff_paths(),
            [
                "/borne",
                "/connexion",
                "/agent",
                "/mediateur",
                "/formateur",
                "/admin"
            ]
        );
        for (path, area) in PATHS {
            assert_eq!(Area::from_path(path), *area, "{path}");
        }
        assert_eq!(Area::NotFound.bundle(), Bundle::SelfTest);
    }

    /// `staff.html` tells the server and the service worker which paths it serves:
    /// the list must be the one above.
    #[test]
    fn staff_page_lists_the_staff_paths() {
        let html = include_str!("../staff.html");
        let marker = r#"<meta name="repere-staff-paths" content=""#;
        let start = html.find(marker).map(|i| i + marker.len());
        let listed = start.and_then(|s| html[s..].find('"').map(|e| &html[s..s + e]));
        assert_eq!(
            listed.map(|l| l.split_whitespace().collect::<Vec<_>>()),
            Some(staff_paths()),
            "staff.html must list the staff paths of routes.rs"
        );
    }
}
