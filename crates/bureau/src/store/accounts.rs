//! Citizens' accounts and the one-time codes that open them: `accounts`, `phone_codes` (one live
//! code per number, kept as a SHA-256) and `code_sends` (what the limits count). See
//! `crate::accounts` for the rules these serve.

use sha2::{Digest, Sha256};
use sqlx::Row;

use super::{Store, TokenKind};
use crate::error::Error;

/// A citizen's account.
#[derive(Debug, Clone)]
pub struct AccountRow {
    pub id: String,
    /// 11 digits; `None` for accounts without a number (kiosks, operators' tokens).
    pub phone: Option<String>,
    pub created_at: String,
}

/// The live code of a number.
#[derive(Clone)]
pub struct PhoneCode {
    pub hash: String,
    pub sign_up: bool,
    pub name: Option<String>,
    pub id_number: Option<String>,
    pub expires_unix: i64,
    pub failures: i64,
    pub used: bool,
}

impl std::fmt::Debug for PhoneCode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PhoneCode")
            .field("sign_up", &self.sign_up)
            .field("failures", &self.failures)
            .field("used", &self.used)
            .finish_non_exhaustive()
    }
}

/// A new code as it is kept. No `Debug` of its fields: they are a number, a code and a sign-up's
/// personal data.
pub struct NewCode<'a> {
    pub phone: &'a str,
    pub code: &'a str,
    pub sign_up: bool,
    pub name: Option<&'a str>,
    pub id_number: Option<&'a str>,
    pub now_unix: i64,
    pub expires_unix: i64,
    pub address: &'a str,
}

impl std::fmt::Debug for NewCode<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("NewCode")
            .field("sign_up", &self.sign_up)
            .finish_non_exhaustive()
    }
}

/// Codes sent lately, as the limits count them.
#[derive(Debug, Clone, Copy, Default)]
pub struct Sends {
    /// The last one to this number (unix seconds), if any in the last hour.
    pub last_to_phone: Option<i64>,
    /// The oldest to this number in the last hour, and how many.
    pub oldest_to_phone: Option<i64>,
    pub to_phone: i64,
    /// To any number from this address in the last hour, the oldest of them.
    pub from_address: i64,
    pub oldest_from_address: Option<i64>,
    /// To any number from anywhere in the last hour, the oldest of them.
    pub in_all: i64,
    pub oldest_in_all: Option<i64>,
}

/// The SHA-256 a code is kept as: with its number, so one hash says nothing of another number's.
pub fn code_hash(phone: &str, code: &str) -> String {
    hex::encode(Sha256::digest(format!("{phone}:{code}").as_bytes()))
}

fn account_row(r: &sqlx::any::AnyRow) -> Result<AccountRow, sqlx::Error> {
    Ok(AccountRow {
        id: r.try_get("id")?,
        phone: r.try_get("phone")?,
        created_at: r.try_get("created_at")?,
    })
}

impl Store {
    /// The citizen account of a number.
    pub async fn account_by_phone(&self, phone: &str) -> Result<Option<AccountRow>, Error> {
        let row = sqlx::query(
            "SELECT id, phone, created_at FROM accounts WHERE phone = $1 AND deleted_at IS NULL",
        )
        .bind(phone)
        .fetch_optional(&self.pool)
        .await?;
        Ok(row.as_ref().map(account_row).transpose()?)
    }

    pub async fn account(&self, id: &str) -> Result<Option<AccountRow>, Error> {
        let row = sqlx::query("SELECT id, phone, created_at FROM accounts WHERE id = $1")
            .bind(id)
            .fetch_optional(&self.pool)
            .await?;
        Ok(row.as_ref().map(account_row).transpose()?)
    }

