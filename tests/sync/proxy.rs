//! A fault-injecting TCP proxy between the app and the bureau. Each connection gets one fate:
//! passed through (closed once idle after a while, so new connections keep coming), slowed,
//! reset after a random number of bytes towards the bureau or back from it (so an answer can be
//! lost after the bureau acted on the request), or answered by the proxy itself with a captive
//! portal's `200 text/html`, a `429` or a `503` with `Retry-After`. The first connections meet
//! every fault in turn ([`pick`]), so a test may insist that each happened: [`FaultCounts`]
//! counts those that took effect.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use rand::Rng;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

/// A fault the proxy injects.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fault {
    /// Every chunk held back up to 40 ms.
    Delay,
    /// Reset after some bytes towards the bureau.
    CutUp,
    /// Reset after some bytes back from the bureau.
    CutDown,
    /// A captive portal's `200 text/html`.
    Captive,
    /// `429` with `Retry-After`.
    TooMany,
    /// `503` with `Retry-After`.
    Unavailable,
}

impl Fault {
    /// In the order the first connections meet them (see [`pick`]).
    pub const ALL: [Fault; 6] = [
        Fault::Captive,
        Fault::TooMany,
        Fault::Unavailable,
        Fault::CutUp,
        Fault::CutDown,
        Fault::Delay,
    ];

    fn name(self) -> &'static str {
        match self {
            Fault::Delay => "delayed",
            Fault::CutUp => "cut towards bureau",
            Fault::CutDown => "cut towards app",
            Fault::Captive => "captive portal",
            Fault::TooMany => "429",
            Fault::Unavailable => "503",
        }
    }
}

/// How many connections met each fate. A fault counts once it took effect (a reset sent, a
/// chunk held back, an answer written after a request came), not when it was drawn: a cut
/// after more bytes than the connection carried changed nothing.
#[derive(Debug, Default)]
pub struct FaultCounts {
    connections: AtomicUsize,
    pub passed: AtomicUsize,
    happened: [AtomicUsize; Fault::ALL.len()],
}

impl FaultCounts {
    fn slot(&self, fault: Fault) -> &AtomicUsize {
        let i = Fault::ALL
            .iter()
            .position(|f| *f == fault)
            .expect("every fault is listed");
        &self.happened[i]
    }

    fn record(&self, fault: Fault) {
        self.slot(fault).fetch_add(1, Ordering::Relaxed);
    }

    pub fn happened(&self, fault: Fault) -> usize {
        self.slot(fault).load(Ordering::Relaxed)
    }

    pub fn summary(&self) -> String {
        let mut parts = vec![format!(
            "{} connections, passed {}",
            self.connections.load(Ordering::Relaxed),
            self.passed.load(Ordering::Relaxed)
        )];
        parts.extend(
            Fault::ALL
                .iter()
                .map(|f| format!("{} {}", f.name(), self.happened(*f))),
        );
        parts.join(", ")
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

fn fate(fault: Fault, rng: &mut impl Rng) -> Fate {
    match fault {
        Fault::Delay => Fate::Delay,
        Fault::CutUp => Fate::CutUp(rng.random_range(0..6000)),
        Fault::CutDown => Fate::CutDown(rng.random_range(0..600)),
        Fault::Captive => Fate::Captive,
        Fault::TooMany => Fate::TooMany,
        Fault::Unavailable => Fate::Unavailable,
    }
}

/// The fate of the next connection. Every other one, from the first, meets a fault that has not
/// happened yet (in [`Fault::ALL`]'s order), until each has: so every kind happens early in a
/// run, whatever the dice say, and the test can insist on each. The others are drawn.
fn pick(counts: &FaultCounts) -> Fate {
    let mut rng = rand::rng();
    let n = counts.connections.fetch_add(1, Ordering::Relaxed);
    if n.is_multiple_of(2) {
        let missing: Vec<Fault> = Fault::ALL
            .into_iter()
            .filter(|f| counts.happened(*f) == 0)
            .collect();
        if !missing.is_empty() {
            return fate(missing[(n / 2) % missing.len()], &mut rng);
        }
    }
    match rng.random_range(0..100) {
        0..40 => Fate::Pass,
        40..55 => fate(Fault::Delay, &mut rng),
        55..74 => fate(Fault::CutUp, &mut rng),
        74..93 => fate(Fault::CutDown, &mut rng),
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
                let fate = pick(&counts);
                let _ = handle(client, upstream, fate, &counts).await;
            });
        }
    });
    format!("http://{addr}")
}

