//! Erasure against the real server: after `DELETE /api/results/{code}`, the
//! retention purge and a restart, no file under the data folder holds the first
//! name of a deleted result (byte search), nor does a new backup; `repere compact`
//! runs while the server serves; the store's files and backups are readable by
//! their owner only.

use std::path::Path;

use repere_e2e::{
    files_holding, ok_stdout, submission, temp_dir, uuid, Client, Org, Server, PASSWORD,
};
use serde_json::json;

/// An agent screens a person with a first name (consent given); returns the code.
fn screen(agent: &mut Client, person: &str) -> String {
    let r = agent.post(
        "/api/screenings",
        &json!({ "person": person, "consent": true }),
    );
    assert_eq!(r.status, 201, "{}", r.text());
    let id = r.json()["id"].as_str().expect("screening id").to_string();
    // A test of November 2024: possible for a server whose clock is set 400 days
    // back too (the server refuses a start after its own clock).
    let mut log = submission(&uuid());
    log["started_at"] = json!(1_731_000_000_000u64);
    log["finished_at"] = json!(1_731_000_480_000u64);
    let r = agent.post(&format!("/api/screenings/{id}/result"), &log);
    assert_eq!(r.status, 201, "{}", r.text());
    r.json()["code"].as_str().expect("code").to_string()
}

#[test]
fn deleted_and_purged_first_names_are_in_no_file_of_the_store_nor_of_a_new_backup() {
    let dir = temp_dir();
    let data = dir.path().join("data");
    let kept = ["Aurore-Gardee", "Basile-Garde"];
    let deleted = ["Berenice-Effacee", "Capucine-Effacee", "Daphne-Effacee"];
    let purged = ["Ondine-Perimee", "Octave-Perime"];

    // Results received "400 days ago" (the server's clock shifted), and a
    // screening started then and never finished.
    let old = Server::start_in(
        &data,
        &["--clock-offset-days", "-400", "--retention-days", "1000"],
    );
    let org = Org::create(&old, "eff", "Médiathèque");
    let mut agent = Client::logged_in(&old.base, &org.agent, PASSWORD);
    for name in purged {
        screen(&mut agent, name);
    }
    let r = agent.post(
        "/api/screenings",
        &json!({ "person": "Odile-Abandonnee", "consent": true }),
    );
    assert_eq!(r.status, 201, "{}", r.text());
    old.stop();

    let server = Server::start_in(&data, &["--retention-days", "1000"]);
    let mut agent = Client::logged_in(&server.base, &org.agent, PASSWORD);
    let kept_codes: Vec<String> = kept.iter().map(|n| screen(&mut agent, n)).collect();
    let deleted_codes: Vec<String> = deleted.iter().map(|n| screen(&mut agent, n)).collect();
    // Two by the API, one by the command line (the person's right of access too).
    for code in &deleted_codes[..2] {
        assert_eq!(agent.delete(&format!("/api/results/{code}")).status, 204);
    }
    let out = server.cli(&["result", "data", &deleted_codes[2].to_lowercase()], "");
    let stored: serde_json::Value = serde_json::from_str(&ok_stdout(&out)).expect("json");
    assert_eq!(stored["profile"]["person"], deleted[2]);
    assert!(
        stored["session"]["submission"]["answers"].is_array(),
        "{stored}"
    );
    let out = server.cli(&["result", "delete", &deleted_codes[2]], "");
    assert_eq!(
        ok_stdout(&out),
        format!("deleted: result {}", deleted_codes[2])
    );
    let out = server.cli(&["result", "delete", &deleted_codes[2]], "");
    assert_eq!(out.status.code(), Some(2), "already deleted");
    assert_eq!(
        server
            .cli(&["result", "data", "pas-un-code"], "")
            .status
            .code(),
        Some(2)
    );
    let out = server.cli(&["purge", "--retention-days", "365"], "");
    assert!(
        ok_stdout(&out).contains("deleted: 2 result(s)"),
        "{}",
        ok_stdout(&out)
    );
    server.stop();

    // After a restart: the kept results are served, with their first names.
    let server = Server::start_in(&data, &["--retention-days", "1000"]);
    let mut agent = Client::logged_in(&server.base, &org.agent, PASSWORD);
    for (code, name) in kept_codes.iter().zip(kept) {
        let r = agent.get(&format!("/api/results/{code}"));
        assert_eq!(r.status, 200, "{}", r.text());
        assert!(r.text().contains(name), "{}", r.text());
    }
    for code in &deleted_codes {
        assert_eq!(agent.get(&format!("/api/results/{code}")).status, 404);
    }
    let gone: Vec<&str> = deleted
        .iter()
        .chain(&purged)
        .copied()
        .chain(["Odile-Abandonnee"])
        .collect();
    for name in gone.iter().chain(&kept) {
        let found = files_holding(&data, name.as_bytes());
        assert!(found.is_empty(), "{name} found in {found:?}");
    }

    // A new backup, taken while the server runs.
    let backup = dir.path().join("backup");
    let out = server.cli(&["backup", backup.to_str().expect("utf-8 path")], "");
    assert!(ok_stdout(&out).contains("backup written"));
    for name in &gone {
        let found = files_holding(&backup, name.as_bytes());
        assert!(found.is_empty(), "{name} found in the backup: {found:?}");
    }

    // Compaction while the server runs: it goes on serving, nothing is lost.
    let out = server.cli(&["compact"], "");
    assert!(
        ok_stdout(&out).starts_with("compacted:"),
        "{}",
        ok_stdout(&out)
    );
    let code = screen(&mut agent, "Apres-Compaction");
    for code in kept_codes.iter().chain([&code]) {
        assert_eq!(agent.get(&format!("/api/results/{code}")).status, 200);
    }
    for name in &gone {
        assert!(files_holding(&data, name.as_bytes()).is_empty(), "{name}");
    }
    server.stop();

    // The backup is a working store with the kept results only.
    let restored = Server::start_in(&backup, &[]);
    let mut agent = Client::logged_in(&restored.base, &org.agent, PASSWORD);
    for code in &kept_codes {
        assert_eq!(agent.get(&format!("/api/results/{code}")).status, 200);
    }
    for code in &deleted_codes {
        assert_eq!(agent.get(&format!("/api/results/{code}")).status, 404);
    }
}

