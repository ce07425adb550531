//! `petitionctl login | submit | outbox | withdraw | sync | status`: the sync engine of the core,
//! driven from a terminal or a script.

use std::process::ExitCode;
use std::time::Duration;

use clap::Args;
use petition_core::Store;
use petition_core::i18n::{Lang, text};
use petition_core::sync::plan::Backoff;
use petition_core::sync::{
    Engine, EngineConfig, ItemState, LookupState, OutboxItem, StepKind, StepState, SyncEvent,
};

/// The environment variable that may stand in for `login --bureau`.
pub const BUREAU_URL_ENV: &str = "PETITION_BUREAU_URL";

#[derive(Debug, Args)]
pub struct LoginArgs {
    /// The bureau's address (https://…; http:// only to this machine).
    #[arg(long, env = BUREAU_URL_ENV, value_name = "URL")]
    bureau: String,
    /// The token the bureau issued, or `-` to type it (or give it as a line on standard input)
    /// so it does not show in `ps`. It is kept in the OS keyring (in passphrase mode in the
    /// encrypted database), never in a file.
    #[arg(long, value_name = "TOKEN", env = crate::prompt::TOKEN_ENV, hide_env_values = true)]
    token: String,
}

#[derive(Debug, Args)]
pub struct SyncArgs {
    /// Exit when every queued petition is delivered (or needs attention) and status is pulled.
    #[arg(long)]
    once: bool,
    /// Bytes in every upload request (without it, requests are sized to the line's throughput).
    #[arg(long, env = "PETITION_SYNC_CHUNK_BYTES", hide = true)]
    chunk_bytes: Option<u64>,
    /// The longest wait between retries, in milliseconds.
    #[arg(long, env = "PETITION_SYNC_BACKOFF_CAP_MS", hide = true)]
    backoff_cap_ms: Option<u64>,
    /// The first wait's ceiling, in milliseconds (with the cap; a test of the network watch
    /// needs a retry far away).
    #[arg(long, env = "PETITION_SYNC_BACKOFF_BASE_MS", hide = true)]
    backoff_base_ms: Option<u64>,
}

pub async fn login(store: &Store, args: LoginArgs, lang: Lang) -> anyhow::Result<ExitCode> {
    let token = crate::prompt::token(args.token, lang)?;
    let signed_in = store.sign_in(&args.bureau, token).await?;
    let url = signed_in.bureau_url;
    let in_database = petition_core::keys::key_mode(store.dir())?
        == Some(petition_core::keys::KeyMode::Passphrase);
    println!(
        "{}",
        text(
            lang,
            if in_database {
                "cli-login-kept_encrypted"
            } else {
                "cli-login-kept_keyring"
            },
            &[("url", url.as_str().into())]
        )
    );
    if !signed_in.checked {
        eprintln!("{}", lang.text("cli-login-unchecked"));
    }
    Ok(ExitCode::SUCCESS)
}

pub async fn submit(store: &Store, id: &str, lang: Lang) -> anyhow::Result<ExitCode> {
    // The same matter still pending is told on stderr; a script's submission still goes.
    for earlier in store.outbox().similar_pending(id).await? {
        eprintln!(
            "{}",
            text(
                lang,
                "cli-submit-similar",
                &[
                    ("id", earlier.id.as_str().into()),
                    (
                        "code",
                        earlier.tracking_code.as_deref().unwrap_or("-").into()
                    ),
                    ("state", earlier.state.label(lang).into()),
                ]
            )
        );
    }
    let item = store.outbox().submit(id).await?;
    println!("{}\t{}", item.id, lang.text("cli-submit-queued"));
    Ok(ExitCode::SUCCESS)
}

pub async fn withdraw(store: &Store, id: &str, lang: Lang) -> anyhow::Result<ExitCode> {
    store.outbox().withdraw(id).await?;
    println!("{}\t{}", id, lang.text("cli-withdraw-done"));
    Ok(ExitCode::SUCCESS)
}

