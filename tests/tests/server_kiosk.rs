//! Kiosk identity against the real server: short one-time pairing codes (format,
//! typed loosely, one use, expiry, wrong codes and their limit, stored hashed), a
//! new code replacing the device, the cookie's flags, unpairing only by an admin
//! of the kiosk's structure, results attributed through the cookie, a removed
//! kiosk's device staying in kiosk mode with its results kept as anonymous, the
//! app page in kiosk mode for any kiosk cookie, the demo kiosk, and the result of
//! a screening the store no longer has.

use std::path::Path;

use repere_e2e::{
    pair_kiosk, stats, submission, temp_dir, uuid, Client, Org, Resp, Server, PASSWORD,
};
use serde_json::{json, Value};

const META: &str = r#"<meta name="repere-mode" content="kiosk">"#;

/// The alphabet of codes (server/src/code.rs).
const ALPHABET: &str = "23456789ACDEFGHJKMNPQRTVWXY";

/// Every `Set-Cookie` header of an answer.
fn set_cookies(r: &Resp) -> Vec<String> {
    r.headers
        .iter()
        .filter(|(k, _)| k == "set-cookie")
        .map(|(_, v)| v.clone())
        .collect()
}

/// The kiosk `Set-Cookie` headers of an answer.
fn kiosk_cookies(r: &Resp) -> Vec<String> {
    set_cookies(r)
        .into_iter()
        .filter(|c| c.starts_with("repere_kiosk=") || c.starts_with("__Host-repere_kiosk="))
        .collect()
}

/// The one `Set-Cookie` of the kiosk cookie in an answer (panics if not exactly one).
fn kiosk_set_cookie(r: &Resp) -> String {
    let all = kiosk_cookies(r);
    assert_eq!(all.len(), 1, "one kiosk Set-Cookie: {all:?}");
    all[0].clone()
}

/// The value a `Set-Cookie` sets.
fn cookie_value(cookie: &str) -> &str {
    cookie
        .split(';')
        .next()
        .and_then(|c| c.split_once('='))
        .map_or("", |(_, v)| v)
}

/// The attributes of a `Set-Cookie` value.
fn attributes(cookie: &str) -> Vec<String> {
    cookie
        .split(';')
        .skip(1)
        .map(|a| a.trim().to_string())
        .collect()
}

/// Whether `code` has the pairing code's form `XXXX-XXXX-XX` in the alphabet.
fn is_pairing_code(code: &str) -> bool {
    let groups: Vec<&str> = code.split('-').collect();
    groups.iter().map(|g| g.len()).collect::<Vec<_>>() == [4, 4, 2]
        && groups
            .iter()
            .all(|g| g.chars().all(|c| ALPHABET.contains(c)))
}

/// `POST /api/kiosk/pair` with `body`, from a device with `cookie` (a kiosk token).
fn pair_with(c: &mut Client, body: &Value, cookie: Option<&str>, extra: &[(&str, &str)]) -> Resp {
    let bytes = serde_json::to_vec(body).expect("json");
    let cookie = cookie.map(|t| format!("repere_kiosk={t}"));
    let mut headers = vec![("Content-Type", "application/json")];
    if let Some(c) = &cookie {
        headers.push(("Cookie", c));
    }
    headers.extend_from_slice(extra);
    c.request("POST", "/api/kiosk/pair", Some(&bytes), &headers, false)
}

fn pair(c: &mut Client, code: &str) -> Resp {
    pair_with(c, &json!({ "code": code }), None, &[])
}

/// A request from a device whose kiosk cookie is `token`.
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

/// `POST /api/results` with `X-Kiosk-Token: token`: the status.
fn header_submit(server: &Server, token: &str) -> Resp {
    let body = serde_json::to_vec(&submission(&uuid())).expect("json");
    server.client().request(
        "POST",
        "/api/results",
        Some(&body),
        &[
            ("Content-Type", "application/json"),
            ("X-Kiosk-Token", token),
        ],
        false,
    )
}

