//! Accounts against the real server: each role's flows, structure isolation on
//! every endpoint, CSRF and Origin checks, login rate limit, cookie flags.

use repere_e2e::{stats, submission, uuid, Client, Org, Resp, Server, PASSWORD};
use serde_json::{json, Value};

fn code_of(r: &Resp) -> String {
    r.json()["code"].as_str().expect("code").to_string()
}

/// An agent screens a person (with consent), submits, and gets a code.
fn screen(agent: &mut Client, person: Option<&str>) -> String {
    let body = match person {
        Some(p) => json!({ "person": p, "consent": true }),
        None => json!({}),
    };
    let r = agent.post("/api/screenings", &body);
    assert_eq!(r.status, 201, "{}", r.text());
    let id = r.json()["id"].as_str().expect("screening id").to_string();
    let r = agent.post(
        &format!("/api/screenings/{id}/result"),
        &submission(&uuid()),
    );
    assert_eq!(r.status, 201, "{}", r.text());
    code_of(&r)
}

#[test]
fn agent_flow_screening_sheet_and_attaching_a_kiosk_code() {
    let server = Server::start(&[]);
    let org = Org::create(&server, "a", "Bureau de poste d'Aubusson");
    let mut agent = Client::logged_in(&server.base, &org.agent, PASSWORD);

    // The account and its CSRF token.
    let me = agent.get("/api/me");
    assert_eq!(me.status, 200);
    assert_eq!(me.json()["user"]["role"], "agent");
    assert_eq!(
        me.json()["user"]["structure"]["name"],
        "Bureau de poste d'Aubusson"
    );

    // A name without consent is refused; with consent it is kept.
    let r = agent.post(
        "/api/screenings",
        &json!({ "person": "Marie", "consent": false }),
    );
    assert_eq!(r.status, 422);
    assert!(r.error().contains("accord"), "{}", r.error());
    let code = screen(&mut agent, Some("Marie D."));
    let v = agent.get(&format!("/api/results/{code}")).json();
    assert_eq!(v["person"], "Marie D.");
    assert_eq!(v["source"], "agent");
    assert!(v["profile"]["orientation"]["modality"]["label"].is_string());

    // The code can be typed in lower case with spaces.
    let typed = code.to_lowercase().replace('-', " ");
    assert_eq!(
        agent
            .get(&format!("/api/results/{}", typed.replace(' ', "%20")))
            .status,
        200
    );

    // Printable sheet: French HTML, escaped, strict CSP.
    let sheet = agent.get(&format!("/api/results/{code}/sheet"));
    assert_eq!(sheet.status, 200);
    assert!(sheet
        .header("content-type")
        .unwrap_or("")
        .starts_with("text/html"));
    assert!(sheet
        .header("content-security-policy")
        .unwrap_or("")
        .contains("default-src 'none'"));
    let html = sheet.text();
    assert!(
        html.contains("lang=\"fr\"") && html.contains(&code) && html.contains("Marie D."),
        "{html}"
    );

    // A person tested alone at a kiosk with no token shows their code: attach it.
    let anonymous = code_of(&server.client().request(
        "POST",
        "/api/results",
        Some(&serde_json::to_vec(&submission(&uuid())).expect("json")),
        &[],
        false,
    ));
    let r = agent.get(&format!("/api/results/{anonymous}"));
    assert_eq!(r.json()["attached"], false);
    let r = agent.post(&format!("/api/results/{anonymous}/attach"), &json!({}));
    assert_eq!(r.status, 200, "{}", r.text());
    assert_eq!(r.json()["attached"], true);
    assert_eq!(stats(&server.data)["unattached"], 0);

    // Right of access, then deletion.
    let data = agent.get(&format!("/api/results/{code}/data"));
    assert_eq!(data.status, 200);
    let d = data.json();
    assert_eq!(d["profile"]["person"], "Marie D.");
    assert!(d["session"]["submission"]["answers"]
        .as_array()
        .is_some_and(|a| !a.is_empty()));
    assert_eq!(agent.delete(&format!("/api/results/{code}")).status, 204);
    assert_eq!(agent.get(&format!("/api/results/{code}")).status, 404);

    // Agents do not read lists, groups or exports, nor administer.
    assert_eq!(agent.get("/api/profiles").status, 403);
    assert_eq!(agent.get("/api/export").status, 403);
    assert_eq!(agent.get("/api/admin/users").status, 403);

    // Logout ends the session.
    let r = agent.request("POST", "/api/logout", Some(b""), &[], true);
    assert_eq!(r.status, 204);
    assert_eq!(agent.get("/api/me").status, 401);
}

