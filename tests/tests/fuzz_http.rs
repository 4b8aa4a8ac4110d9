//! Fuzz target (`cargo xtask fuzz`; `#[ignore]`d in the test suite): the JSON
//! bodies of every API route that reads one, and the query strings of the
//! trainer's lists and exports, sent to the real server by each role (and by
//! nobody). Bodies are valid ones changed node by node, byte mutations of them,
//! or random bytes, under various content types. Whatever arrives, the server
//! answers without a 5xx, logs no panic, and still answers `/api/health`.
//!
//! Sessions must outlive the run: no case can end one (bodies that change a
//! password or disable an account name an account no client uses, or carry a
//! wrong current password), and logout, whose body is not read, is left out.

use std::cell::RefCell;

use proptest::prelude::*;
use repere_e2e::{submission, uuid, Client, Server};
use repere_fuzz::{any_json, bytes_mutated, json_mutated};
use serde_json::{json, Value};

/// Who sends a case.
const ROLES: [&str; 4] = ["nobody", "agent", "trainer", "admin"];

/// Field names the bodies know.
const KEYS: &[&str] = &[
    "login",
    "password",
    "role",
    "name",
    "code",
    "person",
    "consent",
    "current",
    "new",
    "op",
    "structure",
    "dir",
    "answers",
    "context",
    "id",
];

