//! `repere estimate`: one JSON request on stdin, one JSON answer on stdout.

use crate::CliError;

/// Reads the request from stdin and prints the answer.
pub fn run_stdio() -> Result<(), CliError> {
    Err(CliError::Other("estimate: not available yet".into()))
}
