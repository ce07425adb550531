//! A bureau served over TLS with a certificate from a throwaway CA (as a bureau behind a
//! government or private CA is): untrusted, signing in says so at once and keeps nothing, and the
//! outbox says the certificate cannot be verified rather than "waiting for the network"; with the
//! CA in the system's certificate store (`SSL_CERT_FILE`, which the OS store lookup honours on
//! Linux), the same petition is delivered.

use std::net::SocketAddr;
use std::path::Path;
use std::process::{Command, Output, Stdio};
use std::sync::Arc;
use std::time::Duration;

use petition_bureau::store::TokenKind;
use petition_tests::{petitionctl, run_with_input};
use tokio::net::{TcpListener, TcpStream};
use tokio_rustls::TlsAcceptor;
use tokio_rustls::rustls;

use super::{bureau, complete_values, keyring_ready};

/// A CA and a server certificate it signed for `localhost` and 127.0.0.1; returns the CA's PEM
/// and the server's TLS configuration.
fn throwaway_ca() -> (String, rustls::ServerConfig) {
    use rcgen::{BasicConstraints, CertificateParams, DnType, IsCa, Issuer, KeyPair};
    let mut ca_params = CertificateParams::new(Vec::<String>::new()).expect("CA params");
    ca_params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    ca_params
        .distinguished_name
        .push(DnType::CommonName, "Petition Desk throwaway test CA");
    let ca_key = KeyPair::generate().expect("CA key");
    let ca_cert = ca_params.self_signed(&ca_key).expect("CA certificate");
    let issuer = Issuer::new(ca_params, ca_key);
    let leaf_params = CertificateParams::new(vec!["localhost".to_owned(), "127.0.0.1".to_owned()])
        .expect("server params");
    let leaf_key = KeyPair::generate().expect("server key");
    let leaf = leaf_params
        .signed_by(&leaf_key, &issuer)
        .expect("server certificate");
    let key = rustls::pki_types::PrivateKeyDer::Pkcs8(leaf_key.serialize_der().into());
    let config = rustls::ServerConfig::builder()
        .with_no_client_auth()
        .with_single_cert(vec![leaf.der().clone(), ca_cert.der().clone()], key)
        .expect("server TLS configuration");
    (ca_cert.pem(), config)
}

/// Terminates TLS on a loopback port and passes the bytes to the bureau at `plain`.
async fn tls_front(plain: SocketAddr, config: rustls::ServerConfig) -> u16 {
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let port = listener.local_addr().expect("addr").port();
    let acceptor = TlsAcceptor::from(Arc::new(config));
    tokio::spawn(async move {
        loop {
            let Ok((client, _)) = listener.accept().await else {
                return;
            };
            let acceptor = acceptor.clone();
            tokio::spawn(async move {
                // A client that does not trust the certificate ends the handshake: nothing to do.
                let Ok(mut tls) = acceptor.accept(client).await else {
                    return;
                };
                let Ok(mut upstream) = TcpStream::connect(plain).await else {
                    return;
                };
                let _ = tokio::io::copy_bidirectional(&mut tls, &mut upstream).await;
            });
        }
    });
    port
}

fn ctl(data: &Path, trusted: Option<&Path>) -> Command {
    let mut cmd = petitionctl();
    cmd.arg("--data-dir")
        .arg(data)
        .env("PETITION_LOG_DIR", data.join("logs"))
        .env("PETITION_SYNC_BACKOFF_CAP_MS", "300")
        .env_remove("SSL_CERT_FILE")
        .env_remove("SSL_CERT_DIR");
    if let Some(ca) = trusted {
        cmd.env("SSL_CERT_FILE", ca);
    }
    cmd
}

fn output(cmd: &mut Command) -> Output {
    cmd.output().expect("petitionctl runs")
}

