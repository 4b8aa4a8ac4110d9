//! Attacks against the real server, each as it was found, each refused: a foreign
//! answer log replayed, a burst of anonymous results, hundreds of silent sockets,
//! an account hammered by someone else, over-long paths, result codes in logs,
//! impossible dates and ids, another site's name, and the headers every answer
//! carries.

use std::io::Read;
use std::net::TcpStream;
use std::time::Duration;

use repere_e2e::{submission, uuid, Client, Org, Resp, Server, PASSWORD};
use serde_json::{json, Value};

fn post_result(c: &mut Client, body: &Value, headers: &[(&str, &str)]) -> Resp {
    let bytes = serde_json::to_vec(body).expect("json");
    c.request("POST", "/api/results", Some(&bytes), headers, false)
}

/// An agent's screening of `person` (consenting) with `log`: the answer.
fn screened(agent: &mut Client, person: &str, log: &Value) -> Resp {
    let r = agent.post(
        "/api/screenings",
        &json!({ "person": person, "consent": true }),
    );
    assert_eq!(r.status, 201, "{}", r.text());
    let id = r.json()["id"].as_str().expect("id").to_string();
    agent.post(&format!("/api/screenings/{id}/result"), log)
}

#[test]
fn a_replayed_log_learns_nothing_of_another_structure() {
    let server = Server::start(&[]);
    let a = Org::create(&server, "ra", "Bureau de poste A");
    let b = Org::create(&server, "rb", "Bureau de poste B");
    let mut agent_a = Client::logged_in(&server.base, &a.agent, PASSWORD);
    let log = submission(&uuid());
    let first = screened(&mut agent_a, "Capucine", &log);
    assert_eq!(first.status, 201, "{}", first.text());
    let code = first.json()["code"].as_str().expect("code").to_string();

    // The agent's own retry is answered (idempotent), with the same code.
    let again = screened(&mut agent_a, "Capucine", &log);
    assert_eq!(again.status, 200, "{}", again.text());
    assert_eq!(again.json()["code"], code.as_str());

    let mut replays = vec![
        ("anonymous", post_result(&mut server.client(), &log, &[])),
        (
            "another structure's kiosk",
            post_result(
                &mut server.client(),
                &log,
                &[("X-Kiosk-Token", &b.kiosk_token)],
            ),
        ),
        (
            "the same structure's kiosk",
            post_result(
                &mut server.client(),
                &log,
                &[("X-Kiosk-Token", &a.kiosk_token)],
            ),
        ),
    ];
    let mut agent_b = Client::logged_in(&server.base, &b.agent, PASSWORD);
    replays.push((
        "another structure's agent",
        screened(&mut agent_b, "X", &log),
    ));
    for (who, r) in replays {
        assert_eq!(r.status, 409, "{who}: {}", r.text());
        let text = r.text();
        assert!(!text.contains(&code), "{who} got the code: {text}");
        assert!(!text.contains("Capucine"), "{who} got the name: {text}");
    }
    // And a kiosk's result replayed anonymously.
    let kiosk_log = submission(&uuid());
    let k = post_result(
        &mut server.client(),
        &kiosk_log,
        &[("X-Kiosk-Token", &a.kiosk_token)],
    );
    assert_eq!(k.status, 201, "{}", k.text());
    let kiosk_code = k.json()["code"].as_str().expect("code").to_string();
    let r = post_result(&mut server.client(), &kiosk_log, &[]);
    assert_eq!(r.status, 409, "{}", r.text());
    assert!(!r.text().contains(&kiosk_code));
    let r = post_result(
        &mut server.client(),
        &kiosk_log,
        &[("X-Kiosk-Token", &a.kiosk_token)],
    );
    assert_eq!(r.status, 200, "the kiosk's own retry: {}", r.text());
    assert_eq!(r.json()["code"], kiosk_code.as_str());
}

