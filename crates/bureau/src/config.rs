//! Where the bureau keeps its data, and the limits it enforces.

use std::path::PathBuf;
use std::time::Duration;

/// The store and the data directory. Attachment bytes always live in the data directory;
/// the database is SQLite in it unless `database_url` names PostgreSQL.
#[derive(Debug, Clone)]
pub struct Config {
    pub data_dir: PathBuf,
    /// `postgres://…` or `sqlite://…`; `None` is `bureau.sqlite3` in the data directory.
    pub database_url: Option<String>,
    pub limits: Limits,
    /// How one-time codes reach citizens' phones.
    pub sms: crate::accounts::sms::SmsConfig,
}

/// The URL of the SQLite file `path`, created when missing. The path is percent-encoded, with the
/// `sqlite:` form that has no authority: sqlx's Any driver parses the URL first, and
/// `sqlite://C:\Users\…` (a Windows path) would make `C` a host name and the rest a port.
fn sqlite_url(path: &std::path::Path) -> String {
    let path = path.to_string_lossy();
    let mut url = String::with_capacity(path.len() + 20);
    url.push_str("sqlite:");
    for byte in path.bytes() {
        if byte.is_ascii_alphanumeric() || b"-._~/\\:".contains(&byte) {
            url.push(char::from(byte));
        } else {
            url.push_str(&format!("%{byte:02X}"));
        }
    }
    url.push_str("?mode=rwc");
    url
}

/// Limits the bureau answers with 413, 429 and 408.
#[derive(Debug, Clone)]
pub struct Limits {
    /// The largest attachment.
    pub max_attachment_bytes: u64,
    /// The most attachments per petition.
    pub max_attachments: u32,
    /// The largest JSON body.
    pub max_json_bytes: usize,
    /// How long an unfinished upload is kept.
    pub upload_ttl: Duration,
    /// Requests per second a token may make on average …
    pub rate_per_second: f64,
    /// … and in a burst.
    pub rate_burst: f64,
    /// Media types taken as attachments.
    pub media_types: Vec<String>,
    /// How long a request may send nothing while its headers or its body are due: a connection
    /// silent for this long in its headers (or between requests) is closed, a body silent for
    /// this long is answered 408 and its connection closed.
    pub read_timeout: Duration,
    /// Citizens' accounts: codes and tokens.
    pub accounts: AccountLimits,
}

/// The rules of one-time codes (SMS costs the bureau money, and a code is a key) and how long a
/// citizen's token lasts.
#[derive(Debug, Clone)]
pub struct AccountLimits {
    /// How long a code is valid (5 minutes).
    pub code_ttl: Duration,
    /// Wrong tries that void a code (5).
    pub code_max_failures: u32,
    /// The least time between two codes to one number (a minute).
    pub code_interval: Duration,
    /// Codes to one number in an hour (10).
    pub codes_per_phone_hour: u32,
    /// Codes asked from one network address in an hour, to any numbers (30).
    pub codes_per_address_hour: u32,
    /// Codes the bureau sends in an hour in all (1000).
    pub codes_per_hour: u32,
    /// How long a citizen's token works before signing in again (180 days).
    pub token_lifetime: Duration,
}

impl Default for AccountLimits {
    fn default() -> AccountLimits {
        AccountLimits {
            code_ttl: Duration::from_secs(300),
            code_max_failures: 5,
            code_interval: Duration::from_secs(60),
            codes_per_phone_hour: 10,
            codes_per_address_hour: 30,
            codes_per_hour: 1000,
            token_lifetime: Duration::from_secs(180 * 86_400),
        }
    }
}

impl Default for Limits {
    fn default() -> Limits {
        Limits {
            max_attachment_bytes: 20 * 1024 * 1024,
            max_attachments: 10,
            max_json_bytes: 1024 * 1024,
            upload_ttl: Duration::from_secs(24 * 3600),
            rate_per_second: 20.0,
            rate_burst: 100.0,
            media_types: ["image/jpeg", "image/png", "image/webp", "application/pdf"]
                .map(String::from)
                .to_vec(),
            read_timeout: Duration::from_secs(30),
            accounts: AccountLimits::default(),
        }
    }
}

