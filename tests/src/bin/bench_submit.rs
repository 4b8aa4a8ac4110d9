//! `repere-bench-submit` (run by `cargo xtask bench`): durable result submissions
//! per second and their latency, on loopback, against the real `repere` binary.
//!
//! Two runs on fresh stores, same answer logs, same clients:
//! - **durable**: the server as shipped (each acknowledgement waits for a flush that
//!   includes its write; flushes are shared by concurrent requests);
//! - **baseline**: the same server with `--unsafe-no-flush` (acknowledged before the
//!   disk), the upper bound of what group commit can reach.
//!
//! Bounded: `--count` submissions (default 5,000) by `--clients` threads (default
//! 16), and at most `--max-seconds` per run (default 60). Prints throughput, p50 and
//! p99 latency, the targets (≥ 2,000 submissions/s, p99 ≤ 25 ms) and the ratios
//! durable / baseline. The binary is `$REPERE_BIN` (xtask passes the release build).

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use repere_e2e::{submission, uuid, Client, Server};

const TARGET_PER_SEC: f64 = 2000.0;
const TARGET_P99_MS: f64 = 25.0;

struct Figures {
    done: usize,
    secs: f64,
    p50_ms: f64,
    p99_ms: f64,
    max_ms: f64,
}

impl Figures {
    fn rate(&self) -> f64 {
        self.done as f64 / self.secs.max(1e-9)
    }
}

fn arg(args: &[String], name: &str, default: usize) -> usize {
    args.iter()
        .position(|a| a == name)
        .and_then(|i| args.get(i + 1))
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

fn percentile(sorted: &[f64], p: f64) -> f64 {
    if sorted.is_empty() {
        return f64::NAN;
    }
    let rank = ((p / 100.0) * sorted.len() as f64).ceil() as usize;
    sorted[rank.clamp(1, sorted.len()) - 1]
}

fn run(
    label: &str,
    extra: &[&str],
    bodies: &Arc<Vec<Vec<u8>>>,
    clients: usize,
    max: Duration,
) -> Figures {
    let args: Vec<&str> = repere_e2e::LOAD.iter().chain(extra).copied().collect();
    let server = Server::start(&args);
    // Warm-up: connections, caches, the first flushes.
    let mut warm = Client::pooled(&server.base);
    for _ in 0..100 {
        let body = serde_json::to_vec(&submission(&uuid())).expect("json");
        let r = warm.request("POST", "/api/results", Some(&body), &[], false);
        assert_eq!(r.status, 201, "warm-up: {}", r.text());
    }
    let next = Arc::new(AtomicUsize::new(0));
    let started = Instant::now();
    let handles: Vec<_> = (0..clients)
        .map(|_| {
            let (base, bodies, next) = (server.base.clone(), bodies.clone(), next.clone());
            std::thread::spawn(move || {
                let mut c = Client::pooled(&base);
                let mut lat = Vec::new();
                loop {
                    let i = next.fetch_add(1, Ordering::Relaxed);
                    if i >= bodies.len() || started.elapsed() > max {
                        break;
                    }
                    let t = Instant::now();
                    let r = c.request("POST", "/api/results", Some(&bodies[i]), &[], false);
                    lat.push(t.elapsed().as_secs_f64() * 1000.0);
                    assert_eq!(r.status, 201, "submission {i}: {}", r.text());
                }
                lat
            })
        })
        .collect();
    let mut lat: Vec<f64> = handles
        .into_iter()
        .flat_map(|h| h.join().expect("client"))
        .collect();
    let secs = started.elapsed().as_secs_f64();
    lat.sort_by(f64::total_cmp);
    let f = Figures {
        done: lat.len(),
        secs,
        p50_ms: percentile(&lat, 50.0),
        p99_ms: percentile(&lat, 99.0),
        max_ms: lat.last().copied().unwrap_or(f64::NAN),
    };
    println!(
        "  {label:<9} {:>6} submissions in {:>6.2} s: {:>7.0}/s, p50 {:>6.2} ms, p99 {:>6.2} ms, max {:>7.2} ms",
        f.done,
        f.secs,
        f.rate(),
        f.p50_ms,
        f.p99_ms,
        f.max_ms
    );
    server.stop();
    f
}

/// The disk's own latency, measured in the same run: `fdatasync` after a 60 KB
/// write (about one group-commit batch) in the folder the servers' stores use.
fn disk_sync_ms() -> (f64, f64) {
    use std::io::Write;
    let dir = repere_e2e::temp_dir();
    let Ok(mut f) = std::fs::File::create(dir.path().join("sync-probe")) else {
        return (f64::NAN, f64::NAN);
    };
    let chunk = vec![b'x'; 60_000];
    let mut t = Vec::with_capacity(100);
    for _ in 0..100 {
        if f.write_all(&chunk).is_err() {
            break;
        }
        let start = Instant::now();
        if f.sync_data().is_err() {
            break;
        }
        t.push(start.elapsed().as_secs_f64() * 1000.0);
    }
    t.sort_by(f64::total_cmp);
    (percentile(&t, 50.0), percentile(&t, 99.0))
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let count = arg(&args, "--count", 5000);
    let clients = arg(&args, "--clients", 16).max(1);
    let max = Duration::from_secs(arg(&args, "--max-seconds", 60) as u64);
    println!(
        "submission bench: {count} answer logs, {clients} concurrent clients, loopback, binary {}",
        repere_e2e::repere_bin().display()
    );
    let bodies: Arc<Vec<Vec<u8>>> = Arc::new(
        (0..count)
            .map(|k| {
                serde_json::to_vec(&repere_e2e::submission_with(&uuid(), &[k % 3, k % 2]))
                    .expect("json")
            })
            .collect(),
    );
    let (sync_p50, sync_p99) = disk_sync_ms();
    println!(
        "  disk: fdatasync after a 60 KB write p50 {sync_p50:.2} ms, p99 {sync_p99:.2} ms; \
         with {clients} clients each waiting ~1.5 flushes, durable throughput is bounded near {:.0}/s",
        clients as f64 / (1.5 * sync_p50 / 1000.0)
    );
    let durable = run("durable", &[], &bodies, clients, max);
    let baseline = run("baseline", &["--unsafe-no-flush"], &bodies, clients, max);
    let verdict = |ok: bool| if ok { "MET" } else { "MISSED" };
    println!(
        "  durable / baseline: throughput {:.2}x, p50 {:.2}x, p99 {:.2}x",
        durable.rate() / baseline.rate().max(1e-9),
        durable.p50_ms / baseline.p50_ms.max(1e-9),
        durable.p99_ms / baseline.p99_ms.max(1e-9)
    );
    println!(
        "  targets: >= {TARGET_PER_SEC:.0} durable submissions/s -> {}; p99 <= {TARGET_P99_MS:.0} ms -> {}",
        verdict(durable.rate() >= TARGET_PER_SEC),
        verdict(durable.p99_ms <= TARGET_P99_MS)
    );
    if durable.done < count {
        println!(
            "  note: the durable run stopped at the time limit ({} of {count})",
            durable.done
        );
    }
}
