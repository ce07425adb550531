//! Intake benchmark (issue 4): petitions with one 1 MB attachment per second, sent by 8
//! concurrent clients to the real `petition-bureau` binary, on SQLite and (when
//! `PETITION_TEST_POSTGRES_URL` is set) on PostgreSQL, there with one replica and with two
//! (issue 21, point 7: two processes on one database and data directory, the clients divided
//! between them); and the servers' resident memory (summed over the replicas).
//!
//! `cargo bench -p petition-bureau --bench intake` (`BENCH_SECONDS` sets the duration, 20 s).

use std::net::TcpListener;
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant};

use petition_api::headers::{IDEMPOTENCY_KEY, OFFSET_OCTET_STREAM, UPLOAD_OFFSET};
use petition_api::{AttachmentRef, SubmitPetition, Upload};
use sha2::{Digest, Sha256};

const CLIENTS: usize = 8;
const ATTACHMENT: usize = 1024 * 1024;
const BIN: &str = env!("CARGO_BIN_EXE_petition-bureau");

fn main() -> anyhow::Result<()> {
    let seconds: u64 = std::env::var("BENCH_SECONDS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(20);
    let runtime = tokio::runtime::Runtime::new()?;
    let mut backends = vec![("SQLite", None, 1)];
    match std::env::var("PETITION_TEST_POSTGRES_URL") {
        Ok(url) if !url.is_empty() => {
            backends.push(("PostgreSQL", Some(url.clone()), 1));
            backends.push(("PostgreSQL, two replicas", Some(url), 2));
        }
        _ => eprintln!(
            "PostgreSQL skipped: PETITION_TEST_POSTGRES_URL is unset (see .ci/start-postgres)"
        ),
    }
    println!(
        "| store | petitions/s | MB/s | p50 ms | p95 ms | server RSS idle | server RSS peak |"
    );
    println!("| --- | --- | --- | --- | --- | --- | --- |");
    for (name, url, replicas) in backends {
        let row = runtime.block_on(run(url, replicas, Duration::from_secs(seconds)))?;
        println!("| {name} | {row} |");
    }
    Ok(())
}

fn bureau(dir: &std::path::Path, url: &Option<String>, args: &[&str]) -> Command {
    let mut cmd = Command::new(BIN);
    cmd.arg("--data-dir").arg(dir);
    if let Some(url) = url {
        cmd.arg("--database-url").arg(url);
    }
    cmd.args(args).env("RUST_LOG", "warn");
    cmd
}

struct Server(Child);

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn rss_kib(pid: u32) -> u64 {
    std::fs::read_to_string(format!("/proc/{pid}/status"))
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmRSS:"))
                .and_then(|l| l.split_whitespace().nth(1))
                .and_then(|v| v.parse().ok())
        })
        .unwrap_or(0)
}

