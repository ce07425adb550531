//! The drafts room: the petitions themselves (`petitions`), their full-text index
//! (`petition_search`, with `search_stale` noting the rows an autosave left behind), the trash.
//!
//! A petition is a draft here from [`Drafts::create`] until the outbox freezes it; it is read
//! here whatever its state ([`Drafts::get`]). A keystroke's save writes the petition's row and
//! at most a note in `search_stale`; the search rows follow in [`Drafts::refresh_search`], before
//! a search, at open and at close.

use sqlx::sqlite::SqliteRow;
use sqlx::{Row, Sqlite, Transaction};

use super::{SEARCH_LIMIT, Store, now_ms, rfc3339};
use crate::error::{Error, InvalidReason, Result};
use crate::model::{Field, Petition, PetitionSummary, Purpose, State};
use crate::search::{self, Plan};
use crate::validate::{self, Problem, ProblemCode};

const ALL_COLUMNS: &str = "id, created_at, updated_at, state, trashed_at, name, id_number, phone, \
     address, email, region, agency, category, purpose, title, request, facts, reasons";
const SUMMARY_COLUMNS: &str = "p.id, p.title, p.state, p.created_at, p.updated_at, p.trashed_at, p.updated_at AS updated_ms, \
     EXISTS (SELECT 1 FROM returned_fields r WHERE r.petition_id = p.id) AS returned";

/// The drafts room of a [`Store`].
#[derive(Debug, Clone, Copy)]
pub struct Drafts<'a> {
    store: &'a Store,
}

impl<'a> Drafts<'a> {
    pub(crate) fn new(store: &'a Store) -> Self {
        Drafts { store }
    }

    /// Creates a draft with the given field values, in one durable transaction.
    pub async fn create(&self, values: &[(Field, String)]) -> Result<Petition> {
        let mut values = values.to_vec();
        for (field, key) in [
            (Field::Name, crate::sync::account::NAME_SETTING),
            (Field::IdNumber, crate::sync::account::ID_NUMBER_SETTING),
        ] {
            // The name and ID number the citizen signed up with fill a new draft.
            if !values.iter().any(|(f, _)| *f == field)
                && let Some(value) = self.store.settings().get(key).await?
            {
                values.push((field, value));
            }
        }
        let values = values.as_slice();
        for (field, value) in values {
            check_value(*field, value)?;
        }
        let id = uuid::Uuid::new_v4().to_string();
        let now = now_ms();
        let mut tx = self.store.writer.begin().await?;
        let seq: i64 = sqlx::query_scalar(
            "INSERT INTO petitions (id, created_at, updated_at) VALUES (?, ?, ?) RETURNING seq",
        )
        .bind(&id)
        .bind(now)
        .bind(now)
        .fetch_one(&mut *tx)
        .await?;
        for (field, value) in values {
            sqlx::query(&format!(
                "UPDATE petitions SET {} = ? WHERE seq = ?",
                field.key()
            ))
            .bind(stored(*field, value))
            .bind(seq)
            .execute(&mut *tx)
            .await?;
        }
        index_row(&mut tx, seq).await?;
        tx.commit().await?;
        tracing::info!(petition = %id, "draft created");
        self.get(&id).await
    }

    /// Saves one field of a draft. When this returns, the value is on disk (fsynced); this is
    /// what lets the UI say 已保存 / Saved.
    pub async fn update_field(&self, id: &str, field: Field, value: &str) -> Result<String> {
        check_value(field, value)?;
        let now = now_ms();
        let mut tx = self.store.writer.begin().await?;
        let seq: Option<i64> = sqlx::query_scalar(&format!(
            "UPDATE petitions SET {} = ?, updated_at = ? \
             WHERE id = ? AND state = 'draft' AND trashed_at IS NULL RETURNING seq",
            field.key()
        ))
        .bind(stored(field, value))
        .bind(now)
        .bind(id)
        .fetch_optional(&mut *tx)
        .await?;
        let Some(seq) = seq else {
            drop(tx);
            return Err(self.why_not_editable(id).await);
        };
        // A field the bureau sent back is the citizen's again once they change it.
        sqlx::query("DELETE FROM returned_fields WHERE petition_id = ? AND field = ?")
            .bind(id)
            .bind(field.key())
            .execute(&mut *tx)
            .await?;
        if field.is_searchable() {
            // The search row follows later (`refresh_search`): a keystroke's durable save writes
            // the petition's row only, not the index's segments as well. `OR IGNORE` leaves the
            // page untouched when the petition is noted already.
            sqlx::query("INSERT OR IGNORE INTO search_stale (seq) VALUES (?)")
                .bind(seq)
                .execute(&mut *tx)
                .await?;
        }
        tx.commit().await?;
        Ok(rfc3339(now))
    }

