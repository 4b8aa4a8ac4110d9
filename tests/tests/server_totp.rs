//! The second factor of staff accounts against the real server: setting it up
//! (QR code, secret, recovery codes), the login in two steps, wrong codes counted
//! in the login limits, a code accepted once, recovery codes once, removal, the
//! structure's requirement for its admins, an admin's reset, the kiosk's
//! unpairing; the secrets are in no file of the data folder or of a backup in
//! clear. Codes are computed here as an authenticator app would (RFC 6238,
//! with the `totp-rs` crate), from the server's clock (the system's).

use std::time::{SystemTime, UNIX_EPOCH};

use std::path::Path;

use repere_e2e::{files_holding, ok_stdout, temp_dir, Client, Org, Resp, Server, PASSWORD};
use serde_json::{json, Value};
use totp_rs::{Builder, Secret};

/// Seconds since the epoch.
fn now_secs() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0)
}

/// The code of `secret` `steps` steps of 30 s from now (the server accepts the
/// step before and after its own).
fn code(secret: &str, steps: i64) -> String {
    let totp = Builder::new()
        .with_secret(Secret::try_from_base32(secret).expect("base32 secret"))
        .build()
        .expect("totp");
    let at = now_secs().saturating_add_signed(steps * 30);
    totp.generate(at).to_string()
}

/// Six digits that are none of the codes the server accepts now.
fn wrong_code(secret: &str) -> String {
    let near: Vec<String> = (-2..=2).map(|s| code(secret, s)).collect();
    (0..1000)
        .map(|n| format!("{:06}", 123_457 + n * 7919))
        .find(|c| !near.contains(c))
        .expect("a wrong code")
}

fn assert_error(r: &Resp, status: u16, code: &str) {
    assert_eq!(r.status, status, "{}", r.text());
    assert_eq!(r.json()["code"], code, "{}", r.text());
}

/// Sets up the second factor of `c`'s account; returns the secret, the recovery
/// codes and the code that confirmed it (used up here).
fn enrol(c: &mut Client, login: &str) -> (String, Vec<String>, String) {
    let r = c.post("/api/me/totp", &json!({}));
    assert_eq!(r.status, 200, "{}", r.text());
    let v = r.json();
    let secret = v["secret"].as_str().expect("secret").to_string();
    assert_eq!(secret.len(), 32, "160 bits in base32");
    assert_eq!(
        v["uri"],
        format!("otpauth://totp/Rep%C3%A8re:{login}?secret={secret}&issuer=Rep%C3%A8re")
    );
    let grouped = v["secret_grouped"].as_str().expect("grouped");
    assert_eq!(grouped.replace(' ', ""), secret);
    assert!(grouped.split(' ').all(|g| g.len() == 4), "{grouped}");
    let svg = v["qr_svg"].as_str().expect("svg");
    assert!(
        svg.starts_with("<svg") && svg.ends_with("</svg>"),
        "{svg:.60}"
    );
    // Not active before a right code.
    assert_eq!(
        c.get("/api/me").json()["user"]["second_factor"]["active"],
        false
    );
    let r = c.post(
        "/api/me/totp/confirm",
        &json!({ "code": wrong_code(&secret) }),
    );
    assert_eq!(r.status, 422, "{}", r.text());
    assert_eq!(r.json()["field"], "code");
    let used = code(&secret, 0);
    let r = c.post("/api/me/totp/confirm", &json!({ "code": used }));
    assert_eq!(r.status, 200, "{}", r.text());
    let recovery: Vec<String> = r.json()["recovery_codes"]
        .as_array()
        .expect("recovery codes")
        .iter()
        .map(|c| c.as_str().expect("code").to_string())
        .collect();
    assert_eq!(recovery.len(), 8);
    let distinct: std::collections::HashSet<_> = recovery.iter().collect();
    assert_eq!(distinct.len(), 8);
    assert!(recovery.iter().all(|c| c.len() == 12), "{recovery:?}");
    let me = c.get("/api/me").json();
    assert_eq!(me["user"]["second_factor"]["active"], true);
    assert_eq!(me["user"]["second_factor"]["recovery_left"], 8);
    (secret, recovery, used)
}

