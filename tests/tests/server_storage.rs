//! Storage against the real server: acknowledged results survive SIGKILL, retention
//! purge, the command line while the server runs (locking, backup), demo mode.

use std::collections::BTreeSet;

use repere_e2e::{
    cli, ok_stdout, stats, submission, temp_dir, uuid, Client, Org, Server, PASSWORD,
};

#[test]
fn every_acknowledged_result_survives_sigkill() {
    let dir = temp_dir();
    let data = dir.path().join("data");
    let server = Server::start_in(&data, &repere_e2e::LOAD);
    let mut acknowledged: BTreeSet<String> = BTreeSet::new();
    // 200 submissions from 4 concurrent clients; the server is killed right after
    // the last acknowledgement.
    let handles: Vec<_> = (0..4)
        .map(|_| {
            let base = server.base.clone();
            std::thread::spawn(move || {
                let mut c = Client::new(&base);
                let mut codes = Vec::new();
                for _ in 0..50 {
                    let body = serde_json::to_vec(&submission(&uuid())).expect("json");
                    let r = c.request("POST", "/api/results", Some(&body), &[], false);
                    assert_eq!(r.status, 201, "{}", r.text());
                    codes.push(r.json()["code"].as_str().expect("code").to_string());
                }
                codes
            })
        })
        .collect();
    for h in handles {
        acknowledged.extend(h.join().expect("client thread"));
    }
    server.kill();
    assert_eq!(acknowledged.len(), 200, "codes are unique");

    let server = Server::start_in(&data, &["--demo"]);
    assert_eq!(stats(&data)["results"], 200);
    // Attach each result to the demo structure by its code: every one is found.
    let mut agent = Client::logged_in(&server.base, "demo-agent", "demo-agent-repere");
    for code in &acknowledged {
        let r = agent.post(
            &format!("/api/results/{code}/attach"),
            &serde_json::json!({}),
        );
        assert_eq!(r.status, 200, "{code}: {}", r.text());
    }
    let mut trainer = Client::logged_in(&server.base, "demo-formateur", "demo-formateur-repere");
    assert_eq!(trainer.get("/api/profiles").json()["count"], 200);
}

#[test]
fn results_past_the_retention_period_are_purged() {
    let dir = temp_dir();
    let data = dir.path().join("data");
    // Results received "400 days ago" (the server's clock shifted), then today.
    let old_server = Server::start_in(
        &data,
        &["--clock-offset-days", "-400", "--retention-days", "1000"],
    );
    let mut c = old_server.client();
    let mut old_codes = Vec::new();
    for _ in 0..3 {
        // Tests of that time (the server refuses a start after its own clock).
        let mut log = submission(&uuid());
        log["started_at"] = serde_json::json!(1_731_000_000_000u64);
        log["finished_at"] = serde_json::json!(1_731_000_480_000u64);
        let body = serde_json::to_vec(&log).expect("json");
        old_codes.push(
            c.request("POST", "/api/results", Some(&body), &[], false)
                .json()["code"]
                .clone(),
        );
    }
    old_server.stop();
    let server = Server::start_in(&data, &["--retention-days", "1000", "--demo"]);
    let mut c = server.client();
    let body = serde_json::to_vec(&submission(&uuid())).expect("json");
    let recent = c
        .request("POST", "/api/results", Some(&body), &[], false)
        .json()["code"]
        .clone();
    assert_eq!(stats(&data)["results"], 4);
    // `repere purge` with a 365-day retention goes through the running server.
    let out = server.cli(&["purge", "--retention-days", "365"], "");
    assert!(
        ok_stdout(&out).contains("deleted: 3 result(s)"),
        "{}",
        ok_stdout(&out)
    );
    let mut agent = Client::logged_in(&server.base, "demo-agent", "demo-agent-repere");
    for code in &old_codes {
        let code = code.as_str().expect("code");
        assert_eq!(agent.get(&format!("/api/results/{code}")).status, 404);
    }
    let recent = recent.as_str().expect("code");
    assert_eq!(agent.get(&format!("/api/results/{recent}")).status, 200);
    server.stop();
    // The purge at start: retention 0 days deletes everything received before now.
    let server = Server::start_in(&data, &["--retention-days", "0"]);
    assert_eq!(stats(&data)["results"], 0);
    drop(server);
}