    /// Rewrites the search rows of the petitions edited since the last refresh, in one
    /// transaction. Cheap when there are none (one read of an empty table).
    pub(crate) async fn refresh_search(&self) -> Result<()> {
        let any: Option<i64> = sqlx::query_scalar("SELECT seq FROM search_stale LIMIT 1")
            .fetch_optional(&self.store.reader)
            .await?;
        if any.is_none() {
            return Ok(());
        }
        let mut tx = self.store.writer.begin().await?;
        let stale: Vec<i64> = sqlx::query_scalar("SELECT seq FROM search_stale")
            .fetch_all(&mut *tx)
            .await?;
        for seq in stale {
            index_row(&mut tx, seq).await?;
        }
        tx.commit().await?;
        Ok(())
    }

    async fn why_not_editable(&self, id: &str) -> Error {
        match self.get(id).await {
            Ok(_) => Error::NotEditable,
            Err(e) => e,
        }
    }

    /// One petition, whole.
    pub async fn get(&self, id: &str) -> Result<Petition> {
        let row = sqlx::query(&format!("SELECT {ALL_COLUMNS} FROM petitions WHERE id = ?"))
            .bind(id)
            .fetch_optional(&self.store.reader)
            .await?
            .ok_or(Error::NotFound)?;
        petition_from_row(&row)
    }

    /// Resolves an id or a unique prefix of one (at least 4 characters) to the full id; a local id
    /// given for a 查询码 kept without a network resolves to the petition found for it, or says
    /// why there is none yet.
    pub async fn resolve_id(&self, prefix: &str) -> Result<String> {
        if prefix.len() < 4 || !prefix.chars().all(|c| c.is_ascii_hexdigit() || c == '-') {
            return Err(Error::NotFound);
        }
        let ids: Vec<String> =
            sqlx::query_scalar("SELECT id FROM petitions WHERE substr(id, 1, ?) = ? LIMIT 2")
                .bind(prefix.len() as i64)
                .bind(prefix.to_ascii_lowercase())
                .fetch_all(&self.store.reader)
                .await?;
        match ids.as_slice() {
            [one] => Ok(one.clone()),
            // The local id given for a 查询码 typed without a network.
            [] => self
                .store
                .outbox()
                .resolve_lookup(prefix)
                .await?
                .ok_or(Error::NotFound),
            _ => Err(Error::AmbiguousId),
        }
    }

    /// Drafts (not submitted, not in the trash), most recently changed first.
    pub async fn list(&self) -> Result<Vec<PetitionSummary>> {
        self.summaries(
            "WHERE p.trashed_at IS NULL AND p.state = 'draft' ORDER BY p.updated_at DESC",
        )
        .await
    }

    /// Drafts in the trash, most recently trashed first.
    pub async fn list_trash(&self) -> Result<Vec<PetitionSummary>> {
        self.summaries("WHERE p.trashed_at IS NOT NULL ORDER BY p.trashed_at DESC")
            .await
    }

    async fn summaries(&self, tail: &str) -> Result<Vec<PetitionSummary>> {
        let rows = sqlx::query(&format!("SELECT {SUMMARY_COLUMNS} FROM petitions p {tail}"))
            .fetch_all(&self.store.reader)
            .await?;
        rows.iter().map(summary_from_row).collect()
    }

