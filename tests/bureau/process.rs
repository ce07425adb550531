//! `petition-bureau serve` as its own process on a free loopback port, and the operator's
//! commands run against the same data directory and database, as a bureau runs for real.

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::Duration;

use petition_tests::{Service, eventually, free_port, workspace_bin};
use reqwest::StatusCode;
use serde_json::Value;

use super::*;

/// `petition-bureau serve` on a free port, with its own data directory; stopped when dropped.
pub(crate) struct Bureau {
    pub(crate) data_dir: PathBuf,
    pub(crate) database_url: Option<String>,
    pub(crate) base: String,
    pub(crate) http: reqwest::Client,
    _server: Service,
    _dir: tempfile::TempDir,
}

impl Bureau {
    pub(crate) async fn start(db: Db) -> Option<Bureau> {
        Bureau::start_with(db, &[]).await
    }

    /// [`Bureau::start`] with more arguments to `serve`.
    pub(crate) async fn start_with(db: Db, serve_args: &[&str]) -> Option<Bureau> {
        let database_url = match db {
            Db::Sqlite => None,
            Db::Postgres => Some(postgres_url()?),
        };
        let dir = tempfile::tempdir().expect("a temporary directory");
        let data_dir = dir.path().join("bureau");
        let port = free_port();
        let server = Service::spawn(
            bureau_command(&data_dir, database_url.as_deref())
                .args(["serve", "--listen", &format!("127.0.0.1:{port}")])
                .args(serve_args)
                .stdout(Stdio::null())
                .stderr(Stdio::null()),
        )
        .expect("start petition-bureau serve");
        let bureau = Bureau {
            data_dir,
            database_url,
            base: format!("http://127.0.0.1:{port}"),
            http: reqwest::Client::builder()
                .timeout(Duration::from_secs(60))
                .build()
                .expect("an HTTP client"),
            _server: server,
            _dir: dir,
        };
        let health = bureau.url("/v1/health");
        eventually(Duration::from_secs(60), "the bureau to listen", || {
            let request = bureau.http.get(&health).send();
            async move { request.await.ok().map(|_| ()) }
        })
        .await;
        Some(bureau)
    }

    pub(crate) fn run(&self, args: &[&str]) -> Output {
        bureau_command(&self.data_dir, self.database_url.as_deref())
            .args(args)
            .stdin(Stdio::null())
            .output()
            .expect("petition-bureau runs")
    }

    pub(crate) fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    pub(crate) async fn get(&self, token: &str, path: &str) -> reqwest::Response {
        self.http
            .get(self.url(path))
            .bearer_auth(token)
            .send()
            .await
            .expect("the bureau answers")
    }

    pub(crate) async fn post(&self, token: &str, path: &str, body: &Value) -> reqwest::Response {
        self.http
            .post(self.url(path))
            .bearer_auth(token)
            .json(body)
            .send()
            .await
            .expect("the bureau answers")
    }

    /// Runs `args`, which must succeed; its standard output.
    pub(crate) fn run_ok(&self, args: &[&str]) -> String {
        let out = self.run(args);
        assert!(
            out.status.success(),
            "petition-bureau {}: {}",
            args.join(" "),
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8_lossy(&out.stdout).into_owned()
    }

    pub(crate) async fn get_json(&self, token: &str, path: &str) -> Value {
        let response = self.get(token, path).await;
        assert_eq!(response.status(), StatusCode::OK, "GET {path}");
        response.json().await.expect("JSON")
    }
}

/// `petition-bureau` on a data directory and, when given, PostgreSQL.
pub(crate) fn bureau_command(data_dir: &Path, database_url: Option<&str>) -> Command {
    let mut cmd = Command::new(workspace_bin("petition-bureau"));
    cmd.arg("--data-dir")
        .arg(data_dir)
        .env_remove("DATABASE_URL")
        .env_remove("PETITION_BUREAU_DATA_DIR")
        .env("RUST_LOG", "warn");
    if let Some(url) = database_url {
        cmd.env("DATABASE_URL", url);
    }
    cmd
}
