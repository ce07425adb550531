//! Petitions, their attachments and their events: what intake writes, what views read, and the
//! workflow's writes. A petition's change cursor (`change_seq`) is the id of its last event, so
//! every write that a citizen should see goes through [`add_event`].

use petition_api::{
    AttachmentInfo, Decision, Evaluation, Event, EventKind, Status, SubmitPetition,
};
use petition_rules::validate::mobile_number;
use sqlx::{Any, Row, Transaction};

use super::{BUNDLE_TOKEN_ID, Store, lock_changes};
use crate::error::Error;

/// The columns of a petition that rules look at.
#[derive(Debug, Clone)]
pub struct PetitionRow {
    pub tracking_code: String,
    pub account_id: String,
    pub status: Status,
    pub accepted_at: Option<String>,
    pub replied_at: Option<String>,
    pub extended: bool,
    /// Routed to the organ that handles it (登记转送), and not sent back since.
    pub routed: bool,
    /// When it was last routed, unless the organ sent it back since (第二十三条).
    pub routed_at: Option<String>,
    pub review_requested: bool,
    /// When the review's last decision was given.
    pub reviewed_at: Option<String>,
    pub recheck_requested: bool,
    /// The bureau's latest decision (reply, review, re-examination), if any, and whether the
    /// citizen rated it.
    pub decision: Option<Decision>,
    pub decision_rated: bool,
    /// The petition's change cursor when read: a write that finds it moved was raced.
    pub change_seq: i64,
}

/// Everything stored of one petition that its owner may see.
#[derive(Debug, Clone)]
pub struct PetitionRecord {
    pub tracking_code: String,
    pub petition_id: String,
    pub status: Status,
    pub title: String,
    pub region: String,
    pub category: String,
    pub purpose: String,
    pub received_at: String,
    pub updated_at: String,
    pub accepted_at: Option<String>,
    pub replied_at: Option<String>,
    pub extended: bool,
    pub evaluation: Option<Evaluation>,
    pub attachments: Vec<AttachmentInfo>,
    pub events: Vec<Event>,
}

/// A petition delivered before under some token, as intake compares it with a new delivery.
#[derive(Debug, Clone)]
pub struct Delivered {
    pub tracking_code: String,
    pub account_id: String,
    pub received_at: String,
    /// The petition as it was submitted (its `attachments` name the uploads of that time).
    pub petition: SubmitPetition,
    /// Its attachments by name and SHA-256, in order.
    pub attachments: Vec<(String, String)>,
}

/// A petition as intake stores it.
#[derive(Debug)]
pub struct NewPetition<'a> {
    pub tracking_code: &'a str,
    pub petition_id: &'a str,
    pub owner: &'a str,
    pub reference: &'a str,
    pub received_at: &'a str,
    pub petition: &'a SubmitPetition,
    /// `petition` as JSON, as it is kept.
    pub body: &'a str,
    pub attachments: &'a [AttachmentInfo],
}

/// One line of `petition-bureau petition list`.
#[derive(Debug, Clone)]
pub struct Listed {
    pub tracking_code: String,
    pub status: String,
    pub received_at: String,
    pub category: String,
    pub region: String,
}

/// A petition waiting on the bureau, with the dates its deadline hangs on.
#[derive(Debug, Clone)]
pub struct Open {
    pub tracking_code: String,
    pub status: Status,
    pub purpose: String,
    pub received_at: String,
    pub routed_at: Option<String>,
    pub accepted_at: Option<String>,
    pub extended: bool,
    pub review_requested_at: Option<String>,
    pub recheck_requested_at: Option<String>,
}

/// An operator's step: from which status to which, with its event.
#[derive(Debug, Clone, Copy)]
pub struct Step<'a> {
    pub from: Status,
    pub to: Status,
    pub stamp: Stamp,
    pub kind: EventKind,
    pub text: Option<&'a str>,
}

/// The column an operator's step stamps besides the status.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stamp {
    None,
    AcceptedAt,
    Extended,
    RepliedAt,
}

