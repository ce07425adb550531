//! Sealed outbox bundles, end to end: the real `petition-bureau` binary serves on a free loopback
//! port while `petition-bureau import` takes in bundles written with
//! `petition_api::bundle::BundleWriter` (or by hand, as an earlier or a broken writer would) to
//! the key its catalogue publishes. Each petition id becomes one petition, whichever way and
//! however often it comes; a damaged bundle stores nothing. A 2 GB outbox goes out through
//! `petitionctl` and in through `petition-bureau` with each process's peak memory measured.

use std::path::{Path, PathBuf};
use std::process::Output;
// The 2 GB outbox's memory probe (Unix: getrusage).
#[cfg(unix)]
use std::process::{Command, Stdio};
#[cfg(unix)]
use std::time::Duration;

use petition_api::bundle::{
    BundleWriter, BundledAttachment, BundledPetition, OutboxBundle, PetitionEntry,
};
use petition_api::{Catalog, PetitionList, PetitionView, Receipt, submission_reference};
use petition_tests::run_with_input;
use reqwest::StatusCode;
use serde_json::Value;

use super::process::{Bureau, bureau_command};
use super::*;

const MARKER_NAME: &str = "测试标记张三";
const MARKER_ID_NUMBER: &str = "11010519491231002X";

impl Bureau {
    /// A kiosk token with a name no other test uses, and the name.
    fn kiosk(&self) -> (String, String) {
        let name = format!("雁塔区小寨社区-{}", new_key());
        let out = self.run(&["token", "create", "--kind", "kiosk", "--name", &name]);
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        (String::from_utf8_lossy(&out.stdout).trim().to_owned(), name)
    }

    async fn recipient(&self) -> String {
        let catalog: Catalog = self
            .http
            .get(self.url("/v1/catalog"))
            .send()
            .await
            .expect("catalog")
            .json()
            .await
            .expect("catalog JSON");
        catalog
            .outbox_recipient
            .expect("the bureau publishes its outbox key")
    }

    /// `petition-bureau import FILE [--kiosk NAME]`: its exit status and its JSON lines.
    fn import(&self, file: &Path, kiosk: Option<&str>) -> (Output, Vec<Value>) {
        let mut args = vec!["import", file.to_str().expect("a UTF-8 path")];
        if let Some(name) = kiosk {
            args.extend(["--kiosk", name]);
        }
        let out = self.run(&args);
        let lines = String::from_utf8_lossy(&out.stdout)
            .lines()
            .map(|l| serde_json::from_str(l).unwrap_or_else(|_| panic!("a JSON line: {l}")))
            .collect();
        (out, lines)
    }

    /// Lines of `petition-bureau petition list` that name one of `codes`.
    fn listed(&self, codes: &[&str]) -> Vec<String> {
        let out = self.run(&["petition", "list"]);
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8_lossy(&out.stdout)
            .lines()
            .filter(|l| codes.iter().any(|c| l.starts_with(c)))
            .map(String::from)
            .collect()
    }
}

/// A petition as a kiosk bundles it, with a PNG of random bytes.
fn bundled(title: &str) -> BundledPetition {
    let id = new_key();
    let mut png = b"\x89PNG\r\n\x1a\n".to_vec();
    png.extend(uuid::Uuid::new_v4().as_bytes());
    BundledPetition {
        reference: submission_reference(&id),
        petition_id: id,
        submitted_at: "2026-05-01T07:59:00Z".into(),
        petition: SubmitPetition {
            name: MARKER_NAME.into(),
            id_number: MARKER_ID_NUMBER.into(),
            title: title.into(),
            ..valid_petition()
        },
        attachments: vec![BundledAttachment::new("现场照片.png", png)],
    }
}

/// Seals `petitions` as a kiosk does now (format `/2`) into `dir/name`.
fn seal_to_file(
    dir: &Path,
    name: &str,
    petitions: Vec<BundledPetition>,
    recipient: &str,
) -> PathBuf {
    let path = dir.join(name);
    let file = std::fs::File::create(&path).expect("the bundle file");
    let mut writer =
        BundleWriter::new(file, recipient, "2026-05-01T08:00:00Z").expect("the bundle seals");
    for p in &petitions {
        writer
            .petition(&PetitionEntry::from(p))
            .expect("a petition");
        for a in &p.attachments {
            writer.attachment(&a.data).expect("an attachment");
        }
    }
    writer.finish().expect("the bundle is written");
    path
}

fn age_encrypt(plaintext: &[u8], recipient: &str) -> Vec<u8> {
    let recipient: age::x25519::Recipient = recipient.parse().expect("an age recipient");
    age::encrypt(&recipient, plaintext).expect("encrypts")
}

/// Seals `petitions` as kiosks before format `/2` did: one JSON document, sealed whole.
fn seal_v1_to_file(
    dir: &Path,
    name: &str,
    petitions: Vec<BundledPetition>,
    recipient: &str,
) -> PathBuf {
    let json =
        serde_json::to_vec(&OutboxBundle::new("2026-05-01T08:00:00Z", petitions)).expect("JSON");
    let path = dir.join(name);
    std::fs::write(&path, age_encrypt(&json, recipient)).expect("the bundle is written");
    path
}

