//! Search among 10 000 drafts of realistic Chinese text for 2–4 character substrings: the median
//! time of `Store::search`, and of a `LIKE '%…%'` scan over the same rows for comparison.
//!
//! `cargo bench -p petition-core --bench search`. Tests never time anything; this only reports.

use std::time::{Duration, Instant};

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
    let store = Store::open(dir.path()).await?;
    let t = Instant::now();
    let mut texts = Vec::with_capacity(DRAFTS);
    for text in corpus::petitions(DRAFTS, 42) {
        texts.push(text.facts.clone());
        store
            .create_draft(&[
                (Field::Name, "王丽".into()),
                (Field::Title, text.title),
                (Field::Request, text.request),
                (Field::Facts, text.facts),
                (Field::Reasons, text.reasons),
            ])
            .await?;
    }
    println!(
        "loaded {DRAFTS} drafts in {:.1} s",
        t.elapsed().as_secs_f64()
    );

    let scan = SqlitePoolOptions::new()
        .max_connections(1)
        .connect_with(
            SqliteConnectOptions::new()
                .filename(dir.path().join(petition_core::store::DB_FILE))
                .read_only(true),
        )
        .await?;
    // The same answer as Store::search: the newest matching drafts, at most SEARCH_LIMIT.
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
        "{:<10}{:<11}{:>6}{:>12}{:>12}{:>10}",
        "query", "kind", "hits", "search ms", "LIKE ms", "speed-up"
    );
    let mut all_search = Vec::new();
    let mut all_like = Vec::new();
    for (q, kind) in &queries {
        let mut s_times = Vec::new();
        let mut l_times = Vec::new();
        let mut hits = 0;
        for _ in 0..RUNS {
            let t = Instant::now();
            let found = store.search(q).await?;
            s_times.push(t.elapsed());
            let t = Instant::now();
            let rows: Vec<String> = sqlx::query_scalar(like)
                .bind(format!("%{q}%"))
                .bind(petition_core::store::SEARCH_LIMIT)
                .fetch_all(&scan)
                .await?;
            l_times.push(t.elapsed());
            let mut a: Vec<String> = found.into_iter().map(|h| h.id).collect();
            let mut b = rows;
            a.sort();
            b.sort();
            assert_eq!(a, b, "search and LIKE find the same drafts for `{q}`");
            hits = a.len();
        }
        let (s, l) = (median(s_times.clone()), median(l_times.clone()));
        all_search.extend(s_times);
        all_like.extend(l_times);
        println!(
            "{:<10}{:<11}{:>6}{:>12.2}{:>12.2}{:>9.1}×",
            q,
            kind,
            hits,
            ms(s),
            ms(l),
            ms(l) / ms(s)
        );
    }
    let (s, l) = (median(all_search), median(all_like));
    println!(
        "all queries: search median {:.2} ms (goal ≤ 20 ms), LIKE scan median {:.2} ms, speed-up {:.1}×",
        ms(s),
        ms(l),
        ms(l) / ms(s)
    );
    store.close().await;
    Ok(())
}