/// The petition delivered before with this id that a delivery for `owner` is the same as: the
/// owner's own, or one an unnamed bundle brought in ([`BUNDLE_TOKEN_ID`]), never another
/// token's, whose petition under the same id is theirs alone. A delivery of an unnamed bundle
/// (the operator's import) finds it whoever delivered it, the owner's own first.
pub async fn delivered(
    tx: &mut Transaction<'_, Any>,
    petition_id: &str,
    owner: &str,
) -> Result<Option<Delivered>, Error> {
    let query = if owner == BUNDLE_TOKEN_ID {
        sqlx::query(
            "SELECT tracking_code, account_id, body, received_at FROM petitions \
             WHERE petition_id = $1 \
             ORDER BY CASE WHEN account_id = $2 THEN 0 ELSE 1 END, received_at, tracking_code \
             LIMIT 1",
        )
        .bind(petition_id)
        .bind(owner)
    } else {
        sqlx::query(
            "SELECT tracking_code, account_id, body, received_at FROM petitions \
             WHERE petition_id = $1 AND account_id IN ($2, $3) \
             ORDER BY CASE WHEN account_id = $2 THEN 0 ELSE 1 END LIMIT 1",
        )
        .bind(petition_id)
        .bind(owner)
        .bind(BUNDLE_TOKEN_ID)
    };
    let Some(row) = query.fetch_optional(&mut **tx).await? else {
        return Ok(None);
    };
    let tracking_code: String = row.try_get("tracking_code")?;
    let body: String = row.try_get("body")?;
    let petition: SubmitPetition =
        serde_json::from_str(&body).map_err(|_| Error::Corrupt("petition body"))?;
    let attachments = sqlx::query(
        "SELECT file_name, sha256 FROM attachments WHERE tracking_code = $1 ORDER BY position",
    )
    .bind(&tracking_code)
    .fetch_all(&mut **tx)
    .await?
    .iter()
    .map(|a| Ok((a.try_get("file_name")?, a.try_get("sha256")?)))
    .collect::<Result<Vec<_>, sqlx::Error>>()?;
    Ok(Some(Delivered {
        tracking_code,
        account_id: row.try_get("account_id")?,
        received_at: row.try_get("received_at")?,
        petition,
        attachments,
    }))
}

/// Gives a petition to another token.
pub async fn set_owner(
    tx: &mut Transaction<'_, Any>,
    tracking_code: &str,
    owner: &str,
) -> Result<(), Error> {
    sqlx::query("UPDATE petitions SET account_id = $1 WHERE tracking_code = $2")
        .bind(owner)
        .bind(tracking_code)
        .execute(&mut **tx)
        .await?;
    Ok(())
}

/// Stores a new petition with its attachments, `submitted`, and its first event.
pub async fn insert(tx: &mut Transaction<'_, Any>, new: &NewPetition<'_>) -> Result<(), Error> {
    let req = new.petition;
    sqlx::query(
        "INSERT INTO petitions (tracking_code, petition_id, account_id, status, body, title, region, \
         category, purpose, received_at, updated_at, reference, phone) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)",
    )
    .bind(new.tracking_code)
    .bind(new.petition_id)
    .bind(new.owner)
    .bind(Status::Submitted.as_str())
    .bind(new.body)
    .bind(req.title.trim())
    .bind(req.region.trim())
    .bind(req.category.trim())
    .bind(req.purpose.trim())
    .bind(new.received_at)
    .bind(new.received_at)
    .bind(new.reference)
    .bind(mobile_number(&req.phone).unwrap_or_default())
    .execute(&mut **tx)
    .await?;
    for (i, a) in new.attachments.iter().enumerate() {
        sqlx::query(
            "INSERT INTO attachments (tracking_code, position, file_name, media_type, length, sha256) \
             VALUES ($1, $2, $3, $4, $5, $6)",
        )
        .bind(new.tracking_code)
        .bind(i as i64)
        .bind(&a.file_name)
        .bind(&a.media_type)
        .bind(a.length as i64)
        .bind(&a.sha256)
        .execute(&mut **tx)
        .await?;
    }
    add_event(
        tx,
        new.tracking_code,
        EventKind::Submitted,
        new.received_at,
        None,
    )
    .await?;
    Ok(())
}

