//! `repere export --structure ID --format csv|json [--technical] [--out FILE]`.

use std::io::Write;
use std::path::PathBuf;

use crate::admin_ops::{AdminOp, AdminReply};
use crate::export::{Format, Kind};
use crate::local::{run_op, DataArg};
use crate::CliError;

/// Options of `repere export`.
#[derive(clap::Args, Debug)]
pub struct ExportArgs {
    /// Structure id.
    #[arg(long)]
    structure: u64,
    /// `csv` (French spreadsheets: BOM, `;`, CRLF) or `json`.
    #[arg(long, default_value = "csv", value_parser = ["csv", "json"])]
    format: String,
    /// The technical export (θ, its standard error, versions, tallies per skill;
    /// no first name) instead of the trainer's.
    #[arg(long)]
    technical: bool,
    /// Output file (default: standard output).
    #[arg(long)]
    out: Option<PathBuf>,
    #[command(flatten)]
    data: DataArg,
}

/// Runs `repere export`.
pub fn run(args: ExportArgs) -> Result<(), CliError> {
    let format = Format::parse(&args.format)
        .ok_or_else(|| CliError::Input(format!("unknown format `{}`", args.format)))?;
    let reply = run_op(
        &args.data.data,
        AdminOp::Export {
            structure: args.structure,
            format,
            kind: if args.technical {
                Kind::Technical
            } else {
                Kind::Trainer
            },
        },
    )?;
    let AdminReply::Export {
        content,
        rows,
        corrupt,
    } = reply
    else {
        return Err(CliError::Other(format!("unexpected reply: {reply:?}")));
    };
    match &args.out {
        Some(path) => std::fs::write(path, content.as_bytes())
            .map_err(|e| CliError::Other(format!("cannot write {}: {e}", path.display())))?,
        None => std::io::stdout()
            .write_all(content.as_bytes())
            .map_err(|e| CliError::Other(format!("cannot write the export: {e}")))?,
    }
    eprintln!("{rows} profile(s) exported");
    if corrupt > 0 {
        eprintln!(
            "warning: {corrupt} record(s) could not be read and were left out (see the server log)"
        );
    }
    Ok(())
}
