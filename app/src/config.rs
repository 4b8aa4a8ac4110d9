//! How this copy of the app runs, read once when it starts: on a personal device
//! (a person's phone), on the agent's tablet for a screening, or on a shared kiosk.
//!
//! Kiosk mode comes from the URL (`?mode=kiosk`) or from the server, which injects
//! `<meta name="repere-mode" content="kiosk">` into `index.html` for a browser paired
//! with a kiosk (`/borne`). Agent mode comes from the link the agent's screen opens,
//! `?mode=agent&screening=<id>`: the finished test goes to that screening. Kiosk
//! mode wins over agent mode (a shared device always wipes). In kiosk
//! mode, the idle delays can be shortened for tests and demonstrations:
//! `?idle=N` (seconds without a touch before the question « Voulez-vous
//! continuer ? », default 90) and `?countdown=N` (seconds of that question before
//! everything is wiped, default 30). Outside kiosk mode they are ignored.

/// Seconds without a touch, click or key before the kiosk asks whether the person
/// is still there.
pub const DEFAULT_IDLE_SECS: u32 = 90;
/// Seconds the kiosk waits for an answer to that question before wiping everything.
pub const DEFAULT_COUNTDOWN_SECS: u32 = 30;

/// The query parameters kept in the start URL of a kiosk (so a reset returns to the
/// same kiosk set-up).
const KEPT_PARAMS: [&str; 3] = ["mode", "idle", "countdown"];

/// The set-up of this copy of the app.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Config {
    /// A shared kiosk: idle check, and a full wipe at the end of each person's visit.
    pub kiosk: bool,
    /// Seconds without activity before the idle question (kiosk only).
    pub idle_secs: u32,
    /// Seconds of the idle question's countdown (kiosk only).
    pub countdown_secs: u32,
    /// Where a kiosk reset goes back to: the path with the kiosk parameters only.
    pub start_url: String,
    /// Agent mode: the id of the screening the test belongs to.
    pub screening: Option<String>,
    /// Days the server keeps a result (`<meta name="repere-retention-days">`,
    /// injected by the server), said before a test; `None` when the page does
    /// not say.
    pub retention_days: Option<u32>,
}

/// Longest screening id accepted from the URL (the server's have 32 characters).
const MAX_SCREENING_CHARS: usize = 64;

/// A screening id as the URL gives it, if it looks like one (letters, digits, `-`
/// and `_` only, so it can go into a path as it is).
fn screening_id(raw: &str) -> Option<String> {
    let ok = !raw.is_empty()
        && raw.len() <= MAX_SCREENING_CHARS
        && raw
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
    ok.then(|| raw.to_string())
}

impl Config {
    /// The configuration for a page at `pathname` with query string `search`
    /// (with or without its `?`), and the content of the `repere-mode` meta tag if
    /// the deployment injected one. Pure, so it is tested natively.
    pub fn from_parts(pathname: &str, search: &str, meta_mode: Option<&str>) -> Config {
        let params = parse_query(search);
        let param = |name: &str| {
            params
                .iter()
                .find(|(k, _)| k == name)
                .map(|(_, v)| v.as_str())
        };
        let kiosk = param("mode") == Some("kiosk") || meta_mode.map(str::trim) == Some("kiosk");
        let seconds = |name: &str, default: u32, max: u32| {
            if !kiosk {
                return default;
            }
            param(name)
                .and_then(|v| v.parse::<u32>().ok())
                .filter(|n| (1..=max).contains(n))
                .unwrap_or(default)
        };
        let kept: Vec<String> = params
            .iter()
            .filter(|(k, _)| KEPT_PARAMS.contains(&k.as_str()))
            .map(|(k, v)| format!("{k}={v}"))
            .collect();
        let path = if pathname.starts_with('/') {
            pathname
        } else {
            "/"
        };
        let start_url = if kept.is_empty() {
            path.to_string()
        } else {
            format!("{path}?{}", kept.join("&"))
        };
        let screening = if kiosk || param("mode") != Some("agent") {
            None
        } else {
            param("screening").and_then(screening_id)
        };
        Config {
            kiosk,
            idle_secs: seconds("idle", DEFAULT_IDLE_SECS, 3600),
            countdown_secs: seconds("countdown", DEFAULT_COUNTDOWN_SECS, 600),
            start_url,
            screening,
            retention_days: None,
        }
    }

