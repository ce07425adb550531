//! `petitionctl catalog`: places from the shipped national list with no network, and the
//! bureau's catalogue fetched with its ETag, kept in the encrypted store and used offline.

use std::path::Path;

use super::*;

fn catalog(dir: &Path, args: &[&str]) -> (bool, String, String) {
    let out = output(
        petitionctl()
            .arg("--data-dir")
            .arg(dir)
            .arg("catalog")
            .args(args),
    );
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// The codes of `catalog regions --search TEXT`, in order; every line is `CODE<TAB>path`.
fn region_codes(dir: &Path, text: &str) -> Vec<String> {
    let (ok, out, err) = catalog(dir, &["regions", "--search", text]);
    assert!(ok, "regions --search {text}: {err}");
    out.lines()
        .map(|line| {
            let (code, path) = line.split_once('\t').expect("CODE<TAB>path");
            assert!(path.contains(" › ") || !path.is_empty(), "{line}");
            code.to_owned()
        })
        .collect()
}

#[tokio::test]
async fn a_first_start_with_no_network_already_has_every_place() {
    let dir = tempfile::tempdir().expect("temp dir");
    Store::unlock(dir.path(), None)
        .await
        .expect("store")
        .close()
        .await;
    let (ok, out, err) = catalog(dir.path(), &["regions", "--search", "莲湖"]);
    assert!(ok, "{err}");
    assert_eq!(out.lines().next(), Some("610104\t陕西省 › 西安市 › 莲湖区"));
    assert_eq!(region_codes(dir.path(), "雁塔")[0], "610113");
    assert_eq!(region_codes(dir.path(), "西安 雁塔")[0], "610113");
    assert_eq!(region_codes(dir.path(), "北京 东城"), ["110101"]);
    assert!(region_codes(dir.path(), "喀什").contains(&"653101".to_owned()));
    let (ok, out, _) = catalog(dir.path(), &["regions", "--search", "莲湖", "--json"]);
    assert!(ok);
    let json: serde_json::Value = serde_json::from_str(&out).expect("json");
    assert_eq!(json[0]["code"], "610104");
    assert_eq!(json[0]["path"], "陕西省 › 西安市 › 莲湖区");
    // No catalogue yet: no categories, and syncing says where to connect.
    let (ok, out, _) = catalog(dir.path(), &["categories"]);
    assert!(ok && out.is_empty(), "{out}");
    let (ok, out, err) = catalog(dir.path(), &["sync"]);
    assert!(!ok && out.is_empty(), "nothing on stdout: {out}");
    assert!(err.contains("[no_bureau]"), "{err}");
}

// The bureau runs in this process while petitionctl is waited for: it needs threads of its own.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_bureaus_catalogue_is_fetched_once_kept_and_used_offline() {
    if !keyring_ready() {
        return;
    }
    let b = bureau().await;
    let token = b.token(petition_bureau::store::TokenKind::Citizen).await;
    let dir = tempfile::tempdir().expect("temp dir");
    Store::unlock(dir.path(), None)
        .await
        .expect("store")
        .close()
        .await;
    login(dir.path(), &b.base, &token);

    let (ok, out, err) = catalog(dir.path(), &["sync"]);
    assert!(ok, "{err}");
    let first: serde_json::Value = serde_json::from_str(&out).expect("one JSON object");
    assert_eq!(first["changed"], true);
    assert!(first["regions"].as_u64().expect("regions") > 100);
    assert!(first["agencies"].as_u64().expect("agencies") >= 12);
    assert!(first["categories"].as_u64().expect("categories") >= 14);
    let (ok, out, err) = catalog(dir.path(), &["sync"]);
    assert!(ok, "{err}");
    let second: serde_json::Value = serde_json::from_str(&out).expect("one JSON object");
    assert_eq!(second["changed"], false, "the ETag matched: {second}");
    assert_eq!(second["regions"], first["regions"]);

    drop(b);
    // The bureau is gone: what was kept still answers.
    let (ok, out, err) = catalog(dir.path(), &["categories"]);
    assert!(ok, "{err}");
    for name in ["城乡建设", "劳动社会保障", "疫情防控", "涉法涉诉"] {
        assert!(
            out.lines().any(|l| l.starts_with(&format!("{name}\t"))),
            "{name}: {out}"
        );
    }
    let (ok, out, _) = catalog(dir.path(), &["categories", "--json"]);
    assert!(ok);
    let categories: serde_json::Value = serde_json::from_str(&out).expect("json");
    let court = categories
        .as_array()
        .expect("a list")
        .iter()
        .find(|c| c["name"] == "涉法涉诉")
        .expect("the court category");
    assert!(
        court["notice"]
            .as_str()
            .expect("a notice")
            .contains("第三十一条")
    );

    let (ok, xian, _) = catalog(dir.path(), &["agencies", "--region", "610104"]);
    assert!(ok);
    assert!(xian.contains("西安市住房和城乡建设局\t"), "{xian}");
    assert!(xian.contains("陕西省住房和城乡建设厅\t"), "{xian}");
    let (ok, yulin, _) = catalog(dir.path(), &["agencies", "--region", "610802"]);
    assert!(ok);
    assert!(!yulin.contains("西安市"), "narrowed to the place: {yulin}");
    assert!(yulin.contains("陕西省住房和城乡建设厅\t"), "{yulin}");

    // The bureau's province ranks first: Shaanxi's 新城区 before the others of China.
    assert_eq!(region_codes(dir.path(), "新城区")[0], "610102");
    assert!(
        region_codes(dir.path(), "yt")
            .iter()
            .take(20)
            .any(|c| c == "610113")
    );
}

