//! `repere serve`: the HTTP server (the web app from `dist/` and the API under
//! `/api`), on the sled store of `--data`.
//!
//! At start: opens the store (refused if another process holds it), checks the
//! embedded item bank, creates the demo data with `--demo`, purges what is past the
//! retention period, starts the group committer, listens, writes
//! `<data>/server.json` for the command line ([`crate::local`]) and prints
//! `Repère écoute sur http://ADDR:PORT/` (tests parse that line). A purge runs every
//! hour. Ctrl-C or SIGTERM stop it cleanly: requests in flight finish (5 s at most),
//! the store is flushed, `server.json` is removed.

use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use axum::routing::get;
use tower_http::services::ServeDir;
use tower_http::trace::TraceLayer;

use crate::api::{self, AppState, Config};
use crate::clock::Clock;
use crate::commit::GroupCommit;
use crate::local::{write_server_file, ServerFile, SERVER_FILE};
use crate::ratelimit::Limits;
use crate::store::sled_store::SledStore;
use crate::store::{Store, StoreError};
use crate::{admin_ops, auth, demo, outcome, CliError};

/// Default retention of results: 12 months.
pub const DEFAULT_RETENTION_DAYS: u32 = 365;
/// Lifetime of a login session.
pub const SESSION_TTL_MS: i64 = 12 * 3_600_000;
/// Options of `repere serve`.
#[derive(clap::Args, Debug)]
pub struct ServeArgs {
    /// Address to listen on.
    #[arg(long, env = "REPERE_ADDR", default_value_t = IpAddr::V4(Ipv4Addr::LOCALHOST))]
    pub addr: IpAddr,
    /// Port to listen on (0 picks a free port and prints it).
    #[arg(long, env = "REPERE_PORT", default_value_t = 8080)]
    pub port: u16,
    /// Folder of the sled store (created if absent).
    #[arg(long, env = "REPERE_DATA", default_value = "data")]
    pub data: PathBuf,
    /// Folder of the built web app (Trunk's output).
    #[arg(long, env = "REPERE_DIST", default_value = "dist")]
    pub dist: PathBuf,
    /// Create (on an empty store) and print a demo structure with an agent, a trainer,
    /// an admin and a kiosk. Public credentials: loopback addresses only.
    #[arg(long)]
    pub demo: bool,
    /// Mark cookies `Secure` for every host, loopback ones too (by default they are,
    /// except for `localhost` and 127.0.0.1).
    #[arg(long, env = "REPERE_SECURE_COOKIES", conflicts_with = "plain_http")]
    pub secure_cookies: bool,
    /// Served over plain HTTP on a local network (no TLS): cookies are not
    /// `Secure`. Passwords and sessions then cross the network readable.
    #[arg(long, env = "REPERE_PLAIN_HTTP")]
    pub plain_http: bool,
    /// Names this server is reached by, besides IP addresses and `localhost` (e.g.
    /// `repere.example.fr`; repeat the option or separate with commas). A request
    /// for any other name answers 421.
    #[arg(
        long = "public-host",
        env = "REPERE_PUBLIC_HOST",
        value_delimiter = ','
    )]
    pub public_hosts: Vec<String>,
    /// Delete results older than this many days (hourly and at start).
    #[arg(long, env = "REPERE_RETENTION_DAYS", default_value_t = DEFAULT_RETENTION_DAYS)]
    pub retention_days: u32,
    /// Anonymous results accepted from one address in 10 minutes (three times as
    /// many from one network); kiosks and agents are counted apart.
    #[arg(long, env = "REPERE_ANONYMOUS_LIMIT", default_value_t = crate::ratelimit::SUBMIT_PER_ADDRESS)]
    pub anonymous_limit: u32,
    /// Results accepted from one kiosk in an hour (one person at a time).
    #[arg(long, env = "REPERE_KIOSK_LIMIT", default_value_t = crate::ratelimit::SUBMIT_PER_KIOSK)]
    pub kiosk_limit: u32,
    /// Testing only: shift the server's clock by this many days.
    #[arg(long, hide = true, default_value_t = 0, allow_negative_numbers = true)]
    pub clock_offset_days: i64,
    /// Testing only: the server's clock reads this instant at start (RFC 3339,
    /// e.g. 2026-12-31T23:30:00Z) and runs on from there.
    #[arg(long, hide = true)]
    pub clock_start: Option<String>,
    /// Benchmark baseline only: acknowledge results without waiting for the disk.
    #[arg(long, hide = true)]
    pub unsafe_no_flush: bool,
}

