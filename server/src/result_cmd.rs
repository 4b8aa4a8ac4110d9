//! `repere result data CODE` / `repere result delete CODE`: a person's rights of
//! access and erasure, from the server's command line (the same operations as
//! `GET /api/results/{code}/data` and `DELETE /api/results/{code}`, for any
//! structure: whoever runs the command can read the data folder anyway).

use crate::admin_ops::{AdminOp, AdminReply};
use crate::local::{run_op, DataArg};
use crate::CliError;

/// Options of `repere result`.
#[derive(clap::Args, Debug)]
pub struct ResultArgs {
    #[command(subcommand)]
    command: ResultCommand,
}

#[derive(clap::Subcommand, Debug)]
enum ResultCommand {
    /// Print everything stored about a result (its profile and its answer log) as
    /// JSON: the person's right of access.
    Data {
        /// The result code (XXXX-XXXX, any case, spaces and dashes ignored).
        code: String,
        #[command(flatten)]
        data: DataArg,
    },
    /// Delete a result for good (its key is erased: nothing of it can be read in
    /// the store's files afterwards): the person's right of erasure.
    Delete {
        /// The result code.
        code: String,
        #[command(flatten)]
        data: DataArg,
    },
}

/// Runs `repere result …`.
pub fn run(args: ResultArgs) -> Result<(), CliError> {
    match args.command {
        ResultCommand::Data { code, data } => {
            match run_op(&data.data, AdminOp::ResultData { code })? {
                AdminReply::ResultData { content } => {
                    println!("{content}");
                    Ok(())
                }
                other => Err(CliError::Other(format!("unexpected reply: {other:?}"))),
            }
        }
        ResultCommand::Delete { code, data } => {
            match run_op(&data.data, AdminOp::ResultDelete { code })? {
                AdminReply::ResultDeleted { code } => {
                    println!("deleted: result {code}");
                    Ok(())
                }
                other => Err(CliError::Other(format!("unexpected reply: {other:?}"))),
            }
        }
    }
}