fn state_word(state: ItemState, lang: Lang) -> String {
    lang.text(match state {
        ItemState::WaitingForNetwork => "cli-state-waiting_for_network",
        ItemState::CannotConnect => "cli-state-cannot_connect",
        ItemState::Uploading => "cli-state-uploading",
        ItemState::Submitting => "cli-state-submitting",
        ItemState::Delivered => "cli-state-delivered",
        ItemState::NeedsAttention => "cli-state-needs_attention",
    })
}

/// 满意度评价, 申请复查 … in the terminal's language.
pub fn step_word(kind: StepKind, lang: Lang) -> String {
    lang.text(match kind {
        StepKind::Evaluation => "cli-step-evaluation",
        StepKind::Review => "cli-step-review",
        StepKind::Recheck => "cli-step-recheck",
        StepKind::Urge => "cli-step-urge",
    })
}

fn step_state_word(state: StepState, lang: Lang) -> String {
    lang.text(match state {
        StepState::Waiting => "cli-step-state-waiting",
        StepState::Sent => "cli-step-state-sent",
        StepState::Refused => "cli-step-state-refused",
    })
}

fn item_line(item: &OutboxItem, lang: Lang) -> String {
    let mut line = text(
        lang,
        "cli-item",
        &[
            ("id", item.id.as_str().into()),
            ("state", state_word(item.state, lang).into()),
            ("files_sent", item.files_sent.into()),
            ("files_total", item.files_total.into()),
            ("bytes_sent", item.bytes_sent.into()),
            ("bytes_total", item.bytes_total.into()),
        ],
    );
    if let Some(code) = &item.tracking_code {
        line.push_str("  ");
        line.push_str(&text(
            lang,
            "cli-item-tracking_code",
            &[("code", code.as_str().into())],
        ));
    }
    if let Some(e) = &item.error {
        line.push_str(&format!("  [{}] {}", e.code, e.message));
    }
    line
}

pub async fn outbox(store: &Store, json: bool, lang: Lang) -> anyhow::Result<ExitCode> {
    let items = store.outbox().list().await?;
    if json {
        crate::print_json(&items)?;
    } else {
        for item in &items {
            println!("{}", item_line(item, lang));
        }
    }
    Ok(ExitCode::SUCCESS)
}

pub async fn status(store: &Store, id: &str, json: bool, lang: Lang) -> anyhow::Result<ExitCode> {
    let status = store.outbox().petition_status(id).await?;
    if json {
        crate::print_json(&status)?;
        return Ok(ExitCode::SUCCESS);
    }
    println!("id: {}", status.id);
    println!("state: {}", status.state.key());
    println!(
        "{}",
        text(
            lang,
            "cli-status-tracking_code",
            &[(
                "code",
                status.tracking_code.as_deref().unwrap_or("-").into()
            )]
        )
    );
    for e in &status.events {
        println!("{}  {}  {}", e.at, e.kind, e.text.as_deref().unwrap_or(""));
    }
    for step in &status.steps {
        println!(
            "{}  {}  {}",
            step.queued_at,
            step_word(step.kind, lang),
            step_state_word(step.state, lang)
        );
    }
    Ok(ExitCode::SUCCESS)
}

