//! `petitionctl` against real data directories: what it writes, the core and the app read.

mod letter;

use petition_core::{Field, Store};
use petition_tests::petitionctl;

fn run(args: &[&str]) -> (i32, String, String) {
    let out = petitionctl().args(args).output().expect("run petitionctl");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[tokio::test]
async fn draft_new_is_read_back_by_show_and_by_the_core() {
    let dir = tempfile::tempdir().expect("temp dir");
    let d = dir.path().to_str().expect("utf-8");
    let (code, out, err) = run(&[
        "--data-dir",
        d,
        "draft",
        "new",
        "--title",
        "小区门前道路破损",
        "--set",
        "name=王丽",
        "--set",
        "facts=雨天积水，老人出行不便。\n已经三个月。",
        "--set",
        "purpose=complaint",
    ]);
    assert_eq!(code, 0, "{err}");
    let id = out.trim().to_owned();
    assert_eq!(id.len(), 36, "a UUID: {out}");

    let (code, out, err) = run(&["--data-dir", d, "draft", "show", &id, "--json"]);
    assert_eq!(code, 0, "{err}");
    let json: serde_json::Value = serde_json::from_str(&out).expect("JSON");
    assert_eq!(json["id"], id.as_str());
    assert_eq!(json["title"], "小区门前道路破损");
    assert_eq!(json["name"], "王丽");
    assert_eq!(json["facts"], "雨天积水，老人出行不便。\n已经三个月。");
    // The 2005 name is taken and kept as its 2022 kind (申诉求决).
    assert_eq!(json["purpose"], "claim");
    for field in Field::ALL {
        assert!(
            json.get(field.key()).is_some(),
            "JSON has `{}`",
            field.key()
        );
    }

    let store = Store::unlock(dir.path(), None).await.expect("open");
    let p = store.drafts().get(&id).await.expect("the core reads it");
    assert_eq!(p.name, "王丽");
    store.close().await;

    // PETITION_DATA_DIR stands in for --data-dir; search finds a two-character substring.
    let out = petitionctl()
        .env("PETITION_DATA_DIR", d)
        .args(["search", "道路", "--json"])
        .output()
        .expect("search");
    let hits: serde_json::Value = serde_json::from_slice(&out.stdout).expect("JSON");
    assert_eq!(hits[0]["id"], id.as_str());
    let (_, out, _) = run(&["--data-dir", d, "draft", "list", "--json"]);
    let list: serde_json::Value = serde_json::from_str(&out).expect("JSON");
    assert_eq!(list.as_array().map(Vec::len), Some(1));
}

#[test]
fn check_exits_1_with_every_problem_and_0_when_ready() {
    let dir = tempfile::tempdir().expect("temp dir");
    let d = dir.path().to_str().expect("utf-8");
    let (_, id, _) = run(&[
        "--data-dir",
        d,
        "draft",
        "new",
        "--title",
        "路灯不亮",
        "--set",
        "id_number=110105194912310021",
        "--set",
        "phone=12345",
    ]);
    let id = id.trim();
    let (code, out, _) = run(&["--data-dir", d, "draft", "check", id, "--json"]);
    assert_eq!(code, 1);
    let problems: serde_json::Value = serde_json::from_str(&out).expect("JSON");
    let has = |field: &str, code: &str| {
        problems
            .as_array()
            .expect("array")
            .iter()
            .any(|p| p["field"] == field && p["code"] == code)
    };
    assert!(has("id_number", "id_number_checksum"), "{out}");
    assert!(has("phone", "phone_invalid"), "{out}");
    assert!(has("name", "required"), "{out}");
    assert!(has("facts", "required"), "{out}");

    for set in [
        "name=王丽",
        "id_number=11010519491231002X",
        "phone=029-88886666",
        "address=西安市雁塔区小寨东路1号",
        "region=610113",
        "category=城乡建设",
        "purpose=report",
        "request=请修复路灯",
        "facts=路灯坏了两个月",
    ] {
        let (code, _, err) = run(&["--data-dir", d, "draft", "set", id, "--set", set]);
        assert_eq!(code, 0, "{err}");
    }
    let (code, out, _) = run(&["--data-dir", d, "draft", "check", id]);
    assert_eq!(code, 0, "{out}");
}

#[test]
fn bad_input_gets_a_clear_error_not_a_crash() {
    let dir = tempfile::tempdir().expect("temp dir");
    let d = dir.path().to_str().expect("utf-8");
    let (code, _, err) = run(&["--data-dir", d, "draft", "new", "--set", "nickname=x"]);
    assert_eq!(code, 2);
    assert!(err.contains("unknown field `nickname`"), "{err}");
    let (code, _, err) = run(&["--data-dir", d, "draft", "new", "--set", "purpose=praise"]);
    assert_eq!(code, 1);
    assert!(err.contains("[value_not_allowed]"), "{err}");
    let (code, _, err) = run(&["--data-dir", d, "draft", "show", "0000ffff"]);
    assert_eq!(code, 1);
    assert!(err.contains("[not_found]"), "{err}");
}

/// A refused command closes the store like any other: the next process finds one self-contained
/// file, not a write-ahead log and index left by connections still closing when the first ended
/// (under Wine the next `petitionctl` found such a pair "malformed", one run in six).
#[test]
fn a_refused_command_still_closes_the_store() {
    let dir = tempfile::tempdir().expect("temp dir");
    let d = dir.path().to_str().expect("utf-8");
    let (code, _, err) = run(&["--data-dir", d, "draft", "show", "0000ffff"]);
    assert_eq!(code, 1, "{err}");
    assert!(err.contains("[not_found]"), "{err}");
    for left in ["petitions.db-wal", "petitions.db-shm"] {
        assert!(
            !dir.path().join(left).exists(),
            "{left} was left behind by a refused command"
        );
    }
    let (code, _, err) = run(&["--data-dir", d, "doctor"]);
    assert_eq!(code, 0, "{err}");
}

#[test]
fn doctor_reports_integrity_and_migrations() {
    let dir = tempfile::tempdir().expect("temp dir");
    let d = dir.path().to_str().expect("utf-8");
    let (code, out, err) = run(&["--data-dir", d, "doctor", "--json"]);
    assert_eq!(code, 0, "{err}");
    let report: serde_json::Value = serde_json::from_str(&out).expect("JSON");
    assert_eq!(report["integrity_ok"], true);
    assert!(
        report["migrations"]
            .as_array()
            .expect("migrations")
            .iter()
            .all(|m| m["applied"] == true)
    );

    // A damaged file is reported, with exit 1.
    let db = dir.path().join("petitions.db");
    let mut bytes = std::fs::read(&db).expect("read db");
    let len = bytes.len();
    for b in &mut bytes[len / 2..] {
        *b = 0xA5;
    }
    std::fs::write(&db, bytes).expect("damage db");
    let _ = std::fs::remove_file(dir.path().join("petitions.db-wal"));
    let (code, _, _) = run(&["--data-dir", d, "doctor"]);
    assert_eq!(code, 1);
}

/// `petitionctl submit` of the same matter as a petition still pending says so on stderr,
/// naming the earlier one, and still queues it (a script decides for itself); another matter in
/// the same place is not named.
#[test]
fn submit_names_a_pending_petition_of_the_same_matter() {
    let dir = tempfile::tempdir().expect("temp dir");
    let d = dir.path().to_str().expect("utf-8");
    let new = |title: &str, facts: &str| {
        let (code, id, err) = run(&[
            "--data-dir",
            d,
            "draft",
            "new",
            "--title",
            title,
            "--set",
            "name=王丽",
            "--set",
            "id_number=11010519491231002X",
            "--set",
            "phone=13912345678",
            "--set",
            "address=西安市莲湖区北关正街 12 号",
            "--set",
            "region=610104",
            "--set",
            "category=城乡建设",
            "--set",
            "purpose=claim",
            "--set",
            "request=请尽快修复。",
            "--set",
            &format!("facts={facts}"),
        ]);
        assert_eq!(code, 0, "{err}");
        id.trim().to_owned()
    };
    let first = new("北关正街人行道塌陷", "人行道塌陷已三个月，老人摔倒过两次。");
    let (code, _, err) = run(&["--data-dir", d, "submit", &first]);
    assert_eq!(code, 0, "{err}");
    assert!(err.is_empty(), "nothing like it yet: {err}");

    let other = new("小区夜间施工噪音扰民", "工地每天夜里十一点后还在打桩。");
    let (code, _, err) = run(&["--data-dir", d, "submit", &other]);
    assert_eq!(code, 0, "{err}");
    assert!(!err.contains(&first), "another matter: {err}");

    let again = new("北关正街人行道塌陷，仍未修复", "还是没有人来修。");
    let (code, out, err) = run(&["--data-dir", d, "submit", &again]);
    assert_eq!(code, 0, "{err}");
    assert!(out.starts_with(&again), "queued: {out}");
    assert!(err.contains(&first), "{err}");
    assert!(
        err.contains("第十九条") || err.contains("article 19"),
        "the rule, in the terminal's language: {err}"
    );
    assert!(!err.contains(&other), "{err}");
}
