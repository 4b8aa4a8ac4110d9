//! Kiosk identity against the real server: pairing a browser with a registered
//! kiosk (cookie flags, wrong codes, rate limit, unpairing), results attributed to
//! the kiosk's structure through the cookie, a removed kiosk's cookie (result kept
//! as anonymous, cookie cleared), and the app page in kiosk mode for a paired
//! browser only, with the cache headers that keep devices apart.

use repere_e2e::{stats, submission, uuid, Client, Org, Resp, Server, PASSWORD};
use serde_json::{json, Value};

const META: &str = r#"<meta name="repere-mode" content="kiosk">"#;

/// Every `Set-Cookie` header of an answer.
fn set_cookies(r: &Resp) -> Vec<String> {
    r.headers
        .iter()
        .filter(|(k, _)| k == "set-cookie")
        .map(|(_, v)| v.clone())
        .collect()
}

/// The one `Set-Cookie` of the kiosk cookie in an answer (panics if not exactly one).
fn kiosk_set_cookie(r: &Resp) -> String {
    let all: Vec<String> = set_cookies(r)
        .into_iter()
        .filter(|c| c.starts_with("repere_kiosk="))
        .collect();
    assert_eq!(all.len(), 1, "one kiosk Set-Cookie: {all:?}");
    all[0].clone()
}

/// The attributes of a `Set-Cookie` value, lowercased names.
fn attributes(cookie: &str) -> Vec<String> {
    cookie
        .split(';')
        .skip(1)
        .map(|a| a.trim().to_string())
        .collect()
}

fn pair(c: &mut Client, token: &str, extra: &[(&str, &str)]) -> Resp {
    let body = serde_json::to_vec(&json!({ "token": token })).expect("json");
    let mut headers = vec![("Content-Type", "application/json")];
    headers.extend_from_slice(extra);
    c.request("POST", "/api/kiosk/pair", Some(&body), &headers, false)
}

fn with_cookie(
    c: &mut Client,
    method: &str,
    path: &str,
    body: Option<&Value>,
    token: &str,
) -> Resp {
    let cookie = format!("repere_kiosk={token}");
    let bytes = body.map(|b| serde_json::to_vec(b).expect("json"));
    c.request(
        method,
        path,
        bytes.as_deref(),
        &[("Content-Type", "application/json"), ("Cookie", &cookie)],
        false,
    )
}

#[test]
fn pairing_sets_a_lasting_http_only_cookie_and_unpairing_clears_it() {
    let server = Server::start(&[]);
    let org = Org::create(&server, "p", "Médiathèque de Tulle");
    let mut c = server.client();

    // Before pairing: not a kiosk.
    let r = c.get("/api/kiosk");
    assert_eq!(r.status, 200, "{}", r.text());
    assert_eq!(r.json(), json!({ "paired": false }));

    // The code as people copy it, with spaces around.
    let r = pair(&mut c, &format!("  {} \n", org.kiosk_token), &[]);
    assert_eq!(r.status, 204, "{}", r.text());
    let cookie = kiosk_set_cookie(&r);
    assert!(
        cookie.starts_with(&format!("repere_kiosk={};", org.kiosk_token)),
        "{cookie}"
    );
    let attrs = attributes(&cookie);
    for a in ["HttpOnly", "SameSite=Strict", "Path=/"] {
        assert!(attrs.iter().any(|x| x == a), "{a} in {cookie}");
    }
    assert!(
        !attrs.iter().any(|x| x == "Secure"),
        "no Secure without --secure-cookies"
    );
    let max_age: i64 = attrs
        .iter()
        .find_map(|a| a.strip_prefix("Max-Age="))
        .and_then(|v| v.parse().ok())
        .expect("Max-Age");
    assert!(max_age >= 3 * 365 * 86_400, "several years: {max_age} s");

    // With the cookie: paired, with the structure's name.
    let r = with_cookie(&mut c, "GET", "/api/kiosk", None, &org.kiosk_token);
    assert_eq!(r.status, 200);
    let v = r.json();
    assert_eq!(v["paired"], true);
    assert_eq!(v["structure"]["name"], "Médiathèque de Tulle");
    assert_eq!(v["structure"]["id"], org.id);
    assert_eq!(v["kiosk"]["name"], "Borne");

    // Unpairing clears the cookie.
    let r = with_cookie(
        &mut c,
        "POST",
        "/api/kiosk/unpair",
        Some(&json!({})),
        &org.kiosk_token,
    );
    assert_eq!(r.status, 204, "{}", r.text());
    let cleared = kiosk_set_cookie(&r);
    assert!(cleared.starts_with("repere_kiosk=;"), "{cleared}");
    assert!(
        attributes(&cleared).iter().any(|a| a == "Max-Age=0"),
        "{cleared}"
    );
    assert!(attributes(&cleared).iter().any(|a| a == "HttpOnly"));
}

