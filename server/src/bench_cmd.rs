//! `repere bench-export` (hidden; run by `cargo xtask bench`): time to export
//! 100,000 profiles as CSV from a store filled through the [`Store`] trait.
//!
//! Prints the fill time, a baseline (the same scan of the store that only decodes
//! the records), the CSV export time, the ratio export / baseline and the target;
//! then what erasure costs on that store: deleting one result (its key erased: the
//! key file rewritten) and `repere compact` (writes wait while it runs).
//! The store is a temporary folder, removed at the end.

use std::path::PathBuf;
use std::time::Instant;

use repere_items::assessment::{AnswerLog, Assessor, Mode, MAX_SEED};
use repere_items::{Body, Response};

use crate::clock::{Clock, DAY_MS};
use crate::export::{export_structure, Format, Kind};
use crate::outcome::{assessor, bank, compute_with};
use crate::records::{ProfileRecord, SessionRecord, Source, Structure, SCHEMA_VERSION};
use crate::store::sled_store::SledStore;
use crate::store::{Inserted, Store};
use crate::view::ProfileFilter;
use crate::CliError;

/// Target: seconds to export 100,000 profiles.
pub const TARGET_SECS: f64 = 5.0;

/// Options of `repere bench-export`.
#[derive(clap::Args, Debug)]
pub struct BenchExportArgs {
    /// Profiles to generate.
    #[arg(long, default_value_t = 100_000)]
    profiles: usize,
    /// Folder for the temporary store (default: the system's temporary folder).
    #[arg(long)]
    dir: Option<PathBuf>,
}

/// A small deterministic generator (xorshift64*), enough to vary the answers.
pub(crate) struct Rng(pub(crate) u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }
}

/// A synthetic but valid answer log: a live test (kiosk mode) run to its end,
/// random choices where the item takes one, skips elsewhere.
pub(crate) fn synthetic_submission(
    assessor: &Assessor<'_>,
    rng: &mut Rng,
    n: u64,
) -> Result<AnswerLog, CliError> {
    let id = uuid::Uuid::from_u64_pair(0x5265_7065_7265_0000, n).to_string();
    let start = 1_767_225_600_000 + n * 60_000;
    let mut test = assessor
        .start(id, rng.next() & MAX_SEED, Mode::Kiosk, Vec::new(), start)
        .map_err(|e| CliError::Other(format!("synthetic test: {e}")))?;
    while let Some(item) = test.next_item() {
        let response = match &item.body {
            Body::Single { options, .. } => Response::Choice(rng.below(options.len())),
            Body::Multiple { options, .. } => Response::Choices(vec![rng.below(options.len())]),
            _ => Response::Skip,
        };
        let id = item.id.clone();
        test.answer(&id, response, 5_000 + rng.below(20_000) as u64)
            .map_err(|e| CliError::Other(format!("synthetic test: {e}")))?;
    }
    let (log, _) = test
        .finish(start + 600_000)
        .map_err(|e| CliError::Other(format!("synthetic test: {e}")))?;
    Ok(log)
}

/// Runs the benchmark.
pub fn run(args: BenchExportArgs) -> Result<(), CliError> {
    let base = args.dir.unwrap_or_else(std::env::temp_dir);
    let dir = base.join(format!("repere-bench-export-{}", std::process::id()));
    let result = bench(&dir, args.profiles);
    let _ = std::fs::remove_dir_all(&dir);
    result
}

