//! `petitionctl login | submit | outbox | withdraw | sync | status`: the sync engine of the core,
//! driven from a terminal or a script.

use std::process::ExitCode;
use std::time::Duration;

use clap::Args;
use petition_core::Store;
use petition_core::i18n::Lang;
use petition_core::sync::plan::Backoff;
use petition_core::sync::{Engine, EngineConfig, ItemState, OutboxItem, SyncEvent};

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
    let kept = match petition_core::keys::key_mode(store.dir())? {
        Some(petition_core::keys::KeyMode::Passphrase) => lang.pick(
            "已登录，令牌加密保存在本机数据中：",
            "Signed in; the token is kept encrypted in this machine's data:",
        ),
        _ => lang.pick(
            "已登录，令牌保存在这台电脑的系统密码库中：",
            "Signed in; the token is in the OS keyring:",
        ),
    };
    println!("{kept} {url}");
    if !signed_in.checked {
        eprintln!(
            "{}",
            lang.pick(
                "注意：信访局暂时无法连接，没能核对令牌。登录信息已保存，联网后自动发送。",
                "Note: the bureau cannot be reached now, so the token could not be checked. The sign-in is kept; the outbox goes out by itself once online."
            )
        );
    }
    Ok(ExitCode::SUCCESS)
}

pub async fn submit(store: &Store, id: &str, lang: Lang) -> anyhow::Result<ExitCode> {
    let item = store.outbox().submit(id).await?;
    println!(
        "{}\t{}",
        item.id,
        lang.pick(
            "已加入待发送列表，联网后自动发送。",
            "Queued; it goes out by itself when the bureau is reachable."
        )
    );
    Ok(ExitCode::SUCCESS)
}

pub async fn withdraw(store: &Store, id: &str, lang: Lang) -> anyhow::Result<ExitCode> {
    store.outbox().withdraw(id).await?;
    println!(
        "{}\t{}",
        id,
        lang.pick("已撤回为草稿。", "Withdrawn; it is a draft again.")
    );
    Ok(ExitCode::SUCCESS)
}

fn state_word(state: ItemState, lang: Lang) -> &'static str {
    match state {
        ItemState::WaitingForNetwork => lang.pick("等待网络", "waiting for network"),
        ItemState::CannotConnect => lang.pick("无法连接信访局", "cannot connect to the bureau"),
        ItemState::Uploading => lang.pick("上传中", "uploading"),
        ItemState::Submitting => lang.pick("提交中", "submitting"),
        ItemState::Delivered => lang.pick("已送达", "delivered"),
        ItemState::NeedsAttention => lang.pick("需要处理", "needs attention"),
    }
}

fn item_line(item: &OutboxItem, lang: Lang) -> String {
    let mut line = format!(
        "{}  {}  {}/{} {}  {}/{} bytes",
        item.id,
        state_word(item.state, lang),
        item.files_sent,
        item.files_total,
        lang.pick("个附件", "files"),
        item.bytes_sent,
        item.bytes_total,
    );
    if let Some(code) = &item.tracking_code {
        line.push_str(&format!(
            "  {} {code}",
            lang.pick("查询码", "tracking code")
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
        "{}: {}",
        lang.pick("查询码", "tracking code"),
        status.tracking_code.as_deref().unwrap_or("-")
    );
    for e in &status.events {
        println!("{}  {}  {}", e.at, e.kind, e.text.as_deref().unwrap_or(""));
    }
    Ok(ExitCode::SUCCESS)
}

fn print_event(event: &SyncEvent, lang: Lang) {
    match event {
        SyncEvent::Item { item } => println!("{}", item_line(item, lang)),
        SyncEvent::Delivered { id, tracking_code } => {
            println!(
                "{id}  {}  {tracking_code}",
                lang.pick("已送达，查询码", "delivered, tracking code")
            );
        }
        SyncEvent::StatusChanged {
            id,
            tracking_code,
            state,
            ..
        } => println!(
            "{id}  {tracking_code}  {} {}",
            lang.pick("状态更新：", "status:"),
            state.key()
        ),
        SyncEvent::Reachability {
            reachable: false,
            error,
        } => println!(
            "{} {}",
            lang.pick("信访局暂不可达：", "bureau not reachable:"),
            error.as_ref().map_or("", |e| e.code.as_str())
        ),
        SyncEvent::Reachability { .. } | SyncEvent::Idle { .. } => {}
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
            "{}: {}, {}: {}, {}: {}",
            lang.pick("本次送达", "delivered"),
            summary.delivered,
            lang.pick("状态更新", "status changes"),
            summary.status_changes,
            lang.pick("需要处理", "need attention"),
            attention
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
