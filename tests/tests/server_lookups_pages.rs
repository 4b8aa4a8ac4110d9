//! Result codes are bearer secrets: failed lookups are limited per account and per
//! client address. The trainer's list pages past 1,000 profiles, and exports stay
//! complete.

use std::collections::HashSet;

use repere_e2e::{submission, uuid, Client, Org, Server, PASSWORD};
use serde_json::{json, Value};

/// Codes that are well formed but belong to no result (alphabet without
/// 0 O 1 I L B S Z U).
fn unknown_code(k: usize) -> String {
    const A: &[u8] = b"ACDEFGHJKMNPQRTVWXY23456789";
    let mut c = String::new();
    let mut n = k + 7_777;
    for i in 0..8 {
        if i == 4 {
            c.push('-');
        }
        c.push(char::from(A[n % A.len()]));
        n /= A.len();
    }
    c
}

/// One of the endpoints that take a code, in turn.
fn lookup(c: &mut Client, k: usize, code: &str) -> u16 {
    match k % 5 {
        0 => c.get(&format!("/api/results/{code}")).status,
        1 => c.get(&format!("/api/results/{code}/sheet")).status,
        2 => c.get(&format!("/api/results/{code}/data")).status,
        3 => {
            c.post(&format!("/api/results/{code}/attach"), &json!({}))
                .status
        }
        _ => c.delete(&format!("/api/results/{code}")).status,
    }
}

#[test]
fn unknown_codes_are_limited_per_account_and_per_address() {
    let server = Server::start(&[]);
    let org = Org::create(&server, "rl", "Structure R");
    // A real code of the structure.
    let body = serde_json::to_vec(&submission(&uuid())).expect("json");
    let r = server.client().request(
        "POST",
        "/api/results",
        Some(&body),
        &[("X-Kiosk-Token", &org.kiosk_token)],
        false,
    );
    assert_eq!(r.status, 201);
    let real = r.json()["code"].as_str().expect("code").to_string();
    // A fourth account, made before the address is blocked.
    let mut admin = Client::logged_in(&server.base, &org.admin, PASSWORD);
    let r = admin.post(
        "/api/admin/users",
        &json!({ "login": "rl-agent2", "role": "agent", "password": PASSWORD }),
    );
    assert_eq!(r.status, 201);
    let login2 = r.json()["login"].as_str().expect("login").to_string();
    let mut agent = Client::logged_in(&server.base, &org.agent, PASSWORD);
    let mut trainer = Client::logged_in(&server.base, &org.trainer, PASSWORD);
    let mut agent2 = Client::logged_in(&server.base, &login2, PASSWORD);

    // Malformed codes probe nothing and are not counted.
    for _ in 0..30 {
        assert_eq!(agent.get("/api/results/pas-un-code").status, 400);
    }
    // 20 unknown codes per account, on every endpoint that takes a code.
    for k in 0..20 {
        assert_eq!(lookup(&mut agent, k, &unknown_code(k)), 404, "lookup {k}");
    }
    // The 21st lookup is refused, even of a real code.
    let r = agent.get(&format!("/api/results/{real}"));
    assert_eq!(r.status, 429, "{}", r.text());
    let retry = r.retry_after();
    assert!((1..=900).contains(&retry), "{retry}");
    assert!(
        r.error().contains("Trop de codes inconnus"),
        "{}",
        r.error()
    );
    for k in 0..5 {
        assert_eq!(lookup(&mut agent, k, &real), 429);
    }
    // Another account from the same address still works, and finds real codes.
    assert_eq!(trainer.get(&format!("/api/results/{real}")).status, 200);
    // Found codes are not failures: 30 lookups of the real one change nothing.
    for _ in 0..30 {
        assert_eq!(trainer.get(&format!("/api/results/{real}")).status, 200);
    }
    // Per address: 60 failures from 127.0.0.1 (20 + 20 + 20) block every account
    // there, also one that never failed.
    for k in 20..40 {
        assert_eq!(lookup(&mut trainer, k, &unknown_code(k)), 404, "lookup {k}");
    }
    for k in 40..60 {
        // (Admins do not attach results: their lookups go through the others.)
        let code = unknown_code(k);
        let status = if k % 5 == 3 {
            admin.get(&format!("/api/results/{code}")).status
        } else {
            lookup(&mut admin, k, &code)
        };
        assert_eq!(status, 404, "lookup {k}");
    }
    let r = agent2.get(&format!("/api/results/{real}"));
    assert_eq!(r.status, 429, "{}", r.text());
    assert!(r.header("retry-after").is_some());
    // The limits touch only code lookups: the trainer's list still answers.
    assert_eq!(trainer.get("/api/profiles").json()["count"], 1);
}

