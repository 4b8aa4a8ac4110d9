//! An agent's own recent screenings (`GET /api/screenings`): only theirs, in
//! their structure, over the last 7 days of the structure's time zone. The
//! trainer's export in plain words (where, « Je ne sais pas », the context
//! answers, the time of day) and the technical export (θ, SE) beside it.

use std::path::Path;

use repere_e2e::{
    answer_log_in_context, ok_stdout, submission, temp_dir, uuid, Client, Org, Resp, Server,
    PASSWORD,
};
use serde_json::{json, Value};

fn code_of(r: &Resp) -> String {
    r.json()["code"].as_str().expect("code").to_string()
}

/// An agent screens a person (a first name with consent, or none) whose test
/// sends `log`; returns the stored result's view.
fn screen_with(agent: &mut Client, person: Option<&str>, log: &Value) -> Value {
    let body = match person {
        Some(p) => json!({ "person": p, "consent": true }),
        None => json!({}),
    };
    let r = agent.post("/api/screenings", &body);
    assert_eq!(r.status, 201, "{}", r.text());
    let id = r.json()["id"].as_str().expect("screening id").to_string();
    let r = agent.post(&format!("/api/screenings/{id}/result"), log);
    assert_eq!(r.status, 201, "{}", r.text());
    r.json()
}

fn screen(agent: &mut Client, person: Option<&str>) -> String {
    screen_with(agent, person, &submission(&uuid()))["code"]
        .as_str()
        .expect("code")
        .to_string()
}

/// A server on `data` whose clock reads `at` (RFC 3339) when it starts.
fn server_at(data: &Path, at: &str) -> Server {
    Server::start_in(data, &["--clock-start", at])
}

/// The codes of an agent's recent screenings, as listed.
fn listed(agent: &mut Client) -> Vec<String> {
    let r = agent.get("/api/screenings");
    assert_eq!(r.status, 200, "{}", r.text());
    r.json()["screenings"]
        .as_array()
        .expect("screenings")
        .iter()
        .map(|s| s["code"].as_str().expect("code").to_string())
        .collect()
}

