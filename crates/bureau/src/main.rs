//! `petition-bureau`: serve the bureau API, create tokens, move petitions through the workflow,
//! show the outbox key and import kiosks' sealed outbox bundles.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::Context;
use clap::{Parser, Subcommand};
use petition_api::bundle::BundleError;
use petition_bureau::ops::{self, Action};
use petition_bureau::outbox::{self, ImportError, OutboxKey, Outcome, Owner};
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
    /// The key kiosks seal their outbox bundles to (kept in the data directory).
    Key {
        #[command(subcommand)]
        command: KeyCommand,
    },
    /// Take in a kiosk's sealed outbox bundle, e.g. from a USB drive. Prints one JSON line per
    /// petition, then a summary line; a petition delivered before is not taken in again.
    Import {
        /// The bundle file.
        file: PathBuf,
        /// The name of the kiosk's token; without it the petitions go to the kiosk that later
        /// submits them online.
        #[arg(long)]
        kiosk: Option<String>,
    },
}

#[derive(Debug, Subcommand)]
enum KeyCommand {
    /// Print the public key (age1…), as the catalogue publishes it.
    Show,
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
async fn main() -> anyhow::Result<ExitCode> {
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
                    return Ok(ExitCode::SUCCESS);
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
        Command::Key {
            command: KeyCommand::Show,
        } => {
            let key = OutboxKey::load_or_create(&config.outbox_key_path())
                .context("read the outbox key")?;
            println!("{}", key.recipient());
        }
        Command::Import { file, kiosk } => {
            let owner = kiosk.map_or(Owner::Unnamed, Owner::Kiosk);
            if !import(config, clock, &file, &owner).await? {
                return Ok(ExitCode::FAILURE);
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// `petition-bureau import`: `Ok(false)` when the bundle could not be taken in, or not all of it.
/// The bundle is read through and checked whole before its first petition is delivered
/// (`petition_bureau::outbox`), so a damaged one stores nothing.
async fn import(config: Config, clock: Clock, file: &Path, owner: &Owner) -> anyhow::Result<bool> {
    let sealed = match std::fs::File::open(file) {
        Ok(sealed) => sealed,
        Err(e) => {
            eprintln!(
                "无法读取导出包 {path}：{e}\nCannot read the bundle {path}: {e}",
                path = file.display()
            );
            return Ok(false);
        }
    };
    let state = AppState::open(config, clock)
        .await
        .context("open the store")?;
    let (bundle, token) = match outbox::open(&state, sealed, owner).await {
        Ok(opened) => opened,
        Err(e) => {
            let (zh, en) = import_failure(&e);
            eprintln!(
                "无法导入 {path}：{zh}\nCannot import {path}: {en}",
                path = file.display()
            );
            return Ok(false);
        }
    };
    let mut summary = Summary::default();
    for petition in &bundle.petitions {
        let Ok(imported) = outbox::import(&state, &token, petition).await else {
            // The cause is logged above; the lines printed so far stand.
            eprintln!(
                "导入中途出错：上面各行的信访件已处理，请再次导入，已送达的不会重复。\n\
                 The import failed midway: the lines above stand; import again, nothing is delivered twice."
            );
            return Ok(false);
        };
        match imported.outcome {
            Outcome::Created => summary.imported += 1,
            Outcome::AlreadyDelivered => summary.already_delivered += 1,
            Outcome::Rejected => summary.rejected += 1,
        }
        println!("{}", serde_json::to_string(&imported)?);
    }
    println!("{}", serde_json::to_string(&summary)?);
    if summary.rejected > 0 {
        eprintln!(
            "有 {n} 件信访未能导入，原因见各行的 message。\n\
             {n} petition(s) could not be imported; each line's message says why.",
            n = summary.rejected
        );
    }
    Ok(summary.rejected == 0)
}

/// The last line of `petition-bureau import`.
#[derive(Debug, Default, serde::Serialize)]
struct Summary {
    imported: usize,
    already_delivered: usize,
    #[serde(skip_serializing_if = "is_zero")]
    rejected: usize,
}

fn is_zero(n: &usize) -> bool {
    *n == 0
}

/// What an operator reads when a bundle cannot be imported, in Chinese and English.
fn import_failure(e: &ImportError) -> (&'static str, String) {
    let (zh, en) = match e {
        ImportError::Bundle(BundleError::WrongKey) => (
            "这个导出包不是加密给本信访局的（终端用的公钥与 `petition-bureau key show` 显示的不同），或已损坏。",
            "the bundle is not sealed to this bureau's key (the kiosk used another public key than `petition-bureau key show` prints), or it is damaged.",
        ),
        ImportError::Bundle(
            BundleError::Unreadable(_)
            | BundleError::Damaged(_)
            | BundleError::Malformed { .. }
            | BundleError::Invalid(_),
        ) => (
            "文件不是完整的信访导出包：可能已损坏或未拷贝完整，未导入任何信访件。请从终端重新导出。",
            "the file is not a whole outbox bundle: it may be damaged or cut short; nothing was imported. Export it again at the kiosk.",
        ),
        ImportError::Bundle(BundleError::UnknownFormat(_)) => (
            "导出包的格式比本信访局的版本新，请升级 petition-bureau。",
            "the bundle's format is newer than this bureau reads; upgrade petition-bureau.",
        ),
        ImportError::Bundle(
            BundleError::ReferenceMismatch { .. } | BundleError::AttachmentChecksum { .. },
        ) => (
            "导出包内容前后不一致（已被改动或损坏），未导入任何信访件。",
            "the bundle's contents do not agree with themselves (changed or damaged); nothing was imported.",
        ),
        ImportError::NoSuchKiosk(_) => (
            "没有这个名称的终端令牌，请核对 --kiosk。",
            "no kiosk token has this name; check --kiosk.",
        ),
        ImportError::AmbiguousKiosk(_) => (
            "有多个终端令牌使用这个名称，无法确定归属。",
            "several kiosk tokens have this name, so the petitions' owner is unclear.",
        ),
        ImportError::Bundle(_) | ImportError::Store(_) => (
            "信访局出错，未导入任何信访件。",
            "the bureau failed; nothing was imported.",
        ),
    };
    (zh, format!("{en} ({e})"))
}
