//! Handing a receipt's PDF to CUPS with its own command-line tools, each run off the UI thread
//! under a hard time limit: `lp` submits the file, `lpstat` tells where the job is, `cancel`
//! drops a job nobody is waiting for any more. Nothing here can hang: a tool that does not answer
//! in time is killed, and the caller is told the print system has not answered.
//!
//! The tools' output is read in the C locale. The pure readers ([`request_id`], [`find_job`],
//! [`destination`]) are tested on real output; the runner on a real child process that hangs.

use std::ffi::OsStr;
use std::path::Path;
use std::process::{Output, Stdio};
use std::time::Duration;

use tokio::process::Command;
use tokio::time::Instant;

use super::PrintError;

/// How often a job's state is read while it is on its way.
const POLL: Duration = Duration::from_millis(300);

/// The longest a look at a job's state may take before the kiosk decides before printing anew.
const LOOK_LIMIT: Duration = Duration::from_secs(5);

/// Why a tool gave no output.
#[derive(Debug)]
pub enum RunError {
    /// It could not be started (not installed, …).
    Start(std::io::Error),
    /// It had not finished within the limit, and was killed.
    TimedOut,
}

/// Runs `cmd` with nothing on its standard input and returns what it printed, or kills it once
/// `limit` has passed.
pub async fn run(cmd: &mut Command, limit: Duration) -> Result<Output, RunError> {
    let child = cmd
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .map_err(RunError::Start)?;
    // On timeout the child is dropped with the future, which kills it (tokio reaps it).
    match tokio::time::timeout(limit, child.wait_with_output()).await {
        Ok(result) => result.map_err(RunError::Start),
        Err(_) => Err(RunError::TimedOut),
    }
}

/// The job id in `lp`'s answer, `request id is NAME-12 (1 file(s))`.
pub fn request_id(stdout: &str) -> Option<&str> {
    stdout
        .lines()
        .find_map(|line| line.trim().strip_prefix("request id is "))
        .and_then(|rest| rest.split_whitespace().next())
}

/// The queue a job id names: `HP-LaserJet-12` is job 12 of `HP-LaserJet`.
pub fn destination(job: &str) -> Option<&str> {
    let (name, number) = job.rsplit_once('-')?;
    (!name.is_empty() && !number.is_empty() && number.bytes().all(|b| b.is_ascii_digit()))
        .then_some(name)
}

/// The job's state reasons (`Alerts:`) if `lpstat -l -o` lists it.
pub fn find_job<'a>(lpstat: &'a str, job: &str) -> Option<Vec<&'a str>> {
    let mut lines = lpstat.lines();
    while let Some(line) = lines.next() {
        if line.starts_with(char::is_whitespace) || line.split_whitespace().next() != Some(job) {
            continue;
        }
        let reasons = lines
            .take_while(|l| l.starts_with(char::is_whitespace))
            .find_map(|l| l.trim().strip_prefix("Alerts:"))
            .map(|r| r.split_whitespace().collect())
            .unwrap_or_default();
        return Some(reasons);
    }
    None
}

/// Whether a finished job's state reasons say it did not print (aborted, cancelled, an error).
fn went_wrong(reasons: &[&str]) -> bool {
    reasons
        .iter()
        .any(|r| r.contains("abort") || r.contains("cancel") || r.contains("error"))
}

/// Where a submitted job is.
#[derive(Debug, PartialEq, Eq)]
pub enum JobState {
    /// Still in the queue: waiting, held, or being sent to the printer.
    Queued,
    /// The print system is done with it (or keeps no history of it).
    Done,
    /// It ended without printing; the reasons are for the log.
    Failed(String),
}

/// CUPS's command-line tools, each a program and the arguments that come before the tool's own.
#[derive(Debug, Clone)]
pub struct Cups {
    lp: Vec<String>,
    lpstat: Vec<String>,
    cancel: Vec<String>,
}

impl Cups {
    /// The system's `lp`, `lpstat` and `cancel`, as found on `PATH`.
    pub fn system() -> Cups {
        Cups {
            lp: vec!["lp".to_owned()],
            lpstat: vec!["lpstat".to_owned()],
            cancel: vec!["cancel".to_owned()],
        }
    }

    fn command(tool: &[String], args: &[&OsStr]) -> Command {
        let (program, before) = tool.split_first().expect("a tool has a program");
        let mut cmd = Command::new(program);
        cmd.args(before).args(args).env("LC_ALL", "C");
        cmd
    }