/// Sends `n` kiosk results with 4 threads; returns their codes.
fn submit_many(server: &Server, token: &str, n: usize) -> Vec<String> {
    let per = n.div_ceil(4);
    let handles: Vec<_> = (0..4)
        .map(|t| {
            let base = server.base.clone();
            let token = token.to_string();
            std::thread::spawn(move || {
                let mut c = Client::pooled(&base);
                let mut codes = Vec::new();
                for _ in 0..per.min(n.saturating_sub(t * per)) {
                    let body = serde_json::to_vec(&submission(&uuid())).expect("json");
                    let r = c.request(
                        "POST",
                        "/api/results",
                        Some(&body),
                        &[("X-Kiosk-Token", &token)],
                        false,
                    );
                    assert_eq!(r.status, 201, "{}", r.text());
                    codes.push(r.json()["code"].as_str().expect("code").to_string());
                }
                codes
            })
        })
        .collect();
    handles
        .into_iter()
        .flat_map(|h| h.join().expect("thread"))
        .collect()
}

#[test]
fn the_list_pages_past_1000_profiles_and_exports_stay_complete() {
    let server = Server::start(&repere_e2e::LOAD);
    let org = Org::create(&server, "pg", "Structure P");
    let sent = submit_many(&server, &org.kiosk_token, 1_050);
    assert_eq!(sent.len(), 1_050);
    let mut trainer = Client::logged_in(&server.base, &org.trainer, PASSWORD);

    // Default page: the newest 100, with the total.
    let first = trainer.get("/api/profiles").json();
    assert_eq!(first["count"], 1_050);
    assert_eq!(first["shown"], 100);
    assert_eq!(first["limit"], 100);
    assert!(first["next"].is_string());

    // Pages of 1,000: two pages cover everything once, newest first.
    let mut seen: Vec<Value> = Vec::new();
    let mut cursor: Option<String> = None;
    let mut pages = 0;
    loop {
        let path = match &cursor {
            None => "/api/profiles?limit=1000".to_string(),
            Some(c) => format!("/api/profiles?limit=1000&before={c}"),
        };
        let page = trainer.get(&path);
        assert_eq!(page.status, 200, "{}", page.text());
        let page = page.json();
        assert_eq!(
            page["count"], 1_050,
            "the total does not depend on the page"
        );
        let profiles = page["profiles"].as_array().expect("profiles").clone();
        assert_eq!(page["shown"].as_u64(), Some(profiles.len() as u64));
        seen.extend(profiles);
        pages += 1;
        match page["next"].as_str() {
            Some(next) => cursor = Some(next.to_string()),
            None => break,
        }
        assert!(pages < 5, "the cursor does not advance");
    }
    assert_eq!(pages, 2);
    assert_eq!(seen.len(), 1_050);
    let codes: HashSet<&str> = seen.iter().filter_map(|p| p["code"].as_str()).collect();
    let expected: HashSet<&str> = sent.iter().map(String::as_str).collect();
    assert_eq!(codes, expected, "every profile once");
    let times: Vec<i64> = seen
        .iter()
        .filter_map(|p| p["received_at"].as_i64())
        .collect();
    assert!(times.windows(2).all(|w| w[0] >= w[1]), "newest first");
    // The first page of 100 is the start of the same order.
    let head: Vec<&Value> = first["profiles"]
        .as_array()
        .expect("profiles")
        .iter()
        .map(|p| &p["code"])
        .collect();
    let walked: Vec<&Value> = seen.iter().take(100).map(|p| &p["code"]).collect();
    assert_eq!(head, walked);

    // A result that arrives between two pages does not shift the next page.
    let page1 = trainer.get("/api/profiles?limit=10").json();
    let next = page1["next"].as_str().expect("next").to_string();
    submit_many(&server, &org.kiosk_token, 1);
    let page2 = trainer
        .get(&format!("/api/profiles?limit=10&before={next}"))
        .json();
    assert_eq!(page2["count"], 1_051);
    assert_eq!(page2["profiles"][0]["code"], seen[10]["code"]);

    // Bad page parameters: 400 with a message.
    for bad in [
        "limit=0",
        "limit=1001",
        "limit=dix",
        "before=n-importe-quoi",
        "before=12.ab%20cd",
    ] {
        let r = trainer.get(&format!("/api/profiles?{bad}"));
        assert_eq!(r.status, 400, "{bad}: {}", r.text());
        assert!(!r.error().is_empty());
    }

    // Exports hold every profile, whatever the list's pages.
    let json = trainer.get("/api/export?format=json").json();
    assert_eq!(json.as_array().map(Vec::len), Some(1_051));
    let csv = trainer.get("/api/export?format=csv").text();
    assert_eq!(csv.trim_end().split("\r\n").count(), 1 + 1_051);
}
