//! Mediation places against the real binary: `repere places import` on a file with
//! valid and broken rows, `repere places suggest` against distances computed
//! independently, a structure's location, marks and own places kept across
//! imports, the same commands through a running server, the places on the
//! agent's result, the public suggestions, a kiosk's offline set, `/admin`, and
//! the demo's fictional places.

use std::path::Path;

use repere_e2e::{
    cli, ok_stdout, stats, submission, temp_dir, uuid, Client, Org, Server, PASSWORD,
};
use serde_json::{json, Value};

/// The person's point, and places around it. Distances computed independently
/// (spherical Vincenty formula, Earth radius 6371.0088 km, Python `math`).
const LAT: &str = "46.5";
const LON: &str = "2.5";
const KM: [(&str, f64); 5] = [
    ("a", 1.111950802),
    ("b", 2.296249254),
    ("c", 4.528452174),
    ("d", 15.013214777),
    ("e", 37.886617013),
];

/// A file of the national schema (`;`), 5 good places and broken rows. Line 1 is
/// the header.
fn places_csv() -> String {
    [
        "id;nom;commune;code_postal;latitude;longitude;services;modalites_accompagnement;prise_en_charge_specifique;dispositif_programmes_nationaux;modalites_acces;horaires;telephone",
        // 2: a, nearest, workshops only.
        "a;Lieu A;Villefictive;99100;46.51;2.5;Maîtrise des outils numériques du quotidien;Dans un atelier collectif;;;Se présenter;Mo-Fr 09:00-12:00;0199000001",
        // 3: broken: no services.
        "x1;Lieu sans service;Villefictive;99100;46.5;2.5;;;;;;;",
        // 4: b, equipped for visual impairment.
        "b;Lieu B;Villefictive;99100;46.5;2.53;\"Maîtrise des outils numériques du quotidien;Aide aux démarches administratives\";Accompagnement individuel|Dans un atelier collectif;Déficience visuelle;;Se présenter;;",
        // 5: broken: duplicate id.
        "a;Autre A;Villefictive;99100;46.5;2.5;Aide aux démarches administratives;;;;;;",
        // 6: c.
        "c;Lieu C;Villefictive;99100;46.47;2.46;Maîtrise des outils numériques du quotidien;Dans un atelier collectif;;;Téléphoner;;",
        // 7: d, a France Services.
        "d;France Services D;Bourg;99200;46.62;2.41;Aide aux démarches administratives;Accompagnement individuel;;France Services;Se présenter;;",
        // 8: broken: no name.
        "x2;;Villefictive;99100;46.5;2.5;Aide aux démarches administratives;;;;;;",
        // 9: e.
        "e;Lieu E;Loin;99300;46.3;2.9;Maîtrise des outils numériques du quotidien|Aide aux démarches administratives;Dans un atelier collectif;Illettrisme;;Se présenter;;",
    ]
    .join("\n")
}

fn write(dir: &Path, name: &str, content: &str) -> String {
    let path = dir.join(name);
    std::fs::write(&path, content).expect("write the file");
    path.display().to_string()
}

fn suggest_json(data: &Path, extra: &[&str]) -> Vec<Value> {
    let mut args = vec!["places", "suggest", "--lat", LAT, "--lon", LON, "--json"];
    args.extend_from_slice(extra);
    let out = ok_stdout(&cli(data, &args, ""));
    serde_json::from_str::<Vec<Value>>(&out).unwrap_or_else(|e| panic!("{e}: {out}"))
}

fn ids(list: &[Value]) -> Vec<String> {
    list.iter()
        .map(|v| v["id"].as_str().unwrap_or("").to_string())
        .collect()
}

fn check_distances(list: &[Value]) {
    for v in list {
        let id = v["id"].as_str().expect("id");
        let (_, km) = KM.iter().find(|(k, _)| *k == id).expect("known place");
        let got = v["distance_km"].as_f64().expect("distance");
        assert!((got - km).abs() < 1e-6, "{id}: {got} vs {km}");
        assert!(v["nom"].as_str().is_some_and(|n| !n.is_empty()));
    }
}

