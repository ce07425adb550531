//! Sync drain benchmark (issue 5): the app's sync engine delivers 100 petitions with a 5 MB
//! attachment each to the real `petition-bureau` binary on loopback, and `curl -T` sends the same
//! number of bytes (one PATCH per file, one connection) to the same server, side by side.
//!
//! Run it where the OS keyring works (the engine reads its token from there), e.g. under
//! `dbus-run-session` with an unlocked gnome-keyring (as scripts/test does), as
//! `cargo bench -p petition-bureau --bench sync_drain`. `BENCH_PETITIONS` and `BENCH_MB` change
//! the load, `BENCH_ROUNDS` the number of rounds (2), `BENCH_CHUNK_KIB` the upload chunk size
//! (the engine's default otherwise).
//!
//! curl's files differ from the app's by one byte each: the bureau keeps identical content once
//! and would complete those uploads without a byte sent. curl's time is its transfer alone; the
//! app's includes everything it does (reachability check, announcing each upload, submitting,
//! storing each receipt durably, pulling status).

use std::io::Write;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use anyhow::Context;
use petition_api::CreateUpload;
use petition_core::Store;
use petition_core::attachment::{self, Incoming, Source};
use petition_core::model::Field;
use petition_core::sync::{Engine, EngineConfig, Secret, secret};
use rand::Rng;

const BIN: &str = env!("CARGO_BIN_EXE_petition-bureau");

fn env_or(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(default)
}

#[derive(Debug)]
struct Server(Child);

impl Drop for Server {
    fn drop(&mut self) {
        let _ = Command::new("kill")
            .args(["-TERM", &self.0.id().to_string()])
            .status();
        let _ = self.0.wait();
    }
}

fn values(n: usize) -> Vec<(Field, String)> {
    [
        (Field::Name, "王丽".to_owned()),
        (Field::IdNumber, "11010519491231002X".to_owned()),
        (Field::Phone, "13912345678".to_owned()),
        (Field::Address, "西安市雁塔区小寨东路 1 号".to_owned()),
        (Field::Region, "610113".to_owned()),
        (Field::Category, "城乡建设".to_owned()),
        (Field::Purpose, "complaint".to_owned()),
        (Field::Title, format!("道路破损 {n}")),
        (Field::Request, "请尽快修复道路。".to_owned()),
        (Field::Facts, "道路破损已三个月。".to_owned()),
    ]
    .into()
}

fn pdf(len: usize) -> Vec<u8> {
    let mut bytes = b"%PDF-1.4\n".to_vec();
    let mut body = vec![0u8; len - 16];
    rand::rng().fill(&mut body[..]);
    bytes.extend_from_slice(&body);
    bytes.extend_from_slice(b"\n%%EOF\n");
    bytes
}

fn mb_per_s(bytes: u64, d: Duration) -> f64 {
    bytes as f64 / 1e6 / d.as_secs_f64()
}

