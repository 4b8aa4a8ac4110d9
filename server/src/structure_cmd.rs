//! `repere structure add NAME [--tz ZONE]` / `repere structure set-tz ID ZONE` /
//! `repere structure require-2fa ID on|off` /
//! `repere structure set-location ID --lat LAT --lon LON [--insee CODE]
//! [--postcode CODE]` / `repere structure list`.

use crate::admin_ops::{AdminOp, AdminReply};
use crate::local::{run_op, DataArg};
use crate::CliError;

/// Options of `repere structure`.
#[derive(clap::Args, Debug)]
pub struct StructureArgs {
    #[command(subcommand)]
    command: StructureCommand,
}

#[derive(clap::Subcommand, Debug)]
enum StructureCommand {
    /// Add a structure (a post office, a mediation place); prints its id.
    Add {
        /// Name of the structure.
        name: String,
        /// Time zone of the dates its staff and people read (IANA name, e.g.
        /// America/Cayenne, Indian/Reunion). Default: Europe/Paris.
        #[arg(long)]
        tz: Option<String>,
        #[command(flatten)]
        data: DataArg,
    },
    /// Set the time zone of a structure's dates (exports, sheets, screens).
    SetTz {
        /// Structure id (see `repere structure list`).
        id: u64,
        /// IANA time zone, e.g. Europe/Paris, America/Martinique, Pacific/Noumea.
        tz: String,
        #[command(flatten)]
        data: DataArg,
    },
    /// Require (on) or not (off) a second factor of the structure's admins: an admin
    /// without one is sent to set it up at login, and can do nothing else until
    /// done.
    #[command(name = "require-2fa")]
    Require2fa {
        /// Structure id (see `repere structure list`).
        id: u64,
        /// `on` or `off`.
        #[arg(value_parser = ["on", "off"])]
        state: String,
        #[command(flatten)]
        data: DataArg,
    },
    /// Set where a structure is: the mediation places suggested to its people are
    /// the nearest to this point.
    SetLocation {
        /// Structure id (see `repere structure list`).
        id: u64,
        /// Latitude (WGS84 degrees, e.g. 46.1710).
        #[arg(long, allow_negative_numbers = true)]
        lat: f64,
        /// Longitude (WGS84 degrees, e.g. 1.8710).
        #[arg(long, allow_negative_numbers = true)]
        lon: f64,
        /// INSEE code of its town (e.g. 23096).
        #[arg(long)]
        insee: Option<String>,
        /// Postcode of its town.
        #[arg(long)]
        postcode: Option<String>,
        #[command(flatten)]
        data: DataArg,
    },
    /// List the structures: id, name, time zone.
    List {
        #[command(flatten)]
        data: DataArg,
    },
}

/// Runs `repere structure …`.
pub fn run(args: StructureArgs) -> Result<(), CliError> {
    match args.command {
        StructureCommand::Add { name, tz, data } => {
            match run_op(&data.data, AdminOp::AddStructure { name, tz })? {
                AdminReply::Structure { id } => {
                    println!("{id}");
                    Ok(())
                }
                other => Err(CliError::Other(format!("unexpected reply: {other:?}"))),
            }
        }
        StructureCommand::SetTz { id, tz, data } => {
            match run_op(&data.data, AdminOp::SetStructureTz { structure: id, tz })? {
                AdminReply::StructureTz { id, tz } => {
                    println!("{tz}");
                    eprintln!("structure {id}: dates are now shown in {tz}");
                    Ok(())
                }
                other => Err(CliError::Other(format!("unexpected reply: {other:?}"))),
            }
        }
        StructureCommand::Require2fa { id, state, data } => {
            let op = AdminOp::SetSecondFactorRequired {
                structure: id,
                required: state == "on",
            };
            match run_op(&data.data, op)? {
                AdminReply::SecondFactorRequired { id, required } => {
                    println!("{}", if required { "on" } else { "off" });
                    if required {
                        eprintln!("structure {id}: its admins must have a second factor");
                    } else {
                        eprintln!("structure {id}: a second factor is optional");
                    }
                    Ok(())
                }
                other => Err(CliError::Other(format!("unexpected reply: {other:?}"))),
            }
        }
        StructureCommand::SetLocation {
            id,
            lat,
            lon,
            insee,
            postcode,
            data,
        } => {
            let op = AdminOp::SetStructureLocation {
                structure: id,
                code_insee: insee,
                code_postal: postcode,
                lat,
                lon,
            };
            match run_op(&data.data, op)? {
                AdminReply::StructurePlaces(sp) => {
                    if let Some(l) = sp.location {
                        println!(
                            "structure {id}: {} {}{}",
                            l.latitude,
                            l.longitude,
                            l.code_insee
                                .map(|c| format!(" (INSEE {c})"))
                                .unwrap_or_default()
                        );
                    }
                    Ok(())
                }
                other => Err(CliError::Other(format!("unexpected reply: {other:?}"))),
            }
        }
        StructureCommand::List { data } => match run_op(&data.data, AdminOp::ListStructures)? {
            AdminReply::Structures { list } => {
                for (id, name, tz) in list {
                    println!("{id}\t{name}\t{tz}");
                }
                Ok(())
            }
            other => Err(CliError::Other(format!("unexpected reply: {other:?}"))),
        },
    }
}
