//! Autosave: one field edit → durable, p50 and p99 over 10 000 edits, against a raw SQLite
//! `INSERT` + `COMMIT` with the same journal and synchronous settings on the same disk, in one run;
//! and the store with encryption on (SQLCipher, as shipped) beside the store with it off.
//!
//! `cargo bench -p petition-core --features bench-plaintext --bench autosave` (without the feature
//! the unencrypted column is left out; set `BENCH_DIR` to choose the disk; the default is the
//! system temp dir). Tests never time anything; this program only reports.

use std::time::{Duration, Instant};

use petition_core::crypto::DataKey;
use petition_core::{Field, Store};
use sqlx::Connection;
use sqlx::sqlite::{SqliteConnectOptions, SqliteConnection, SqliteJournalMode, SqliteSynchronous};

mod corpus;

const EDITS: usize = 10_000;
const BLOCK: usize = 500;

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i]
}

fn us(d: Duration) -> f64 {
    d.as_secs_f64() * 1e6
}

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let base = std::env::var_os("BENCH_DIR")
        .map(std::path::PathBuf::from)
        .unwrap_or_else(std::env::temp_dir);
    let dir = tempfile::tempdir_in(&base)?;
    let store = Store::open(&dir.path().join("app"), &DataKey::generate()).await?;
    let draft = store.create_draft(&[]).await?;
    #[cfg(feature = "bench-plaintext")]
    let plain_store =
        Some(Store::open_unencrypted_for_benchmarks(&dir.path().join("plain")).await?);
    #[cfg(not(feature = "bench-plaintext"))]
    let plain_store: Option<Store> = None;
    let plain_draft = match &plain_store {
        Some(s) => Some(s.create_draft(&[]).await?.id),
        None => None,
    };

    let raw_path = dir.path().join("raw.db");
    let mut raw = SqliteConnection::connect_with(
        &SqliteConnectOptions::new()
            .filename(&raw_path)
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            .synchronous(SqliteSynchronous::Full),
    )
    .await?;
    sqlx::query("CREATE TABLE edits (id INTEGER PRIMARY KEY, value TEXT NOT NULL)")
        .execute(&mut raw)
        .await?;

    // What a citizen types: the facts field growing a character at a time, as the UI sends it.
    let text: String = corpus::petitions(1, 7)
        .into_iter()
        .map(|t| t.facts)
        .collect();
    let chars: Vec<char> = text.chars().collect();
    let value_at = |i: usize| -> String { chars[..(i % chars.len()) + 1].iter().collect() };

    let mut app = Vec::with_capacity(EDITS);
    let mut unencrypted = Vec::with_capacity(EDITS);
    let mut plain = Vec::with_capacity(EDITS);
    // Alternate blocks so both see the same disk conditions.
    for block in 0..EDITS / BLOCK {
        for i in block * BLOCK..(block + 1) * BLOCK {
            let v = value_at(i);
            let t = Instant::now();
            let mut tx = raw.begin().await?;
            sqlx::query("INSERT INTO edits (value) VALUES (?)")
                .bind(&v)
                .execute(&mut *tx)
                .await?;
            tx.commit().await?;
            plain.push(t.elapsed());
        }
        for i in block * BLOCK..(block + 1) * BLOCK {
            let v = value_at(i);
            let t = Instant::now();
            store.update_field(&draft.id, Field::Facts, &v).await?;
            app.push(t.elapsed());
        }
        if let (Some(s), Some(id)) = (&plain_store, &plain_draft) {
            for i in block * BLOCK..(block + 1) * BLOCK {
                let v = value_at(i);
                let t = Instant::now();
                s.update_field(id, Field::Facts, &v).await?;
                unencrypted.push(t.elapsed());
            }
        }
    }
    app.sort();
    unencrypted.sort();
    plain.sort();
    let (a50, a99) = (percentile(&app, 0.5), percentile(&app, 0.99));
    let (r50, r99) = (percentile(&plain, 0.5), percentile(&plain, 0.99));
    println!("autosave: {EDITS} edits of one field, each durable (WAL, synchronous=FULL)");
    println!("disk: {}", base.display());
    println!("{:<28}{:>10}{:>10}", "", "p50 µs", "p99 µs");
    println!(
        "{:<28}{:>10.0}{:>10.0}",
        "raw INSERT + COMMIT",
        us(r50),
        us(r99)
    );
    println!(
        "{:<28}{:>10.0}{:>10.0}",
        "Store::update_field (enc.)",
        us(a50),
        us(a99)
    );
    if !unencrypted.is_empty() {
        let (u50, u99) = (
            percentile(&unencrypted, 0.5),
            percentile(&unencrypted, 0.99),
        );
        println!(
            "{:<28}{:>10.0}{:>10.0}",
            "Store::update_field (plain)",
            us(u50),
            us(u99)
        );
        println!(
            "encryption cost (encrypted / unencrypted store): p50 {:+.1} %, p99 {:+.1} % (goal ≤ +10 %)",
            (us(a50) / us(u50) - 1.0) * 100.0,
            (us(a99) / us(u99) - 1.0) * 100.0
        );
    }
    println!(
        "ratio (store / raw): p50 {:.2}×, p99 {:.2}× (goal p99 ≤ 1.5×)",
        us(a50) / us(r50),
        us(a99) / us(r99)
    );
    store.close().await;
    if let Some(s) = plain_store {
        s.close().await;
    }
    Ok(())
}
