//! Replacing a file so that the new content survives a power cut.

use std::path::Path;

/// Moves `temp` over `target` (replacing it if it exists), and returns once the move is on
/// disk: a power cut afterwards leaves the new file at `target`, one before leaves the old one
/// or none, never a mix. `temp` must already be synced (`File::sync_all`) and closed, and be in
/// the same folder as `target`.
///
/// - Unix: `rename(2)`, then `fsync` of the folder, which is what makes the rename durable.
/// - Windows: `MoveFileExW` with `MOVEFILE_REPLACE_EXISTING | MOVEFILE_WRITE_THROUGH`, which
///   returns only once the move has been flushed. (A folder cannot be opened for syncing there.)
pub fn replace(temp: &Path, target: &Path) -> std::io::Result<()> {
    #[cfg(windows)]
    {
        crate::windows::move_file_write_through(temp, target)
    }
    #[cfg(not(windows))]
    {
        std::fs::rename(temp, target)?;
        sync_folder_of(target)
    }
}

/// Makes the entry of a file just created in a folder durable: `fsync` of the folder on Unix.
/// On Windows NTFS journals the entry with the file's own flush, and a folder cannot be opened
/// for syncing, so there is nothing to do.
pub fn sync_folder_of(path: &Path) -> std::io::Result<()> {
    #[cfg(unix)]
    if let Some(dir) = path.parent() {
        let dir = if dir.as_os_str().is_empty() {
            Path::new(".")
        } else {
            dir
        };
        std::fs::File::open(dir)?.sync_all()?;
    }
    #[cfg(not(unix))]
    let _ = path;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    fn write_synced(path: &Path, bytes: &[u8]) {
        let mut file = std::fs::File::create(path).expect("create");
        file.write_all(bytes).expect("write");
        file.sync_all().expect("sync");
    }

    #[test]
    fn replace_puts_the_new_content_in_place_of_the_old_and_leaves_no_temporary_file() {
        let dir = tempfile::tempdir().expect("dir");
        let target = dir.path().join("key.json");
        let temp = dir.path().join("key.json.tmp");
        write_synced(&target, b"old");
        write_synced(&temp, b"new");
        replace(&temp, &target).expect("replace");
        assert_eq!(std::fs::read(&target).expect("read"), b"new");
        assert!(!temp.exists());
        let names: Vec<_> = std::fs::read_dir(dir.path())
            .expect("list")
            .map(|e| e.expect("entry").file_name())
            .collect();
        assert_eq!(names, ["key.json"]);
    }

    #[test]
    fn replace_creates_the_target_when_there_was_none() {
        let dir = tempfile::tempdir().expect("dir");
        let target = dir.path().join("信访 导出.bundle");
        let temp = dir.path().join("信访 导出.partial");
        write_synced(&temp, b"sealed");
        replace(&temp, &target).expect("replace");
        assert_eq!(std::fs::read(&target).expect("read"), b"sealed");
    }

    #[test]
    fn replace_says_why_when_the_temporary_file_is_missing_and_keeps_the_target() {
        let dir = tempfile::tempdir().expect("dir");
        let target = dir.path().join("a");
        write_synced(&target, b"kept");
        let e = replace(&dir.path().join("missing"), &target).expect_err("no such file");
        assert_eq!(e.kind(), std::io::ErrorKind::NotFound);
        assert_eq!(std::fs::read(&target).expect("read"), b"kept");
    }

    #[test]
    fn a_file_in_the_current_folder_syncs_that_folder() {
        sync_folder_of(Path::new("Cargo.toml")).expect("sync the current folder");
    }
}
