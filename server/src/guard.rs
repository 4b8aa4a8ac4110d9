//! What every request and every answer goes through, app pages, static files and
//! API alike (the outermost layer of `repere serve`):
//!
//! - **Host**: a request is served only for a host this server answers to: an IP
//!   address written as such, `localhost`, or a name given with `--public-host`.
//!   Anything else answers 421: a page of another site whose name resolves to this
//!   server (DNS rebinding) reaches nothing, and the `Origin` check of the API,
//!   which compares `Origin` with `Host`, can trust `Host`.
//! - **Paths**: a path longer than [`MAX_PATH`] bytes or with a segment longer than
//!   [`MAX_SEGMENT`] bytes answers 404 before any route or file lookup (a file
//!   system refuses such names with an error that is not "not found").
//! - **Headers**: every answer says `nosniff`, `no-referrer`, may not be framed,
//!   and gets a content security policy; an HTML answer gets the app's policy with
//!   the hash of each of its inline scripts (Trunk's loader), so no other inline
//!   script runs; a script gets the app's policy too (a service worker's script
//!   brings its own policy to the worker); other answers get `default-src 'none'`. An answer that sets its
//!   own policy keeps it.

use axum::body::{to_bytes, Body};
use axum::extract::{Request, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use base64::Engine as _;
use sha2::{Digest, Sha256};

/// Longest path served.
pub const MAX_PATH: usize = 2048;
/// Longest path segment served (the usual file-name limit).
pub const MAX_SEGMENT: usize = 255;
/// Largest HTML answer whose inline scripts are hashed (app pages and sheets are
/// far smaller); a larger one gets the policy without inline scripts.
const MAX_HTML: usize = 4 * 1024 * 1024;

/// The hosts this server answers to.
#[derive(Clone, Debug, Default)]
pub struct Hosts {
    /// Names given with `--public-host`, lowercase, without port.
    names: Vec<String>,
}

impl Hosts {
    /// The names of `--public-host` (a port or a trailing dot is ignored).
    pub fn new(names: &[String]) -> Self {
        Hosts {
            names: names
                .iter()
                .map(|n| {
                    strip_port(n.trim())
                        .trim_end_matches('.')
                        .to_ascii_lowercase()
                })
                .filter(|n| !n.is_empty())
                .collect(),
        }
    }

    /// Whether a `Host` header value is one of this server's.
    pub fn allows(&self, host: &str) -> bool {
        let name = strip_port(host.trim()).trim_end_matches('.');
        if name.is_empty() {
            return false;
        }
        if is_ip_literal(name) || name.eq_ignore_ascii_case("localhost") {
            return true;
        }
        self.names.iter().any(|n| n.eq_ignore_ascii_case(name))
    }
}

/// Whether a host name (without port) is a loopback one: `localhost`, 127.0.0.0/8
/// or `[::1]`.
pub fn is_loopback_host(host: &str) -> bool {
    let name = strip_port(host.trim());
    if name.eq_ignore_ascii_case("localhost") {
        return true;
    }
    let bare = name.trim_start_matches('[').trim_end_matches(']');
    bare.parse::<std::net::IpAddr>()
        .is_ok_and(|ip| ip.is_loopback())
}

/// The host part of a `Host` value: `[v6]:port`, `name:port` or `name`.
fn strip_port(host: &str) -> &str {
    if let Some(rest) = host.strip_prefix('[') {
        return match rest.find(']') {
            Some(end) => &host[..end + 2],
            None => host,
        };
    }
    match host.rsplit_once(':') {
        Some((name, port)) if port.bytes().all(|b| b.is_ascii_digit()) => name,
        _ => host,
    }
}

fn is_ip_literal(name: &str) -> bool {
    if let Some(v6) = name.strip_prefix('[').and_then(|n| n.strip_suffix(']')) {
        return v6.parse::<std::net::Ipv6Addr>().is_ok();
    }
    name.parse::<std::net::Ipv4Addr>().is_ok()
}

/// Whether a path may be looked up at all.
pub fn path_is_servable(path: &str) -> bool {
    path.len() <= MAX_PATH && path.split('/').all(|s| s.len() <= MAX_SEGMENT)
}

/// A path as logs may show it: the segment after `results/` (a result code, a
/// bearer secret) is replaced by `{code}`; no query string.
pub fn loggable_path(path: &str) -> String {
    let mut out = Vec::new();
    let mut after_results = false;
    for seg in path.split('/') {
        if after_results && !seg.is_empty() {
            out.push("{code}");
        } else {
            out.push(seg);
        }
        after_results = seg == "results";
    }
    out.join("/")
}

/// The content security policy of an HTML page whose inline scripts have these
/// digests (`sha256-…`). Styles may be inline (the app sets `style` attributes);
/// scripts, workers and requests stay on this server; WebAssembly may compile.
pub fn page_policy(script_hashes: &[String]) -> String {
    let mut scripts = String::from("'self' 'wasm-unsafe-eval'");
    for h in script_hashes {
        scripts.push_str(" '");
        scripts.push_str(h);
        scripts.push('\'');
    }
    format!(
        "default-src 'self'; script-src {scripts}; style-src 'self' 'unsafe-inline'; \
         img-src 'self' data: blob:; media-src 'self' blob:; font-src 'self'; \
         connect-src 'self'; worker-src 'self'; manifest-src 'self'; object-src 'none'; \
         base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
    )
}

/// The policy of an answer that is not a page (JSON, files).
pub const OTHER_POLICY: &str = "default-src 'none'; frame-ancestors 'none'; sandbox";

/// `sha256-<base64>` of every inline `<script>` of an HTML page (a script with a
/// `src` attribute is not inline).
pub fn inline_script_hashes(html: &str) -> Vec<String> {
    let mut out = Vec::new();
    let lower = html.to_ascii_lowercase();
    let mut from = 0;
    while let Some(start) = lower[from..].find("<script") {
        let tag_start = from + start;
        let Some(tag_len) = lower[tag_start..].find('>') else {
            break;
        };
        let body_start = tag_start + tag_len + 1;
        let tag = &lower[tag_start..body_start];
        let Some(end) = lower[body_start..].find("</script") else {
            break;
        };
        let body_end = body_start + end;
        if !tag.contains(" src=") && !tag.contains("\tsrc=") && !tag.contains("\nsrc=") {
            let digest = Sha256::digest(&html.as_bytes()[body_start..body_end]);
            out.push(format!(
                "sha256-{}",
                base64::engine::general_purpose::STANDARD.encode(digest)
            ));
        }
        from = body_end;
    }
    out
}

fn set_if_absent(headers: &mut HeaderMap, name: header::HeaderName, value: &'static str) {
    if !headers.contains_key(&name) {
        headers.insert(name, HeaderValue::from_static(value));
    }
}

/// The middleware: host and path checks, then the headers of every answer.
pub async fn guard(
    State(hosts): State<std::sync::Arc<Hosts>>,
    req: Request,
    next: Next,
) -> Response {
    let host = req
        .headers()
        .get(header::HOST)
        .and_then(|h| h.to_str().ok())
        .map(str::to_string)
        .or_else(|| req.uri().authority().map(|a| a.to_string()))
        .unwrap_or_default();
    let mut resp = if !hosts.allows(&host) {
        (
            StatusCode::MISDIRECTED_REQUEST,
            [(header::CONTENT_TYPE, "text/plain; charset=utf-8")],
            "Ce serveur ne répond pas à ce nom. L'administrateur peut l'ajouter avec --public-host.\n",
        )
            .into_response()
    } else if !path_is_servable(req.uri().path()) {
        (
            StatusCode::NOT_FOUND,
            [(header::CONTENT_TYPE, "text/plain; charset=utf-8")],
            "Adresse inconnue.\n",
        )
            .into_response()
    } else {
        next.run(req).await
    };
    let html = resp
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|t| t.starts_with("text/html"));
    let script = resp
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|t| t.contains("javascript"));
    if !resp.headers().contains_key(header::CONTENT_SECURITY_POLICY) {
        let policy = if html {
            let (parts, body) = resp.into_parts();
            match to_bytes(body, MAX_HTML).await {
                Ok(bytes) => {
                    let hashes = inline_script_hashes(&String::from_utf8_lossy(&bytes));
                    resp = Response::from_parts(parts, Body::from(bytes));
                    page_policy(&hashes)
                }
                Err(e) => {
                    tracing::error!(error = %e, "page too large or unreadable for its policy");
                    return (StatusCode::INTERNAL_SERVER_ERROR, "").into_response();
                }
            }
        } else if script {
            // A worker's script brings its policy: the service worker must fetch.
            page_policy(&[])
        } else {
            OTHER_POLICY.to_string()
        };
        if let Ok(v) = HeaderValue::from_str(&policy) {
            resp.headers_mut()
                .insert(header::CONTENT_SECURITY_POLICY, v);
        }
    }
    let h = resp.headers_mut();
    set_if_absent(h, header::X_CONTENT_TYPE_OPTIONS, "nosniff");
    set_if_absent(h, header::REFERRER_POLICY, "no-referrer");
    set_if_absent(h, header::X_FRAME_OPTIONS, "DENY");
    set_if_absent(
        h,
        header::HeaderName::from_static("cross-origin-opener-policy"),
        "same-origin",
    );
    set_if_absent(
        h,
        header::HeaderName::from_static("cross-origin-resource-policy"),
        "same-origin",
    );
    set_if_absent(
        h,
        header::HeaderName::from_static("permissions-policy"),
        "camera=(), microphone=(), payment=(), usb=()",
    );
    resp
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hosts_ip_literals_localhost_and_listed_names() {
        let h = Hosts::new(&[
            "Repere.Example.fr".to_string(),
            "autre.example:443".to_string(),
        ]);
        for ok in [
            "127.0.0.1:8080",
            "127.0.0.1",
            "[::1]:8080",
            "[::1]",
            "192.168.1.20:8080",
            "localhost:8080",
            "LOCALHOST",
            "repere.example.fr",
            "repere.example.fr.",
            "REPERE.example.fr:443",
            "autre.example",
        ] {
            assert!(h.allows(ok), "{ok}");
        }
        for bad in [
            "",
            "evil.example",
            "evil.example:8080",
            "127.0.0.1.evil.example",
            "repere.example.fr.evil.example",
            "[::1",
            "localhost.evil.example",
        ] {
            assert!(!h.allows(bad), "{bad}");
        }
        assert!(!Hosts::default().allows("repere.example.fr"));
    }

    #[test]
    fn loopback_hosts() {
        for lo in [
            "localhost",
            "localhost:80",
            "127.0.0.1:8080",
            "127.9.9.9",
            "[::1]:3000",
        ] {
            assert!(is_loopback_host(lo), "{lo}");
        }
        for not in [
            "192.168.1.2",
            "repere.example.fr",
            "[::2]:80",
            "localhost.evil",
        ] {
            assert!(!is_loopback_host(not), "{not}");
        }
    }

    #[test]
    fn logged_paths_hide_result_codes() {
        assert_eq!(
            loggable_path("/api/results/K7M4-QX2P"),
            "/api/results/{code}"
        );
        assert_eq!(
            loggable_path("/api/results/K7M4-QX2P/sheet"),
            "/api/results/{code}/sheet"
        );
        assert_eq!(loggable_path("/api/results"), "/api/results");
        assert_eq!(loggable_path("/agent"), "/agent");
    }

    #[test]
    fn long_paths_and_segments_are_not_served() {
        assert!(path_is_servable("/api/results/K7M4-QX2P"));
        assert!(path_is_servable(&format!("/{}", "a".repeat(255))));
        assert!(!path_is_servable(&format!("/{}", "a".repeat(256))));
        assert!(!path_is_servable(&format!(
            "/api/results/{}",
            "a".repeat(300)
        )));
        assert!(!path_is_servable(&"/a".repeat(1100)));
    }

    #[test]
    fn inline_scripts_are_hashed_and_external_ones_are_not() {
        // `echo -n 'alert(1)' | openssl dgst -sha256 -binary | base64`
        let page = "<html><script type=\"module\">alert(1)</script>\
                    <script src=\"/a.js\"></script><SCRIPT>x()</SCRIPT></html>";
        let hashes = inline_script_hashes(page);
        assert_eq!(hashes.len(), 2, "{hashes:?}");
        assert_eq!(
            hashes[0],
            "sha256-bhHHL3z2vDgxUt0W3dWQOrprscmda2Y5pLsLg4GF+pI="
        );
        let policy = page_policy(&hashes);
        assert!(policy.contains("script-src 'self' 'wasm-unsafe-eval' 'sha256-bhHHL3z2vDgxUt0W3dWQOrprscmda2Y5pLsLg4GF+pI='"), "{policy}");
        let script_src = policy
            .split(';')
            .find(|d| d.trim().starts_with("script-src"))
            .expect("script-src");
        assert!(!script_src.contains("unsafe-inline"), "{policy}");
        assert!(inline_script_hashes("<p>no script</p><script").is_empty());
    }
}