/// The security-event log in the data folder.
pub const SECURITY_LOG: &str = "security.log";

/// Starts the server and runs until Ctrl-C or SIGTERM.
pub fn run(args: ServeArgs) -> Result<(), CliError> {
    init_tracing_with_security_log(&args.data)?;
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|e| CliError::Other(format!("cannot start the async runtime: {e}")))?;
    runtime.block_on(serve(args))
}

/// Logs go to stderr, filtered by `RUST_LOG` (default `info`); the events of the
/// `security` target (logins and failures, lock-outs, exports, deletions,
/// account and kiosk changes, purges: ids and counts, never a name, a login, an
/// address or a result code) are also appended, as JSON lines, to
/// `<data>/security.log` (owner-only), whatever `RUST_LOG` says.
fn init_tracing_with_security_log(data: &std::path::Path) -> Result<(), CliError> {
    use tracing_subscriber::layer::SubscriberExt as _;
    use tracing_subscriber::Layer as _;
    std::fs::create_dir_all(data)
        .map_err(|e| CliError::Other(format!("cannot create {}: {e}", data.display())))?;
    let path = data.join(SECURITY_LOG);
    let mut open = std::fs::OpenOptions::new();
    open.create(true).append(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut open, 0o600);
    let file = open
        .open(&path)
        .map_err(|e| CliError::Other(format!("cannot open {}: {e}", path.display())))?;
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    let console = tracing_subscriber::fmt::layer()
        .with_writer(std::io::stderr)
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
        .with_filter(filter);
    let security = tracing_subscriber::fmt::layer()
        .json()
        .with_current_span(false)
        .with_span_list(false)
        .with_writer(std::sync::Mutex::new(file))
        .with_filter(
            tracing_subscriber::filter::Targets::new()
                .with_target("security", tracing::Level::INFO),
        );
    let _ = tracing::subscriber::set_global_default(
        tracing_subscriber::registry().with(console).with(security),
    );
    Ok(())
}

fn open_store(args: &ServeArgs) -> Result<SledStore, CliError> {
    SledStore::open(&args.data).map_err(|e| match e {
        StoreError::Locked(path) => CliError::Other(format!(
            "the store in {path} is already in use: is another `repere serve` running on it?"
        )),
        other => CliError::Other(other.to_string()),
    })
}

