//! Dates people read are days in their structure's time zone; the static app is
//! served with cache headers fit for each kind of file.

use repere_e2e::{ok_stdout, submission, uuid, Client, Org, Server, PASSWORD};

/// Submits one kiosk result; returns its code.
fn kiosk_result(server: &Server, token: &str) -> String {
    let body = serde_json::to_vec(&submission(&uuid())).expect("json");
    let r = server.client().request(
        "POST",
        "/api/results",
        Some(&body),
        &[("X-Kiosk-Token", token)],
        false,
    );
    assert_eq!(r.status, 201, "{}", r.text());
    r.json()["code"].as_str().expect("code").to_string()
}

/// The dates of the CSV export's rows (second column).
fn csv_dates(trainer: &mut Client) -> Vec<String> {
    let csv = trainer.get("/api/export?format=csv").text();
    csv.trim_start_matches('\u{feff}')
        .trim_end()
        .split("\r\n")
        .skip(1)
        .map(|row| row.split(';').nth(1).unwrap_or_default().to_string())
        .collect()
}

#[test]
fn new_year_at_23_30_utc_is_the_next_day_in_paris_not_in_cayenne() {
    // The server's clock reads 2026-12-31T23:30:00Z at start.
    let server = Server::start(&["--clock-start", "2026-12-31T23:30:00Z"]);
    let paris = Org::create(&server, "pa", "Bureau de Paris");
    // A structure in French Guiana (UTC-3): added with --tz.
    let cayenne_id = ok_stdout(&server.cli(
        &[
            "structure",
            "add",
            "Espace de Cayenne",
            "--tz",
            "america/cayenne",
        ],
        "",
    ));
    let sid = cayenne_id.as_str();
    ok_stdout(&server.cli(
        &[
            "user",
            "add",
            "--structure",
            sid,
            "--role",
            "trainer",
            "--login",
            "ca-trainer",
        ],
        &format!("{PASSWORD}\n"),
    ));
    let cayenne_kiosk = repere_e2e::pair_kiosk(
        &server.base,
        &ok_stdout(&server.cli(&["kiosk", "add", "--structure", sid, "--name", "Borne"], "")),
    );
    let list = ok_stdout(&server.cli(&["structure", "list"], ""));
    assert!(
        list.contains(&format!("{}\tBureau de Paris\tEurope/Paris", paris.id))
            && list.contains(&format!("{sid}\tEspace de Cayenne\tAmerica/Cayenne")),
        "{list}"
    );
    // An unknown zone is refused (exit 2) and names what is expected.
    let out = server.cli(&["structure", "add", "X", "--tz", "Mars/Olympus"], "");
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("unknown time zone `Mars/Olympus`"));

    let code_p = kiosk_result(&server, &paris.kiosk_token);
    let code_c = kiosk_result(&server, &cayenne_kiosk);
    let mut trainer_p = Client::logged_in(&server.base, &paris.trainer, PASSWORD);
    let mut trainer_c = Client::logged_in(&server.base, "ca-trainer", PASSWORD);

    // Lists, results, exports, sheets: Paris reads 1 January, Cayenne 31 December.
    let list_p = trainer_p.get("/api/profiles").json();
    assert_eq!(list_p["profiles"][0]["date"], "01/01/2027");
    let list_c = trainer_c.get("/api/profiles").json();
    assert_eq!(list_c["profiles"][0]["date"], "31/12/2026");
    assert_eq!(
        trainer_p.get(&format!("/api/results/{code_p}")).json()["date"],
        "01/01/2027"
    );
    assert_eq!(csv_dates(&mut trainer_p), ["01/01/2027"]);
    assert_eq!(csv_dates(&mut trainer_c), ["31/12/2026"]);
    let sheet = trainer_c
        .get(&format!("/api/results/{code_c}/sheet"))
        .text();
    assert!(sheet.contains("Test du 31/12/2026 à 20h3"), "{sheet}");
    let sheet = trainer_p
        .get(&format!("/api/results/{code_p}/sheet"))
        .text();
    assert!(sheet.contains("Test du 01/01/2027 à 00h3"), "{sheet}");
    let export = trainer_c.get("/api/export?format=csv");
    assert!(
        export
            .header("content-disposition")
            .unwrap_or("")
            .contains("repere-profils-2026-12-31.csv"),
        "{:?}",
        export.header("content-disposition")
    );
    // Date filters are days of the structure's zone.
    let count =
        |t: &mut Client, q: &str| t.get(&format!("/api/profiles?{q}")).json()["count"].clone();
    assert_eq!(count(&mut trainer_p, "from=2027-01-01"), 1);
    assert_eq!(count(&mut trainer_p, "to=2026-12-31"), 0);
    assert_eq!(count(&mut trainer_c, "from=2027-01-01"), 0);
    assert_eq!(count(&mut trainer_c, "from=2026-12-31&to=2026-12-31"), 1);

    // set-tz while the server runs: Cayenne's structure moves to Paris time.
    let out = ok_stdout(&server.cli(&["structure", "set-tz", sid, "Europe/Paris"], ""));
    assert_eq!(out, "Europe/Paris");
    assert_eq!(csv_dates(&mut trainer_c), ["01/01/2027"]);
    let out = server.cli(&["structure", "set-tz", "999", "Europe/Paris"], "");
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn the_night_summer_time_starts_a_0_30_utc_result_is_the_29th_in_paris() {
    let server = Server::start(&["--clock-start", "2026-03-29T00:30:00Z"]);
    let org = Org::create(&server, "st", "Bureau d'été");
    let code = kiosk_result(&server, &org.kiosk_token);
    let mut trainer = Client::logged_in(&server.base, &org.trainer, PASSWORD);
    assert_eq!(
        trainer.get("/api/profiles").json()["profiles"][0]["date"],
        "29/03/2026"
    );
    assert_eq!(csv_dates(&mut trainer), ["29/03/2026"]);
    // 00:30 UTC is 01:30 in Paris (summer time starts at 01:00 UTC).
    let sheet = trainer.get(&format!("/api/results/{code}/sheet")).text();
    assert!(sheet.contains("Test du 29/03/2026 à 01h3"), "{sheet}");
}