#[test]
fn an_agent_lists_only_the_screenings_they_ran_over_the_last_seven_days() {
    let dir = temp_dir();
    let data = dir.path().join("data");

    // 19 March 2026, 23:30 in Paris (22:30 UTC): eight days before the list.
    let server = server_at(&data, "2026-03-19T22:30:00Z");
    let a = Org::create(&server, "ra", "Bureau de poste de Felletin");
    let b = Org::create(&server, "rb", "Bureau de poste de Crocq");
    ok_stdout(&server.cli(
        &[
            "user",
            "add",
            "--structure",
            &a.id.to_string(),
            "--role",
            "agent",
            "--login",
            "ra-agent2",
        ],
        &format!("{PASSWORD}\n"),
    ));
    let mut agent = Client::logged_in(&server.base, &a.agent, PASSWORD);
    let too_old = screen(&mut agent, Some("Ancien"));
    server.stop();

    // 20 March, 00:10 in Paris (19 March 23:10 UTC): the first of the 7 days.
    let server = server_at(&data, "2026-03-19T23:10:00Z");
    let mut agent = Client::logged_in(&server.base, &a.agent, PASSWORD);
    let first_day = screen(&mut agent, Some("Nuit"));
    server.stop();

    // 26 March, 22:30 in Paris.
    let server = server_at(&data, "2026-03-26T21:30:00Z");
    let mut agent = Client::logged_in(&server.base, &a.agent, PASSWORD);
    let awa = screen(&mut agent, Some("Awa"));
    let nameless = screen(&mut agent, None);
    let lucie = screen(&mut agent, Some("Lucie"));
    // Not this agent's screenings: a colleague's, a kiosk's, a code they attached,
    // another structure's.
    let mut colleague = Client::logged_in(&server.base, "ra-agent2", PASSWORD);
    let colleagues = screen(&mut colleague, Some("Autre"));
    let body = serde_json::to_vec(&submission(&uuid())).expect("json");
    let kiosk = code_of(&server.client().request(
        "POST",
        "/api/results",
        Some(&body),
        &[("X-Kiosk-Token", &a.kiosk_token)],
        false,
    ));
    let body = serde_json::to_vec(&submission(&uuid())).expect("json");
    let anonymous =
        code_of(
            &server
                .client()
                .request("POST", "/api/results", Some(&body), &[], false),
        );
    let r = agent.post(&format!("/api/results/{anonymous}/attach"), &json!({}));
    assert_eq!(r.status, 200, "{}", r.text());
    let mut agent_b = Client::logged_in(&server.base, &b.agent, PASSWORD);
    let other_structure = screen(&mut agent_b, Some("Bertrand"));

    let r = agent.get("/api/screenings");
    assert_eq!(r.status, 200, "{}", r.text());
    let v = r.json();
    assert_eq!(
        (v["days"].as_u64(), v["count"].as_u64()),
        (Some(7), Some(4))
    );
    assert_eq!(
        listed(&mut agent),
        [lucie, nameless, awa, first_day],
        "the agent's own, newest first"
    );
    let text = r.text();
    for absent in [&too_old, &colleagues, &kiosk, &anonymous, &other_structure] {
        assert!(!text.contains(absent.as_str()), "{absent} is not listed");
    }
    for name in ["Ancien", "Autre", "Bertrand"] {
        assert!(!text.contains(name), "{name}");
    }
    // Each row: day and time in Paris, the first name given with consent, the
    // class and orientation of the stored result.
    let rows = v["screenings"].as_array().expect("rows");
    assert_eq!(
        (rows[0]["date"].as_str(), rows[0]["time"].as_str()),
        (Some("26/03/2026"), Some("22:30"))
    );
    assert_eq!(
        (rows[3]["date"].as_str(), rows[3]["time"].as_str()),
        (Some("20/03/2026"), Some("00:10"))
    );
    assert_eq!(rows[0]["person"], "Lucie");
    assert_eq!(rows[1]["person"], Value::Null);
    assert_eq!(rows[3]["person"], "Nuit");
    for row in rows {
        let code = row["code"].as_str().expect("code");
        let stored = agent.get(&format!("/api/results/{code}")).json();
        assert_eq!(row["class"]["label"], stored["profile"]["class"]["label"]);
        assert_eq!(row["class"]["id"], stored["profile"]["class"]["id"]);
        assert_eq!(
            row["orientation"]["label"],
            stored["profile"]["orientation"]["modality"]["label"]
        );
        assert_eq!(row["source"], "agent");
    }

    // The colleague and the other structure's agent see only their own.
    assert_eq!(listed(&mut colleague), [colleagues]);
    assert_eq!(listed(&mut agent_b), [other_structure]);
    // Trainers and admins have the structure's list, not this one; nobody logged
    // in gets nothing.
    let mut trainer = Client::logged_in(&server.base, &a.trainer, PASSWORD);
    assert_eq!(trainer.get("/api/screenings").status, 403);
    let mut admin = Client::logged_in(&server.base, &a.admin, PASSWORD);
    assert_eq!(admin.get("/api/screenings").status, 403);
    assert_eq!(server.client().get("/api/screenings").status, 401);
    // The agent still cannot read the structure's list.
    assert_eq!(agent.get("/api/profiles").status, 403);
}

/// A spreadsheet's reading of a CSV export: the header and the rows.
fn read_csv(r: &Resp) -> (Vec<String>, Vec<Vec<String>>) {
    assert_eq!(r.status, 200, "{}", r.text());
    assert!(r.body.starts_with(b"\xEF\xBB\xBF"), "BOM");
    let mut reader = csv::ReaderBuilder::new()
        .delimiter(b';')
        .from_reader(&r.body[3..]);
    let header = reader
        .headers()
        .expect("header")
        .iter()
        .map(str::to_string)
        .collect();
    let rows = reader
        .records()
        .map(|row| row.expect("row").iter().map(str::to_string).collect())
        .collect();
    (header, rows)
}

/// `HH:MM` in Paris in winter (UTC+1) of an instant in ms.
fn paris_winter_time(ms: i64) -> String {
    let minutes = (ms / 60_000 + 60).rem_euclid(24 * 60);
    format!("{:02}:{:02}", minutes / 60, minutes % 60)
}