/// The plaintext of a format `/2` bundle written by hand from the format's description in
/// `petition_api::bundle`, with `change` applied to each attachment's bytes (petition index,
/// attachment index) after its length and SHA-256 are declared.
fn plaintext_v2(
    petitions: &[BundledPetition],
    change: impl Fn(usize, usize, &mut Vec<u8>),
) -> Vec<u8> {
    fn record(plain: &mut Vec<u8>, kind: u8, body: &[u8]) {
        plain.push(kind);
        plain.extend_from_slice(&(body.len() as u64).to_be_bytes());
        plain.extend_from_slice(body);
    }
    let mut plain = b"petition-desk-outbox/2\n".to_vec();
    let header = serde_json::json!({"created_at": "2026-05-01T08:00:00Z"});
    record(&mut plain, b'H', header.to_string().as_bytes());
    for (i, p) in petitions.iter().enumerate() {
        let entry = serde_json::to_vec(&PetitionEntry::from(p)).expect("JSON");
        record(&mut plain, b'P', &entry);
        for (j, a) in p.attachments.iter().enumerate() {
            let mut data = a.data.clone();
            change(i, j, &mut data);
            record(&mut plain, b'A', &data);
        }
    }
    let end = serde_json::json!({"petitions": petitions.len()});
    record(&mut plain, b'E', end.to_string().as_bytes());
    plain
}

/// The summary line, as printed.
fn last_line(out: &Output) -> String {
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .last()
        .expect("a summary line")
        .to_owned()
}

