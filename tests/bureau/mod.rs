//! The reference bureau (issue 4), started for real on `127.0.0.1:0` with a temporary data
//! directory, once on SQLite and once on PostgreSQL (`PETITION_TEST_POSTGRES_URL`, from
//! `.ci/start-postgres`).

mod accounts;
mod catalog;
mod import;
mod intake;
mod journey;
mod pool;
pub(crate) mod process;
mod replicas;
mod uploads;
mod wallet;
mod workflow;

use std::net::SocketAddr;
use std::time::Duration;

use petition_api::headers::IDEMPOTENCY_KEY;
use petition_api::{ErrorBody, SubmitPetition};
use petition_bureau::accounts::sms::SmsConfig;
use petition_bureau::store::TokenKind;
use petition_bureau::{AppState, Clock, Config, Limits};
use reqwest::{RequestBuilder, Response, StatusCode};
use tokio::sync::oneshot;

/// Which database a test runs on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Db {
    Sqlite,
    Postgres,
}

/// The file a test bureau's codes go to (`--sms-file`), in its data directory.
pub const SMS_FILE: &str = "sms.jsonl";

/// A running bureau; stops and removes its data when dropped.
pub struct TestBureau {
    pub base: String,
    pub state: AppState,
    pub http: reqwest::Client,
    _stop: oneshot::Sender<()>,
    _dir: tempfile::TempDir,
    _own: Option<OwnDatabase>,
}

/// A PostgreSQL database made for one test bureau, dropped with it.
struct OwnDatabase {
    server: String,
    name: String,
}

impl OwnDatabase {
    /// Makes a new, empty database on the server of `url`; the URL of the new one with it.
    async fn create(url: &str) -> (OwnDatabase, String) {
        let name = format!("petition_alone_{:016x}", rand::random::<u64>());
        let mut own = reqwest::Url::parse(url).expect("PETITION_TEST_POSTGRES_URL is a URL");
        own.set_path(&name);
        sqlx::any::install_default_drivers();
        let mut conn = <sqlx::AnyConnection as sqlx::Connection>::connect(url)
            .await
            .expect("the test PostgreSQL answers");
        sqlx::query(&format!("CREATE DATABASE {name}"))
            .execute(&mut conn)
            .await
            .expect("a database of its own");
        let _ = sqlx::Connection::close(conn).await;
        let server = url.to_owned();
        (OwnDatabase { server, name }, own.into())
    }
}

impl Drop for OwnDatabase {
    fn drop(&mut self) {
        let (server, name) = (self.server.clone(), self.name.clone());
        // Drop runs inside the test's runtime, which must not be blocked on itself.
        let dropped = std::thread::spawn(move || {
            let rt = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .expect("a runtime");
            rt.block_on(async {
                let mut conn = <sqlx::AnyConnection as sqlx::Connection>::connect(&server).await?;
                sqlx::query(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
                    .execute(&mut conn)
                    .await
                    .map(drop)
            })
        })
        .join();
        if !matches!(dropped, Ok(Ok(()))) {
            eprintln!("the test database {} was left behind", self.name);
        }
    }
}

/// The PostgreSQL the bureau's tests use (`PETITION_TEST_POSTGRES_URL`), or `None` to skip; see
/// [`petition_tests::require`].
pub fn postgres_url() -> Option<String> {
    petition_tests::required(
        "PostgreSQL (PETITION_TEST_POSTGRES_URL, from `eval \"$(.ci/start-postgres)\"`)",
        std::env::var("PETITION_TEST_POSTGRES_URL")
            .ok()
            .filter(|url| !url.is_empty()),
    )
}

impl TestBureau {
    /// Starts a bureau on `db`, or `None` to skip (no PostgreSQL, see [`postgres_url`]).
    pub async fn start(db: Db) -> Option<TestBureau> {
        TestBureau::start_with(db, Limits::default()).await
    }

    pub async fn start_with(db: Db, limits: Limits) -> Option<TestBureau> {
        TestBureau::start_with_offices(db, limits, None).await
    }

    /// A bureau on a database no other test writes to: on PostgreSQL a new database of its own
    /// (the others share one), for tests that count what every test's requests add up to.
    pub async fn start_alone(db: Db, limits: Limits) -> Option<TestBureau> {
        TestBureau::start_on(db, limits, None, true).await
    }

    /// A bureau whose operator wrote `offices` as its `offices.json` (the 信访 offices' postal
    /// addresses and postcodes).
    pub async fn start_with_offices(
        db: Db,
        limits: Limits,
        offices: Option<&str>,
    ) -> Option<TestBureau> {
        TestBureau::start_on(db, limits, offices, false).await
    }

