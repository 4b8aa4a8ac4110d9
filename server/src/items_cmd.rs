//! `repere items …`: tools for the item bank.
//!
//! `repere items check [PATH] [--pictures DIR]` loads and checks a data folder
//! (référentiel, context, bank files and their pictures). Valid: prints the summary,
//! exit 0. Problems: prints one `file:line:col: message` line per problem on stdout,
//! exit 1. Missing folder: exit 2.

use std::path::{Path, PathBuf};

use clap::{Args, Subcommand};

use crate::CliError;

/// Arguments of `repere items`.
#[derive(Args, Debug)]
pub struct ItemsArgs {
    #[command(subcommand)]
    command: ItemsCommand,
}

#[derive(Subcommand, Debug)]
enum ItemsCommand {
    /// Check the référentiel, context questions and item bank; print a summary or
    /// every problem as `file:line:col: message`.
    Check(CheckArgs),
}

#[derive(Args, Debug)]
struct CheckArgs {
    /// Data folder holding referentiel.toml, context.toml and bank/ (relative to the
    /// current directory).
    #[arg(default_value = "items/data")]
    path: PathBuf,
    /// Folder of the pictures items refer to (relative to the current directory).
    #[arg(long, default_value = "assets/pictures")]
    pictures: PathBuf,
}

/// Runs `repere items …`.
pub fn run(args: ItemsArgs) -> Result<(), CliError> {
    match args.command {
        ItemsCommand::Check(a) => check(&a.path, &a.pictures),
    }
}

fn check(path: &Path, pictures: &Path) -> Result<(), CliError> {
    if !path.is_dir() {
        return Err(CliError::Input(format!(
            "data folder `{}` not found (run from the repository root, or pass the folder: `repere items check PATH`)",
            path.display()
        )));
    }
    if !pictures.is_dir() {
        return Err(CliError::Input(format!(
            "pictures folder `{}` not found (pass it with `--pictures DIR`)",
            pictures.display()
        )));
    }
    match repere_items::check_dir(path, pictures) {
        Ok(bank) => {
            print!("{}", bank.summary());
            Ok(())
        }
        Err(repere_items::LoadError::Invalid(problems)) => {
            let root = path.display().to_string();
            let root = root.trim_end_matches(['/', '\\']);
            for p in &problems {
                println!("{root}/{p}");
            }
            Err(CliError::Other(format!(
                "{} problem(s) in `{root}`",
                problems.len()
            )))
        }
        Err(e @ repere_items::LoadError::Io { .. }) => Err(CliError::Other(e.to_string())),
    }
}
