//! Account changes against the real server: a person changes their own password,
//! an admin resets passwords and disables / re-enables accounts of their structure,
//! the last active admin stays, another structure's admin gets 404, CSRF is
//! required, and the command line does the same with and without a running server.
//! An admin adds accounts whose login the server makes, so that adding one tells
//! nothing of other structures' logins.

use std::collections::BTreeSet;

use repere_e2e::{cli, ok_stdout, Client, Org, Resp, Server, PASSWORD};
use serde_json::{json, Value};

/// The account `login` as the admin's list shows it (panics if it is not there).
fn account(admin: &mut Client, login: &str) -> Value {
    let users = admin.get("/api/admin/users").json();
    users["users"]
        .as_array()
        .and_then(|a| a.iter().find(|u| u["login"] == login))
        .cloned()
        .unwrap_or_else(|| panic!("no account {login}: {users}"))
}

fn id_of(admin: &mut Client, login: &str) -> u64 {
    let a = account(admin, login);
    a["id"].as_u64().unwrap_or_else(|| panic!("no id: {a}"))
}

fn active_of(admin: &mut Client, login: &str) -> bool {
    let a = account(admin, login);
    a["active"]
        .as_bool()
        .unwrap_or_else(|| panic!("no active: {a}"))
}

fn assert_error(r: &Resp, status: u16, needle: &str) {
    assert_eq!(r.status, status, "{}", r.text());
    assert!(
        r.error().contains(needle),
        "{needle:?} not in {}",
        r.error()
    );
}

#[test]
fn a_person_changes_their_own_password_and_their_other_sessions_end() {
    let server = Server::start(&[]);
    let org = Org::create(&server, "pw", "Structure P");
    let mut here = Client::logged_in(&server.base, &org.agent, PASSWORD);
    let mut elsewhere = Client::logged_in(&server.base, &org.agent, PASSWORD);
    let new = "un-nouveau-secret-solide";

    // CSRF is required.
    let body = serde_json::to_vec(&json!({ "current": PASSWORD, "new": new })).expect("json");
    let r = here.request("POST", "/api/me/password", Some(&body), &[], false);
    assert_eq!(r.status, 403);
    assert_eq!(r.json()["code"], "csrf");
    // The current password is required, and must be right.
    let r = here.post(
        "/api/me/password",
        &json!({ "current": "pas-le-bon-mot-de-passe", "new": new }),
    );
    assert_error(&r, 422, "actuel");
    assert_eq!(r.json()["field"], "current");
    // The new one has 12 characters at least (11 here).
    let r = here.post(
        "/api/me/password",
        &json!({ "current": PASSWORD, "new": "onze-carac." }),
    );
    assert_error(&r, 422, "12 caractères");
    assert_eq!(r.json()["field"], "new");
    // Nothing changed so far: the old password still works, both sessions live.
    assert_eq!(elsewhere.get("/api/me").status, 200);

    let r = here.post(
        "/api/me/password",
        &json!({ "current": PASSWORD, "new": new }),
    );
    assert_eq!(r.status, 204, "{}", r.text());
    assert_eq!(here.get("/api/me").status, 200, "this session stays");
    assert_eq!(elsewhere.get("/api/me").status, 401, "the other one ends");
    assert_eq!(server.client().login(&org.agent, PASSWORD).status, 401);
    assert_eq!(server.client().login(&org.agent, new).status, 200);

    // Wrong current passwords count as failed logins of the account (the login
    // above cleared the count): after 5, the form answers 429 even with the right
    // one.
    for _ in 0..5 {
        let r = here.post(
            "/api/me/password",
            &json!({ "current": "toujours-pas-le-bon", "new": "encore-un-autre-secret" }),
        );
        assert_eq!(r.status, 422);
    }
    let r = here.post(
        "/api/me/password",
        &json!({ "current": new, "new": "encore-un-autre-secret" }),
    );
    assert_eq!(r.status, 429, "{}", r.text());
    assert!(r.header("retry-after").is_some());
}