/// Answers the request on `client` itself; `true` once the answer is written after a whole
/// request head.
async fn answer_self(mut client: TcpStream, head: &str, body: &str) -> std::io::Result<bool> {
    // Read the request head (and whatever body came with it) before answering.
    let mut buf = vec![0u8; 16 * 1024];
    let mut seen = Vec::new();
    while !seen.windows(4).any(|w| w == b"\r\n\r\n") {
        let n = client.read(&mut buf).await?;
        if n == 0 {
            return Ok(false);
        }
        seen.extend_from_slice(&buf[..n]);
    }
    let response = format!(
        "{head}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    );
    client.write_all(response.as_bytes()).await?;
    client.shutdown().await?;
    Ok(true)
}

async fn handle(
    client: TcpStream,
    upstream: std::net::SocketAddr,
    fate: Fate,
    counts: &FaultCounts,
) -> std::io::Result<()> {
    let answer = match fate {
        Fate::Captive => Some((
            Fault::Captive,
            "HTTP/1.1 200 OK\r\nContent-Type: text/html; charset=utf-8",
            "<!doctype html><html><body><h1>欢迎使用免费 Wi-Fi</h1><a href=\"/login\">登录</a></body></html>",
        )),
        Fate::TooMany => Some((
            Fault::TooMany,
            "HTTP/1.1 429 Too Many Requests\r\nRetry-After: 1\r\nContent-Type: text/plain",
            "slow down",
        )),
        Fate::Unavailable => Some((
            Fault::Unavailable,
            "HTTP/1.1 503 Service Unavailable\r\nRetry-After: 1\r\nContent-Type: text/html",
            "<html><body>maintenance</body></html>",
        )),
        _ => None,
    };
    if let Some((fault, head, body)) = answer {
        if answer_self(client, head, body).await? {
            counts.record(fault);
        }
        return Ok(());
    }
    if matches!(fate, Fate::Pass) {
        counts.passed.fetch_add(1, Ordering::Relaxed);
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
    let delayed = AtomicBool::new(false);
    let start = Instant::now();
    let last = Arc::new(AtomicU64::new(0));
    let up = pump(
        &mut cr,
        &mut sw,
        up_limit,
        delay.then_some(&delayed),
        start,
        &last,
    );
    let down = pump(
        &mut sr,
        &mut cw,
        down_limit,
        delay.then_some(&delayed),
        start,
        &last,
    );
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
    let mut cut = None;
    while !(up_done && down_done) {
        tokio::select! {
            c = &mut up, if !up_done => if c { cut = Some(Fault::CutUp); break } else { up_done = true },
            c = &mut down, if !down_done => if c { cut = Some(Fault::CutDown); break } else { down_done = true },
            () = &mut idle_close => break,
        }
    }
    if let Some(fault) = cut {
        counts.record(fault);
    }
    if delayed.load(Ordering::Relaxed) {
        counts.record(Fault::Delay);
    }
    Ok(())
}

/// Copies `from` to `to`, holding each chunk back a moment when `delayed` is given (and setting
/// it); `true` when it stopped after `limit` bytes (the caller then drops both sockets: a reset).
async fn pump(
    from: &mut tokio::net::tcp::OwnedReadHalf,
    to: &mut tokio::net::tcp::OwnedWriteHalf,
    limit: Option<usize>,
    delayed: Option<&AtomicBool>,
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
        if let Some(delayed) = delayed {
            let ms = rand::rng().random_range(1..40);
            tokio::time::sleep(Duration::from_millis(ms)).await;
            delayed.store(true, Ordering::Relaxed);
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
