//! Helpers shared by the system tests here and the crates' tests.
//!
//! ```
//! assert!(!sscard_system_tests::ci_strict() || std::env::var("CI").is_ok());
//! ```

/// `true` when the environment says this is CI (`CI=true`, `1` or `yes`):
/// there a missing PC/SC stack or independent tool (OpenSSL) is a failure,
/// not a reason to skip.
pub fn ci_strict() -> bool {
    matches!(
        std::env::var("CI")
            .as_deref()
            .map(str::to_ascii_lowercase)
            .as_deref(),
        Ok("true" | "1" | "yes")
    )
}

/// The workspace's root folder (where `card-profiles/` and `fixtures/` are).
pub fn workspace_root() -> std::path::PathBuf {
    let here = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    here.parent().unwrap_or(here).to_path_buf()
}

/// Whether pcscd serves the vpcd readers (`Virtual PCD …`). Without them a
/// test skips (returns `false`), except under [`ci_strict`], where it fails.
///
/// # Panics
/// Under `CI=true` when pcscd or vpcd is missing.
#[allow(clippy::panic)]
pub fn vpcd_or_skip() -> bool {
    let present = pcsc::Context::establish(pcsc::Scope::User)
        .and_then(|c| c.list_readers_owned())
        .is_ok_and(|r| {
            r.iter()
                .any(|n| n.to_string_lossy().starts_with("Virtual PCD"))
        });
    if !present {
        assert!(!ci_strict(), "CI=true but no pcscd with vpcd");
        eprintln!("skipped: no pcscd with vpcd");
    }
    present
}

/// A child process killed when the test lets go of it, on every path: a
/// failing assertion must not leave a simulator holding a vpcd slot for
/// the tests after it.
pub struct KillOnDrop(pub std::process::Child);

impl KillOnDrop {
    /// Kills it now; what it wrote to standard error, if that was piped.
    pub fn stop(mut self) -> String {
        let _ = self.0.kill();
        let mut err = String::new();
        if let Some(mut e) = self.0.stderr.take() {
            let _ = std::io::Read::read_to_string(&mut e, &mut err);
        }
        let _ = self.0.wait();
        err
    }
}

impl Drop for KillOnDrop {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}