#[test]
fn the_trainers_export_speaks_plainly_and_theta_goes_to_the_technical_one() {
    // 15 January 2026, 14:05 in Paris.
    let server = Server::start(&["--clock-start", "2026-01-15T13:05:00Z"]);
    let org = Org::create(&server, "ex", "Espace numérique d'Évaux");
    let other = Org::create(&server, "ey", "Espace numérique d'Ahun");
    let mut agent = Client::logged_in(&server.base, &org.agent, PASSWORD);
    // Right answers for the first 4 questions, then « Je ne sais pas ».
    let log = answer_log_in_context(
        &uuid(),
        &[
            ("equipment", "tablet"),
            ("equipment", "smartphone"),
            ("email", "no"),
            ("goal", "sante"),
            ("sight", "no"),
        ],
        |k, item| {
            if k < 4 {
                repere_e2e::right_response(item)
            } else {
                repere_items::Response::Skip
            }
        },
    );
    let zoe = screen_with(&mut agent, Some("Zoé"), &log);
    let plain = screen_with(&mut agent, None, &submission(&uuid()));
    let (zoe_code, plain_code) = (
        zoe["code"].as_str().expect("code"),
        plain["code"].as_str().expect("code"),
    );
    let mut trainer = Client::logged_in(&server.base, &org.trainer, PASSWORD);

    // The trainer's CSV: plain headers, no θ.
    let export = trainer.get("/api/export?format=csv");
    assert!(export
        .header("content-disposition")
        .unwrap_or("")
        .contains("repere-profils-2026-01-15.csv"));
    let (header, rows) = read_csv(&export);
    assert_eq!(
        header[..11],
        [
            "Code",
            "Date",
            "Heure",
            "Prénom ou initiales",
            "Lieu du test",
            "Classe d'autonomie",
            "Niveau d'atelier",
            "Orientation",
            "Services conseillés",
            "Questions posées",
            "Réponses « Je ne sais pas »",
        ]
    );
    for gone in [
        "Passé",
        "Questions passées",
        "Estimation (θ)",
        "Erreur type",
    ] {
        assert!(!header.iter().any(|h| h == gone), "{gone} left");
    }
    assert!(!header.iter().any(|h| h.contains('θ')));
    let col = |name: &str| {
        header
            .iter()
            .position(|h| h == name)
            .unwrap_or_else(|| panic!("no column {name}: {header:?}"))
    };
    assert_eq!(rows.len(), 2);
    let row = rows.iter().find(|r| r[0] == zoe_code).expect("Zoé's row");
    // The row against the stored result.
    assert_eq!(row[col("Date")], "15/01/2026");
    let received_at = zoe["received_at"].as_i64().expect("received_at");
    assert_eq!(row[col("Heure")], paris_winter_time(received_at));
    assert_eq!(row[col("Prénom ou initiales")], "Zoé");
    assert_eq!(row[col("Lieu du test")], "Au guichet");
    assert_eq!(
        row[col("Questions posées")],
        zoe["items"].as_u64().expect("items").to_string()
    );
    let skipped = zoe["skipped"].as_u64().expect("skipped");
    assert!(skipped >= 1, "the log skips after question 4");
    assert_eq!(row[col("Réponses « Je ne sais pas »")], skipped.to_string());
    assert_eq!(
        row[col("Classe d'autonomie")],
        zoe["profile"]["class"]["label"].as_str().expect("class")
    );
    assert_eq!(
        row[col("Orientation")],
        zoe["profile"]["orientation"]["modality"]["label"]
            .as_str()
            .expect("orientation")
    );
    for d in zoe["profile"]["domains"].as_array().expect("domains") {
        let label = d["label"].as_str().expect("label");
        assert_eq!(
            row[col(&format!("Domaine : {label}"))],
            d["level"]["label"].as_str().expect("level"),
            "{label}"
        );
    }
    for s in zoe["profile"]["skills"].as_array().expect("skills") {
        let label = s["label"].as_str().expect("label");
        assert_eq!(
            row[col(&format!("Compétence : {label}"))],
            s["status"]["label"].as_str().expect("status"),
            "{label}"
        );
    }
    // The context answers, in words.
    assert_eq!(
        row[col("Contexte : Quels appareils avez-vous chez vous\u{a0}?")],
        "Un smartphone / Une tablette"
    );
    assert_eq!(
        row[col("Contexte : Avez-vous une adresse e-mail\u{a0}?")],
        "Non"
    );
    assert_eq!(
        row[col("Contexte : Que voulez-vous faire avec le numérique\u{a0}?")],
        "Gérer ma santé (Ameli, rendez-vous)"
    );
    assert_eq!(
        row[col("Contexte : Voyez-vous bien l'écran\u{a0}?")],
        "Non, je vois mal"
    );
    let plain_row = rows.iter().find(|r| r[0] == plain_code).expect("row");
    assert_eq!(
        plain_row[col("Contexte : Quels appareils avez-vous chez vous\u{a0}?")],
        "Un smartphone",
        "the sample log's one answer"
    );
    assert_eq!(
        plain_row[col("Contexte : Avez-vous une adresse e-mail\u{a0}?")],
        ""
    );

    // The trainer's JSON: the same words.
    let js = trainer.get("/api/export?format=json").json();
    let z = js
        .as_array()
        .expect("rows")
        .iter()
        .find(|r| r["code"] == zoe_code)
        .expect("Zoé");
    assert_eq!(z["place"], json!({"id": "agent", "label": "Au guichet"}));
    assert_eq!(z["dont_know"].as_u64(), Some(skipped));
    assert_eq!(z["questions"], zoe["items"]);
    assert_eq!(z["time"].as_str(), Some(row[col("Heure")].as_str()));
    assert!(z.get("theta").is_none() && z.get("se").is_none());
    assert_eq!(
        z["context"][2]["answers"],
        json!([{"id": "no", "label": "Non"}])
    );
    assert_eq!(z["profile"]["class"], zoe["profile"]["class"]);

    // The technical export: θ and its SE, the tallies, no first name.
    let tech = trainer.get("/api/export/technical?format=csv");
    assert!(tech
        .header("content-disposition")
        .unwrap_or("")
        .contains("repere-technique-2026-01-15.csv"));
    let (theader, trows) = read_csv(&tech);
    let tcol = |name: &str| {
        theader
            .iter()
            .position(|h| h == name)
            .unwrap_or_else(|| panic!("no column {name}: {theader:?}"))
    };
    assert!(!theader.iter().any(|h| h.contains("Prénom")));
    assert!(!tech.text().contains("Zoé"), "no first name");
    let t = trows.iter().find(|r| r[0] == zoe_code).expect("Zoé's row");
    let number = |cell: &str| -> f64 { cell.replace(',', ".").parse().expect("a number") };
    let theta = zoe["theta"].as_f64().expect("theta");
    let se = zoe["se"].as_f64().expect("se");
    assert!((number(&t[tcol("Estimation θ (logits)")]) - theta).abs() <= 5e-4);
    assert!((number(&t[tcol("Erreur type de θ")]) - se).abs() <= 5e-4);
    assert!(t[tcol("Erreur type de θ")].contains(','), "decimal comma");
    assert_eq!(t[tcol("Lieu du test")], "Au guichet");
    assert_eq!(t[tcol("Heure")], row[col("Heure")]);
    assert_eq!(t[tcol("Réponses « Je ne sais pas »")], skipped.to_string());
    assert_eq!(t[tcol("Estimateur")], "eap");
    assert_eq!(
        t[tcol("Contexte (identifiants)")],
        "equipment:tablet equipment:smartphone email:no goal:sante sight:no"
    );
    for tally in zoe["skills_answered"].as_array().expect("tallies") {
        let label = tally["label"].as_str().expect("label");
        assert_eq!(
            t[tcol(&format!("Score : {label}"))],
            tally["score"].to_string()
        );
        assert_eq!(
            t[tcol(&format!("Score maximal : {label}"))],
            tally["max_score"].to_string()
        );
    }
    let tjs = trainer.get("/api/export/technical?format=json").json();
    let tz = tjs
        .as_array()
        .expect("rows")
        .iter()
        .find(|r| r["code"] == zoe_code)
        .expect("Zoé");
    assert_eq!(tz["theta"].as_f64(), Some(theta));
    assert_eq!(tz["se"].as_f64(), Some(se));
    assert!(tz.get("person").is_none());

    // The same filters for both exports.
    let modality = zoe["profile"]["orientation"]["modality"]["id"]
        .as_str()
        .expect("modality");
    let codes =
        |r: Resp| -> Vec<String> { read_csv(&r).1.into_iter().map(|r| r[0].clone()).collect() };
    let filtered = codes(trainer.get(&format!("/api/export?format=csv&orientation={modality}")));
    assert!(filtered.iter().any(|c| c == zoe_code));
    assert_eq!(
        codes(trainer.get(&format!(
            "/api/export/technical?format=csv&orientation={modality}"
        ))),
        filtered
    );
    assert_eq!(
        trainer
            .get("/api/export/technical?format=csv&orientation=inconnue")
            .status,
        400
    );
    assert_eq!(trainer.get("/api/export/technical?format=xml").status, 400);

    // Who may: the agent may not; another structure's trainer sees nothing of it.
    assert_eq!(agent.get("/api/export/technical?format=csv").status, 403);
    let mut other_trainer = Client::logged_in(&server.base, &other.trainer, PASSWORD);
    assert_eq!(
        other_trainer
            .get("/api/export/technical?format=json")
            .json(),
        json!([])
    );

    // The command line gives the same files.
    let sid = org.id.to_string();
    let out = server.cli(
        &[
            "export",
            "--structure",
            &sid,
            "--format",
            "csv",
            "--technical",
        ],
        "",
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(out.stdout, tech.body);
    let out = server.cli(&["export", "--structure", &sid, "--format", "csv"], "");
    assert_eq!(out.stdout, export.body);
}
