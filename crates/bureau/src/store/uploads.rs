//! Upload rows: what was announced, how far the bytes got, which PATCH holds the upload (its
//! claim, migration 0003), when an unfinished one expires. The bytes themselves are files in the
//! data directory (`crate::uploads`).

use sqlx::Row;
use sqlx::any::AnyRow;

use super::Store;
use crate::error::Error;

/// An upload row.
#[derive(Debug, Clone)]
pub struct UploadRow {
    pub id: String,
    pub account_id: String,
    pub length: u64,
    pub media_type: String,
    pub sha256: String,
    pub offset: u64,
    pub complete: bool,
    pub expires_unix: i64,
    /// The claim of the latest PATCH to take the upload.
    pub claim: i64,
    /// The claim of the latest PATCH that ended and let go of the upload.
    pub released_claim: i64,
    /// The claim of the PATCH whose file holds the bytes received so far.
    pub file_claim: i64,
}

impl UploadRow {
    fn from_row(r: &AnyRow) -> Result<UploadRow, sqlx::Error> {
        Ok(UploadRow {
            id: r.try_get("id")?,
            account_id: r.try_get("account_id")?,
            length: r.try_get::<i64, _>("length")? as u64,
            media_type: r.try_get("media_type")?,
            sha256: r.try_get("sha256")?,
            offset: r.try_get::<i64, _>("offset_bytes")? as u64,
            complete: r.try_get::<i64, _>("complete")? != 0,
            expires_unix: r.try_get("expires_unix")?,
            claim: r.try_get("claim")?,
            released_claim: r.try_get("released_claim")?,
            file_claim: r.try_get("file_claim")?,
        })
    }
}

impl Store {
    /// The token's upload with this id.
    pub async fn upload(&self, id: &str, account_id: &str) -> Result<Option<UploadRow>, Error> {
        let row = sqlx::query("SELECT * FROM uploads WHERE id = $1 AND account_id = $2")
            .bind(id)
            .bind(account_id)
            .fetch_optional(&self.pool)
            .await?;
        Ok(row.as_ref().map(UploadRow::from_row).transpose()?)
    }

