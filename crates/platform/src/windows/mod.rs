//! Windows: the calls `std` does not make for us, and the WebView2 ones Tauri does not.

pub mod webview2;

use std::os::windows::ffi::OsStrExt;
use std::path::Path;

use windows_sys::Win32::Storage::FileSystem::{
    MOVEFILE_REPLACE_EXISTING, MOVEFILE_WRITE_THROUGH, MoveFileExW,
};

/// A path as the NUL-terminated UTF-16 string the wide Win32 calls take.
fn wide(path: &Path) -> Vec<u16> {
    path.as_os_str().encode_wide().chain([0]).collect()
}

/// `MoveFileExW(from, to, MOVEFILE_REPLACE_EXISTING | MOVEFILE_WRITE_THROUGH)`: "the function
/// does not return until the file is actually moved on the disk".
pub(crate) fn move_file_write_through(from: &Path, to: &Path) -> std::io::Result<()> {
    let (from, to) = (wide(from), wide(to));
    // SAFETY: both pointers are to NUL-terminated UTF-16 buffers that live until the call
    // returns; MoveFileExW only reads them.
    let moved = unsafe {
        MoveFileExW(
            from.as_ptr(),
            to.as_ptr(),
            MOVEFILE_REPLACE_EXISTING | MOVEFILE_WRITE_THROUGH,
        )
    };
    if moved == 0 {
        return Err(std::io::Error::last_os_error());
    }
    Ok(())
}