#[test]
fn import_takes_the_good_rows_names_the_broken_ones_and_suggest_finds_the_nearest() {
    let dir = temp_dir();
    let data = dir.path().join("data");
    let file = write(dir.path(), "lieux.csv", &places_csv());
    let out = cli(&data, &["places", "import", &file], "");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let stderr = String::from_utf8_lossy(&out.stderr);
    let lines: Vec<&str> = stderr.lines().collect();
    assert_eq!(
        lines,
        [
            format!("{file}:3: services: missing: a place needs at least one service"),
            format!("{file}:5: id: duplicate id « a » (first on line 2)"),
            format!("{file}:8: nom: missing: a place needs a name"),
        ]
    );
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        stdout.contains("8 rows: 5 places imported, 3 row(s) not taken, 0 value(s) dropped"),
        "{stdout}"
    );
    assert_eq!(stats(&data)["places"], 5);

    // The three nearest offering the everyday tools, in distance order.
    let list = suggest_json(
        &data,
        &[
            "--modality",
            "atelier",
            "--service",
            "Maîtrise des outils numériques du quotidien",
        ],
    );
    assert_eq!(ids(&list), ["a", "b", "c"]);
    check_distances(&list);
    // « Je vois mal »: only the place equipped for it.
    let list = suggest_json(
        &data,
        &["--modality", "atelier", "--need", "deficience-visuelle"],
    );
    assert_eq!(ids(&list), ["b"]);
    // Individual help: a workshop-only place is out.
    let list = suggest_json(&data, &["--modality", "individuel", "--limit", "5"]);
    assert_eq!(ids(&list), ["b", "d"]);
    check_distances(&list);
    // Help with démarches: France Services first, then by distance; e runs
    // workshops only, not the individual help démarches need.
    let list = suggest_json(&data, &["--modality", "demarches", "--limit", "5"]);
    assert_eq!(ids(&list), ["d", "b"]);
    check_distances(&list);
    assert_eq!(list[0]["programme"], true);
    // Opening hours in words.
    let list = suggest_json(&data, &["--modality", "atelier", "--limit", "1"]);
    assert_eq!(
        list[0]["horaires_fr"][0]
            .as_str()
            .map(|s| s.replace('\u{a0}', " ")),
        Some("Du lundi au vendredi, de 9 h à 12 h.".to_string())
    );
    // The text form.
    let text = ok_stdout(&cli(
        &data,
        &[
            "places",
            "suggest",
            "--lat",
            LAT,
            "--lon",
            LON,
            "--modality",
            "atelier",
        ],
        "",
    ));
    assert!(text.starts_with("1. Lieu A [a] — à 1,1 km"), "{text}");

    // Bad arguments: exit 2, naming the value.
    for (args, says) in [
        (vec!["--modality", "cuisine"], "--modality cuisine"),
        (
            vec!["--modality", "atelier", "--service", "Cuisine"],
            "--service",
        ),
        (
            vec!["--modality", "atelier", "--need", "voir"],
            "--need voir",
        ),
    ] {
        let mut all = vec!["places", "suggest", "--lat", LAT, "--lon", LON];
        all.extend(args);
        let out = cli(&data, &all, "");
        assert_eq!(out.status.code(), Some(2));
        assert!(String::from_utf8_lossy(&out.stderr).contains(says));
    }

    // Nothing readable: exit 2, and the previous import stays.
    let broken = write(dir.path(), "vide.csv", "id;nom;services\n;x;\n");
    let out = cli(&data, &["places", "import", &broken], "");
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains(&format!("{broken}:2: id: missing")),
        "{stderr}"
    );
    assert!(
        stderr.contains("no place could be read (1 rows)"),
        "{stderr}"
    );
    let bad_json = write(dir.path(), "lieux.json", "[{\"id\": \"a\",, }]");
    let out = cli(&data, &["places", "import", &bad_json], "");
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains(&format!("{bad_json}:1:")));
    let out = cli(&data, &["places", "import", "/nonexistent/lieux.csv"], "");
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(stats(&data)["places"], 5);

    // A new import replaces the previous one.
    let json_file = write(
        dir.path(),
        "autres.json",
        &json!([{ "id": "z", "nom": "Lieu Z", "code_postal": "99100", "latitude": 46.5, "longitude": 2.6,
                  "services": ["Aide aux démarches administratives"] }])
        .to_string(),
    );
    let stdout = ok_stdout(&cli(&data, &["places", "import", &json_file], ""));
    assert!(
        stdout.contains("1 places imported") && stdout.contains("replacing 5"),
        "{stdout}"
    );
    assert_eq!(stats(&data)["places"], 1);
    assert_eq!(
        ids(&suggest_json(&data, &["--modality", "demarches"])),
        ["z"]
    );
}

