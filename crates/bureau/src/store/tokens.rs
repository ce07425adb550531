//! Bearer tokens: created with a secret shown once, kept as its SHA-256.

use sha2::{Digest, Sha256};
use sqlx::Row;
use std::str::FromStr;

use super::{Store, random_hex};
use crate::error::Error;

/// Who a bearer token belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TokenKind {
    /// A citizen's account.
    Citizen,
    /// A registered kiosk in a community centre.
    Kiosk,
}

impl TokenKind {
    pub fn as_str(self) -> &'static str {
        match self {
            TokenKind::Citizen => "citizen",
            TokenKind::Kiosk => "kiosk",
        }
    }
}

impl FromStr for TokenKind {
    type Err = String;

    fn from_str(s: &str) -> Result<TokenKind, String> {
        match s {
            "citizen" => Ok(TokenKind::Citizen),
            "kiosk" => Ok(TokenKind::Kiosk),
            other => Err(format!("unknown token kind `{other}` (citizen or kiosk)")),
        }
    }
}

impl Store {
    /// Creates a bearer token and returns its secret, which is shown once and stored hashed.
    pub async fn create_token(
        &self,
        kind: TokenKind,
        name: &str,
        now: &str,
    ) -> Result<String, Error> {
        let secret = format!("pbt_{}", random_hex(32));
        let id = uuid::Uuid::new_v4().to_string();
        let _turn = self.write_turn().await;
        sqlx::query(
            "INSERT INTO tokens (id, kind, name, hash, created_at) VALUES ($1, $2, $3, $4, $5)",
        )
        .bind(&id)
        .bind(kind.as_str())
        .bind(name)
        .bind(token_hash(&secret))
        .bind(now)
        .execute(&self.pool)
        .await?;
        Ok(secret)
    }

    /// The token id and kind behind a secret.
    pub async fn token(&self, secret: &str) -> Result<Option<(String, TokenKind)>, Error> {
        let row = sqlx::query("SELECT id, kind FROM tokens WHERE hash = $1")
            .bind(token_hash(secret))
            .fetch_optional(&self.pool)
            .await?;
        row.map(|r| {
            let kind: String = r.try_get("kind")?;
            let kind = kind.parse().map_err(|_| Error::Corrupt("token kind"))?;
            Ok((r.try_get("id")?, kind))
        })
        .transpose()
    }
}

/// The id of the token that holds petitions of sealed bundles imported without naming a kiosk,
/// until a kiosk submits the same petition online and so takes it over. Never a UUID, so no
/// created token can have it; its secret is never kept.
pub const BUNDLE_TOKEN_ID: &str = "outbox-bundles";

impl Store {
    /// [`BUNDLE_TOKEN_ID`], created when first needed.
    pub async fn bundle_token(&self, now: &str) -> Result<String, Error> {
        let _turn = self.write_turn().await;
        sqlx::query(
            "INSERT INTO tokens (id, kind, name, hash, created_at) VALUES ($1, $2, $3, $4, $5) \
             ON CONFLICT (id) DO NOTHING",
        )
        .bind(BUNDLE_TOKEN_ID)
        .bind(TokenKind::Kiosk.as_str())
        .bind("(sealed outbox bundles)")
        .bind(token_hash(&random_hex(32)))
        .bind(now)
        .execute(&self.pool)
        .await?;
        Ok(BUNDLE_TOKEN_ID.to_owned())
    }

    /// The ids of the kiosk tokens created with `name`.
    pub async fn kiosk_tokens(&self, name: &str) -> Result<Vec<String>, Error> {
        let rows = sqlx::query("SELECT id FROM tokens WHERE kind = $1 AND name = $2 AND id <> $3")
            .bind(TokenKind::Kiosk.as_str())
            .bind(name)
            .bind(BUNDLE_TOKEN_ID)
            .fetch_all(&self.pool)
            .await?;
        Ok(rows
            .iter()
            .map(|r| r.try_get("id"))
            .collect::<Result<_, _>>()?)
    }
}

/// Tokens are stored as their SHA-256: a leaked database does not leak working tokens.
fn token_hash(secret: &str) -> String {
    hex::encode(Sha256::digest(secret.as_bytes()))
}
