//! `petition-bureau`: serve the bureau API, create tokens, move petitions through the workflow.

use std::net::SocketAddr;
use std::path::PathBuf;

use anyhow::Context;
use clap::{Parser, Subcommand};
use petition_bureau::ops::{self, Action};
use petition_bureau::store::TokenKind;
use petition_bureau::{AppState, Clock, Config, Store, clock::rfc3339};

#[derive(Debug, Parser)]
#[command(
    name = "petition-bureau",
    version,
    about = "The reference petition bureau (信访局参考服务器)"
)]
struct Cli {
    /// Where attachments (and the SQLite database) live.
    #[arg(
        long,
        global = true,
        env = "PETITION_BUREAU_DATA_DIR",
        default_value = "bureau-data"
    )]
    data_dir: PathBuf,
    /// `postgres://…` for PostgreSQL; SQLite in the data directory when absent.
    #[arg(long, global = true, env = "DATABASE_URL")]
    database_url: Option<String>,
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Serve the API.
    Serve {
        #[arg(long, default_value = "127.0.0.1:8600")]
        listen: SocketAddr,
        /// Requests per second each token may make (bursts of five times as many).
        #[arg(long, default_value_t = 20.0)]
        rate_limit: f64,
    },
    /// Bearer tokens for citizens' accounts and kiosks.
    Token {
        #[command(subcommand)]
        command: TokenCommand,
    },
    /// Move petitions through the workflow.
    Petition {
        #[command(subcommand)]
        command: PetitionCommand,
    },
}

#[derive(Debug, Subcommand)]
enum TokenCommand {
    /// Create a token; it is printed once and stored hashed.
    Create {
        #[arg(long)]
        kind: TokenKind,
        #[arg(long)]
        name: String,
    },
}

#[derive(Debug, Subcommand)]
enum PetitionCommand {
    /// Every petition: tracking code, status, received, category, region.
    List,
    /// 登记
    Register { tracking_code: String },
    /// 受理
    Accept { tracking_code: String },
    /// 不予受理, with the reason the citizen will read.
    Reject {
        tracking_code: String,
        #[arg(long)]
        reason: String,
    },
    /// 答复, with the reply's text.
    Reply {
        tracking_code: String,
        #[arg(long)]
        text: String,
    },
    /// 延期: 30 more days to reply.
    Extend { tracking_code: String },
    /// 办结
    Close { tracking_code: String },
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| "petition_bureau=info".into()),
        )
        .with_writer(std::io::stderr)
        .init();
    let cli = Cli::parse();
    let config = Config {
        database_url: cli.database_url,
        ..Config::new(cli.data_dir)
    };
    let clock = Clock::system();
    match cli.command {
        Command::Serve { listen, rate_limit } => {
            let mut config = config;
            config.limits.rate_per_second = rate_limit;
            config.limits.rate_burst = rate_limit * 5.0;
            let state = AppState::open(config, clock)
                .await
                .context("open the store")?;
            let listener = tokio::net::TcpListener::bind(listen)
                .await
                .with_context(|| format!("listen on {listen}"))?;
            tracing::info!(addr = %listener.local_addr()?, "serving the bureau API");
            petition_bureau::serve(listener, state, async {
                let _ = tokio::signal::ctrl_c().await;
            })
            .await?;
        }
        Command::Token {
            command: TokenCommand::Create { kind, name },
        } => {
            let store = Store::open(&config).await.context("open the store")?;
            let secret = store
                .create_token(kind, &name, &rfc3339(clock.now()))
                .await?;
            println!("{secret}");
        }
        Command::Petition { command } => {
            let store = Store::open(&config).await.context("open the store")?;
            let (code, action) = match command {
                PetitionCommand::List => {
                    for p in ops::list(&store).await? {
                        println!(
                            "{}\t{}\t{}\t{}\t{}",
                            p.tracking_code, p.status, p.received_at, p.category, p.region
                        );
                    }
                    return Ok(());
                }
                PetitionCommand::Register { tracking_code } => (tracking_code, Action::Register),
                PetitionCommand::Accept { tracking_code } => (tracking_code, Action::Accept),
                PetitionCommand::Reject {
                    tracking_code,
                    reason,
                } => (tracking_code, Action::Reject { reason }),
                PetitionCommand::Reply {
                    tracking_code,
                    text,
                } => (tracking_code, Action::Reply { text }),
                PetitionCommand::Extend { tracking_code } => (tracking_code, Action::Extend),
                PetitionCommand::Close { tracking_code } => (tracking_code, Action::Close),
            };
            let status = ops::apply(&store, &code, action, clock.now()).await?;
            println!("{code}\t{}", status.as_str());
        }
    }
    Ok(())
}