/// The sync engine fetches the catalogue by itself when it reaches the bureau: after one
/// `sync --once`, with no `catalog sync`, the bureau's categories are there offline.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_sync_that_reaches_the_bureau_keeps_its_catalogue() {
    if !keyring_ready() {
        return;
    }
    let b = bureau().await;
    let token = b.token(petition_bureau::store::TokenKind::Citizen).await;
    let dir = tempfile::tempdir().expect("temp dir");
    Store::unlock(dir.path(), None)
        .await
        .expect("store")
        .close()
        .await;
    login(dir.path(), &b.base, &token);
    let (ok, out, _) = catalog(dir.path(), &["categories"]);
    assert!(ok && out.is_empty(), "none before: {out}");

    let out = sync_once(dir.path());
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    drop(b);
    let (ok, out, err) = catalog(dir.path(), &["categories"]);
    assert!(ok, "{err}");
    assert!(out.lines().any(|l| l.starts_with("城乡建设\t")), "{out}");
    let (ok, out, _) = catalog(dir.path(), &["agencies", "--region", "610104"]);
    assert!(ok && out.contains("西安市住房和城乡建设局\t"), "{out}");
}

/// The text of `petitionctl letter` for `id`, whitespace taken out (see tests/cli/letter.rs).
fn letter_text(dir: &Path, id: &str) -> String {
    let pdf = dir.join("letter.pdf");
    let out = output(
        petitionctl()
            .arg("--data-dir")
            .arg(dir)
            .args(["letter", id])
            .arg(&pdf),
    );
    assert!(
        out.status.success(),
        "letter: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = Command::new("pdftotext")
        .arg(&pdf)
        .arg("-")
        .output()
        .expect("pdftotext (poppler-utils, which scripts/setup installs)");
    String::from_utf8_lossy(&text.stdout)
        .chars()
        .filter(|c| !c.is_whitespace())
        .collect()
}

/// A queued petition's letter carries its 提交编号 and goes to its place's own 信访局; once the
/// bureau has it, the letter carries the bureau's 查询码 and goes to the office the bureau's
/// catalogue names for the place (Xi'an's, for 雁塔区), with the postal address and 邮编 its
/// operator gave in `offices.json`.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_submitted_petitions_letter_carries_its_code_and_the_catalogues_office() {
    if !keyring_ready() {
        return;
    }
    let b = TestBureau::start_with_offices(
        Db::Sqlite,
        petition_bureau::Limits::default(),
        Some(
            r#"[{"region": "610100", "name": "西安市信访局",
                 "address": "西安市未央区凤城路一号", "postcode": "710016"}]"#,
        ),
    )
    .await
    .expect("a SQLite bureau");
    let token = b.token(petition_bureau::store::TokenKind::Citizen).await;
    let dir = tempfile::tempdir().expect("temp dir");
    let queued = {
        let store = Store::unlock(dir.path(), None).await.expect("store");
        let queued = queue_petitions(&store, 1, 0..=0, 1..2).await;
        store.close().await;
        queued
    };
    let id = queued.keys().next().expect("one petition").clone();
    let before = letter_text(dir.path(), &id);
    assert!(before.contains(&format!("提交编号：{id}")), "{before}");
    assert!(before.contains("雁塔区信访局："), "{before}");
    assert!(
        before.contains("问题发生地：陕西省›西安市›雁塔区"),
        "{before}"
    );

    login(dir.path(), &b.base, &token);
    let out = sync_once(dir.path());
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let status = json(
        petitionctl()
            .arg("--data-dir")
            .arg(dir.path())
            .args(["status", &id, "--json"]),
    );
    let code = status["tracking_code"].as_str().expect("a tracking code");
    let after = letter_text(dir.path(), &id);
    assert!(after.contains(&format!("查询码：{code}")), "{after}");
    assert!(!after.contains("提交编号"), "{after}");
    assert!(after.contains("西安市信访局："), "{after}");
    assert!(after.contains("西安市未央区凤城路一号"), "{after}");
    assert!(after.contains("710016"), "{after}");
    assert!(
        !before.contains("710016"),
        "not before the catalogue: {before}"
    );
}

