//! `repere compact`: rewrites the store so that its files hold nothing of deleted
//! results, not even sealed with an erased key, and no record in clear.
//!
//! Deleting a result already erases it (its key is erased: see
//! [`crate::store::sealed`]); compaction also drops the noise sled kept, seals
//! whatever an older Repère wrote in clear, and keeps only the keys of live
//! records. With a server running it runs inside it (through `/api/local`): writes
//! wait during the copy, reads go on.

use crate::admin_ops::{AdminOp, AdminReply};
use crate::local::{run_op, DataArg};
use crate::CliError;

/// Options of `repere compact`.
#[derive(clap::Args, Debug)]
pub struct CompactArgs {
    #[command(flatten)]
    data: DataArg,
}

/// Runs `repere compact`.
pub fn run(args: CompactArgs) -> Result<(), CliError> {
    match run_op(&args.data.data, AdminOp::Compact)? {
        AdminReply::Compact(r) => {
            println!(
                "compacted: {} entries in {} collections, {} record(s) sealed, {} erased \
                 result(s) dropped, {} key(s) kept; {} bytes before, {} after",
                r.entries, r.trees, r.sealed, r.erased, r.keys, r.bytes_before, r.bytes_after
            );
            Ok(())
        }
        other => Err(CliError::Other(format!("unexpected reply: {other:?}"))),
    }
}