    /// Drafts (not in the trash) that contain every term of `query`: the [`SEARCH_LIMIT`] newest
    /// matches, most recently changed first. Chinese substrings of two or more characters are
    /// answered from the index.
    pub async fn search(&self, query: &str) -> Result<Vec<PetitionSummary>> {
        let rows = match search::plan(query) {
            Plan::Empty => return Ok(Vec::new()),
            Plan::Match(expr) => {
                self.refresh_search().await?;
                // Walking the index newest-first lets a common word stop after SEARCH_LIMIT
                // hits instead of sorting thousands; the hits are then ordered by last change.
                sqlx::query(&format!(
                    "SELECT {SUMMARY_COLUMNS} FROM petition_search s \
                     JOIN petitions p ON p.seq = s.rowid \
                     WHERE petition_search MATCH ? AND p.trashed_at IS NULL AND p.state = 'draft' \
                     ORDER BY s.rowid DESC LIMIT ?"
                ))
                .bind(expr)
                .bind(SEARCH_LIMIT)
                .fetch_all(&self.store.reader)
                .await?
            }
            Plan::Scan(needle) => {
                let any_field = Field::ALL
                    .iter()
                    .filter(|f| f.is_searchable())
                    .map(|f| format!("instr(p.{}, ?1) > 0", f.key()))
                    .collect::<Vec<_>>()
                    .join(" OR ");
                sqlx::query(&format!(
                    "SELECT {SUMMARY_COLUMNS} FROM petitions p \
                     WHERE p.trashed_at IS NULL AND p.state = 'draft' AND ({any_field}) \
                     ORDER BY p.seq DESC LIMIT ?2"
                ))
                .bind(needle)
                .bind(SEARCH_LIMIT)
                .fetch_all(&self.store.reader)
                .await?
            }
        };
        let mut hits = rows
            .iter()
            .map(|row| Ok((row.try_get::<i64, _>("updated_ms")?, summary_from_row(row)?)))
            .collect::<Result<Vec<_>>>()?;
        hits.sort_by_key(|h| std::cmp::Reverse(h.0));
        Ok(hits.into_iter().map(|(_, h)| h).collect())
    }

    /// Moves a draft to the trash. It keeps its text and can be restored.
    pub async fn trash(&self, id: &str) -> Result<()> {
        let done = sqlx::query(
            "UPDATE petitions SET trashed_at = ? \
             WHERE id = ? AND trashed_at IS NULL AND state = 'draft'",
        )
        .bind(now_ms())
        .bind(id)
        .execute(&self.store.writer)
        .await?;
        if done.rows_affected() == 0 && self.get(id).await?.state != State::Draft {
            // A submitted petition lives in the outbox; it is withdrawn, never trashed.
            return Err(Error::NotEditable);
        }
        tracing::info!(petition = %id, "draft moved to trash");
        Ok(())
    }

    /// Takes a draft out of the trash.
    pub async fn restore(&self, id: &str) -> Result<()> {
        let done = sqlx::query(
            "UPDATE petitions SET trashed_at = NULL, updated_at = ? \
             WHERE id = ? AND trashed_at IS NOT NULL",
        )
        .bind(now_ms())
        .bind(id)
        .execute(&self.store.writer)
        .await?;
        if done.rows_affected() == 0 {
            self.get(id).await?;
        }
        tracing::info!(petition = %id, "draft restored from trash");
        Ok(())
    }

    /// Deletes a draft that lies in the trash, for good.
    pub async fn delete_forever(&self, id: &str) -> Result<()> {
        let mut tx = self.store.writer.begin().await?;
        let seq: Option<i64> = sqlx::query_scalar(
            "DELETE FROM petitions WHERE id = ? AND trashed_at IS NOT NULL RETURNING seq",
        )
        .bind(id)
        .fetch_optional(&mut *tx)
        .await?;
        let Some(seq) = seq else {
            drop(tx);
            // Only drafts in the trash can be deleted for good.
            self.get(id).await?;
            return Err(Error::NotEditable);
        };
        index_row(&mut tx, seq).await?;
        tx.commit().await?;
        // Its attachment rows went with it; files no other petition uses go now.
        self.store.attachments().collect_garbage().await?;
        tracing::info!(petition = %id, "draft deleted for good");
        Ok(())
    }

