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

/// The item bank the app fetches at start: the embedded bank's delivered form,
/// under the name the app's build computes from the same bytes, cached for ever;
/// another name is 404.
#[test]
fn the_item_bank_is_served_under_the_hash_of_its_bytes() {
    let files: [(&str, &[u8]); 1] = [("index.html", INDEX.as_bytes())];
    let server = Server::start_with_dist(&[], &files);
    let bytes = repere_e2e::bank()
        .for_delivery()
        .to_compact()
        .expect("encodes");
    let name = repere_items::delivery_file_name(&bytes);
    let r = server.client().get(&format!("/bank/{name}"));
    assert_eq!(r.status, 200, "{}", r.text());
    assert!(
        r.body == bytes,
        "{} bytes served, {} expected",
        r.body.len(),
        bytes.len()
    );
    assert_eq!(
        r.header("cache-control"),
        Some("public, max-age=31536000, immutable")
    );
    assert_eq!(r.header("content-type"), Some("application/octet-stream"));
    let decoded = repere_items::Bank::from_compact(&r.body).expect("decodes");
    assert_eq!(
        decoded.live_items().count(),
        repere_e2e::bank().live_items().count()
    );
    let other = server.client().get("/bank/bank-0123456789abcdef.bin");
    assert_eq!(other.status, 404);
    assert_eq!(other.header("cache-control"), Some("no-store"));
}