async fn serve(args: ServeArgs) -> Result<(), CliError> {
    let index = args.dist.join("index.html");
    if !index.is_file() {
        return Err(CliError::Input(format!(
            "{} not found: build the web app first (`cargo xtask serve` does it)",
            index.display()
        )));
    }
    if args.demo && !args.addr.is_loopback() {
        return Err(CliError::Input(
            "--demo prints public credentials: it only listens on a loopback address (127.0.0.1 or ::1)".into(),
        ));
    }
    let bank = outcome::bank().map_err(CliError::Other)?;
    let assessor = outcome::assessor().map_err(CliError::Other)?;
    let store: Arc<dyn Store> = Arc::new(open_store(&args)?);
    let clock = match &args.clock_start {
        None => Clock::with_offset_days(args.clock_offset_days),
        Some(at) => {
            let at: jiff::Timestamp = at.parse().map_err(|e| {
                CliError::Input(format!("--clock-start {at}: not an RFC 3339 instant: {e}"))
            })?;
            Clock::starting_at(at.as_millisecond())
        }
    };

    let demo_banner = if args.demo {
        let (s, c) = (store.clone(), clock);
        let demo = tokio::task::spawn_blocking(move || demo::ensure(s.as_ref(), &c))
            .await
            .map_err(|e| CliError::Other(e.to_string()))?
            .map_err(|e| CliError::Other(format!("cannot create the demo data: {e}")))?;
        Some(demo::banner(&demo))
    } else {
        None
    };

    let retention = args.retention_days;
    {
        let (s, c) = (store.clone(), clock);
        tokio::task::spawn_blocking(move || admin_ops::purge(s.as_ref(), &c, retention))
            .await
            .map_err(|e| CliError::Other(e.to_string()))?
            .map_err(|e| CliError::Other(format!("purge at start failed: {e}")))?;
    }

    let commit = GroupCommit::start(store.clone(), !args.unsafe_no_flush)
        .map_err(|e| CliError::Other(format!("cannot start the flusher: {e}")))?;
    if args.unsafe_no_flush {
        tracing::warn!("--unsafe-no-flush: results are acknowledged before they reach the disk (benchmark baseline)");
    }
    let local_token = auth::random_token().map_err(CliError::Other)?;
    let limits = Limits::new(Some(store.clone()), args.anonymous_limit, args.kiosk_limit);
    let kept = limits
        .load(store.as_ref(), clock.now_ms())
        .map_err(|e| CliError::Other(format!("cannot read the rate limits: {e}")))?;
    tracing::info!(windows = kept, "rate limits taken back");
    let device_key = device_key(store.as_ref())?;
    let state = Arc::new(AppState {
        store: store.clone(),
        commit: commit.clone(),
        clock,
        bank,
        assessor,
        config: Config {
            secure_cookies: args.secure_cookies,
            plain_http: args.plain_http,
            session_ttl_ms: SESSION_TTL_MS,
            retention_days: args.retention_days,
        },
        limits,
        device_key,
        local_token: local_token.clone(),
        places: crate::places::Places::default(),
    });

    // Screens such as /agent or /connexion are routed by the app itself: any path that
    // is not a file of dist/ gets an app page with 200, and the app shows its own
    // "page not found" screen for paths it does not know. Two pages, two bundles:
    // the staff page for the paths it lists, index.html for every other one. A page
    // carries the kiosk mode of a paired kiosk (`api::kiosk::app_page`).
    let staff = staff_page(&args.dist)?;
    let page_service = |index: PathBuf| -> axum::routing::MethodRouter {
        get(api::kiosk::app_page).with_state(api::kiosk::AppPage {
            index,
            state: state.clone(),
        })
    };
    let self_test_page = page_service(index.clone());
    let bank_file = crate::bank_file::BankFile::of(bank).map_err(CliError::Other)?;
    let mut app = api::router(state.clone())
        .merge(crate::bank_file::router(bank_file))
        .route_service("/", self_test_page.clone())
        .route_service("/index.html", self_test_page.clone());
    if let Some((file, paths)) = staff {
        let staff_page = page_service(file);
        app = app.route_service(&format!("/{STAFF_PAGE}"), staff_page.clone());
        for path in paths {
            app = app
                .route_service(&path, staff_page.clone())
                .route_service(&format!("{path}/"), staff_page.clone());
        }
    }
    let app = app
        .fallback_service(ServeDir::new(&args.dist).fallback(self_test_page))
        .layer(axum::middleware::from_fn(crate::static_cache::headers))
        .layer(axum::middleware::from_fn_with_state(
            Arc::new(crate::guard::Hosts::new(&args.public_hosts)),
            crate::guard::guard,
        ))
        .layer(TraceLayer::new_for_http().make_span_with(
            |req: &axum::http::Request<axum::body::Body>| {
                tracing::debug_span!(
                    "request",
                    method = %req.method(),
                    path = %crate::guard::loggable_path(req.uri().path()),
                )
            },
        ));
    let listener = tokio::net::TcpListener::bind(SocketAddr::new(args.addr, args.port))
        .await
        .map_err(|e| {
            CliError::Other(format!("cannot listen on {}:{}: {e}", args.addr, args.port))
        })?;
    let local = listener
        .local_addr()
        .map_err(|e| CliError::Other(format!("cannot read the bound address: {e}")))?;
    let limits = crate::conn::ConnLimits::from_system();
    tracing::info!(
        connections = limits.total,
        per_address = limits.per_address,
        "connection limits"
    );
    let listener =
        axum::serve::ListenerExt::tap_io(crate::conn::Guarded::new(listener, limits), |_| {});
    let server_file = write_server_file(
        &args.data,
        &ServerFile {
            port: local.port(),
            pid: std::process::id(),
            token: local_token,
        },
    )
    .map_err(|e| {
        CliError::Other(format!(
            "cannot write {}: {e}",
            args.data.join(SERVER_FILE).display()
        ))
    })?;

    // The address line comes last: tests and scripts wait for it.
    if let Some(b) = demo_banner {
        println!("{b}");
    }
    println!("Données : {}", args.data.display());
    println!("Repère écoute sur http://{local}/");
    tracing::info!(port = local.port(), retention_days = retention, "listening");

    let purger = {
        let (s, c, st) = (store.clone(), clock, state.clone());
        tokio::spawn(async move {
            let mut every = tokio::time::interval(Duration::from_secs(3600));
            every.tick().await; // the first tick is immediate: the start purge ran.
            loop {
                every.tick().await;
                st.limits.expire(c.now_ms());
                let (s, c) = (s.clone(), c);
                match tokio::task::spawn_blocking(move || {
                    admin_ops::purge(s.as_ref(), &c, retention)
                })
                .await
                {
                    Ok(Ok(_)) => {}
                    Ok(Err(e)) => tracing::error!(error = %e, "hourly purge failed"),
                    Err(e) => tracing::error!(error = %e, "hourly purge panicked"),
                }
            }
        })
    };

    let stop = Arc::new(tokio::sync::Notify::new());
    let stop_signal = stop.clone();
    let server = axum::serve(
        listener,
        app.into_make_service_with_connect_info::<SocketAddr>(),
    )
    .with_graceful_shutdown(async move {
        shutdown_signal().await;
        stop_signal.notify_waiters();
    });
    let served = tokio::select! {
        r = server => r.map_err(|e| CliError::Other(format!("server error: {e}"))),
        () = async {
            stop.notified().await;
            tokio::time::sleep(Duration::from_secs(5)).await;
        } => {
            tracing::warn!("requests still running after 5 s: stopping anyway");
            Ok(())
        }
    };
    purger.abort();
    commit.shutdown();
    let flushed = store.flush();
    let _ = std::fs::remove_file(&server_file);
    served?;
    flushed.map_err(|e| CliError::Other(format!("cannot flush the store: {e}")))?;
    Ok(())
}