    /// The screening of agent mode, if this copy runs one.
    pub fn screening(&self) -> Option<&str> {
        self.screening.as_deref()
    }

    /// The configuration of the page the browser is showing.
    pub fn from_browser() -> Config {
        let location = leptos::prelude::location();
        let pathname = location.pathname().unwrap_or_else(|_| "/".into());
        let search = location.search().unwrap_or_default();
        let meta = leptos::prelude::document()
            .query_selector("meta[name=\"repere-mode\"]")
            .ok()
            .flatten()
            .and_then(|m| m.get_attribute("content"));
        let retention = leptos::prelude::document()
            .query_selector("meta[name=\"repere-retention-days\"]")
            .ok()
            .flatten()
            .and_then(|m| m.get_attribute("content"))
            .and_then(|v| v.trim().parse::<u32>().ok())
            .filter(|d| *d > 0);
        Config {
            retention_days: retention,
            ..Config::from_parts(&pathname, &search, meta.as_deref())
        }
    }
}

/// The value of parameter `name` in the query string `search`.
pub fn query_param(search: &str, name: &str) -> Option<String> {
    parse_query(search)
        .into_iter()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v)
}

/// `a=1&b=2` (leading `?` allowed) as pairs, in order. Values are kept raw: the
/// parameters the app reads are plain words and numbers.
fn parse_query(search: &str) -> Vec<(String, String)> {
    search
        .trim_start_matches('?')
        .split('&')
        .filter(|p| !p.is_empty())
        .map(|p| match p.split_once('=') {
            Some((k, v)) => (k.to_string(), v.to_string()),
            None => (p.to_string(), String::new()),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn personal_device_by_default() {
        let c = Config::from_parts("/", "", None);
        assert!(!c.kiosk);
        assert_eq!(c.idle_secs, 90);
        assert_eq!(c.countdown_secs, 30);
        assert_eq!(c.start_url, "/");
    }

    #[test]
    fn kiosk_from_the_url_with_test_delays() {
        let c = Config::from_parts("/", "?mode=kiosk&idle=3&countdown=5&x=secret", None);
        assert!(c.kiosk);
        assert_eq!(c.idle_secs, 3);
        assert_eq!(c.countdown_secs, 5);
        // Anything else of the URL is dropped from the start URL.
        assert_eq!(c.start_url, "/?mode=kiosk&idle=3&countdown=5");
    }

    #[test]
    fn kiosk_from_the_meta_tag() {
        let c = Config::from_parts("/", "", Some(" kiosk "));
        assert!(c.kiosk);
        assert_eq!(c.start_url, "/");
    }

    #[test]
    fn agent_mode_needs_a_well_formed_screening() {
        let c = Config::from_parts("/", "?mode=agent&screening=0123abcdEF_-9", None);
        assert!(!c.kiosk);
        assert_eq!(c.screening(), Some("0123abcdEF_-9"));
        assert_eq!(Config::from_parts("/", "?mode=agent", None).screening, None);
        assert_eq!(
            Config::from_parts("/", "?mode=agent&screening=a/b", None).screening,
            None
        );
        assert_eq!(
            Config::from_parts("/", "?mode=agent&screening=a%2Fb", None).screening,
            None
        );
        let long = format!("?mode=agent&screening={}", "a".repeat(65));
        assert_eq!(Config::from_parts("/", &long, None).screening, None);
        // Without `mode=agent`, a screening parameter means nothing.
        assert_eq!(
            Config::from_parts("/", "?screening=abc", None).screening,
            None
        );
    }

    #[test]
    fn kiosk_mode_wins_over_agent_mode() {
        let c = Config::from_parts("/", "?mode=agent&screening=abc", Some("kiosk"));
        assert!(c.kiosk);
        assert_eq!(c.screening, None);
    }

    #[test]
    fn delays_are_ignored_outside_kiosk_mode_and_checked_inside() {
        assert_eq!(Config::from_parts("/", "?idle=3", None).idle_secs, 90);
        assert_eq!(
            Config::from_parts("/", "?mode=kiosk&idle=0", None).idle_secs,
            90
        );
        assert_eq!(
            Config::from_parts("/", "?mode=kiosk&idle=abc", None).idle_secs,
            90
        );
        assert_eq!(
            Config::from_parts("/", "?mode=kiosk&idle=-4", None).idle_secs,
            90
        );
        assert_eq!(
            Config::from_parts("/", "?mode=kiosk&countdown=99999", None).countdown_secs,
            30
        );
    }
}