#[test]
fn an_admin_resets_disables_and_enables_accounts_of_their_structure() {
    let server = Server::start(&[]);
    let org = Org::create(&server, "ad", "Structure A");
    let other = Org::create(&server, "bd", "Structure B");
    let mut admin = Client::logged_in(&server.base, &org.admin, PASSWORD);
    let agent_id = id_of(&mut admin, &org.agent);
    let trainer_id = id_of(&mut admin, &org.trainer);
    let admin_id = id_of(&mut admin, &org.admin);
    assert!(active_of(&mut admin, &org.agent));
    assert_eq!(
        admin.get("/api/admin/users").json()["users"]
            .as_array()
            .map(|a| a.iter().filter(|u| u["me"] == true).count()),
        Some(1)
    );

    // Reset with a generated password: shown once, the old one and the account's
    // sessions end.
    let mut agent = Client::logged_in(&server.base, &org.agent, PASSWORD);
    let r = admin.post(&format!("/api/admin/users/{agent_id}/password"), &json!({}));
    assert_eq!(r.status, 200, "{}", r.text());
    let generated = r.json()["password"]
        .as_str()
        .expect("generated")
        .to_string();
    assert_eq!(generated.len(), 19);
    assert_eq!(r.json()["sessions_ended"], 1);
    assert_eq!(agent.get("/api/me").status, 401);
    assert_eq!(server.client().login(&org.agent, PASSWORD).status, 401);
    let mut agent = Client::logged_in(&server.base, &org.agent, &generated);
    assert!(!admin.get("/api/admin/users").text().contains(&generated));
    // Reset with a password the admin chose: not echoed; the policy holds.
    let r = admin.post(
        &format!("/api/admin/users/{agent_id}/password"),
        &json!({ "password": "court" }),
    );
    assert_error(&r, 422, "12 caractères");
    assert_eq!(r.json()["field"], "password");
    assert_eq!(
        agent.get("/api/me").status,
        200,
        "a refused reset changes nothing"
    );
    let chosen = "choisi-par-l-admin";
    let r = admin.post(
        &format!("/api/admin/users/{agent_id}/password"),
        &json!({ "password": chosen }),
    );
    assert_eq!(r.status, 200, "{}", r.text());
    assert!(r.json()["password"].is_null());
    Client::logged_in(&server.base, &org.agent, chosen);

    // Disable: the session ends at once, login is refused with a plain message.
    let mut trainer = Client::logged_in(&server.base, &org.trainer, PASSWORD);
    // Without CSRF: refused, nothing changes.
    let r = admin.request(
        "POST",
        &format!("/api/admin/users/{trainer_id}/disable"),
        Some(b"{}"),
        &[],
        false,
    );
    assert_eq!(r.status, 403);
    assert_eq!(r.json()["code"], "csrf");
    assert_eq!(trainer.get("/api/me").status, 200);
    let r = admin.post(
        &format!("/api/admin/users/{trainer_id}/disable"),
        &json!({}),
    );
    assert_eq!(r.status, 200, "{}", r.text());
    assert_eq!(r.json()["active"], false);
    assert_eq!(r.json()["sessions_ended"], 1);
    assert!(!active_of(&mut admin, &org.trainer));
    assert_eq!(trainer.get("/api/profiles").status, 401);
    let r = server.client().login(&org.trainer, PASSWORD);
    assert_error(&r, 403, "désactivé");
    // A wrong password on a disabled account says nothing about it.
    let r = server
        .client()
        .login(&org.trainer, "pas-le-bon-mot-de-passe");
    assert_eq!(r.status, 401);
    assert!(!r.error().contains("désactivé"));
    // Enable: it logs in again.
    let r = admin.post(&format!("/api/admin/users/{trainer_id}/enable"), &json!({}));
    assert_eq!(r.status, 200, "{}", r.text());
    assert!(active_of(&mut admin, &org.trainer));
    Client::logged_in(&server.base, &org.trainer, PASSWORD);

    // The last active admin cannot disable themself.
    let r = admin.post(&format!("/api/admin/users/{admin_id}/disable"), &json!({}));
    assert_error(&r, 409, "dernier administrateur");
    assert_eq!(r.json()["code"], "last_admin");
    assert_eq!(admin.get("/api/me").status, 200);
    // With a second admin it can; then the second one is the last.
    let r = admin.post(
        "/api/admin/users",
        &json!({ "login": "ad-admin2", "role": "admin", "password": "second-admin-solide" }),
    );
    assert_eq!(r.status, 201, "{}", r.text());
    let login2 = r.json()["login"].as_str().expect("login").to_string();
    let mut admin2 = Client::logged_in(&server.base, &login2, "second-admin-solide");
    let admin2_id = id_of(&mut admin2, &login2);
    let r = admin.post(&format!("/api/admin/users/{admin_id}/disable"), &json!({}));
    assert_eq!(r.status, 200, "{}", r.text());
    assert_eq!(admin.get("/api/me").status, 401);
    let r = admin2.post(&format!("/api/admin/users/{admin2_id}/disable"), &json!({}));
    assert_error(&r, 409, "dernier administrateur");
    let r = admin2.post(&format!("/api/admin/users/{admin_id}/enable"), &json!({}));
    assert_eq!(r.status, 200);

    // Another structure's admin: 404 for every account of A, and A is unchanged.
    let mut admin_b = Client::logged_in(&server.base, &other.admin, PASSWORD);
    for id in [agent_id, trainer_id, admin_id, 999_999] {
        for action in ["password", "disable", "enable"] {
            let r = admin_b.post(&format!("/api/admin/users/{id}/{action}"), &json!({}));
            assert_eq!(r.status, 404, "{action} {id}: {}", r.text());
            assert!(!r.text().contains("password\":\""), "{}", r.text());
        }
    }
    assert!(active_of(&mut admin2, &org.agent));
    Client::logged_in(&server.base, &org.agent, chosen);
    // Non-admins: 403.
    let mut agent = Client::logged_in(&server.base, &org.agent, chosen);
    for action in ["password", "disable", "enable"] {
        let r = agent.post(
            &format!("/api/admin/users/{trainer_id}/{action}"),
            &json!({}),
        );
        assert_eq!(r.status, 403, "{action}");
    }
    Client::logged_in(&server.base, &org.trainer, PASSWORD);
}

