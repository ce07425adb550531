//! Citizens' accounts (issue 17) from the terminal, against the real bureau and the real OS
//! keyring: sign up with the code read from the bureau's SMS file, submit, sign in on a second
//! data directory and find the petition there with its events; accounts kept apart on one
//! machine; a revoked token told as 请重新登录 with the queue kept until signing in again.

use std::path::Path;

use petition_bureau::accounts;
use petition_bureau::ops::{self, Action};

use super::steps::{CLEAN, Line, OFF};
use super::*;

fn ctl(dir: &Path, bureau: &TestBureau, args: &[&str]) -> std::process::Output {
    ctl_at(dir, &bureau.base, args)
}

/// [`ctl`] with `url` for the bureau to sign in at (a [`Line`] in front of it).
fn ctl_at(dir: &Path, url: &str, args: &[&str]) -> std::process::Output {
    output(
        petitionctl()
            .arg("--data-dir")
            .arg(dir)
            .args(args)
            .env("PETITION_BUREAU_URL", url)
            .env("PETITION_SYNC_BACKOFF_CAP_MS", "300")
            .env("LANG", "zh_CN.UTF-8"),
    )
}

fn ok(out: std::process::Output) -> String {
    assert!(
        out.status.success(),
        "exit {:?}: {}{}",
        out.status.code(),
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

fn new_phone() -> String {
    format!("137{:08}", rand::random_range(0..100_000_000u32))
}

/// Signs `dir` in as `phone`: a code asked for (`sign-up` with a name, or `sign-in`), read from
/// the bureau's SMS file as the phone would get it, and given to `verify`.
fn sign_in(dir: &Path, b: &TestBureau, phone: &str, sign_up: bool) -> String {
    sign_in_at(dir, b, &b.base, phone, sign_up)
}

/// [`sign_in`] through `url`, which the data directory then keeps as its bureau.
fn sign_in_at(dir: &Path, b: &TestBureau, url: &str, phone: &str, sign_up: bool) -> String {
    let ctl = |dir: &Path, _: &TestBureau, args: &[&str]| ctl_at(dir, url, args);
    let asked = if sign_up {
        ctl(
            dir,
            b,
            &[
                "account",
                "sign-up",
                "--phone",
                phone,
                "--name",
                "王丽",
                "--id-number",
                "11010519491231002X",
            ],
        )
    } else {
        ctl(dir, b, &["account", "sign-in", "--phone", phone])
    };
    let said = ok(asked);
    assert!(said.contains("验证码已发送"), "{said}");
    let code = b.last_code(phone).expect("a code in the SMS file");
    // The next code may be asked for a minute later.
    b.state.clock().advance(time::Duration::seconds(61));
    ok(ctl(dir, b, &["account", "verify", "--code", &code]))
}

fn outbox(dir: &Path, b: &TestBureau) -> Vec<serde_json::Value> {
    let out = ok(ctl(dir, b, &["outbox", "--json"]));
    serde_json::from_str::<serde_json::Value>(&out)
        .expect("JSON")
        .as_array()
        .cloned()
        .expect("a list")
}

/// The outbox item `id` among `items`.
fn item_of<'a>(items: &'a [serde_json::Value], id: &str, what: &str) -> &'a serde_json::Value {
    items
        .iter()
        .find(|i| i["id"] == id)
        .unwrap_or_else(|| panic!("{what}: {id} is not in {items:?}"))
}