    /// Makes a citizen's account for a number, or finds the one it has (two sign-ups of one
    /// number racing): `(account, made now)`.
    pub async fn create_citizen_account(
        &self,
        phone: &str,
        name: &str,
        id_number: &str,
        now: &str,
    ) -> Result<(AccountRow, bool), Error> {
        let id = uuid::Uuid::new_v4().to_string();
        let made = {
            let _turn = self.write_turn().await;
            sqlx::query(
                "INSERT INTO accounts (id, kind, phone, name, id_number, created_at) \
                 VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (phone) DO NOTHING",
            )
            .bind(&id)
            .bind(TokenKind::Citizen.as_str())
            .bind(phone)
            .bind(name)
            .bind(id_number)
            .bind(now)
            .execute(&self.pool)
            .await?
            .rows_affected()
                == 1
        };
        let account = self
            .account_by_phone(phone)
            .await?
            .ok_or(Error::Corrupt("an account just made"))?;
        Ok((account, made))
    }

    /// 注销: the account's number, name and ID number are erased and its tokens revoked. Its
    /// petitions stay at the bureau, as the regulation's records, under an account nobody can
    /// sign in to; the number can sign up afresh.
    pub async fn delete_account(&self, id: &str, now: &str) -> Result<(), Error> {
        let _turn = self.write_turn().await;
        let mut tx = self.pool.begin().await?;
        sqlx::query(
            "UPDATE accounts SET phone = NULL, name = NULL, id_number = NULL, deleted_at = $1 \
             WHERE id = $2",
        )
        .bind(now)
        .bind(id)
        .execute(&mut *tx)
        .await?;
        sqlx::query(
            "UPDATE tokens SET revoked_at = $1 WHERE account_id = $2 AND revoked_at IS NULL",
        )
        .bind(now)
        .bind(id)
        .execute(&mut *tx)
        .await?;
        // The petitions it followed were other people's: it follows them no longer.
        sqlx::query("DELETE FROM watches WHERE account_id = $1")
            .bind(id)
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(())
    }

    /// Gives the citizen account the petitions that kiosks delivered with its number and nobody
    /// claimed yet; how many.
    pub async fn claim_kiosk_petitions(&self, account: &str, phone: &str) -> Result<u64, Error> {
        let _turn = self.write_turn().await;
        let done = sqlx::query(
            "UPDATE petitions SET claimed_by = $1 WHERE phone = $2 AND claimed_by IS NULL \
             AND account_id IN (SELECT id FROM accounts WHERE kind = $3)",
        )
        .bind(account)
        .bind(phone)
        .bind(TokenKind::Kiosk.as_str())
        .execute(&self.pool)
        .await?;
        Ok(done.rows_affected())
    }

    /// Codes sent in the hour before `now_unix`: to `phone`, from `address`, and in all. Sends
    /// recorded after `now_unix` do not count: a clock moved back (a training bureau returned to
    /// today, or tests on one shared database with clocks of their own) must not stop every code.
    pub async fn code_sends(
        &self,
        phone: &str,
        address: &str,
        now_unix: i64,
    ) -> Result<Sends, Error> {
        let since = now_unix - 3600;
        const COLUMNS: &str = "COUNT(*) AS n, MIN(at_unix) AS oldest, MAX(at_unix) AS newest";
        let by_phone = format!(
            "SELECT {COLUMNS} FROM code_sends WHERE phone = $1 AND at_unix > $2 AND at_unix <= $3"
        );
        let by_address = format!(
            "SELECT {COLUMNS} FROM code_sends \
             WHERE address = $1 AND at_unix > $2 AND at_unix <= $3"
        );
        let in_all =
            format!("SELECT {COLUMNS} FROM code_sends WHERE at_unix > $1 AND at_unix <= $2");
        let p = sqlx::query(&by_phone)
            .bind(phone)
            .bind(since)
            .bind(now_unix)
            .fetch_one(&self.pool)
            .await?;
        let a = sqlx::query(&by_address)
            .bind(address)
            .bind(since)
            .bind(now_unix)
            .fetch_one(&self.pool)
            .await?;
        let all = sqlx::query(&in_all)
            .bind(since)
            .bind(now_unix)
            .fetch_one(&self.pool)
            .await?;
        Ok(Sends {
            last_to_phone: p.try_get("newest")?,
            oldest_to_phone: p.try_get("oldest")?,
            to_phone: p.try_get("n")?,
            from_address: a.try_get("n")?,
            oldest_from_address: a.try_get("oldest")?,
            in_all: all.try_get("n")?,
            oldest_in_all: all.try_get("oldest")?,
        })
    }