#[test]
fn trainer_flow_list_filter_groups_export() {
    let server = Server::start(&[]);
    let org = Org::create(&server, "t", "Espace numérique de Bourganeuf");
    let mut agent = Client::logged_in(&server.base, &org.agent, PASSWORD);
    let names = ["=HYPERLINK(\"x\")", "Jean", "Awa", "Lucie", "Omar"];
    for name in names {
        screen(&mut agent, Some(name));
    }
    let mut trainer = Client::logged_in(&server.base, &org.trainer, PASSWORD);

    let list = trainer.get("/api/profiles");
    assert_eq!(list.status, 200, "{}", list.text());
    assert_eq!(list.json()["count"], 5);
    // Date filters: today is included, a past range is empty, a bad date is 400.
    assert_eq!(
        trainer
            .get("/api/profiles?from=2000-01-01&to=2000-12-31")
            .json()["count"],
        0
    );
    assert_eq!(
        trainer.get("/api/profiles?from=2000-01-01").json()["count"],
        5
    );
    assert_eq!(trainer.get("/api/profiles?from=hier").status, 400);
    // Profile filters use the référentiel's ids.
    let bank = repere_e2e::bank();
    let first: Value = list.json()["profiles"][0].clone();
    let modality = first["orientation"]["id"]
        .as_str()
        .expect("modality")
        .to_string();
    let same = trainer
        .get(&format!("/api/profiles?orientation={modality}"))
        .json()["count"]
        .as_u64();
    assert!(same.is_some_and(|n| n >= 1));
    assert_eq!(
        trainer.get("/api/profiles?orientation=inconnue").status,
        400
    );
    let domain = &bank.referentiel.domains[0].id;
    let total: u64 = bank
        .referentiel
        .levels
        .iter()
        .map(|l| {
            trainer
                .get(&format!("/api/profiles?domain={domain}&level={}", l.id))
                .json()["count"]
                .as_u64()
                .unwrap_or(0)
        })
        .sum();
    assert_eq!(total, 5, "each profile has exactly one level per domain");

    // Groups of 2: 3 groups, none larger than 2, every person once.
    let g = trainer.get("/api/groups?size=2");
    assert_eq!(g.status, 200, "{}", g.text());
    let groups = g.json()["groups"].as_array().expect("groups").clone();
    assert_eq!(groups.len(), 3);
    let mut seen: Vec<String> = groups
        .iter()
        .flat_map(|x| {
            x["members"]
                .as_array()
                .expect("members")
                .iter()
                .map(|m| m["code"].as_str().unwrap_or("").to_string())
        })
        .collect();
    assert!(groups
        .iter()
        .all(|x| x["size"].as_u64().is_some_and(|n| (1..=2).contains(&n))));
    seen.sort();
    seen.dedup();
    assert_eq!(seen.len(), 5);
    assert_eq!(
        trainer.get("/api/groups?size=2").json(),
        g.json(),
        "deterministic"
    );
    assert_eq!(trainer.get("/api/groups?size=0").status, 400);
    let plan = trainer.get("/api/groups/sheet?size=2");
    assert_eq!(plan.status, 200);
    assert!(plan.text().contains("Groupe 3"));

    // CSV: BOM, `;`, CRLF, French headers, one column per domain and skill, dates
    // DD/MM/YYYY, formula defused.
    let csv = trainer.get("/api/export?format=csv");
    assert_eq!(csv.status, 200);
    assert!(csv
        .header("content-type")
        .unwrap_or("")
        .starts_with("text/csv"));
    assert!(csv
        .header("content-disposition")
        .unwrap_or("")
        .contains(".csv"));
    assert!(csv.body.starts_with(b"\xEF\xBB\xBF"), "BOM");
    let text = String::from_utf8(csv.body[3..].to_vec()).expect("utf-8");
    let lines: Vec<&str> = text.split("\r\n").filter(|l| !l.is_empty()).collect();
    assert_eq!(lines.len(), 6, "header + 5 rows:\n{text}");
    assert!(!text.replace("\r\n", "").contains('\n'), "CRLF only");
    let header: Vec<&str> = lines[0].split(';').collect();
    assert_eq!(header[0], "Code");
    assert!(header.contains(&"Prénom ou initiales"));
    assert_eq!(
        header
            .iter()
            .filter(|h| h.starts_with("Domaine : "))
            .count(),
        bank.referentiel.domains.len()
    );
    assert_eq!(
        header
            .iter()
            .filter(|h| h.starts_with("Compétence : "))
            .count(),
        bank.referentiel.skills.len()
    );
    let date = lines[1].split(';').nth(1).expect("date");
    assert!(
        date.len() == 10 && &date[2..3] == "/" && &date[5..6] == "/",
        "{date}"
    );
    assert!(text.contains("'=HYPERLINK"), "formula defused:\n{text}");
    // JSON export.
    let js = trainer.get("/api/export?format=json");
    assert_eq!(js.json().as_array().map(Vec::len), Some(5));

    // The CLI export gives the same rows.
    let out = server.cli(
        &[
            "export",
            "--structure",
            &org.id.to_string(),
            "--format",
            "csv",
        ],
        "",
    );
    assert!(out.status.success());
    assert_eq!(out.stdout.len(), csv.body.len());
}