/// A draft made by the terminal and submitted: every field, but for the name and ID number when
/// `signed_up` (the account's sign-up fills them).
fn queue(dir: &Path, b: &TestBureau, title: &str, signed_up: bool) -> String {
    let mut args = vec![
        "draft".to_owned(),
        "new".to_owned(),
        "--title".to_owned(),
        title.to_owned(),
    ];
    for (field, value) in complete_values(0) {
        if field == Field::Title || (signed_up && matches!(field, Field::Name | Field::IdNumber)) {
            continue;
        }
        args.push("--set".into());
        args.push(format!("{}={value}", field.key()));
    }
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let id = ok(ctl(dir, b, &args)).trim().to_owned();
    ok(ctl(dir, b, &["submit", &id]));
    id
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_account_follows_the_citizen_to_a_second_machine_and_a_revoked_one_asks_to_sign_in_again()
 {
    if !keyring_ready() {
        return;
    }
    let b = bureau().await;
    let (home, library) = (
        tempfile::tempdir().expect("temp dir"),
        tempfile::tempdir().expect("temp dir"),
    );
    let phone = new_phone();
    let masked = format!("{}****{}", &phone[..3], &phone[7..]);

    let consent = ctl(
        home.path(),
        &b,
        &[
            "account",
            "sign-up",
            "--phone",
            &phone,
            "--name",
            "王丽",
            "--id-number",
            "11010519491231002X",
        ],
    );
    assert!(String::from_utf8_lossy(&consent.stderr).contains("个人信息保护法"));
    let code = b.last_code(&phone).expect("a code");
    b.state.clock().advance(time::Duration::seconds(61));
    // A wrong code is told as such and leaves nothing signed in.
    let wrong = format!(
        "{:06}",
        (code.parse::<u32>().expect("digits") + 1) % 1_000_000
    );
    let refused = ctl(home.path(), &b, &["account", "verify", "--code", &wrong]);
    assert!(!refused.status.success());
    let said = String::from_utf8_lossy(&refused.stderr);
    assert!(
        said.contains("验证码不对") && said.contains("还可以再试 4 次"),
        "{said}"
    );
    let said = ok(ctl(
        home.path(),
        &b,
        &["account", "verify", "--code", &code],
    ));
    assert!(said.contains(&masked), "{said}");
    let status: serde_json::Value =
        serde_json::from_str(&ok(ctl(home.path(), &b, &["account", "status", "--json"])))
            .expect("JSON");
    assert_eq!(status["signed_in"], true);
    assert_eq!(status["phone"], masked.as_str());

    // The sign-up's name and ID number fill a new draft.
    let id = queue(home.path(), &b, "小区门前道路破损", true);
    let shown: serde_json::Value =
        serde_json::from_str(&ok(ctl(home.path(), &b, &["draft", "show", &id, "--json"])))
            .expect("JSON");
    assert_eq!(shown["name"], "王丽");
    assert_eq!(shown["id_number"], "11010519491231002X");
    ok(ctl(home.path(), &b, &["sync", "--once"]));
    let items = outbox(home.path(), &b);
    let code = items[0]["tracking_code"]
        .as_str()
        .expect("delivered")
        .to_owned();
    for action in [
        Action::Register,
        Action::Accept,
        Action::Reply {
            text: "已安排修复。".into(),
        },
    ] {
        ops::apply(b.state.store(), &code, action, b.state.clock().now())
            .await
            .expect("the operator's step");
    }

    // A second machine: sign in, and the petition comes down with its events and reply.
    sign_in(library.path(), &b, &phone, false);
    ok(ctl(library.path(), &b, &["sync", "--once"]));
    let items = outbox(library.path(), &b);
    assert_eq!(items.len(), 1, "{items:?}");
    assert_eq!(items[0]["tracking_code"], code.as_str());
    assert_eq!(items[0]["title"], "小区门前道路破损");
    let status: serde_json::Value =
        serde_json::from_str(&ok(ctl(library.path(), &b, &["status", &id, "--json"])))
            .expect("JSON");
    let events = status["events"].as_array().expect("events");
    assert!(
        events
            .iter()
            .any(|e| e["kind"] == "replied" && e["text"] == "已安排修复。"),
        "{status}"
    );
    // Sent again from here it would be the same petition: a second sync changes nothing.
    ok(ctl(library.path(), &b, &["sync", "--once"]));
    assert_eq!(outbox(library.path(), &b).len(), 1);

    // Another account on the same machine sees nothing of the first one's petitions, and does
    // not send the one it left waiting.
    let left = queue(library.path(), &b, "楼道灯坏了", false);
    ok(ctl(library.path(), &b, &["account", "sign-out"]));
    sign_in(library.path(), &b, &new_phone(), true);
    ok(ctl(library.path(), &b, &["sync", "--once"]));
    assert!(outbox(library.path(), &b).is_empty(), "kept apart");
    ok(ctl(library.path(), &b, &["account", "sign-out"]));
    sign_in(library.path(), &b, &phone, false);
    let items = outbox(library.path(), &b);
    assert_eq!(items.len(), 2, "back when it signs in again: {items:?}");
    let item = item_of(&items, &left, "the one left waiting");
    assert!(
        item["tracking_code"].is_null(),
        "not sent by the other account: {item}"
    );
    // Back under its own account, it goes out.
    ok(ctl(library.path(), &b, &["sync", "--once"]));
    let items = outbox(library.path(), &b);
    let item = item_of(&items, &left, "the one left waiting");
    assert!(item["tracking_code"].is_string(), "sent now: {item}");
    ok(ctl(
        library.path(),
        &b,
        &["account", "sign-out", "--forget-delivered"],
    ));
    let status: serde_json::Value = serde_json::from_str(&ok(ctl(
        library.path(),
        &b,
        &["account", "status", "--json"],
    )))
    .expect("JSON");
    assert_eq!(status["signed_in"], false);
    let store = Store::unlock(library.path(), None).await.expect("open");
    assert!(
        store.drafts().get(&id).await.is_err(),
        "the local copy is forgotten"
    );
    store.close().await;

    // Revoked at the bureau: the queue waits, told as 请重新登录, and goes out after signing in.
    let waiting = queue(home.path(), &b, "夜间施工噪音扰民", true);
    accounts::revoke(b.state.store(), &phone, b.state.clock().now())
        .await
        .expect("revoke")
        .expect("an account");
    let told = ctl(home.path(), &b, &["sync", "--once"]);
    assert!(!told.status.success());
    let said = String::from_utf8_lossy(&told.stderr);
    assert!(said.contains("请重新登录"), "{said}");
    let items = outbox(home.path(), &b);
    let item = item_of(&items, &waiting, "still queued");
    assert_eq!(item["state"], "needs_attention", "{item}");
    assert_eq!(item["error"]["code"], "sign_in_again", "{item}");
    assert!(
        item["error"]["message"]
            .as_str()
            .is_some_and(|m| m.contains("请重新登录")),
        "{item}"
    );
    sign_in(home.path(), &b, &phone, false);
    ok(ctl(home.path(), &b, &["sync", "--once"]));
    let items = outbox(home.path(), &b);
    let item = item_of(&items, &waiting, "the item");
    assert!(item["tracking_code"].is_string(), "{item}");
    let held: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM petitions WHERE petition_id = $1")
        .bind(&waiting)
        .fetch_one(b.state.store().pool())
        .await
        .expect("a count");
    assert_eq!(held, 1, "delivered once");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_petition_given_at_a_kiosk_comes_to_the_citizen_who_signs_up_with_its_number() {
    if !keyring_ready() {
        return;
    }
    let b = bureau().await;
    let phone = new_phone();
    let typed = format!("{}-{}-{}", &phone[..3], &phone[3..7], &phone[7..]);
    let code = b.petition_at_a_kiosk("社区服务点提交的事项", &typed).await;

    let home = tempfile::tempdir().expect("temp dir");
    let said = sign_in(home.path(), &b, &phone, true);
    assert!(said.contains("1 件信访事项已归入您的账号"), "{said}");
    ok(ctl(home.path(), &b, &["sync", "--once"]));
    let items = outbox(home.path(), &b);
    assert_eq!(items.len(), 1, "{items:?}");
    assert_eq!(items[0]["tracking_code"], code.as_str());
    assert_eq!(items[0]["title"], "社区服务点提交的事项");
    assert_eq!(items[0]["state"], "delivered", "{}", items[0]);
}

/// The wallet: a petition given at a kiosk under a relative's number is added by its 查询码 and
/// that number (`petitionctl track`), then followed and rated like the citizen's own; a wrong
/// number is refused like an unknown code, and without an account the app says to sign in.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_petition_made_elsewhere_is_added_by_its_code_and_number() {
    if !keyring_ready() {
        return;
    }
    let b = bureau().await;
    let fathers = new_phone();
    let code = b
        .petition_at_a_kiosk("父亲在社区服务点反映的事项", &fathers)
        .await;

    let home = tempfile::tempdir().expect("temp dir");
    let dir = home.path();
    sign_in(dir, &b, &new_phone(), true);
    assert!(outbox(dir, &b).is_empty(), "not the daughter's own");

    let wrong = ctl(dir, &b, &["track", &code, "--phone", &new_phone()]);
    assert_eq!(wrong.status.code(), Some(1));
    let unknown = ctl(
        dir,
        &b,
        &["track", "XF-2345-6789-ABCD-EFGH", "--phone", &fathers],
    );
    assert_eq!(unknown.status.code(), Some(1));
    let said = String::from_utf8_lossy(&wrong.stderr).into_owned();
    assert!(
        said.contains("查不到与这个查询码和手机号对应的信访事项"),
        "{said}"
    );
    assert_eq!(
        said,
        String::from_utf8_lossy(&unknown.stderr),
        "the same answer"
    );
    let typo = ctl(dir, &b, &["track", "XF-2345", "--phone", &fathers]);
    assert_eq!(typo.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&typo.stderr).contains("XF 开头"));

    // Typed as it is read off the receipt: lower case, spaces.
    let typed = code.to_lowercase().replace('-', " ");
    let spaced = format!("{} {} {}", &fathers[..3], &fathers[3..7], &fathers[7..]);
    let id = ok(ctl(dir, &b, &["track", &typed, "--phone", &spaced]))
        .trim()
        .to_owned();
    let items = outbox(dir, &b);
    let item = item_of(&items, &id, "the followed petition");
    assert_eq!(item["tracking_code"], code.as_str());
    assert_eq!(item["title"], "父亲在社区服务点反映的事项");
    assert_eq!(item["state"], "delivered");

    // Followed like the citizen's own: the reply comes with the next sync, and it is rated.
    for action in [
        Action::Accept,
        Action::Reply {
            text: "已安排维修".into(),
        },
    ] {
        ops::apply(b.state.store(), &code, action, b.state.clock().now())
            .await
            .expect("the operator's step");
    }
    ok(ctl(dir, &b, &["sync", "--once"]));
    let status: serde_json::Value =
        serde_json::from_str(&ok(ctl(dir, &b, &["status", &id, "--json"]))).expect("JSON");
    assert_eq!(status["state"], "replied", "{status}");
    let rated = ok(ctl(
        dir,
        &b,
        &[
            "evaluate",
            &id,
            "--satisfaction",
            "satisfied",
            "--comment",
            "修好了",
        ],
    ));
    assert!(rated.contains("已送达信访部门"), "{rated}");

    // A machine signed in by a bureau's token, with no citizen's account, is told to sign in.
    let other = tempfile::tempdir().expect("temp dir");
    login(
        other.path(),
        &b.base,
        &b.token(petition_bureau::store::TokenKind::Citizen).await,
    );
    let out = ctl(other.path(), &b, &["track", &code, "--phone", &fathers]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("请先用手机号登录"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// The wallet without a network: a 查询码 typed while the bureau cannot be reached is kept and
/// its local id printed at once (exit 0, with a line saying it waits); `status` on that id says
/// so (exit 1). The next sync that reaches the bureau asks for it, and the id then stands for the
/// petition found. A pair the bureau does not know is kept with its answer, which `status` on its
/// id gives (exit 1); the same code typed again while it waits is the same lookup.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_code_typed_without_a_network_is_looked_up_with_the_next_sync() {
    if !keyring_ready() {
        return;
    }
    let b = bureau().await;
    let line = Line::start(&b.base, &b.base).await;
    let mothers = new_phone();
    let code = b
        .petition_at_a_kiosk("母亲在社区服务点反映的事项", &mothers)
        .await;

    let home = tempfile::tempdir().expect("temp dir");
    let dir = home.path();
    sign_in_at(dir, &b, &line.url, &new_phone(), true);
    line.set(OFF);

    let kept = ctl(dir, &b, &["track", &code, "--phone", &mothers]);
    let id = ok(kept.clone()).trim().to_owned();
    assert!(
        String::from_utf8_lossy(&kept.stderr).contains("查询码已记下"),
        "{}",
        String::from_utf8_lossy(&kept.stderr)
    );
    let again = ok(ctl(dir, &b, &["track", &code, "--phone", &mothers]));
    assert_eq!(
        again.trim(),
        id,
        "typed again while it waits: the same lookup"
    );
    let wrong = ok(ctl(
        dir,
        &b,
        &["track", "XF-2345-6789-ABCD-EFGH", "--phone", &mothers],
    ))
    .trim()
    .to_owned();
    assert_ne!(wrong, id);
    let waits = ctl(dir, &b, &["status", &id, "--json"]);
    assert_eq!(waits.status.code(), Some(1));
    assert!(
        String::from_utf8_lossy(&waits.stderr).contains("还没有查到"),
        "{}",
        String::from_utf8_lossy(&waits.stderr)
    );
    assert!(outbox(dir, &b).is_empty(), "nothing found yet");
    line.set(CLEAN);
    let synced = ok(ctl(dir, &b, &["sync", "--once"]));
    assert!(synced.contains("已查到"), "{synced}");
    let status: serde_json::Value =
        serde_json::from_str(&ok(ctl(dir, &b, &["status", &id, "--json"]))).expect("JSON");
    assert_eq!(status["tracking_code"], code.as_str(), "{status}");
    let items = outbox(dir, &b);
    assert_eq!(items.len(), 1, "{items:?}");
    assert_eq!(items[0]["title"], "母亲在社区服务点反映的事项");
    assert_eq!(items[0]["state"], "delivered");
    // Its steps take the kept id too.
    let urged = ctl(dir, &b, &["urge", &id]);
    assert_eq!(urged.status.code(), Some(1), "not late: the bureau refuses");
    assert!(
        String::from_utf8_lossy(&urged.stderr).contains("信访部门没有接受"),
        "{}",
        String::from_utf8_lossy(&urged.stderr)
    );

    let refused = ctl(dir, &b, &["status", &wrong]);
    assert_eq!(refused.status.code(), Some(1));
    let said = String::from_utf8_lossy(&refused.stderr).into_owned();
    assert!(said.contains("没有添加这个查询码的事项"), "{said}");
    assert!(
        said.contains("查不到与这个查询码和手机号对应的信访事项"),
        "the bureau's own answer: {said}"
    );
    // Asked once: a later sync does not ask for it again.
    ok(ctl(dir, &b, &["sync", "--once"]));
    assert_eq!(ctl(dir, &b, &["status", &wrong]).status.code(), Some(1));
}
