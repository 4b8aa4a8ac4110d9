//! `repere backup DIR`: a consistent copy of the whole store into a new folder.
//!
//! With a server running, the copy is made inside it (through `/api/local`): writes
//! wait during the copy, so it holds no half-done operation. Without a server, the
//! store is opened directly. The copy is a sled store: restore it by starting
//! `repere serve --data DIR` (or copying it back into place while stopped).

use std::path::PathBuf;

use crate::admin_ops::{AdminOp, AdminReply};
use crate::local::{run_op, DataArg};
use crate::CliError;

/// Options of `repere backup`.
#[derive(clap::Args, Debug)]
pub struct BackupArgs {
    /// New (or empty) folder to write the copy into.
    dir: PathBuf,
    #[command(flatten)]
    data: DataArg,
}

/// Runs `repere backup`.
pub fn run(args: BackupArgs) -> Result<(), CliError> {
    // The server may run in another folder: send it an absolute path.
    let dir = if args.dir.is_absolute() {
        args.dir.clone()
    } else {
        std::env::current_dir()
            .map_err(|e| CliError::Other(format!("cannot read the current folder: {e}")))?
            .join(&args.dir)
    };
    match run_op(&args.data.data, AdminOp::Backup { dir: dir.clone() })? {
        AdminReply::Backup(r) => {
            println!(
                "backup written to {}: {} collections, {} entries",
                dir.display(),
                r.trees,
                r.entries
            );
            Ok(())
        }
        other => Err(CliError::Other(format!("unexpected reply: {other:?}"))),
    }
}
