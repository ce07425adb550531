//! `petitionctl`: the core without a window. Same data directory format as the app.
//!
//! Output meant for scripts is JSON (`--json`); everything a person reads is in the terminal's
//! language (Chinese unless `LANG` says English). Exit codes: 0 done, 1 the thing asked about is
//! not ready or failed, 2 the command line was wrong.

mod account;
mod attach;
mod catalog;
mod letter;
mod prompt;
mod steps;
mod sync;

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Args, Parser, Subcommand};
use petition_core::i18n::{Lang, text};
use petition_core::keys::{self, KeyMode};
use petition_core::model::Field;
use petition_core::paths::{DATA_DIR_ENV, resolve_data_dir};
use petition_core::sync::StepRequest;
use petition_core::{Error, Store, validate};

#[derive(Debug, Parser)]
#[command(
    name = "petitionctl",
    version,
    about = "Petition Desk without a window"
)]
struct Cli {
    /// The app's data directory (default: the OS's app-data directory for Petition Desk).
    #[arg(long, global = true, env = DATA_DIR_ENV, value_name = "DIR")]
    data_dir: Option<PathBuf>,
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Create, read, change and check drafts.
    #[command(subcommand)]
    Draft(DraftCommand),
    /// Find drafts containing every word of QUERY (Chinese substrings of two or more characters).
    Search {
        query: String,
        #[arg(long)]
        json: bool,
    },
    /// Check the database's integrity and migrations; exit 1 on a problem.
    Doctor {
        #[arg(long)]
        json: bool,
    },
    /// Add photos, scans or PDFs to a draft; one JSON line per file, exit 1 if any was refused.
    Attach(attach::AttachArgs),
    /// Work with a draft's attachments.
    #[command(subcommand)]
    Attachment(attach::AttachmentCommand),
    /// Check and normalise one file as `attach` would, without a data directory.
    Normalize(attach::NormalizeArgs),
    /// Sign in to the bureau; the token is kept in the OS keyring (in passphrase mode, in the
    /// encrypted database).
    Login(sync::LoginArgs),
    /// The citizen's own account at the bureau: sign up or in with a mobile number and the code
    /// texted to it.
    Account {
        #[command(flatten)]
        bureau: account::BureauArg,
        #[command(subcommand)]
        command: account::AccountCommand,
    },
    /// Submit a complete draft: it is frozen and queued for the bureau.
    Submit { id: String },
    /// List queued and delivered petitions with their progress.
    Outbox {
        #[arg(long)]
        json: bool,
    },
    /// Take a queued petition back to a draft (only before its submission is sent).
    Withdraw { id: String },
    /// Deliver the outbox and pull the bureau's answers, printing progress.
    Sync(sync::SyncArgs),
    /// Rate the bureau's latest decision on a delivered petition (its reply, then the 复查 and
    /// 复核 decisions), once each: 满意, 基本满意 or 不满意.
    Evaluate(steps::EvaluateArgs),
    /// Ask for a review (申请复查) of the reply, within 30 days of receiving it.
    Review(steps::ReasonArgs),
    /// Ask for a re-examination (申请复核) of the review's decision, within 30 days of it.
    Recheck(steps::ReasonArgs),
    /// Urge the bureau (催办) once one of its deadlines has passed; at most once a day.
    Urge { id: String },
    /// Follow a petition made elsewhere (by letter, by phone, at a kiosk, on another machine) by
    /// its 查询码 and the petitioner's mobile number; prints its new local id. Needs a citizen's
    /// account signed in. When the bureau cannot be reached the pair is kept and asked with the
    /// next `sync`; the id printed then stands for the petition once the bureau has found it.
    Track {
        tracking_code: String,
        #[arg(long, value_name = "PHONE")]
        phone: String,
    },
    /// Where a petition stands: state, tracking code, the bureau's events.
    Status {
        id: String,
        #[arg(long)]
        json: bool,
    },
    /// Purge now the attachment files of petitions whose receipt is older than the retention
    /// period (the text stays); prints what went as JSON.
    Purge {
        /// Use this many days instead of the configured retention period, for this run only.
        #[arg(long, value_name = "DAYS", value_parser = clap::value_parser!(u32).range(0..=3650))]
        retention_days: Option<u32>,
    },
    /// Print a draft as a formal letter to the petition bureau: an A4 PDF in Chinese, for
    /// posting (来信) or keeping on paper.
    Letter(letter::LetterArgs),
    /// Show or change a setting of the data directory.
    #[command(subcommand)]
    Config(ConfigCommand),
    /// How the data directory's key is kept (OS keyring or administrator passphrase).
    #[command(subcommand)]
    Key(KeyCommand),
    /// Set up and run a shared kiosk machine (community centres).
    #[command(subcommand)]
    Kiosk(KioskCommand),
    /// The places, agencies and categories the form offers (the shipped national list of places
    /// and the bureau's catalogue, kept offline).
    #[command(subcommand)]
    Catalog(catalog::CatalogCommand),
}