/// The key of the device cookies, made at the first start and kept in the store
/// (cookies stay valid across restarts).
fn device_key(store: &dyn Store) -> Result<Vec<u8>, CliError> {
    let err = |e: StoreError| CliError::Other(format!("cannot read the device key: {e}"));
    if let Some(hex) = store.meta("device_key").map_err(err)? {
        if hex.len() == 64 {
            return Ok(hex.into_bytes());
        }
    }
    let key = auth::random_token().map_err(CliError::Other)?;
    store.set_meta("device_key", &key).map_err(err)?;
    store.flush().map_err(err)?;
    Ok(key.into_bytes())
}

/// The staff page in `dist/` (the staff bundle: login, agent, mediator, admin).
pub const STAFF_PAGE: &str = "staff.html";
/// The meta tag by which the staff page lists the paths it serves.
const STAFF_PATHS_META: &str = r#"name="repere-staff-paths""#;

/// The staff page of `dist` and the paths it serves (its `<meta
/// name="repere-staff-paths" content="/connexion /agent …">`, from the app's
/// `routes.rs`). Without the file (a web app built before the staff bundle, test
/// folders), every path gets index.html.
fn staff_page(dist: &std::path::Path) -> Result<Option<(PathBuf, Vec<String>)>, CliError> {
    let file = dist.join(STAFF_PAGE);
    let html = match std::fs::read_to_string(&file) {
        Ok(html) => html,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            tracing::warn!(file = %file.display(), "no staff page: every path gets index.html");
            return Ok(None);
        }
        Err(e) => return Err(CliError::Input(format!("{}: {e}", file.display()))),
    };
    match staff_paths(&html) {
        Some(paths) => Ok(Some((file, paths))),
        None => Err(CliError::Input(format!(
            "{}: no <meta name=\"repere-staff-paths\" content=\"/path …\"> listing the \
             paths it serves (paths start with /, without a trailing /): build the web app \
             again (`cargo xtask build`)",
            file.display()
        ))),
    }
}