/// `POST /api/kiosk/unpair` from the device of `token`, with `body`; `staff`: the
/// request also carries that client's session (and CSRF token when `csrf`).
fn unpair(server: &Server, token: &str, body: &Value, staff: Option<&Client>, csrf: bool) -> Resp {
    let mut cookie = format!("repere_kiosk={token}");
    let mut headers = vec![("Content-Type", "application/json".to_string())];
    if let Some(s) = staff {
        if let Some(c) = &s.cookie {
            cookie.push_str(&format!("; repere_session={c}"));
        }
        if csrf {
            if let Some(t) = &s.csrf {
                headers.push(("X-CSRF-Token", t.clone()));
            }
        }
    }
    headers.push(("Cookie", cookie));
    let headers: Vec<(&str, &str)> = headers.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let bytes = serde_json::to_vec(body).expect("json");
    server
        .client()
        .request("POST", "/api/kiosk/unpair", Some(&bytes), &headers, false)
}

/// `POST /api/kiosk/unpair` from the device of `token`, with an account's login
/// and password (no session).
fn unpair_as(server: &Server, token: &str, login: &str, password: &str) -> Resp {
    unpair(
        server,
        token,
        &json!({ "login": login, "password": password }),
        None,
        false,
    )
}

/// The first kiosk of the admin's structure, as the admin's list shows it.
fn first_kiosk(admin: &mut Client) -> Value {
    let r = admin.get("/api/admin/kiosks");
    assert_eq!(r.status, 200, "{}", r.text());
    r.json()["kiosks"][0].clone()
}

/// A new pairing code for kiosk `id` from the command line (through the server).
fn cli_code(server: &Server, id: u64) -> String {
    let out = server.cli(&["kiosk", "code", &id.to_string()], "");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).trim().to_string()
}

/// Every byte of the files under `dir`.
fn all_bytes(dir: &Path) -> Vec<u8> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(dir).expect("read dir").flatten() {
        let path = entry.path();
        if path.is_dir() {
            out.extend(all_bytes(&path));
        } else {
            out.extend(std::fs::read(&path).unwrap_or_default());
        }
    }
    out
}

fn contains(haystack: &[u8], needle: &str) -> bool {
    haystack
        .windows(needle.len())
        .any(|w| w == needle.as_bytes())
}

#[test]
fn pairing_codes_are_short_typed_loosely_work_once_and_are_stored_hashed() {
    let dir = temp_dir();
    let data = dir.path().join("data");
    let server = Server::start_in(&data, &[]);
    let org = Org::create(&server, "p", "Médiathèque de Tulle");
    let mut admin = Client::logged_in(&server.base, &org.admin, PASSWORD);
    let kiosk = first_kiosk(&mut admin);
    let id = kiosk["id"].as_u64().expect("id");
    assert_eq!(kiosk["installed"], true, "Org::create paired it");

    // `repere kiosk code ID`: ten symbols, three groups, the results' alphabet.
    let code = cli_code(&server, id);
    assert!(is_pairing_code(&code), "{code}");
    let mut c = server.client();
    let r = c.get("/api/kiosk");
    assert_eq!(r.json(), json!({ "paired": false }));

    // Typed as on a touch screen: lower case, spaces instead of dashes.
    let typed = format!("  {} \n", code.replace('-', " ").to_lowercase());
    let r = pair(&mut c, &typed);
    assert_eq!(r.status, 204, "{}", r.text());
    let cookie = kiosk_set_cookie(&r);
    let token = cookie_value(&cookie).to_string();
    assert_eq!(token.len(), 64, "a fresh random device token: {cookie}");
    assert!(token.bytes().all(|b| b.is_ascii_hexdigit()));
    assert!(!token.contains(&code) && token != org.kiosk_token);
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
    let r = with_cookie(&mut c, "GET", "/api/kiosk", None, &token);
    let v = r.json();
    assert_eq!(v["paired"], true);
    assert_eq!(v["structure"]["name"], "Médiathèque de Tulle");
    assert_eq!(v["structure"]["id"], org.id);
    assert_eq!(v["kiosk"]["name"], "Borne");
    assert_eq!(v["kiosk"]["id"], id);

    // Once only: the same code again is refused, in words.
    let r = pair(&mut c, &code);
    assert_eq!(r.status, 401, "{}", r.text());
    assert_eq!(r.json()["code"], "bad_kiosk_code");
    assert!(kiosk_cookies(&r).is_empty());

    // The device paired by Org::create no longer counts as this kiosk; the new one does.
    assert_eq!(header_submit(&server, &org.kiosk_token).status, 401);
    let r = header_submit(&server, &token);
    assert_eq!(r.status, 201, "{}", r.text());
    assert_eq!(r.json()["source"], "kiosk");

    // The store holds neither the code nor the token, only their digests.
    let waiting = cli_code(&server, id);
    server.stop();
    let bytes = all_bytes(&data);
    assert!(
        contains(&bytes, "Médiathèque de Tulle"),
        "the records are readable in the files"
    );
    for secret in [
        code.as_str(),
        waiting.as_str(),
        token.as_str(),
        org.kiosk_token.as_str(),
    ] {
        assert!(!contains(&bytes, secret), "{secret} is stored in clear");
    }
}