#[test]
fn secure_cookies_mark_the_kiosk_cookie_secure() {
    let server = Server::start(&["--secure-cookies"]);
    let org = Org::create(&server, "s", "Maison France services d'Ussel");
    let mut c = server.client();
    let r = pair(&mut c, &org.kiosk_token, &[]);
    assert_eq!(r.status, 204, "{}", r.text());
    assert!(attributes(&kiosk_set_cookie(&r))
        .iter()
        .any(|a| a == "Secure"));
    let r = with_cookie(
        &mut c,
        "POST",
        "/api/kiosk/unpair",
        Some(&json!({})),
        &org.kiosk_token,
    );
    assert!(attributes(&kiosk_set_cookie(&r))
        .iter()
        .any(|a| a == "Secure"));
}

#[test]
fn wrong_codes_are_refused_and_limited_per_address() {
    let server = Server::start(&[]);
    let org = Org::create(&server, "w", "Bureau de poste de Felletin");
    let mut c = server.client();

    // A wrong code: 401 in words, no cookie.
    let r = pair(&mut c, "pas-le-bon-code", &[]);
    assert_eq!(r.status, 401, "{}", r.text());
    assert_eq!(r.json()["code"], "bad_kiosk_code");
    assert!(r.error().contains("n'est pas valide"), "{}", r.error());
    assert!(set_cookies(&r).is_empty());

    // Malformed requests: an empty code counts as wrong; a bad shape says where.
    assert_eq!(pair(&mut c, "   ", &[]).status, 401);
    let r = c.request(
        "POST",
        "/api/kiosk/pair",
        Some(b"{\"token\": "),
        &[("Content-Type", "application/json")],
        false,
    );
    assert_eq!(r.status, 400, "{}", r.text());
    assert!(r.error().contains("ligne 1"), "{}", r.error());
    let r = c.request(
        "POST",
        "/api/kiosk/pair",
        Some(br#"{"jeton": "x"}"#),
        &[("Content-Type", "application/json")],
        false,
    );
    assert_eq!(r.status, 422, "{}", r.text());

    // From another site: refused before the code is even looked at.
    let r = pair(
        &mut c,
        &org.kiosk_token,
        &[("Origin", "http://autre-site.example")],
    );
    assert_eq!(r.status, 403, "{}", r.text());
    assert!(set_cookies(&r).is_empty());

    // Ten failures in all (two above), then every attempt waits, the right code too.
    for i in 2..10 {
        let r = pair(&mut c, &format!("mauvais-{i}"), &[]);
        assert_eq!(r.status, 401, "attempt {i}: {}", r.text());
    }
    let r = pair(&mut c, &org.kiosk_token, &[]);
    assert_eq!(r.status, 429, "{}", r.text());
    assert!(r.error().contains("Trop de codes"), "{}", r.error());
    let wait: u64 = r
        .header("retry-after")
        .and_then(|v| v.parse().ok())
        .expect("Retry-After");
    assert!((1..=900).contains(&wait), "Retry-After {wait}");
    assert!(set_cookies(&r).is_empty(), "no cookie while blocked");

    // The app page still works for that address, and the limit is only for pairing.
    assert_eq!(c.get("/").status, 200);
    let r = c.request(
        "POST",
        "/api/results",
        Some(&serde_json::to_vec(&submission(&uuid())).expect("json")),
        &[("Content-Type", "application/json")],
        false,
    );
    assert_eq!(r.status, 201, "{}", r.text());
}

#[test]
fn results_sent_with_the_cookie_belong_to_the_kiosks_structure() {
    let server = Server::start(&[]);
    let org = Org::create(&server, "r", "Espace numérique d'Égletons");
    let other = Org::create(&server, "o", "Bureau de poste de Meymac");
    let mut c = server.client();
    assert_eq!(pair(&mut c, &org.kiosk_token, &[]).status, 204);

    let body = submission(&uuid());
    let r = with_cookie(
        &mut c,
        "POST",
        "/api/results",
        Some(&body),
        &org.kiosk_token,
    );
    assert_eq!(r.status, 201, "{}", r.text());
    let v = r.json();
    assert_eq!(v["source"], "kiosk");
    assert_eq!(v["attached"], true);
    assert!(set_cookies(&r).is_empty(), "a valid cookie is left alone");
    let code = v["code"].as_str().expect("code").to_string();

    // The structure's trainer sees it; another structure's does not.
    let mut trainer = Client::logged_in(&server.base, &org.trainer, PASSWORD);
    let list = trainer.get("/api/profiles").json();
    let codes: Vec<&str> = list["profiles"]
        .as_array()
        .expect("profiles")
        .iter()
        .filter_map(|p| p["code"].as_str())
        .collect();
    assert_eq!(codes, vec![code.as_str()]);
    assert_eq!(list["profiles"][0]["source"], "kiosk");
    let mut stranger = Client::logged_in(&server.base, &other.trainer, PASSWORD);
    assert_eq!(stranger.get("/api/profiles").json()["count"], 0);

    // The header still wins over the cookie: another kiosk's token.
    let r = c.request(
        "POST",
        "/api/results",
        Some(&serde_json::to_vec(&submission(&uuid())).expect("json")),
        &[
            ("Content-Type", "application/json"),
            ("Cookie", &format!("repere_kiosk={}", org.kiosk_token)),
            ("X-Kiosk-Token", &other.kiosk_token),
        ],
        false,
    );
    assert_eq!(r.status, 201, "{}", r.text());
    assert_eq!(stranger.get("/api/profiles").json()["count"], 1);
    assert_eq!(stats(&server.data)["results"], 2);
}

#[test]
fn a_removed_kiosks_cookie_keeps_the_result_as_anonymous_and_is_cleared() {
    let server = Server::start(&[]);
    let org = Org::create(&server, "d", "Bureau de poste de Bort-les-Orgues");
    let mut c = server.client();
    assert_eq!(pair(&mut c, &org.kiosk_token, &[]).status, 204);

    // The admin removes the kiosk.
    let mut admin = Client::logged_in(&server.base, &org.admin, PASSWORD);
    let id = admin.get("/api/admin/kiosks").json()["kiosks"][0]["id"]
        .as_u64()
        .expect("kiosk id");
    assert_eq!(admin.delete(&format!("/api/admin/kiosks/{id}")).status, 204);

    // The device's next result: stored, as anonymous, and the cookie is cleared.
    let before = stats(&server.data);
    let r = with_cookie(
        &mut c,
        "POST",
        "/api/results",
        Some(&submission(&uuid())),
        &org.kiosk_token,
    );
    assert_eq!(r.status, 201, "{}", r.text());
    let v = r.json();
    assert_eq!(v["source"], "anonymous");
    assert_eq!(v["attached"], false);
    assert!(v["code"].as_str().is_some_and(|c| c.len() == 9));
    let cleared = kiosk_set_cookie(&r);
    assert!(
        cleared.starts_with("repere_kiosk=;") && cleared.contains("Max-Age=0"),
        "{cleared}"
    );
    let after = stats(&server.data);
    assert_eq!(after["results"], before["results"] + 1);
    assert_eq!(after["unattached"], before["unattached"] + 1);

    // The app page and the status say "not a kiosk" and clear the cookie too.
    let r = with_cookie(&mut c, "GET", "/", None, &org.kiosk_token);
    assert_eq!(r.status, 200);
    assert!(!r.text().contains(META));
    assert!(kiosk_set_cookie(&r).contains("Max-Age=0"));
    let r = with_cookie(&mut c, "GET", "/api/kiosk", None, &org.kiosk_token);
    assert_eq!(r.json()["paired"], false);
    assert!(kiosk_set_cookie(&r).contains("Max-Age=0"));

    // And the token no longer pairs.
    assert_eq!(pair(&mut c, &org.kiosk_token, &[]).status, 401);
}

#[test]
fn the_app_page_is_in_kiosk_mode_for_a_paired_browser_only() {
    let server = Server::start(&[]);
    let org = Org::create(&server, "m", "Bureau de poste de Treignac");
    let mut c = server.client();

    for path in [
        "/",
        "/index.html",
        "/borne",
        "/agent?resultat=X",
        "/nimporte-quoi",
    ] {
        // Without the cookie: the plain page.
        let r = c.get(path);
        assert_eq!(r.status, 200, "{path}");
        assert!(
            r.text().contains("<title>Repère</title>"),
            "{path}: {}",
            r.text()
        );
        assert!(
            !r.text().contains(META),
            "{path}: no kiosk mode without the cookie"
        );
        assert_eq!(r.header("cache-control"), Some("no-cache"), "{path}");
        assert_eq!(r.header("vary"), Some("Cookie"), "{path}");
        assert!(set_cookies(&r).is_empty(), "{path}");

        // With a paired kiosk's cookie: kiosk mode, and the cookie renewed.
        let r = with_cookie(&mut c, "GET", path, None, &org.kiosk_token);
        assert_eq!(r.status, 200, "{path}");
        let html = r.text();
        assert_eq!(html.matches(META).count(), 1, "{path}: {html}");
        assert!(html.contains("<title>Repère</title>"));
        assert_eq!(r.header("cache-control"), Some("no-cache"), "{path}");
        assert_eq!(r.header("vary"), Some("Cookie"), "{path}");
        assert!(r
            .header("content-type")
            .is_some_and(|t| t.starts_with("text/html")));
        let renewed = kiosk_set_cookie(&r);
        assert!(
            renewed.starts_with(&format!("repere_kiosk={};", org.kiosk_token))
                && renewed.contains("Max-Age=157680000"),
            "{renewed}"
        );

        // A cookie that never was a kiosk's: the plain page, the cookie cleared.
        let r = with_cookie(&mut c, "GET", path, None, "inconnu");
        assert!(!r.text().contains(META), "{path}");
        assert!(kiosk_set_cookie(&r).contains("Max-Age=0"), "{path}");
    }

    // The API keeps its own headers.
    let r = with_cookie(&mut c, "GET", "/api/health", None, &org.kiosk_token);
    assert_eq!(r.header("cache-control"), Some("no-store"));
    assert!(set_cookies(&r).is_empty());
}