async fn run(url: Option<String>, replicas: usize, duration: Duration) -> anyhow::Result<String> {
    let dir = tempfile::tempdir()?;
    let mut tokens = Vec::new();
    for i in 0..CLIENTS {
        let out = bureau(
            dir.path(),
            &url,
            &[
                "token",
                "create",
                "--kind",
                "kiosk",
                "--name",
                &format!("bench-{i}"),
            ],
        )
        .output()?;
        anyhow::ensure!(out.status.success(), "token create failed");
        tokens.push(String::from_utf8(out.stdout)?.trim().to_owned());
    }
    let mut servers = Vec::new();
    let mut bases = Vec::new();
    for _ in 0..replicas {
        let port = TcpListener::bind("127.0.0.1:0")?.local_addr()?.port();
        let listen = format!("127.0.0.1:{port}");
        servers.push(Server(
            bureau(
                dir.path(),
                &url,
                &["serve", "--listen", &listen, "--rate-limit", "100000"],
            )
            .stdout(Stdio::null())
            .spawn()?,
        ));
        bases.push(format!("http://{listen}"));
    }
    let pids: Vec<u32> = servers.iter().map(|s| s.0.id()).collect();
    let http = reqwest::Client::new();
    for base in &bases {
        for _ in 0..100 {
            if http.get(format!("{base}/v1/health")).send().await.is_ok() {
                break;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }
    let rss = move || pids.iter().map(|&pid| rss_kib(pid)).sum::<u64>();
    let idle = rss();
    let peak = Arc::new(AtomicU64::new(idle));
    let stop = Arc::new(AtomicBool::new(false));
    let sampler = {
        let (peak, stop) = (peak.clone(), stop.clone());
        tokio::spawn(async move {
            while !stop.load(Ordering::Relaxed) {
                peak.fetch_max(rss(), Ordering::Relaxed);
                tokio::time::sleep(Duration::from_millis(50)).await;
            }
        })
    };
    let started = Instant::now();
    let mut clients = Vec::new();
    for (i, token) in tokens.into_iter().enumerate() {
        let (http, base, stop) = (http.clone(), bases[i % replicas].clone(), stop.clone());
        clients.push(tokio::spawn(async move {
            let mut latencies = Vec::new();
            let mut bytes = vec![0u8; ATTACHMENT];
            for (j, b) in bytes.iter_mut().enumerate() {
                *b = (j * 31 + i * 7) as u8;
            }
            let mut n: u64 = 0;
            while !stop.load(Ordering::Relaxed) {
                n += 1;
                bytes[..8].copy_from_slice(&n.to_le_bytes());
                bytes[8] = i as u8;
                let t = Instant::now();
                submit_one(&http, &base, &token, &bytes).await?;
                latencies.push(t.elapsed());
            }
            anyhow::Ok(latencies)
        }));
    }
    tokio::time::sleep(duration).await;
    stop.store(true, Ordering::Relaxed);
    let mut latencies = Vec::new();
    for c in clients {
        latencies.extend(c.await??);
    }
    let elapsed = started.elapsed().as_secs_f64();
    sampler.await?;
    drop(servers);
    latencies.sort();
    let pct =
        |p: f64| latencies[((latencies.len() - 1) as f64 * p) as usize].as_secs_f64() * 1000.0;
    let rate = latencies.len() as f64 / elapsed;
    Ok(format!(
        "{rate:.1} | {:.1} | {:.0} | {:.0} | {} MiB | {} MiB",
        rate * ATTACHMENT as f64 / 1e6,
        pct(0.5),
        pct(0.95),
        idle / 1024,
        peak.load(Ordering::Relaxed) / 1024
    ))
}

async fn submit_one(
    http: &reqwest::Client,
    base: &str,
    token: &str,
    bytes: &[u8],
) -> anyhow::Result<()> {
    let sha = hex::encode(Sha256::digest(bytes));
    let upload: Upload = http
        .post(format!("{base}/v1/uploads"))
        .bearer_auth(token)
        .json(
            &serde_json::json!({"length": bytes.len(), "media_type": "image/jpeg", "sha256": sha}),
        )
        .send()
        .await?
        .error_for_status()?
        .json()
        .await?;
    http.patch(format!("{base}/v1/uploads/{}", upload.id))
        .bearer_auth(token)
        .header("content-type", OFFSET_OCTET_STREAM)
        .header(UPLOAD_OFFSET, 0)
        .body(bytes.to_vec())
        .send()
        .await?
        .error_for_status()?;
    let petition = SubmitPetition {
        name: "王丽".into(),
        id_number: "11010519491231002X".into(),
        phone: "13912345678".into(),
        address: "西安市雁塔区小寨东路 1 号".into(),
        email: String::new(),
        region: "610113".into(),
        agency: String::new(),
        category: "城乡建设".into(),
        purpose: "complaint".into(),
        title: "小区门前道路破损".into(),
        request: "请尽快修复道路。".into(),
        facts: "道路破损已三个月。".into(),
        reasons: String::new(),
        attachments: vec![AttachmentRef {
            upload_id: upload.id,
            file_name: "photo.jpg".into(),
        }],
    };
    http.post(format!("{base}/v1/petitions"))
        .bearer_auth(token)
        .header(IDEMPOTENCY_KEY, uuid::Uuid::new_v4().to_string())
        .json(&petition)
        .send()
        .await?
        .error_for_status()?;
    Ok(())
}
