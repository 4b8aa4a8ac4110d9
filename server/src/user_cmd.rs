//! `repere user add --structure ID --role agent|trainer|admin --login NAME`.
//!
//! The password is asked twice on a terminal (not echoed), or read from the first
//! line of standard input when it is not a terminal (scripts:
//! `echo "$PASSWORD" | repere user add …`).

use std::io::{BufRead, IsTerminal};

use crate::admin_ops::{AdminOp, AdminReply};
use crate::local::{run_op, DataArg};
use crate::records::Role;
use crate::CliError;

/// Options of `repere user`.
#[derive(clap::Args, Debug)]
pub struct UserArgs {
    #[command(subcommand)]
    command: UserCommand,
}

#[derive(clap::Subcommand, Debug)]
enum UserCommand {
    /// Add an account to a structure (password asked, or read from stdin).
    Add {
        /// Structure id (see `repere structure list`).
        #[arg(long)]
        structure: u64,
        /// Role: agent, trainer or admin.
        #[arg(long, value_parser = ["agent", "trainer", "admin"])]
        role: String,
        /// Login (letters without accents, digits, `.`, `_`, `-`).
        #[arg(long)]
        login: String,
        #[command(flatten)]
        data: DataArg,
    },
}

fn read_password() -> Result<String, CliError> {
    if std::io::stdin().is_terminal() {
        let first = rpassword::prompt_password("Mot de passe (10 caractères au moins) : ")
            .map_err(|e| CliError::Other(format!("cannot read the password: {e}")))?;
        let second = rpassword::prompt_password("Confirmez le mot de passe : ")
            .map_err(|e| CliError::Other(format!("cannot read the password: {e}")))?;
        if first != second {
            return Err(CliError::Input("the two passwords differ".into()));
        }
        Ok(first)
    } else {
        let mut line = String::new();
        std::io::stdin()
            .lock()
            .read_line(&mut line)
            .map_err(|e| CliError::Other(format!("cannot read the password from stdin: {e}")))?;
        Ok(line.trim_end_matches(['\r', '\n']).to_string())
    }
}

/// Runs `repere user …`.
pub fn run(args: UserArgs) -> Result<(), CliError> {
    let UserCommand::Add {
        structure,
        role,
        login,
        data,
    } = args.command;
    let role =
        Role::parse(&role).ok_or_else(|| CliError::Input(format!("unknown role `{role}`")))?;
    let password = read_password()?;
    match run_op(
        &data.data,
        AdminOp::AddUser {
            structure,
            role,
            login: login.clone(),
            password,
        },
    )? {
        AdminReply::User { id } => {
            println!("{id}");
            eprintln!(
                "account {id} `{}` ({}) added to structure {structure}",
                login.trim().to_lowercase(),
                role.name()
            );
            Ok(())
        }
        other => Err(CliError::Other(format!("unexpected reply: {other:?}"))),
    }
}