#[test]
fn admin_flow_accounts_and_kiosks() {
    let server = Server::start(&[]);
    let org = Org::create(&server, "ad", "Maison France services");
    let mut admin = Client::logged_in(&server.base, &org.admin, PASSWORD);
    let r = admin.post(
        "/api/admin/users",
        &json!({ "login": "nouvel-agent", "role": "agent", "password": "un-mot-de-passe-sur" }),
    );
    assert_eq!(r.status, 201, "{}", r.text());
    let login = r.json()["login"].as_str().expect("login").to_string();
    assert!(login.starts_with("nouvel-agent."), "{login}");
    assert_eq!(
        admin
            .post(
                "/api/admin/users",
                &json!({ "login": "nouvel-agent", "role": "unknown", "password": "un-mot-de-passe-sur" })
            )
            .status,
        422
    );
    assert_eq!(
        admin
            .post(
                "/api/admin/users",
                &json!({ "login": "court", "role": "agent", "password": "court" })
            )
            .status,
        422
    );
    let users = admin.get("/api/admin/users").json();
    assert_eq!(users["users"].as_array().map(Vec::len), Some(4));
    Client::logged_in(&server.base, &login, "un-mot-de-passe-sur");

    let k = admin.post(
        "/api/admin/kiosks",
        &json!({ "name": "Borne de l'accueil" }),
    );
    assert_eq!(k.status, 201);
    let code = k.json()["code"].as_str().expect("code").to_string();
    let id = k.json()["id"].as_u64().expect("id");
    assert!(
        !admin.get("/api/admin/kiosks").text().contains(&code),
        "the code is shown once"
    );
    let token = repere_e2e::pair_kiosk(&server.base, &code);
    let body = serde_json::to_vec(&submission(&uuid())).expect("json");
    let mut c = server.client();
    assert_eq!(
        c.request(
            "POST",
            "/api/results",
            Some(&body),
            &[("X-Kiosk-Token", &token)],
            false
        )
        .status,
        201
    );
    assert_eq!(admin.delete(&format!("/api/admin/kiosks/{id}")).status, 204);
    let body = serde_json::to_vec(&submission(&uuid())).expect("json");
    assert_eq!(
        c.request(
            "POST",
            "/api/results",
            Some(&body),
            &[("X-Kiosk-Token", &token)],
            false
        )
        .status,
        401
    );
}