    async fn start_on(
        db: Db,
        limits: Limits,
        offices: Option<&str>,
        alone: bool,
    ) -> Option<TestBureau> {
        let dir = tempfile::tempdir().expect("a temporary directory");
        if let Some(offices) = offices {
            std::fs::write(dir.path().join("offices.json"), offices).expect("offices.json");
        }
        let (database_url, own) = match db {
            Db::Sqlite => (None, None),
            Db::Postgres if alone => {
                let (own, url) = OwnDatabase::create(&postgres_url()?).await;
                (Some(url), Some(own))
            }
            Db::Postgres => (Some(postgres_url()?), None),
        };
        let config = Config {
            data_dir: dir.path().to_owned(),
            database_url,
            limits,
            sms: SmsConfig::File(dir.path().join(SMS_FILE)),
        };
        let state = AppState::open(config, Clock::system())
            .await
            .expect("the bureau opens its store");
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("a free loopback port");
        let addr: SocketAddr = listener.local_addr().expect("a bound address");
        let (stop, stopped) = oneshot::channel::<()>();
        tokio::spawn(petition_bureau::serve(listener, state.clone(), async {
            let _ = stopped.await;
        }));
        Some(TestBureau {
            base: format!("http://{addr}"),
            state,
            http: reqwest::Client::builder()
                .timeout(Duration::from_secs(60))
                .build()
                .expect("an HTTP client"),
            _stop: stop,
            _dir: dir,
            _own: own,
        })
    }

    /// The last code the bureau sent to `phone` (11 digits), from its SMS file.
    pub fn last_code(&self, phone: &str) -> Option<String> {
        let lines = std::fs::read_to_string(self._dir.path().join(SMS_FILE)).unwrap_or_default();
        lines
            .lines()
            .rev()
            .filter_map(|l| serde_json::from_str::<serde_json::Value>(l).ok())
            .filter(|v| v["phone"] == phone)
            .find_map(|v| v["code"].as_str().map(str::to_owned))
    }

    /// Codes the bureau sent, in all.
    pub fn codes_sent(&self) -> usize {
        std::fs::read_to_string(self._dir.path().join(SMS_FILE))
            .unwrap_or_default()
            .lines()
            .count()
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    /// A new citizen (or kiosk) token.
    pub async fn token(&self, kind: TokenKind) -> String {
        self.state
            .store()
            .create_token(kind, "test", "2026-01-01T00:00:00Z")
            .await
            .expect("a token")
    }

    pub fn get(&self, token: &str, path: &str) -> RequestBuilder {
        self.http.get(self.url(path)).bearer_auth(token)
    }

    pub fn post(&self, token: &str, path: &str) -> RequestBuilder {
        self.http.post(self.url(path)).bearer_auth(token)
    }

    /// `POST /v1/petitions` with `key` as the Idempotency-Key.
    pub async fn submit(&self, token: &str, key: &str, body: &SubmitPetition) -> Response {
        self.post(token, "/v1/petitions")
            .header(IDEMPOTENCY_KEY, key)
            .json(body)
            .send()
            .await
            .expect("the bureau answers")
    }

    /// A petition given at a community kiosk (a kiosk's token), with `title` and the
    /// petitioner's `phone` as typed there: its receipt's 查询码.
    pub async fn petition_at_a_kiosk(&self, title: &str, phone: &str) -> String {
        let kiosk = self.token(TokenKind::Kiosk).await;
        let mut petition = valid_petition();
        petition.title = title.into();
        petition.phone = phone.into();
        let receipt: petition_api::Receipt = self
            .submit(&kiosk, &new_key(), &petition)
            .await
            .json()
            .await
            .expect("a receipt");
        receipt.tracking_code
    }
}

/// Runs one async test body on SQLite and on PostgreSQL, as `NAME::sqlite` and `NAME::postgres`.
macro_rules! on_both {
    ($name:ident, $body:expr) => {
        mod $name {
            use super::*;

            #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
            async fn sqlite() {
                ($body)(crate::bureau::Db::Sqlite).await;
            }

            #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
            async fn postgres() {
                ($body)(crate::bureau::Db::Postgres).await;
            }
        }
    };
}
pub(crate) use on_both;

/// A petition that passes every rule.
pub fn valid_petition() -> SubmitPetition {
    SubmitPetition {
        name: "王丽".into(),
        id_number: "11010519491231002X".into(),
        phone: "13912345678".into(),
        address: "西安市雁塔区小寨东路 1 号".into(),
        email: String::new(),
        region: "610113".into(),
        agency: "陕西省住房和城乡建设厅".into(),
        category: "城乡建设".into(),
        purpose: "complaint".into(),
        title: "小区门前道路破损".into(),
        request: "请尽快修复道路。".into(),
        facts: "道路破损已三个月。".into(),
        reasons: String::new(),
        attachments: Vec::new(),
    }
}

pub fn new_key() -> String {
    uuid::Uuid::new_v4().to_string()
}

/// Asserts a JSON error answer and returns its body.
pub async fn expect_error(response: Response, status: StatusCode, code: &str) -> ErrorBody {
    assert_eq!(response.status(), status, "status for {code}");
    let content_type = response
        .headers()
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned();
    assert!(
        content_type.starts_with("application/json"),
        "{code}: content-type {content_type}"
    );
    let body: ErrorBody = response.json().await.expect("an error body");
    assert_eq!(body.code, code);
    assert!(
        body.message.contains(" / "),
        "bilingual message: {}",
        body.message
    );
    body
}