    pub async fn insert_upload(&self, row: &UploadRow) -> Result<(), Error> {
        let _turn = self.write_turn().await;
        sqlx::query(
            "INSERT INTO uploads (id, account_id, length, media_type, sha256, offset_bytes, complete, expires_unix) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
        )
        .bind(&row.id)
        .bind(&row.account_id)
        .bind(row.length as i64)
        .bind(&row.media_type)
        .bind(&row.sha256)
        .bind(row.offset as i64)
        .bind(i64::from(row.complete))
        .bind(row.expires_unix)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// Claims the upload for a PATCH that starts at `offset`, taking it from whoever held it:
    /// the row with the new claim, or `None` when the upload is complete or its bytes do not end
    /// at `offset` (any more).
    pub async fn claim_upload(
        &self,
        id: &str,
        account_id: &str,
        offset: u64,
    ) -> Result<Option<UploadRow>, Error> {
        let _turn = self.write_turn().await;
        let row = sqlx::query(
            "UPDATE uploads SET claim = claim + 1 \
             WHERE id = $1 AND account_id = $2 AND complete = 0 AND offset_bytes = $3 RETURNING *",
        )
        .bind(id)
        .bind(account_id)
        .bind(offset as i64)
        .fetch_optional(&self.pool)
        .await?;
        Ok(row.as_ref().map(UploadRow::from_row).transpose()?)
    }

    /// Records, for the holder of `claim`, that the first `offset` bytes of its file (that of
    /// `file_claim`) are received and synced; with `release`, it also lets go of the upload.
    /// `false` when a newer PATCH took the upload: nothing is recorded.
    pub async fn record_upload(
        &self,
        id: &str,
        claim: i64,
        file_claim: i64,
        offset: u64,
        release: bool,
    ) -> Result<bool, Error> {
        let _turn = self.write_turn().await;
        let sql = if release {
            "UPDATE uploads SET offset_bytes = $1, file_claim = $2, released_claim = claim \
             WHERE id = $3 AND claim = $4"
        } else {
            "UPDATE uploads SET offset_bytes = $1, file_claim = $2 WHERE id = $3 AND claim = $4"
        };
        let recorded = sqlx::query(sql)
            .bind(offset as i64)
            .bind(file_claim)
            .bind(id)
            .bind(claim)
            .execute(&self.pool)
            .await?;
        Ok(recorded.rows_affected() == 1)
    }

    /// Whether the PATCH holding `claim` still holds the upload.
    pub async fn holds_upload(&self, id: &str, claim: i64) -> Result<bool, Error> {
        let row = sqlx::query("SELECT 1 AS held FROM uploads WHERE id = $1 AND claim = $2")
            .bind(id)
            .bind(claim)
            .fetch_optional(&self.pool)
            .await?;
        Ok(row.is_some())
    }

    /// Marks an upload whose verified bytes are kept as complete, whoever holds it: every byte is
    /// there, and no PATCH may take it any more.
    pub async fn complete_upload(&self, id: &str) -> Result<(), Error> {
        let _turn = self.write_turn().await;
        sqlx::query(
            "UPDATE uploads SET complete = 1, offset_bytes = length, released_claim = claim \
             WHERE id = $1",
        )
        .bind(id)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// Deletes an unfinished upload that the PATCH holding `claim` still holds; `false` when a
    /// newer one took it, or it is complete.
    pub async fn delete_held_upload(&self, id: &str, claim: i64) -> Result<bool, Error> {
        let _turn = self.write_turn().await;
        let deleted =
            sqlx::query("DELETE FROM uploads WHERE id = $1 AND claim = $2 AND complete = 0")
                .bind(id)
                .bind(claim)
                .execute(&self.pool)
                .await?;
        Ok(deleted.rows_affected() == 1)
    }

    pub async fn delete_upload(&self, id: &str) -> Result<(), Error> {
        let _turn = self.write_turn().await;
        sqlx::query("DELETE FROM uploads WHERE id = $1")
            .bind(id)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    /// Whether the token has this content already, in a completed upload of its own or among
    /// the attachments of its petitions: what an upload may be completed from without its bytes.
    /// Another token's copy does not count, so an announcement never tells whether anyone else
    /// sent a file.
    pub async fn owns_content(
        &self,
        account_id: &str,
        sha256: &str,
        length: u64,
    ) -> Result<bool, Error> {
        let row = sqlx::query(
            "SELECT 1 AS held FROM uploads \
             WHERE account_id = $1 AND sha256 = $2 AND length = $3 AND complete = 1 \
             UNION ALL \
             SELECT 1 AS held FROM attachments a JOIN petitions p ON p.tracking_code = a.tracking_code \
             WHERE p.account_id = $1 AND a.sha256 = $2 AND a.length = $3 \
             LIMIT 1",
        )
        .bind(account_id)
        .bind(sha256)
        .bind(length as i64)
        .fetch_optional(&self.pool)
        .await?;
        Ok(row.is_some())
    }

    /// Unfinished uploads whose expiry is before `now_unix`.
    pub async fn expired_uploads(&self, now_unix: i64) -> Result<Vec<UploadRow>, Error> {
        let rows = sqlx::query("SELECT * FROM uploads WHERE complete = 0 AND expires_unix < $1")
            .bind(now_unix)
            .fetch_all(&self.pool)
            .await?;
        Ok(rows
            .iter()
            .map(UploadRow::from_row)
            .collect::<Result<_, _>>()?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::Config;
    use crate::store::TokenKind;

    #[tokio::test]
    async fn a_patch_that_lost_its_claim_records_nothing() {
        let dir = tempfile::tempdir().expect("a temporary directory");
        let store = Store::open(&Config::new(dir.path()))
            .await
            .expect("the store opens");
        let secret = store
            .create_token(TokenKind::Citizen, "t", "2026-01-01T00:00:00Z")
            .await
            .expect("a token");
        let token = store
            .token(&secret, 0)
            .await
            .expect("read")
            .expect("known")
            .account_id;
        let upload = UploadRow {
            id: "u1".into(),
            account_id: token.clone(),
            length: 100,
            media_type: "image/png".into(),
            sha256: "00".repeat(32),
            offset: 0,
            complete: false,
            expires_unix: i64::MAX,
            claim: 0,
            released_claim: 0,
            file_claim: 0,
        };
        store.insert_upload(&upload).await.expect("inserted");
        let claim = |offset| store.claim_upload("u1", &token, offset);

        let first = claim(0).await.expect("claim").expect("claimed");
        assert_eq!(
            (first.claim, first.released_claim),
            (1, 0),
            "nobody held it"
        );
        assert!(
            (store.record_upload("u1", 1, 0, 40, false).await).expect("recorded"),
            "a pause records what came"
        );
        assert!(
            claim(0).await.expect("claim").is_none(),
            "a PATCH at another offset takes nothing"
        );
        let second = claim(40).await.expect("claim").expect("taken over");
        assert_eq!(
            (second.claim, second.released_claim, second.offset),
            (2, 0, 40),
            "taken from a holder that did not let go"
        );

        // The first holder comes back: it records nothing and finds it lost the upload.
        assert!(
            !store
                .record_upload("u1", 1, 0, 90, true)
                .await
                .expect("sql")
        );
        assert!(!store.holds_upload("u1", 1).await.expect("sql"));
        assert!(!store.delete_held_upload("u1", 1).await.expect("sql"));
        let now = store
            .upload("u1", &token)
            .await
            .expect("read")
            .expect("there");
        assert_eq!((now.offset, now.file_claim, now.released_claim), (40, 0, 0));

        // The second records in its own file and lets go; the third writes on in it.
        assert!(
            store
                .record_upload("u1", 2, 2, 70, true)
                .await
                .expect("sql")
        );
        let third = claim(70).await.expect("claim").expect("claimed");
        assert_eq!(
            (third.claim, third.released_claim, third.file_claim),
            (3, 2, 2)
        );
        store.complete_upload("u1").await.expect("completed");
        assert!(claim(100).await.expect("claim").is_none(), "complete");
        let done = store
            .upload("u1", &token)
            .await
            .expect("read")
            .expect("there");
        assert_eq!((done.offset, done.complete), (100, true));
    }
}