#[test]
fn the_command_line_changes_passwords_and_disables_accounts() {
    let dir = repere_e2e::temp_dir();
    let data = dir.path().join("data");
    let server = Server::start_in(&data, &[]);
    let org = Org::create(&server, "cl", "Structure C");
    let mut trainer = Client::logged_in(&server.base, &org.trainer, PASSWORD);

    // While the server runs (through /api/local): disable ends the session at once.
    let out = server.cli(&["user", "disable", &org.trainer], "");
    ok_stdout(&out);
    assert!(String::from_utf8_lossy(&out.stderr).contains("1 login session(s) ended"));
    assert_eq!(trainer.get("/api/me").status, 401);
    assert_eq!(server.client().login(&org.trainer, PASSWORD).status, 403);
    ok_stdout(&server.cli(&["user", "enable", &org.trainer], ""));
    let mut trainer = Client::logged_in(&server.base, &org.trainer, PASSWORD);

    // passwd reads the new password from stdin; the policy holds (exit 2).
    let out = server.cli(&["user", "passwd", &org.trainer], "court\n");
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("12 caractères"));
    assert_eq!(trainer.get("/api/me").status, 200);
    ok_stdout(&server.cli(
        &["user", "passwd", &org.trainer],
        "nouveau-mot-de-passe-cli\n",
    ));
    assert_eq!(trainer.get("/api/me").status, 401);
    assert_eq!(server.client().login(&org.trainer, PASSWORD).status, 401);
    Client::logged_in(&server.base, &org.trainer, "nouveau-mot-de-passe-cli");

    // The last active admin of a structure: refused, with the way out.
    let out = server.cli(&["user", "disable", &org.admin], "");
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("last active admin"));
    // An unknown login: exit 2.
    let out = server.cli(&["user", "disable", "personne"], "");
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("no account has the login"));

    // Without a server: the same commands work on the store directly.
    server.stop();
    ok_stdout(&cli(&data, &["user", "disable", &org.agent], ""));
    ok_stdout(&cli(
        &data,
        &["user", "passwd", &org.admin],
        "admin-hors-serveur-ok\n",
    ));
    let server = Server::start_in(&data, &[]);
    assert_eq!(server.client().login(&org.agent, PASSWORD).status, 403);
    assert_eq!(server.client().login(&org.admin, PASSWORD).status, 401);
    let mut admin = Client::logged_in(&server.base, &org.admin, "admin-hors-serveur-ok");
    assert!(!active_of(&mut admin, &org.agent));
}

