//! Where the host library reads the time: one injected [`Clock`], so that
//! certificate validity, certificates issued at personalisation and the
//! journal's timestamps can be tested at any date (and a replay run at the
//! date it was recorded).

use std::time::SystemTime;

/// A source of the current time.
pub trait Clock: Send + Sync {
    /// Now.
    fn now(&self) -> SystemTime;
}

/// The system's clock (the default).
#[derive(Debug, Clone, Copy, Default)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> SystemTime {
        SystemTime::now()
    }
}

/// A clock that always reads the same time.
#[derive(Debug, Clone, Copy)]
pub struct FixedClock(pub SystemTime);

impl Clock for FixedClock {
    fn now(&self) -> SystemTime {
        self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[test]
    fn a_fixed_clock_reads_its_time_and_the_system_clock_moves_on() {
        let t = SystemTime::UNIX_EPOCH + Duration::from_secs(1_800_000_000);
        assert_eq!(FixedClock(t).now(), t);
        assert!(SystemClock.now() > t - Duration::from_secs(1_800_000_000));
    }
}
