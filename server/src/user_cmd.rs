//! `repere user add --structure ID --role agent|trainer|admin --login NAME`,
//! `repere user passwd LOGIN`, `repere user disable LOGIN`, `repere user enable LOGIN`,
//! `repere user reset-2fa LOGIN`.
//!
//! A password is asked twice on a terminal (not echoed), or read from the first
//! line of standard input when it is not a terminal (scripts:
//! `echo "$PASSWORD" | repere user add …`). Like every administration command,
//! these work with or without a running server (see [`crate::local`]).

use std::io::{BufRead, IsTerminal};

use crate::admin_ops::{AdminOp, AdminReply};
use crate::auth::MIN_PASSWORD_CHARS;
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
    /// Set a new password for an account (asked, or read from stdin); its login
    /// sessions end.
    Passwd {
        /// Login of the account.
        login: String,
        #[command(flatten)]
        data: DataArg,
    },
    /// Disable an account: it cannot log in any more, and its sessions end at once.
    Disable {
        /// Login of the account.
        login: String,
        #[command(flatten)]
        data: DataArg,
    },
    /// Enable a disabled account again.
    Enable {
        /// Login of the account.
        login: String,
        #[command(flatten)]
        data: DataArg,
    },
    /// Remove the second factor of an account (a lost phone and no recovery code
    /// left): it logs in with its password, and sets one up again.
    #[command(name = "reset-2fa")]
    Reset2fa {
        /// Login of the account.
        login: String,
        #[command(flatten)]
        data: DataArg,
    },
}

fn read_password() -> Result<String, CliError> {
    if std::io::stdin().is_terminal() {
        let first = rpassword::prompt_password(format!(
            "Mot de passe ({MIN_PASSWORD_CHARS} caractères au moins) : "
        ))
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

fn unexpected(reply: AdminReply) -> CliError {
    CliError::Other(format!("unexpected reply: {reply:?}"))
}

/// Runs `repere user …`.
pub fn run(args: UserArgs) -> Result<(), CliError> {
    match args.command {
        UserCommand::Add {
            structure,
            role,
            login,
            data,
        } => {
            let role = Role::parse(&role)
                .ok_or_else(|| CliError::Input(format!("unknown role `{role}`")))?;
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
                other => Err(unexpected(other)),
            }
        }
        UserCommand::Passwd { login, data } => {
            let password = read_password()?;
            match run_op(&data.data, AdminOp::SetPassword { login, password })? {
                AdminReply::UserChanged {
                    id, sessions_ended, ..
                } => {
                    println!("{id}");
                    eprintln!(
                        "account {id}: password changed; {sessions_ended} login session(s) ended"
                    );
                    Ok(())
                }
                other => Err(unexpected(other)),
            }
        }
        UserCommand::Reset2fa { login, data } => {
            match run_op(&data.data, AdminOp::ResetSecondFactor { login })? {
                AdminReply::SecondFactorReset { id, had } => {
                    println!("{id}");
                    if had {
                        eprintln!("account {id}: second factor removed");
                    } else {
                        eprintln!("account {id} had no second factor");
                    }
                    Ok(())
                }
                other => Err(unexpected(other)),
            }
        }
        UserCommand::Disable { login, data } => set_active(&data, login, false),
        UserCommand::Enable { login, data } => set_active(&data, login, true),
    }
}

fn set_active(data: &DataArg, login: String, active: bool) -> Result<(), CliError> {
    match run_op(&data.data, AdminOp::SetActive { login, active })? {
        AdminReply::UserChanged {
            id,
            active,
            sessions_ended,
        } => {
            println!("{id}");
            if active {
                eprintln!("account {id} enabled: it can log in");
            } else {
                eprintln!(
                    "account {id} disabled: it cannot log in; {sessions_ended} login session(s) ended"
                );
            }
            Ok(())
        }
        other => Err(unexpected(other)),
    }
}
