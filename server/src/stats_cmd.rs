//! `repere stats`: counts of the records in the store.

use crate::admin_ops::{AdminOp, AdminReply};
use crate::local::{run_op, DataArg};
use crate::CliError;

/// Options of `repere stats`.
#[derive(clap::Args, Debug)]
pub struct StatsArgs {
    #[command(flatten)]
    data: DataArg,
}

/// Runs `repere stats`.
pub fn run(args: StatsArgs) -> Result<(), CliError> {
    match run_op(&args.data.data, AdminOp::Stats)? {
        AdminReply::Stats(s) => {
            println!("structures: {}", s.structures);
            println!("users: {}", s.users);
            println!("kiosks: {}", s.kiosks);
            println!("results: {}", s.results);
            println!("unattached: {}", s.unattached);
            println!("screenings: {}", s.screenings);
            println!("logins: {}", s.logins);
            println!("places: {}", s.places);
            Ok(())
        }
        other => Err(CliError::Other(format!("unexpected reply: {other:?}"))),
    }
}