    /// Forgets the local copies of the petitions delivered under `account` (a mobile number):
    /// what signing out with "forget delivered" does, and the 查询码 it kept to look up. Drafts
    /// and items still waiting stay. How many petitions were forgotten.
    pub async fn forget_delivered(&self, account: &str) -> Result<usize> {
        let mut tx = self.store.writer.begin().await?;
        // The 查询码 kept to look up, with the numbers typed for them.
        sqlx::query("DELETE FROM outbox_lookups WHERE account = ?")
            .bind(account)
            .execute(&mut *tx)
            .await?;
        let ids: Vec<String> = sqlx::query_scalar(
            "SELECT petition_id FROM outbox WHERE account = ? AND phase = 'delivered'",
        )
        .bind(account)
        .fetch_all(&mut *tx)
        .await?;
        for id in &ids {
            for statement in [
                "DELETE FROM bureau_events WHERE petition_id = ?",
                "DELETE FROM outbox_steps WHERE petition_id = ?",
                "DELETE FROM outbox WHERE petition_id = ?",
            ] {
                sqlx::query(statement).bind(id).execute(&mut *tx).await?;
            }
            let seq: Option<i64> =
                sqlx::query_scalar("DELETE FROM petitions WHERE id = ? RETURNING seq")
                    .bind(id)
                    .fetch_optional(&mut *tx)
                    .await?;
            if let Some(seq) = seq {
                index_row(&mut tx, seq).await?;
            }
        }
        tx.commit().await?;
        // Their attachment rows went with them; files no other petition uses go now.
        self.store.attachments().collect_garbage().await?;
        Ok(ids.len())
    }

    /// Every problem that stops petition `id` from being submitted, in form order: the rules'
    /// ([`validate::check`]), a place or category the kept catalogue does not have, and the
    /// fields the bureau sent back ([`Drafts::returned`]). What the form shows, and what
    /// submitting checks.
    pub async fn check(&self, id: &str) -> Result<Vec<Problem>> {
        let petition = self.get(id).await?;
        self.check_petition(&petition).await
    }

    /// [`Drafts::check`] of a petition already read.
    pub(crate) async fn check_petition(&self, petition: &Petition) -> Result<Vec<Problem>> {
        let mut problems = validate::check(petition);
        let catalogue = self.store.catalog().await?.problems(petition);
        let returned = self.returned(&petition.id).await?;
        for problem in catalogue.into_iter().chain(returned) {
            // One problem a field: the rules' first (an empty place is "required", not unknown).
            if problems.iter().all(|p| p.field != problem.field) {
                problems.push(problem);
            }
        }
        problems.sort_by_key(|p| Field::ALL.iter().position(|&f| f == p.field));
        Ok(problems)
    }

    /// The fields the bureau refused when it sent petition `id` back to be corrected, each
    /// until the citizen changes it.
    pub async fn returned(&self, id: &str) -> Result<Vec<Problem>> {
        let rows: Vec<(String, String)> = sqlx::query_as(
            "SELECT field, code FROM returned_fields WHERE petition_id = ? ORDER BY returned_at",
        )
        .bind(id)
        .fetch_all(&self.store.reader)
        .await?;
        // A row this version cannot read (a newer app's) marks nothing.
        Ok(rows
            .iter()
            .filter_map(|(field, code)| {
                let field = Field::ALL.into_iter().find(|f| f.key() == field)?;
                let code = ProblemCode::parse(code)?;
                Some(Problem { field, code })
            })
            .collect())
    }

    /// A new draft with the same field values as `id`.
    pub async fn duplicate(&self, id: &str) -> Result<Petition> {
        let original = self.get(id).await?;
        let values: Vec<(Field, String)> = Field::ALL
            .iter()
            .map(|&f| (f, original.get(f).to_owned()))
            .filter(|(_, v)| !v.is_empty())
            .collect();
        let copy = self.create(&values).await?;
        tracing::info!(petition = %copy.id, from = %id, "draft duplicated");
        Ok(copy)
    }
}

/// Refuses values that can never be saved: over-long text, and a purpose that is not one of the
/// three. Everything else is saved as typed; [`crate::validate::check`] judges it at submission.
fn check_value(field: Field, value: &str) -> Result<()> {
    let max = field.max_chars();
    if value.chars().count() > max {
        return Err(Error::InvalidValue {
            field,
            reason: InvalidReason::TooLong { max },
        });
    }
    if field == Field::Purpose && !value.is_empty() && Purpose::parse(value).is_none() {
        return Err(Error::InvalidValue {
            field,
            reason: InvalidReason::NotAllowed,
        });
    }
    Ok(())
}

/// What is kept for a value [`check_value`] let through: the 2022 kind for a purpose given by
/// its 2005 name (`complaint` is kept as `claim`), any other value as typed.
fn stored(field: Field, value: &str) -> std::borrow::Cow<'_, str> {
    match field {
        Field::Purpose => Purpose::normalize(value),
        _ => value.into(),
    }
}

