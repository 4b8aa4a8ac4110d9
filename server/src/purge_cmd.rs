//! `repere purge`: deletes results older than the retention period, expired login
//! sessions and abandoned screenings (the server also does it hourly).

use crate::admin_ops::{AdminOp, AdminReply};
use crate::local::{run_op, DataArg};
use crate::serve::DEFAULT_RETENTION_DAYS;
use crate::CliError;

/// Options of `repere purge`.
#[derive(clap::Args, Debug)]
pub struct PurgeArgs {
    /// Delete results older than this many days.
    #[arg(long, env = "REPERE_RETENTION_DAYS", default_value_t = DEFAULT_RETENTION_DAYS)]
    retention_days: u32,
    #[command(flatten)]
    data: DataArg,
}

/// Runs `repere purge`.
pub fn run(args: PurgeArgs) -> Result<(), CliError> {
    match run_op(
        &args.data.data,
        AdminOp::Purge {
            retention_days: args.retention_days,
        },
    )? {
        AdminReply::Purge(r) => {
            println!(
                "deleted: {} result(s) older than {} days, {} expired login session(s), {} abandoned screening(s), {} expired kiosk pairing code(s), {} expired login challenge(s)",
                r.results, args.retention_days, r.logins, r.screenings, r.pairing_codes, r.challenges
            );
            Ok(())
        }
        other => Err(CliError::Other(format!("unexpected reply: {other:?}"))),
    }
}
