//! Search among 10 000 drafts of realistic Chinese text for 2–4 character substrings: the median
//! time of `Drafts::search` with encryption on (as shipped) and off, and of a `LIKE '%…%'` scan
//! over the same rows for comparison.
//!
//! `cargo bench -p petition-core --features bench-plaintext --bench search` (without the feature
//! only the encrypted store is measured). Tests never time anything; this only reports.

use std::time::{Duration, Instant};

use petition_core::crypto::DataKey;
use petition_core::{Field, Store};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use sqlx::sqlite::{SqliteConnectOptions, SqlitePoolOptions};

mod corpus;

const DRAFTS: usize = 10_000;
const RUNS: usize = 21;

fn median(mut v: Vec<Duration>) -> Duration {
    v.sort();
    v[v.len() / 2]
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1e3
}

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let base = std::env::var_os("BENCH_DIR")
        .map(std::path::PathBuf::from)
        .unwrap_or_else(std::env::temp_dir);
    let dir = tempfile::tempdir_in(&base)?;
    let store = Store::open(&dir.path().join("encrypted"), &DataKey::generate()).await?;
    #[cfg(feature = "bench-plaintext")]
    let plain = Some(Store::open_unencrypted_for_benchmarks(&dir.path().join("plain")).await?);
    #[cfg(not(feature = "bench-plaintext"))]
    let plain: Option<Store> = None;
    let t = Instant::now();
    let mut texts = Vec::with_capacity(DRAFTS);
    for text in corpus::petitions(DRAFTS, 42) {
        texts.push(text.facts.clone());
        let values = [
            (Field::Name, "王丽".to_owned()),
            (Field::Title, text.title),
            (Field::Request, text.request),
            (Field::Facts, text.facts),
            (Field::Reasons, text.reasons),
        ];
        store.drafts().create(&values).await?;
        if let Some(p) = &plain {
            p.drafts().create(&values).await?;
        }
    }
    println!(
        "loaded {DRAFTS} drafts in {:.1} s",
        t.elapsed().as_secs_f64()
    );

    // The LIKE scan reads the unencrypted copy (the same rows).
    let scan = match &plain {
        Some(_) => Some(
            SqlitePoolOptions::new()
                .max_connections(1)
                .connect_with(
                    SqliteConnectOptions::new()
                        .filename(dir.path().join("plain").join(petition_core::store::DB_FILE))
                        .read_only(true),
                )
                .await?,
        ),
        None => None,
    };
    // The same answer as Drafts::search: the newest matching drafts, at most SEARCH_LIMIT.
    let like = "SELECT id FROM petitions WHERE trashed_at IS NULL AND (name LIKE ?1 OR \
                title LIKE ?1 OR request LIKE ?1 OR facts LIKE ?1 OR reasons LIKE ?1) \
                ORDER BY seq DESC LIMIT ?2";

    // Queries a citizen would type: words from their own text (substrings of 2–4 characters of
    // random drafts), and the common petition words many drafts share.
    let mut rng = StdRng::seed_from_u64(9);
    let mut queries: Vec<(String, &str)> = Vec::new();
    for len in [2usize, 3, 4] {
        while queries
            .iter()
            .filter(|(q, _)| q.chars().count() == len)
            .count()
            < 8
        {
            let text = &texts[rng.random_range(0..texts.len())];
            let chars: Vec<char> = text.chars().collect();
            let start = rng.random_range(0..chars.len() - len);
            let q: String = chars[start..start + len].iter().collect();
            if q.chars().all(|c| ('\u{4e00}'..='\u{9fff}').contains(&c)) {
                queries.push((q, "own words"));
            }
        }
    }
    for q in [
        "道路",
        "噪音",
        "补偿",
        "积水",
        "雁塔区",
        "无人维修",
        "公开透明",
    ] {
        queries.push((q.to_owned(), "common"));
    }

    println!(
        "{:<10}{:<11}{:>6}{:>12}{:>12}{:>12}",
        "query", "kind", "hits", "enc. ms", "plain ms", "LIKE ms"
    );
    let mut all_search = Vec::new();
    let mut all_plain = Vec::new();
    let mut all_like = Vec::new();
    for (q, kind) in &queries {
        let mut s_times = Vec::new();
        let mut p_times = Vec::new();
        let mut l_times = Vec::new();
        let mut hits = 0;
        let mut plain_hits = 0;
        for run in 0..RUNS {
            // Each store goes first in every other run, so neither always meets caches the
            // other has warmed (or the LIKE scan has just flushed).
            let order = if run % 2 == 0 {
                [true, false]
            } else {
                [false, true]
            };
            for encrypted in order {
                if encrypted {
                    let t = Instant::now();
                    let found = store.drafts().search(q).await?;
                    s_times.push(t.elapsed());
                    hits = found.len();
                } else if let Some(p) = &plain {
                    let t = Instant::now();
                    let found_plain = p.drafts().search(q).await?;
                    p_times.push(t.elapsed());
                    plain_hits = found_plain.len();
                }
            }
            if plain.is_some() {
                assert_eq!(plain_hits, hits, "both stores find the same for `{q}`");
            }
            if let Some(scan) = &scan {
                let t = Instant::now();
                let rows: Vec<String> = sqlx::query_scalar(like)
                    .bind(format!("%{q}%"))
                    .bind(petition_core::store::SEARCH_LIMIT)
                    .fetch_all(scan)
                    .await?;
                l_times.push(t.elapsed());
                assert_eq!(
                    rows.len(),
                    hits,
                    "search and LIKE find as many drafts for `{q}`"
                );
            }
        }
        let cell = |v: &[Duration]| {
            if v.is_empty() {
                "-".to_owned()
            } else {
                format!("{:.2}", ms(median(v.to_vec())))
            }
        };
        println!(
            "{:<10}{:<11}{:>6}{:>12}{:>12}{:>12}",
            q,
            kind,
            hits,
            cell(&s_times),
            cell(&p_times),
            cell(&l_times)
        );
        all_search.extend(s_times);
        all_plain.extend(p_times);
        all_like.extend(l_times);
    }
    let s = median(all_search);
    println!(
        "all queries: search median {:.2} ms with encryption (goal ≤ 20 ms)",
        ms(s)
    );
    if !all_plain.is_empty() {
        let p = median(all_plain);
        println!(
            "without encryption: {:.2} ms; encryption cost {:+.1} % (goal ≤ +10 %)",
            ms(p),
            (ms(s) / ms(p) - 1.0) * 100.0
        );
    }
    if !all_like.is_empty() {
        let l = median(all_like);
        println!(
            "LIKE scan median {:.2} ms, speed-up of search {:.1}×",
            ms(l),
            ms(l) / ms(s)
        );
    }
    // The drafts list reads every draft and sorts them by last change in memory (an index on
    // `updated_at` would cost every autosave a second encrypted page; migration 0006).
    let mut list_times = Vec::new();
    for _ in 0..RUNS {
        let t = Instant::now();
        let listed = store.drafts().list().await?;
        list_times.push(t.elapsed());
        assert_eq!(listed.len(), DRAFTS);
    }
    println!(
        "drafts list of {DRAFTS}: median {:.1} ms with encryption",
        ms(median(list_times))
    );
    store.close().await;
    if let Some(p) = plain {
        p.close().await;
    }
    Ok(())
}