#[test]
#[ignore = "fuzzing: `cargo xtask fuzz`"]
fn fuzz_http_bodies() {
    let server = Server::start(&["--demo"]);
    let login = |l: &str, p: &str| Client::logged_in(&server.base, l, p);
    let mut admin = login("demo-admin", "demo-admin-repere");
    // The account whose password and state the cases change.
    let r = admin.post(
        "/api/admin/users",
        &json!({ "login": "fuzz-cible", "role": "agent", "password": "mot-de-passe-cible-1" }),
    );
    assert_eq!(r.status, 201, "{}", r.text());
    let target = r.json()["id"].as_u64().expect("account id");
    let r = admin.post("/api/admin/kiosks", &json!({ "name": "Borne de test" }));
    assert_eq!(r.status, 201, "{}", r.text());
    let kiosk = r.json()["id"].as_u64().expect("kiosk id");
    let mut agent = login("demo-agent", "demo-agent-repere");
    let r = agent.post(
        "/api/screenings",
        &json!({ "person": "Zoé", "consent": true }),
    );
    let screening = r.json()["id"].as_str().expect("screening").to_string();
    let log = submission(&uuid());
    let r = Client::new(&server.base).request(
        "POST",
        "/api/results",
        Some(&serde_json::to_vec(&log).expect("json")),
        &[("Content-Type", "application/json")],
        false,
    );
    let code = r.json()["code"].as_str().expect("code").to_string();

    // (path, valid bodies)
    let routes: Vec<(String, Vec<Value>)> = vec![
        (
            "/api/login".into(),
            vec![json!({ "login": "fuzz-personne", "password": "mauvais-mot-de-passe" })],
        ),
        (
            "/api/me/password".into(),
            vec![json!({ "current": "pas-le-bon-mot-de-passe", "new": "un-nouveau-mot-de-passe" })],
        ),
        (
            "/api/results".into(),
            vec![log.clone(), submission(&uuid())],
        ),
        (
            "/api/screenings".into(),
            vec![json!({ "person": "Élise", "consent": true }), json!({})],
        ),
        (
            format!("/api/screenings/{screening}/result"),
            vec![log.clone()],
        ),
        (format!("/api/results/{code}/attach"), vec![json!({})]),
        (
            "/api/admin/users".into(),
            vec![
                json!({ "login": "fuzz-nouveau", "role": "trainer", "password": "mot-de-passe-long-1" }),
            ],
        ),
        (
            format!("/api/admin/users/{target}/password"),
            vec![json!({ "password": "mot-de-passe-cible-2" }), json!({})],
        ),
        (
            format!("/api/admin/users/{target}/disable"),
            vec![json!({})],
        ),
        (format!("/api/admin/users/{target}/enable"), vec![json!({})]),
        ("/api/admin/kiosks".into(), vec![json!({ "name": "Borne" })]),
        (format!("/api/admin/kiosks/{kiosk}/code"), vec![json!({})]),
        (
            "/api/kiosk/pair".into(),
            vec![json!({ "code": "ABCD-EFGH-JK" })],
        ),
        (
            "/api/kiosk/unpair".into(),
            vec![json!({ "login": "fuzz-personne", "password": "mauvais-mot-de-passe" })],
        ),
        ("/api/local".into(), vec![json!({ "op": "stats" })]),
    ];
    let query_paths = [
        "/api/profiles",
        "/api/export",
        "/api/export/technical",
        "/api/groups",
    ];
    let clients = RefCell::new(vec![
        Client::new(&server.base),
        agent,
        login("demo-formateur", "demo-formateur-repere"),
        admin,
    ]);

    let body = |seeds: Vec<Value>| {
        let bytes: Vec<Vec<u8>> = seeds
            .iter()
            .map(|v| serde_json::to_vec(v).expect("json"))
            .collect();
        prop_oneof![
            4 => json_mutated(seeds, KEYS).prop_map(|v| serde_json::to_vec(&v).unwrap_or_default()),
            3 => bytes_mutated(bytes),
            1 => any_json().prop_map(|v| serde_json::to_vec(&v).unwrap_or_default()),
            1 => prop::collection::vec(any::<u8>(), 0..128),
        ]
    };
    let content_type = prop::sample::select(vec![
        "application/json",
        "application/json; charset=utf-8",
        "text/plain",
        "application/x-www-form-urlencoded",
        "",
    ]);
    let route_cases: Vec<BoxedStrategy<Case>> = routes
        .into_iter()
        .map(|(path, seeds)| {
            (0..ROLES.len(), body(seeds), content_type.clone())
                .prop_map(move |(role, body, ct)| Case::Body {
                    path: path.clone(),
                    role,
                    body,
                    content_type: ct,
                })
                .boxed()
        })
        .collect();
    let query_value = prop_oneof![
        "[0-9]{4}-[0-9]{2}-[0-9]{2}",
        "[a-z_.]{0,12}",
        "-?[0-9]{1,20}",
        ".{0,12}",
        Just("%".to_string()),
        Just("%ff".to_string()),
    ];
    let query = (
        prop::sample::select(query_paths.to_vec()),
        0..ROLES.len(),
        prop::collection::vec(
            (
                prop::sample::select(vec![
                    "from",
                    "to",
                    "domain",
                    "level",
                    "skill",
                    "orientation",
                    "class",
                    "size",
                    "format",
                    "limit",
                    "before",
                    "x",
                ]),
                query_value,
            ),
            0..5,
        ),
    )
        .prop_map(|(path, role, pairs)| Case::Query {
            path: path.to_string(),
            role,
            pairs,
        })
        .boxed();
    let strategy = prop_oneof![prop::strategy::Union::new(route_cases), query];

    let checked = std::cell::Cell::new(0u64);
    repere_fuzz::run("http_bodies", strategy, |case| {
        let mut clients = clients.borrow_mut();
        let (what, r) = match &case {
            Case::Body {
                path,
                role,
                body,
                content_type,
            } => {
                let headers: Vec<(&str, &str)> = if content_type.is_empty() {
                    Vec::new()
                } else {
                    vec![("Content-Type", *content_type)]
                };
                let r = clients[*role].request("POST", path, Some(body), &headers, true);
                (format!("POST {path} as {}", ROLES[*role]), r)
            }
            Case::Query { path, role, pairs } => {
                let q: Vec<String> = pairs
                    .iter()
                    .map(|(k, v)| format!("{k}={}", encode(v)))
                    .collect();
                let url = format!("{path}?{}", q.join("&"));
                let r = clients[*role].get(&url);
                (format!("GET {url} as {}", ROLES[*role]), r)
            }
        };
        checked.set(checked.get() + 1);
        if r.status >= 500 {
            return Err(format!("{what}: {} {}", r.status, r.text()));
        }
        Ok(())
    });
    let health = Client::new(&server.base).get("/api/health");
    assert_eq!(health.status, 200, "the server still answers");
    let output = server.output();
    assert!(!output.contains("panicked"), "{output}");
    assert!(checked.get() > 0);
}

#[derive(Clone, Debug)]
enum Case {
    Body {
        path: String,
        role: usize,
        body: Vec<u8>,
        content_type: &'static str,
    },
    Query {
        path: String,
        role: usize,
        pairs: Vec<(&'static str, String)>,
    },
}

/// Percent-encodes a query value (every byte outside unreserved characters).
fn encode(v: &str) -> String {
    v.bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() || b"-._~".contains(&b) {
                (b as char).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect()
}