fn ok(out: &Output, what: &str) -> String {
    assert!(
        out.status.success(),
        "{what}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

fn queue_one(data: &Path, n: usize) -> String {
    let mut new = ctl(data, None);
    new.args(["draft", "new"]);
    for (field, value) in complete_values(n) {
        new.args(["--set", &format!("{}={value}", field.key())]);
    }
    let id = ok(&output(&mut new), "draft new").trim().to_owned();
    ok(&output(ctl(data, None).args(["submit", &id])), "submit");
    id
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_bureau_behind_a_private_ca_is_refused_with_a_certificate_message_until_trusted() {
    if !keyring_ready() {
        return;
    }
    let b = bureau().await;
    let token = b.token(TokenKind::Citizen).await;
    let plain: SocketAddr = b
        .base
        .trim_start_matches("http://")
        .parse()
        .expect("the bureau listens on an address");
    let (ca_pem, config) = throwaway_ca();
    let port = tls_front(plain, config).await;
    let url = format!("https://localhost:{port}");
    let root = tempfile::tempdir().expect("temp dir");
    let data = root.path().join("data");
    let ca = root.path().join("ca.pem");
    std::fs::write(&ca, &ca_pem).expect("write the CA");

    // Untrusted: the sign-in is refused at once, with the certificate named, and nothing is kept.
    let refused = tokio::task::block_in_place(|| {
        run_with_input(
            ctl(&data, None).args(["login", "--bureau", &url, "--token", "-"]),
            &format!("{token}\n"),
        )
    });
    assert!(
        !refused.status.success(),
        "an untrusted bureau was accepted"
    );
    let err = String::from_utf8_lossy(&refused.stderr);
    assert!(err.contains("[bureau_certificate]"), "{err}");
    assert!(err.contains("certificate"), "{err}");
    let no_bureau =
        tokio::task::block_in_place(|| output(ctl(&data, None).args(["sync", "--once"])));
    assert!(
        String::from_utf8_lossy(&no_bureau.stderr).contains("[no_bureau]"),
        "the refused sign-in was kept: {}",
        String::from_utf8_lossy(&no_bureau.stderr)
    );

    // The CA in the system store: signed in, and a petition goes through.
    tokio::task::block_in_place(|| {
        ok(
            &run_with_input(
                ctl(&data, Some(&ca)).args(["login", "--bureau", &url, "--token", "-"]),
                &format!("{token}\n"),
            ),
            "login with the CA trusted",
        );
    });
    let first = tokio::task::block_in_place(|| queue_one(&data, 1));
    tokio::task::block_in_place(|| {
        ok(
            &output(ctl(&data, Some(&ca)).args(["sync", "--once"])),
            "sync with the CA trusted",
        );
    });

    // The CA gone again (a new machine image, a lost certificate): the outbox says why.
    let second = tokio::task::block_in_place(|| queue_one(&data, 2));
    let mut untrusted = ctl(&data, None)
        .arg("sync")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("sync starts");
    tokio::time::sleep(Duration::from_secs(3)).await;
    let _ = untrusted.kill();
    let _ = untrusted.wait();
    let outbox: serde_json::Value = serde_json::from_str(&tokio::task::block_in_place(|| {
        ok(
            &output(ctl(&data, None).args(["outbox", "--json"])),
            "outbox",
        )
    }))
    .expect("outbox JSON");
    let item = outbox
        .as_array()
        .expect("a list")
        .iter()
        .find(|i| i["id"] == second.as_str())
        .expect("the second petition");
    assert_eq!(item["state"], "cannot_connect", "{item}");
    assert_eq!(item["error"]["code"], "bureau_certificate", "{item}");
    assert!(
        item["error"]["message"]
            .as_str()
            .is_some_and(|m| m.contains("证书") && m.contains("certificate")),
        "{item}"
    );

    // Trusted again: delivered, once each.
    tokio::task::block_in_place(|| {
        ok(
            &output(ctl(&data, Some(&ca)).args(["sync", "--once"])),
            "sync",
        );
    });
    for id in [&first, &second] {
        let status: serde_json::Value = serde_json::from_str(&tokio::task::block_in_place(|| {
            ok(
                &output(ctl(&data, None).args(["status", id, "--json"])),
                "status",
            )
        }))
        .expect("status JSON");
        assert!(status["tracking_code"].is_string(), "{status}");
    }
    let held = super::bureau_holdings(&b).await;
    assert_eq!(held.len(), 2, "petitions at the bureau");
    assert!(
        held.values().all(|(codes, _)| codes.len() == 1),
        "each arrived once"
    );
    let _ = petition_core::sync::secret::forget_token(&data);
}
