//! `petitionctl attach`, `attachment export` and `normalize`: the attachment pipeline from the
//! command line. Each file gets one JSON line on stdout:
//! `{"file":…, "ok":true, "sha256":…, "media_type":…, "width":…, "height":…, "bytes":…}` or
//! `{"file":…, "ok":false, "code":…, "message":…}`; the exit code is 1 when any file was refused.

use std::borrow::Cow;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::{Args, Subcommand};
use petition_core::attachment::{
    self, Attachment, Incoming, Limits, MediaType, Normalized, Source,
};
use petition_core::i18n::Lang;
use petition_core::{Error, Store};
use serde::Serialize;

#[derive(Debug, Args)]
pub struct AttachArgs {
    /// The draft's id (or a unique prefix of it).
    draft_id: String,
    /// Photos, scans, screenshots or PDFs; the type is told from the bytes.
    #[arg(required = true)]
    files: Vec<PathBuf>,
}

#[derive(Debug, Subcommand)]
pub enum AttachmentCommand {
    /// Write an attachment's stored bytes to OUT.
    Export {
        draft_id: String,
        sha256: String,
        out: PathBuf,
    },
}

#[derive(Debug, Args)]
pub struct NormalizeArgs {
    /// The file to check and normalise.
    input: PathBuf,
    /// Where to write the normalised bytes (only if the file is accepted).
    output: PathBuf,
}

/// One file's line; fields in the documented order.
#[derive(Serialize)]
struct Accepted<'a> {
    file: Cow<'a, str>,
    ok: bool,
    sha256: &'a str,
    media_type: &'a str,
    width: Option<u32>,
    height: Option<u32>,
    bytes: u64,
}

#[derive(Serialize)]
struct Refused<'a> {
    file: Cow<'a, str>,
    ok: bool,
    code: &'static str,
    message: String,
}

fn accepted(
    file: &Path,
    sha256: &str,
    media_type: MediaType,
    width: Option<u32>,
    height: Option<u32>,
    bytes: u64,
) -> anyhow::Result<String> {
    Ok(serde_json::to_string(&Accepted {
        file: file.to_string_lossy(),
        ok: true,
        sha256,
        media_type: media_type.as_str(),
        width,
        height,
        bytes,
    })?)
}

fn refused(file: &Path, error: &Error, lang: Lang) -> anyhow::Result<String> {
    Ok(serde_json::to_string(&Refused {
        file: file.to_string_lossy(),
        ok: false,
        code: error.code(),
        message: error.message(lang),
    })?)
}

fn exit(all_ok: bool) -> ExitCode {
    if all_ok {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    }
}

/// `petitionctl attach DRAFT_ID FILE...`
pub async fn attach(store: &Store, args: AttachArgs, lang: Lang) -> anyhow::Result<ExitCode> {
    let id = store.drafts().resolve_id(&args.draft_id).await?;
    let incoming = args
        .files
        .iter()
        .map(|path| Incoming {
            name: path
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default(),
            source: Source::Path(path.clone()),
        })
        .collect();
    let results = store
        .attachments()
        .attach(&id, incoming, &Limits::default(), |_| {})
        .await?;
    let mut all_ok = true;
    for (path, result) in args.files.iter().zip(&results) {
        let line = match result {
            Ok(Attachment {
                sha256,
                media_type,
                width,
                height,
                bytes,
                ..
            }) => accepted(path, sha256, *media_type, *width, *height, *bytes)?,
            Err(e) => {
                all_ok = false;
                refused(path, e, lang)?
            }
        };
        println!("{line}");
    }
    Ok(exit(all_ok))
}

/// `petitionctl attachment …`
pub async fn attachment(store: &Store, command: AttachmentCommand) -> anyhow::Result<ExitCode> {
    match command {
        AttachmentCommand::Export {
            draft_id,
            sha256,
            out,
        } => {
            let id = store.drafts().resolve_id(&draft_id).await?;
            let content = store
                .attachments()
                .bytes(&id, &sha256.to_ascii_lowercase())
                .await?;
            std::fs::write(&out, content.bytes)?;
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// `petitionctl normalize IN OUT`: the same pipeline, no data directory.
pub fn normalize(args: &NormalizeArgs, lang: Lang) -> anyhow::Result<ExitCode> {
    let limits = Limits::default();
    let result = attachment::read_file(&args.input, &limits)
        .and_then(|bytes| attachment::normalize(&bytes, &limits));
    let line = match result {
        Ok(Normalized {
            media_type,
            width,
            height,
            bytes,
            sha256,
            ..
        }) => {
            std::fs::write(&args.output, &bytes)?;
            accepted(
                &args.input,
                &sha256,
                media_type,
                width,
                height,
                bytes.len() as u64,
            )?
        }
        Err(e) => {
            println!("{}", refused(&args.input, &Error::from(e), lang)?);
            return Ok(ExitCode::FAILURE);
        }
    };
    println!("{line}");
    Ok(ExitCode::SUCCESS)
}
