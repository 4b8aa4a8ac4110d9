//! `repere`: the Repère server and its command-line tools.
//!
//! Every subcommand lives in its own module; this file only parses the command line
//! and maps failures to exit codes (2 for bad input or arguments, 1 for other errors).

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};

mod estimate;
mod items_cmd;
mod serve;

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
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Serve(args) => serve::run(args),
        Command::Estimate => estimate::run_stdio(),
        Command::Items(args) => items_cmd::run(args),
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