#[test]
fn a_burst_of_anonymous_results_is_throttled_and_kiosks_are_counted_apart() {
    let server = Server::start(&[]);
    let org = Org::create(&server, "bu", "Médiathèque");
    let mut c = server.client();
    let mut statuses = Vec::new();
    for _ in 0..25 {
        statuses.push(post_result(&mut c, &submission(&uuid()), &[]).status);
    }
    assert_eq!(statuses[..20], [201; 20], "{statuses:?}");
    let r = post_result(&mut c, &submission(&uuid()), &[]);
    assert_eq!(r.status, 429, "{}", r.text());
    let retry = r.retry_after();
    assert!((1..=600).contains(&retry), "{retry}");
    assert!(statuses[20..].iter().all(|&s| s == 429), "{statuses:?}");
    let stored = repere_e2e::stats(&server.data)["results"];
    assert_eq!(stored, 20);
    // A kiosk of the same address is not held back by the anonymous flood.
    let r = post_result(
        &mut c,
        &submission(&uuid()),
        &[("X-Kiosk-Token", &org.kiosk_token)],
    );
    assert_eq!(r.status, 201, "{}", r.text());
    // Only JSON is an answer log; another site's page cannot post one.
    let r = post_result(
        &mut server.client(),
        &submission(&uuid()),
        &[
            ("X-Kiosk-Token", &org.kiosk_token),
            ("Content-Type", "text/plain"),
        ],
    );
    assert_eq!(r.status, 415, "{}", r.text());
    let r = post_result(
        &mut server.client(),
        &submission(&uuid()),
        &[
            ("X-Kiosk-Token", &org.kiosk_token),
            ("Origin", "https://evil.example"),
        ],
    );
    assert_eq!(r.status, 403, "{}", r.text());
}

#[test]
fn limits_survive_a_restart() {
    let dir = repere_e2e::temp_dir();
    let data = dir.path().join("data");
    let server = Server::start_in(&data, &[]);
    let mut c = server.client();
    for _ in 0..20 {
        assert_eq!(post_result(&mut c, &submission(&uuid()), &[]).status, 201);
    }
    server.stop();
    let server = Server::start_in(&data, &[]);
    let r = post_result(&mut server.client(), &submission(&uuid()), &[]);
    assert_eq!(r.status, 429, "{}", r.text());
}

#[test]
fn hundreds_of_silent_sockets_do_not_stop_the_server() {
    let server = Server::start(&[]);
    let addr = server.base.trim_start_matches("http://").to_string();
    let mut silent: Vec<TcpStream> = (0..300)
        .map(|_| TcpStream::connect(&addr).expect("connect"))
        .collect();
    let r = server.client().get("/api/health");
    assert_eq!(r.status, 200, "{}", r.text());
    assert_eq!(r.json()["status"], "ok");
    // The oldest silent sockets were closed to make room: reading one ends.
    let first = &mut silent[0];
    first
        .set_read_timeout(Some(Duration::from_secs(30)))
        .expect("timeout");
    let mut buf = [0u8; 1];
    assert_eq!(first.read(&mut buf).expect("closed, not timed out"), 0);
}

#[test]
fn the_real_user_logs_in_while_an_attacker_hammers_the_account() {
    let dir = repere_e2e::temp_dir();
    let data = dir.path().join("data");
    let server = Server::start_in(&data, &[]);
    let org = Org::create(&server, "ha", "Maison France services");
    // The agent's tablet: logged in before, it holds a device cookie.
    let mut tablet = Client::logged_in(&server.base, &org.agent, PASSWORD);
    assert!(tablet.device.is_some());
    tablet.cookie = None;
    // The attacker: 30 wrong passwords.
    let mut attacker = server.client();
    let mut statuses = Vec::new();
    for _ in 0..30 {
        statuses.push(attacker.login(&org.agent, "devine-devine").status);
    }
    assert!(statuses[..5].iter().all(|&s| s == 401), "{statuses:?}");
    assert!(statuses[5..].iter().all(|&s| s == 429), "{statuses:?}");
    // The attacker is refused even with the right password…
    assert_eq!(attacker.login(&org.agent, PASSWORD).status, 429);
    // …the agent on their tablet is not.
    let r = tablet.login(&org.agent, PASSWORD);
    assert_eq!(r.status, 200, "{}", r.text());
    assert_eq!(tablet.get("/api/me").status, 200);
    // A forged device cookie is not a known device.
    let mut forger = server.client();
    forger.device = Some("00112233aabbccdd.00000000000000000000000000000000".into());
    assert_eq!(forger.login(&org.agent, PASSWORD).status, 429);
    // The lock holds across a restart, and the tablet still gets in.
    let tablet_device = tablet.device.clone();
    server.stop();
    let server = Server::start_in(&data, &[]);
    assert_eq!(server.client().login(&org.agent, PASSWORD).status, 429);
    let mut tablet = server.client();
    tablet.device = tablet_device;
    assert_eq!(tablet.login(&org.agent, PASSWORD).status, 200);
}