/// Logs in with the right password; returns the challenge (asserting that no
/// session was opened).
fn challenge(c: &mut Client, login: &str) -> String {
    let r = c.login(login, PASSWORD);
    assert_eq!(r.status, 200, "{}", r.text());
    let v = r.json();
    assert_eq!(v["second_factor"], true, "{v}");
    assert!(
        v.get("csrf_token").is_none() && v.get("user").is_none(),
        "{v}"
    );
    assert!(
        !r.headers
            .iter()
            .any(|(k, v)| k == "set-cookie" && v.contains("repere_session")),
        "no session before the code"
    );
    v["challenge"].as_str().expect("challenge").to_string()
}

#[test]
fn a_second_factor_is_set_up_then_asked_at_every_login_and_each_code_works_once() {
    let server = Server::start(&[]);
    let org = Org::create(&server, "t", "Structure T");
    // Any role may have one: here an agent.
    let mut tablet = Client::logged_in(&server.base, &org.agent, PASSWORD);
    assert_eq!(
        tablet.get("/api/me").json()["user"]["second_factor"],
        json!({ "active": false, "required": false, "recovery_left": null })
    );
    // CSRF is required to start.
    let r = tablet.request("POST", "/api/me/totp", Some(b"{}"), &[], false);
    assert_error(&r, 403, "csrf");
    let (secret, recovery, used) = enrol(&mut tablet, &org.agent);
    let r = tablet.post("/api/me/totp", &json!({}));
    assert_error(&r, 409, "second_factor_active");

    // A new browser: the password alone opens nothing.
    let mut other = Client::new(&server.base);
    let ch = challenge(&mut other, &org.agent);
    assert_eq!(other.get("/api/me").status, 401);
    let r = other.login_totp(&ch, &wrong_code(&secret));
    assert_error(&r, 401, "second_factor_wrong");
    assert_eq!(r.json()["field"], "code");
    // The code that confirmed the setup was used: refused.
    let r = other.login_totp(&ch, &used);
    assert_error(&r, 401, "second_factor_wrong");
    // The next step's code opens the session, with both cookies.
    let next = code(&secret, 1);
    let r = other.login_totp(&ch, &next);
    assert_eq!(r.status, 200, "{}", r.text());
    assert_eq!(r.json()["user"]["login"], org.agent);
    assert!(other.cookie.is_some() && other.device.is_some());
    assert_eq!(other.get("/api/me").status, 200);
    // A challenge works once.
    let r = Client::new(&server.base).login_totp(&ch, &code(&secret, 1));
    assert_error(&r, 401, "challenge_expired");
    let r = Client::new(&server.base).login_totp(&"ab".repeat(32), &next);
    assert_error(&r, 401, "challenge_expired");

    // The same code again (a replay within its window): refused.
    let mut third = Client::new(&server.base);
    let ch = challenge(&mut third, &org.agent);
    let r = third.login_totp(&ch, &next);
    assert_error(&r, 401, "second_factor_wrong");
    // A recovery code works, however it is typed, and once.
    let typed = recovery[0].to_lowercase().replace('-', " ");
    let r = third.login_totp(&ch, &typed);
    assert_eq!(r.status, 200, "{}", r.text());
    assert_eq!(
        third.get("/api/me").json()["user"]["second_factor"]["recovery_left"],
        7
    );
    let mut fourth = Client::new(&server.base);
    let ch = challenge(&mut fourth, &org.agent);
    let r = fourth.login_totp(&ch, &recovery[0]);
    assert_error(&r, 401, "second_factor_wrong");
    let r = fourth.login_totp(&ch, &recovery[1]);
    assert_eq!(r.status, 200, "{}", r.text());

    // Removing it takes the password and a code.
    let r = fourth.request(
        "DELETE",
        "/api/me/totp",
        Some(
            &serde_json::to_vec(&json!({ "password": "pas-le-bon", "code": recovery[2] }))
                .expect("json"),
        ),
        &[],
        true,
    );
    assert_eq!(r.status, 422, "{}", r.text());
    assert_eq!(r.json()["field"], "password");
    let r = fourth.request(
        "DELETE",
        "/api/me/totp",
        Some(
            &serde_json::to_vec(&json!({ "password": PASSWORD, "code": recovery[0] }))
                .expect("json"),
        ),
        &[],
        true,
    );
    assert_eq!(r.status, 422, "a used recovery code: {}", r.text());
    assert_eq!(r.json()["field"], "code");
    let r = fourth.request(
        "DELETE",
        "/api/me/totp",
        Some(
            &serde_json::to_vec(&json!({ "password": PASSWORD, "code": recovery[2] }))
                .expect("json"),
        ),
        &[],
        true,
    );
    assert_eq!(r.status, 204, "{}", r.text());
    let mut fifth = Client::new(&server.base);
    let r = fifth.login(&org.agent, PASSWORD);
    assert_eq!(r.status, 200, "{}", r.text());
    assert!(
        r.json()["csrf_token"].is_string(),
        "the password is enough again"
    );
}

