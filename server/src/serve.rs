//! `repere serve`: the HTTP server.

use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::path::PathBuf;

use axum::Router;
use tower_http::services::{ServeDir, ServeFile};

use crate::CliError;

/// Options of `repere serve`.
#[derive(clap::Args, Debug)]
pub struct ServeArgs {
    /// Address to listen on.
    #[arg(long, env = "REPERE_ADDR", default_value_t = IpAddr::V4(Ipv4Addr::LOCALHOST))]
    pub addr: IpAddr,
    /// Port to listen on (0 picks a free port and prints it).
    #[arg(long, env = "REPERE_PORT", default_value_t = 8080)]
    pub port: u16,
    /// Folder of the sled store (created if absent).
    #[arg(long, env = "REPERE_DATA", default_value = "data")]
    pub data: PathBuf,
    /// Folder of the built web app (Trunk's output).
    #[arg(long, env = "REPERE_DIST", default_value = "dist")]
    pub dist: PathBuf,
}

/// Starts the server and runs until Ctrl-C.
pub fn run(args: ServeArgs) -> Result<(), CliError> {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|e| CliError::Other(format!("cannot start the async runtime: {e}")))?;
    runtime.block_on(serve(args))
}

async fn serve(args: ServeArgs) -> Result<(), CliError> {
    let db = sled::open(&args.data).map_err(|e| {
        CliError::Other(format!("cannot open the store in {}: {e}", args.data.display()))
    })?;
    let index = args.dist.join("index.html");
    if !index.is_file() {
        return Err(CliError::Input(format!(
            "{} not found: build the web app first (`cargo xtask serve` does it)",
            index.display()
        )));
    }
    let app = Router::new().fallback_service(
        ServeDir::new(&args.dist).not_found_service(ServeFile::new(&index)),
    );
    let listener = tokio::net::TcpListener::bind(SocketAddr::new(args.addr, args.port))
        .await
        .map_err(|e| CliError::Other(format!("cannot listen on {}:{}: {e}", args.addr, args.port)))?;
    let local = listener
        .local_addr()
        .map_err(|e| CliError::Other(format!("cannot read the bound address: {e}")))?;
    println!("Repère écoute sur http://{local}/");
    println!("Données : {}", args.data.display());
    axum::serve(listener, app)
        .with_graceful_shutdown(async {
            let _ = tokio::signal::ctrl_c().await;
        })
        .await
        .map_err(|e| CliError::Other(format!("server error: {e}")))?;
    db.flush()
        .map_err(|e| CliError::Other(format!("cannot flush the store: {e}")))?;
    Ok(())
}