#[derive(Debug, Subcommand)]
enum KioskCommand {
    /// Set this data directory up as a kiosk: sign in to the bureau with the kiosk's token,
    /// record the administrator PIN (asked twice: from the terminal, or as two lines on standard
    /// input) as an Argon2id hash, and the folders citizens may take attachments from. A plain
    /// start of the app then enters kiosk mode.
    Setup {
        /// The bureau's address (https://…; http:// only to this machine).
        #[arg(long, value_name = "URL")]
        bureau: String,
        /// The kiosk token the bureau issued, or `-` to type it (or give it as the first line
        /// on standard input, before the PIN) so it does not show in `ps`. Kept in the OS
        /// keyring (in passphrase mode in the encrypted database).
        #[arg(long, value_name = "KIOSK_TOKEN", env = prompt::TOKEN_ENV, hide_env_values = true)]
        token: String,
        /// Ask for the administrator PIN (4–12 digits).
        #[arg(long, required = true)]
        pin: bool,
        /// A folder citizens may attach files from, as LABEL=PATH (a scanner's output folder, a
        /// USB drive's mount point); repeat for several.
        #[arg(long = "folder", value_name = "LABEL=PATH")]
        folders: Vec<String>,
        /// Seconds without activity before a citizen's session ends (default 180).
        #[arg(long, value_name = "SECONDS", value_parser = clap::value_parser!(u32).range(30..=3600))]
        idle_seconds: Option<u32>,
        /// The bureau's public key for sealed exports (age1…), when the bureau cannot be reached
        /// now; otherwise it is read from the bureau's catalogue.
        #[arg(long, value_name = "AGE_RECIPIENT")]
        bureau_key: Option<String>,
        /// The printer receipts go to, as CUPS names it (`lpstat -p`); without it, the OS's
        /// default printer. Linux only: Windows prints to the default printer, and macOS kiosks
        /// do not print yet. The kiosk prints without a dialog.
        #[arg(long, value_name = "NAME")]
        printer: Option<String>,
    },
    /// Set a new administrator PIN (a forgotten one), asked twice like at set-up; lifts a
    /// lock-out. Whoever can open this machine's data (its keyring, or the passphrase) may.
    ResetPin {
        #[arg(long, required = true)]
        pin: bool,
    },
    /// Seal every petition the bureau has not confirmed yet into OUT_FILE, encrypted to the
    /// bureau's public key, for `petition-bureau import`. Prints how many petitions.
    ExportOutbox {
        out_file: PathBuf,
        #[arg(long)]
        json: bool,
    },
}

#[derive(Debug, Subcommand)]
enum ConfigCommand {
    /// Print a setting's value (`attachment_retention_days`).
    Get { key: ConfigKey },
    /// Change a setting (`attachment_retention_days`: 0–3650 days after the receipt).
    Set { key: ConfigKey, value: String },
}

#[derive(Debug, Clone, Copy, clap::ValueEnum)]
enum ConfigKey {
    #[value(name = "attachment_retention_days")]
    AttachmentRetentionDays,
}

#[derive(Debug, Subcommand)]
enum KeyCommand {
    /// Set up a new, empty data directory whose key is derived from an administrator passphrase
    /// (Argon2id) instead of being kept in the OS keyring: for machines without a keyring. The
    /// passphrase is asked twice (terminal, or two lines on standard input).
    Init {
        #[arg(long, required = true)]
        passphrase: bool,
    },
    /// Print how the key is kept: {"mode": "keyring" | "passphrase" | null}.
    Status,
    /// Change the administrator passphrase (passphrase mode): the current one from
    /// PETITION_PASSPHRASE or asked for, then the new one twice (terminal, or lines on standard
    /// input). The data is not rewritten; a forgotten passphrase cannot be changed.
    ChangePassphrase,
}