#[test]
fn wrong_codes_count_as_failed_logins_and_a_right_password_does_not_reset_them() {
    let server = Server::start(&[]);
    let org = Org::create(&server, "w", "Structure W");
    let mut tablet = Client::logged_in(&server.base, &org.trainer, PASSWORD);
    let (secret, _, _) = enrol(&mut tablet, &org.trainer);
    let wrong = wrong_code(&secret);

    // From a browser that never logged in: 3 wrong codes, the password again (it
    // is right), 2 more wrong codes: the 5 failures of this (account, address)
    // lock it as 5 wrong passwords would.
    let mut attacker = Client::new(&server.base);
    let a = challenge(&mut attacker, &org.trainer);
    for _ in 0..3 {
        assert_error(&attacker.login_totp(&a, &wrong), 401, "second_factor_wrong");
    }
    let b = challenge(&mut attacker, &org.trainer);
    for _ in 0..2 {
        assert_error(&attacker.login_totp(&b, &wrong), 401, "second_factor_wrong");
    }
    let r = attacker.login_totp(&b, &code(&secret, 1));
    assert_eq!(r.status, 429, "even the right code: {}", r.text());
    assert!(r.retry_after() > 0);
    let r = Client::new(&server.base).login(&org.trainer, PASSWORD);
    assert_eq!(r.status, 429, "{}", r.text());

    // The tablet the account logged in from before has its own count: the real
    // person still gets in.
    let ch = challenge(&mut tablet, &org.trainer);
    let r = tablet.login_totp(&ch, &code(&secret, 1));
    assert_eq!(r.status, 200, "{}", r.text());

    // A challenge ends after 5 wrong codes: the password is asked again.
    let ch = challenge(&mut tablet, &org.trainer);
    for _ in 0..5 {
        assert_error(&tablet.login_totp(&ch, &wrong), 401, "second_factor_wrong");
    }
    assert_error(
        &tablet.login_totp(&ch, &code(&secret, 1)),
        401,
        "challenge_expired",
    );
}

