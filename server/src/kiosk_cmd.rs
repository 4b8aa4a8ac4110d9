//! `repere kiosk add --structure ID --name NAME`: registers a kiosk and prints its
//! token, once (the store keeps only its SHA-256).

use crate::admin_ops::{AdminOp, AdminReply};
use crate::local::{run_op, DataArg};
use crate::CliError;

/// Options of `repere kiosk`.
#[derive(clap::Args, Debug)]
pub struct KioskArgs {
    #[command(subcommand)]
    command: KioskCommand,
}

#[derive(clap::Subcommand, Debug)]
enum KioskCommand {
    /// Register a kiosk for a structure; prints its token once.
    Add {
        /// Structure id.
        #[arg(long)]
        structure: u64,
        /// Name of the kiosk ("Borne de l'entrée").
        #[arg(long)]
        name: String,
        #[command(flatten)]
        data: DataArg,
    },
}

/// Runs `repere kiosk …`.
pub fn run(args: KioskArgs) -> Result<(), CliError> {
    let KioskCommand::Add {
        structure,
        name,
        data,
    } = args.command;
    match run_op(&data.data, AdminOp::AddKiosk { structure, name })? {
        AdminReply::Kiosk { id, token } => {
            println!("{token}");
            eprintln!(
                "kiosk {id} registered for structure {structure}. Its token is printed above and will never be shown again: \
                 open /borne on the kiosk's browser and type it there (or send it in the header X-Kiosk-Token)."
            );
            Ok(())
        }
        other => Err(CliError::Other(format!("unexpected reply: {other:?}"))),
    }
}