#[test]
fn a_structure_sees_nothing_of_another() {
    let server = Server::start(&[]);
    let a = Org::create(&server, "sa", "Structure A");
    let b = Org::create(&server, "sb", "Structure B");
    // Structure B's data: a screening result, a kiosk result, a pending screening, a kiosk.
    let mut agent_b = Client::logged_in(&server.base, &b.agent, PASSWORD);
    let code_b = screen(&mut agent_b, Some("Bertrand"));
    let mut c = server.client();
    let body = serde_json::to_vec(&submission(&uuid())).expect("json");
    let kiosk_b = code_of(&c.request(
        "POST",
        "/api/results",
        Some(&body),
        &[("X-Kiosk-Token", &b.kiosk_token)],
        false,
    ));
    let pending_b = agent_b.post("/api/screenings", &json!({})).json()["id"]
        .as_str()
        .expect("id")
        .to_string();
    let mut admin_b = Client::logged_in(&server.base, &b.admin, PASSWORD);
    let kiosk_id_b = admin_b.get("/api/admin/kiosks").json()["kiosks"][0]["id"]
        .as_u64()
        .expect("kiosk id");

    let mut clients: Vec<(&str, Client)> = vec![
        ("agent", Client::logged_in(&server.base, &a.agent, PASSWORD)),
        (
            "trainer",
            Client::logged_in(&server.base, &a.trainer, PASSWORD),
        ),
        ("admin", Client::logged_in(&server.base, &a.admin, PASSWORD)),
    ];
    let sub = serde_json::to_vec(&submission(&uuid())).expect("json");
    // (method, path, body): every endpoint that names a record of structure B.
    let table: Vec<(&str, String, Option<Vec<u8>>)> = vec![
        ("GET", format!("/api/results/{code_b}"), None),
        ("GET", format!("/api/results/{kiosk_b}"), None),
        ("GET", format!("/api/results/{code_b}/sheet"), None),
        ("GET", format!("/api/results/{code_b}/data"), None),
        (
            "POST",
            format!("/api/results/{code_b}/attach"),
            Some(b"{}".to_vec()),
        ),
        (
            "POST",
            format!("/api/results/{kiosk_b}/attach"),
            Some(b"{}".to_vec()),
        ),
        ("DELETE", format!("/api/results/{code_b}"), None),
        ("DELETE", format!("/api/results/{kiosk_b}"), None),
        (
            "POST",
            format!("/api/screenings/{pending_b}/result"),
            Some(sub.clone()),
        ),
        ("DELETE", format!("/api/admin/kiosks/{kiosk_id_b}"), None),
    ];
    for (role, client) in clients.iter_mut() {
        for (method, path, body) in &table {
            let r = client.request(method, path, body.as_deref(), &[], true);
            assert!(
                r.status == 403 || r.status == 404,
                "{role} of A: {method} {path} gave {} {}",
                r.status,
                r.text()
            );
            assert!(!r.text().contains("Bertrand"));
        }
    }
    // Lists, groups and exports of A hold nothing of B.
    let trainer_a = &mut clients[1].1;
    assert_eq!(trainer_a.get("/api/profiles").json()["count"], 0);
    assert_eq!(trainer_a.get("/api/export?format=json").json(), json!([]));
    assert_eq!(
        trainer_a.get("/api/groups?size=4").json()["groups"],
        json!([])
    );
    let admin_a = &mut clients[2].1;
    let users = admin_a.get("/api/admin/users").text();
    assert!(!users.contains(&b.agent) && users.contains(&a.agent));
    let kiosks_a = admin_a.get("/api/admin/kiosks").json()["kiosks"].clone();
    assert_eq!(kiosks_a.as_array().map(Vec::len), Some(1));
    assert_ne!(kiosks_a[0]["id"].as_u64(), Some(kiosk_id_b));
    // B still has everything.
    assert_eq!(agent_b.get(&format!("/api/results/{code_b}")).status, 200);
    assert_eq!(agent_b.get(&format!("/api/results/{kiosk_b}")).status, 200);
    assert_eq!(
        admin_b.get("/api/admin/kiosks").json()["kiosks"]
            .as_array()
            .map(Vec::len),
        Some(1)
    );
    let r = agent_b.post(
        &format!("/api/screenings/{pending_b}/result"),
        &submission(&uuid()),
    );
    assert_eq!(r.status, 201, "{}", r.text());
}

