//! `repere`: the Repère server and its command-line tools.
//!
//! Every subcommand lives in its own module; this file only parses the command line
//! and maps failures to exit codes (2 for bad input or arguments, 1 for other errors).

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};

mod calibrate;
mod estimate;
mod items_cmd;
mod serve;
mod simulate;
mod static_cache;
mod validate_cmd;

// `repere serve` and the administration commands (issue "The server").
mod admin_ops;
mod api;
mod auth;
mod backup_cmd;
mod bank_file;
mod bench_cmd;
mod bench_places_cmd;
mod clock;
mod code;
mod commit;
mod compact_cmd;
mod conn;
mod demo;
mod export;
mod export_cmd;
#[cfg(test)]
mod fuzz;
mod groups;
mod guard;
mod kiosk_cmd;
mod local;
mod outcome;
mod places;
mod places_cmd;
mod purge_cmd;
mod ratelimit;
mod records;
mod result_cmd;
mod sheet;
mod stats_cmd;
mod store;
mod structure_cmd;
mod submission;
mod totp;
mod user_cmd;
mod view;

/// Repère: adaptive assessment of beginner digital skills.
#[derive(Parser, Debug)]
#[command(name = "repere", version, about)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Start the HTTP server: serves the web app and the API, stores results in sled.
    Serve(serve::ServeArgs),
    /// Estimate an ability from one JSON request on stdin; writes one JSON answer on stdout.
    Estimate,
    /// Item bank tools: `repere items check [PATH]` validates the référentiel and bank.
    Items(items_cmd::ItemsArgs),
    /// Calibrate item parameters from a CSV of answers (`person;item;score`) or from the
    /// store (`--data DIR`); `--write` updates the bank files.
    Calibrate(calibrate::CalibrateArgs),
    /// Structures: `repere structure add NAME` (prints the id), `set-tz`,
    /// `set-location`, `repere structure list`.
    Structure(structure_cmd::StructureArgs),
    /// Accounts: `repere user add --structure ID --role agent|trainer|admin --login NAME`.
    User(user_cmd::UserArgs),
    /// Kiosks: `repere kiosk add --structure ID --name NAME` and `repere kiosk code ID`
    /// (print a pairing code to type at /borne: valid 7 days, usable once).
    Kiosk(kiosk_cmd::KioskArgs),
    /// Export a structure's profiles as CSV (French spreadsheets) or JSON.
    Export(export_cmd::ExportArgs),
    /// Write a consistent copy of the store into a new folder (also while serving).
    Backup(backup_cmd::BackupArgs),
    /// Delete results past the retention period (the server also does it hourly).
    Purge(purge_cmd::PurgeArgs),
    /// A person's rights: `repere result data CODE` prints everything stored about a
    /// result (JSON), `repere result delete CODE` deletes it for good.
    Result(result_cmd::ResultArgs),
    /// Rewrite the store so that its files keep nothing of deleted results (also
    /// while serving: writes wait meanwhile).
    Compact(compact_cmd::CompactArgs),
    /// Count the records of the store.
    Stats(stats_cmd::StatsArgs),
    /// Mediation places: `repere places import FILE` (the national file),
    /// `repere places suggest --lat --lon --modality …`, `local`, `mark`.
    Places(places_cmd::PlacesArgs),
    /// Simulate adaptive tests on a bank of logistic items: RMSE, bias, length, exposure.
    Simulate(simulate::SimulateArgs),
    /// Run the live test (the real bank, rules, profile and orientation) on simulated
    /// persons, twice each: length, precision, class and orientation right and stable.
    Validate(validate_cmd::ValidateArgs),
    /// Benchmark of the CSV export (run by `cargo xtask bench`).
    #[command(hide = true)]
    BenchExport(bench_cmd::BenchExportArgs),
    /// Benchmark of the import of mediation places (run by `cargo xtask bench`).
    #[command(hide = true)]
    BenchPlaces(bench_places_cmd::BenchPlacesArgs),
}

/// A failure of a subcommand, with the exit code it maps to.
#[derive(Debug)]
pub enum CliError {
    /// Bad input or arguments: exit code 2.
    Input(String),
    /// Anything else (I/O, storage): exit code 1.
    Other(String),
}

impl std::fmt::Display for CliError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            CliError::Input(m) | CliError::Other(m) => f.write_str(m),
        }
    }
}

fn main() -> ExitCode {
    // The store, its backups and exports hold personal data: whatever this process
    // creates is readable by its owner only (the store also tightens what exists).
    store::files::owner_only_umask();
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Serve(args) => serve::run(args),
        Command::Estimate => estimate::run_stdio(),
        Command::Items(args) => items_cmd::run(args),
        Command::Calibrate(args) => calibrate::run(args),
        Command::Structure(args) => structure_cmd::run(args),
        Command::User(args) => user_cmd::run(args),
        Command::Kiosk(args) => kiosk_cmd::run(args),
        Command::Export(args) => export_cmd::run(args),
        Command::Backup(args) => backup_cmd::run(args),
        Command::Purge(args) => purge_cmd::run(args),
        Command::Compact(args) => compact_cmd::run(args),
        Command::Result(args) => result_cmd::run(args),
        Command::Stats(args) => stats_cmd::run(args),
        Command::Places(args) => places_cmd::run(args),
        Command::Simulate(args) => simulate::run(args),
        Command::Validate(args) => validate_cmd::run(args),
        Command::BenchExport(args) => bench_cmd::run(args),
        Command::BenchPlaces(args) => bench_places_cmd::run(args),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("repere: {e}");
            match e {
                CliError::Input(_) => ExitCode::from(2),
                CliError::Other(_) => ExitCode::from(1),
            }
        }
    }
}

/// Default folder of the sled store.
pub fn default_data_dir() -> PathBuf {
    PathBuf::from("data")
}
