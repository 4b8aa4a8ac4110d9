//! How a command-line operation reaches the store: directly when no server runs,
//! through the running server otherwise.
//!
//! `repere serve` writes `<data>/server.json` (mode 0600) with its port, its process
//! id and a random token, and removes it when it stops. A command that finds the
//! store locked (sled allows one process) reads that file and sends the operation
//! to `POST http://127.0.0.1:PORT/api/local` with the token; the server runs it
//! with the same code ([`crate::admin_ops::run`]). If the store is locked and no
//! server answers, the command says so and stops.

use std::io::{Read, Write};
use std::net::{Ipv4Addr, SocketAddr, TcpStream};
use std::path::{Path, PathBuf};
use std::time::Duration;

use serde::{Deserialize, Serialize};

use crate::admin_ops::{self, AdminError, AdminOp, AdminReply};
use crate::clock::Clock;
use crate::store::sled_store::SledStore;
use crate::store::{Store, StoreError};
use crate::CliError;

/// The `--data` option of the administration commands.
#[derive(clap::Args, Debug, Clone)]
pub struct DataArg {
    /// Folder of the sled store.
    #[arg(long, env = "REPERE_DATA", default_value = "data")]
    pub data: PathBuf,
}

/// Name of the file a running server leaves in its data folder.
pub const SERVER_FILE: &str = "server.json";

/// The content of `server.json`.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct ServerFile {
    /// Port the server listens on.
    pub port: u16,
    /// Its process id.
    pub pid: u32,
    /// Token of `/api/local`.
    pub token: String,
}

/// Writes `server.json` readable by the owner only.
pub fn write_server_file(data: &Path, file: &ServerFile) -> std::io::Result<PathBuf> {
    let path = data.join(SERVER_FILE);
    let text = serde_json::to_string_pretty(file).map_err(std::io::Error::other)?;
    let mut opts = std::fs::OpenOptions::new();
    opts.write(true).create(true).truncate(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        opts.mode(0o600);
    }
    let mut f = opts.open(&path)?;
    f.write_all(text.as_bytes())?;
    f.sync_all()?;
    Ok(path)
}

fn admin_to_cli(e: AdminError) -> CliError {
    match e {
        AdminError::Input(m) => CliError::Input(m),
        AdminError::Other(m) => CliError::Other(m),
    }
}

/// Runs an operation on the store in `data`, directly or through the running server.
pub fn run_op(data: &Path, op: AdminOp) -> Result<AdminReply, CliError> {
    match SledStore::open(data) {
        Ok(store) => {
            let reply = admin_ops::run(&store, &Clock::system(), op).map_err(admin_to_cli)?;
            store.flush().map_err(|e| CliError::Other(e.to_string()))?;
            Ok(reply)
        }
        Err(StoreError::Locked(_)) => through_server(data, &op),
        Err(e) => Err(CliError::Other(e.to_string())),
    }
}

fn through_server(data: &Path, op: &AdminOp) -> Result<AdminReply, CliError> {
    let locked = || {
        CliError::Other(format!(
            "the store in {} is locked by another process, and no running `repere serve` answers for it: \
             stop the other process, or run this command while the server is up",
            data.display()
        ))
    };
    let text = std::fs::read_to_string(data.join(SERVER_FILE)).map_err(|_| locked())?;
    let file: ServerFile = serde_json::from_str(&text).map_err(|_| locked())?;
    eprintln!(
        "repere: the server (pid {}) holds the store; sending the command to it on port {}",
        file.pid, file.port
    );
    let body = serde_json::to_vec(op).map_err(|e| CliError::Other(e.to_string()))?;
    let (status, reply) = post_local(file.port, &file.token, &body).map_err(|e| {
        CliError::Other(format!(
            "the running server did not answer on port {}: {e}",
            file.port
        ))
    })?;
    if status == 200 {
        return serde_json::from_slice(&reply)
            .map_err(|e| CliError::Other(format!("unexpected answer from the server: {e}")));
    }
    let message = serde_json::from_slice::<serde_json::Value>(&reply)
        .ok()
        .and_then(|v| v.get("error").and_then(|m| m.as_str()).map(str::to_string))
        .unwrap_or_else(|| String::from_utf8_lossy(&reply).into_owned());
    match status {
        422 => Err(CliError::Input(message)),
        404 => Err(locked()),
        _ => Err(CliError::Other(format!(
            "server answered {status}: {message}"
        ))),
    }
}

/// A minimal HTTP/1.1 POST to the loopback server; returns the status and the body.
fn post_local(port: u16, token: &str, body: &[u8]) -> std::io::Result<(u16, Vec<u8>)> {
    let addr = SocketAddr::from((Ipv4Addr::LOCALHOST, port));
    let mut stream = TcpStream::connect_timeout(&addr, Duration::from_secs(5))?;
    // Backups and exports of large stores take a while.
    stream.set_read_timeout(Some(Duration::from_secs(600)))?;
    let head = format!(
        "POST /api/local HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nAuthorization: Bearer {token}\r\n\
         Content-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
        body.len()
    );
    stream.write_all(head.as_bytes())?;
    stream.write_all(body)?;
    let mut raw = Vec::new();
    stream.read_to_end(&mut raw)?;
    parse_response(&raw)
}

fn parse_response(raw: &[u8]) -> std::io::Result<(u16, Vec<u8>)> {
    let bad = |m: &str| std::io::Error::new(std::io::ErrorKind::InvalidData, m.to_string());
    let split = raw
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .ok_or_else(|| bad("no end of headers"))?;
    let head = String::from_utf8_lossy(&raw[..split]);
    let body = &raw[split + 4..];
    let status: u16 = head
        .split_whitespace()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .ok_or_else(|| bad("no status"))?;
    let chunked = head.lines().any(|l| {
        let l = l.to_ascii_lowercase();
        l.starts_with("transfer-encoding:") && l.contains("chunked")
    });
    if !chunked {
        return Ok((status, body.to_vec()));
    }
    let mut out = Vec::new();
    let mut rest = body;
    loop {
        let line_end = rest
            .windows(2)
            .position(|w| w == b"\r\n")
            .ok_or_else(|| bad("bad chunk"))?;
        let size_text = String::from_utf8_lossy(&rest[..line_end]);
        let size = usize::from_str_radix(size_text.split(';').next().unwrap_or("").trim(), 16)
            .map_err(|_| bad("bad chunk size"))?;
        rest = &rest[line_end + 2..];
        if size == 0 {
            break;
        }
        let chunk = rest.get(..size).ok_or_else(|| bad("short chunk"))?;
        out.extend_from_slice(chunk);
        rest = rest.get(size + 2..).ok_or_else(|| bad("short chunk"))?;
    }
    Ok((status, out))
}

#[cfg(test)]
mod tests {
    use super::parse_response;

    #[test]
    fn parses_plain_and_chunked_responses() {
        let (s, b) =
            parse_response(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\n{}").expect("plain");
        assert_eq!((s, b.as_slice()), (200, b"{}".as_slice()));
        let raw = b"HTTP/1.1 422 Unprocessable\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n2\r\nde\r\n0\r\n\r\n";
        let (s, b) = parse_response(raw).expect("chunked");
        assert_eq!((s, b.as_slice()), (422, b"abcde".as_slice()));
        assert!(parse_response(b"garbage").is_err());
    }
}
