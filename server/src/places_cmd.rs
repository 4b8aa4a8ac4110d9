//! `repere places import FILE` / `repere places suggest …` / `repere places local` /
//! `repere places mark`: the national file of mediation places and what is
//! suggested from it. Like every administration command, directly on the store or
//! through the running server.

use std::path::{Path, PathBuf};

use repere_items::places::{text, Relation, Suggestion};

use crate::admin_ops::{AdminOp, AdminReply};
use crate::local::{run_op, DataArg};
use crate::places::ImportReport;
use crate::CliError;

/// Options of `repere places`.
#[derive(clap::Args, Debug)]
pub struct PlacesArgs {
    #[command(subcommand)]
    command: PlacesCommand,
}

#[derive(clap::Subcommand, Debug)]
enum PlacesCommand {
    /// Import a file of the national schema of mediation places (CSV with `,` or
    /// `;`, or JSON), replacing the previous import. Prints one
    /// `file:line: field: problem` line per row not taken (and per value dropped),
    /// then the counts; exits 2 when nothing could be read.
    Import {
        /// The file.
        file: PathBuf,
        #[command(flatten)]
        data: DataArg,
    },
    /// The places suggested to a person at a point, best first: what the result
    /// screens show.
    Suggest {
        /// Latitude (WGS84 degrees).
        #[arg(long, allow_negative_numbers = true)]
        lat: f64,
        /// Longitude (WGS84 degrees).
        #[arg(long, allow_negative_numbers = true)]
        lon: f64,
        /// The orientation: atelier, individuel, demarches or autonomie.
        #[arg(long)]
        modality: String,
        /// A service the place must offer (one of the nine of the schema; repeat
        /// the option for several).
        #[arg(long = "service")]
        services: Vec<String>,
        /// A specific need: deficience-visuelle, illettrisme, langues, surdite,
        /// gratuit (repeat for several).
        #[arg(long = "need")]
        needs: Vec<String>,
        /// How many places.
        #[arg(long, default_value_t = crate::places::SHOWN)]
        limit: usize,
        /// Count this structure's own places and marks (same building, partners).
        #[arg(long)]
        structure: Option<u64>,
        /// A JSON array (objects with `id`, `nom`, `distance_km`… best first).
        #[arg(long)]
        json: bool,
        #[command(flatten)]
        data: DataArg,
    },
    /// Replace a structure's own places (kept across imports) by those of a file
    /// of the national schema.
    Local {
        /// Structure id.
        #[arg(long)]
        structure: u64,
        /// The file.
        file: PathBuf,
        /// How they relate to the structure: same-building, partner or none.
        #[arg(long = "as", default_value = "same-building")]
        relation: String,
        #[command(flatten)]
        data: DataArg,
    },
    /// Mark a place of the national file (by its id) for a structure: in the same
    /// building, a partner, or none (removes the mark). Kept across imports.
    Mark {
        /// Structure id.
        #[arg(long)]
        structure: u64,
        /// The file's id of the place.
        place: String,
        /// same-building, partner or none.
        #[arg(long = "as")]
        relation: String,
        #[command(flatten)]
        data: DataArg,
    },
}

fn relation(value: &str) -> Result<Relation, CliError> {
    match value {
        "same-building" => Ok(Relation::SameBuilding),
        "partner" => Ok(Relation::Partner),
        "none" => Ok(Relation::None),
        other => Err(CliError::Input(format!(
            "--as {other}: expected same-building, partner or none"
        ))),
    }
}

/// The absolute path of `file` (the running server reads it itself).
fn absolute(file: &Path) -> Result<PathBuf, CliError> {
    std::path::absolute(file).map_err(|e| CliError::Input(format!("{}: {e}", file.display())))
}

fn print_import(report: &ImportReport, what: &str) {
    for line in &report.problems {
        eprintln!("{line}");
    }
    println!(
        "{}: {} — {} rows: {} {what}, {} row(s) not taken, {} value(s) dropped (replacing {})",
        report.file,
        report.format,
        report.rows,
        report.imported,
        report.rejected,
        report.dropped,
        report.previous
    );
}

fn print_suggestions(list: &[Suggestion]) {
    if list.is_empty() {
        println!("no place offers what is needed");
    }
    for (n, s) in list.iter().enumerate() {
        let relation = text::relation(s.relation)
            .map(|r| format!(" — {r}"))
            .unwrap_or_default();
        println!(
            "{}. {} [{}] — {}{relation}\n   {}",
            n + 1,
            s.nom,
            s.id,
            text::distance_phrase(s).replace('\u{a0}', " "),
            text::address(&s.place)
        );
    }
}

/// Runs `repere places …`.
pub fn run(args: PlacesArgs) -> Result<(), CliError> {
    let unexpected = |other: AdminReply| CliError::Other(format!("unexpected reply: {other:?}"));
    match args.command {
        PlacesCommand::Import { file, data } => {
            let path = absolute(&file)?;
            match run_op(&data.data, AdminOp::ImportPlaces { path })? {
                AdminReply::PlacesImported(r) => {
                    print_import(&r, "places imported");
                    Ok(())
                }
                other => Err(unexpected(other)),
            }
        }
        PlacesCommand::Suggest {
            lat,
            lon,
            modality,
            services,
            needs,
            limit,
            structure,
            json,
            data,
        } => {
            let op = AdminOp::SuggestPlaces {
                lat,
                lon,
                modality,
                services,
                needs,
                limit,
                structure,
            };
            match run_op(&data.data, op)? {
                AdminReply::Places { list } => {
                    if json {
                        let text = serde_json::to_string_pretty(&list)
                            .map_err(|e| CliError::Other(e.to_string()))?;
                        println!("{text}");
                    } else {
                        print_suggestions(&list);
                    }
                    Ok(())
                }
                other => Err(unexpected(other)),
            }
        }
        PlacesCommand::Local {
            structure,
            file,
            relation: r,
            data,
        } => {
            let op = AdminOp::SetLocalPlaces {
                structure,
                path: absolute(&file)?,
                relation: relation(&r)?,
            };
            match run_op(&data.data, op)? {
                AdminReply::PlacesImported(r) => {
                    print_import(&r, "own places of the structure");
                    Ok(())
                }
                other => Err(unexpected(other)),
            }
        }
        PlacesCommand::Mark {
            structure,
            place,
            relation: r,
            data,
        } => {
            let op = AdminOp::MarkPlace {
                structure,
                place,
                relation: relation(&r)?,
            };
            match run_op(&data.data, op)? {
                AdminReply::StructurePlaces(sp) => {
                    println!(
                        "structure {}: {} marked place(s)",
                        sp.structure,
                        sp.marks.len()
                    );
                    Ok(())
                }
                other => Err(unexpected(other)),
            }
        }
    }
}