#[test]
fn admins_get_codes_that_say_how_long_they_last_and_a_new_code_replaces_the_device() {
    let server = Server::start(&[]);
    let org = Org::create(&server, "a", "Bureau de poste de Felletin");
    let other = Org::create(&server, "b", "Bureau de poste d'Aubusson");
    let mut admin = Client::logged_in(&server.base, &org.admin, PASSWORD);

    // « Ajouter une borne »: its code, once, with how long it is valid.
    let r = admin.post(
        "/api/admin/kiosks",
        &json!({ "name": "Borne de l'accueil" }),
    );
    assert_eq!(r.status, 201, "{}", r.text());
    let added = r.json();
    let id = added["id"].as_u64().expect("id");
    let code = added["code"].as_str().expect("code").to_string();
    assert!(is_pairing_code(&code), "{code}");
    assert!(
        added.get("token").is_none(),
        "no device token before pairing"
    );
    assert_eq!(added["valid_days"], 7);
    assert!(
        added["note"]
            .as_str()
            .is_some_and(|n| n.contains("7\u{a0}jours") && n.contains("une seule fois")),
        "{added}"
    );
    assert!(
        added["expires"]
            .as_str()
            .is_some_and(|d| d.len() == 19 && d.contains(" à ")),
        "a French date and time: {added}"
    );
    let seven_days = 7 * 86_400_000_i64;
    let expires_at = added["expires_at"].as_i64().expect("expires_at");
    let listed = |admin: &mut Client| -> Value {
        admin.get("/api/admin/kiosks").json()["kiosks"]
            .as_array()
            .expect("kiosks")
            .iter()
            .find(|k| k["id"].as_u64() == Some(id))
            .cloned()
            .expect("listed")
    };
    let k = listed(&mut admin);
    assert_eq!(
        (k["installed"].clone(), k["code_waiting"].clone()),
        (json!(false), json!(true))
    );
    assert!(
        k["code_expires"].as_str().is_some_and(|d| d.len() == 10),
        "{k}"
    );
    assert!(
        !admin.get("/api/admin/kiosks").text().contains(&code),
        "shown once"
    );

    // A device pairs: installed, no code waiting.
    let first = pair_kiosk(&server.base, &code);
    let k = listed(&mut admin);
    assert_eq!(
        (k["installed"].clone(), k["code_waiting"].clone()),
        (json!(true), json!(false))
    );
    assert!(
        k["paired_date"].as_str().is_some_and(|d| d.len() == 10),
        "{k}"
    );
    assert_eq!(header_submit(&server, &first).status, 201);

    // « Nouveau code d'installation »: the device works until the new code is used.
    let r = admin.post(&format!("/api/admin/kiosks/{id}/code"), &json!({}));
    assert_eq!(r.status, 200, "{}", r.text());
    let renewed = r.json();
    let second_code = renewed["code"].as_str().expect("code").to_string();
    assert!(is_pairing_code(&second_code) && second_code != code);
    let new_expiry = renewed["expires_at"].as_i64().expect("expires_at");
    assert!(new_expiry >= expires_at && new_expiry - expires_at < seven_days);
    assert_eq!(
        header_submit(&server, &first).status,
        201,
        "still the kiosk"
    );
    let third_code = admin
        .post(&format!("/api/admin/kiosks/{id}/code"), &json!({}))
        .json()["code"]
        .as_str()
        .expect("code")
        .to_string();
    // The second code was replaced by the third before anyone used it.
    let mut c = server.client();
    assert_eq!(pair(&mut c, &second_code).status, 401);
    let second = pair_kiosk(&server.base, &third_code);
    assert_eq!(
        header_submit(&server, &first).status,
        401,
        "the old device stopped"
    );
    let r = header_submit(&server, &second);
    assert_eq!(r.status, 201);
    assert_eq!(r.json()["attached"], true);

    // Another structure's admin: 404; a trainer: 403; both change nothing.
    let mut stranger = Client::logged_in(&server.base, &other.admin, PASSWORD);
    let r = stranger.post(&format!("/api/admin/kiosks/{id}/code"), &json!({}));
    assert_eq!(r.status, 404, "{}", r.text());
    assert!(r.json().get("code").is_some_and(|c| c == "not_found"));
    let mut trainer = Client::logged_in(&server.base, &org.trainer, PASSWORD);
    assert_eq!(
        trainer
            .post(&format!("/api/admin/kiosks/{id}/code"), &json!({}))
            .status,
        403
    );
    assert_eq!(
        admin
            .post("/api/admin/kiosks/999999/code", &json!({}))
            .status,
        404
    );
    assert_eq!(
        admin.post("/api/admin/kiosks/abc/code", &json!({})).status,
        404
    );
    assert_eq!(listed(&mut admin)["code_waiting"], false);
    assert_eq!(header_submit(&server, &second).status, 201);

    // The command line gives codes too, and says so for an unknown kiosk.
    let out = server.cli(&["kiosk", "code", "999999"], "");
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("kiosk 999999 does not exist"));
    let out = server.cli(&["kiosk", "code", &id.to_string()], "");
    assert!(out.status.success());
    let said = String::from_utf8_lossy(&out.stderr);
    assert!(
        said.contains("/borne") && said.contains("7 days") && said.contains("X-Kiosk-Token"),
        "{said}"
    );
}