#[test]
fn csrf_origin_cookies_and_login_limits() {
    let server = Server::start(&[]);
    let org = Org::create(&server, "c", "Structure C");
    let mut agent = Client::new(&server.base);
    let r = agent.login(&org.agent, PASSWORD);
    assert_eq!(r.status, 200);
    let cookie = r.header("set-cookie").expect("cookie").to_string();
    for flag in ["HttpOnly", "SameSite=Strict", "Path=/", "Max-Age="] {
        assert!(cookie.contains(flag), "{flag} missing: {cookie}");
    }
    assert!(
        !cookie.contains("Secure"),
        "no Secure without --secure-cookies"
    );

    // No CSRF token: 403, nothing created.
    let r = agent.request("POST", "/api/screenings", Some(b"{}"), &[], false);
    assert_eq!(r.status, 403);
    assert_eq!(r.json()["code"], "csrf");
    let r = agent.request(
        "POST",
        "/api/screenings",
        Some(b"{}"),
        &[("X-CSRF-Token", "faux")],
        false,
    );
    assert_eq!(r.status, 403);
    let r = agent.request("DELETE", "/api/results/K7M4-QX2P", None, &[], false);
    assert_eq!(r.status, 403);
    assert_eq!(stats(&server.data)["screenings"], 0);
    // Token present but another site's Origin: 403.
    let r = agent.request(
        "POST",
        "/api/screenings",
        Some(b"{}"),
        &[("Origin", "https://evil.example")],
        true,
    );
    assert_eq!(r.status, 403);
    // Same origin and token: accepted.
    let origin = server.base.clone();
    assert_eq!(
        agent
            .request(
                "POST",
                "/api/screenings",
                Some(b"{}"),
                &[("Origin", &origin)],
                true
            )
            .status,
        201
    );

    // Login limit: 5 failures per account, then 429 with Retry-After, even with the
    // right password; other accounts are unaffected.
    let mut c = server.client();
    for _ in 0..5 {
        assert_eq!(c.login(&org.trainer, "mauvais-mot-de-passe").status, 401);
    }
    let r = c.login(&org.trainer, PASSWORD);
    assert_eq!(r.status, 429, "{}", r.text());
    let retry = r.retry_after();
    assert!((1..=900).contains(&retry), "{retry}");
    assert!(r.error().contains("Réessayez"));
    assert_eq!(c.login(&org.admin, PASSWORD).status, 200);
    // Unknown logins fail like wrong passwords.
    assert_eq!(
        server.client().login("personne", "x").error(),
        c.login(&org.agent, "x").error()
    );

    // Behind TLS: Secure cookies.
    let secure = Server::start(&["--secure-cookies", "--demo"]);
    let r = secure.client().login("demo-agent", "demo-agent-repere");
    assert!(r.header("set-cookie").unwrap_or("").contains("; Secure"));
}