#[test]
fn a_structure_location_marks_and_own_places_survive_imports() {
    let dir = temp_dir();
    let data = dir.path().join("data");
    let file = write(dir.path(), "lieux.csv", &places_csv());
    ok_stdout(&cli(&data, &["places", "import", &file], ""));
    let id = ok_stdout(&cli(
        &data,
        &["structure", "add", "Bureau de Villefictive"],
        "",
    ));
    // Location: checked, then set.
    let out = cli(
        &data,
        &[
            "structure",
            "set-location",
            &id,
            "--lat",
            "95",
            "--lon",
            "2",
        ],
        "",
    );
    assert_eq!(out.status.code(), Some(2));
    let out = cli(
        &data,
        &[
            "structure",
            "set-location",
            &id,
            "--lat",
            LAT,
            "--lon",
            LON,
            "--insee",
            "2C004",
        ],
        "",
    );
    assert_eq!(out.status.code(), Some(2));
    let stdout = ok_stdout(&cli(
        &data,
        &[
            "structure",
            "set-location",
            &id,
            "--lat",
            LAT,
            "--lon",
            LON,
            "--insee",
            "99101",
        ],
        "",
    ));
    assert!(stdout.contains("46.5 2.5 (INSEE 99101)"), "{stdout}");
    // The farthest workshop is in the same building; c is a partner.
    ok_stdout(&cli(
        &data,
        &[
            "places",
            "mark",
            "--structure",
            &id,
            "e",
            "--as",
            "same-building",
        ],
        "",
    ));
    ok_stdout(&cli(
        &data,
        &["places", "mark", "--structure", &id, "c", "--as", "partner"],
        "",
    ));
    let atelier = ["--modality", "atelier", "--structure", id.as_str()];
    let list = suggest_json(&data, &atelier);
    assert_eq!(ids(&list), ["e", "c", "a"]);
    assert_eq!(list[0]["relation"], "same-building");
    assert_eq!(list[1]["relation"], "partner");
    // Without the structure, distance alone.
    assert_eq!(
        ids(&suggest_json(&data, &["--modality", "atelier"])),
        ["a", "b", "c"]
    );
    // Its own place, a workshop at 100 m.
    let own = write(
        dir.path(),
        "propres.csv",
        "id,nom,code_postal,latitude,longitude,services,modalites_accompagnement\n\
         own,Atelier du bureau,99100,46.5009,2.5,Maîtrise des outils numériques du quotidien,Dans un atelier collectif\n",
    );
    let stdout = ok_stdout(&cli(
        &data,
        &["places", "local", "--structure", &id, &own, "--as", "none"],
        "",
    ));
    assert!(stdout.contains("1 own places of the structure"), "{stdout}");
    assert_eq!(ids(&suggest_json(&data, &atelier)), ["e", "c", "own"]);
    // A new import of the same file keeps marks and own places.
    ok_stdout(&cli(&data, &["places", "import", &file], ""));
    assert_eq!(ids(&suggest_json(&data, &atelier)), ["e", "c", "own"]);
    // Unmarking.
    ok_stdout(&cli(
        &data,
        &["places", "mark", "--structure", &id, "e", "--as", "none"],
        "",
    ));
    assert_eq!(ids(&suggest_json(&data, &atelier)), ["c", "own", "a"]);
}