    /// Sends `pdf` to `printer` (else the default destination) and returns the job's id once
    /// CUPS has taken the file, by `deadline`. `lp` reads the file itself, so it may be removed
    /// as soon as this returns.
    pub async fn submit(
        &self,
        pdf: &Path,
        printer: Option<&str>,
        title: &str,
        deadline: Instant,
    ) -> Result<String, PrintError> {
        let mut args: Vec<&OsStr> = Vec::new();
        if let Some(name) = printer {
            args.extend([OsStr::new("-d"), OsStr::new(name)]);
        }
        args.extend([
            OsStr::new("-t"),
            OsStr::new(title),
            OsStr::new("--"),
            pdf.as_os_str(),
        ]);
        let limit = deadline.saturating_duration_since(Instant::now());
        let out = match run(&mut Cups::command(&self.lp, &args), limit).await {
            Ok(out) => out,
            Err(RunError::TimedOut) => return Err(PrintError::Slow),
            Err(RunError::Start(e)) => {
                return Err(PrintError::Failed(format!("lp did not start: {e}")));
            }
        };
        let stdout = String::from_utf8_lossy(&out.stdout);
        match request_id(&stdout) {
            Some(job) if out.status.success() => Ok(job.to_owned()),
            _ => Err(PrintError::Failed(format!(
                "lp ({}): {}",
                out.status,
                String::from_utf8_lossy(&out.stderr).trim()
            ))),
        }
    }

    async fn lpstat(&self, args: &[&str], limit: Duration) -> Result<String, String> {
        let args: Vec<&OsStr> = args.iter().map(OsStr::new).collect();
        match run(&mut Cups::command(&self.lpstat, &args), limit).await {
            Ok(out) if out.status.success() => Ok(String::from_utf8_lossy(&out.stdout).into()),
            Ok(out) => Err(format!(
                "lpstat ({}): {}",
                out.status,
                String::from_utf8_lossy(&out.stderr).trim()
            )),
            Err(RunError::TimedOut) => Err("lpstat did not answer".to_owned()),
            Err(RunError::Start(e)) => Err(format!("lpstat did not start: {e}")),
        }
    }

    /// Reads where `job` is, within `limit`; `Err` when lpstat could not tell.
    pub async fn state(&self, job: &str, limit: Duration) -> Result<JobState, String> {
        let deadline = Instant::now() + limit;
        let queue = destination(job).ok_or_else(|| format!("not a job id: {job}"))?;
        let open = self.lpstat(&["-l", "-o", queue], limit).await?;
        if find_job(&open, job).is_some() {
            return Ok(JobState::Queued);
        }
        let left = deadline.saturating_duration_since(Instant::now());
        let done = self
            .lpstat(&["-W", "completed", "-l", "-o", queue], left)
            .await?;
        Ok(match find_job(&done, job) {
            Some(reasons) if went_wrong(&reasons) => JobState::Failed(reasons.join(" ")),
            _ => JobState::Done,
        })
    }