#[test]
fn long_paths_answer_404() {
    let server = Server::start_logging(&[]);
    let long = "a".repeat(300);
    let mut c = server.client();
    for path in [
        format!("/{long}"),
        format!("/api/results/{long}"),
        format!("/pictures/{long}.webp"),
        format!("/api/{long}"),
    ] {
        assert_eq!(c.get(&path).status, 404, "{path}");
    }
    assert!(!server.output().contains(" ERROR "), "{}", server.output());
}

#[test]
fn result_codes_never_reach_the_logs() {
    let server = Server::start_logging(&[]);
    let org = Org::create(&server, "lo", "Bureau de poste L");
    let mut agent = Client::logged_in(&server.base, &org.agent, PASSWORD);
    let screening = screened(&mut agent, "Léontine", &submission(&uuid()));
    assert_eq!(screening.status, 201);
    let own = screening.json()["code"].as_str().expect("code").to_string();
    let anon = post_result(&mut server.client(), &submission(&uuid()), &[]);
    let code = anon.json()["code"].as_str().expect("code").to_string();
    assert_eq!(agent.get(&format!("/api/results/{code}")).status, 200);
    let r = agent.post(&format!("/api/results/{code}/attach"), &json!({}));
    assert_eq!(r.status, 200, "{}", r.text());
    assert_eq!(agent.get(&format!("/api/results/{code}/sheet")).status, 200);
    assert_eq!(agent.get(&format!("/api/results/{code}/data")).status, 200);
    assert_eq!(agent.delete(&format!("/api/results/{own}")).status, 204);
    let out = server.output();
    assert!(out.contains("result stored"), "the logs are on: {out}");
    for c in [&own, &code] {
        assert!(!out.contains(c.as_str()), "{c} in the logs:\n{out}");
        assert!(
            !out.contains(&c.replace('-', "")),
            "{c} in the logs:\n{out}"
        );
    }
    assert!(!out.contains("Léontine"));
    // The security-event log: ids and counts, owner-only.
    assert_eq!(
        server
            .client()
            .login(&org.agent, "pas-le-bon-secret")
            .status,
        401
    );
    let path = server.data.join("security.log");
    let log = std::fs::read_to_string(&path).expect("security.log");
    for event in [
        "\"login\"",
        "\"login failed\"",
        "\"personal data exported\"",
        "\"result deleted\"",
        "\"result attached\"",
    ] {
        assert!(log.contains(event), "{event} missing:\n{log}");
    }
    for secret in [
        own.as_str(),
        code.as_str(),
        "Léontine",
        org.agent.as_str(),
        "127.0.0.1",
    ] {
        assert!(!log.contains(secret), "{secret} in security.log:\n{log}");
    }
    for line in log.lines() {
        let v: Value = serde_json::from_str(line).expect("one JSON event per line");
        assert!(v["timestamp"].is_string(), "{line}");
    }
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&path).expect("meta").permissions().mode() & 0o777;
        assert_eq!(mode, 0o600, "{mode:o}");
    }
}

#[test]
fn impossible_dates_ids_and_names_are_refused_plainly() {
    let server = Server::start(&[]);
    let mut c = server.client();
    for (field, value) in [
        ("started_at", json!(0)),
        ("started_at", json!(32_503_680_000_000u64)),
        ("started_at", json!(u64::MAX)),
        ("finished_at", json!(32_503_680_000_000u64)),
    ] {
        let mut log = submission(&uuid());
        log[field] = value.clone();
        let r = post_result(&mut c, &log, &[]);
        assert_eq!(r.status, 422, "{field} = {value}: {}", r.text());
        assert_eq!(r.json()["field"], field, "{}", r.text());
        assert!(r.error().contains("heure de l'appareil"), "{}", r.text());
    }
    // One test, one id: the same UUID in capitals is not a second result.
    let id = uuid();
    let r = post_result(&mut c, &submission(&id), &[]);
    assert_eq!(r.status, 201);
    let mut upper = submission(&id);
    upper["id"] = json!(id.to_uppercase());
    let r = post_result(&mut c, &upper, &[]);
    assert_eq!(r.status, 422, "{}", r.text());
    assert!(r.text().contains("canonical"), "{}", r.text());
    assert_eq!(repere_e2e::stats(&server.data)["results"], 1);

    let org = Org::create(&server, "na", "Bureau de poste N");
    let mut agent = Client::logged_in(&server.base, &org.agent, PASSWORD);
    let r = agent.post(
        "/api/screenings",
        &json!({ "person": "Zo\u{7}é", "consent": true }),
    );
    assert_eq!(r.status, 422);
    assert!(r.error().contains("caractère invisible"), "{}", r.error());
    assert_eq!(r.json()["field"], "person");
}

