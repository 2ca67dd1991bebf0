//! Writing a file so that a crash leaves the old content or the new, never
//! a mix: card images, personalisation journals, prepared scripts all go
//! through [`write_atomically`] (or [`write_replacing`] for batches).

use std::io::Write;
use std::path::Path;

/// Writes `bytes` to `path`: a temporary file beside it, fsync, rename
/// over `path`, fsync of the folder. A path that exists and is not a
/// regular file (`/dev/null`, `/dev/stdout`, a FIFO) is written directly:
/// renaming over it would replace the device itself.
///
/// # Errors
/// The I/O error; the old file is then untouched and no temporary is left.
pub fn write_atomically(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    write(path, bytes, true)
}

/// As [`write_atomically`] without the fsyncs: readers never see a half
/// file, but a power cut may lose the newest files. For batches that can
/// be run again (`sscard prep` writes thousands of files).
///
/// # Errors
/// As [`write_atomically`].
pub fn write_replacing(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    write(path, bytes, false)
}

fn write(path: &Path, bytes: &[u8], durable: bool) -> std::io::Result<()> {
    if let Ok(meta) = std::fs::metadata(path) {
        if !meta.is_file() {
            return std::fs::OpenOptions::new()
                .write(true)
                .open(path)?
                .write_all(bytes);
        }
    }
    let dir = path
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let tmp = dir.join(format!(".{name}.tmp{}", std::process::id()));
    let written = (|| {
        let mut f = std::fs::File::create(&tmp)?;
        f.write_all(bytes)?;
        if durable {
            f.sync_all()?;
        }
        std::fs::rename(&tmp, path)
    })();
    if let Err(e) = written {
        let _ = std::fs::remove_file(&tmp);
        return Err(e);
    }
    if durable {
        if let Ok(d) = std::fs::File::open(dir) {
            let _ = d.sync_all();
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    type R = Result<(), Box<dyn std::error::Error>>;

    #[test]
    fn replaces_files_and_leaves_devices_alone() -> R {
        let tmp = tempfile::tempdir()?;
        let p = tmp.path().join("image.json");
        write_atomically(&p, b"old")?;
        write_replacing(&p, b"new")?;
        assert_eq!(std::fs::read(&p)?, b"new");
        assert_eq!(
            std::fs::read_dir(tmp.path())?.count(),
            1,
            "no temporary left"
        );
        // A folder in the way: an error, nothing left behind.
        let d = tmp.path().join("dir");
        std::fs::create_dir(&d)?;
        assert!(write_atomically(&d, b"x").is_err());
        assert_eq!(std::fs::read_dir(tmp.path())?.count(), 2);
        // The null device stays a device (as root, a rename would replace it).
        #[cfg(unix)]
        {
            use std::os::unix::fs::FileTypeExt;
            let null = Path::new("/dev/null");
            if std::fs::metadata(null).is_ok_and(|m| m.file_type().is_char_device()) {
                write_atomically(null, b"discarded")?;
                assert!(std::fs::metadata(null)?.file_type().is_char_device());
            }
        }
        Ok(())
    }
}