fn print_event(event: &SyncEvent, lang: Lang) {
    match event {
        SyncEvent::Item { item } => println!("{}", item_line(item, lang)),
        SyncEvent::Delivered { id, tracking_code } => println!(
            "{}",
            text(
                lang,
                "cli-event-delivered",
                &[
                    ("id", id.as_str().into()),
                    ("code", tracking_code.as_str().into())
                ]
            )
        ),
        SyncEvent::StatusChanged {
            id,
            tracking_code,
            state,
            ..
        } => println!(
            "{}",
            text(
                lang,
                "cli-event-status",
                &[
                    ("id", id.as_str().into()),
                    ("code", tracking_code.as_str().into()),
                    ("state", state.key().into()),
                ]
            )
        ),
        SyncEvent::Reachability {
            reachable: false,
            error,
        } => println!(
            "{}",
            text(
                lang,
                "cli-event-unreachable",
                &[(
                    "code",
                    error.as_ref().map_or("", |e| e.code.as_str()).into()
                )]
            )
        ),
        SyncEvent::Returned { id, problem, .. } => println!(
            "{}",
            text(
                lang,
                "cli-event-returned",
                &[
                    ("id", id.as_str().into()),
                    (
                        "field",
                        petition_core::validate::field_label(problem.field, lang).into()
                    ),
                    ("problem", problem.code.message(lang).into()),
                ]
            )
        ),
        SyncEvent::Step { step } => {
            let mut line = text(
                lang,
                "cli-event-step",
                &[
                    ("id", step.petition_id.as_str().into()),
                    ("step", step_word(step.kind, lang).into()),
                    ("state", step_state_word(step.state, lang).into()),
                ],
            );
            if let Some(e) = &step.error {
                line.push_str(&format!(
                    "  [{}] {}",
                    e.code,
                    petition_core::i18n::one_language(&e.message, lang)
                ));
            }
            println!("{line}");
        }
        SyncEvent::Lookup { lookup } => {
            let args = [
                ("key", lookup.key.as_str().into()),
                ("code", lookup.tracking_code.as_str().into()),
            ];
            let mut line = match lookup.state {
                LookupState::Waiting => text(lang, "cli-lookup-waiting", &args),
                LookupState::Found => text(lang, "cli-lookup-found", &args),
                LookupState::Refused => text(lang, "cli-lookup-refused", &args),
            };
            if let Some(e) = lookup
                .error
                .as_ref()
                .filter(|_| lookup.state != LookupState::Found)
            {
                line.push_str(&format!(
                    "  [{}] {}",
                    e.code,
                    petition_core::i18n::one_language(&e.message, lang)
                ));
            }
            println!("{line}");
        }
        SyncEvent::Reachability { .. } | SyncEvent::Idle { .. } | SyncEvent::CatalogChanged => {}
    }
}

pub async fn sync(store: &Store, args: SyncArgs, lang: Lang) -> anyhow::Result<ExitCode> {
    let mut config = EngineConfig::default();
    if let Some(chunk) = args.chunk_bytes {
        // A size given by hand is kept for every request (tests cut uploads at known places).
        config.chunk_bytes = chunk.max(1);
        config.adaptive_chunks = false;
    }
    if let Some(cap) = args.backoff_cap_ms {
        let cap = Duration::from_millis(cap.max(1));
        let base = args.backoff_base_ms.map_or(50, |b| b.max(1));
        config.backoff = Backoff {
            base: Duration::from_millis(base).min(cap),
            cap,
            max_retry_after: cap.max(Duration::from_secs(5)),
        };
    }
    let engine = Engine::new(store.clone(), config);
    let mut events = engine.subscribe();
    let printer = tokio::spawn(async move {
        loop {
            match events.recv().await {
                Ok(event) => print_event(&event, lang),
                Err(tokio::sync::broadcast::error::RecvError::Lagged(_)) => {}
                Err(tokio::sync::broadcast::error::RecvError::Closed) => return,
            }
        }
    });
    let code = if args.once {
        let summary = engine.run_once().await?;
        let attention = store
            .outbox()
            .list()
            .await?
            .iter()
            .filter(|i| i.state == ItemState::NeedsAttention)
            .count();
        drop(engine);
        let _ = printer.await;
        println!(
            "{}",
            text(
                lang,
                "cli-sync-summary",
                &[
                    ("delivered", summary.delivered.into()),
                    ("changes", summary.status_changes.into()),
                    ("attention", attention.into()),
                ]
            )
        );
        if attention == 0 {
            ExitCode::SUCCESS
        } else {
            ExitCode::FAILURE
        }
    } else {
        engine.run(shutdown_signal()).await;
        ExitCode::SUCCESS
    };
    Ok(code)
}

/// Ctrl-C, or SIGTERM from a service manager.
async fn shutdown_signal() {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        match signal(SignalKind::terminate()) {
            Ok(mut term) => {
                tokio::select! {
                    _ = tokio::signal::ctrl_c() => {}
                    _ = term.recv() => {}
                }
            }
            Err(_) => {
                let _ = tokio::signal::ctrl_c().await;
            }
        }
    }
    #[cfg(not(unix))]
    {
        let _ = tokio::signal::ctrl_c().await;
    }
}