on_both!(
    a_bundle_imported_twice_delivers_once_and_is_found_by_reference,
    |db| async move {
        let Some(b) = Bureau::start(db).await else {
            return;
        };
        let (kiosk, kiosk_name) = b.kiosk();
        let recipient = b.recipient().await;
        let shown = b.run(&["key", "show"]);
        assert!(shown.status.success());
        assert_eq!(String::from_utf8_lossy(&shown.stdout).trim(), recipient);
        assert!(recipient.starts_with("age1"));

        let petitions = vec![bundled("小区门前道路破损"), bundled("路灯不亮")];
        let usb = tempfile::tempdir().expect("a temporary directory");
        let file = seal_to_file(usb.path(), "outbox.age", petitions.clone(), &recipient);
        let sealed = std::fs::read(&file).expect("the bundle");
        for marker in [MARKER_NAME, MARKER_ID_NUMBER, "小区门前道路破损"] {
            assert!(
                !sealed.windows(marker.len()).any(|w| w == marker.as_bytes()),
                "{marker} is readable in the bundle"
            );
        }

        let (out, first) = b.import(&file, Some(&kiosk_name));
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        assert_eq!(first.len(), 3, "{first:?}");
        assert_eq!(last_line(&out), r#"{"imported":2,"already_delivered":0}"#);
        let mut codes = Vec::new();
        for (line, p) in first.iter().zip(&petitions) {
            assert_eq!(line["petition_id"], p.petition_id.as_str());
            assert_eq!(line["reference"], p.reference.as_str());
            assert_eq!(line["outcome"], "created");
            let code = line["tracking_code"].as_str().expect("a tracking code");
            assert!(code.starts_with("XF-"));
            codes.push(code.to_owned());
        }
        let codes: Vec<&str> = codes.iter().map(String::as_str).collect();
        let listed = b.listed(&codes);
        assert_eq!(listed.len(), 2, "{listed:?}");
        let list: PetitionList =
            serde_json::from_value(b.get_json(&kiosk, "/v1/petitions").await).expect("a list");
        assert_eq!(list.petitions.len(), 2);

        let (out, again) = b.import(&file, Some(&kiosk_name));
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        assert_eq!(last_line(&out), r#"{"imported":0,"already_delivered":2}"#);
        for (line, code) in again.iter().zip(&codes) {
            assert_eq!(line["outcome"], "already_delivered");
            assert_eq!(line["tracking_code"], *code);
        }
        assert_eq!(b.listed(&codes), listed, "the bureau's list is unchanged");
        let unchanged: PetitionList =
            serde_json::from_value(b.get_json(&kiosk, "/v1/petitions").await).expect("a list");
        assert_eq!(unchanged, list);

        // Found by reference as by tracking code, however the reference is typed.
        let p = &petitions[0];
        let by_code = b
            .get_json(&kiosk, &format!("/v1/petitions/{}", codes[0]))
            .await;
        let typed = p
            .reference
            .to_lowercase()
            .replace('-', " ")
            .replace('0', "o");
        let by_reference = b
            .get_json(&kiosk, &format!("/v1/petitions/by-reference/{typed}"))
            .await;
        assert_eq!(by_reference, by_code);
        let view: PetitionView = serde_json::from_value(by_reference).expect("a view");
        assert_eq!(view.petition_id, p.petition_id);
        assert_eq!(view.attachments.len(), 1);
        assert_eq!(view.attachments[0].file_name, "现场照片.png");
        assert_eq!(view.attachments[0].media_type, "image/png");
        assert_eq!(view.attachments[0].sha256, p.attachments[0].sha256);
        let blob = b
            .data_dir
            .join("blobs")
            .join(&p.attachments[0].sha256[..2])
            .join(&p.attachments[0].sha256);
        assert_eq!(
            std::fs::read(blob).expect("the attachment is kept as a blob"),
            p.attachments[0].data
        );

        // The same rule as by tracking code: only the owner sees it.
        let path = format!("/v1/petitions/by-reference/{}", p.reference);
        let citizen = {
            let out = b.run(&["token", "create", "--kind", "citizen", "--name", "someone"]);
            String::from_utf8_lossy(&out.stdout).trim().to_owned()
        };
        expect_error(
            b.get(&citizen, &path).await,
            StatusCode::NOT_FOUND,
            "petition_not_found",
        )
        .await;
        expect_error(
            b.http.get(b.url(&path)).send().await.expect("401"),
            StatusCode::UNAUTHORIZED,
            "unauthorized",
        )
        .await;
        expect_error(
            b.get(&kiosk, "/v1/petitions/by-reference/00000-00000")
                .await,
            StatusCode::NOT_FOUND,
            "petition_not_found",
        )
        .await;
        expect_error(
            b.get(&kiosk, "/v1/petitions/by-reference/XF-AAAA").await,
            StatusCode::BAD_REQUEST,
            "bad_request",
        )
        .await;
    }
);

on_both!(
    online_and_bundle_deliver_a_petition_once_in_either_order,
    |db| async move {
        let Some(b) = Bureau::start(db).await else {
            return;
        };
        let (kiosk, _) = b.kiosk();
        let recipient = b.recipient().await;
        let usb = tempfile::tempdir().expect("a temporary directory");

        // Online first, then the bundle (imported without naming the kiosk).
        let online_first = BundledPetition {
            attachments: Vec::new(),
            ..bundled("小区门前道路破损")
        };
        let receipt: Receipt = b
            .http
            .post(b.url("/v1/petitions"))
            .bearer_auth(&kiosk)
            .header(
                petition_api::headers::IDEMPOTENCY_KEY,
                &online_first.petition_id,
            )
            .json(&online_first.petition)
            .send()
            .await
            .expect("submitted")
            .json()
            .await
            .expect("a receipt");

        // The bundle first, then online: the submission gets the imported petition's receipt.
        // The bundle was imported without naming the kiosk, so its attachment is nobody's yet:
        // the kiosk's upload of it is not completed from the bureau's copy (that would tell any
        // token what the bureau holds), it sends the bytes.
        let bundle_first = bundled("路灯不亮");
        let file = seal_to_file(
            usb.path(),
            "outbox.age",
            vec![online_first.clone(), bundle_first.clone()],
            &recipient,
        );
        let (out, lines) = b.import(&file, None);
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        assert_eq!(lines[0]["outcome"], "already_delivered");
        assert_eq!(lines[0]["tracking_code"], receipt.tracking_code.as_str());
        assert_eq!(lines[1]["outcome"], "created");
        assert_eq!(last_line(&out), r#"{"imported":1,"already_delivered":1}"#);
        let imported_code = lines[1]["tracking_code"]
            .as_str()
            .expect("a code")
            .to_owned();
        let path = format!("/v1/petitions/by-reference/{}", bundle_first.reference);
        expect_error(
            b.get(&kiosk, &path).await,
            StatusCode::NOT_FOUND,
            "petition_not_found",
        )
        .await;

        let attachment = &bundle_first.attachments[0];
        let upload: Value = b
            .http
            .post(b.url("/v1/uploads"))
            .bearer_auth(&kiosk)
            .json(&serde_json::json!({
                "length": attachment.data.len(),
                "media_type": "image/png",
                "sha256": attachment.sha256,
            }))
            .send()
            .await
            .expect("an upload")
            .json()
            .await
            .expect("upload JSON");
        assert_eq!(
            upload["complete"], false,
            "nothing tells the kiosk what the bureau holds"
        );
        let sent = b
            .http
            .patch(b.url(&format!(
                "/v1/uploads/{}",
                upload["id"].as_str().expect("an id")
            )))
            .bearer_auth(&kiosk)
            .header("content-type", petition_api::headers::OFFSET_OCTET_STREAM)
            .header(petition_api::headers::UPLOAD_OFFSET, 0)
            .body(attachment.data.clone())
            .send()
            .await
            .expect("the bytes");
        assert_eq!(sent.status(), StatusCode::NO_CONTENT);
        let online = SubmitPetition {
            attachments: vec![petition_api::AttachmentRef {
                upload_id: upload["id"].as_str().expect("an id").into(),
                file_name: attachment.file_name.clone(),
            }],
            ..bundle_first.petition.clone()
        };
        let response = b
            .http
            .post(b.url("/v1/petitions"))
            .bearer_auth(&kiosk)
            .header(
                petition_api::headers::IDEMPOTENCY_KEY,
                &bundle_first.petition_id,
            )
            .json(&online)
            .send()
            .await
            .expect("submitted");
        assert_eq!(response.status(), StatusCode::CREATED);
        let again: Receipt = response.json().await.expect("a receipt");
        assert_eq!(again.tracking_code, imported_code);
        let view: PetitionView =
            serde_json::from_value(b.get_json(&kiosk, &path).await).expect("now the kiosk's");
        assert_eq!(view.tracking_code, imported_code);

        let codes = [receipt.tracking_code.as_str(), imported_code.as_str()];
        assert_eq!(b.listed(&codes).len(), 2);

        // A changed petition under a delivered id is refused, as online, and nothing changes.
        let mut changed = online_first.clone();
        changed.petition.request = "请在一周内修复道路。".into();
        let file = seal_to_file(usb.path(), "changed.age", vec![changed], &recipient);
        let (out, lines) = b.import(&file, None);
        assert!(!out.status.success());
        assert_eq!(lines[0]["outcome"], "rejected");
        assert_eq!(lines[0]["code"], "idempotency_key_reused");
        assert_eq!(
            last_line(&out),
            r#"{"imported":0,"already_delivered":0,"rejected":1}"#
        );
        assert_eq!(b.listed(&codes).len(), 2);
    }
);

on_both!(
    import_refuses_places_and_categories_outside_the_catalogue_as_intake_does,
    |db| async move {
        let Some(b) = Bureau::start(db).await else {
            return;
        };
        let (_, kiosk_name) = b.kiosk();
        let good = bundled("路灯不亮");
        let mut no_place = bundled("地点不存在");
        // Shaanxi's prefix, but no place has this code.
        no_place.petition.region = "610199".into();
        let mut no_category = bundled("类别不存在");
        no_category.petition.category = "随便写的类别".into();
        let usb = tempfile::tempdir().expect("a temporary directory");
        let file = seal_to_file(
            usb.path(),
            "outbox.age",
            vec![good, no_place, no_category],
            &b.recipient().await,
        );
        let (out, lines) = b.import(&file, Some(&kiosk_name));
        assert!(!out.status.success(), "a refused petition is an exit 1");
        assert_eq!(lines[0]["outcome"], "created");
        assert_eq!(lines[1]["outcome"], "rejected");
        assert_eq!(lines[1]["code"], "unknown_region");
        assert_eq!(lines[2]["outcome"], "rejected");
        assert_eq!(lines[2]["code"], "unknown_category");
        let message = lines[2]["message"].as_str().expect("a message");
        assert!(
            message.contains("类别") && message.contains(" / "),
            "{message}"
        );
        assert_eq!(
            last_line(&out),
            r#"{"imported":1,"already_delivered":0,"rejected":2}"#
        );
    }
);

#[tokio::test(flavor = "multi_thread")]
async fn a_bundle_that_cannot_be_opened_is_refused_and_nothing_is_stored() {
    let Some(b) = Bureau::start(Db::Sqlite).await else {
        return;
    };
    let (_, kiosk_name) = b.kiosk();
    let usb = tempfile::tempdir().expect("a temporary directory");
    let other_dir = usb.path().join("another-bureau");
    let other = bureau_command(&other_dir, None)
        .args(["key", "show"])
        .output()
        .expect("key show");
    let other_recipient = String::from_utf8_lossy(&other.stdout).trim().to_owned();
    assert_ne!(other_recipient, b.recipient().await);

    let wrong_key = seal_to_file(
        usb.path(),
        "wrong-key.age",
        vec![bundled("甲")],
        &other_recipient,
    );
    let good = seal_to_file(
        usb.path(),
        "good.age",
        vec![bundled("乙")],
        &b.recipient().await,
    );
    let mut bytes = std::fs::read(&good).expect("the bundle");
    let middle = bytes.len() - 40;
    bytes[middle] ^= 0x20;
    let damaged = usb.path().join("damaged.age");
    std::fs::write(&damaged, &bytes).expect("written");
    let cut = usb.path().join("cut.age");
    std::fs::write(&cut, &bytes[..bytes.len() / 2]).expect("written");
    let text = usb.path().join("notes.txt");
    std::fs::write(&text, "购物清单").expect("written");

    for file in [&wrong_key, &damaged, &cut, &text] {
        for kiosk in [None, Some(kiosk_name.as_str())] {
            let (out, lines) = b.import(file, kiosk);
            assert!(!out.status.success(), "{} was imported", file.display());
            assert!(lines.is_empty(), "{lines:?}");
            let stderr = String::from_utf8_lossy(&out.stderr);
            assert!(
                stderr.contains("无法导入") && stderr.contains("Cannot import"),
                "a message in Chinese and English: {stderr}"
            );
        }
    }
    let out = b.run(&["petition", "list"]);
    assert!(out.status.success());
    assert!(out.stdout.is_empty(), "nothing stored");
    let missing = b.import(&usb.path().join("absent.age"), None).0;
    assert!(!missing.status.success());
}

/// A petition as [`bundled`], its PNG `len` random bytes long (several of age's 64 KiB chunks).
fn bundled_with_png(title: &str, len: usize) -> BundledPetition {
    use rand::RngCore;
    let mut png = b"\x89PNG\r\n\x1a\n".to_vec();
    let start = png.len();
    png.resize(start + len, 0);
    rand::rng().fill_bytes(&mut png[start..]);
    BundledPetition {
        attachments: vec![BundledAttachment::new("现场照片.png", png)],
        ..bundled(title)
    }
}

/// Every file and folder under the bureau's uploads and blobs folders.
fn stored_files(b: &Bureau) -> Vec<PathBuf> {
    fn walk(dir: &Path, out: &mut Vec<PathBuf>) {
        for entry in std::fs::read_dir(dir).into_iter().flatten().flatten() {
            let path = entry.path();
            if path.is_dir() {
                walk(&path, out);
            }
            out.push(path);
        }
    }
    let mut out = Vec::new();
    walk(&b.data_dir.join("uploads"), &mut out);
    walk(&b.data_dir.join("blobs"), &mut out);
    out
}

/// The bureau reads a bundle through and checks it whole before it takes in a petition: one cut
/// short, changed, lying about an attachment's checksum or missing its end record stores
/// nothing, not even the petitions before the damage, and leaves no staged file behind.
#[tokio::test(flavor = "multi_thread")]
async fn a_bundle_damaged_midway_stores_nothing_and_leaves_nothing_behind() {
    let Some(b) = Bureau::start(Db::Sqlite).await else {
        return;
    };
    let (_, kiosk_name) = b.kiosk();
    let recipient = b.recipient().await;
    let usb = tempfile::tempdir().expect("a temporary directory");
    let petitions: Vec<BundledPetition> = ["甲", "乙", "丙"]
        .iter()
        .map(|title| bundled_with_png(title, 300_000))
        .collect();
    let good = seal_to_file(usb.path(), "good.age", petitions.clone(), &recipient);
    let bytes = std::fs::read(&good).expect("the bundle");
    // Inside the third petition's attachment: the first two were read, checked and staged.
    let at = bytes.len() * 5 / 6;
    let cut = usb.path().join("cut.age");
    std::fs::write(&cut, &bytes[..at]).expect("written");
    let mut flipped = bytes.clone();
    flipped[at] ^= 0x01;
    let damaged = usb.path().join("damaged.age");
    std::fs::write(&damaged, &flipped).expect("written");
    let lying = usb.path().join("lying.age");
    let plain = plaintext_v2(&petitions, |i, _, data| {
        if i == 1 {
            data[1000] ^= 0x01;
        }
    });
    std::fs::write(&lying, age_encrypt(&plain, &recipient)).expect("written");
    let mut plain = plaintext_v2(&petitions, |_, _, _| {});
    let end = format!("{{\"petitions\":{}}}", petitions.len());
    plain.truncate(plain.len() - 9 - end.len());
    let without_end = usb.path().join("without-end.age");
    std::fs::write(&without_end, age_encrypt(&plain, &recipient)).expect("written");

    for file in [&cut, &damaged, &lying, &without_end] {
        let (out, lines) = b.import(file, Some(&kiosk_name));
        assert!(!out.status.success(), "{} was imported", file.display());
        assert!(lines.is_empty(), "{lines:?}");
        let stderr = String::from_utf8_lossy(&out.stderr);
        for words in [
            "无法导入",
            "未导入任何信访件",
            "Cannot import",
            "nothing was imported",
        ] {
            assert!(stderr.contains(words), "{words} is not in: {stderr}");
        }
        let listed = b.run(&["petition", "list"]);
        assert!(listed.stdout.is_empty(), "nothing stored");
        assert_eq!(
            stored_files(&b),
            Vec::<PathBuf>::new(),
            "nothing left behind"
        );
    }

    // The same petitions, whole: all of them go in, also when written by hand after the format.
    let (out, lines) = b.import(&good, Some(&kiosk_name));
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(lines.len(), 4, "{lines:?}");
    assert_eq!(last_line(&out), r#"{"imported":3,"already_delivered":0}"#);
    let by_hand = usb.path().join("by-hand.age");
    let plain = plaintext_v2(&petitions, |_, _, _| {});
    std::fs::write(&by_hand, age_encrypt(&plain, &recipient)).expect("written");
    let (out, _) = b.import(&by_hand, Some(&kiosk_name));
    assert!(out.status.success());
    assert_eq!(last_line(&out), r#"{"imported":0,"already_delivered":3}"#);
    for p in &petitions {
        let a = &p.attachments[0];
        let blob = b
            .data_dir
            .join("blobs")
            .join(&a.sha256[..2])
            .join(&a.sha256);
        assert_eq!(std::fs::read(blob).expect("a blob"), a.data);
    }
    let staged: Vec<_> = std::fs::read_dir(b.data_dir.join("uploads"))
        .expect("the uploads folder")
        .collect();
    assert!(staged.is_empty(), "the staging folders are gone");
}

/// Bundles that kiosks of earlier versions wrote (format `/1`, one JSON document) wait on USB
/// drives in the field: they still import, and a petition one of them brought is not taken in
/// again from a bundle of the current format.
#[tokio::test(flavor = "multi_thread")]
async fn a_format_1_bundle_from_an_earlier_version_still_imports() {
    let Some(b) = Bureau::start(Db::Sqlite).await else {
        return;
    };
    let (_, kiosk_name) = b.kiosk();
    let recipient = b.recipient().await;
    let usb = tempfile::tempdir().expect("a temporary directory");
    let petitions = vec![bundled("小区门前道路破损"), bundled("路灯不亮")];
    let old = seal_v1_to_file(usb.path(), "old.age", petitions.clone(), &recipient);
    let (out, first) = b.import(&old, Some(&kiosk_name));
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(last_line(&out), r#"{"imported":2,"already_delivered":0}"#);
    for (line, p) in first.iter().zip(&petitions) {
        assert_eq!(line["petition_id"], p.petition_id.as_str());
        assert_eq!(line["outcome"], "created");
    }
    let a = &petitions[1].attachments[0];
    let blob = b
        .data_dir
        .join("blobs")
        .join(&a.sha256[..2])
        .join(&a.sha256);
    assert_eq!(std::fs::read(blob).expect("a blob"), a.data);

    let new = seal_to_file(usb.path(), "new.age", petitions, &recipient);
    let (out, again) = b.import(&new, Some(&kiosk_name));
    assert!(out.status.success());
    assert_eq!(last_line(&out), r#"{"imported":0,"already_delivered":2}"#);
    for (line, earlier) in again.iter().zip(&first).take(2) {
        assert_eq!(line["outcome"], "already_delivered");
        assert_eq!(line["tracking_code"], earlier["tracking_code"]);
    }
}

/// The kiosk's side through `petitionctl`: set up with a PIN on standard input, a petition full of
/// markers submitted while the bureau is not reached, `kiosk export-outbox` seals it (no marker in
/// the file's bytes), the bureau imports it once (twice changes nothing), and when the kiosk is
/// online again its sync finds the petition already there: one petition, found by reference.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_kiosk_outbox_exported_by_petitionctl_arrives_once_however_it_travels() {
    if !crate::sync::keyring_ready() {
        return;
    }
    let Some(b) = Bureau::start(Db::Sqlite).await else {
        return;
    };
    let (kiosk_token, kiosk_name) = b.kiosk();
    let root = tempfile::tempdir().expect("temp dir");
    let data = root.path().join("kiosk");
    let ctl = || {
        let mut cmd = petition_tests::petitionctl();
        cmd.arg("--data-dir")
            .arg(&data)
            .env("PETITION_LOG_DIR", root.path().join("logs"));
        cmd
    };
    let ok = |out: Output, what: &str| -> String {
        assert!(
            out.status.success(),
            "{what}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8_lossy(&out.stdout).into_owned()
    };

    let setup = run_with_input(
        ctl()
            .args([
                "kiosk",
                "setup",
                "--bureau",
                &b.base,
                "--token",
                &kiosk_token,
                "--pin",
            ])
            .args(["--folder", &format!("扫描仪={}", root.path().display())]),
        "2468\n2468\n",
    );
    let report: Value = serde_json::from_str(&ok(setup, "kiosk setup")).expect("setup JSON");
    assert_eq!(report["bureau_key"], b.recipient().await.as_str());

    let values = [
        ("name", MARKER_NAME),
        ("id_number", MARKER_ID_NUMBER),
        ("phone", "13700001234"),
        ("address", "西安市雁塔区标记路 7 号"),
        ("region", "610113"),
        ("category", "城乡建设"),
        ("purpose", "complaint"),
        ("title", "终端导出测试"),
        ("request", "请处理。"),
        ("facts", "这是一段只在导出测试中出现的标记文字。"),
    ];
    let mut new = ctl();
    new.args(["draft", "new"]);
    for (k, v) in values {
        new.args(["--set", &format!("{k}={v}")]);
    }
    let id = ok(new.output().expect("runs"), "draft new")
        .trim()
        .to_owned();
    let pdf_path = root.path().join("证据.pdf");
    let mut pdf = b"%PDF-1.4\n".to_vec();
    pdf.extend_from_slice(&b"EXPORT-MARKER-BYTES-77a1\n".repeat(50));
    pdf.extend_from_slice(b"%%EOF\n");
    std::fs::write(&pdf_path, &pdf).expect("write the PDF");
    ok(
        ctl()
            .args(["attach", &id])
            .arg(&pdf_path)
            .output()
            .expect("runs"),
        "attach",
    );
    ok(
        ctl().args(["submit", &id]).output().expect("runs"),
        "submit",
    );

    let sealed = root.path().join("outbox.age");
    let printed = ok(
        ctl()
            .args(["kiosk", "export-outbox"])
            .arg(&sealed)
            .output()
            .expect("runs"),
        "export-outbox",
    );
    assert_eq!(
        printed.trim(),
        "1",
        "export-outbox prints how many petitions"
    );
    let bytes = std::fs::read(&sealed).expect("the sealed file");
    for marker in [
        MARKER_NAME.as_bytes(),
        MARKER_ID_NUMBER.as_bytes(),
        "标记文字".as_bytes(),
        b"EXPORT-MARKER-BYTES".as_slice(),
    ] {
        assert!(
            !bytes.windows(marker.len()).any(|w| w == marker),
            "the sealed file holds a marker in the clear"
        );
    }

    let (out, lines) = b.import(&sealed, Some(&kiosk_name));
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(lines[0]["outcome"], "created", "{lines:?}");
    assert_eq!(lines[0]["reference"], submission_reference(&id).as_str());
    let code = lines[0]["tracking_code"]
        .as_str()
        .expect("a code")
        .to_owned();
    let (out, lines) = b.import(&sealed, Some(&kiosk_name));
    assert!(out.status.success());
    assert_eq!(lines[0]["outcome"], "already_delivered", "{lines:?}");

    // Online again: the kiosk's own sync gets the same petition's receipt, not a second one.
    ok(
        ctl()
            .args(["sync", "--once"])
            .env("PETITION_SYNC_BACKOFF_CAP_MS", "300")
            .output()
            .expect("runs"),
        "sync",
    );
    let status: Value = serde_json::from_str(&ok(
        ctl()
            .args(["status", &id, "--json"])
            .output()
            .expect("runs"),
        "status",
    ))
    .expect("status JSON");
    assert_eq!(status["tracking_code"], code.as_str());
    assert_eq!(b.listed(&[&code]).len(), 1);
    let list: PetitionList =
        serde_json::from_value(b.get_json(&kiosk_token, "/v1/petitions").await).expect("a list");
    assert_eq!(
        list.petitions
            .iter()
            .filter(|p| p.petition_id == id)
            .count(),
        1,
        "one petition at the bureau"
    );
    let found: PetitionView = serde_json::from_value(
        b.get_json(
            &kiosk_token,
            &format!("/v1/petitions/by-reference/{}", submission_reference(&id)),
        )
        .await,
    )
    .expect("found by reference");
    assert_eq!(found.tracking_code, code);
    let _ = petition_core::sync::secret::forget_token(&data);
}

/// Set by [`peak_rss`] for the probe it starts: the command to run and where its output goes.
#[cfg(unix)]
const RSS_PROBE_ENV: &str = "PETITION_RSS_PROBE";

/// Runs the command [`peak_rss`] describes in `PETITION_RSS_PROBE`, with this process's
/// environment, keeps its output in files and prints its exit code and peak resident size. Run
/// only as a child of [`peak_rss`], so no other test's children count.
#[cfg(unix)]
#[test]
#[ignore = "started by peak_rss"]
fn rss_probe() {
    let Some(spec) = std::env::var_os(RSS_PROBE_ENV) else {
        return;
    };
    let spec: Value = serde_json::from_str(&spec.to_string_lossy()).expect("a probe spec");
    let argv: Vec<&str> = spec["argv"]
        .as_array()
        .expect("argv")
        .iter()
        .map(|a| a.as_str().expect("an argument"))
        .collect();
    let dir = PathBuf::from(spec["out"].as_str().expect("an output folder"));
    let out = Command::new(argv[0])
        .args(&argv[1..])
        .stdin(Stdio::null())
        .output()
        .expect("the measured command runs");
    std::fs::write(dir.join("stdout"), &out.stdout).expect("stdout kept");
    std::fs::write(dir.join("stderr"), &out.stderr).expect("stderr kept");
    let usage = nix::sys::resource::getrusage(nix::sys::resource::UsageWho::RUSAGE_CHILDREN)
        .expect("getrusage");
    // Linux reports kibibytes, macOS bytes.
    let peak_kib = if cfg!(target_os = "macos") {
        usage.max_rss() / 1024
    } else {
        usage.max_rss()
    };
    println!(
        "PROBE_EXIT={} PROBE_PEAK_RSS_KIB={peak_kib}",
        out.status.code().unwrap_or(-1)
    );
}

/// What a command run through [`peak_rss`] did.
#[cfg(unix)]
#[derive(Debug)]
struct Measured {
    success: bool,
    stdout: String,
    stderr: String,
    peak_kib: u64,
    took: Duration,
}

/// Runs `cmd` (its program, arguments and environment) as the only child of a probe, a second
/// run of this test binary, and measures its peak resident memory there.
#[cfg(unix)]
fn peak_rss(cmd: &Command) -> Measured {
    let dir = tempfile::tempdir().expect("a temporary directory");
    let argv: Vec<String> = std::iter::once(cmd.get_program())
        .chain(cmd.get_args())
        .map(|a| a.to_str().expect("a UTF-8 argument").to_owned())
        .collect();
    let mut probe = Command::new(std::env::current_exe().expect("the test executable"));
    probe.args([
        "bureau::import::rss_probe",
        "--exact",
        "--ignored",
        "--nocapture",
        "--test-threads=1",
    ]);
    for (key, value) in cmd.get_envs() {
        match value {
            Some(value) => probe.env(key, value),
            None => probe.env_remove(key),
        };
    }
    let spec = serde_json::json!({"argv": argv, "out": dir.path().to_str().expect("UTF-8")});
    probe.env(RSS_PROBE_ENV, spec.to_string());
    let started = std::time::Instant::now();
    let out = probe.output().expect("the probe runs");
    let took = started.elapsed();
    let printed = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "the probe failed:\n{printed}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let field = |name: &str| -> i64 {
        printed
            .split_once(name)
            .and_then(|(_, rest)| rest.split_whitespace().next())
            .and_then(|v| v.parse().ok())
            .unwrap_or_else(|| panic!("the probe prints {name}: {printed}"))
    };
    let read = |name: &str| std::fs::read_to_string(dir.path().join(name)).expect("kept output");
    Measured {
        success: field("PROBE_EXIT=") == 0,
        stdout: read("stdout"),
        stderr: read("stderr"),
        peak_kib: u64::try_from(field("PROBE_PEAK_RSS_KIB=")).expect("a size"),
        took,
    }
}

/// A PDF of `len` bytes that the ingest keeps byte for byte; `seed` makes its content its own.
#[cfg(unix)]
fn big_pdf(len: usize, seed: u8) -> Vec<u8> {
    let line = format!("% evidence page filler {seed:03} ................................\n");
    let mut pdf = Vec::with_capacity(len);
    pdf.extend_from_slice(b"%PDF-1.4\n");
    while pdf.len() + line.len() + 6 <= len {
        pdf.extend_from_slice(line.as_bytes());
    }
    pdf.resize(len - 6, b' ');
    pdf.extend_from_slice(b"%%EOF\n");
    pdf
}

/// Issue 14: an outbox of 40 petitions of 50 MB each (2 GB) is exported by `petitionctl kiosk
/// export-outbox` and imported by `petition-bureau import`, each in a process that stays under
/// 300 MiB resident. Every petition carries the same three PDFs (20 + 20 + 10 MB, the ingest's
/// limit being 20 MB a file), so the kiosk and the bureau each keep one copy of each, while the
/// bundle carries every petition's bytes: 2 GB through age's stream, read from the store and
/// written out one attachment at a time, then read back and checked.
#[cfg(unix)]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_2_gb_outbox_is_exported_and_imported_in_bounded_memory() {
    const PETITIONS: usize = 40;
    const LIMIT_KIB: u64 = 300 * 1024;
    if !crate::sync::keyring_ready() {
        return;
    }
    let Some(b) = Bureau::start(Db::Sqlite).await else {
        return;
    };
    let (kiosk_token, kiosk_name) = b.kiosk();
    let root = tempfile::tempdir().expect("temp dir");
    let data = root.path().join("kiosk");
    let ctl = || {
        let mut cmd = petition_tests::petitionctl();
        cmd.arg("--data-dir")
            .arg(&data)
            .env("PETITION_LOG_DIR", root.path().join("logs"));
        cmd
    };
    let ok = |out: Output, what: &str| -> String {
        assert!(
            out.status.success(),
            "{what}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8_lossy(&out.stdout).into_owned()
    };
    let scans = root.path().join("scans");
    std::fs::create_dir(&scans).expect("the scans folder");
    ok(
        run_with_input(
            ctl()
                .args([
                    "kiosk",
                    "setup",
                    "--bureau",
                    &b.base,
                    "--token",
                    &kiosk_token,
                ])
                .args(["--pin", "--folder", &format!("扫描仪={}", scans.display())]),
            "2468\n2468\n",
        ),
        "kiosk setup",
    );

    let started = std::time::Instant::now();
    let mut files = Vec::new();
    for (i, len) in [20_000_000, 20_000_000, 10_000_000].into_iter().enumerate() {
        let path = scans.join(format!("证据-{i}.pdf"));
        std::fs::write(&path, big_pdf(len, i as u8)).expect("a PDF");
        files.push(path);
    }
    for i in 0..PETITIONS {
        let mut new = ctl();
        new.args(["draft", "new", "--title", &format!("大件证据 {i}")]);
        for (k, v) in [
            ("name", "王丽"),
            ("id_number", "11010519491231002X"),
            ("phone", "13700001234"),
            ("address", "西安市雁塔区小寨东路 1 号"),
            ("region", "610113"),
            ("category", "城乡建设"),
            ("purpose", "complaint"),
            ("request", "请处理。"),
            ("facts", "证据较多，见附件。"),
        ] {
            new.args(["--set", &format!("{k}={v}")]);
        }
        let id = ok(new.output().expect("runs"), "draft new")
            .trim()
            .to_owned();
        ok(
            ctl()
                .args(["attach", &id])
                .args(&files)
                .output()
                .expect("runs"),
            "attach",
        );
        ok(
            ctl().args(["submit", &id]).output().expect("runs"),
            "submit",
        );
    }
    let set_up = started.elapsed();

    let sealed = root.path().join("outbox.age");
    let export = peak_rss(ctl().args(["kiosk", "export-outbox"]).arg(&sealed));
    assert!(export.success, "export-outbox: {}", export.stderr);
    assert_eq!(export.stdout.trim(), PETITIONS.to_string());
    let size = std::fs::metadata(&sealed).expect("the bundle").len();
    assert!(size > PETITIONS as u64 * 50_000_000, "{size} bytes");

    let import = peak_rss(
        bureau_command(&b.data_dir, None)
            .arg("import")
            .arg(&sealed)
            .args(["--kiosk", &kiosk_name]),
    );
    assert!(import.success, "import: {}", import.stderr);
    let lines: Vec<Value> = import
        .stdout
        .lines()
        .map(|l| serde_json::from_str(l).expect("a JSON line"))
        .collect();
    assert_eq!(lines.len(), PETITIONS + 1);
    assert!(lines[..PETITIONS].iter().all(|l| l["outcome"] == "created"));
    assert_eq!(
        lines[PETITIONS],
        serde_json::json!({"imported": PETITIONS, "already_delivered": 0})
    );
    let list: PetitionList =
        serde_json::from_value(b.get_json(&kiosk_token, "/v1/petitions").await).expect("a list");
    assert_eq!(list.petitions.len(), PETITIONS);

    eprintln!(
        "2 GB outbox: set-up {:.1} s; export {:.1} s, peak {} KiB; import {:.1} s, peak {} KiB",
        set_up.as_secs_f64(),
        export.took.as_secs_f64(),
        export.peak_kib,
        import.took.as_secs_f64(),
        import.peak_kib
    );
    assert!(
        export.peak_kib < LIMIT_KIB,
        "export-outbox peaked at {} KiB",
        export.peak_kib
    );
    assert!(
        import.peak_kib < LIMIT_KIB,
        "import peaked at {} KiB",
        import.peak_kib
    );
    let _ = petition_core::sync::secret::forget_token(&data);
}