/// The paths listed by the staff page's meta tag: `None` unless there is at least
/// one and each is an absolute path without a trailing `/`, a dot (a file) or a
/// repeat (`/` itself is the self-test's).
fn staff_paths(html: &str) -> Option<Vec<String>> {
    let tag_start = html.find(STAFF_PATHS_META)?;
    let tag = &html[tag_start..];
    let tag = &tag[..tag.find('>')?];
    let content = &tag[tag.find("content=\"")? + "content=\"".len()..];
    let content = &content[..content.find('"')?];
    let paths: Vec<String> = content.split_whitespace().map(str::to_string).collect();
    let valid = |p: &String| {
        p.len() > 1
            && p.starts_with('/')
            && !p.ends_with('/')
            && !p.starts_with("/api/")
            && p.bytes()
                .all(|b| b.is_ascii_alphanumeric() || b"/-_".contains(&b))
    };
    let distinct = paths.iter().collect::<std::collections::HashSet<_>>().len() == paths.len();
    (!paths.is_empty() && distinct && paths.iter().all(valid)).then_some(paths)
}

async fn shutdown_signal() {
    #[cfg(unix)]
    {
        let mut term =
            match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
                Ok(s) => s,
                Err(_) => {
                    let _ = tokio::signal::ctrl_c().await;
                    return;
                }
            };
        tokio::select! {
            _ = tokio::signal::ctrl_c() => {}
            _ = term.recv() => {}
        }
    }
    #[cfg(not(unix))]
    {
        let _ = tokio::signal::ctrl_c().await;
    }
}

/// mimalloc instead of glibc's allocator: the store's and JSON's many small
/// allocations fragment glibc's heap (profiled: `_int_malloc` took a quarter of the
/// export time at 100,000 profiles).
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_staff_page_lists_its_paths() {
        let page = r#"<head><meta charset="utf-8">
    <meta name="repere-staff-paths" content="/connexion /agent
      /mediateur">
    <title>Repère</title>"#;
        assert_eq!(
            staff_paths(page),
            Some(vec![
                "/connexion".to_string(),
                "/agent".to_string(),
                "/mediateur".to_string()
            ])
        );
        for bad in [
            "<title>Repère</title>",
            r#"<meta name="repere-staff-paths" content="">"#,
            r#"<meta name="repere-staff-paths" content="  ">"#,
            r#"<meta name="repere-staff-paths" content="/agent /">"#,
            r#"<meta name="repere-staff-paths" content="/agent/">"#,
            r#"<meta name="repere-staff-paths" content="agent">"#,
            r#"<meta name="repere-staff-paths" content="/api/me">"#,
            r#"<meta name="repere-staff-paths" content="/{x}">"#,
            r#"<meta name="repere-staff-paths" content="/index.html">"#,
            r#"<meta name="repere-staff-paths" content="/agent /admin /agent">"#,
            r#"<meta name="repere-staff-paths"><meta content="/agent">"#,
            r#"<meta name="repere-staff-paths" content="/agent"#,
        ] {
            assert_eq!(staff_paths(bad), None, "{bad}");
        }
    }
}