#[test]
fn through_the_running_server_and_on_every_screen_of_a_structure() {
    let server = Server::start(&[]);
    let dir = temp_dir();
    let file = write(dir.path(), "lieux.csv", &places_csv());
    // The command line goes through the server, which holds the store.
    let out = server.cli(&["places", "import", &file], "");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(String::from_utf8_lossy(&out.stderr).contains("sending the command to it"));
    assert!(String::from_utf8_lossy(&out.stdout).contains("5 places imported"));
    let list: Vec<Value> = serde_json::from_str(&ok_stdout(&server.cli(
        &[
            "places",
            "suggest",
            "--lat",
            LAT,
            "--lon",
            LON,
            "--modality",
            "atelier",
            "--json",
        ],
        "",
    )))
    .expect("json");
    assert_eq!(ids(&list), ["a", "b", "c"]);
    check_distances(&list);
    let broken = write(dir.path(), "vide.csv", "id;nom;services\n;x;\n");
    assert_eq!(
        server.cli(&["places", "import", &broken], "").status.code(),
        Some(2)
    );

    // The public suggestions, by point and by postcode.
    let mut anyone = server.client();
    // Every app page says how long a result is kept (the welcome screen tells
    // the person).
    assert!(anyone
        .get("/")
        .text()
        .contains(r#"<meta name="repere-retention-days" content="365">"#));
    let r = anyone.get(&format!(
        "/api/places?lat={LAT}&lon={LON}&modality=atelier&service=Ma%C3%AEtrise%20des%20outils%20num%C3%A9riques%20du%20quotidien"
    ));
    assert_eq!(r.status, 200, "{}", r.text());
    assert_eq!(
        ids(r.json()["places"].as_array().expect("places")),
        ["a", "b", "c"]
    );
    let r = anyone.get("/api/places?code_postal=99300&modality=atelier&limit=1");
    assert_eq!(r.json()["located"], true);
    assert_eq!(ids(r.json()["places"].as_array().expect("places")), ["e"]);
    let r = anyone.get("/api/places?modality=atelier");
    assert_eq!(r.json()["located"], false);
    // The page a person's own device opens from its result: a postcode form, then
    // the places near it.
    let page = anyone.get("/api/places/page?modality=atelier").text();
    assert!(page.contains("name=\"code_postal\"") && page.contains("value=\"atelier\""));
    assert!(!page.contains("<article class=\"place-card\""));
    let page = anyone
        .get("/api/places/page?modality=atelier&code_postal=99300")
        .text();
    assert!(
        page.contains("Lieu E") && page.contains("place-card"),
        "{page}"
    );
    let page = anyone
        .get("/api/places/page?modality=atelier&code_postal=12")
        .text();
    assert!(page.contains("Le code postal a 5 chiffres"), "{page}");
    assert_eq!(
        anyone
            .get("/api/places?modality=cuisine&lat=1&lon=1")
            .status,
        422
    );
    assert_eq!(
        anyone
            .get("/api/places?modality=atelier&code_postal=abc")
            .status,
        422
    );

    // A structure: its location through the command line, its admin's page.
    let org = Org::create(&server, "lieux", "Bureau des lieux");
    let sid = org.id.to_string();
    let mut admin = Client::logged_in(&server.base, &org.admin, PASSWORD);
    let r = admin.get("/api/admin/structure");
    assert_eq!(r.status, 200);
    assert_eq!(r.json()["location"], Value::Null);
    assert_eq!(r.json()["places"], 5);
    let r = admin.post(
        "/api/admin/structure/location",
        &json!({ "code_insee": "99101", "latitude": 95.0, "longitude": 2.5 }),
    );
    assert_eq!(r.status, 422);
    let r = admin.post(
        "/api/admin/structure/location",
        &json!({ "code_insee": "99101", "latitude": 46.5, "longitude": 2.5 }),
    );
    assert_eq!(r.status, 200, "{}", r.text());
    assert_eq!(
        admin.get("/api/admin/structure").json()["location"]["latitude"],
        46.5
    );
    let mut agent = Client::logged_in(&server.base, &org.agent, PASSWORD);
    assert_eq!(
        agent
            .post(
                "/api/admin/structure/location",
                &json!({ "latitude": 1.0, "longitude": 1.0 })
            )
            .status,
        403
    );
    ok_stdout(&server.cli(
        &[
            "places",
            "mark",
            "--structure",
            &sid,
            "d",
            "--as",
            "same-building",
        ],
        "",
    ));

    // An agent's screening: the result shows three places and a sentence.
    let screening = agent.post("/api/screenings", &json!({}));
    assert_eq!(screening.status, 201);
    let sid_screening = screening.json()["id"].as_str().expect("id").to_string();
    let r = agent.post(
        &format!("/api/screenings/{sid_screening}/result"),
        &submission(&uuid()),
    );
    assert_eq!(r.status, 201, "{}", r.text());
    let code = r.json()["code"].as_str().expect("code").to_string();
    let view = agent.get(&format!("/api/results/{code}")).json();
    let places = view["places"].as_array().expect("places on the result");
    assert!(!places.is_empty() && places.len() <= 3, "{view}");
    let cards = view["place_cards"].as_array().expect("their cards");
    assert_eq!(cards.len(), places.len());
    for (p, c) in places.iter().zip(cards) {
        assert_eq!(p["id"], c["id"]);
        assert!(c["html"].as_str().is_some_and(|h| h.contains("place-card")));
    }
    let sentence = view["agent_sentence"].as_str().expect("a sentence");
    assert!(
        sentence.contains(places[0]["nom"].as_str().expect("nom")),
        "{sentence}"
    );
    // Whatever the orientation, the places offer what it asks.
    let orientation = &view["profile"]["orientation"];
    assert!(orientation["modality"].is_object());
    // The printable sheet names them.
    let sheet = agent.get(&format!("/api/results/{code}/sheet")).text();
    assert!(sheet.contains("Où aller"), "{sheet}");
    for p in places {
        assert!(sheet.contains(p["nom"].as_str().expect("nom")));
    }

    // The kiosk's offline set: each place's card (the kiosk's: no link), its
    // traits and its distance from the structure.
    let mut kiosk = server.client();
    let cookie = format!("repere_kiosk={}", org.kiosk_token);
    let r = kiosk.request(
        "GET",
        "/api/kiosk/places",
        None,
        &[("Cookie", &cookie)],
        false,
    );
    assert_eq!(r.status, 200, "{}", r.text());
    let set = r.json();
    assert_eq!(set["origin"]["point"]["lat"], 46.5);
    let entries = set["places"].as_array().expect("places").clone();
    let mut got: Vec<String> = entries
        .iter()
        .map(|p| p["card"]["id"].as_str().unwrap_or("").to_string())
        .collect();
    got.sort();
    assert_eq!(got, ["a", "b", "c", "d", "e"]);
    let d = entries.iter().find(|p| p["card"]["id"] == "d").expect("d");
    let html = d["card"]["html"].as_str().expect("html");
    assert!(html.contains("Dans ce bâtiment"), "{html}");
    assert!(
        !html.contains("<a "),
        "a kiosk's card opens nothing: {html}"
    );
    assert!((d["km"].as_f64().expect("km") - 15.013214777).abs() < 1e-6);
    assert!(d["traits"].as_u64().is_some());
    let a = entries.iter().find(|p| p["card"]["id"] == "a").expect("a");
    assert!(a["card"]["lecture"]
        .as_str()
        .is_some_and(|t| t.starts_with("Lieu A, à 1,1")));
    // Not a kiosk: no place (and no error, which a browser would log).
    let r = kiosk.get("/api/kiosk/places");
    assert_eq!(r.status, 200);
    assert_eq!(r.json()["kiosk"], false);
    assert_eq!(r.json()["places"], json!([]));
    // A kiosk asking for suggestions without a position gets its structure's.
    let r = kiosk.request(
        "GET",
        "/api/places?modality=demarches",
        None,
        &[("Cookie", &cookie)],
        false,
    );
    assert_eq!(ids(r.json()["places"].as_array().expect("places"))[0], "d");
}

#[test]
fn the_demo_has_fictional_places_around_its_structure() {
    let server = Server::start(&["--demo"]);
    assert!(
        server.output().contains("Lieux de médiation"),
        "{}",
        server.output()
    );
    let mut agent = Client::logged_in(&server.base, "demo-agent", "demo-agent-repere");
    let r = agent.get("/api/places?modality=demarches");
    let list = r.json()["places"].as_array().cloned().expect("places");
    assert_eq!(list.len(), 3, "{}", r.text());
    assert_eq!(list[0]["id"], "demo-fs-villefictive");
    assert_eq!(list[0]["relation"], "same-building");
    // No place of the demo file is a real organisation's: all are in
    // Villefictive or Bourg-Voisin, with phone numbers of the range reserved for
    // fiction (01 99 00 xx xx).
    for p in &list {
        let place = &p["place"];
        assert!(["Villefictive", "Bourg-Voisin"].contains(&place["commune"].as_str().unwrap_or("")));
        if let Some(t) = place["telephone"].as_str() {
            assert!(t.starts_with("+33199"), "{t}");
        }
    }
    // Started again, the demo keeps its places (not imported twice).
    let data = server.data.clone();
    server.stop();
    let again = Server::start_in(&data, &["--demo"]);
    assert_eq!(stats(&data)["places"], 11);
    drop(again);
}
