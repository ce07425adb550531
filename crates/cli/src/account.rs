//! `petitionctl account sign-up | sign-in | verify | status | sign-out | delete`: the citizen's
//! own account at the bureau, by a mobile number and the 6-digit code texted to it.

use std::process::ExitCode;

use clap::{Args, Subcommand};
use petition_core::Store;
use petition_core::i18n::{Lang, text};
use petition_core::sync::account::CodePurpose;

use crate::sync::BUREAU_URL_ENV;

#[derive(Debug, Args)]
pub struct BureauArg {
    /// The bureau's address; without it, the one signed in to last, else this build's.
    #[arg(long, env = BUREAU_URL_ENV, value_name = "URL", global = true)]
    bureau: Option<String>,
}

#[derive(Debug, Subcommand)]
pub enum AccountCommand {
    /// Register with a mobile number: the bureau texts a 6-digit code to it (then `verify`). The
    /// name and ID number are checked like the form's (not verified), and fill new drafts.
    SignUp {
        #[arg(long)]
        phone: String,
        #[arg(long)]
        name: String,
        #[arg(long)]
        id_number: String,
    },
    /// Sign in with the mobile number of an account: the bureau texts a code (then `verify`).
    SignIn {
        #[arg(long)]
        phone: String,
    },
    /// Give the code from the text message: signs this data directory in; the account's
    /// petitions come down at the next sync.
    Verify {
        #[arg(long)]
        code: String,
    },
    /// Whether signed in, and as which number (masked).
    Status {
        #[arg(long)]
        json: bool,
    },
    /// Sign out: the token is forgotten (and revoked at the bureau when it can be reached).
    /// Drafts and petitions still waiting are kept.
    SignOut {
        /// Also forget this machine's copies of the account's delivered petitions.
        #[arg(long)]
        forget_delivered: bool,
    },
    /// 注销账号: the bureau erases the account's number, name and ID number and revokes its
    /// tokens; here it is signed out and its delivered petitions forgotten.
    Delete {
        /// Confirms the deletion (it cannot be undone).
        #[arg(long)]
        yes: bool,
    },
}

pub async fn account(
    store: &Store,
    bureau: BureauArg,
    cmd: AccountCommand,
    lang: Lang,
) -> anyhow::Result<ExitCode> {
    match cmd {
        AccountCommand::SignUp {
            phone,
            name,
            id_number,
        } => {
            eprintln!("{}", lang.text("cli-account-consent"));
            let url = store.account_bureau(bureau.bureau.as_deref()).await?;
            let sent = store
                .ask_code(&url, &phone, CodePurpose::SignUp, &name, &id_number)
                .await?;
            code_sent(sent.expires_in, lang);
        }
        AccountCommand::SignIn { phone } => {
            let url = store.account_bureau(bureau.bureau.as_deref()).await?;
            let sent = store
                .ask_code(&url, &phone, CodePurpose::SignIn, "", "")
                .await?;
            code_sent(sent.expires_in, lang);
        }
        AccountCommand::Verify { code } => {
            let signed = store.verify_code(&code).await?;
            let phone = signed.status.phone.unwrap_or_default();
            println!(
                "{}",
                text(
                    lang,
                    if signed.created {
                        "cli-account-signed_up"
                    } else {
                        "cli-account-signed_in"
                    },
                    &[("phone", phone.as_str().into())]
                )
            );
            if signed.claimed > 0 {
                println!(
                    "{}",
                    text(lang, "cli-account-claimed", &[("n", signed.claimed.into())])
                );
            }
        }
        AccountCommand::Status { json } => {
            let status = store.account_status().await?;
            if json {
                crate::print_json(&status)?;
            } else if let Some(phone) = status.phone.as_deref().filter(|_| status.signed_in) {
                println!(
                    "{}",
                    text(
                        lang,
                        "cli-account-status-signed_in",
                        &[("phone", phone.into())]
                    )
                );
            } else if status.signed_in {
                println!("{}", lang.text("cli-account-status-token"));
            } else {
                println!("{}", lang.text("cli-account-status-signed_out"));
            }
        }
        AccountCommand::SignOut { forget_delivered } => {
            store.sign_out(forget_delivered).await?;
            println!("{}", lang.text("cli-account-signed_out"));
        }
        AccountCommand::Delete { yes } => {
            if !yes {
                eprintln!("{}", lang.text("cli-account-delete-confirm"));
                return Ok(ExitCode::from(2));
            }
            store.delete_account().await?;
            println!("{}", lang.text("cli-account-deleted"));
        }
    }
    Ok(ExitCode::SUCCESS)
}

fn code_sent(expires_in: u64, lang: Lang) {
    println!(
        "{}",
        text(
            lang,
            "cli-account-code_sent",
            &[("minutes", expires_in.div_ceil(60).into())]
        )
    );
}