#[test]
fn codes_expire_after_seven_days() {
    let dir = temp_dir();
    let data = dir.path().join("data");
    let server = Server::start_in(&data, &["--clock-start", "2026-03-01T10:00:00Z"]);
    let org = Org::create(&server, "e", "Espace numérique d'Égletons");
    let mut admin = Client::logged_in(&server.base, &org.admin, PASSWORD);
    let id = first_kiosk(&mut admin)["id"].as_u64().expect("id");
    let late = cli_code(&server, id);
    let r = admin.post("/api/admin/kiosks", &json!({ "name": "Borne 2" }));
    let on_time = r.json()["code"].as_str().expect("code").to_string();
    assert_eq!(
        r.json()["expires"],
        "08/03/2026 à 11h00",
        "Paris time, 7 days on"
    );
    server.stop();

    // Six days and 23 hours later: still valid.
    let server = Server::start_in(&data, &["--clock-start", "2026-03-08T09:00:00Z"]);
    let mut c = server.client();
    assert_eq!(pair(&mut c, &on_time).status, 204);
    server.stop();

    // Seven days and one minute later: refused, and said why.
    let server = Server::start_in(&data, &["--clock-start", "2026-03-08T10:01:00Z"]);
    let mut c = server.client();
    let r = pair(&mut c, &late);
    assert_eq!(r.status, 401, "{}", r.text());
    assert_eq!(r.json()["code"], "expired_kiosk_code");
    assert!(
        r.error().contains("7\u{a0}jours") && r.error().contains("nouveau code"),
        "{}",
        r.error()
    );
    assert!(kiosk_cookies(&r).is_empty());
    // The admin's list no longer shows it as waiting; a new code works.
    let mut admin = Client::logged_in(&server.base, &org.admin, PASSWORD);
    let k = first_kiosk(&mut admin);
    assert_eq!(k["code_waiting"], false, "{k}");
    let fresh = cli_code(&server, id);
    assert_eq!(pair(&mut c, &fresh).status, 204);
}

