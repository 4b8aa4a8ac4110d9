//! `repere structure add NAME` / `repere structure list`.

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
        #[command(flatten)]
        data: DataArg,
    },
    /// List the structures: id, name.
    List {
        #[command(flatten)]
        data: DataArg,
    },
}

/// Runs `repere structure …`.
pub fn run(args: StructureArgs) -> Result<(), CliError> {
    match args.command {
        StructureCommand::Add { name, data } => {
            match run_op(&data.data, AdminOp::AddStructure { name })? {
                AdminReply::Structure { id } => {
                    println!("{id}");
                    Ok(())
                }
                other => Err(CliError::Other(format!("unexpected reply: {other:?}"))),
            }
        }
        StructureCommand::List { data } => match run_op(&data.data, AdminOp::ListStructures)? {
            AdminReply::Structures { list } => {
                for (id, name) in list {
                    println!("{id}\t{name}");
                }
                Ok(())
            }
            other => Err(CliError::Other(format!("unexpected reply: {other:?}"))),
        },
    }
}
