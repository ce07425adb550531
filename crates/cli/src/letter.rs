//! `petitionctl letter`: a petition printed as a formal letter (PDF), for citizens who post it
//! (来信) or keep a paper copy. What goes in the letter is the core's (`petition_core::letter`),
//! the same as the app's 保存为 PDF.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::Args;
use petition_core::Store;
use petition_core::letter::{self, Addressee};

#[derive(Debug, Args)]
pub struct LetterArgs {
    /// The petition (its id, or the start of it).
    id: String,
    /// The PDF to write; one that is there is replaced.
    out: PathBuf,
    /// The office the letter goes to (default: the 信访 office the bureau's catalogue names for
    /// the place, else the place's own 信访局, else 信访部门).
    #[arg(long, value_name = "OFFICE")]
    to: Option<String>,
    /// The office's postal address, printed above its name (with --postcode, it replaces the
    /// catalogue's).
    #[arg(long, value_name = "ADDRESS")]
    to_address: Option<String>,
    /// The office's postcode, printed above its address.
    #[arg(long, value_name = "CODE")]
    postcode: Option<String>,
}

pub async fn letter(store: &Store, args: LetterArgs) -> anyhow::Result<ExitCode> {
    let id = crate::resolve(store, &args.id).await?;
    let to = Addressee {
        office: args.to,
        address: args.to_address,
        postcode: args.postcode,
    };
    let letter = store.letter(&id, to, letter::today()).await?;
    let pdf = letter::render(&letter)?;
    letter::write_whole(&args.out, &pdf)?;
    Ok(ExitCode::SUCCESS)
}
