//! `repere bench-places` (hidden; run by `cargo xtask bench`): time to import a
//! generated national file of mediation places (50,000 rows by default, target
//! ≤ 2 s), against a baseline that only splits the same file into CSV records;
//! then the time to load the server's index and to answer one suggestion.
//!
//! The file and the store are in a temporary folder, removed at the end.

use std::path::PathBuf;
use std::time::Instant;

use repere_items::places::read::synthetic_csv;
use repere_items::places::{Origin, Point};

use crate::places::{import, needs_of, suggest, PlaceIndex};
use crate::store::sled_store::SledStore;
use crate::CliError;

/// Target: seconds to import the file (read, check, store, flush).
pub const TARGET_SECS: f64 = 2.0;

/// Options of `repere bench-places`.
#[derive(clap::Args, Debug)]
pub struct BenchPlacesArgs {
    /// Rows of the generated file.
    #[arg(long, default_value_t = 50_000)]
    rows: usize,
    /// Folder for the temporary file and store (default: the system's temporary
    /// folder).
    #[arg(long)]
    dir: Option<PathBuf>,
}

/// Runs the benchmark.
pub fn run(args: BenchPlacesArgs) -> Result<(), CliError> {
    let base = args.dir.unwrap_or_else(std::env::temp_dir);
    let dir = base.join(format!("repere-bench-places-{}", std::process::id()));
    let result = bench(&dir, args.rows);
    let _ = std::fs::remove_dir_all(&dir);
    result
}

fn bench(dir: &std::path::Path, rows: usize) -> Result<(), CliError> {
    let other = |e: &dyn std::fmt::Display| CliError::Other(e.to_string());
    std::fs::create_dir_all(dir).map_err(|e| other(&e))?;
    let file = dir.join("lieux.csv");
    let text = synthetic_csv(rows, 2026);
    std::fs::write(&file, &text).map_err(|e| other(&e))?;
    let store = SledStore::open(&dir.join("data")).map_err(|e| other(&e))?;

    // Baseline: read the file and split it into CSV records, nothing else.
    let t = Instant::now();
    let bytes = std::fs::read(&file).map_err(|e| other(&e))?;
    let mut reader = csv::ReaderBuilder::new().from_reader(bytes.as_slice());
    let mut record = csv::ByteRecord::new();
    let mut records = 0usize;
    while reader
        .read_byte_record(&mut record)
        .map_err(|e| other(&e))?
    {
        records += 1;
    }
    let baseline_s = t.elapsed().as_secs_f64();

    // Reading alone: lenient parse and checks, in memory (what the import adds to
    // it is the store's writes).
    let t = Instant::now();
    let read = repere_items::places::read::read(&bytes).map_err(|e| other(&e))?;
    let read_s = t.elapsed().as_secs_f64();
    let read_places = read.places.len();
    drop(read);

    // The import: read leniently, check, store under a new generation, flush.
    let t = Instant::now();
    let report = import(&store, &file)
        .map_err(|e| other(&e))?
        .map_err(CliError::Other)?;
    let import_s = t.elapsed().as_secs_f64();

    // A second import replaces the first (and removes it).
    let t = Instant::now();
    let again = import(&store, &file)
        .map_err(|e| other(&e))?
        .map_err(CliError::Other)?;
    let replace_s = t.elapsed().as_secs_f64();

    let t = Instant::now();
    let index = PlaceIndex::load(&store).map_err(|e| other(&e))?;
    let index_s = t.elapsed().as_secs_f64();

    let bank = crate::outcome::bank().map_err(CliError::Other)?;
    let needs =
        needs_of(bank, "atelier", &[], &["deficience-visuelle".into()]).map_err(CliError::Other)?;
    let origin = Origin {
        point: Point::new(46.5, 2.5),
        ..Origin::default()
    };
    let t = Instant::now();
    let found = suggest(&index, None, &origin, &needs, 3);
    let suggest_s = t.elapsed().as_secs_f64();

    println!(
        "places bench: a generated national file of {rows} rows ({:.1} MB)",
        text.len() as f64 / 1e6
    );
    println!("  baseline: split into CSV records          {baseline_s:>7.3} s ({records} records)");
    println!("  read and check only (in memory)           {read_s:>7.3} s ({read_places} places)");
    println!(
        "  import (read, check, store, flush)        {import_s:>7.3} s ({} places, {} rows not taken)",
        report.imported, report.rejected
    );
    println!(
        "  import replacing the previous one         {replace_s:>7.3} s (replaced {})",
        again.previous
    );
    println!(
        "  server index load                         {index_s:>7.3} s ({} places)",
        index.candidates.len()
    );
    println!(
        "  one suggestion (3 nearest)                {:>7.1} ms ({} found)",
        suggest_s * 1000.0,
        found.len()
    );
    println!(
        "  ratio import / baseline: {:.1}x; target: {rows} rows in <= {TARGET_SECS:.1} s (scaled: {:.2} s per 50,000) -> {}",
        import_s / baseline_s.max(1e-9),
        import_s * 50_000.0 / rows.max(1) as f64,
        if import_s * 50_000.0 / rows.max(1) as f64 <= TARGET_SECS {
            "MET"
        } else {
            "MISSED"
        }
    );
    Ok(())
}