/// Writes the search row of petition `seq` from its current text (or removes it, with its
/// note in `search_stale`, when the petition is gone).
async fn index_row(tx: &mut Transaction<'_, Sqlite>, seq: i64) -> Result<()> {
    let searchable: Vec<Field> = Field::ALL
        .into_iter()
        .filter(|f| f.is_searchable())
        .collect();
    let columns = searchable
        .iter()
        .map(|f| f.key())
        .collect::<Vec<_>>()
        .join(", ");
    sqlx::query("DELETE FROM search_stale WHERE seq = ?")
        .bind(seq)
        .execute(&mut **tx)
        .await?;
    let Some(row) = sqlx::query(&format!("SELECT {columns} FROM petitions WHERE seq = ?"))
        .bind(seq)
        .fetch_optional(&mut **tx)
        .await?
    else {
        sqlx::query("DELETE FROM petition_search WHERE rowid = ?")
            .bind(seq)
            .execute(&mut **tx)
            .await?;
        return Ok(());
    };
    let placeholders = vec!["?"; searchable.len()].join(", ");
    let sql = format!(
        "INSERT OR REPLACE INTO petition_search (rowid, {columns}) VALUES (?, {placeholders})"
    );
    let mut insert = sqlx::query(&sql).bind(seq);
    for (i, _) in searchable.iter().enumerate() {
        let text: String = row.try_get(i)?;
        insert = insert.bind(search::index_text(&text));
    }
    insert.execute(&mut **tx).await?;
    Ok(())
}

fn state_of(row: &SqliteRow) -> Result<State> {
    let state: String = row.try_get("state")?;
    State::parse(&state).ok_or_else(|| {
        Error::Database(sqlx::Error::Decode(
            format!("unknown petition state `{state}`").into(),
        ))
    })
}

fn petition_from_row(row: &SqliteRow) -> Result<Petition> {
    let mut p = Petition {
        id: row.try_get("id")?,
        created_at: rfc3339(row.try_get("created_at")?),
        updated_at: rfc3339(row.try_get("updated_at")?),
        state: state_of(row)?,
        trashed_at: row.try_get::<Option<i64>, _>("trashed_at")?.map(rfc3339),
        name: String::new(),
        id_number: String::new(),
        phone: String::new(),
        address: String::new(),
        email: String::new(),
        region: String::new(),
        agency: String::new(),
        category: String::new(),
        purpose: String::new(),
        title: String::new(),
        request: String::new(),
        facts: String::new(),
        reasons: String::new(),
    };
    for field in Field::ALL {
        *p.get_mut(field) = row.try_get(field.key())?;
    }
    Ok(p)
}