    /// Watches `job` until it leaves the queue or `deadline` passes (then it is still
    /// [`JobState::Queued`]: it may print later).
    pub async fn follow(&self, job: &str, deadline: Instant) -> JobState {
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            if left.is_zero() {
                return JobState::Queued;
            }
            match self.state(job, left).await {
                Ok(JobState::Queued) => {}
                Ok(state) => return state,
                // CUPS went away after taking the job: it may come back and print it.
                Err(why) => tracing::debug!(why, "kiosk: the job's state is unknown for now"),
            }
            tokio::time::sleep(POLL.min(deadline.saturating_duration_since(Instant::now()))).await;
        }
    }

    /// Whether `job` is still in the queue (`false` too when lpstat cannot tell: printing anew
    /// is then up to `lp`).
    pub async fn still_queued(&self, job: &str) -> bool {
        matches!(self.state(job, LOOK_LIMIT).await, Ok(JobState::Queued))
    }

    /// Cancels `job`, best effort.
    pub async fn cancel(&self, job: &str) {
        let args = [OsStr::new(job)];
        match run(&mut Cups::command(&self.cancel, &args), LOOK_LIMIT).await {
            Ok(out) if out.status.success() => {
                tracing::info!(job, "kiosk: a stale receipt job cancelled")
            }
            Ok(out) => tracing::warn!(
                job,
                detail = %String::from_utf8_lossy(&out.stderr).trim(),
                "kiosk: cancelling a stale receipt job failed"
            ),
            Err(e) => {
                tracing::warn!(job, error = ?e, "kiosk: cancelling a stale receipt job failed")
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// What `lpstat -l -o` printed for a job CUPS was still sending (CUPS 2.4).
    const QUEUED: &str = "\
HP-LaserJet-3            root              1024   Tue Dec  1 22:18:07 2026
\tStatus: Waiting for printer to finish.
\tAlerts: job-printing
\tqueued for HP-LaserJet
HP-LaserJet-31           root              1024   Tue Dec  1 22:18:09 2026
\tStatus: 
\tAlerts: none
\tqueued for HP-LaserJet
";

    /// `lpstat -W completed -l -o` after one job printed and one was aborted.
    const COMPLETED: &str = "\
Office-7                 kiosk             2048   Tue Dec  1 22:15:36 2026
\tStatus: 
\tAlerts: processing-to-stop-point
\tqueued for Office
Office-8                 kiosk             2048   Tue Dec  1 22:16:02 2026
\tStatus: 
\tAlerts: aborted-by-system
\tqueued for Office
";

    #[test]
    fn lp_s_answer_gives_the_job_id() {
        assert_eq!(
            request_id("request id is HP-LaserJet-12 (1 file(s))\n"),
            Some("HP-LaserJet-12")
        );
        assert_eq!(request_id(""), None);
        assert_eq!(
            request_id("lp: Error - The printer or class does not exist."),
            None
        );
    }

    #[test]
    fn a_job_id_names_its_queue() {
        assert_eq!(destination("HP-LaserJet-12"), Some("HP-LaserJet"));
        assert_eq!(destination("Office-7"), Some("Office"));
        assert_eq!(destination("Office"), None);
        assert_eq!(destination("-7"), None);
        assert_eq!(destination("Office-x7"), None);
    }

    #[test]
    fn lpstat_s_listing_is_read_job_by_job() {
        assert_eq!(
            find_job(QUEUED, "HP-LaserJet-3"),
            Some(vec!["job-printing"])
        );
        // One id is not mistaken for another that starts with it.
        assert_eq!(find_job(QUEUED, "HP-LaserJet-31"), Some(vec!["none"]));
        assert_eq!(find_job(QUEUED, "HP-LaserJet-4"), None);
        assert_eq!(find_job("", "HP-LaserJet-3"), None);
        // Without `-l` there are no reasons.
        assert_eq!(
            find_job(
                "Office-7  kiosk  2048   Tue Dec  1 22:15:36 2026\n",
                "Office-7"
            ),
            Some(vec![])
        );
        let printed = find_job(COMPLETED, "Office-7").expect("listed");
        assert!(!went_wrong(&printed));
        let aborted = find_job(COMPLETED, "Office-8").expect("listed");
        assert!(went_wrong(&aborted));
        assert!(went_wrong(&["job-canceled-by-user"]));
        assert!(went_wrong(&["job-completed-with-errors"]));
        assert!(!went_wrong(&["job-completed-successfully"]));
    }

    /// A tool that runs `script` under `sh`, its arguments as `$@`.
    fn fake(script: &str) -> Vec<String> {
        ["sh", "-c", script, "tool"].map(str::to_owned).to_vec()
    }

    fn cups(lp: &str, lpstat: &str) -> Cups {
        Cups {
            lp: fake(lp),
            lpstat: fake(lpstat),
            cancel: fake("exit 0"),
        }
    }

    fn pid_alive(pid: &str) -> bool {
        // A killed child that is not reaped yet is a zombie (state Z): not running.
        std::fs::read_to_string(format!("/proc/{pid}/stat")).is_ok_and(|stat| {
            stat.rsplit(')')
                .next()
                .is_some_and(|s| !s.trim_start().starts_with('Z'))
        })
    }

    #[tokio::test]
    async fn a_tool_that_hangs_is_killed_at_the_limit() {
        let dir = tempfile::tempdir().expect("temp dir");
        let pid_file = dir.path().join("pid");
        let mut cmd = Command::new("sh");
        cmd.arg("-c")
            .arg("echo $$ > \"$1\"; exec sleep 600")
            .arg("hang")
            .arg(&pid_file);
        let started = std::time::Instant::now();
        let result = run(&mut cmd, Duration::from_millis(500)).await;
        assert!(matches!(result, Err(RunError::TimedOut)), "{result:?}");
        assert!(started.elapsed() < Duration::from_secs(30), "it returned");
        let pid = std::fs::read_to_string(&pid_file).expect("the child wrote its pid");
        let pid = pid.trim();
        let gone = std::time::Instant::now();
        while pid_alive(pid) {
            assert!(
                gone.elapsed() < Duration::from_secs(10),
                "the hung child {pid} still runs"
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    #[tokio::test]
    async fn a_tool_that_answers_is_read_and_a_missing_one_is_an_error() {
        let out = run(
            Command::new("sh").args(["-c", "echo hi; echo oops >&2; exit 3"]),
            Duration::from_secs(10),
        )
        .await
        .expect("it runs");
        assert_eq!(String::from_utf8_lossy(&out.stdout), "hi\n");
        assert_eq!(String::from_utf8_lossy(&out.stderr), "oops\n");
        assert_eq!(out.status.code(), Some(3));
        let missing = run(
            &mut Command::new("/nonexistent/lp"),
            Duration::from_secs(10),
        )
        .await;
        assert!(matches!(missing, Err(RunError::Start(_))), "{missing:?}");
    }

    const RECEIPT: &str = "Petition Desk receipt";

    fn soon(seconds: u64) -> Instant {
        Instant::now() + Duration::from_secs(seconds)
    }

    #[tokio::test]
    async fn lp_that_never_answers_is_slow_and_one_that_refuses_failed() {
        let pdf = Path::new("/nonexistent/receipt.pdf");
        let hung = cups("exec sleep 600", "exit 0");
        let started = std::time::Instant::now();
        let result = hung
            .submit(
                pdf,
                Some("Office"),
                RECEIPT,
                Instant::now() + Duration::from_millis(500),
            )
            .await;
        assert!(matches!(result, Err(PrintError::Slow)), "{result:?}");
        assert!(started.elapsed() < Duration::from_secs(30));

        let refused = cups(
            "echo 'lp: Error - The printer or class does not exist.' >&2; exit 1",
            "exit 0",
        );
        match refused
            .submit(pdf, Some("NoSuchPrinter"), RECEIPT, soon(10))
            .await
        {
            Err(PrintError::Failed(why)) => assert!(why.contains("does not exist"), "{why}"),
            other => panic!("{other:?}"),
        }
        let missing = Cups {
            lp: vec!["/nonexistent/lp".to_owned()],
            ..Cups::system()
        };
        assert!(matches!(
            missing.submit(pdf, None, RECEIPT, soon(10)).await,
            Err(PrintError::Failed(_))
        ));
    }

    #[tokio::test]
    async fn lp_is_given_the_printer_and_the_file() {
        // The fake lp answers with the printer it was given and the file it was asked to print.
        let echo = cups(
            "[ \"$1\" = -d ] && [ \"$5\" = -- ] && [ \"$6\" = /tmp/r.pdf ] && echo \"request id is $2-5 (1 file(s))\"",
            "exit 0",
        );
        let job = echo
            .submit(
                Path::new("/tmp/r.pdf"),
                Some("Front-Desk"),
                RECEIPT,
                soon(10),
            )
            .await
            .expect("a job");
        assert_eq!(job, "Front-Desk-5");
        // No name: the default destination.
        let default = cups(
            "[ \"$1\" = -t ] && [ \"$3\" = -- ] && echo 'request id is Default-9 (1 file(s))'",
            "exit 0",
        );
        assert_eq!(
            default
                .submit(Path::new("/tmp/r.pdf"), None, RECEIPT, soon(10))
                .await
                .expect("a job"),
            "Default-9"
        );
    }

    #[tokio::test]
    async fn a_job_is_followed_until_it_leaves_the_queue() {
        // Queued for the first two looks, then done.
        let dir = tempfile::tempdir().expect("temp dir");
        let count = dir.path().join("looks");
        let script = format!(
            "if [ \"$1\" = -W ]; then exit 0; fi; n=$(cat {c} 2>/dev/null || echo 0); \
             echo $((n+1)) > {c}; [ $n -lt 2 ] && printf 'Office-7  kiosk  1024  date\\n\\tAlerts: job-printing\\n'; exit 0",
            c = count.display()
        );
        let cups = cups("exit 1", &script);
        assert_eq!(cups.follow("Office-7", soon(20)).await, JobState::Done);
        assert_eq!(std::fs::read_to_string(&count).expect("looks").trim(), "3");
    }

    #[tokio::test]
    async fn a_job_that_stays_queued_is_still_queued_at_the_deadline() {
        let stuck = cups(
            "exit 1",
            "printf 'Office-7  kiosk  1024  date\\n\\tAlerts: job-printing\\n'",
        );
        let started = std::time::Instant::now();
        assert_eq!(
            stuck
                .follow("Office-7", Instant::now() + Duration::from_secs(1))
                .await,
            JobState::Queued
        );
        assert!(started.elapsed() < Duration::from_secs(30));
        assert!(stuck.still_queued("Office-7").await);

        // lpstat itself hanging: still bounded, and not known to be queued.
        let hung = cups("exit 1", "exec sleep 600");
        assert_eq!(
            hung.follow("Office-7", Instant::now() + Duration::from_secs(1))
                .await,
            JobState::Queued
        );
    }

    #[tokio::test]
    async fn a_job_that_ended_without_printing_failed() {
        let aborted = cups(
            "exit 1",
            "[ \"$1\" = -W ] && printf 'Office-8  kiosk  1024  date\\n\\tAlerts: aborted-by-system\\n'; exit 0",
        );
        assert_eq!(
            aborted.follow("Office-8", soon(10)).await,
            JobState::Failed("aborted-by-system".to_owned())
        );
    }
}
