//! The connection loop under the router: hyper's HTTP/1 on each accepted connection, with the
//! read timeout on the headers. A connection that sends nothing for
//! [`Limits::read_timeout`](crate::Limits) while a request's headers are due (also between two
//! requests) is closed: hyper's header read timeout. A body that pauses as long is the router's
//! business (`crate::http`: 408).

use std::io;

use hyper::server::conn::http1;
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::server::graceful::GracefulShutdown;
use hyper_util::service::TowerToHyperService;
use tokio::net::TcpListener;

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
        let stream = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok((stream, _)) => stream,
                Err(e) => {
                    accept_failed(e).await;
                    continue;
                }
            },
            () = &mut shutdown => break,
        };
        let service = TowerToHyperService::new(router.clone());
        let connection = graceful.watch(http.serve_connection(TokioIo::new(stream), service));
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
