//! The connection loop under the router: hyper's HTTP/1 on each accepted connection, with the
//! read timeout on the headers, and hyper's own error answers worded as the bureau's JSON.
//!
//! - A connection that sends nothing for [`Limits::read_timeout`](crate::Limits) while a
//!   request's headers are due (also between two requests) is closed: hyper's header read
//!   timeout. A body that pauses as long is the router's business (`crate::http`: 408).
//! - hyper answers a request it cannot parse by itself, before any service sees it: 400 for a
//!   malformed request, 414 for a URI too long, 431 for headers too large or too many. It writes
//!   no body and has no hook to add one. [`JsonAnswers`] sits between hyper and the socket and
//!   writes the bureau's `{code, message}` answer in place of such a head ([`replacement`]):
//!   hyper writes it on its own, as a whole, at the start of a response (nothing else is being
//!   written then) and as the last bytes of the connection, and no answer of the router has that
//!   shape, since every error of the router is JSON (`crate::http::json_errors`).

use std::io;
use std::pin::Pin;
use std::task::{Context, Poll, ready};

use axum::http::StatusCode;
use hyper::server::conn::http1;
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::server::graceful::GracefulShutdown;
use hyper_util::service::TowerToHyperService;
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::TcpListener;

use crate::error::ApiError;
use crate::{AppState, app, uploads};

/// Serves the API on `listener` until `shutdown` resolves, then lets the requests being handled
/// finish; sweeps expired uploads meanwhile.
pub async fn serve(
    listener: TcpListener,
    state: AppState,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) {
    let sweeper = tokio::spawn(uploads::sweep_forever(state.clone()));
    let mut http = http1::Builder::new();
    http.timer(TokioTimer::new())
        .header_read_timeout(state.config().limits.read_timeout);
    let router = app(state);
    let graceful = GracefulShutdown::new();
    let mut shutdown = std::pin::pin!(shutdown);
    loop {
        let (stream, peer) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(accepted) => accepted,
                Err(e) => {
                    accept_failed(e).await;
                    continue;
                }
            },
            () = &mut shutdown => break,
        };
        // The address a request came from, for the budget of text messages per address. A proxy
        // in front of the bureau makes every request come from it; no header is trusted.
        let service = TowerToHyperService::new(tower_layer::Layer::layer(
            &axum::Extension(crate::accounts::Peer(peer)),
            router.clone(),
        ));
        let connection =
            graceful.watch(http.serve_connection(TokioIo::new(JsonAnswers::new(stream)), service));
        tokio::spawn(async move {
            if let Err(e) = connection.await {
                tracing::debug!(error = %e, "a connection ended in an error");
            }
        });
    }
    drop(listener);
    graceful.shutdown().await;
    sweeper.abort();
}

/// After a failed `accept`: a connection that failed before it was taken is nothing to wait for;
/// anything else (out of file descriptors, say) is given a second before the next try.
async fn accept_failed(e: io::Error) {
    if matches!(
        e.kind(),
        io::ErrorKind::ConnectionAborted
            | io::ErrorKind::ConnectionRefused
            | io::ErrorKind::ConnectionReset
    ) {
        return;
    }
    tracing::error!(error = %e, "accepting a connection failed");
    tokio::time::sleep(std::time::Duration::from_secs(1)).await;
}

/// A connection's socket as hyper sees it: every byte hyper writes passes unchanged but its own
/// answer to a request it could not parse, which is replaced by the bureau's JSON answer.
///
/// It does not offer vectored writes, so hyper hands each response over as one buffer.
#[derive(Debug)]
struct JsonAnswers<S> {
    inner: S,
    /// The JSON answer being written in place of hyper's, and how much of it is written.
    pending: Option<(Vec<u8>, usize)>,
}

impl<S> JsonAnswers<S> {
    fn new(inner: S) -> JsonAnswers<S> {
        JsonAnswers {
            inner,
            pending: None,
        }
    }
}

impl<S: AsyncWrite + Unpin> JsonAnswers<S> {
    /// Writes what is left of a replacement answer.
    fn poll_pending(&mut self, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        while let Some((answer, written)) = &mut self.pending {
            if *written == answer.len() {
                self.pending = None;
                break;
            }
            let n = ready!(Pin::new(&mut self.inner).poll_write(cx, &answer[*written..]))?;
            if n == 0 {
                return Poll::Ready(Err(io::ErrorKind::WriteZero.into()));
            }
            *written += n;
        }
        Poll::Ready(Ok(()))
    }
}

impl<S: AsyncRead + Unpin> AsyncRead for JsonAnswers<S> {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().inner).poll_read(cx, buf)
    }
}

impl<S: AsyncWrite + Unpin> AsyncWrite for JsonAnswers<S> {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        let this = self.get_mut();
        ready!(this.poll_pending(cx))?;
        if let Some(answer) = replacement(buf) {
            // hyper's bytes count as written; the answer goes out in their place, by the flush
            // that hyper asks for next at the latest.
            this.pending = Some((answer, 0));
            return Poll::Ready(Ok(buf.len()));
        }
        Pin::new(&mut this.inner).poll_write(cx, buf)
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        ready!(this.poll_pending(cx))?;
        Pin::new(&mut this.inner).poll_flush(cx)
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        ready!(this.poll_pending(cx))?;
        Pin::new(&mut this.inner).poll_shutdown(cx)
    }
}

