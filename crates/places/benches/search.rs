//! Place search benchmark (issue 16): how long the region picker's search takes for each
//! keystroke over the full national list with the reference bureau's province laid over it, as
//! a citizen types 莲湖, 西安 雁塔, 西安市莲湖区, lh, yt or xalh one character at a time; and
//! how many bytes the shipped list adds to the binary.
//!
//! `cargo bench -p petition-places --bench search` (`BENCH_ROUNDS` sets the rounds, 200).

use std::time::{Duration, Instant};

use petition_places::Places;

const TYPED: [&str; 9] = [
    "莲湖",
    "雁塔区",
    "西安 雁塔",
    "西安市莲湖区",
    "陕西省西安市长安区",
    "lh",
    "yt",
    "xalh",
    "新疆 喀什",
];

fn main() {
    let rounds: usize = std::env::var("BENCH_ROUNDS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(200);
    let started = Instant::now();
    let national = Places::national();
    let loaded = started.elapsed();
    let catalog: Vec<(String, String, Option<String>)> = national
        .children(Some("610000"))
        .iter()
        .flat_map(|city| std::iter::once(*city).chain(national.children(Some(&city.code))))
        .map(|p| (p.code.clone(), p.name.clone(), p.parent.clone()))
        .collect();
    let started = Instant::now();
    let places = national
        .with_catalog(
            catalog
                .iter()
                .map(|(c, n, p)| (c.as_str(), n.as_str(), p.as_deref())),
        )
        .expect("Shaanxi lays over");
    let laid_over = started.elapsed();

    let mut times = Vec::new();
    let mut found = 0;
    for _ in 0..rounds {
        for query in TYPED {
            let mut typed = String::new();
            for c in query.chars() {
                typed.push(c);
                let started = Instant::now();
                found += places.search(&typed, 20).len();
                times.push(started.elapsed());
            }
        }
    }
    times.sort();
    let at = |q: f64| times[((times.len() - 1) as f64 * q) as usize];
    let us = |d: Duration| d.as_secs_f64() * 1e6;
    println!(
        "places: {} (shipped list {} KB in the binary); loading {:.1} ms, laying Shaanxi's {} over {:.1} ms",
        places.len(),
        include_str!("../data/regions.tsv").len() / 1024,
        loaded.as_secs_f64() * 1e3,
        catalog.len(),
        laid_over.as_secs_f64() * 1e3,
    );
    println!(
        "| keystrokes | p50 µs | p99 µs | max µs |\n| --- | --- | --- | --- |\n| {} | {:.0} | {:.0} | {:.0} |",
        times.len(),
        us(at(0.5)),
        us(at(0.99)),
        us(at(1.0)),
    );
    assert!(found > 0);
}