#[test]
fn wrong_codes_are_refused_and_limited_per_address() {
    let server = Server::start(&[]);
    let org = Org::create(&server, "w", "Bureau de poste de Felletin");
    let mut admin = Client::logged_in(&server.base, &org.admin, PASSWORD);
    let id = first_kiosk(&mut admin)["id"].as_u64().expect("id");
    let code = cli_code(&server, id);
    let mut c = server.client();

    // Not a code at all (a device token, too short, a letter left out): said, not counted.
    for typed in [org.kiosk_token.as_str(), "K7M4-QX2P", "K7M4-QX2P-7O", "   "] {
        let r = pair(&mut c, typed);
        assert_eq!(r.status, 422, "{typed}: {}", r.text());
        assert_eq!(r.json()["code"], "malformed_kiosk_code");
        assert_eq!(r.json()["field"], "code");
        assert!(
            r.error().contains("10\u{a0}lettres ou chiffres"),
            "{}",
            r.error()
        );
    }
    // Malformed requests say where.
    let r = c.request(
        "POST",
        "/api/kiosk/pair",
        Some(b"{\"code\": "),
        &[("Content-Type", "application/json")],
        false,
    );
    assert_eq!(r.status, 400, "{}", r.text());
    assert!(r.error().contains("ligne 1"), "{}", r.error());
    let r = pair_with(&mut c, &json!({ "jeton": "x" }), None, &[]);
    assert_eq!(r.status, 422, "{}", r.text());
    // From another site: refused before the code is even looked at.
    let r = pair_with(
        &mut c,
        &json!({ "code": code }),
        None,
        &[("Origin", "http://autre-site.example")],
    );
    assert_eq!(r.status, 403, "{}", r.text());
    assert!(set_cookies(&r).is_empty());

    // A wrong code: 401 in words, no cookie. Ten in all, then every attempt waits.
    for i in 0..10 {
        let wrong = format!("K7M4-QX2P-{}", &ALPHABET[i..i + 2]);
        let r = pair(&mut c, &wrong);
        assert_eq!(r.status, 401, "attempt {i}: {}", r.text());
        assert_eq!(r.json()["code"], "bad_kiosk_code");
        assert!(r.error().contains("n'est pas valide"), "{}", r.error());
        assert!(set_cookies(&r).is_empty());
    }
    let r = pair(&mut c, &code);
    assert_eq!(r.status, 429, "{}", r.text());
    assert!(r.error().contains("Trop de codes"), "{}", r.error());
    let wait = r.retry_after();
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
fn an_older_app_sending_the_code_as_token_still_pairs() {
    let server = Server::start(&["--secure-cookies"]);
    let org = Org::create(&server, "s", "Maison France services d'Ussel");
    let mut admin = Client::logged_in(&server.base, &org.admin, PASSWORD);
    let id = first_kiosk(&mut admin)["id"].as_u64().expect("id");
    let code = cli_code(&server, id);
    let mut c = server.client();
    let r = pair_with(&mut c, &json!({ "token": code }), None, &[]);
    assert_eq!(r.status, 204, "{}", r.text());
    let cookie = kiosk_set_cookie(&r);
    assert!(
        attributes(&cookie).iter().any(|a| a == "Secure"),
        "{cookie}"
    );
    // Unpairing clears it with Secure too.
    let r = unpair_as(&server, cookie_value(&cookie), &org.admin, PASSWORD);
    assert_eq!(r.status, 204, "{}", r.text());
    let cleared = kiosk_set_cookie(&r);
    let attrs = attributes(&cleared);
    for a in ["Max-Age=0", "Secure", "HttpOnly"] {
        assert!(attrs.iter().any(|x| x == a), "{a} in {cleared}");
    }
}

#[test]
fn unpairing_needs_an_admin_of_the_kiosks_structure() {
    let server = Server::start(&[]);
    let org = Org::create(&server, "u", "Bureau de poste de Bort-les-Orgues");
    let other = Org::create(&server, "v", "Bureau de poste de Meymac");
    let token = org.kiosk_token.clone();
    let still_paired = |server: &Server| -> bool {
        with_cookie(&mut server.client(), "GET", "/api/kiosk", None, &token).json()["paired"]
            == true
    };

    // A passer-by: no secret, no unpairing.
    let r = unpair(&server, &token, &json!({}), None, false);
    assert_eq!(r.status, 401, "{}", r.text());
    assert_eq!(r.json()["code"], "admin_required");
    assert!(r.error().contains("administrateur"), "{}", r.error());
    assert!(set_cookies(&r).is_empty());
    let r = unpair(&server, &token, &json!({ "login": org.admin }), None, false);
    assert_eq!(r.status, 422, "{}", r.text());
    assert_eq!(r.json()["field"], "password");
    let r = unpair(&server, &token, &json!({ "jeton": "x" }), None, false);
    assert_eq!(r.status, 422, "{}", r.text());

    // An agent of the structure: 403. A wrong password: 401, counted as a failed login.
    let r = unpair_as(&server, &token, &org.agent, PASSWORD);
    assert_eq!(r.status, 403, "{}", r.text());
    assert_eq!(r.json()["code"], "not_admin");
    for _ in 0..5 {
        let r = unpair_as(&server, &token, &org.agent, "pas-le-bon-mot-de-passe");
        assert_eq!(r.status, 401, "{}", r.text());
        assert_eq!(r.error(), "Identifiant ou mot de passe incorrect.");
    }
    // The login's own limit: that account now waits, at the login form too.
    let r = server.client().login(&org.agent, PASSWORD);
    assert_eq!(r.status, 429, "{}", r.text());
    assert!(r.header("retry-after").is_some());
    assert!(still_paired(&server));

    // Another structure's admin, by password or session: 404, as for any record not theirs.
    let r = unpair_as(&server, &token, &other.admin, PASSWORD);
    assert_eq!(r.status, 404, "{}", r.text());
    assert!(set_cookies(&r).is_empty());
    let stranger = Client::logged_in(&server.base, &other.admin, PASSWORD);
    let r = unpair(&server, &token, &json!({}), Some(&stranger), true);
    assert_eq!(r.status, 404, "{}", r.text());
    assert!(still_paired(&server));

    // The structure's admin logged in on the device: the CSRF token is required.
    let admin = Client::logged_in(&server.base, &org.admin, PASSWORD);
    let r = unpair(&server, &token, &json!({}), Some(&admin), false);
    assert_eq!(r.status, 403, "{}", r.text());
    assert_eq!(r.json()["code"], "csrf");
    assert!(still_paired(&server));
    let r = unpair(&server, &token, &json!({}), Some(&admin), true);
    assert_eq!(r.status, 204, "{}", r.text());
    let cleared = kiosk_set_cookie(&r);
    assert!(
        cleared.starts_with("repere_kiosk=;") && cleared.contains("Max-Age=0"),
        "{cleared}"
    );
    // The token is over on the server too: the kiosk waits for a new device.
    assert!(!still_paired(&server));
    assert_eq!(header_submit(&server, &token).status, 401);
    let mut admin = Client::logged_in(&server.base, &org.admin, PASSWORD);
    let k = first_kiosk(&mut admin);
    assert_eq!(k["installed"], false, "{k}");
    let id = k["id"].as_u64().expect("id");

    // The admin typing their login and password on the device.
    let token = pair_kiosk(&server.base, &cli_code(&server, id));
    let r = unpair_as(
        &server,
        &token,
        &format!("  {}  ", org.admin.to_uppercase()),
        PASSWORD,
    );
    assert_eq!(r.status, 204, "{}", r.text());
    assert!(kiosk_set_cookie(&r).contains("Max-Age=0"));
    assert_eq!(header_submit(&server, &token).status, 401);
    // No login session was made by it.
    assert!(set_cookies(&r)
        .iter()
        .all(|c| !c.starts_with("repere_session=")));

    // A browser that is not a kiosk: nothing to undo, nothing asked.
    let r = server.client().request(
        "POST",
        "/api/kiosk/unpair",
        Some(b"{}"),
        &[("Content-Type", "application/json")],
        false,
    );
    assert_eq!(r.status, 204, "{}", r.text());
    assert!(set_cookies(&r).is_empty());
}

#[test]
fn results_sent_with_the_cookie_belong_to_the_kiosks_structure() {
    let server = Server::start(&[]);
    let org = Org::create(&server, "r", "Espace numérique d'Égletons");
    let other = Org::create(&server, "o", "Bureau de poste de Meymac");
    let mut c = server.client();

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

    // The header wins over the cookie: another kiosk's device token.
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
    // A wrong header is refused, whatever the cookie; nothing is stored.
    for wrong in ["pas-un-jeton", "a b", ""] {
        let r = c.request(
            "POST",
            "/api/results",
            Some(&serde_json::to_vec(&submission(&uuid())).expect("json")),
            &[
                ("Content-Type", "application/json"),
                ("Cookie", &format!("repere_kiosk={}", org.kiosk_token)),
                ("X-Kiosk-Token", wrong),
            ],
            false,
        );
        assert_eq!(r.status, 401, "{wrong:?}: {}", r.text());
    }
    assert_eq!(stats(&server.data)["results"], 2);
}

#[test]
fn a_removed_kiosks_device_stays_a_kiosk_and_its_results_go_anonymous() {
    let server = Server::start(&[]);
    let org = Org::create(&server, "d", "Bureau de poste de Bort-les-Orgues");
    let other = Org::create(&server, "x", "Bureau de poste d'Ussel");
    let token = org.kiosk_token.clone();
    let mut c = server.client();

    // The admin removes the kiosk (« Retirer »).
    let mut admin = Client::logged_in(&server.base, &org.admin, PASSWORD);
    let id = first_kiosk(&mut admin)["id"].as_u64().expect("kiosk id");
    assert_eq!(admin.delete(&format!("/api/admin/kiosks/{id}")).status, 204);

    // The device's next result: stored, as anonymous; the cookie is left alone.
    let before = stats(&server.data);
    let r = with_cookie(
        &mut c,
        "POST",
        "/api/results",
        Some(&submission(&uuid())),
        &token,
    );
    assert_eq!(r.status, 201, "{}", r.text());
    let v = r.json();
    assert_eq!(v["source"], "anonymous");
    assert_eq!(v["attached"], false);
    assert!(v["code"].as_str().is_some_and(|c| c.len() == 9));
    assert!(kiosk_cookies(&r).is_empty(), "the cookie stays");
    let after = stats(&server.data);
    assert_eq!(after["results"], before["results"] + 1);
    assert_eq!(after["unattached"], before["unattached"] + 1);

    // The app page is still a kiosk's, the cookie renewed as it is.
    let r = with_cookie(&mut c, "GET", "/", None, &token);
    assert_eq!(r.status, 200);
    assert_eq!(r.text().matches(META).count(), 1, "{}", r.text());
    let renewed = kiosk_set_cookie(&r);
    assert_eq!(cookie_value(&renewed), token);
    assert!(renewed.contains("Max-Age=157680000"), "{renewed}");
    // The status says: a kiosk's device the server no longer knows.
    let r = with_cookie(&mut c, "GET", "/api/kiosk", None, &token);
    assert_eq!(r.json(), json!({ "paired": false, "stale": true }));
    assert!(kiosk_cookies(&r).is_empty());
    // The header is refused (a script must know its token works); no pairing by token.
    assert_eq!(header_submit(&server, &token).status, 401);

    // Only an admin ends it; the kiosk is gone, so any structure's admin may.
    let r = unpair(&server, &token, &json!({}), None, false);
    assert_eq!(r.status, 401, "{}", r.text());
    let r = unpair_as(&server, &token, &other.admin, PASSWORD);
    assert_eq!(r.status, 204, "{}", r.text());
    assert!(kiosk_set_cookie(&r).contains("Max-Age=0"));
}

#[test]
fn a_device_paired_with_another_kiosk_leaves_the_first() {
    let server = Server::start(&[]);
    let org = Org::create(&server, "k", "Bureau de poste de Treignac");
    let mut admin = Client::logged_in(&server.base, &org.admin, PASSWORD);
    let second = admin
        .post("/api/admin/kiosks", &json!({ "name": "Borne 2" }))
        .json();
    let code = second["code"].as_str().expect("code");
    let mut c = server.client();
    let r = pair_with(
        &mut c,
        &json!({ "code": code }),
        Some(&org.kiosk_token),
        &[],
    );
    assert_eq!(r.status, 204, "{}", r.text());
    let token = cookie_value(&kiosk_set_cookie(&r)).to_string();
    assert_ne!(token, org.kiosk_token);
    assert_eq!(
        header_submit(&server, &org.kiosk_token).status,
        401,
        "no longer the first kiosk"
    );
    let kiosks = admin.get("/api/admin/kiosks").json()["kiosks"].clone();
    let installed: Vec<(String, bool)> = kiosks
        .as_array()
        .expect("kiosks")
        .iter()
        .map(|k| {
            (
                k["name"].as_str().unwrap_or("").to_string(),
                k["installed"] == true,
            )
        })
        .collect();
    assert_eq!(
        installed,
        vec![("Borne".to_string(), false), ("Borne 2".to_string(), true)]
    );
}

#[test]
fn the_app_page_is_in_kiosk_mode_for_any_kiosk_cookie() {
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

        // A kiosk cookie the server does not know: still a kiosk, nothing cleared.
        let r = with_cookie(&mut c, "GET", path, None, "inconnu");
        assert_eq!(r.text().matches(META).count(), 1, "{path}");
        assert_eq!(cookie_value(&kiosk_set_cookie(&r)), "inconnu", "{path}");
    }

    // The API keeps its own headers.
    let r = with_cookie(&mut c, "GET", "/api/health", None, &org.kiosk_token);
    assert_eq!(r.header("cache-control"), Some("no-store"));
    assert!(set_cookies(&r).is_empty());
}