#[test]
fn another_sites_name_reaches_nothing_and_deployments_get_host_cookies() {
    let server = Server::start(&["--public-host", "repere.example.fr", "--demo"]);
    let mut c = server.client();
    let r = c.request(
        "GET",
        "/api/health",
        None,
        &[("Host", "evil.example")],
        false,
    );
    assert_eq!(r.status, 421, "{}", r.text());
    let r = c.request("GET", "/", None, &[("Host", "evil.example")], false);
    assert_eq!(r.status, 421);
    let r = c.request(
        "GET",
        "/api/health",
        None,
        &[("Host", "repere.example.fr")],
        false,
    );
    assert_eq!(r.status, 200);
    // A login through the public name: `__Host-` cookies, `Secure`.
    let body =
        serde_json::to_vec(&json!({ "login": "demo-agent", "password": "demo-agent-repere" }))
            .expect("json");
    let r = c.request(
        "POST",
        "/api/login",
        Some(&body),
        &[("Host", "repere.example.fr")],
        false,
    );
    assert_eq!(r.status, 200, "{}", r.text());
    let cookies: Vec<&String> = r
        .headers
        .iter()
        .filter(|(k, _)| k == "set-cookie")
        .map(|(_, v)| v)
        .collect();
    assert_eq!(cookies.len(), 2, "{cookies:?}");
    for cookie in cookies {
        assert!(cookie.starts_with("__Host-repere_"), "{cookie}");
        assert!(cookie.contains("; Secure"), "{cookie}");
        assert!(cookie.contains("Path=/"), "{cookie}");
        assert!(!cookie.contains("Domain"), "{cookie}");
    }
}

#[test]
fn every_page_and_file_carries_the_security_headers() {
    let page = "<!doctype html><title>Repère</title><script type=\"module\">start()</script>";
    let server = Server::start_with_dist(
        &["--demo"],
        &[
            ("index.html", page.as_bytes()),
            ("repere-app-0123456789abcdef.js", b"export {}"),
            ("fonts/x.woff2", b"font"),
        ],
    );
    let mut c = server.client();
    let mut agent = Client::logged_in(&server.base, "demo-agent", "demo-agent-repere");
    let code = post_result(&mut c, &submission(&uuid()), &[]).json()["code"]
        .as_str()
        .expect("code")
        .to_string();
    let sheet = agent.get(&format!("/api/results/{code}/sheet"));
    assert_eq!(sheet.status, 200);
    let answers = [
        ("/", c.get("/")),
        ("/agent", c.get("/agent")),
        (
            "/repere-app-0123456789abcdef.js",
            c.get("/repere-app-0123456789abcdef.js"),
        ),
        ("/fonts/x.woff2", c.get("/fonts/x.woff2")),
        ("/api/health", c.get("/api/health")),
        ("/nowhere.png", c.get("/nowhere.png")),
        ("sheet", sheet),
    ];
    for (path, r) in &answers {
        for (h, v) in [
            ("x-content-type-options", "nosniff"),
            ("referrer-policy", "no-referrer"),
            ("x-frame-options", "DENY"),
        ] {
            assert_eq!(r.header(h), Some(v), "{h} of {path}");
        }
        let csp = r.header("content-security-policy").unwrap_or("");
        assert!(csp.contains("frame-ancestors 'none'"), "{path}: {csp}");
        let script = csp
            .split(';')
            .find(|d| d.trim().starts_with("script-src"))
            .unwrap_or("");
        assert!(!script.contains("unsafe-inline"), "{path}: {csp}");
    }
    // The page allows its own inline loader by its hash, nothing else inline.
    // `printf 'start()' | openssl dgst -sha256 -binary | base64`
    let csp = answers[0].1.header("content-security-policy").unwrap_or("");
    assert!(
        csp.contains("'sha256-DIm7WJS6ZKDYe5qFLPy+h4JFI9Bol5QmYC57mt3Fb00='"),
        "{csp}"
    );
    let sheet_csp = answers[6].1.header("content-security-policy").unwrap_or("");
    assert!(sheet_csp.contains("script-src 'none'"), "{sheet_csp}");
}