fn main() -> anyhow::Result<()> {
    let petitions = env_or("BENCH_PETITIONS", 100);
    let size = env_or("BENCH_MB", 5) * 1_000_000;
    let rounds = env_or("BENCH_ROUNDS", 2);
    // `BENCH_CHUNK_KIB`: another upload chunk size than the engine's default, to compare.
    let chunk_override = std::env::var("BENCH_CHUNK_KIB")
        .ok()
        .and_then(|s| s.parse::<u64>().ok())
        .map(|kib| kib * 1024);
    let runtime = tokio::runtime::Runtime::new()?;
    let work = tempfile::tempdir()?;
    let bureau_dir = work.path().join("bureau");

    let token = Command::new(BIN)
        .arg("--data-dir")
        .arg(&bureau_dir)
        .args(["token", "create", "--kind", "citizen", "--name", "bench"])
        .output()?;
    anyhow::ensure!(token.status.success(), "token create failed");
    let token = String::from_utf8(token.stdout)?.trim().to_owned();
    let port = std::net::TcpListener::bind("127.0.0.1:0")?
        .local_addr()?
        .port();
    let base = format!("http://127.0.0.1:{port}");
    let _server = Server(
        Command::new(BIN)
            .arg("--data-dir")
            .arg(&bureau_dir)
            .args(["serve", "--listen", &format!("127.0.0.1:{port}")])
            .args(["--rate-limit", "100000"])
            .env("RUST_LOG", "warn")
            .stdin(Stdio::null())
            .spawn()?,
    );
    let http = reqwest::Client::new();
    runtime.block_on(async {
        for _ in 0..100 {
            if http.get(format!("{base}/v1/health")).send().await.is_ok() {
                return;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    });

    println!("| round | app (sync engine) MB/s | app s | curl -T MB/s | curl s | app ÷ curl |");
    println!("| --- | --- | --- | --- | --- | --- |");
    for round in 1..=rounds {
        let app_dir = work.path().join(format!("app-{round}"));
        let curl_dir = work.path().join(format!("curl-{round}"));
        std::fs::create_dir_all(&curl_dir)?;

        // The app's side: petitions queued with their attachments, signed in.
        let (store, total) = runtime.block_on(async {
            let store = Store::unlock(&app_dir, None).await?;
            let mut total = 0u64;
            for n in 0..petitions {
                let p = store.drafts().create(&values(n)).await?;
                let bytes = pdf(size);
                total += bytes.len() as u64;
                // curl's copy: the same size, one byte different.
                let mut other = bytes.clone();
                other[20] ^= 0xff;
                std::fs::write(curl_dir.join(format!("{n}.pdf")), &other)?;
                let files = vec![Incoming {
                    name: format!("{n}.pdf"),
                    source: Source::Bytes(bytes),
                }];
                for r in store
                    .attachments()
                    .attach(&p.id, files, &attachment::Limits::default(), |_| {})
                    .await?
                {
                    r?;
                }
                store.outbox().submit(&p.id).await?;
            }
            store.sign_in(&base, Secret::new(token.clone())?).await?;
            anyhow::Ok((store, total))
        })?;

        let mut config = EngineConfig::default();
        if let Some(chunk) = chunk_override {
            config.chunk_bytes = chunk;
            config.adaptive_chunks = false;
        }
        let engine = Engine::new(store.clone(), config);
        let started = Instant::now();
        let summary = runtime.block_on(engine.run_once())?;
        let app_time = started.elapsed();
        anyhow::ensure!(summary.delivered == petitions, "not all delivered");

        // curl's side: the uploads announced first (untimed), then one curl sends every file.
        let mut config = format!(
            "request = \"PATCH\"\nheader = \"Content-Type: application/offset+octet-stream\"\n\
             header = \"Upload-Offset: 0\"\nheader = \"Tus-Resumable: 1.0.0\"\n\
             header = \"Authorization: Bearer {token}\"\nsilent\nshow-error\nfail\n\
             output = \"/dev/null\"\n"
        );
        runtime.block_on(async {
            for n in 0..petitions {
                let path = curl_dir.join(format!("{n}.pdf"));
                let bytes = std::fs::read(&path)?;
                let upload: petition_api::Upload = http
                    .post(format!("{base}/v1/uploads"))
                    .bearer_auth(&token)
                    .json(&CreateUpload {
                        length: bytes.len() as u64,
                        media_type: "application/pdf".into(),
                        sha256: attachment::sha256_hex(&bytes),
                    })
                    .send()
                    .await?
                    .error_for_status()?
                    .json()
                    .await?;
                config.push_str(&format!(
                    "url = \"{base}/v1/uploads/{}\"\nupload-file = \"{}\"\n",
                    upload.id,
                    path.display()
                ));
            }
            anyhow::Ok(())
        })?;
        let config_path = curl_dir.join("curl.conf");
        std::fs::File::create(&config_path)?.write_all(config.as_bytes())?;
        let started = Instant::now();
        let status = Command::new("curl")
            .arg("--config")
            .arg(&config_path)
            .status()
            .context("run curl")?;
        let curl_time = started.elapsed();
        anyhow::ensure!(status.success(), "curl failed");

        let app = mb_per_s(total, app_time);
        let curl = mb_per_s(total, curl_time);
        println!(
            "| {round} | {app:.0} | {:.2} | {curl:.0} | {:.2} | {:.2} |",
            app_time.as_secs_f64(),
            curl_time.as_secs_f64(),
            app / curl
        );
        runtime.block_on(store.close());
        let _ = secret::forget_token(&app_dir);
        std::fs::remove_dir_all(&curl_dir)?;
        std::fs::remove_dir_all(&app_dir)?;
    }
    println!(
        "\n{petitions} petitions × {:.0} MB, engine upload requests: {}",
        size as f64 / 1e6,
        chunk_override.map_or("sized to the line (default)".to_owned(), |c| format!(
            "{} KiB each",
            c / 1024
        ))
    );
    Ok(())
}