/// A queued petition whose place or category the bureau's catalogue does not have comes back
/// as a draft with that field marked, its outbox row gone; the unchanged draft cannot be queued
/// again, and once the field is chosen again it is delivered, once, under the same id.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_petition_the_bureau_cannot_place_comes_back_as_a_draft_to_correct() {
    use petition_core::Error;
    use petition_core::model::State;
    use petition_core::sync::SyncError;
    use petition_core::validate::{Problem, ProblemCode};

    if !keyring_ready() {
        return;
    }
    let b = bureau().await;
    let token = b.token(petition_bureau::store::TokenKind::Citizen).await;
    let dir = tempfile::tempdir().expect("temp dir");
    // Queued before any catalogue is kept, so nothing here knows yet what the bureau lacks:
    // Beijing's 东城区 for a Shaanxi bureau, and a category it never had.
    let (beijing, nameless) = {
        let store = Store::unlock(dir.path(), None).await.expect("store");
        let mut ids = Vec::new();
        for (n, (field, value)) in [(Field::Region, "110101"), (Field::Category, "其他杂项")]
            .into_iter()
            .enumerate()
        {
            let mut values = complete_values(n);
            values.retain(|(f, _)| *f != field);
            values.push((field, value.to_owned()));
            let p = store.drafts().create(&values).await.expect("draft");
            store.outbox().submit(&p.id).await.expect("queued");
            ids.push(p.id);
        }
        store.close().await;
        (ids[0].clone(), ids[1].clone())
    };

    login(dir.path(), &b.base, &token);
    let out = sync_once(dir.path());
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let said = String::from_utf8_lossy(&out.stdout);
    for id in [&beijing, &nameless] {
        assert!(
            said.lines()
                .any(|l| l.starts_with(id.as_str())
                    && (l.contains("退回") || l.contains("sent back"))),
            "the sync says {id} came back: {said}"
        );
    }
    assert!(bureau_holdings(&b).await.is_empty(), "the bureau took none");

    let store = Store::unlock(dir.path(), None).await.expect("store");
    for (id, field, code) in [
        (&beijing, Field::Region, ProblemCode::UnknownRegion),
        (&nameless, Field::Category, ProblemCode::UnknownCategory),
    ] {
        let p = store.drafts().get(id).await.expect("the petition");
        assert_eq!(p.state, State::Draft, "a draft again");
        assert!(matches!(
            store.outbox().item(id).await,
            Err(Error::Sync(SyncError::NotQueued))
        ));
        let marked = Problem { field, code };
        assert_eq!(
            store.drafts().returned(id).await.expect("returned"),
            [marked]
        );
        assert_eq!(store.drafts().check(id).await.expect("check"), [marked]);
        match store.outbox().submit(id).await {
            Err(Error::Sync(SyncError::NotReady(problems))) => assert_eq!(problems, [marked]),
            other => panic!(
                "an unchanged draft must not be queued again: {:?}",
                other.map(|i| i.id)
            ),
        }
    }
    // `draft check` says the same (and exits 1, as for any problem).
    let out = output(
        petitionctl()
            .arg("--data-dir")
            .arg(dir.path())
            .args(["draft", "check", &beijing, "--json"]),
    );
    assert_eq!(out.status.code(), Some(1));
    let checked: serde_json::Value = serde_json::from_slice(&out.stdout).expect("JSON");
    assert_eq!(checked[0]["field"], "region");
    assert_eq!(checked[0]["code"], "unknown_region");

    // Chosen again from what the bureau has: marked no more, and delivered under the same id.
    store
        .drafts()
        .update_field(&beijing, Field::Region, "610104")
        .await
        .expect("saved");
    store
        .drafts()
        .update_field(&nameless, Field::Category, "城乡建设")
        .await
        .expect("saved");
    for id in [&beijing, &nameless] {
        assert!(
            store
                .drafts()
                .returned(id)
                .await
                .expect("returned")
                .is_empty()
        );
        assert!(store.drafts().check(id).await.expect("check").is_empty());
        store.outbox().submit(id).await.expect("queued again");
    }
    store.close().await;
    let out = sync_once(dir.path());
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let held = bureau_holdings(&b).await;
    assert_eq!(held.len(), 2, "both delivered");
    for id in [&beijing, &nameless] {
        assert_eq!(held[id.as_str()].0.len(), 1, "{id} once");
    }
}

