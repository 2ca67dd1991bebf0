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
    fn a_fixed_clock_reads_its_time() {
        let t = SystemTime::UNIX_EPOCH + Duration::from_secs(1_800_000_000);
        let c: Box<dyn Clock> = Box::new(FixedClock(t));
        assert_eq!(c.now(), t);
        assert_eq!(c.now(), t);
    }
}