#[derive(Debug, Subcommand)]
enum DraftCommand {
    /// Create a draft and print its id.
    New {
        #[arg(long)]
        title: Option<String>,
        #[command(flatten)]
        set: SetArgs,
    },
    /// List drafts (not those in the trash), newest first.
    List {
        #[arg(long)]
        json: bool,
        /// List the trash instead.
        #[arg(long)]
        trash: bool,
    },
    /// Show one draft.
    Show {
        id: String,
        #[arg(long)]
        json: bool,
    },
    /// Change fields of a draft.
    Set {
        id: String,
        #[command(flatten)]
        set: SetArgs,
    },
    /// List every problem that would stop submission; exit 1 when there is one.
    Check {
        id: String,
        #[arg(long)]
        json: bool,
    },
    /// Move a draft to the trash.
    Trash { id: String },
    /// Take a draft out of the trash.
    Restore { id: String },
    /// Copy a draft and print the copy's id.
    Duplicate { id: String },
}

#[derive(Debug, Args)]
struct SetArgs {
    /// FIELD=VALUE; fields: name id_number phone address email region agency category purpose
    /// title request facts reasons. purpose is suggestion, accusation or claim (the 2005 names
    /// complaint and report are taken as claim and accusation).
    #[arg(long = "set", value_name = "FIELD=VALUE", value_parser = parse_assignment)]
    values: Vec<(Field, String)>,
}

fn parse_assignment(s: &str) -> Result<(Field, String), String> {
    // Clap asks before `main` knows the language.
    let lang = Lang::from_env();
    let (key, value) = s.split_once('=').ok_or_else(|| {
        text(
            lang,
            "cli-set-expected_assignment",
            &[("key", s.split('=').next().unwrap_or(s).into())],
        )
    })?;
    let field: Field = key.parse().map_err(|_| {
        let fields = Field::ALL.map(Field::key).join(" ");
        text(
            lang,
            "cli-set-unknown_field",
            &[("key", key.into()), ("fields", fields.into())],
        )
    })?;
    Ok((field, value.to_owned()))
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let lang = Lang::from_env();
    let _log = petition_core::logging::init("petitionctl", "warn");
    let runtime = match tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!(
                "{}",
                text(lang, "cli-cannot_start", &[("error", e.to_string().into())])
            );
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(run(cli, lang)) {
        Ok(code) => code,
        Err(e) => {
            match e.downcast_ref::<Error>() {
                Some(core) => eprintln!("petitionctl: {} [{}]", core.message(lang), core.code()),
                None => eprintln!("petitionctl: {e:#}"),
            }
            ExitCode::FAILURE
        }
    }
}

fn data_dir(data_dir: Option<PathBuf>, lang: Lang) -> anyhow::Result<PathBuf> {
    resolve_data_dir(data_dir).ok_or_else(|| anyhow::anyhow!("{}", lang.text("cli-no_data_dir")))
}

async fn open(data_dir: Option<PathBuf>, lang: Lang) -> anyhow::Result<Store> {
    let dir = self::data_dir(data_dir, lang)?;
    let passphrase = match keys::key_mode(&dir)? {
        Some(KeyMode::Passphrase) => prompt::passphrase_for_unlock(lang)?,
        _ => None,
    };
    Ok(Store::unlock(&dir, passphrase).await?)
}

async fn resolve(store: &Store, id: &str) -> anyhow::Result<String> {
    Ok(store.drafts().resolve_id(id).await?)
}

fn print_json(value: &impl serde::Serialize) -> anyhow::Result<()> {
    use std::io::Write;
    let text = serde_json::to_string_pretty(value)?;
    match writeln!(std::io::stdout().lock(), "{text}") {
        // The reader went away (`| head`): not an error of ours.
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
        other => Ok(other?),
    }
}

