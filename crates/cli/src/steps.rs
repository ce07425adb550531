//! `petitionctl evaluate | review | recheck | urge`: the citizen's steps after delivery. Each is
//! queued in the outbox under its own key and sent at once if the bureau is reachable; it is
//! the bureau that says whether the step is allowed now, and its reason is printed in the
//! terminal's language. A step that cannot be sent now waits and goes with the next `sync`.

use std::process::ExitCode;

use clap::{Args, ValueEnum};
use petition_core::Store;
use petition_core::i18n::{Lang, one_language, text};
use petition_core::sync::steps::Satisfaction;
use petition_core::sync::{Engine, EngineConfig, StepRequest, StepState};

/// 满意 / 基本满意 / 不满意, under the API's own names.
#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum SatisfactionArg {
    #[value(name = "satisfied")]
    Satisfied,
    #[value(name = "basically_satisfied")]
    BasicallySatisfied,
    #[value(name = "dissatisfied")]
    Dissatisfied,
}

impl From<SatisfactionArg> for Satisfaction {
    fn from(arg: SatisfactionArg) -> Satisfaction {
        match arg {
            SatisfactionArg::Satisfied => Satisfaction::Satisfied,
            SatisfactionArg::BasicallySatisfied => Satisfaction::BasicallySatisfied,
            SatisfactionArg::Dissatisfied => Satisfaction::Dissatisfied,
        }
    }
}

#[derive(Debug, Args)]
pub struct EvaluateArgs {
    pub id: String,
    #[arg(long, value_enum)]
    pub satisfaction: SatisfactionArg,
    /// What the citizen wants to say about it (at most 2 000 characters).
    #[arg(long, value_name = "TEXT")]
    pub comment: Option<String>,
}

#[derive(Debug, Args)]
pub struct ReasonArgs {
    pub id: String,
    /// Why (at most 20 000 characters).
    #[arg(long, value_name = "TEXT")]
    pub reason: String,
}

impl EvaluateArgs {
    pub fn request(self) -> StepRequest {
        StepRequest::Evaluation {
            satisfaction: self.satisfaction.into(),
            comment: self.comment.unwrap_or_default(),
        }
    }
}

/// Queues the step, sends what waits, and says how this step went: exit 0 when the bureau took
/// it or it waits for the network, 1 with the bureau's reason when the bureau refused it.
pub async fn take(
    store: &Store,
    id: &str,
    request: StepRequest,
    lang: Lang,
) -> anyhow::Result<ExitCode> {
    let step = store.outbox().queue_step(id, &request).await?;
    let engine = Engine::new(store.clone(), EngineConfig::default());
    if let Err(e) = engine.send_steps_now().await {
        // Not signed in, or a keyring that is locked: the step waits for that to be put right.
        eprintln!("{}", e.message(lang));
    }
    let step = store.outbox().step(&step.key).await?;
    let reason = step
        .error
        .as_ref()
        .map(|e| one_language(&e.message, lang).to_owned())
        .unwrap_or_default();
    Ok(match step.state {
        StepState::Sent => {
            println!("{}\t{}", step.key, lang.text("cli-step-sent"));
            ExitCode::SUCCESS
        }
        StepState::Refused => {
            eprintln!(
                "{}",
                text(
                    lang,
                    "cli-step-refused",
                    &[("reason", reason.as_str().into())]
                )
            );
            ExitCode::FAILURE
        }
        StepState::Waiting => {
            println!("{}\t{}", step.key, lang.text("cli-step-queued"));
            if !reason.is_empty() {
                eprintln!("{reason}");
            }
            ExitCode::SUCCESS
        }
    })
}