    /// Keeps a new code for its number (replacing the one before) and counts it as sent. Sends
    /// older than a day are let go here.
    pub async fn put_code(&self, new: &NewCode<'_>) -> Result<(), Error> {
        let _turn = self.write_turn().await;
        let mut tx = self.pool.begin().await?;
        sqlx::query("DELETE FROM phone_codes WHERE phone = $1")
            .bind(new.phone)
            .execute(&mut *tx)
            .await?;
        sqlx::query(
            "INSERT INTO phone_codes (phone, hash, purpose, name, id_number, created_unix, \
             expires_unix) VALUES ($1, $2, $3, $4, $5, $6, $7)",
        )
        .bind(new.phone)
        .bind(code_hash(new.phone, new.code))
        .bind(if new.sign_up { "sign_up" } else { "sign_in" })
        .bind(new.name)
        .bind(new.id_number)
        .bind(new.now_unix)
        .bind(new.expires_unix)
        .execute(&mut *tx)
        .await?;
        sqlx::query("INSERT INTO code_sends (phone, address, at_unix) VALUES ($1, $2, $3)")
            .bind(new.phone)
            .bind(new.address)
            .bind(new.now_unix)
            .execute(&mut *tx)
            .await?;
        sqlx::query("DELETE FROM code_sends WHERE at_unix < $1")
            .bind(new.now_unix - 86_400)
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(())
    }

    /// The live code of a number.
    pub async fn phone_code(&self, phone: &str) -> Result<Option<PhoneCode>, Error> {
        let row = sqlx::query(
            "SELECT hash, purpose, name, id_number, expires_unix, failures, used \
             FROM phone_codes WHERE phone = $1",
        )
        .bind(phone)
        .fetch_optional(&self.pool)
        .await?;
        row.map(|r| {
            let purpose: String = r.try_get("purpose")?;
            Ok(PhoneCode {
                hash: r.try_get("hash")?,
                sign_up: purpose == "sign_up",
                name: r.try_get("name")?,
                id_number: r.try_get("id_number")?,
                expires_unix: r.try_get("expires_unix")?,
                failures: r.try_get("failures")?,
                used: r.try_get::<i64, _>("used")? != 0,
            })
        })
        .transpose()
    }

    /// Counts a wrong try of the number's live code; the failures now, or `None` when the code
    /// is gone or used meanwhile.
    pub async fn code_failed(&self, phone: &str) -> Result<Option<i64>, Error> {
        let _turn = self.write_turn().await;
        let row = sqlx::query(
            "UPDATE phone_codes SET failures = failures + 1 WHERE phone = $1 AND used = 0 \
             RETURNING failures",
        )
        .bind(phone)
        .fetch_optional(&self.pool)
        .await?;
        Ok(row.map(|r| r.try_get("failures")).transpose()?)
    }

    /// Uses the number's code if it is still the one with `hash`, unused, unexpired and under
    /// `max_failures`: `true` for the one request that does (two racing with the right code get
    /// one token between them). The sign-up's name and ID number are erased from the row.
    pub async fn use_code(
        &self,
        phone: &str,
        hash: &str,
        now_unix: i64,
        max_failures: i64,
    ) -> Result<bool, Error> {
        let _turn = self.write_turn().await;
        let done = sqlx::query(
            "UPDATE phone_codes SET used = 1, name = NULL, id_number = NULL \
             WHERE phone = $1 AND hash = $2 AND used = 0 AND expires_unix > $3 AND failures < $4",
        )
        .bind(phone)
        .bind(hash)
        .bind(now_unix)
        .bind(max_failures)
        .execute(&self.pool)
        .await?;
        Ok(done.rows_affected() == 1)
    }
}
