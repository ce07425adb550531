//! The bureau's clock. Deadlines depend on it, so tests and training can move it forward: in
//! one process ([`Clock::advance`]), or across the processes of one bureau through the data
//! directory's test clock, which only `petition-bureau serve --test-clock` sets up
//! ([`TestClock`]); a bureau started without the flag removes it, so a real one always runs on
//! the system's time.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicI64, Ordering};

use time::{Duration, OffsetDateTime, UtcOffset};

pub use petition_rules::statute::{CHINA, china_date, due, due_date, ymd};

/// The test clock's file in the data directory: how far it is moved, in whole seconds.
pub const TEST_CLOCK_FILE: &str = "test-clock";

/// The system clock, plus an offset that only tests set.
#[derive(Debug, Clone, Default)]
pub struct Clock {
    offset_seconds: Arc<AtomicI64>,
    /// The data directory's test clock, read at every look.
    test_clock: Option<Arc<TestClock>>,
}

impl Clock {
    pub fn system() -> Clock {
        Clock::default()
    }

    /// The clock of the bureau whose data directory is `data_dir`: moved by its test clock when
    /// it has one.
    pub fn of_data_dir(data_dir: &Path) -> Clock {
        let test_clock = TestClock::of(data_dir);
        Clock {
            test_clock: test_clock.exists().then(|| Arc::new(test_clock)),
            ..Clock::default()
        }
    }

    pub fn now(&self) -> OffsetDateTime {
        let moved = self.test_clock.as_ref().map_or(0, |t| t.offset());
        OffsetDateTime::now_utc()
            + Duration::seconds(self.offset_seconds.load(Ordering::Relaxed) + moved)
    }

    /// Moves this clock (and every clone of it) forward.
    pub fn advance(&self, by: Duration) {
        self.offset_seconds
            .fetch_add(by.whole_seconds(), Ordering::Relaxed);
    }
}

/// RFC 3339 in UTC, to the second.
pub fn rfc3339(t: OffsetDateTime) -> String {
    let t = t.to_offset(UtcOffset::UTC);
    format!(
        "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}Z",
        t.year(),
        u8::from(t.month()),
        t.day(),
        t.hour(),
        t.minute(),
        t.second()
    )
}

/// Parses what [`rfc3339`] wrote.
pub fn parse_rfc3339(s: &str) -> Option<OffsetDateTime> {
    OffsetDateTime::parse(s, &time::format_description::well_known::Rfc3339).ok()
}

/// A data directory's test clock (`serve --test-clock`, `petition-bureau clock advance`).
#[derive(Debug, Clone)]
pub struct TestClock {
    path: PathBuf,
}

/// Why the test clock could not be moved.
#[derive(Debug, thiserror::Error)]
pub enum TestClockError {
    #[error(
        "this bureau was not started with `serve --test-clock`, so its clock cannot be moved \
         (本信访局不是用 serve --test-clock 启动的，不能调整时钟)"
    )]
    NotStarted,
    #[error("the test clock {0}: {1}")]
    Io(PathBuf, std::io::Error),
}

impl TestClock {
    pub fn of(data_dir: &Path) -> TestClock {
        TestClock {
            path: data_dir.join(TEST_CLOCK_FILE),
        }
    }

    pub fn exists(&self) -> bool {
        self.path.is_file()
    }

    /// How far the clock is moved; 0 when it is not (or the file is gone or garbled).
    pub fn offset(&self) -> i64 {
        std::fs::read_to_string(&self.path)
            .ok()
            .and_then(|s| s.trim().parse().ok())
            .unwrap_or(0)
    }

    /// Sets the test clock up (`serve --test-clock`), keeping how far it was moved before.
    pub fn start(&self) -> Result<i64, TestClockError> {
        if !self.exists() {
            self.write(0)?;
        }
        Ok(self.offset())
    }

    /// Removes it (a `serve` without `--test-clock`); whether there was one.
    pub fn stop(&self) -> Result<bool, TestClockError> {
        match std::fs::remove_file(&self.path) {
            Ok(()) => Ok(true),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(false),
            Err(e) => Err(TestClockError::Io(self.path.clone(), e)),
        }
    }

    /// Moves the clock forward by `by`; how far it is moved now. Refused unless it was set up.
    pub fn advance(&self, by: Duration) -> Result<i64, TestClockError> {
        if !self.exists() {
            return Err(TestClockError::NotStarted);
        }
        let offset = self.offset() + by.whole_seconds();
        self.write(offset)?;
        Ok(offset)
    }

    /// Writes a whole new file and renames it over the old, so that a reader never sees half.
    fn write(&self, offset: i64) -> Result<(), TestClockError> {
        let io = |e| TestClockError::Io(self.path.clone(), e);
        let fresh = self.path.with_extension("new");
        std::fs::write(&fresh, format!("{offset}\n")).map_err(io)?;
        std::fs::rename(&fresh, &self.path).map_err(io)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_test_clock_moves_only_once_set_up_and_every_clock_of_the_directory_sees_it() {
        let dir = tempfile::tempdir().expect("a temporary directory");
        let test_clock = TestClock::of(dir.path());
        assert!(matches!(
            test_clock.advance(Duration::days(1)),
            Err(TestClockError::NotStarted)
        ));
        assert!(Clock::of_data_dir(dir.path()).test_clock.is_none());

        assert_eq!(test_clock.start().expect("start"), 0);
        let clock = Clock::of_data_dir(dir.path());
        let before = clock.now();
        assert_eq!(
            test_clock.advance(Duration::days(31)).expect("advance"),
            31 * 86_400
        );
        let moved = clock.now() - before;
        assert!(
            moved >= Duration::days(31) && moved < Duration::days(32),
            "{moved}"
        );
        // A restart with the flag keeps where it was; one without puts it back.
        assert_eq!(test_clock.start().expect("start"), 31 * 86_400);
        assert!(test_clock.stop().expect("stop"));
        assert!(clock.now() - before < Duration::days(1));
        assert!(!test_clock.stop().expect("stop"));
    }
}
