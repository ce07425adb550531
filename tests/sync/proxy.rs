//! A fault-injecting TCP proxy between the app and the bureau. Each connection gets one fate:
//! passed through (closed once idle after a while, so new connections keep coming), slowed,
//! reset after a random number of bytes towards the bureau or back from it (so an answer can be
//! lost after the bureau acted on the request), or answered by the proxy itself with a captive
//! portal's `200 text/html`, a `429` or a `503` with `Retry-After`.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use rand::Rng;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

/// How many connections met each fate.
#[derive(Debug, Default)]
pub struct FaultCounts {
    pub passed: AtomicUsize,
    pub delayed: AtomicUsize,
    pub cut_upstream: AtomicUsize,
    pub cut_downstream: AtomicUsize,
    pub captive_portal: AtomicUsize,
    pub too_many: AtomicUsize,
    pub unavailable: AtomicUsize,
}

impl FaultCounts {
    pub fn summary(&self) -> String {
        let get = |a: &AtomicUsize| a.load(Ordering::Relaxed);
        format!(
            "passed {}, delayed {}, cut towards bureau {}, cut towards app {}, captive portal {}, 429 {}, 503 {}",
            get(&self.passed),
            get(&self.delayed),
            get(&self.cut_upstream),
            get(&self.cut_downstream),
            get(&self.captive_portal),
            get(&self.too_many),
            get(&self.unavailable)
        )
    }
}

#[derive(Debug, Clone, Copy)]
enum Fate {
    Pass,
    Delay,
    CutUp(usize),
    CutDown(usize),
    Captive,
    TooMany,
    Unavailable,
}

fn pick() -> Fate {
    let mut rng = rand::rng();
    match rng.random_range(0..100) {
        0..40 => Fate::Pass,
        40..55 => Fate::Delay,
        55..74 => Fate::CutUp(rng.random_range(0..6000)),
        74..93 => Fate::CutDown(rng.random_range(0..600)),
        93..96 => Fate::Captive,
        96..98 => Fate::TooMany,
        _ => Fate::Unavailable,
    }
}

/// Starts the proxy in front of `upstream`; returns its address.
pub async fn start(upstream: std::net::SocketAddr, counts: Arc<FaultCounts>) -> String {
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("a port");
    let addr = listener.local_addr().expect("an address");
    tokio::spawn(async move {
        while let Ok((client, _)) = listener.accept().await {
            let counts = Arc::clone(&counts);
            tokio::spawn(async move {
                let _ = handle(client, upstream, pick(), &counts).await;
            });
        }
    });
    format!("http://{addr}")
}

