//! Every route of the app, declared in one place.
//!
//! Two levels:
//! - an [`Area`] is a part of the app with its own URL path (the self-test today;
//!   the agent's and the trainer's screens will be added here);
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

impl Area {
    /// The area a path opens.
    pub fn from_path(path: &str) -> Area {
        match path.trim_end_matches('/') {
            "" | "/index.html" => Area::SelfTest,
            "/apercu" => Area::Preview,
            "/connexion" => Area::Login,
            "/agent" => Area::Agent,
            "/admin" => Area::Admin,
            "/mediateur" | "/formateur" => Area::Mediator,
            "/borne" => Area::Pairing,
            _ => Area::NotFound,
        }
    }
}

/// A step of the self-test (kept in `sessionStorage` so a reload resumes it).
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum Screen {
    /// What will happen, « Commencer », and the comfort settings.
    Welcome,
    /// Context question number `n` (0-based: equipment, e-mail, goals), never
    /// scored.
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
    }
}
