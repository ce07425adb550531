//! `petition-bureau`: serve the bureau API, create tokens, move petitions through the workflow,
//! show the outbox key and import kiosks' sealed outbox bundles.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::Context;
use clap::{Parser, Subcommand};
use petition_api::bundle::BundleError;
use petition_bureau::accounts::{self, sms, sms::SmsConfig};
use petition_bureau::clock::{TestClock, rfc3339};
use petition_bureau::ops::{self, Action};
use petition_bureau::outbox::{self, ImportError, OutboxKey, Outcome, Owner};
use petition_bureau::store::TokenKind;
use petition_bureau::{AppState, Clock, Config, Store};
use petition_rules::calendar::Calendar;
use petition_rules::i18n::{Arg, Lang, text};
use zeroize::Zeroizing;

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
    /// Count deadlines on this holiday calendar instead of the one built in (for a year whose
    /// State Council notice came out after this build): the form of the built-in
    /// `crates/rules/data/holidays-cn.txt`.
    #[arg(
        long,
        global = true,
        env = "PETITION_BUREAU_HOLIDAYS",
        value_name = "FILE"
    )]
    holidays: Option<PathBuf>,
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
        /// Seconds a request may send nothing while its headers or its body are due before it
        /// is dropped (also how long an idle connection is kept).
        #[arg(long, env = "PETITION_BUREAU_READ_TIMEOUT", default_value_t = 30.0)]
        read_timeout: f64,
        #[command(flatten)]
        sms: SmsArgs,
        /// Days a citizen's token works before signing in again.
        #[arg(long, default_value_t = 180)]
        token_days: u32,
        /// One-time codes one network address may ask for in an hour, to any numbers.
        #[arg(long, default_value_t = 30)]
        codes_per_address_hour: u32,
        /// One-time codes the bureau sends in an hour in all (text messages cost money).
        #[arg(long, default_value_t = 1000)]
        codes_per_hour: u32,
        /// FOR TESTS AND TRAINING ONLY: let `petition-bureau clock advance` move this bureau's
        /// clock forward (kept in the data directory, so that its operator commands see the
        /// same time). Started without it, a bureau removes the test clock and runs on the
        /// system's time.
        #[arg(long)]
        test_clock: bool,
    },
    /// The bureau's clock: show it, or move the test clock forward (only after
    /// `serve --test-clock`).
    Clock {
        #[command(subcommand)]
        command: ClockCommand,
    },
    /// Citizens' accounts.
    Account {
        #[command(subcommand)]
        command: AccountCommand,
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

/// How one-time codes reach citizens' phones: one of the two, or no sign-up works.
#[derive(Debug, clap::Args)]
#[group(multiple = false)]
struct SmsArgs {
    /// FOR TESTS AND DEMOS ONLY: append each code to this file as one JSON line
    /// `{"phone", "code", "at"}` instead of sending a text message.
    #[arg(long, value_name = "PATH")]
    sms_file: Option<PathBuf>,
    /// Send codes through an SMS gateway: POST to this URL (https://) after filling in
    /// `{phone}`, `{code}` and `{message}`, with the JSON `{"phone", "code", "message"}`. Its
    /// credential, if any, is read from PETITION_SMS_GATEWAY_CREDENTIAL or from the file
    /// PETITION_SMS_GATEWAY_CREDENTIAL_FILE names (never from the command line) and sent as
    /// `Authorization: Bearer`.
    #[arg(long, value_name = "URL_TEMPLATE")]
    sms_gateway: Option<String>,
}

impl SmsArgs {
    fn config(self) -> anyhow::Result<SmsConfig> {
        if let Some(path) = self.sms_file {
            return Ok(SmsConfig::File(path));
        }
        let Some(template) = self.sms_gateway else {
            return Ok(SmsConfig::Off);
        };
        sms::check_template(&template).map_err(|e| anyhow::anyhow!("--sms-gateway: {e}"))?;
        let credential = match (
            std::env::var("PETITION_SMS_GATEWAY_CREDENTIAL").ok(),
            std::env::var_os("PETITION_SMS_GATEWAY_CREDENTIAL_FILE"),
        ) {
            (Some(value), _) => Some(value),
            (None, Some(file)) => Some(
                std::fs::read_to_string(&file)
                    .with_context(|| {
                        format!(
                            "read the SMS gateway's credential from {}",
                            Path::new(&file).display()
                        )
                    })?
                    .trim()
                    .to_owned(),
            ),
            (None, None) => None,
        };
        Ok(SmsConfig::Gateway {
            template,
            credential: credential.filter(|c| !c.is_empty()).map(Zeroizing::new),
        })
    }
}

#[derive(Debug, Subcommand)]
enum AccountCommand {
    /// Revoke every token of the account of a mobile number: its apps must sign in again.
    Revoke {
        #[arg(long)]
        phone: String,
    },
}

#[derive(Debug, Subcommand)]
enum ClockCommand {
    /// Print the bureau's time (RFC 3339) and how far its test clock is moved, in seconds.
    Show,
    /// Move the test clock forward by whole days (and hours).
    Advance {
        #[arg(long, default_value_t = 0)]
        days: u32,
        #[arg(long, default_value_t = 0)]
        hours: u32,
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
    /// Every petition: tracking code, status, received, category, region. With `--overdue`,
    /// only those past a deadline of the bureau's, longest overdue first: tracking code, status,
    /// the deadline (`route`, `notice`, `reply`, `review_decision`, `recheck_decision`), its
    /// last day, days overdue.
    List {
        #[arg(long)]
        overdue: bool,
    },
    /// 登记
    Register { tracking_code: String },
    /// 登记转送: register it (if not yet) and route it to the organ that handles it.
    Route {
        tracking_code: String,
        /// The organ, as the citizen will read it.
        #[arg(long)]
        to: String,
    },
    /// The organ it was routed to finds it is not its matter (第二十三条): back to the 信访部门,
    /// to be routed again; refused after the fifth working day from the routing.
    Object {
        tracking_code: String,
        /// Why it is not the organ's matter, as the citizen will read it.
        #[arg(long)]
        reason: String,
    },
    /// 受理
    Accept { tracking_code: String },
    /// 受理告知: accept it, telling the citizen how it will be handled.
    Notify {
        tracking_code: String,
        #[arg(long)]
        text: String,
    },
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
    /// 复查意见: the decision on the citizen's review request.
    ReviewReply {
        tracking_code: String,
        #[arg(long)]
        text: String,
    },
    /// 复核意见: the decision on the citizen's re-examination request, which concludes the
    /// matter (不再受理).
    RecheckReply {
        tracking_code: String,
        #[arg(long)]
        text: String,
    },
    /// 办结 after a reply or a decision.
    Conclude { tracking_code: String },
    /// 办结, in any state.
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
    if let Some(path) = &cli.holidays {
        let text = std::fs::read_to_string(path)
            .with_context(|| format!("read the holiday calendar {}", path.display()))?;
        let calendar = Calendar::parse(&text)
            .with_context(|| format!("the holiday calendar {}", path.display()))?;
        let years: Vec<String> = calendar.years().map(|y| y.to_string()).collect();
        tracing::info!(years = %years.join(","), "deadlines count on the holiday calendar given");
        calendar.put_in_force();
    }
    let config = Config {
        database_url: cli.database_url,
        ..Config::new(cli.data_dir)
    };
    let clock = Clock::of_data_dir(&config.data_dir);
    match cli.command {
        Command::Serve {
            listen,
            rate_limit,
            read_timeout,
            sms,
            token_days,
            codes_per_address_hour,
            codes_per_hour,
            test_clock,
        } => {
            let moved = TestClock::of(&config.data_dir);
            let clock = if test_clock {
                std::fs::create_dir_all(&config.data_dir)
                    .with_context(|| format!("create {}", config.data_dir.display()))?;
                let offset = moved.start()?;
                tracing::warn!(
                    offset_seconds = offset,
                    "the clock may be moved (--test-clock): for tests and training only"
                );
                Clock::of_data_dir(&config.data_dir)
            } else {
                if moved.stop()? {
                    tracing::info!("the test clock of an earlier run is removed");
                }
                Clock::system()
            };
            let mut config = config;
            config.sms = sms.config()?;
            if matches!(config.sms, SmsConfig::File(_)) {
                tracing::warn!("codes go to --sms-file, not to phones: for tests and demos only");
            }
            let accounts = &mut config.limits.accounts;
            accounts.token_lifetime =
                std::time::Duration::from_secs(u64::from(token_days) * 86_400);
            accounts.codes_per_address_hour = codes_per_address_hour;
            accounts.codes_per_hour = codes_per_hour;
            config.limits.rate_per_second = rate_limit;
            config.limits.rate_burst = rate_limit * 5.0;
            config.limits.read_timeout = std::time::Duration::try_from_secs_f64(read_timeout)
                .ok()
                .filter(|t| !t.is_zero())
                .context("--read-timeout must be a positive number of seconds")?;
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
            .await;
        }
        Command::Clock { command } => {
            let moved = TestClock::of(&config.data_dir);
            if let ClockCommand::Advance { days, hours } = command {
                let by = time::Duration::days(days.into()) + time::Duration::hours(hours.into());
                if let Err(e) = moved.advance(by) {
                    eprintln!("{e}");
                    return Ok(ExitCode::FAILURE);
                }
            }
            println!("{}\t{}", rfc3339(clock.now()), moved.offset());
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
        Command::Account {
            command: AccountCommand::Revoke { phone },
        } => {
            let store = Store::open(&config).await.context("open the store")?;
            match accounts::revoke(&store, &phone, clock.now()).await? {
                Some(n) => println!(
                    "{}",
                    text(Lang::Zh, "bureau-account-revoked", &[("n", n.into())])
                ),
                None => {
                    eprintln!("{}", both_lines("bureau-account-no_account", &[]));
                    return Ok(ExitCode::FAILURE);
                }
            }
        }
        Command::Petition { command } => {
            let store = Store::open(&config).await.context("open the store")?;
            let (code, action) = match command {
                PetitionCommand::List { overdue: true } => {
                    for p in ops::overdue(&store, clock.now()).await? {
                        println!(
                            "{}\t{}\t{}\t{}\t{}",
                            p.tracking_code,
                            p.status.as_str(),
                            p.deadline,
                            p.due,
                            p.days
                        );
                    }
                    return Ok(ExitCode::SUCCESS);
                }
                PetitionCommand::List { overdue: false } => {
                    for p in ops::list(&store).await? {
                        println!(
                            "{}\t{}\t{}\t{}\t{}",
                            p.tracking_code, p.status, p.received_at, p.category, p.region
                        );
                    }
                    return Ok(ExitCode::SUCCESS);
                }
                PetitionCommand::Register { tracking_code } => (tracking_code, Action::Register),
                PetitionCommand::Route { tracking_code, to } => {
                    (tracking_code, Action::Route { to })
                }
                PetitionCommand::Object {
                    tracking_code,
                    reason,
                } => (tracking_code, Action::Object { reason }),
                PetitionCommand::Accept { tracking_code } => (tracking_code, Action::Accept),
                PetitionCommand::Notify {
                    tracking_code,
                    text,
                } => (tracking_code, Action::Notify { text }),
                PetitionCommand::Reject {
                    tracking_code,
                    reason,
                } => (tracking_code, Action::Reject { reason }),
                PetitionCommand::Reply {
                    tracking_code,
                    text,
                } => (tracking_code, Action::Reply { text }),
                PetitionCommand::Extend { tracking_code } => (tracking_code, Action::Extend),
                PetitionCommand::ReviewReply {
                    tracking_code,
                    text,
                } => (tracking_code, Action::ReviewReply { text }),
                PetitionCommand::RecheckReply {
                    tracking_code,
                    text,
                } => (tracking_code, Action::RecheckReply { text }),
                PetitionCommand::Conclude { tracking_code } => (tracking_code, Action::Conclude),
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
                "{}",
                both_lines(
                    "bureau-import-unreadable",
                    &[
                        ("path", file.display().to_string().into()),
                        ("error", e.to_string().into()),
                    ]
                )
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
            let path = file.display().to_string();
            let detail = e.to_string();
            let line = |lang: Lang| {
                text(
                    lang,
                    "bureau-import-failed",
                    &[
                        ("path", path.as_str().into()),
                        ("reason", import_failure(&e, lang).into()),
                        ("detail", detail.as_str().into()),
                    ],
                )
            };
            eprintln!("{}\n{}", line(Lang::Zh), line(Lang::En));
            return Ok(false);
        }
    };
    let mut summary = Summary::default();
    for petition in &bundle.petitions {
        let Ok(imported) = outbox::import(&state, &token, petition).await else {
            // The cause is logged above; the lines printed so far stand.
            eprintln!("{}", both_lines("bureau-import-midway", &[]));
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
            "{}",
            both_lines("bureau-import-rejected", &[("n", summary.rejected.into())])
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

/// Why a bundle cannot be imported, in words for an operator.
fn import_failure(e: &ImportError, lang: Lang) -> String {
    lang.text(match e {
        ImportError::Bundle(BundleError::WrongKey) => "bureau-import-wrong_key",
        ImportError::Bundle(
            BundleError::Unreadable(_)
            | BundleError::Damaged(_)
            | BundleError::Malformed { .. }
            | BundleError::Invalid(_),
        ) => "bureau-import-damaged",
        ImportError::Bundle(BundleError::UnknownFormat(_)) => "bureau-import-newer_format",
        ImportError::Bundle(
            BundleError::ReferenceMismatch { .. } | BundleError::AttachmentChecksum { .. },
        ) => "bureau-import-inconsistent",
        ImportError::NoSuchKiosk(_) => "bureau-import-no_such_kiosk",
        ImportError::AmbiguousKiosk(_) => "bureau-import-ambiguous_kiosk",
        ImportError::Bundle(_) | ImportError::Store(_) => "bureau-import-bureau_failed",
    })
}

/// The message `id` for an operator: a line in Chinese, then one in English.
fn both_lines(id: &str, args: &[(&str, Arg<'_>)]) -> String {
    format!("{}\n{}", text(Lang::Zh, id, args), text(Lang::En, id, args))
}
