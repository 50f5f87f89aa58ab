//! Time as the runtime sees it. Handlers never read a clock: the runtime reads one and
//! passes `now` in, records it, and passes the same `now` again on replay.

use std::sync::Mutex;

use chrono::{DateTime, FixedOffset, TimeDelta, Utc};

/// A source of the current time.
pub trait Clock: Send + Sync {
    fn now(&self) -> DateTime<FixedOffset>;
}

/// The system clock, in UTC.
#[derive(Debug, Clone, Copy, Default)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> DateTime<FixedOffset> {
        Utc::now().fixed_offset()
    }
}

/// A clock that moves only when told to: for tests and reproducible runs.
#[derive(Debug)]
pub struct ManualClock(Mutex<DateTime<FixedOffset>>);

impl ManualClock {
    pub fn new(start: DateTime<FixedOffset>) -> Self {
        ManualClock(Mutex::new(start))
    }

    pub fn set(&self, to: DateTime<FixedOffset>) {
        *self.lock() = to;
    }

    pub fn advance(&self, by: TimeDelta) {
        let mut now = self.lock();
        *now += by;
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, DateTime<FixedOffset>> {
        // The guarded value is a plain timestamp, valid even if a holder panicked.
        self.0.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

impl Clock for ManualClock {
    fn now(&self) -> DateTime<FixedOffset> {
        *self.lock()
    }
}