/// The login the server made from `name`: `name`, a dot and 4 symbols of the
/// result codes' alphabet in lower case (no 0/o/1/l/i).
fn assert_made_from(login: &str, name: &str) {
    let tag = login
        .strip_prefix(name)
        .and_then(|t| t.strip_prefix('.'))
        .unwrap_or_else(|| panic!("{login} is not made from {name}"));
    assert_eq!(tag.len(), 4, "{login}");
    assert!(
        tag.bytes()
            .all(|b| b"23456789acdefghjkmnpqrtvwxy".contains(&b)),
        "{login}"
    );
}

#[test]
fn adding_an_account_tells_nothing_of_other_structures_logins() {
    let server = Server::start(&[]);
    let a = Org::create(&server, "lg", "Structure A");
    let b = Org::create(&server, "lh", "Structure B");
    let mut admin_a = Client::logged_in(&server.base, &a.admin, PASSWORD);
    let mut admin_b = Client::logged_in(&server.base, &b.admin, PASSWORD);
    // An account of A made by its admin, whose login B's admin may have heard of.
    let r = admin_a.post(
        "/api/admin/users",
        &json!({ "login": "Marie", "role": "agent", "password": "mot-de-passe-de-marie" }),
    );
    assert_eq!(r.status, 201, "{}", r.text());
    let marie = r.json()["login"].as_str().expect("login").to_string();

    // B's admin adds accounts named like A's (made by the command line, and by
    // A's admin) and like nobody: the same answer each time, a login of B's own.
    let shape = |r: &Resp| {
        let v = r.json();
        (
            r.status,
            v.as_object()
                .map(|o| o.keys().cloned().collect::<BTreeSet<_>>())
                .unwrap_or_default(),
            v["role"].clone(),
        )
    };
    let mut answers = Vec::new();
    let mut made = Vec::new();
    for name in [a.agent.as_str(), &marie, "personne-d-autre"] {
        let r = admin_b.post(
            "/api/admin/users",
            &json!({ "login": name, "role": "agent", "password": "un-mot-de-passe-solide" }),
        );
        // Before logins were made by the server: 422 « déjà pris » for A's.
        assert_eq!(r.status, 201, "{name}: {}", r.text());
        answers.push(shape(&r));
        made.push(r.json()["login"].as_str().expect("login").to_string());
    }
    assert!(answers.windows(2).all(|w| w[0] == w[1]), "{answers:?}");
    assert_made_from(&marie, "marie");
    assert_made_from(&made[0], &a.agent);
    assert_made_from(&made[1], &marie);
    assert_made_from(&made[2], "personne-d-autre");
    assert!(
        !made.contains(&a.agent) && !made.contains(&marie),
        "{made:?}"
    );
    // A's accounts are untouched: their own passwords still log in.
    Client::logged_in(&server.base, &a.agent, PASSWORD);
    Client::logged_in(&server.base, &marie, "mot-de-passe-de-marie");
    // B's new accounts log in with their logins and belong to B.
    for login in &made {
        let mut c = Client::logged_in(&server.base, login, "un-mot-de-passe-solide");
        assert_eq!(
            c.get("/api/me").json()["user"]["structure"]["id"],
            b.id,
            "{login}"
        );
        account(&mut admin_b, login);
    }
    // The same name twice in one structure: two accounts, two logins.
    let again = admin_b.post(
        "/api/admin/users",
        &json!({ "login": "personne-d-autre", "role": "agent", "password": "un-mot-de-passe-solide" }),
    );
    assert_eq!(again.status, 201, "{}", again.text());
    assert_ne!(again.json()["login"], made[2].as_str());
    // A name too long for its tag is said at the field.
    let r = admin_b.post(
        "/api/admin/users",
        &json!({ "login": "a".repeat(60), "role": "agent", "password": "un-mot-de-passe-solide" }),
    );
    assert_error(&r, 422, "de 2 à 59 caractères");
    assert_eq!(r.json()["field"], "login");
}