#[test]
fn the_demo_prints_a_fresh_code_at_every_start() {
    let dir = temp_dir();
    let data = dir.path().join("data");
    let code_in = |output: &str| -> String {
        output
            .lines()
            .find(|l| l.contains("code d'installation"))
            .and_then(|l| l.rsplit(" : ").next())
            .map(|c| c.trim().to_string())
            .unwrap_or_else(|| panic!("no code in:\n{output}"))
    };
    let server = Server::start_in(&data, &["--demo"]);
    let output = server.output();
    assert!(output.contains("valable 7 jours"), "{output}");
    let first = code_in(&output);
    assert!(is_pairing_code(&first), "{first}");
    // The public token works until a device pairs with the code.
    let demo_token = "demo-borne-jeton-public-ne-pas-utiliser-en-production";
    assert!(output.contains(demo_token));
    assert_eq!(header_submit(&server, demo_token).status, 201);
    let token = pair_kiosk(&server.base, &first);
    assert_eq!(header_submit(&server, demo_token).status, 401);
    server.stop();

    let server = Server::start_in(&data, &["--demo"]);
    let output = server.output();
    let second = code_in(&output);
    assert!(is_pairing_code(&second) && second != first, "{output}");
    assert!(
        !output.contains(demo_token),
        "the public token no longer works: not printed"
    );
    assert_eq!(
        header_submit(&server, &token).status,
        201,
        "the paired device stays"
    );
    let mut c = server.client();
    assert_eq!(pair(&mut c, &first).status, 401);
}