fn summary_from_row(row: &SqliteRow) -> Result<PetitionSummary> {
    Ok(PetitionSummary {
        id: row.try_get("id")?,
        title: row.try_get("title")?,
        state: state_of(row)?,
        created_at: rfc3339(row.try_get("created_at")?),
        updated_at: rfc3339(row.try_get("updated_at")?),
        trashed_at: row.try_get::<Option<i64>, _>("trashed_at")?.map(rfc3339),
        returned: row.try_get("returned")?,
    })
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;
    use crate::crypto::DataKey;
    use crate::store::DB_FILE;

    async fn store() -> (tempfile::TempDir, Store) {
        let dir = tempfile::tempdir().expect("temp dir");
        let store = Store::open(dir.path(), &DataKey::generate())
            .await
            .expect("open store");
        (dir, store)
    }

    #[tokio::test]
    async fn the_drafts_list_puts_the_last_changed_first() {
        let (_dir, store) = store().await;
        let mut ids = Vec::new();
        for title in ["一", "二", "三"] {
            let p = store
                .drafts()
                .create(&[(Field::Title, title.into())])
                .await
                .expect("create");
            ids.push(p.id);
            // Changes are stamped to the millisecond.
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
        store
            .drafts()
            .update_field(&ids[0], Field::Title, "一（改）")
            .await
            .expect("save");
        let listed: Vec<String> = store
            .drafts()
            .list()
            .await
            .expect("list")
            .into_iter()
            .map(|p| p.id)
            .collect();
        assert_eq!(listed, [ids[0].clone(), ids[2].clone(), ids[1].clone()]);
    }

    /// Every page a save writes is encrypted and authenticated, so an autosave must write as few
    /// as it can: the petition's row, nothing else (no search row, no index entry) while the
    /// text fits in its page (issue 6).
    #[tokio::test]
    async fn an_autosave_writes_one_page() {
        let (dir, store) = store().await;
        let p = store
            .drafts()
            .create(&[(Field::Facts, "路灯不亮".into())])
            .await
            .expect("create");
        let wal = dir.path().join(format!("{DB_FILE}-wal"));
        let wal_size = || std::fs::metadata(&wal).expect("wal").len();
        store
            .drafts()
            .update_field(&p.id, Field::Facts, "路灯不亮，")
            .await
            .expect("first save");
        for text in ["路灯不亮，井", "路灯不亮，井盖", "路灯不亮，井盖缺失"] {
            let before = wal_size();
            store
                .drafts()
                .update_field(&p.id, Field::Facts, text)
                .await
                .expect("save");
            // One WAL frame: a 24-byte header and one 4096-byte page.
            assert_eq!(wal_size() - before, 24 + 4096, "saving {text:?}");
        }
    }

    #[tokio::test]
    async fn a_saved_field_reads_back_after_reopening() {
        let dir = tempfile::tempdir().expect("temp dir");
        let key = DataKey::generate();
        let store = Store::open(dir.path(), &key).await.expect("open store");
        let p = store
            .drafts()
            .create(&[(Field::Title, "小区门前道路破损".into())])
            .await
            .expect("create");
        store
            .drafts()
            .update_field(&p.id, Field::Facts, "道路破损已三个月，雨天积水。")
            .await
            .expect("save");
        store.close().await;
        let store = Store::open(dir.path(), &key).await.expect("reopen");
        let back = store.drafts().get(&p.id).await.expect("get");
        assert_eq!(back.title, "小区门前道路破损");
        assert_eq!(back.facts, "道路破损已三个月，雨天积水。");
    }

    #[tokio::test]
    async fn search_finds_chinese_substrings_of_two_or_more_characters() {
        let (_dir, store) = store().await;
        let road = store
            .drafts()
            .create(&[(Field::Facts, "小区门前道路破损，雨天积水严重。".into())])
            .await
            .expect("create");
        let noise = store
            .drafts()
            .create(&[(Field::Title, "夜间施工噪音扰民 Noise at night".into())])
            .await
            .expect("create");
        let ids = |hits: Vec<PetitionSummary>| hits.into_iter().map(|h| h.id).collect::<Vec<_>>();
        assert_eq!(
            ids(store.drafts().search("道路").await.expect("search")),
            [road.id.as_str()]
        );
        assert_eq!(
            ids(store.drafts().search("路破损").await.expect("search")),
            [road.id.as_str()]
        );
        assert_eq!(
            ids(store.drafts().search("雨天积水严重").await.expect("search")),
            [road.id.as_str()]
        );
        assert_eq!(
            ids(store.drafts().search("噪音").await.expect("search")),
            [noise.id.as_str()]
        );
        assert_eq!(
            ids(store.drafts().search("noi").await.expect("search")),
            [noise.id.as_str()]
        );
        assert_eq!(
            ids(store.drafts().search("积").await.expect("search")),
            [road.id.as_str()]
        );
        assert!(
            store
                .drafts()
                .search("道噪")
                .await
                .expect("search")
                .is_empty()
        );
        assert!(
            store
                .drafts()
                .search("破损 噪音")
                .await
                .expect("search")
                .is_empty()
        );
        // An edit is searchable at once; the old words are gone.
        store
            .drafts()
            .update_field(&road.id, Field::Facts, "路灯不亮")
            .await
            .expect("save");
        assert!(
            store
                .drafts()
                .search("道路")
                .await
                .expect("search")
                .is_empty()
        );
        assert_eq!(
            ids(store.drafts().search("路灯").await.expect("search")),
            [road.id.as_str()]
        );
    }

    #[tokio::test]
    async fn an_edit_the_index_has_not_caught_up_with_is_indexed_at_the_next_open() {
        let dir = tempfile::tempdir().expect("temp dir");
        let key = DataKey::generate();
        let first = Store::open(dir.path(), &key).await.expect("open");
        let p = first
            .drafts()
            .create(&[(Field::Facts, "路灯不亮".into())])
            .await
            .expect("create");
        first
            .drafts()
            .update_field(&p.id, Field::Facts, "井盖缺失")
            .await
            .expect("save");
        let indexed = |store: &Store| {
            let reader = store.reader.clone();
            let id = p.id.clone();
            async move {
                let facts: String = sqlx::query_scalar(
                    "SELECT s.facts FROM petition_search s JOIN petitions p ON p.seq = s.rowid \
                     WHERE p.id = ?",
                )
                .bind(id)
                .fetch_one(&reader)
                .await
                .expect("search row");
                let stale: i64 = sqlx::query_scalar("SELECT count(*) FROM search_stale")
                    .fetch_one(&reader)
                    .await
                    .expect("notes");
                (facts, stale)
            }
        };
        // The durable save wrote the text and a note, not the search row.
        assert_eq!(indexed(&first).await, (search::index_text("路灯不亮"), 1));
        // The app dies here (no search, no close); the next start opens the same files.
        let second = Store::open(dir.path(), &key).await.expect("reopen");
        assert_eq!(indexed(&second).await, (search::index_text("井盖缺失"), 0));
        second.close().await;
        first.close().await;
    }

    #[tokio::test]
    async fn trash_restore_duplicate_and_delete() {
        let (_dir, store) = store().await;
        let p = store
            .drafts()
            .create(&[(Field::Title, "路灯不亮".into())])
            .await
            .expect("create");
        store.drafts().trash(&p.id).await.expect("trash");
        assert!(store.drafts().list().await.expect("list").is_empty());
        assert!(
            store
                .drafts()
                .search("路灯")
                .await
                .expect("search")
                .is_empty()
        );
        assert!(matches!(
            store.drafts().update_field(&p.id, Field::Title, "x").await,
            Err(Error::NotEditable)
        ));
        assert_eq!(store.drafts().list_trash().await.expect("trash").len(), 1);
        store.drafts().restore(&p.id).await.expect("restore");
        assert_eq!(store.drafts().list().await.expect("list").len(), 1);
        let copy = store.drafts().duplicate(&p.id).await.expect("duplicate");
        assert_ne!(copy.id, p.id);
        assert_eq!(copy.title, "路灯不亮");
        assert_eq!(
            store.drafts().search("路灯").await.expect("search").len(),
            2
        );
        assert!(matches!(
            store.drafts().delete_forever(&copy.id).await,
            Err(Error::NotEditable)
        ));
        store.drafts().trash(&copy.id).await.expect("trash");
        store
            .drafts()
            .delete_forever(&copy.id)
            .await
            .expect("delete");
        assert!(matches!(
            store.drafts().get(&copy.id).await,
            Err(Error::NotFound)
        ));
        assert_eq!(
            store.drafts().search("路灯").await.expect("search").len(),
            1
        );
    }

    #[tokio::test]
    async fn a_purpose_of_2005_is_kept_as_its_2022_kind() {
        let (_dir, store) = store().await;
        let p = store
            .drafts()
            .create(&[(Field::Purpose, "report".into())])
            .await
            .expect("create");
        assert_eq!(
            store.drafts().get(&p.id).await.expect("get").purpose,
            "accusation"
        );
        store
            .drafts()
            .update_field(&p.id, Field::Purpose, "complaint")
            .await
            .expect("alias");
        assert_eq!(
            store.drafts().get(&p.id).await.expect("get").purpose,
            "claim"
        );
    }

    #[tokio::test]
    async fn refused_values_and_unknown_ids_have_codes() {
        let (_dir, store) = store().await;
        let p = store.drafts().create(&[]).await.expect("create");
        let err = store
            .drafts()
            .update_field(&p.id, Field::Purpose, "praise")
            .await
            .expect_err("purpose");
        assert_eq!(err.code(), "value_not_allowed");
        let err = store
            .drafts()
            .update_field(&p.id, Field::Title, &"长".repeat(101))
            .await
            .expect_err("too long");
        assert_eq!(err.code(), "too_long");
        let err = store
            .drafts()
            .update_field("no-such-id", Field::Title, "x")
            .await
            .expect_err("unknown");
        assert_eq!(err.code(), "not_found");
        assert_eq!(
            store.drafts().resolve_id(&p.id[..8]).await.expect("prefix"),
            p.id
        );
    }
}
