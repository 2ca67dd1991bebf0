//! The software module's terminal transaction numbers, unique and
//! persistent per terminal: each command reserves a block of numbers in a
//! state file (saved durably, under a lock, before any is used), so no two
//! debits of one terminal share a number, across runs and crashes.
//!
//! The file is `terminal-<terminal number>.toml` in `SSCARD_STATE_DIR`,
//! else `$XDG_STATE_HOME/sscard`, else `~/.local/state/sscard`.

use std::path::PathBuf;

/// Numbers reserved per command (a command runs a few debits at most).
const BLOCK: u32 = 16;

/// The state folder.
pub fn state_dir() -> PathBuf {
    if let Some(d) = std::env::var_os("SSCARD_STATE_DIR") {
        return PathBuf::from(d);
    }
    if let Some(d) = std::env::var_os("XDG_STATE_HOME") {
        return PathBuf::from(d).join("sscard");
    }
    std::env::var_os("HOME")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from("."))
        .join(".local/state/sscard")
}

/// Reserves a block of transaction numbers for `terminal` and returns the
/// first.
///
/// # Errors
/// A message naming the state file when it cannot be read or written.
pub fn next_txn_block(terminal: [u8; 6]) -> Result<u32, String> {
    let dir = state_dir();
    let path = dir.join(format!("terminal-{}.toml", hex::encode_upper(terminal)));
    let fail = |e: std::io::Error| {
        format!(
            "{}: {} (set SSCARD_STATE_DIR to a writable folder)",
            path.display(),
            sscard_profile::error::io_reason(&e)
        )
    };
    std::fs::create_dir_all(&dir).map_err(fail)?;
    // The lock is a file of its own: the numbers file is replaced
    // atomically, so a crash leaves the old number or the new one.
    let mut o = std::fs::OpenOptions::new();
    o.write(true).create(true).truncate(false);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        o.mode(0o600);
    }
    let lock = o.open(path.with_extension("lock")).map_err(fail)?;
    lock.lock().map_err(fail)?;
    let text = match std::fs::read_to_string(&path) {
        Ok(t) => t,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => String::new(),
        Err(e) => return Err(fail(e)),
    };
    let next = text
        .lines()
        .find_map(|l| l.strip_prefix("next_txn = "))
        .map_or(Ok(1), |v| v.trim().parse::<u32>())
        .map_err(|_| format!("{}: next_txn is not a number", path.display()))?;
    let after = next.checked_add(BLOCK).ok_or_else(|| {
        format!(
            "{}: the terminal's transaction numbers are used up",
            path.display()
        )
    })?;
    sscard_profile::atomic::write_atomically(
        &path,
        format!("# sscard: the next terminal transaction number\nnext_txn = {after}\n").as_bytes(),
    )
    .map_err(fail)?;
    Ok(next)
}
