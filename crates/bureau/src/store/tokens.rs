//! Bearer tokens: created with a secret shown once, kept as its SHA-256, each of an account
//! (`accounts`, see [`super::accounts`]); citizens' expire, and any can be revoked.

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

/// What the bureau knows of a token's secret.
#[derive(Debug, Clone)]
pub struct TokenInfo {
    pub token_id: String,
    /// The account whose petitions, uploads and keys the token works with.
    pub account_id: String,
    pub kind: TokenKind,
    pub state: TokenState,
}

/// Whether a token still works.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TokenState {
    Live,
    /// Its time is up (citizens' tokens expire; kiosks' do not).
    Expired,
    /// Revoked by the operator or by signing out, or its account was deleted.
    Revoked,
}

impl Store {
    /// Creates a bearer token with an account of its own (an operator's: a kiosk, or a citizen's
    /// made by hand) and returns its secret, which is shown once and stored hashed. It does not
    /// expire.
    pub async fn create_token(
        &self,
        kind: TokenKind,
        name: &str,
        now: &str,
    ) -> Result<String, Error> {
        let account = uuid::Uuid::new_v4().to_string();
        let _turn = self.write_turn().await;
        let mut tx = self.pool.begin().await?;
        sqlx::query("INSERT INTO accounts (id, kind, created_at) VALUES ($1, $2, $3)")
            .bind(&account)
            .bind(kind.as_str())
            .bind(now)
            .execute(&mut *tx)
            .await?;
        let secret = insert_token(&mut tx, &account, kind, name, now, None).await?;
        tx.commit().await?;
        Ok(secret)
    }

    /// Issues a token of `account` that works until `expires_unix`.
    pub async fn issue_token(
        &self,
        account: &str,
        kind: TokenKind,
        now: &str,
        expires_unix: i64,
    ) -> Result<String, Error> {
        let _turn = self.write_turn().await;
        let mut tx = self.pool.begin().await?;
        let secret =
            insert_token(&mut tx, account, kind, "sign-in", now, Some(expires_unix)).await?;
        tx.commit().await?;
        Ok(secret)
    }

    /// The token behind a secret, as of `now_unix`.
    pub async fn token(&self, secret: &str, now_unix: i64) -> Result<Option<TokenInfo>, Error> {
        let row = sqlx::query(
            "SELECT t.id, t.kind, t.account_id, t.expires_unix, t.revoked_at, a.deleted_at \
             FROM tokens t JOIN accounts a ON a.id = t.account_id WHERE t.hash = $1",
        )
        .bind(token_hash(secret))
        .fetch_optional(&self.pool)
        .await?;
        row.map(|r| {
            let kind: String = r.try_get("kind")?;
            let kind = kind.parse().map_err(|_| Error::Corrupt("token kind"))?;
            let expires: Option<i64> = r.try_get("expires_unix")?;
            let revoked: Option<String> = r.try_get("revoked_at")?;
            let deleted: Option<String> = r.try_get("deleted_at")?;
            let state = if revoked.is_some() || deleted.is_some() {
                TokenState::Revoked
            } else if expires.is_some_and(|e| e <= now_unix) {
                TokenState::Expired
            } else {
                TokenState::Live
            };
            Ok(TokenInfo {
                token_id: r.try_get("id")?,
                account_id: r.try_get("account_id")?,
                kind,
                state,
            })
        })
        .transpose()
    }

    /// Revokes one token (signing out). Its petitions stay the account's.
    pub async fn revoke_token(&self, token_id: &str, now: &str) -> Result<(), Error> {
        let _turn = self.write_turn().await;
        sqlx::query("UPDATE tokens SET revoked_at = $1 WHERE id = $2 AND revoked_at IS NULL")
            .bind(now)
            .bind(token_id)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    /// Revokes every token of an account; how many were live.
    pub async fn revoke_account_tokens(&self, account: &str, now: &str) -> Result<u64, Error> {
        let _turn = self.write_turn().await;
        let done = sqlx::query(
            "UPDATE tokens SET revoked_at = $1 WHERE account_id = $2 AND revoked_at IS NULL",
        )
        .bind(now)
        .bind(account)
        .execute(&self.pool)
        .await?;
        Ok(done.rows_affected())
    }
}

/// Inserts a token of `account` and returns its secret.
async fn insert_token(
    tx: &mut sqlx::Transaction<'_, sqlx::Any>,
    account: &str,
    kind: TokenKind,
    name: &str,
    now: &str,
    expires_unix: Option<i64>,
) -> Result<String, Error> {
    let secret = format!("pbt_{}", random_hex(32));
    sqlx::query(
        "INSERT INTO tokens (id, kind, name, hash, created_at, account_id, expires_unix) \
         VALUES ($1, $2, $3, $4, $5, $6, $7)",
    )
    .bind(uuid::Uuid::new_v4().to_string())
    .bind(kind.as_str())
    .bind(name)
    .bind(token_hash(&secret))
    .bind(now)
    .bind(account)
    .bind(expires_unix)
    .execute(&mut **tx)
    .await?;
    Ok(secret)
}

/// The id of the token that holds petitions of sealed bundles imported without naming a kiosk,
/// until a kiosk submits the same petition online and so takes it over. Never a UUID, so no
/// created token can have it; its secret is never kept.
pub const BUNDLE_TOKEN_ID: &str = "outbox-bundles";

impl Store {
    /// [`BUNDLE_TOKEN_ID`], created when first needed.
    pub async fn bundle_token(&self, now: &str) -> Result<String, Error> {
        let _turn = self.write_turn().await;
        let mut tx = self.pool.begin().await?;
        sqlx::query(
            "INSERT INTO accounts (id, kind, created_at) VALUES ($1, $2, $3) \
             ON CONFLICT (id) DO NOTHING",
        )
        .bind(BUNDLE_TOKEN_ID)
        .bind(TokenKind::Kiosk.as_str())
        .bind(now)
        .execute(&mut *tx)
        .await?;
        sqlx::query(
            "INSERT INTO tokens (id, kind, name, hash, created_at, account_id) \
             VALUES ($1, $2, $3, $4, $5, $1) ON CONFLICT (id) DO NOTHING",
        )
        .bind(BUNDLE_TOKEN_ID)
        .bind(TokenKind::Kiosk.as_str())
        .bind("(sealed outbox bundles)")
        .bind(token_hash(&random_hex(32)))
        .bind(now)
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(BUNDLE_TOKEN_ID.to_owned())
    }

    /// The accounts of the kiosk tokens created with `name`.
    pub async fn kiosk_tokens(&self, name: &str) -> Result<Vec<String>, Error> {
        let rows = sqlx::query(
            "SELECT DISTINCT account_id AS id FROM tokens \
             WHERE kind = $1 AND name = $2 AND id <> $3",
        )
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
pub(super) fn token_hash(secret: &str) -> String {
    hex::encode(Sha256::digest(secret.as_bytes()))
}
