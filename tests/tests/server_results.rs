//! Result submission against the real server: kiosk and anonymous flows,
//! idempotency (sequential and concurrent), and every kind of bad submission
//! refused with a clear 4xx while nothing is stored.

use repere_e2e::{answer_log, right_response, stats, submission, uuid, Client, Org, Server};
use serde_json::{json, Value};

fn post_raw(c: &mut Client, body: &[u8], headers: &[(&str, &str)]) -> repere_e2e::Resp {
    c.request("POST", "/api/results", Some(body), headers, false)
}

fn post(c: &mut Client, body: &Value, headers: &[(&str, &str)]) -> repere_e2e::Resp {
    post_raw(c, &serde_json::to_vec(body).expect("json"), headers)
}

#[test]
fn anonymous_and_kiosk_results_are_stored_with_a_readable_code() {
    let server = Server::start(&[]);
    let org = Org::create(&server, "k", "Bureau de poste de Guéret");
    let mut c = server.client();

    let body = submission(&uuid());
    let r = post(&mut c, &body, &[]);
    assert_eq!(r.status, 201, "{}", r.text());
    let v = r.json();
    let code = v["code"].as_str().expect("code").to_string();
    assert_eq!(code.len(), 9);
    assert_eq!(&code[4..5], "-");
    assert!(
        code.chars()
            .all(|c| c == '-' || "23456789ACDEFGHJKMNPQRTVWXY".contains(c)),
        "{code}"
    );
    assert_eq!(v["source"], "anonymous");
    assert_eq!(v["attached"], false);
    assert!(v["theta"].as_f64().is_some_and(f64::is_finite));
    assert_eq!(
        v["items"].as_u64(),
        Some(body["answers"].as_array().expect("answers").len() as u64)
    );
    assert_eq!(v["profile"]["provisional"], false, "{v}");
    assert!(v["profile"]["class"]["label"].is_string(), "{v}");
    assert!(v["profile"]["orientation"]["modality"]["label"].is_string());

    let r = post(
        &mut c,
        &submission(&uuid()),
        &[("X-Kiosk-Token", &org.kiosk_token)],
    );
    assert_eq!(r.status, 201, "{}", r.text());
    assert_eq!(r.json()["source"], "kiosk");
    assert_eq!(r.json()["attached"], true);

    let before = stats(&server.data);
    let r = post(
        &mut c,
        &submission(&uuid()),
        &[("X-Kiosk-Token", "not-a-token")],
    );
    assert_eq!(r.status, 401);
    assert!(r.error().contains("Borne inconnue"), "{}", r.text());
    assert_eq!(stats(&server.data)["results"], before["results"]);
    assert_eq!(before["results"], 2);
    assert_eq!(before["unattached"], 1);
}

#[test]
fn scores_come_from_the_server_not_the_browser() {
    // Right answers must give a higher θ than skips: the server scores and replays.
    let right = answer_log(&uuid(), |_, item| right_response(item));
    let skips = answer_log(&uuid(), |_, _| repere_items::Response::Skip);
    let server = Server::start(&[]);
    let mut c = server.client();
    let good = post(&mut c, &right, &[]);
    assert_eq!(good.status, 201, "{}", good.text());
    let good = good.json();
    let bad = post(&mut c, &skips, &[]).json();
    let (tg, tb) = (
        good["theta"].as_f64().expect("θ"),
        bad["theta"].as_f64().expect("θ"),
    );
    assert!(tg > tb + 0.5, "θ right {tg} vs skips {tb}");
    let score_sum = |v: &Value| -> u64 {
        v["skills_answered"]
            .as_array()
            .expect("tallies")
            .iter()
            .map(|t| t["score"].as_u64().unwrap_or(0))
            .sum()
    };
    assert!(score_sum(&good) > 0);
    assert_eq!(score_sum(&bad), 0);
}

#[test]
fn the_same_uuid_twice_stores_one_result_and_gives_the_same_code() {
    let server = Server::start(&[]);
    let mut c = server.client();
    let body = submission(&uuid());
    let first = post(&mut c, &body, &[]);
    assert_eq!(first.status, 201);
    let second = post(&mut c, &body, &[]);
    assert_eq!(second.status, 200, "a retry is not a new result");
    assert_eq!(first.json()["code"], second.json()["code"]);
    assert_eq!(stats(&server.data)["results"], 1);

    // Same id with other answers: refused, the stored result is untouched.
    // (a shorter log: the person ended the test one answer earlier, still valid).
    let mut other = body.clone();
    other["answers"].as_array_mut().expect("answers").pop();
    let r = post(&mut c, &other, &[]);
    assert_eq!(r.status, 409, "{}", r.text());
    assert_eq!(stats(&server.data)["results"], 1);
}

#[test]
fn concurrent_duplicates_store_one_result() {
    let server = Server::start(&repere_e2e::LOAD);
    for _round in 0..3 {
        let body = serde_json::to_vec(&submission(&uuid())).expect("json");
        let barrier = std::sync::Arc::new(std::sync::Barrier::new(8));
        let handles: Vec<_> = (0..8)
            .map(|_| {
                let (base, body, barrier) = (server.base.clone(), body.clone(), barrier.clone());
                std::thread::spawn(move || {
                    let mut c = Client::new(&base);
                    barrier.wait();
                    let r = c.request("POST", "/api/results", Some(&body), &[], false);
                    (
                        r.status,
                        r.json()["code"].as_str().unwrap_or("").to_string(),
                    )
                })
            })
            .collect();
        let results: Vec<(u16, String)> = handles
            .into_iter()
            .map(|h| h.join().expect("thread"))
            .collect();
        let created = results.iter().filter(|(s, _)| *s == 201).count();
        assert_eq!(created, 1, "{results:?}");
        assert!(
            results.iter().all(|(s, _)| *s == 201 || *s == 200),
            "{results:?}"
        );
        let first = &results[0].1;
        assert!(results.iter().all(|(_, c)| c == first), "{results:?}");
    }
    assert_eq!(stats(&server.data)["results"], 3);
}