#[test]
fn the_result_of_a_screening_the_store_no_longer_has_is_kept_for_the_structure() {
    let dir = temp_dir();
    let data = dir.path().join("data");
    let server = Server::start_in(&data, &[]);
    let org = Org::create(&server, "g", "Bureau de poste de Guéret");
    let other = Org::create(&server, "h", "Bureau de poste d'Ahun");
    let mut agent = Client::logged_in(&server.base, &org.agent, PASSWORD);
    let r = agent.post(
        "/api/screenings",
        &json!({ "person": "Inès", "consent": true }),
    );
    assert_eq!(r.status, 201);
    let screening = r.json()["id"].as_str().expect("id").to_string();
    server.stop();

    // Two days later the abandoned screening is purged at start.
    let server = Server::start_in(&data, &["--clock-offset-days", "2"]);
    assert_eq!(stats(&server.data)["screenings"], 0);
    let mut agent = Client::logged_in(&server.base, &org.agent, PASSWORD);
    let log = submission(&uuid());
    let path = format!("/api/screenings/{screening}/result");
    let r = agent.post(&path, &log);
    assert_eq!(r.status, 201, "{}", r.text());
    let v = r.json();
    assert_eq!(v["source"], "agent");
    assert_eq!(v["attached"], true);
    assert!(
        v["person"].is_null(),
        "the first name went with the screening: {v}"
    );
    let code = v["code"].as_str().expect("code").to_string();
    // Sent again (the outbox's retry): the same result, once.
    let r = agent.post(&path, &log);
    assert_eq!(r.status, 200, "{}", r.text());
    assert_eq!(r.json()["code"], code.as_str());
    assert_eq!(stats(&server.data)["results"], 1);
    // The structure's trainer sees it.
    let mut trainer = Client::logged_in(&server.base, &org.trainer, PASSWORD);
    assert_eq!(
        trainer.get("/api/profiles").json()["profiles"][0]["code"],
        code.as_str()
    );
    // Another structure's agent sending that log: 404, nothing of it shown.
    let mut stranger = Client::logged_in(&server.base, &other.agent, PASSWORD);
    let r = stranger.post(&path, &log);
    assert_eq!(r.status, 404, "{}", r.text());
    assert!(!r.text().contains(&code));
    assert_eq!(stats(&server.data)["results"], 1);
}