async fn answer_self(mut client: TcpStream, head: &str, body: &str) -> std::io::Result<()> {
    // Read the request head (and whatever body came with it) before answering.
    let mut buf = vec![0u8; 16 * 1024];
    let mut seen = Vec::new();
    while !seen.windows(4).any(|w| w == b"\r\n\r\n") {
        let n = client.read(&mut buf).await?;
        if n == 0 {
            return Ok(());
        }
        seen.extend_from_slice(&buf[..n]);
    }
    let response = format!(
        "{head}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    );
    client.write_all(response.as_bytes()).await?;
    client.shutdown().await
}

async fn handle(
    client: TcpStream,
    upstream: std::net::SocketAddr,
    fate: Fate,
    counts: &FaultCounts,
) -> std::io::Result<()> {
    let count = |a: &AtomicUsize| {
        a.fetch_add(1, Ordering::Relaxed);
    };
    match fate {
        Fate::Captive => {
            count(&counts.captive_portal);
            return answer_self(
                client,
                "HTTP/1.1 200 OK\r\nContent-Type: text/html; charset=utf-8",
                "<!doctype html><html><body><h1>欢迎使用免费 Wi-Fi</h1><a href=\"/login\">登录</a></body></html>",
            )
            .await;
        }
        Fate::TooMany => {
            count(&counts.too_many);
            return answer_self(
                client,
                "HTTP/1.1 429 Too Many Requests\r\nRetry-After: 1\r\nContent-Type: text/plain",
                "slow down",
            )
            .await;
        }
        Fate::Unavailable => {
            count(&counts.unavailable);
            return answer_self(
                client,
                "HTTP/1.1 503 Service Unavailable\r\nRetry-After: 1\r\nContent-Type: text/html",
                "<html><body>maintenance</body></html>",
            )
            .await;
        }
        Fate::Pass => count(&counts.passed),
        Fate::Delay => count(&counts.delayed),
        Fate::CutUp(_) => count(&counts.cut_upstream),
        Fate::CutDown(_) => count(&counts.cut_downstream),
    }
    let server = TcpStream::connect(upstream).await?;
    if matches!(fate, Fate::CutUp(_) | Fate::CutDown(_)) {
        // Closing now sends RST, not FIN: a reset mid-stream. A zero linger never blocks on drop
        // (the deprecation warns of non-zero ones).
        #[allow(deprecated)]
        {
            client.set_linger(Some(Duration::ZERO))?;
            server.set_linger(Some(Duration::ZERO))?;
        }
    }
    let (mut cr, mut cw) = client.into_split();
    let (mut sr, mut sw) = server.into_split();
    let (up_limit, down_limit) = match fate {
        Fate::CutUp(n) => (Some(n), None),
        Fate::CutDown(n) => (None, Some(n)),
        _ => (None, None),
    };
    let delay = matches!(fate, Fate::Delay);
    let start = Instant::now();
    let last = Arc::new(AtomicU64::new(0));
    let up = pump(&mut cr, &mut sw, up_limit, delay, start, &last);
    let down = pump(&mut sr, &mut cw, down_limit, delay, start, &last);
    // A connection passed through lives a while, then closes at its first pause (or anyway a
    // second later), so the app keeps opening new connections and meeting new fates.
    let lifetime = Duration::from_millis(rand::rng().random_range(20..300));
    let idle_close = async {
        loop {
            tokio::time::sleep(Duration::from_millis(2)).await;
            let elapsed = start.elapsed();
            let idle = elapsed.saturating_sub(Duration::from_millis(last.load(Ordering::Relaxed)));
            if elapsed > lifetime
                && (idle > Duration::from_millis(3)
                    || elapsed > lifetime * 2 + Duration::from_secs(1))
            {
                return;
            }
        }
    };
    tokio::pin!(up, down, idle_close);
    let (mut up_done, mut down_done) = (false, false);
    while !(up_done && down_done) {
        tokio::select! {
            cut = &mut up, if !up_done => if cut { break } else { up_done = true },
            cut = &mut down, if !down_done => if cut { break } else { down_done = true },
            () = &mut idle_close => break,
        }
    }
    Ok(())
}

/// Copies `from` to `to`; `true` when it stopped after `limit` bytes (the caller then drops both
/// sockets: a reset).
async fn pump(
    from: &mut tokio::net::tcp::OwnedReadHalf,
    to: &mut tokio::net::tcp::OwnedWriteHalf,
    limit: Option<usize>,
    delay: bool,
    start: Instant,
    last: &AtomicU64,
) -> bool {
    let mut buf = vec![0u8; 64 * 1024];
    let mut passed = 0usize;
    loop {
        let n = match from.read(&mut buf).await {
            Ok(0) | Err(_) => {
                let _ = to.shutdown().await;
                return false;
            }
            Ok(n) => n,
        };
        last.store(start.elapsed().as_millis() as u64, Ordering::Relaxed);
        if delay {
            let ms = rand::rng().random_range(0..40);
            tokio::time::sleep(Duration::from_millis(ms)).await;
        }
        let allowed = limit.map_or(n, |l| n.min(l.saturating_sub(passed)));
        if to.write_all(&buf[..allowed]).await.is_err() {
            return false;
        }
        passed += allowed;
        if limit.is_some_and(|l| passed >= l) {
            return true;
        }
    }
}