async fn run(cli: Cli, lang: Lang) -> anyhow::Result<ExitCode> {
    if let Command::Normalize(args) = &cli.command {
        // Files alone: no data directory is opened.
        return attach::normalize(args, lang);
    }
    if let Command::Key(cmd) = &cli.command {
        // Before any store is opened: `init` must find the directory empty.
        return key(cli.data_dir, cmd, lang).await;
    }
    let store = open(cli.data_dir, lang).await?;
    let done = command(&store, cli.command, lang).await;
    // Closed on every path, a refusal too: a process that ends while its connections are still
    // closing (and checkpointing) can leave the next one a write-ahead index that no longer
    // matches the files (Windows releases a dead process's locks only later).
    store.close().await;
    done
}

async fn command(store: &Store, command: Command, lang: Lang) -> anyhow::Result<ExitCode> {
    let code = match command {
        Command::Draft(cmd) => draft(store, cmd, lang).await?,
        Command::Attach(args) => attach::attach(store, args, lang).await?,
        Command::Attachment(cmd) => attach::attachment(store, cmd).await?,
        Command::Normalize(args) => attach::normalize(&args, lang)?,
        Command::Login(args) => sync::login(store, args, lang).await?,
        Command::Account { bureau, command } => {
            account::account(store, bureau, command, lang).await?
        }
        Command::Submit { id } => sync::submit(store, &resolve(store, &id).await?, lang).await?,
        Command::Outbox { json } => sync::outbox(store, json, lang).await?,
        Command::Withdraw { id } => {
            sync::withdraw(store, &resolve(store, &id).await?, lang).await?
        }
        Command::Sync(args) => sync::sync(store, args, lang).await?,
        Command::Evaluate(args) => {
            let id = resolve(store, &args.id).await?;
            steps::take(store, &id, args.request(), lang).await?
        }
        Command::Review(args) => {
            let id = resolve(store, &args.id).await?;
            let request = StepRequest::Review {
                reason: args.reason,
            };
            steps::take(store, &id, request, lang).await?
        }
        Command::Recheck(args) => {
            let id = resolve(store, &args.id).await?;
            let request = StepRequest::Recheck {
                reason: args.reason,
            };
            steps::take(store, &id, request, lang).await?
        }
        Command::Urge { id } => {
            steps::take(store, &resolve(store, &id).await?, StepRequest::Urge, lang).await?
        }
        Command::Track {
            tracking_code,
            phone,
        } => {
            let tracked = store.track(&tracking_code, &phone).await?;
            println!("{}", tracked.id);
            if tracked.waiting {
                eprintln!("{}", lang.text("cli-track-queued"));
            }
            ExitCode::SUCCESS
        }
        Command::Status { id, json } => {
            sync::status(store, &resolve(store, &id).await?, json, lang).await?
        }
        Command::Key(_) => unreachable!("handled before the store is opened"),
        Command::Purge { retention_days } => {
            let days = match retention_days {
                Some(days) => days,
                None => store.settings().retention_days().await?,
            };
            print_json(&store.attachments().purge(days).await?)?;
            ExitCode::SUCCESS
        }
        Command::Letter(args) => letter::letter(store, args).await?,
        Command::Config(cmd) => config(store, cmd, lang).await?,
        Command::Kiosk(cmd) => kiosk(store, cmd, lang).await?,
        Command::Catalog(cmd) => catalog::run(store, cmd).await?,
        Command::Search { query, json } => {
            let hits = store.drafts().search(&query).await?;
            if json {
                print_json(&hits)?;
            } else {
                for h in hits {
                    println!("{}  {}  {}", h.id, h.updated_at, h.title);
                }
            }
            ExitCode::SUCCESS
        }
        Command::Doctor { json } => {
            let report = store.doctor().await?;
            if json {
                print_json(&report)?;
            } else {
                let yes_no = |b: bool| if b { "yes" } else { "no" };
                println!(
                    "{}",
                    text(
                        lang,
                        "cli-doctor-integrity",
                        &[("result", report.integrity.join("; ").into())]
                    )
                );
                println!(
                    "{}",
                    text(
                        lang,
                        "cli-doctor-search_index",
                        &[("ok", yes_no(report.search_index_ok).into())]
                    )
                );
                for m in &report.migrations {
                    println!(
                        "{}",
                        text(
                            lang,
                            "cli-doctor-migration",
                            &[
                                ("version", format!("{:04}", m.version).into()),
                                ("description", m.description.as_str().into()),
                                ("applied", yes_no(m.applied).into()),
                            ]
                        )
                    );
                }
                for v in &report.unknown_migrations {
                    println!(
                        "{}",
                        text(
                            lang,
                            "cli-doctor-unknown_migration",
                            &[("version", format!("{v:04}").into())]
                        )
                    );
                }
                println!(
                    "{}",
                    text(
                        lang,
                        "cli-doctor-counts",
                        &[
                            ("drafts", report.drafts.into()),
                            ("trashed", report.trashed.into()),
                        ]
                    )
                );
            }
            if report.ok() {
                ExitCode::SUCCESS
            } else {
                ExitCode::FAILURE
            }
        }
    };
    Ok(code)
}