impl Config {
    /// Default limits, SQLite in `data_dir`.
    pub fn new(data_dir: impl Into<PathBuf>) -> Config {
        Config {
            data_dir: data_dir.into(),
            database_url: None,
            limits: Limits::default(),
            sms: Default::default(),
        }
    }

    /// The database URL in force.
    pub fn database_url(&self) -> String {
        match &self.database_url {
            Some(url) => url.clone(),
            None => sqlite_url(&self.data_dir.join("bureau.sqlite3")),
        }
    }

    /// Verified attachments, one file per SHA-256.
    pub fn blob_dir(&self) -> PathBuf {
        self.data_dir.join("blobs")
    }

    /// Unfinished uploads.
    pub fn partial_dir(&self) -> PathBuf {
        self.data_dir.join("uploads")
    }

    /// The postal addresses and postcodes of the 信访 offices letters go to (`offices.json`, if
    /// the operator wrote one): a JSON list of `{"region", "name", "address", "postcode"}`.
    pub fn offices_path(&self) -> PathBuf {
        self.data_dir.join("offices.json")
    }

    /// The bureau's age identity for sealed outbox bundles (`outbox-identity.txt`, mode 0600).
    pub fn outbox_key_path(&self) -> PathBuf {
        self.data_dir.join("outbox-identity.txt")
    }

    pub fn blob_path(&self, sha256: &str) -> PathBuf {
        self.blob_dir().join(&sha256[..2]).join(sha256)
    }

    /// The file of an unfinished upload that the PATCH holding claim `claim` made (0: the first
    /// file, which claims that find it let go of keep writing; see `crate::uploads`).
    pub fn partial_path(&self, upload_id: &str, claim: i64) -> PathBuf {
        match claim {
            0 => self.partial_dir().join(format!("{upload_id}.part")),
            n => self.partial_dir().join(format!("{upload_id}.{n}.part")),
        }
    }
}

#[cfg(test)]
mod tests {
    use std::path::Path;
    use std::str::FromStr;

    use sqlx::any::AnyConnectOptions;
    use sqlx::sqlite::SqliteConnectOptions;

    use super::*;

    /// The file sqlx opens for the default database URL, read back the way the bureau's pool
    /// reads it (the Any driver's URL, then SQLite's options).
    fn opened_file(data_dir: &Path) -> PathBuf {
        install_drivers();
        let url = Config::new(data_dir).database_url();
        let any = AnyConnectOptions::from_str(&url).expect("the URL parses");
        let sqlite = SqliteConnectOptions::try_from(&any).expect("a SQLite URL");
        sqlite.get_filename().to_path_buf()
    }

    fn install_drivers() {
        sqlx::any::install_default_drivers();
    }

    #[test]
    fn the_default_database_is_the_file_in_the_data_folder_whatever_its_name() {
        let dir = tempfile::tempdir().expect("a temporary directory");
        // A space, a `#`, a `%`, a `?` and Chinese, which a URL would otherwise take apart.
        let data_dir = dir.path().join("信访 data #1 100% ?");
        assert_eq!(opened_file(&data_dir), data_dir.join("bureau.sqlite3"));
    }

    /// On Windows the temporary folder is `C:\Users\…\Temp`: a drive letter and backslashes,
    /// which the `sqlite://` form lost ("unable to open database file" under Wine).
    #[cfg(windows)]
    #[test]
    fn a_windows_path_with_its_drive_letter_is_kept() {
        let data_dir = Path::new(r"C:\Users\citizen\AppData\Local\petition-bureau");
        assert_eq!(opened_file(data_dir), data_dir.join("bureau.sqlite3"));
    }
}