#[test]
fn a_structure_requires_a_second_factor_of_its_admins() {
    let server = Server::start(&[]);
    let org = Org::create(&server, "r", "Structure R");
    let other = Org::create(&server, "o", "Structure O");
    let out = server.cli(&["structure", "require-2fa", &org.id.to_string(), "on"], "");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(String::from_utf8_lossy(&out.stdout).trim(), "on");

    // The admin logs in with the password, and can do nothing but set it up.
    let mut admin = Client::logged_in(&server.base, &org.admin, PASSWORD);
    let me = admin.get("/api/me").json();
    assert_eq!(me["user"]["needs_second_factor"], true, "{me}");
    assert_eq!(me["user"]["second_factor"]["required"], true);
    for path in [
        "/api/admin/users",
        "/api/admin/kiosks",
        "/api/profiles",
        "/api/export",
    ] {
        assert_error(&admin.get(path), 403, "second_factor_required");
    }
    let r = admin.post(
        "/api/admin/users",
        &json!({ "login": "r-nouveau", "role": "agent", "password": "un-secret-bien-long-ici" }),
    );
    assert_error(&r, 403, "second_factor_required");
    // Nor unpair a kiosk with the password alone.
    let r = kiosk_unpair(
        &server,
        &org.kiosk_token,
        &json!({ "login": org.admin, "password": PASSWORD }),
    );
    assert_error(&r, 403, "second_factor_required");
    // Other roles of the structure are not concerned.
    let mut agent = Client::logged_in(&server.base, &org.agent, PASSWORD);
    assert_eq!(
        agent.get("/api/me").json()["user"]["needs_second_factor"],
        false
    );
    assert_eq!(agent.get("/api/screenings").status, 200);

    let (secret, _, _) = enrol(&mut admin, &org.admin);
    let users = admin.get("/api/admin/users");
    assert_eq!(users.status, 200, "{}", users.text());
    let users = users.json();
    assert_eq!(users["second_factor_required"], true);
    let mine = users["users"]
        .as_array()
        .and_then(|a| a.iter().find(|u| u["login"] == org.admin))
        .cloned()
        .unwrap_or(Value::Null);
    assert_eq!(mine["second_factor"], true, "{users}");
    // Required: it cannot be removed.
    let body = serde_json::to_vec(&json!({ "password": PASSWORD, "code": code(&secret, 1) }))
        .expect("json");
    let r = admin.request("DELETE", "/api/me/totp", Some(&body), &[], true);
    assert_error(&r, 409, "second_factor_required");

    // The admin screen's switch: off and on again (the admin has one).
    let r = admin.post(
        "/api/admin/structure/second-factor",
        &json!({ "required": false }),
    );
    assert_eq!(r.status, 200, "{}", r.text());
    assert_eq!(
        admin.get("/api/admin/users").json()["second_factor_required"],
        false
    );
    let r = admin.post(
        "/api/admin/structure/second-factor",
        &json!({ "required": true }),
    );
    assert_eq!(r.status, 200, "{}", r.text());
    // An admin without one cannot turn it on (they would lock themselves out).
    let mut other_admin = Client::logged_in(&server.base, &other.admin, PASSWORD);
    let r = other_admin.post(
        "/api/admin/structure/second-factor",
        &json!({ "required": true }),
    );
    assert_error(&r, 409, "second_factor_missing");
    // Agents cannot touch it.
    let r = agent.post(
        "/api/admin/structure/second-factor",
        &json!({ "required": false }),
    );
    assert_eq!(r.status, 403, "{}", r.text());
    // The other structure is not concerned.
    assert_eq!(other_admin.get("/api/admin/users").status, 200);

    // A second admin of the structure is sent to set it up too.
    let r = admin.post(
        "/api/admin/users",
        &json!({ "login": "r-admin2", "role": "admin", "password": PASSWORD }),
    );
    assert_eq!(r.status, 201, "{}", r.text());
    let login2 = r.json()["login"].as_str().expect("login").to_string();
    let mut admin2 = Client::logged_in(&server.base, &login2, PASSWORD);
    assert_error(
        &admin2.get("/api/admin/users"),
        403,
        "second_factor_required",
    );
    let r = admin2.post(
        "/api/admin/structure/second-factor",
        &json!({ "required": false }),
    );
    assert_error(&r, 403, "second_factor_required");
    // Off from the command line: the second admin goes on without one.
    let out = server.cli(
        &["structure", "require-2fa", &org.id.to_string(), "off"],
        "",
    );
    assert!(out.status.success());
    assert_eq!(admin2.get("/api/admin/users").status, 200);
}

/// `POST /api/kiosk/unpair` from the device of kiosk `token`, with `body`.
fn kiosk_unpair(server: &Server, token: &str, body: &Value) -> Resp {
    let cookie = format!("repere_kiosk={token}");
    let bytes = serde_json::to_vec(body).expect("json");
    server.client().request(
        "POST",
        "/api/kiosk/unpair",
        Some(&bytes),
        &[("Content-Type", "application/json"), ("Cookie", &cookie)],
        false,
    )
}