async fn draft(store: &Store, cmd: DraftCommand, lang: Lang) -> anyhow::Result<ExitCode> {
    match cmd {
        DraftCommand::New { title, set } => {
            let mut values = set.values;
            if let Some(title) = title {
                values.retain(|(f, _)| *f != Field::Title);
                values.push((Field::Title, title));
            }
            let p = store.drafts().create(&values).await?;
            println!("{}", p.id);
        }
        DraftCommand::List { json, trash } => {
            let list = if trash {
                store.drafts().list_trash().await?
            } else {
                store.drafts().list().await?
            };
            if json {
                print_json(&list)?;
            } else {
                for d in list {
                    println!("{}  {}  {}", d.id, d.updated_at, d.title);
                }
            }
        }
        DraftCommand::Show { id, json } => {
            let p = store.drafts().get(&resolve(store, &id).await?).await?;
            if json {
                print_json(&p)?;
            } else {
                println!("id: {}", p.id);
                println!("state: {}", p.state.key());
                println!("created_at: {}", p.created_at);
                println!("updated_at: {}", p.updated_at);
                for field in Field::ALL {
                    println!(
                        "{} ({}): {}",
                        validate::field_label(field, lang),
                        field.key(),
                        p.get(field)
                    );
                }
            }
        }
        DraftCommand::Set { id, set } => {
            let id = resolve(store, &id).await?;
            for (field, value) in set.values {
                store.drafts().update_field(&id, field, &value).await?;
            }
        }
        DraftCommand::Check { id, json } => {
            let problems = store.drafts().check(&resolve(store, &id).await?).await?;
            if json {
                let out: Vec<_> = problems
                    .iter()
                    .map(|pr| {
                        serde_json::json!({
                            "field": pr.field.key(),
                            "code": pr.code.code(),
                            "message": pr.code.message(lang),
                        })
                    })
                    .collect();
                print_json(&out)?;
            } else if problems.is_empty() {
                println!("{}", lang.text("cli-check-ready"));
            } else {
                for pr in &problems {
                    println!(
                        "{} ({}): {} [{}]",
                        validate::field_label(pr.field, lang),
                        pr.field.key(),
                        pr.code.message(lang),
                        pr.code.code()
                    );
                }
            }
            if !problems.is_empty() {
                return Ok(ExitCode::FAILURE);
            }
        }
        DraftCommand::Trash { id } => store.drafts().trash(&resolve(store, &id).await?).await?,
        DraftCommand::Restore { id } => store.drafts().restore(&resolve(store, &id).await?).await?,
        DraftCommand::Duplicate { id } => {
            let copy = store
                .drafts()
                .duplicate(&resolve(store, &id).await?)
                .await?;
            println!("{}", copy.id);
        }
    }
    Ok(ExitCode::SUCCESS)
}

