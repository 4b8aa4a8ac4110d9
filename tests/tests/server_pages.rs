//! The two app pages: `staff.html` (the staff bundle) for the paths it lists in its
//! `<meta name="repere-staff-paths">`, `index.html` (the self-test bundle) for every
//! other path that is not a file of `dist/`.

use repere_e2e::Server;

const INDEX: &str = "<!doctype html><title>Repère</title><p>self-test</p>";
const STAFF: &str = r#"<!doctype html><html lang="fr"><head>
<meta name="repere-staff-paths" content="/borne /connexion /agent /mediateur /formateur /admin">
<title>Repère</title></head><body><p>staff</p></body></html>"#;

fn page(server: &Server, path: &str) -> (String, Option<String>) {
    let r = server.client().get(path);
    assert_eq!(r.status, 200, "{path}");
    (r.text(), r.header("cache-control").map(str::to_string))
}

#[test]
fn staff_paths_get_the_staff_page_and_every_other_path_the_self_test_page() {
    let staff_js = "repere-staff-8d2f8c519a8c1469.js";
    let files: [(&str, &[u8]); 3] = [
        ("index.html", INDEX.as_bytes()),
        ("staff.html", STAFF.as_bytes()),
        (staff_js, b"export default 1;"),
    ];
    let server = Server::start_with_dist(&[], &files);
    for path in [
        "/borne",
        "/connexion",
        "/agent",
        "/agent/",
        "/agent?resultat=ABCD-1234",
        "/agent?depistage=x",
        "/mediateur",
        "/formateur/",
        "/admin",
        "/staff.html",
    ] {
        let (body, cache) = page(&server, path);
        assert!(body.contains("<p>staff</p>"), "{path}: {body}");
        assert_eq!(cache.as_deref(), Some("no-cache"), "{path}");
    }
    for path in [
        "/",
        "/index.html",
        "/?mode=agent&screening=x",
        "/apercu?item=x",
        "/agents",
        "/agent/x",
        "/nimporte-quoi",
    ] {
        let (body, cache) = page(&server, path);
        assert!(body.contains("<p>self-test</p>"), "{path}: {body}");
        assert_eq!(cache.as_deref(), Some("no-cache"), "{path}");
    }
    // The staff bundle's files are Trunk's hashed files like the others.
    let (body, cache) = page(&server, &format!("/{staff_js}"));
    assert_eq!(body, "export default 1;");
    assert_eq!(
        cache.as_deref(),
        Some("public, max-age=31536000, immutable")
    );
}

#[test]
fn without_a_staff_page_every_path_gets_index_html() {
    let files: [(&str, &[u8]); 1] = [("index.html", INDEX.as_bytes())];
    let server = Server::start_with_dist(&[], &files);
    for path in ["/", "/agent", "/connexion", "/nimporte-quoi"] {
        assert!(page(&server, path).0.contains("<p>self-test</p>"), "{path}");
    }
}