#[test]
fn bad_submissions_are_refused_clearly_and_nothing_is_stored() {
    let server = Server::start(&[]);
    let mut c = server.client();
    let bank = repere_e2e::bank();

    // Malformed JSON: 400 with line and column.
    let r = post_raw(&mut c, b"{\n  \"id\": \"x\",\n  oops\n}", &[]);
    assert_eq!(r.status, 400, "{}", r.text());
    assert!(r.error().contains("ligne 3, colonne 3"), "{}", r.error());

    // Oversized body: 413.
    let mut big = submission(&uuid());
    big["context"] = json!([{ "question": "x".repeat(70 * 1024), "answer": "y" }]);
    let r = post(&mut c, &big, &[]);
    assert_eq!(r.status, 413, "{}", r.text());
    assert!(r.error().contains("trop gros"), "{}", r.error());

    // Unknown item: 422 naming it.
    let mut unknown = submission(&uuid());
    unknown["answers"][1]["item"] = json!("mail.nexiste.99");
    let r = post(&mut c, &unknown, &[]);
    assert_eq!(r.status, 422, "{}", r.text());
    assert_eq!(r.json()["item"], "mail.nexiste.99");
    assert!(r.error().contains("mail.nexiste.99"), "{}", r.error());

    // Answer out of range: 422 naming the item.
    let mut out_of_range = submission(&uuid());
    let (k, item, n_options) = out_of_range["answers"]
        .as_array()
        .expect("answers")
        .iter()
        .enumerate()
        .find_map(|(k, a)| {
            let id = a["item"].as_str()?;
            match &bank.item(id)?.body {
                repere_items::Body::Single { options, .. } => {
                    Some((k, id.to_string(), options.len()))
                }
                _ => None,
            }
        })
        .expect("a single item in the test");
    out_of_range["answers"][k]["response"] = json!({ "choice": n_options });
    let r = post(&mut c, &out_of_range, &[]);
    assert_eq!(r.status, 422, "{}", r.text());
    assert_eq!(r.json()["item"], item.as_str());
    assert_eq!(r.json()["code"], "invalid_response");
    assert!(r.error().contains(&item), "{}", r.error());

    // A response of the wrong kind.
    let mut wrong_kind = submission(&uuid());
    wrong_kind["answers"][k]["response"] = json!({ "text": "bonjour" });
    assert_eq!(post(&mut c, &wrong_kind, &[]).status, 422);

    // Tampered profile, score or θ: 422, "computed by the server".
    for field in ["profile", "score", "theta"] {
        let mut tampered = submission(&uuid());
        tampered[field] = json!({ "class": "autonome" });
        let r = post(&mut c, &tampered, &[]);
        assert_eq!(r.status, 422, "{field}: {}", r.text());
        assert_eq!(r.json()["code"], "tampered");
        assert!(
            r.error().contains(field) && r.error().contains("calculé par le serveur"),
            "{}",
            r.error()
        );
    }
    let mut tampered_answer = submission(&uuid());
    tampered_answer["answers"][0]["score"] = json!(1);
    assert_eq!(
        post(&mut c, &tampered_answer, &[]).json()["code"],
        "tampered"
    );

    // Versions the server does not know, a repeated item, an empty log, a bad id.
    let mut old = submission(&uuid());
    old["referentiel"]["version"] = json!("0.0.1");
    assert_eq!(post(&mut c, &old, &[]).status, 422);
    let mut engine = submission(&uuid());
    engine["engine_version"] = json!("99.0.0");
    assert_eq!(post(&mut c, &engine, &[]).status, 422);
    let mut repeated = submission(&uuid());
    repeated["answers"][1] = repeated["answers"][0].clone();
    assert_eq!(post(&mut c, &repeated, &[]).status, 422);
    let mut empty = submission(&uuid());
    empty["answers"] = json!([]);
    assert_eq!(post(&mut c, &empty, &[]).status, 422);
    let mut bad_id = submission(&uuid());
    bad_id["id"] = json!("pas-un-uuid");
    assert_eq!(post(&mut c, &bad_id, &[]).status, 422);
    let mut context = submission(&uuid());
    context["context"] = json!([{ "question": "equipment", "answer": "fusee" }]);
    assert_eq!(post(&mut c, &context, &[]).status, 422);
    let mut unfinished = submission(&uuid());
    unfinished["finished_at"] = Value::Null;
    assert_eq!(post(&mut c, &unfinished, &[]).status, 422);

    // A valid log with one item id changed: the replay refuses it, naming the answer.
    let mut swapped = submission(&uuid());
    let used: Vec<String> = swapped["answers"]
        .as_array()
        .expect("answers")
        .iter()
        .filter_map(|a| a["item"].as_str().map(str::to_string))
        .collect();
    let other = bank
        .live_items()
        .find(|i| !used.contains(&i.id))
        .expect("a live item the test did not show");
    swapped["answers"][2]["item"] = json!(other.id);
    swapped["answers"][2]["response"] = json!("skip");
    let r = post(&mut c, &swapped, &[]);
    assert_eq!(r.status, 422, "{}", r.text());
    assert_eq!(r.json()["code"], "not_chosen", "{}", r.text());
    assert_eq!(r.json()["item"], other.id.as_str());
    assert!(r.error().contains("réponse n° 3"), "{}", r.error());

    assert_eq!(stats(&server.data)["results"], 0, "nothing stored");
}
