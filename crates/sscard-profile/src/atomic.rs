//! Writing a file so that a crash leaves the old content or the new, never
//! a mix: card images, personalisation journals, prep batches all go
//! through [`write_atomically`] (or [`write_new`] where an existing file
//! must not be replaced). Every file is created with mode 0600: they hold
//! personal data, PINs or keys. A symlink is written through to its target
//! (the link stays a link).

use std::io::Write;
use std::path::{Path, PathBuf};

/// Writes `bytes` to `path`: a temporary file beside it, fsync, rename
/// over `path`, fsync of the folder. A path that exists and is not a
/// regular file (`/dev/null`, `/dev/stdout`, a FIFO) is written directly:
/// renaming over it would replace the device itself.
///
/// # Errors
/// The I/O error; the old file is then untouched and no temporary is left.
pub fn write_atomically(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    write(path, bytes, Mode::Replace)
}

/// As [`write_atomically`], but an existing `path` is an
/// [`std::io::ErrorKind::AlreadyExists`] error and is left alone (the new
/// file is linked into place, which fails rather than replaces).
///
/// # Errors
/// As [`write_atomically`].
pub fn write_new(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    write(path, bytes, Mode::New)
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Mode {
    Replace,
    New,
}

/// The file a write to `path` lands in: a symlink's target (followed to
/// the end of a chain), else `path`.
fn target(path: &Path) -> std::io::Result<PathBuf> {
    let mut p = path.to_path_buf();
    for _ in 0..40 {
        match std::fs::symlink_metadata(&p) {
            Ok(m) if m.file_type().is_symlink() => {
                let link = std::fs::read_link(&p)?;
                p = match p.parent() {
                    Some(dir) if link.is_relative() => dir.join(link),
                    _ => link,
                };
            }
            _ => return Ok(p),
        }
    }
    Err(std::io::Error::other(format!(
        "{}: too many levels of symbolic links",
        path.display()
    )))
}

fn create_private(path: &Path) -> std::io::Result<std::fs::File> {
    let mut o = std::fs::OpenOptions::new();
    o.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        o.mode(0o600);
    }
    o.open(path)
}

fn write(path: &Path, bytes: &[u8], mode: Mode) -> std::io::Result<()> {
    let path = &target(path)?;
    if let Ok(meta) = std::fs::metadata(path) {
        if mode == Mode::New {
            return Err(std::io::Error::new(
                std::io::ErrorKind::AlreadyExists,
                format!("{} exists", path.display()),
            ));
        }
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
    let _ = std::fs::remove_file(&tmp);
    let written = (|| {
        let mut f = create_private(&tmp)?;
        f.write_all(bytes)?;
        f.sync_all()?;
        match mode {
            Mode::Replace => std::fs::rename(&tmp, path),
            Mode::New => std::fs::hard_link(&tmp, path).and_then(|()| std::fs::remove_file(&tmp)),
        }
    })();
    if let Err(e) = written {
        let _ = std::fs::remove_file(&tmp);
        return Err(e);
    }
    if let Ok(d) = std::fs::File::open(dir) {
        let _ = d.sync_all();
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
        write_atomically(&p, b"new")?;
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

    #[cfg(unix)]
    #[test]
    fn private_mode_symlinks_and_no_clobber() -> R {
        use std::os::unix::fs::{MetadataExt, PermissionsExt};
        let tmp = tempfile::tempdir()?;
        let real = tmp.path().join("real.json");
        std::fs::write(&real, b"old")?;
        std::fs::set_permissions(&real, std::fs::Permissions::from_mode(0o644))?;
        let link = tmp.path().join("link.json");
        std::os::unix::fs::symlink("real.json", &link)?;
        write_atomically(&link, b"new")?;
        assert!(std::fs::symlink_metadata(&link)?.file_type().is_symlink());
        assert_eq!(std::fs::read(&real)?, b"new");
        assert_eq!(std::fs::metadata(&real)?.mode() & 0o777, 0o600);
        let e = write_new(&real, b"x").err().map(|e| e.kind());
        assert_eq!(e, Some(std::io::ErrorKind::AlreadyExists));
        assert_eq!(std::fs::read(&real)?, b"new");
        let fresh = tmp.path().join("fresh");
        write_new(&fresh, b"x")?;
        assert_eq!(std::fs::metadata(&fresh)?.mode() & 0o777, 0o600);
        assert_eq!(
            std::fs::read_dir(tmp.path())?.count(),
            3,
            "no temporary left"
        );
        Ok(())
    }
}