async fn key(data_dir: Option<PathBuf>, cmd: &KeyCommand, lang: Lang) -> anyhow::Result<ExitCode> {
    let dir = self::data_dir(data_dir, lang)?;
    match cmd {
        KeyCommand::Init { .. } => {
            let passphrase = prompt::read_new_secret(&lang.text("cli-secret-passphrase"), lang)?;
            keys::init_passphrase(&dir, &passphrase)?;
            print_json(&serde_json::json!({ "mode": KeyMode::Passphrase }))?;
        }
        KeyCommand::Status => {
            print_json(&serde_json::json!({ "mode": keys::key_mode(&dir)? }))?;
        }
        KeyCommand::ChangePassphrase => {
            if keys::key_mode(&dir)? != Some(KeyMode::Passphrase) {
                return Err(Error::Key(petition_core::error::KeyProblem::NotPassphraseMode).into());
            }
            let old = prompt::passphrase_for_unlock(lang)?
                .ok_or_else(|| anyhow::anyhow!("{}", lang.text("cli-key-no_current_passphrase")))?;
            let new = prompt::read_new_secret(&lang.text("cli-secret-new_passphrase"), lang)?;
            Store::change_passphrase(&dir, old, new).await?;
            print_json(&serde_json::json!({ "mode": KeyMode::Passphrase, "changed": true }))?;
        }
    }
    Ok(ExitCode::SUCCESS)
}

async fn config(store: &Store, cmd: ConfigCommand, lang: Lang) -> anyhow::Result<ExitCode> {
    use petition_core::retention::MAX_RETENTION_DAYS;
    match cmd {
        ConfigCommand::Get {
            key: ConfigKey::AttachmentRetentionDays,
        } => println!("{}", store.settings().retention_days().await?),
        ConfigCommand::Set {
            key: ConfigKey::AttachmentRetentionDays,
            value,
        } => {
            let days = value
                .trim()
                .parse::<u32>()
                .ok()
                .filter(|d| *d <= MAX_RETENTION_DAYS)
                .ok_or_else(|| {
                    anyhow::anyhow!(
                        "{}",
                        text(
                            lang,
                            "cli-config-retention_invalid",
                            &[("max", MAX_RETENTION_DAYS.into())]
                        )
                    )
                })?;
            store.settings().set_retention_days(days).await?;
        }
    }
    Ok(ExitCode::SUCCESS)
}

async fn kiosk(store: &Store, cmd: KioskCommand, lang: Lang) -> anyhow::Result<ExitCode> {
    use petition_core::kiosk::{KioskFolder, KioskSetup};
    match cmd {
        KioskCommand::Setup {
            bureau,
            token,
            pin: _,
            folders,
            idle_seconds,
            bureau_key,
            printer,
        } => {
            let folders = folders
                .iter()
                .map(|f| {
                    let (label, path) = f.split_once('=').ok_or_else(|| {
                        anyhow::anyhow!("{}", lang.text("cli-kiosk-folder_syntax"))
                    })?;
                    Ok(KioskFolder {
                        label: label.trim().to_owned(),
                        path: PathBuf::from(path),
                    })
                })
                .collect::<anyhow::Result<Vec<_>>>()?;
            let token = prompt::token(token, lang)?;
            let pin = prompt::read_new_secret(&lang.text("cli-secret-pin"), lang)?;
            let report = store
                .kiosk()
                .setup(KioskSetup {
                    bureau_url: bureau,
                    token,
                    pin,
                    folders,
                    idle_seconds,
                    recipient: bureau_key,
                    printer: printer.clone(),
                })
                .await?;
            let recipient = report.recipient;
            print_json(&serde_json::json!({
                "kiosk": true,
                "bureau_key": recipient,
                "bureau_reached": report.bureau_reached,
                // As recorded: trimmed, and none (the default printer) when blank.
                "printer": printer.as_deref().map(str::trim).filter(|p| !p.is_empty()),
            }))?;
            if recipient.is_none() {
                eprintln!("{}", lang.text("cli-kiosk-no_bureau_key"));
            }
        }
        KioskCommand::ResetPin { pin: _ } => {
            let pin = prompt::read_new_secret(&lang.text("cli-secret-new_pin"), lang)?;
            store.kiosk().reset_pin(pin).await?;
            print_json(&serde_json::json!({ "kiosk": true, "pin_reset": true }))?;
        }
        KioskCommand::ExportOutbox { out_file, json } => {
            let report = store.kiosk().export_outbox(&out_file).await?;
            if json {
                print_json(&report)?;
            } else {
                println!("{}", report.petitions);
                eprintln!(
                    "{}",
                    text(
                        lang,
                        "cli-kiosk-exported",
                        &[
                            ("n", report.petitions.into()),
                            ("file", report.file.display().to_string().into()),
                        ]
                    )
                );
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}
