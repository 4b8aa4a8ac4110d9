//! HTTP caching of the web app served from `dist/`.
//!
//! - The page (`/`, `/index.html`, and every app path answered with index.html),
//!   the service worker (`/sw.js`) and its precache list (`/precache.txt`, which
//!   names the recorded voice's clips) are `no-cache`: the browser asks again each
//!   time (a cheap 304 when nothing changed), so a new version reaches people at
//!   once and the worker's update check is never served stale.
//! - Trunk's hashed files (`repere-app-<hash>.js`, `…_bg.wasm`, `style-<hash>.css`:
//!   the name changes when the content does) are `public, max-age=31536000,
//!   immutable`.
//! - Other files (fonts, pictures, recorded clips: unhashed names) get a short
//!   cache, one hour.
//! - An answer that already says how to cache it keeps its own header: the API
//!   answers `no-store` (personal data on shared devices), and a page tailored to
//!   a request sets its own.

use axum::extract::Request;
use axum::http::{header, HeaderValue, StatusCode};
use axum::middleware::Next;
use axum::response::Response;

/// For pages, the service worker and its precache list: always revalidate.
pub const NO_CACHE: &str = "no-cache";
/// For files whose name holds a hash of their content.
pub const IMMUTABLE: &str = "public, max-age=31536000, immutable";
/// For other files of `dist/` (fonts, pictures, recorded clips).
pub const SHORT: &str = "public, max-age=3600";

/// Whether a path of `dist/` is one of Trunk's hashed outputs: a file at the top
/// level named `NAME-HASH.EXT` or `NAME-HASH_bg.wasm`, HASH being 10 to 16
/// lowercase hexadecimal digits (Trunk's `filehash`), EXT `js`, `wasm` or `css`.
pub fn is_hashed(path: &str) -> bool {
    let Some(name) = path.strip_prefix('/') else {
        return false;
    };
    if name.contains('/') {
        return false;
    }
    let Some((stem, ext)) = name.rsplit_once('.') else {
        return false;
    };
    if !matches!(ext, "js" | "wasm" | "css") {
        return false;
    }
    let stem = if ext == "wasm" {
        stem.strip_suffix("_bg").unwrap_or(stem)
    } else {
        stem
    };
    let Some((base, hash)) = stem.rsplit_once('-') else {
        return false;
    };
    !base.is_empty()
        && (10..=16).contains(&hash.len())
        && hash
            .bytes()
            .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
}

/// The `Cache-Control` of a static answer.
pub fn policy(path: &str, status: StatusCode, content_type: Option<&str>) -> &'static str {
    let html = content_type.is_some_and(|t| t.starts_with("text/html"));
    let always_fresh = matches!(path, "/sw.js" | "/precache.txt");
    if html || always_fresh || !(status.is_success() || status == StatusCode::NOT_MODIFIED) {
        NO_CACHE
    } else if is_hashed(path) {
        IMMUTABLE
    } else {
        SHORT
    }
}

/// Middleware: sets `Cache-Control` by [`policy`] on answers that have none.
pub async fn headers(req: Request, next: Next) -> Response {
    let path = req.uri().path().to_string();
    let mut resp = next.run(req).await;
    if !resp.headers().contains_key(header::CACHE_CONTROL) {
        let content_type = resp
            .headers()
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok());
        let value = policy(&path, resp.status(), content_type);
        resp.headers_mut()
            .insert(header::CACHE_CONTROL, HeaderValue::from_static(value));
    }
    resp
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hashed_names_are_trunks() {
        for yes in [
            "/repere-app-3f9a0c21d4e5b687.js",
            "/repere-app-3f9a0c21d4e5b687_bg.wasm",
            "/style-0a1b2c3d4e5f6071.css",
            "/staff-a1b2c3d4e5f60.css",
        ] {
            assert!(is_hashed(yes), "{yes}");
        }
        for no in [
            "/sw.js",
            "/index.html",
            "/fonts/AtkinsonHyperlegible-Regular.woff2",
            "/pictures/mail-0123456789abcdef.css",
            "/style.css",
            "/repere-app-3F9A0C21D4E5B687.js",
            "/repere-app-xyz0c21d4e5b687.js",
            "/demo-agent.js",
            "/-0123456789abcdef.js",
            "/repere-app-3f9a0c21d4e5b687.js.map",
        ] {
            assert!(!is_hashed(no), "{no}");
        }
    }

    #[test]
    fn policies() {
        let ok = StatusCode::OK;
        assert_eq!(policy("/", ok, Some("text/html")), NO_CACHE);
        assert_eq!(
            policy("/agent", ok, Some("text/html; charset=utf-8")),
            NO_CACHE
        );
        assert_eq!(policy("/sw.js", ok, Some("text/javascript")), NO_CACHE);
        assert_eq!(policy("/precache.txt", ok, Some("text/plain")), NO_CACHE);
        assert_eq!(
            policy("/voice/0123456789abcdef.mp3", ok, Some("audio/mpeg")),
            SHORT
        );
        assert_eq!(
            policy(
                "/repere-app-3f9a0c21d4e5b687.js",
                ok,
                Some("text/javascript")
            ),
            IMMUTABLE
        );
        assert_eq!(
            policy(
                "/repere-app-3f9a0c21d4e5b687.js",
                StatusCode::NOT_MODIFIED,
                None
            ),
            IMMUTABLE
        );
        assert_eq!(policy("/fonts/a.woff2", ok, Some("font/woff2")), SHORT);
        assert_eq!(
            policy("/fonts/a.woff2", StatusCode::NOT_FOUND, None),
            NO_CACHE
        );
    }
}