#[test]
fn the_command_line_works_with_and_without_a_running_server() {
    let dir = temp_dir();
    let data = dir.path().join("data");
    // Without a server: direct access.
    let id = ok_stdout(&cli(&data, &["structure", "add", "Médiathèque"], ""));
    assert_eq!(id, "1");
    let out = cli(
        &data,
        &[
            "user",
            "add",
            "--structure",
            "99",
            "--role",
            "agent",
            "--login",
            "x",
        ],
        "mot-de-passe-assez-long\n",
    );
    assert_eq!(out.status.code(), Some(2), "unknown structure is bad input");
    let out = cli(
        &data,
        &[
            "user",
            "add",
            "--structure",
            "1",
            "--role",
            "agent",
            "--login",
            "lea",
        ],
        "court\n",
    );
    assert_eq!(out.status.code(), Some(2), "password policy");

    // With a server: the same commands go through it, a backup is consistent.
    let server = Server::start_in(&data, &[]);
    let org = Org::create(&server, "cl", "Centre social");
    assert!(
        String::from_utf8_lossy(&server.cli(&["stats"], "").stderr).contains("sending the command")
    );
    let mut c = server.client();
    for _ in 0..5 {
        let body = serde_json::to_vec(&submission(&uuid())).expect("json");
        assert_eq!(
            c.request(
                "POST",
                "/api/results",
                Some(&body),
                &[("X-Kiosk-Token", &org.kiosk_token)],
                false
            )
            .status,
            201
        );
    }
    let backup = dir.path().join("backup");
    let out = server.cli(&["backup", backup.to_str().expect("utf-8 path")], "");
    assert!(
        ok_stdout(&out).contains("backup written"),
        "{}",
        ok_stdout(&out)
    );
    let out = server.cli(&["backup", backup.to_str().expect("utf-8 path")], "");
    assert!(!out.status.success(), "a backup never overwrites a folder");
    // A second server on the same folder is refused clearly.
    let dist = temp_dir();
    std::fs::write(dist.path().join("index.html"), "x").expect("index");
    let second = std::process::Command::new(repere_e2e::repere_bin())
        .args(["serve", "--port", "0", "--data"])
        .arg(&data)
        .arg("--dist")
        .arg(dist.path())
        .output()
        .expect("run");
    assert_eq!(second.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&second.stderr).contains("already in use"));
    server.stop();

    // The backup is a working store: serve it.
    let restored = Server::start_in(&backup, &[]);
    let s = stats(&backup);
    assert_eq!(
        (s["structures"], s["users"], s["kiosks"], s["results"]),
        (2, 3, 1, 5)
    );
    let mut trainer = Client::logged_in(&restored.base, &org.trainer, PASSWORD);
    assert_eq!(trainer.get("/api/profiles").json()["count"], 5);
    // Ids continue after the copy's own (no reuse).
    let id = ok_stdout(&restored.cli(&["structure", "add", "Après restauration"], ""));
    assert!(id.parse::<u64>().expect("id") > org.id);
}

#[test]
fn demo_mode_creates_the_demo_structure_once() {
    let dir = temp_dir();
    let data = dir.path().join("data");
    let server = Server::start_in(&data, &["--demo"]);
    let out = server.output();
    assert!(
        out.contains("Bureau de poste de démonstration") && out.contains("créés maintenant"),
        "{out}"
    );
    assert!(
        out.contains("demo-agent") && out.contains("demo-formateur") && out.contains("demo-admin")
    );
    for (login, pw) in [
        ("demo-agent", "demo-agent-repere"),
        ("demo-formateur", "demo-formateur-repere"),
        ("demo-admin", "demo-admin-repere"),
    ] {
        Client::logged_in(&server.base, login, pw);
    }
    let body = serde_json::to_vec(&submission(&uuid())).expect("json");
    let r = server.client().request(
        "POST",
        "/api/results",
        Some(&body),
        &[(
            "X-Kiosk-Token",
            "demo-borne-jeton-public-ne-pas-utiliser-en-production",
        )],
        false,
    );
    assert_eq!(r.status, 201);
    server.stop();
    let again = Server::start_in(&data, &["--demo"]);
    assert!(again.output().contains("créés au premier démarrage"));
    assert_eq!(stats(&data)["structures"], 1);
    drop(again);
    // --demo refuses a non-loopback address.
    let dist = temp_dir();
    std::fs::write(dist.path().join("index.html"), "x").expect("index");
    let out = std::process::Command::new(repere_e2e::repere_bin())
        .args([
            "serve", "--demo", "--addr", "0.0.0.0", "--port", "0", "--data",
        ])
        .arg(dir.path().join("other"))
        .arg("--dist")
        .arg(dist.path())
        .output()
        .expect("run");
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn administrative_changes_survive_sigkill() {
    let dir = temp_dir();
    let data = dir.path().join("data");
    let server = Server::start_in(&data, &["--demo"]);
    let mut admin = Client::logged_in(&server.base, "demo-admin", "demo-admin-repere");
    let k = admin.post(
        "/api/admin/kiosks",
        &serde_json::json!({ "name": "Borne du hall" }),
    );
    assert_eq!(k.status, 201);
    let code = k.json()["code"].as_str().expect("code").to_string();
    let u = admin.post(
        "/api/admin/users",
        &serde_json::json!({ "login": "agent-hall", "role": "agent", "password": "mot-de-passe-du-hall" }),
    );
    assert_eq!(u.status, 201);
    let hall = u.json()["login"].as_str().expect("login").to_string();
    let mut agent = Client::logged_in(&server.base, "demo-agent", "demo-agent-repere");
    let screening = agent.post(
        "/api/screenings",
        &serde_json::json!({ "person": "Inès", "consent": true }),
    );
    assert_eq!(screening.status, 201);
    let id = screening.json()["id"].as_str().expect("id").to_string();
    server.kill();

    let server = Server::start_in(&data, &[]);
    let token = repere_e2e::pair_kiosk(&server.base, &code);
    let body = serde_json::to_vec(&submission(&uuid())).expect("json");
    let r = server.client().request(
        "POST",
        "/api/results",
        Some(&body),
        &[("X-Kiosk-Token", &token)],
        false,
    );
    assert_eq!(r.status, 201, "the kiosk registered before the crash works");
    Client::logged_in(&server.base, &hall, "mot-de-passe-du-hall");
    let mut agent = Client::logged_in(&server.base, "demo-agent", "demo-agent-repere");
    let r = agent.post(
        &format!("/api/screenings/{id}/result"),
        &submission(&uuid()),
    );
    assert_eq!(r.status, 201, "{}", r.text());
    assert_eq!(r.json()["person"], "Inès");
}
