//! `repere kiosk add --structure ID --name NAME` registers a kiosk and prints its
//! pairing code; `repere kiosk code ID` prints a new one (to install the kiosk on
//! another device, or again). A code is shown once (the store keeps only its
//! SHA-256), works once, for 7 days; it is typed at `/borne` on the device.

use crate::admin_ops::{AdminOp, AdminReply, PAIRING_VALID_DAYS};
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
    /// Register a kiosk for a structure; prints its pairing code (valid 7 days,
    /// usable once) to type at /borne on the device.
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
    /// Print a new pairing code for kiosk ID (valid 7 days, usable once). The
    /// previous code stops working; the device that uses the new one replaces the
    /// kiosk's current device, which then stops counting as this kiosk.
    Code {
        /// Kiosk id (printed by `kiosk add`).
        id: u64,
        #[command(flatten)]
        data: DataArg,
    },
}

/// Runs `repere kiosk …`.
pub fn run(args: KioskArgs) -> Result<(), CliError> {
    let (op, data, added) = match args.command {
        KioskCommand::Add {
            structure,
            name,
            data,
        } => (AdminOp::AddKiosk { structure, name }, data, true),
        KioskCommand::Code { id, data } => (AdminOp::KioskCode { kiosk: id }, data, false),
    };
    match run_op(&data.data, op)? {
        AdminReply::Kiosk {
            id,
            structure,
            code,
            expires_at,
        } => {
            println!("{code}");
            let until = jiff::Timestamp::from_millisecond(expires_at)
                .map(|t| t.strftime("%Y-%m-%d %H:%M UTC").to_string())
                .unwrap_or_default();
            let what = if added {
                format!("kiosk {id} registered for structure {structure}")
            } else {
                format!("new pairing code for kiosk {id} (structure {structure}); the previous code no longer works")
            };
            eprintln!(
                "{what}. Its pairing code is printed above and will never be shown again. \
                 On the kiosk's browser, open /borne and type it there. It works once, \
                 for {PAIRING_VALID_DAYS} days (until {until}). The device that uses it \
                 becomes this kiosk; a device paired with an earlier code stops being it. \
                 A device that is not a browser sends the code to POST /api/kiosk/pair \
                 and then sends the value of the repere_kiosk cookie it gets back in the \
                 header X-Kiosk-Token."
            );
            Ok(())
        }
        other => Err(CliError::Other(format!("unexpected reply: {other:?}"))),
    }
}
