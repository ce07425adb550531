//! Upload rows: what was announced, how far the bytes got, when an unfinished one expires. The
//! bytes themselves are files in the data directory (`crate::uploads`).

use sqlx::Row;
use sqlx::any::AnyRow;

use super::Store;
use crate::error::Error;

/// An upload row.
#[derive(Debug, Clone)]
pub struct UploadRow {
    pub id: String,
    pub token_id: String,
    pub length: u64,
    pub media_type: String,
    pub sha256: String,
    pub offset: u64,
    pub complete: bool,
    pub expires_unix: i64,
}

impl UploadRow {
    fn from_row(r: &AnyRow) -> Result<UploadRow, sqlx::Error> {
        Ok(UploadRow {
            id: r.try_get("id")?,
            token_id: r.try_get("token_id")?,
            length: r.try_get::<i64, _>("length")? as u64,
            media_type: r.try_get("media_type")?,
            sha256: r.try_get("sha256")?,
            offset: r.try_get::<i64, _>("offset_bytes")? as u64,
            complete: r.try_get::<i64, _>("complete")? != 0,
            expires_unix: r.try_get("expires_unix")?,
        })
    }
}

impl Store {
    /// The token's upload with this id.
    pub async fn upload(&self, id: &str, token_id: &str) -> Result<Option<UploadRow>, Error> {
        let row = sqlx::query("SELECT * FROM uploads WHERE id = $1 AND token_id = $2")
            .bind(id)
            .bind(token_id)
            .fetch_optional(&self.pool)
            .await?;
        Ok(row.as_ref().map(UploadRow::from_row).transpose()?)
    }

    pub async fn insert_upload(&self, row: &UploadRow) -> Result<(), Error> {
        let _turn = self.write_turn().await;
        sqlx::query(
            "INSERT INTO uploads (id, token_id, length, media_type, sha256, offset_bytes, complete, expires_unix) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
        )
        .bind(&row.id)
        .bind(&row.token_id)
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

    pub async fn set_upload_offset(&self, id: &str, offset: u64) -> Result<(), Error> {
        let _turn = self.write_turn().await;
        sqlx::query("UPDATE uploads SET offset_bytes = $1 WHERE id = $2")
            .bind(offset as i64)
            .bind(id)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    pub async fn mark_upload_complete(&self, id: &str) -> Result<(), Error> {
        let _turn = self.write_turn().await;
        sqlx::query("UPDATE uploads SET complete = 1 WHERE id = $1")
            .bind(id)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    pub async fn delete_upload(&self, id: &str) -> Result<(), Error> {
        let _turn = self.write_turn().await;
        sqlx::query("DELETE FROM uploads WHERE id = $1")
            .bind(id)
            .execute(&self.pool)
            .await?;
        Ok(())
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