/// The bureau's answer in place of `written` when `written` is hyper's own answer to a request
/// it could not parse: exactly one response head, of a status hyper answers parse errors with,
/// that says `content-length: 0` and names no `Content-Type`. Its other headers (`date`,
/// `connection`) are kept.
fn replacement(written: &[u8]) -> Option<Vec<u8>> {
    let head = written.strip_suffix(b"\r\n\r\n")?;
    let mut lines = head
        .split(|&b| b == b'\n')
        .map(|line| line.trim_ascii_end());
    let status_line = lines.next()?;
    let status = status_line.strip_prefix(b"HTTP/1.1 ")?;
    let status = StatusCode::from_bytes(status.get(..3)?).ok()?;
    let error = match status {
        StatusCode::BAD_REQUEST => ApiError::malformed(),
        StatusCode::URI_TOO_LONG | StatusCode::REQUEST_HEADER_FIELDS_TOO_LARGE => {
            ApiError::from_status(status)
        }
        _ => return None,
    };
    let mut kept = Vec::new();
    let mut empty = false;
    for line in lines {
        let (name, value) = line.split_at(line.iter().position(|&b| b == b':')?);
        let value = value[1..].trim_ascii();
        if name.eq_ignore_ascii_case(b"content-type") {
            return None;
        }
        if name.eq_ignore_ascii_case(b"content-length") {
            empty = value == b"0";
        } else {
            kept.push(line);
        }
    }
    if !empty {
        return None;
    }
    let body = error.into_json();
    let mut answer = Vec::with_capacity(written.len() + body.len() + 64);
    answer.extend_from_slice(status_line);
    answer.extend_from_slice(b"\r\n");
    for line in kept {
        answer.extend_from_slice(line);
        answer.extend_from_slice(b"\r\n");
    }
    answer.extend_from_slice(b"content-type: application/json\r\n");
    answer.extend_from_slice(format!("content-length: {}\r\n\r\n", body.len()).as_bytes());
    answer.extend_from_slice(&body);
    Some(answer)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The head (without its blank line) and the JSON body of an answer.
    fn split(answer: &[u8]) -> (String, serde_json::Value) {
        let at = answer
            .windows(4)
            .position(|w| w == b"\r\n\r\n")
            .expect("a head");
        let head = String::from_utf8(answer[..at].to_vec()).expect("an ASCII head");
        let body = serde_json::from_slice(&answer[at + 4..]).expect("a JSON body");
        (head, body)
    }

    #[test]
    fn hyper_s_answer_to_an_unparsable_request_becomes_json() {
        // As hyper 1 writes it.
        let date = "date: Thu, 01 Jan 2026 00:00:00 GMT";
        let hyper_s = format!(
            "HTTP/1.1 431 Request Header Fields Too Large\r\nconnection: close\r\n\
             content-length: 0\r\n{date}\r\n\r\n"
        );
        let answer = replacement(hyper_s.as_bytes()).expect("replaced");
        let (head, body) = split(&answer);
        assert_eq!(body["code"], "headers_too_large");
        assert!(body["message"].as_str().is_some_and(|m| m.contains(" / ")));
        let length = answer.len() - head.len() - 4;
        assert_eq!(
            head,
            format!(
                "HTTP/1.1 431 Request Header Fields Too Large\r\nconnection: close\r\n{date}\r\n\
                 content-type: application/json\r\ncontent-length: {length}"
            )
        );

        for (status_line, code) in [
            ("HTTP/1.1 400 Bad Request", "bad_request"),
            ("HTTP/1.1 414 URI Too Long", "uri_too_long"),
        ] {
            let hyper_s = format!("{status_line}\r\ncontent-length: 0\r\n\r\n");
            let answer = replacement(hyper_s.as_bytes()).expect("replaced");
            let (head, body) = split(&answer);
            assert!(head.starts_with(status_line), "{head}");
            assert_eq!(body["code"], code);
        }
    }

    #[test]
    fn everything_else_passes_unchanged() {
        for written in [
            // An error of the router's, in JSON.
            &b"HTTP/1.1 400 Bad Request\r\ncontent-type: application/json\r\ncontent-length: 0\r\n\r\n"[..],
            // A head whose body comes next, or with it.
            b"HTTP/1.1 400 Bad Request\r\ncontent-length: 52\r\n\r\n",
            b"HTTP/1.1 400 Bad Request\r\ncontent-length: 0\r\n\r\n{}",
            // Another status.
            b"HTTP/1.1 204 No Content\r\ncontent-length: 0\r\n\r\n",
            // Part of a head; two heads; a body.
            b"HTTP/1.1 400 Bad Request\r\ncontent-length: 0\r\n",
            b"Request\r\ncontent-length: 0\r\n\r\n",
            b"HTTP/1.1 400 Bad Request\r\n\r\nHTTP/1.1 400 Bad Request\r\ncontent-length: 0\r\n\r\n",
            b"{\"code\":\"bad_request\"}",
            b"",
        ] {
            assert!(
                replacement(written).is_none(),
                "{}",
                String::from_utf8_lossy(written)
            );
        }
    }
}