fn bench(dir: &std::path::Path, n: usize) -> Result<(), CliError> {
    let other = |e: &dyn std::fmt::Display| CliError::Other(e.to_string());
    let bank = bank().map_err(CliError::Other)?;
    let assessor = assessor().map_err(CliError::Other)?;
    let store = SledStore::open(dir).map_err(|e| other(&e))?;
    let clock = Clock::system();
    let structure = Structure {
        v: SCHEMA_VERSION,
        id: store.next_id().map_err(|e| other(&e))?,
        name: "Banc d'essai".into(),
        created_at: clock.now_ms(),
        tz: None,
        second_factor_required: false,
    };
    store.add_structure(&structure).map_err(|e| other(&e))?;

    // 1,000 distinct computed outcomes, reused cyclically.
    let mut rng = Rng(0x9E37_79B9_7F4A_7C15);
    let mut outcomes = Vec::new();
    for k in 0..1000u64 {
        let sub = synthetic_submission(assessor, &mut rng, k)?;
        let outcome = compute_with(assessor, &sub).map_err(|e| other(&e))?;
        outcomes.push((sub, outcome));
    }
    let start_ms = clock.now_ms() - 300 * DAY_MS;
    let fill = Instant::now();
    for i in 0..n {
        let (sub, outcome) = &outcomes[i % outcomes.len()];
        let mut sub = sub.clone();
        sub.id = uuid::Uuid::from_u64_pair(0x5265_7065_7265_0001, i as u64).to_string();
        let received_at = start_ms + (i as i64) * (300 * DAY_MS / n.max(1) as i64);
        let session = SessionRecord {
            v: SCHEMA_VERSION,
            id: sub.id.clone(),
            received_at,
            source: Source::Agent { user: 1 },
            submission: sub,
        };
        let mut code_n = i as u64;
        loop {
            let profile = ProfileRecord {
                v: SCHEMA_VERSION,
                id: session.id.clone(),
                code: bench_code(code_n),
                received_at,
                source: Source::Agent { user: 1 },
                structure: Some(structure.id),
                attached_at: None,
                person: Some(format!("P{i}")),
                consent_at: Some(received_at),
                context: Some(session.submission.context.clone()),
                outcome: outcome.clone(),
            };
            match store
                .insert_result(&session, &profile, None)
                .map_err(|e| other(&e))?
            {
                Inserted::CodeTaken => code_n += 1_000_000_007,
                _ => break,
            }
        }
    }
    store.flush().map_err(|e| other(&e))?;
    let fill_s = fill.elapsed().as_secs_f64();

    let filter = ProfileFilter::default();
    let scan = Instant::now();
    let mut seen = 0usize;
    store
        .scan_profiles(structure.id, None, None, &mut |_p| seen += 1)
        .map_err(|e| other(&e))?;
    let scan_s = scan.elapsed().as_secs_f64();

    let export = Instant::now();
    let mut out = Vec::with_capacity(n * 400);
    let report = export_structure(
        &store,
        bank,
        structure.id,
        &filter,
        Format::Csv,
        Kind::Trainer,
        &mut out,
    )
    .map_err(|e| other(&e))?;
    let export_s = export.elapsed().as_secs_f64();

    println!("export bench: {n} profiles in a temporary sled store (filled through the Store trait in {fill_s:.2} s)");
    println!("  baseline: scan and decode every profile        {scan_s:>7.3} s ({seen} records)");
    println!(
        "  CSV export (BOM, ';', CRLF, {} columns)       {export_s:>7.3} s ({} rows, {:.1} MB)",
        crate::export::csv_header(bank, Kind::Trainer).len(),
        report.rows,
        out.len() as f64 / 1e6
    );
    println!(
        "  ratio export / baseline: {:.2}x; target: {n} profiles in <= {TARGET_SECS:.1} s (scaled: {:.2} s per 100,000) -> {}",
        export_s / scan_s.max(1e-9),
        export_s * 100_000.0 / n.max(1) as f64,
        if export_s * 100_000.0 / n.max(1) as f64 <= TARGET_SECS { "MET" } else { "MISSED" }
    );

    let deletions = 20.min(n);
    let delete = Instant::now();
    for i in 0..deletions {
        let id = uuid::Uuid::from_u64_pair(0x5265_7065_7265_0001, i as u64).to_string();
        store.delete_result(&id).map_err(|e| other(&e))?;
    }
    store.flush().map_err(|e| other(&e))?;
    let delete_ms = delete.elapsed().as_secs_f64() * 1000.0 / deletions.max(1) as f64;
    let compact = Instant::now();
    let c = store.compact().map_err(|e| other(&e))?;
    let compact_s = compact.elapsed().as_secs_f64();
    println!(
        "  delete one result (its key erased, key file of {} keys rewritten)  {delete_ms:>7.1} ms",
        c.keys
    );
    println!(
        "  compact (writes wait meanwhile): {compact_s:.2} s, {:.1} MB -> {:.1} MB; ratio compact / baseline: {:.2}x",
        c.bytes_before as f64 / 1e6,
        c.bytes_after as f64 / 1e6,
        compact_s / scan_s.max(1e-9)
    );
    Ok(())
}

/// Distinct valid codes from a counter (the bench needs no randomness).
fn bench_code(mut n: u64) -> String {
    let a = crate::code::ALPHABET;
    let mut s = String::with_capacity(9);
    for k in 0..8 {
        if k == 4 {
            s.push('-');
        }
        s.push(char::from(a[(n % 27) as usize]));
        n /= 27;
    }
    s
}