#[cfg(unix)]
#[test]
fn the_store_and_its_backups_are_readable_by_their_owner_only() {
    use std::os::unix::fs::PermissionsExt;
    let dir = temp_dir();
    let data = dir.path().join("data");
    let server = Server::start_in(&data, &[]);
    let org = Org::create(&server, "modes", "Centre social");
    let mut agent = Client::logged_in(&server.base, &org.agent, PASSWORD);
    screen(&mut agent, "Mode-Test");
    let backup = dir.path().join("backup");
    let out = server.cli(&["backup", backup.to_str().expect("utf-8 path")], "");
    assert!(ok_stdout(&out).contains("backup written"));
    let check = |root: &Path| {
        let mut stack = vec![root.to_path_buf()];
        let mut seen = 0;
        while let Some(d) = stack.pop() {
            let mode = std::fs::metadata(&d).expect("stat").permissions().mode() & 0o777;
            assert_eq!(mode, 0o700, "{}", d.display());
            for entry in std::fs::read_dir(&d).expect("read").flatten() {
                let path = entry.path();
                if path.is_dir() {
                    stack.push(path);
                } else {
                    let mode = std::fs::metadata(&path).expect("stat").permissions().mode() & 0o777;
                    assert_eq!(mode, 0o600, "{}", path.display());
                    seen += 1;
                }
            }
        }
        assert!(seen >= 4, "{seen} files in {}", root.display());
    };
    check(&data);
    check(&backup);
    server.stop();

    // A store left world-readable (as before) is tightened when it is opened.
    let loosen = |root: &Path| {
        let mut stack = vec![root.to_path_buf()];
        while let Some(d) = stack.pop() {
            std::fs::set_permissions(&d, std::fs::Permissions::from_mode(0o755)).expect("chmod");
            for entry in std::fs::read_dir(&d).expect("read").flatten() {
                let path = entry.path();
                if path.is_dir() {
                    stack.push(path);
                } else {
                    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o644))
                        .expect("chmod");
                }
            }
        }
    };
    loosen(&data);
    let server = Server::start_in(&data, &[]);
    check(&data);
    drop(server);
}