#[test]
fn static_files_are_cached_by_kind_and_the_api_never() {
    let hashed_js = "repere-app-3f9a0c21d4e5b687.js";
    let hashed_wasm = "repere-app-3f9a0c21d4e5b687_bg.wasm";
    let hashed_css = "style-0a1b2c3d4e5f6071.css";
    let files: [(&str, &[u8]); 6] = [
        ("sw.js", b"self.addEventListener('fetch', () => {});"),
        (hashed_js, b"export default 1;"),
        (hashed_wasm, b"\0asm\x01\0\0\0"),
        (hashed_css, b"body{}"),
        ("fonts/Atkinson.woff2", b"wOF2"),
        (
            "pictures/mail.svg",
            b"<svg xmlns='http://www.w3.org/2000/svg'/>",
        ),
    ];
    let server = Server::start_with_dist(&["--demo"], &files);
    let mut c = server.client();
    let cache = |c: &mut Client, path: &str| {
        let r = c.get(path);
        assert_eq!(r.status, 200, "{path}");
        r.header("cache-control").unwrap_or("(none)").to_string()
    };
    // The page, wherever the app is opened, and the service worker: revalidated.
    for path in ["/", "/index.html", "/agent", "/connexion", "/admin", "/x/y"] {
        assert_eq!(cache(&mut c, path), "no-cache", "{path}");
    }
    assert_eq!(cache(&mut c, "/sw.js"), "no-cache");
    // Trunk's hashed files: a year, immutable.
    for path in [hashed_js, hashed_wasm, hashed_css] {
        assert_eq!(
            cache(&mut c, &format!("/{path}")),
            "public, max-age=31536000, immutable",
            "{path}"
        );
    }
    // Fonts and pictures: one hour.
    assert_eq!(
        cache(&mut c, "/fonts/Atkinson.woff2"),
        "public, max-age=3600"
    );
    assert_eq!(cache(&mut c, "/pictures/mail.svg"), "public, max-age=3600");
    // The API: never stored, also for errors.
    assert_eq!(cache(&mut c, "/api/health"), "no-store");
    let r = c.get("/api/me");
    assert_eq!(r.status, 401);
    assert_eq!(r.header("cache-control"), Some("no-store"));
    let mut agent = Client::logged_in(&server.base, "demo-agent", "demo-agent-repere");
    let r = agent.get("/api/me");
    assert_eq!(r.header("cache-control"), Some("no-store"));
}
