//! Helpers shared by the system tests in this directory.
//!
//! ```
//! assert!(!sscard_system_tests::ci_requires_stack() || std::env::var("CI").is_ok());
//! ```

/// `true` when the environment says this is CI (`CI=true` or `CI=1`): there a
/// missing PC/SC stack is a failure, not a reason to skip.
pub fn ci_requires_stack() -> bool {
    matches!(
        std::env::var("CI")
            .as_deref()
            .map(str::to_ascii_lowercase)
            .as_deref(),
        Ok("true" | "1" | "yes")
    )
}