/// Once the bureau's catalogue is kept, a place or category it lacks is refused before the
/// petition is queued, next to the field, with no trip to the bureau.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn with_a_kept_catalogue_what_it_lacks_is_refused_before_queueing() {
    use petition_core::validate::{Problem, ProblemCode};

    if !keyring_ready() {
        return;
    }
    let b = bureau().await;
    let token = b.token(petition_bureau::store::TokenKind::Citizen).await;
    let dir = tempfile::tempdir().expect("temp dir");
    Store::unlock(dir.path(), None)
        .await
        .expect("store")
        .close()
        .await;
    login(dir.path(), &b.base, &token);
    let (ok, _, err) = catalog(dir.path(), &["sync"]);
    assert!(ok, "{err}");
    drop(b);

    let store = Store::unlock(dir.path(), None).await.expect("store");
    let mut values = complete_values(0);
    values.retain(|(f, _)| !matches!(f, Field::Region | Field::Category));
    values.push((Field::Region, "110101".into()));
    values.push((Field::Category, "其他杂项".into()));
    let p = store.drafts().create(&values).await.expect("draft");
    assert_eq!(
        store.drafts().check(&p.id).await.expect("check"),
        [
            Problem {
                field: Field::Region,
                code: ProblemCode::UnknownRegion
            },
            Problem {
                field: Field::Category,
                code: ProblemCode::UnknownCategory
            },
        ]
    );
    assert!(store.outbox().submit(&p.id).await.is_err());
    // An empty place is "required", not unknown; a known one passes.
    store
        .drafts()
        .update_field(&p.id, Field::Region, "")
        .await
        .expect("saved");
    store
        .drafts()
        .update_field(&p.id, Field::Category, "城乡建设")
        .await
        .expect("saved");
    assert_eq!(
        store.drafts().check(&p.id).await.expect("check"),
        [Problem {
            field: Field::Region,
            code: ProblemCode::Required
        }]
    );
    store
        .drafts()
        .update_field(&p.id, Field::Region, "610104")
        .await
        .expect("saved");
    assert!(store.drafts().check(&p.id).await.expect("check").is_empty());
    store.outbox().submit(&p.id).await.expect("queued");
    store.close().await;
}