/// Appends an event and moves the petition's change cursor past it.
pub async fn add_event(
    tx: &mut Transaction<'_, Any>,
    tracking_code: &str,
    kind: EventKind,
    at: &str,
    text: Option<&str>,
) -> Result<(), sqlx::Error> {
    add_keyed_event(tx, tracking_code, kind, at, text, None).await
}

/// [`add_event`] for a citizen's request that came with an `Idempotency-Key`: the event keeps
/// it, so that the request sent again finds it ([`Store::event_of_key`]).
async fn add_keyed_event(
    tx: &mut Transaction<'_, Any>,
    tracking_code: &str,
    kind: EventKind,
    at: &str,
    text: Option<&str>,
    key: Option<&str>,
) -> Result<(), sqlx::Error> {
    lock_changes(tx).await?;
    sqlx::query(
        "INSERT INTO events (tracking_code, kind, at, text, request_key) VALUES ($1, $2, $3, $4, $5)",
    )
    .bind(tracking_code)
    .bind(kind.as_str())
    .bind(at)
    .bind(text)
    .bind(key)
    .execute(&mut **tx)
    .await?;
    sqlx::query(
        "UPDATE petitions SET updated_at = $1, \
         change_seq = (SELECT MAX(id) FROM events WHERE tracking_code = $2) \
         WHERE tracking_code = $3",
    )
    .bind(at)
    .bind(tracking_code)
    .bind(tracking_code)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

impl Store {
    /// Reads a petition's state; `owner` limits it to one token's petitions.
    pub async fn petition_row(
        &self,
        tracking_code: &str,
        owner: Option<&str>,
    ) -> Result<Option<PetitionRow>, Error> {
        let row = sqlx::query(
            "SELECT tracking_code, account_id, claimed_by, status, accepted_at, replied_at, \
             extended, review_requested, change_seq FROM petitions WHERE tracking_code = $1",
        )
        .bind(tracking_code)
        .fetch_optional(&self.pool)
        .await?;
        let Some(r) = row else { return Ok(None) };
        let account_id: String = r.try_get("account_id")?;
        let claimed_by: Option<String> = r.try_get("claimed_by")?;
        if let Some(o) = owner.filter(|o| *o != account_id && claimed_by.as_deref() != Some(o))
            && !self.watches(o, tracking_code).await?
        {
            return Ok(None);
        }
        let status: String = r.try_get("status")?;
        let (mut reviewed_at, mut recheck_requested, mut routed_at) = (None, false, None);
        let (mut decision, mut decision_rated) = (None, false);
        for e in sqlx::query(
            "SELECT kind, at FROM events WHERE tracking_code = $1 \
             AND kind IN ($2, $3, $4, $5, $6, $7, $8) ORDER BY id",
        )
        .bind(tracking_code)
        .bind(EventKind::Routed.as_str())
        .bind(EventKind::Objected.as_str())
        .bind(EventKind::Replied.as_str())
        .bind(EventKind::ReviewDecided.as_str())
        .bind(EventKind::RecheckRequested.as_str())
        .bind(EventKind::RecheckDecided.as_str())
        .bind(EventKind::Evaluated.as_str())
        .fetch_all(&self.pool)
        .await?
        {
            let kind: String = e.try_get("kind")?;
            let decided = match EventKind::parse(&kind) {
                Some(EventKind::Replied) => Some(Decision::Reply),
                Some(EventKind::ReviewDecided) => {
                    reviewed_at = Some(e.try_get("at")?);
                    Some(Decision::Review)
                }
                Some(EventKind::RecheckDecided) => Some(Decision::Recheck),
                Some(EventKind::RecheckRequested) => {
                    recheck_requested = true;
                    None
                }
                Some(EventKind::Routed) => {
                    routed_at = Some(e.try_get("at")?);
                    None
                }
                Some(EventKind::Objected) => {
                    routed_at = None;
                    None
                }
                _ => {
                    decision_rated = true;
                    None
                }
            };
            if decided.is_some() {
                (decision, decision_rated) = (decided, false);
            }
        }
        Ok(Some(PetitionRow {
            tracking_code: r.try_get("tracking_code")?,
            account_id,
            status: Status::parse(&status).ok_or(Error::Corrupt("petition status"))?,
            accepted_at: r.try_get("accepted_at")?,
            replied_at: r.try_get("replied_at")?,
            extended: r.try_get::<i64, _>("extended")? != 0,
            routed: routed_at.is_some(),
            routed_at,
            review_requested: r.try_get::<i64, _>("review_requested")? != 0,
            reviewed_at,
            recheck_requested,
            decision,
            decision_rated,
            change_seq: r.try_get("change_seq")?,
        }))
    }

    /// Everything stored of one petition, with its attachments and events in order.
    pub async fn petition_record(&self, tracking_code: &str) -> Result<PetitionRecord, Error> {
        let r = sqlx::query(
            "SELECT tracking_code, petition_id, status, title, region, category, purpose, \
             received_at, updated_at, accepted_at, replied_at, extended, evaluation \
             FROM petitions WHERE tracking_code = $1",
        )
        .bind(tracking_code)
        .fetch_one(&self.pool)
        .await?;
        let attachments = sqlx::query(
            "SELECT file_name, media_type, length, sha256 FROM attachments \
             WHERE tracking_code = $1 ORDER BY position",
        )
        .bind(tracking_code)
        .fetch_all(&self.pool)
        .await?
        .iter()
        .map(|a| {
            Ok(AttachmentInfo {
                file_name: a.try_get("file_name")?,
                media_type: a.try_get("media_type")?,
                length: a.try_get::<i64, _>("length")? as u64,
                sha256: a.try_get("sha256")?,
            })
        })
        .collect::<Result<Vec<_>, sqlx::Error>>()?;
        let mut events = Vec::new();
        for e in
            sqlx::query("SELECT kind, at, text FROM events WHERE tracking_code = $1 ORDER BY id")
                .bind(tracking_code)
                .fetch_all(&self.pool)
                .await?
        {
            let kind: String = e.try_get("kind")?;
            events.push(Event {
                kind: EventKind::parse(&kind).ok_or(Error::Corrupt("event kind"))?,
                at: e.try_get("at")?,
                text: e.try_get("text")?,
            });
        }
        let status: String = r.try_get("status")?;
        let evaluation: Option<String> = r.try_get("evaluation")?;
        Ok(PetitionRecord {
            tracking_code: r.try_get("tracking_code")?,
            petition_id: r.try_get("petition_id")?,
            status: Status::parse(&status).ok_or(Error::Corrupt("petition status"))?,
            title: r.try_get("title")?,
            region: r.try_get("region")?,
            category: r.try_get("category")?,
            purpose: r.try_get("purpose")?,
            received_at: r.try_get("received_at")?,
            updated_at: r.try_get("updated_at")?,
            accepted_at: r.try_get("accepted_at")?,
            replied_at: r.try_get("replied_at")?,
            extended: r.try_get::<i64, _>("extended")? != 0,
            evaluation: evaluation
                .map(|e| serde_json::from_str(&e).map_err(|_| Error::Corrupt("evaluation")))
                .transpose()?,
            attachments,
            events,
        })
    }

    /// The tracking code of the owner's petition with this submission reference. 50 bits can
    /// repeat across many petitions, but hardly among one token's: the first wins.
    pub async fn tracking_code_by_reference(
        &self,
        reference: &str,
        owner: &str,
    ) -> Result<Option<String>, Error> {
        let row = sqlx::query(
            "SELECT tracking_code FROM petitions WHERE reference = $1 \
             AND (account_id = $2 OR claimed_by = $2) \
             ORDER BY received_at, tracking_code LIMIT 1",
        )
        .bind(reference)
        .bind(owner)
        .fetch_optional(&self.pool)
        .await?;
        Ok(row.map(|r| r.try_get("tracking_code")).transpose()?)
    }

    /// Up to `limit` of the owner's petitions whose change cursor is past `since`, in cursor
    /// order: each tracking code with its cursor.
    pub async fn changed_since(
        &self,
        owner: &str,
        since: i64,
        limit: i64,
    ) -> Result<Vec<(String, i64)>, Error> {
        let rows = sqlx::query(
            "SELECT tracking_code, change_seq FROM petitions \
             WHERE (account_id = $1 OR claimed_by = $1 \
             OR tracking_code IN (SELECT tracking_code FROM watches WHERE account_id = $1)) \
             AND change_seq > $2 \
             ORDER BY change_seq LIMIT $3",
        )
        .bind(owner)
        .bind(since)
        .bind(limit)
        .fetch_all(&self.pool)
        .await?;
        Ok(rows
            .iter()
            .map(|r| Ok((r.try_get("tracking_code")?, r.try_get("change_seq")?)))
            .collect::<Result<_, sqlx::Error>>()?)
    }

    /// Whether `account` follows the petition (the wallet).
    pub async fn watches(&self, account: &str, tracking_code: &str) -> Result<bool, Error> {
        let found: Option<i64> = sqlx::query_scalar(
            "SELECT 1 FROM watches WHERE account_id = $1 AND tracking_code = $2",
        )
        .bind(account)
        .bind(tracking_code)
        .fetch_optional(&self.pool)
        .await?;
        Ok(found.is_some())
    }

    /// Pairs of `account`, and at `tracking_code`, that did not match in the hour before
    /// `now_unix`, with the oldest of each. Misses recorded after `now_unix` (a clock moved back)
    /// do not count.
    pub async fn track_misses(
        &self,
        account: &str,
        tracking_code: &str,
        now_unix: i64,
    ) -> Result<[(i64, Option<i64>); 2], Error> {
        let mut counts = [(0, None); 2];
        for (i, column) in ["account_id", "tracking_code"].into_iter().enumerate() {
            let row = sqlx::query(&format!(
                "SELECT COUNT(*) AS n, MIN(at_unix) AS oldest FROM track_misses \
                 WHERE {column} = $1 AND at_unix > $2 AND at_unix <= $3"
            ))
            .bind(if i == 0 { account } else { tracking_code })
            .bind(now_unix - 3600)
            .bind(now_unix)
            .fetch_one(&self.pool)
            .await?;
            counts[i] = (row.try_get("n")?, row.try_get("oldest")?);
        }
        Ok(counts)
    }

    /// Follows the petition with this 查询码 and this mobile number for `account` (nothing to
    /// add when it is the account's own); `false`, and a miss counted, when there is no such
    /// pair. Hold [`Store::write_turn`].
    pub async fn track(
        &self,
        account: &str,
        tracking_code: &str,
        phone: &str,
        now: &str,
        now_unix: i64,
    ) -> Result<bool, Error> {
        let mut tx = self.pool.begin().await?;
        let owner: Option<(String, Option<String>)> = sqlx::query_as(
            "SELECT account_id, claimed_by FROM petitions WHERE tracking_code = $1 AND phone = $2",
        )
        .bind(tracking_code)
        .bind(phone)
        .fetch_optional(&mut *tx)
        .await?;
        match owner {
            None => {
                sqlx::query(
                    "INSERT INTO track_misses (account_id, tracking_code, at_unix) VALUES ($1, $2, $3)",
                )
                .bind(account)
                .bind(tracking_code)
                .bind(now_unix)
                .execute(&mut *tx)
                .await?;
                sqlx::query("DELETE FROM track_misses WHERE at_unix < $1")
                    .bind(now_unix - 3600)
                    .execute(&mut *tx)
                    .await?;
                tx.commit().await?;
                Ok(false)
            }
            Some((owner, claimed)) => {
                if owner != account && claimed.as_deref() != Some(account) {
                    sqlx::query(
                        "INSERT INTO watches (account_id, tracking_code, created_at) \
                         VALUES ($1, $2, $3) ON CONFLICT DO NOTHING",
                    )
                    .bind(account)
                    .bind(tracking_code)
                    .bind(now)
                    .execute(&mut *tx)
                    .await?;
                }
                tx.commit().await?;
                Ok(true)
            }
        }
    }

    /// Every petition, newest first.
    pub async fn list_petitions(&self) -> Result<Vec<Listed>, Error> {
        let rows = sqlx::query(
            "SELECT tracking_code, status, received_at, category, region FROM petitions \
             ORDER BY received_at DESC, tracking_code",
        )
        .fetch_all(&self.pool)
        .await?;
        Ok(rows
            .iter()
            .map(|r| {
                Ok(Listed {
                    tracking_code: r.try_get("tracking_code")?,
                    status: r.try_get("status")?,
                    received_at: r.try_get("received_at")?,
                    category: r.try_get("category")?,
                    region: r.try_get("region")?,
                })
            })
            .collect::<Result<_, sqlx::Error>>()?)
    }

    /// Every petition waiting on the bureau (submitted, registered, accepted, or with a review
    /// or a re-examination asked for), oldest first.
    pub async fn open_petitions(&self) -> Result<Vec<Open>, Error> {
        let rows = sqlx::query(
            "SELECT tracking_code, status, purpose, received_at, accepted_at, extended, \
             (SELECT MAX(e.at) FROM events e WHERE e.tracking_code = p.tracking_code \
              AND e.kind = $1) AS review_requested_at, \
             (SELECT MAX(e.at) FROM events e WHERE e.tracking_code = p.tracking_code \
              AND e.kind = $2) AS recheck_requested_at, \
             CASE WHEN (SELECT e.kind FROM events e WHERE e.tracking_code = p.tracking_code \
              AND e.kind IN ($8, $9) ORDER BY e.id DESC LIMIT 1) = $8 \
             THEN (SELECT MAX(e.at) FROM events e WHERE e.tracking_code = p.tracking_code \
              AND e.kind = $8) END AS routed_at \
             FROM petitions p WHERE status IN ($3, $4, $5, $6, $7) \
             ORDER BY received_at, tracking_code",
        )
        .bind(EventKind::ReviewRequested.as_str())
        .bind(EventKind::RecheckRequested.as_str())
        .bind(Status::Submitted.as_str())
        .bind(Status::Registered.as_str())
        .bind(Status::Accepted.as_str())
        .bind(Status::ReviewRequested.as_str())
        .bind(Status::RecheckRequested.as_str())
        .bind(EventKind::Routed.as_str())
        .bind(EventKind::Objected.as_str())
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|r| {
                let status: String = r.try_get("status")?;
                Ok(Open {
                    tracking_code: r.try_get("tracking_code")?,
                    status: Status::parse(&status).ok_or(Error::Corrupt("petition status"))?,
                    purpose: r.try_get("purpose")?,
                    received_at: r.try_get("received_at")?,
                    routed_at: r.try_get("routed_at")?,
                    accepted_at: r.try_get("accepted_at")?,
                    extended: r.try_get::<i64, _>("extended")? != 0,
                    review_requested_at: r.try_get("review_requested_at")?,
                    recheck_requested_at: r.try_get("recheck_requested_at")?,
                })
            })
            .collect()
    }

    /// Stores the citizen's rating of the bureau's latest decision (as the petition's latest
    /// evaluation), with its event, unless the petition changed since its row was read with
    /// change cursor `seen` (then `false`: read it again and judge again). Hold
    /// [`Store::write_turn`]; the cursor guards against another replica.
    pub async fn rate(
        &self,
        tracking_code: &str,
        evaluation: &Evaluation,
        seen: i64,
        key: Option<&str>,
    ) -> Result<bool, Error> {
        let json = serde_json::to_string(evaluation).map_err(|_| Error::Corrupt("evaluation"))?;
        let mut tx = self.pool.begin().await?;
        let updated = sqlx::query(
            "UPDATE petitions SET evaluation = $1 \
             WHERE tracking_code = $2 AND change_seq = $3",
        )
        .bind(&json)
        .bind(tracking_code)
        .bind(seen)
        .execute(&mut *tx)
        .await?;
        if updated.rows_affected() != 1 {
            return Ok(false);
        }
        add_keyed_event(
            &mut tx,
            tracking_code,
            EventKind::Evaluated,
            &evaluation.at,
            Some(evaluation.satisfaction.as_str()),
            key,
        )
        .await?;
        tx.commit().await?;
        Ok(true)
    }

    /// The kind of the event a citizen's request with this `Idempotency-Key` made on the
    /// petition, if one did.
    pub async fn event_of_key(
        &self,
        tracking_code: &str,
        key: &str,
    ) -> Result<Option<String>, Error> {
        Ok(sqlx::query_scalar(
            "SELECT kind FROM events WHERE tracking_code = $1 AND request_key = $2",
        )
        .bind(tracking_code)
        .bind(key)
        .fetch_optional(&self.pool)
        .await?)
    }

    /// Records a citizen's event that changes no status (an urge), unless the petition changed
    /// since its row was read with change cursor `seen` (then `false`). Hold
    /// [`Store::write_turn`].
    pub async fn add_citizen_event(
        &self,
        tracking_code: &str,
        kind: EventKind,
        at: &str,
        seen: i64,
        key: Option<&str>,
    ) -> Result<bool, Error> {
        let mut tx = self.pool.begin().await?;
        // An update, not a read, so that a racing writer on another replica waits for this one
        // and then finds the cursor moved.
        let unchanged = sqlx::query(
            "UPDATE petitions SET updated_at = $1 WHERE tracking_code = $2 AND change_seq = $3",
        )
        .bind(at)
        .bind(tracking_code)
        .bind(seen)
        .execute(&mut *tx)
        .await?;
        if unchanged.rows_affected() != 1 {
            return Ok(false);
        }
        add_keyed_event(&mut tx, tracking_code, kind, at, None, key).await?;
        tx.commit().await?;
        Ok(true)
    }

    /// Moves a petition from `from` to `review_requested` or `recheck_requested` (as `kind`
    /// says), with its event and the citizen's reason; `false` when it is no longer in `from`.
    /// Hold [`Store::write_turn`].
    pub async fn request_review(
        &self,
        tracking_code: &str,
        from: Status,
        kind: EventKind,
        at: &str,
        reason: &str,
        key: Option<&str>,
    ) -> Result<bool, Error> {
        let (to, flag) = if kind == EventKind::RecheckRequested {
            (Status::RecheckRequested, "")
        } else {
            (Status::ReviewRequested, ", review_requested = 1")
        };
        let mut tx = self.pool.begin().await?;
        let updated = sqlx::query(&format!(
            "UPDATE petitions SET status = $1{flag} WHERE tracking_code = $2 AND status = $3"
        ))
        .bind(to.as_str())
        .bind(tracking_code)
        .bind(from.as_str())
        .execute(&mut *tx)
        .await?;
        if updated.rows_affected() != 1 {
            return Ok(false);
        }
        add_keyed_event(&mut tx, tracking_code, kind, at, Some(reason), key).await?;
        tx.commit().await?;
        Ok(true)
    }

    /// Takes an operator's step on a petition, stamping its column with `at`; `false` when the
    /// petition is no longer in the step's `from` status. Hold [`Store::write_turn`].
    pub async fn step(
        &self,
        tracking_code: &str,
        at: &str,
        step: &Step<'_>,
    ) -> Result<bool, Error> {
        let set = match step.stamp {
            Stamp::None => "",
            Stamp::AcceptedAt => ", accepted_at = $3",
            Stamp::Extended => ", extended = 1",
            Stamp::RepliedAt => ", replied_at = $3",
        };
        let mut tx = self.pool.begin().await?;
        let sql = format!(
            "UPDATE petitions SET status = $1, updated_at = $3{set} WHERE tracking_code = $2 AND status = $4"
        );
        let updated = sqlx::query(&sql)
            .bind(step.to.as_str())
            .bind(tracking_code)
            .bind(at)
            .bind(step.from.as_str())
            .execute(&mut *tx)
            .await?;
        if updated.rows_affected() != 1 {
            return Ok(false);
        }
        add_event(&mut tx, tracking_code, step.kind, at, step.text).await?;
        tx.commit().await?;
        Ok(true)
    }
}