#[test]
fn an_admin_resets_a_second_factor_and_a_kiosk_unpairing_asks_for_the_code() {
    let server = Server::start_logging(&[]);
    let org = Org::create(&server, "a", "Structure A");
    let other = Org::create(&server, "b", "Structure B");
    let mut agent = Client::logged_in(&server.base, &org.agent, PASSWORD);
    enrol(&mut agent, &org.agent);
    let mut admin = Client::logged_in(&server.base, &org.admin, PASSWORD);
    let users = admin.get("/api/admin/users").json();
    let target = users["users"]
        .as_array()
        .and_then(|a| a.iter().find(|u| u["login"] == org.agent))
        .cloned()
        .unwrap_or(Value::Null);
    assert_eq!(target["second_factor"], true, "{users}");
    let id = target["id"].as_u64().expect("id");
    let path = format!("/api/admin/users/{id}/totp");
    // CSRF required; another structure's admin gets 404; one's own: 409.
    assert_error(
        &admin.request("DELETE", &path, None, &[], false),
        403,
        "csrf",
    );
    let mut foreign = Client::logged_in(&server.base, &other.admin, PASSWORD);
    assert_eq!(foreign.delete(&path).status, 404);
    let me = admin.get("/api/me").json()["user"]["id"]
        .as_u64()
        .expect("id");
    assert_error(
        &admin.delete(&format!("/api/admin/users/{me}/totp")),
        409,
        "own_account",
    );
    assert_eq!(agent.delete(&path).status, 403, "agents cannot");

    let r = admin.delete(&path);
    assert_eq!(r.status, 200, "{}", r.text());
    assert_eq!(r.json()["second_factor"], false);
    let r = Client::new(&server.base).login(&org.agent, PASSWORD);
    assert!(r.json()["csrf_token"].is_string(), "{}", r.text());
    let admin_id = me.to_string();
    let log = server.output();
    let line = log
        .lines()
        .find(|l| l.contains("second factor reset"))
        .unwrap_or_else(|| panic!("no reset in the security log: {log}"));
    assert!(
        line.contains(&format!("by={admin_id}")) || line.contains(&format!("\"by\":{admin_id}")),
        "{line}"
    );
    assert!(!line.contains(&org.agent), "ids only: {line}");

    // The admin sets one up; unpairing the kiosk with the password now needs the
    // code too.
    let (secret, _, _) = enrol(&mut admin, &org.admin);
    let body = json!({ "login": org.admin, "password": PASSWORD });
    let r = kiosk_unpair(&server, &org.kiosk_token, &body);
    assert_error(&r, 401, "second_factor");
    assert_eq!(r.json()["field"], "code");
    let body = json!({ "login": org.admin, "password": PASSWORD, "code": wrong_code(&secret) });
    assert_error(
        &kiosk_unpair(&server, &org.kiosk_token, &body),
        401,
        "second_factor_wrong",
    );
    let body = json!({ "login": org.admin, "password": PASSWORD, "code": code(&secret, 1) });
    let r = kiosk_unpair(&server, &org.kiosk_token, &body);
    assert_eq!(r.status, 204, "{}", r.text());

    // The command line resets one too.
    let out = server.cli(&["user", "reset-2fa", &org.admin], "");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let r = Client::new(&server.base).login(&org.admin, PASSWORD);
    assert!(r.json()["csrf_token"].is_string(), "{}", r.text());
}

/// Asserts that no file under `root` holds `secret`: as the base32 text the app
/// shows, in lower case, or as its 20 bytes.
fn assert_secret_absent(root: &Path, secret: &str, when: &str) {
    let bytes = Secret::try_from_base32(secret).expect("base32").to_vec();
    assert_eq!(bytes.len(), 20);
    for needle in [
        secret.as_bytes(),
        secret.to_lowercase().as_bytes(),
        &bytes[..],
    ] {
        let found = files_holding(root, needle);
        assert!(found.is_empty(), "{when}: the secret is in {found:?}");
    }
}

#[test]
fn second_factor_secrets_are_in_no_file_of_the_data_folder_nor_of_a_backup() {
    let dir = temp_dir();
    let data = dir.path().join("data");
    let server = Server::start_in(&data, &[]);
    let org = Org::create(&server, "sc", "Sceau");
    let mut admin = Client::logged_in(&server.base, &org.admin, PASSWORD);
    let r = admin.post("/api/me/totp", &json!({}));
    assert_eq!(r.status, 200, "{}", r.text());
    let secret = r.json()["secret"].as_str().expect("secret").to_string();
    server.stop();
    assert_secret_absent(&data, &secret, "being set up");

    // After a restart the secret being set up still opens: its code confirms it.
    let server = Server::start_in(&data, &[]);
    let mut admin = Client::logged_in(&server.base, &org.admin, PASSWORD);
    let r = admin.post("/api/me/totp/confirm", &json!({ "code": code(&secret, 0) }));
    assert_eq!(r.status, 200, "{}", r.text());
    let backup = dir.path().join("backup");
    let out = server.cli(&["backup", backup.to_str().expect("utf-8 path")], "");
    assert!(ok_stdout(&out).contains("backup written"));
    server.stop();
    assert_secret_absent(&data, &secret, "confirmed");
    assert_secret_absent(&backup, &secret, "in the backup");

    // The store and its backup both open the secret: a code of it logs in.
    for folder in [&data, &backup] {
        let server = Server::start_in(folder, &[]);
        let mut c = Client::new(&server.base);
        let ch = challenge(&mut c, &org.admin);
        assert_error(
            &c.login_totp(&ch, &wrong_code(&secret)),
            401,
            "second_factor_wrong",
        );
        let r = c.login_totp(&ch, &code(&secret, 1));
        assert_eq!(r.status, 200, "{}: {}", folder.display(), r.text());
        server.stop();
    }
}
