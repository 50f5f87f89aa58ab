//! Control numbers for outbound interchanges, groups and sets.
//!
//! Partners reject a repeated ISA13, so every number handed out must be new for that
//! partner, across restarts and crashes. A number is taken from the source before the
//! document is written; a crash afterwards may leave a gap, never a repeat.

use std::collections::HashMap;

/// Which counter a control number comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ControlKind {
    /// ISA13 / IEA02: nine digits.
    Interchange,
    /// GS06 / GE02: up to nine digits.
    Group,
    /// ST02 / SE02: four to nine characters.
    Set,
}

impl ControlKind {
    pub fn name(self) -> &'static str {
        match self {
            ControlKind::Interchange => "interchange",
            ControlKind::Group => "group",
            ControlKind::Set => "set",
        }
    }
}

#[derive(Debug, thiserror::Error)]
#[error("cannot take a {kind} control number for partner {partner}: {reason}")]
pub struct ControlError {
    pub partner: String,
    pub kind: &'static str,
    pub reason: String,
}

/// A source of never-repeating control numbers, one sequence per partner and kind.
pub trait ControlNumbers {
    /// The next number, from 1 up to 999,999,999, then wrapping to 1.
    fn next(&mut self, partner: &str, kind: ControlKind) -> Result<u64, ControlError>;
}

/// Numbers held in memory: for tests and one-shot tools whose output is not sent.
#[derive(Debug, Default)]
pub struct MemoryControlNumbers {
    last: HashMap<(String, ControlKind), u64>,
}

impl ControlNumbers for MemoryControlNumbers {
    fn next(&mut self, partner: &str, kind: ControlKind) -> Result<u64, ControlError> {
        let n = self.last.entry((partner.to_string(), kind)).or_insert(0);
        *n = if *n >= 999_999_999 { 1 } else { *n + 1 };
        Ok(*n)
    }
}

/// Numbers kept in files, one small file per partner and kind under a directory, so
/// that they survive restarts and are never handed out twice, even by several processes
/// sharing the directory.
///
/// Taking a number:
/// 1. take the lock: create `<partner>.<kind>.lock` with `create_new` (exclusive: only
///    one process or thread can create it), writing a unique token into it;
/// 2. read the last number from `<partner>.<kind>` (no file: none was handed out yet);
///    a file that does not hold a number in 1..=999,999,999 is an error, never a restart
///    at 1, since that would repeat numbers the partner has already seen;
/// 3. write the next number to a fresh temporary file and fsync it;
/// 4. check the lock is still ours, atomically rename the temporary file over the
///    counter file, and fsync the directory so that the rename itself is durable;
/// 5. release the lock, and only then return the number.
///
/// The number is persisted before it is returned: a crash can leave a gap, never a repeat.
///
/// # Stale locks
/// A process that dies while holding the lock leaves the lock file behind. The lock is
/// held for a few milliseconds (two fsyncs), so a lock file older than
/// [`FileControlNumbers::stale_after`] (30 seconds by default) is taken as abandoned: a
/// waiter moves it aside with an atomic rename (of several waiters only one succeeds)
/// and takes the lock anew. A holder that was paused past that age notices that its
/// lock is gone when it checks in step 4, and fails instead of writing. The one case left
/// is a holder paused for longer than `stale_after` exactly between that check and its
/// rename; keep `stale_after` far above any plausible pause. If no process is running,
/// a leftover lock file may also simply be deleted by hand.
#[derive(Debug, Clone)]
pub struct FileControlNumbers {
    dir: std::path::PathBuf,
    /// A lock file older than this is considered abandoned by a crashed process.
    pub stale_after: std::time::Duration,
    /// How long to wait for a live lock before giving up.
    pub wait_at_most: std::time::Duration,
}

impl FileControlNumbers {
    /// The store in `dir`, created if it does not exist.
    pub fn open(dir: impl Into<std::path::PathBuf>) -> std::io::Result<Self> {
        let dir = dir.into();
        std::fs::create_dir_all(&dir)?;
        Ok(FileControlNumbers {
            dir,
            stale_after: std::time::Duration::from_secs(30),
            wait_at_most: std::time::Duration::from_secs(60),
        })
    }

    /// The directory the counter files live in.
    pub fn dir(&self) -> &std::path::Path {
        &self.dir
    }

    /// The counter file for one partner and kind. Partner ids are encoded so that any id
    /// gives one plain file name inside the directory (no separators, no `..`).
    pub fn counter_path(&self, partner: &str, kind: ControlKind) -> std::path::PathBuf {
        let mut name = String::with_capacity(partner.len() + 16);
        for b in partner.bytes() {
            if b.is_ascii_alphanumeric() || b == b'-' || b == b'_' {
                name.push(b as char);
            } else {
                name.push_str(&format!("%{b:02X}"));
            }
        }
        name.push('.');
        name.push_str(kind.name());
        self.dir.join(name)
    }

    fn take(&self, partner: &str, kind: ControlKind) -> Result<u64, String> {
        let path = self.counter_path(partner, kind);
        let lock = file_lock::Lock::acquire(&with_suffix(&path, ".lock"), self.stale_after, self.wait_at_most)?;
        let last = match std::fs::read_to_string(&path) {
            Ok(text) => parse_counter(&text).ok_or_else(|| {
                format!(
                    "{} is corrupt: it holds {:?}, not a number from 1 to 999999999; set it to the last number sent to the partner (refusing to restart at 1)",
                    path.display(),
                    text.chars().take(40).collect::<String>()
                )
            })?,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => 0,
            Err(e) => return Err(format!("cannot read {}: {e}", path.display())),
        };
        let next = if last >= MAX_CONTROL { 1 } else { last + 1 };
        let tmp = with_suffix(&path, &format!(".tmp.{}", lock.token()));
        let written = write_synced(&tmp, &format!("{next}\n"));
        let committed = written.and_then(|()| {
            lock.check()?;
            std::fs::rename(&tmp, &path).map_err(|e| format!("cannot replace {}: {e}", path.display()))?;
            sync_dir(&self.dir)
        });
        if committed.is_err() {
            let _ = std::fs::remove_file(&tmp);
        }
        committed?;
        lock.release()?;
        Ok(next)
    }
}

impl ControlNumbers for FileControlNumbers {
    fn next(&mut self, partner: &str, kind: ControlKind) -> Result<u64, ControlError> {
        self.take(partner, kind).map_err(|reason| ControlError {
            partner: partner.to_string(),
            kind: kind.name(),
            reason,
        })
    }
}

const MAX_CONTROL: u64 = 999_999_999;

/// The counter file's content: the last number handed out, on one line.
fn parse_counter(text: &str) -> Option<u64> {
    let t = text.strip_suffix('\n').unwrap_or(text);
    let n = (!t.is_empty() && t.bytes().all(|b| b.is_ascii_digit())).then(|| t.parse::<u64>().ok()).flatten()?;
    (1..=MAX_CONTROL).contains(&n).then_some(n)
}

fn with_suffix(path: &std::path::Path, suffix: &str) -> std::path::PathBuf {
    let mut s = path.as_os_str().to_owned();
    s.push(suffix);
    s.into()
}

fn write_synced(path: &std::path::Path, text: &str) -> Result<(), String> {
    use std::io::Write;
    let fail = |e: std::io::Error| format!("cannot write {}: {e}", path.display());
    let mut f = std::fs::OpenOptions::new().write(true).create_new(true).open(path).map_err(fail)?;
    f.write_all(text.as_bytes()).map_err(fail)?;
    f.sync_all().map_err(fail)
}

/// Makes a rename in `dir` durable. Directories cannot be opened for syncing on Windows,
/// where the rename is durable once `MoveFileEx` returns.
fn sync_dir(dir: &std::path::Path) -> Result<(), String> {
    #[cfg(unix)]
    {
        let d = std::fs::File::open(dir).map_err(|e| format!("cannot open {}: {e}", dir.display()))?;
        d.sync_all().map_err(|e| format!("cannot sync {}: {e}", dir.display()))?;
    }
    #[cfg(not(unix))]
    let _ = dir;
    Ok(())
}

/// An exclusive lock held as a file created with `create_new`. See [`FileControlNumbers`].
mod file_lock {
    use std::io::Write;
    use std::path::{Path, PathBuf};
    use std::sync::atomic::{AtomicU64, Ordering};
    use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

    static SEQ: AtomicU64 = AtomicU64::new(0);

    /// A token no other holder, in this process or another, will ever use.
    fn unique_token() -> String {
        let nanos = SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.as_nanos()).unwrap_or(0);
        format!("{}-{}-{}", std::process::id(), nanos, SEQ.fetch_add(1, Ordering::Relaxed))
    }

    pub(super) struct Lock {
        path: PathBuf,
        token: String,
        released: bool,
    }

    impl Lock {
        pub(super) fn acquire(path: &Path, stale_after: Duration, wait_at_most: Duration) -> Result<Lock, String> {
            let token = unique_token();
            let started = Instant::now();
            let mut pause = Duration::from_micros(200);
            loop {
                match std::fs::OpenOptions::new().write(true).create_new(true).open(path) {
                    Ok(mut f) => {
                        // Without its token the lock could not be told from a stolen one.
                        let written = f.write_all(token.as_bytes()).and_then(|()| f.sync_all());
                        if let Err(e) = written {
                            let _ = std::fs::remove_file(path);
                            return Err(format!("cannot write lock {}: {e}", path.display()));
                        }
                        return Ok(Lock { path: path.to_path_buf(), token, released: false });
                    }
                    Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {}
                    Err(e) => return Err(format!("cannot create lock {}: {e}", path.display())),
                }
                if let Some(stale) = stale_token(path, stale_after) {
                    break_stale(path, &stale, &token);
                    continue;
                }
                if started.elapsed() > wait_at_most {
                    return Err(format!(
                        "lock {} is still held after {:?}; if no Crossdock process is running, delete it",
                        path.display(),
                        wait_at_most
                    ));
                }
                std::thread::sleep(pause);
                pause = (pause * 2).min(Duration::from_millis(20));
            }
        }

        pub(super) fn token(&self) -> &str {
            &self.token
        }

        /// Fails when the lock was taken over as stale while we held it.
        pub(super) fn check(&self) -> Result<(), String> {
            match std::fs::read_to_string(&self.path) {
                Ok(t) if t == self.token => Ok(()),
                _ => Err(format!(
                    "lock {} was taken over while held (this process was paused too long); nothing was written",
                    self.path.display()
                )),
            }
        }

        pub(super) fn release(mut self) -> Result<(), String> {
            self.released = true;
            std::fs::remove_file(&self.path).map_err(|e| format!("cannot remove lock {}: {e}", self.path.display()))
        }
    }

    impl Drop for Lock {
        fn drop(&mut self) {
            if !self.released && self.check().is_ok() {
                let _ = std::fs::remove_file(&self.path);
            }
        }
    }

    /// The token of the lock at `path` when the lock is older than `stale_after`.
    fn stale_token(path: &Path, stale_after: Duration) -> Option<String> {
        let age = std::fs::metadata(path).and_then(|m| m.modified()).ok()?.elapsed().ok()?;
        (age > stale_after).then(|| std::fs::read_to_string(path).unwrap_or_default())
    }

    /// Moves the abandoned lock aside. Only one waiter can move a given file; should the
    /// file moved turn out to be a fresh lock taken meanwhile (not the stale one we saw),
    /// it is put back unless yet another lock exists, in which case its holder's check
    /// before writing fails and it writes nothing.
    fn break_stale(path: &Path, stale: &str, token: &str) {
        let aside = PathBuf::from(format!("{}.stale.{token}", path.display()));
        if std::fs::rename(path, &aside).is_err() {
            return;
        }
        if std::fs::read_to_string(&aside).is_ok_and(|t| t != stale) {
            let _ = std::fs::hard_link(&aside, path);
        }
        let _ = std::fs::remove_file(&aside);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::{Duration, SystemTime};

    fn fresh_dir(name: &str) -> std::path::PathBuf {
        let dir = std::env::temp_dir().join(format!("crossdock-control-{}-{name}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        dir
    }

    #[test]
    fn memory_numbers_wrap_to_one() {
        let mut m = MemoryControlNumbers::default();
        m.last.insert(("P".into(), ControlKind::Set), 999_999_998);
        assert_eq!(m.next("P", ControlKind::Set).unwrap(), 999_999_999);
        assert_eq!(m.next("P", ControlKind::Set).unwrap(), 1);
    }

    #[test]
    fn numbers_survive_reopening_and_sequences_are_separate() {
        let dir = fresh_dir("reopen");
        let mut a = FileControlNumbers::open(&dir).unwrap();
        assert_eq!(a.next("ACME", ControlKind::Interchange).unwrap(), 1);
        assert_eq!(a.next("ACME", ControlKind::Interchange).unwrap(), 2);
        assert_eq!(a.next("ACME", ControlKind::Group).unwrap(), 1);
        assert_eq!(a.next("GLOBEX", ControlKind::Interchange).unwrap(), 1);
        drop(a);
        let mut b = FileControlNumbers::open(&dir).unwrap();
        assert_eq!(b.next("ACME", ControlKind::Interchange).unwrap(), 3);
        assert_eq!(b.next("ACME", ControlKind::Group).unwrap(), 2);
        assert_eq!(std::fs::read_to_string(b.counter_path("ACME", ControlKind::Interchange)).unwrap(), "3\n");
        // No temporary or lock file is left behind.
        let mut names: Vec<String> =
            std::fs::read_dir(&dir).unwrap().map(|e| e.unwrap().file_name().into_string().unwrap()).collect();
        names.sort();
        assert_eq!(names, ["ACME.group", "ACME.interchange", "GLOBEX.interchange"]);
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn partner_ids_cannot_escape_the_directory() {
        let store = FileControlNumbers::open(fresh_dir("escape")).unwrap();
        let p = store.counter_path("../x/y.z", ControlKind::Set);
        assert_eq!(p.parent().unwrap(), store.dir());
        assert_eq!(p.file_name().unwrap(), "%2E%2E%2Fx%2Fy%2Ez.set");
        std::fs::remove_dir_all(store.dir()).unwrap();
    }

    #[test]
    fn wraps_from_the_largest_number_to_one() {
        let dir = fresh_dir("wrap");
        let mut s = FileControlNumbers::open(&dir).unwrap();
        std::fs::write(s.counter_path("P", ControlKind::Interchange), "999999998\n").unwrap();
        assert_eq!(s.next("P", ControlKind::Interchange).unwrap(), 999_999_999);
        assert_eq!(s.next("P", ControlKind::Interchange).unwrap(), 1);
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn a_corrupt_counter_is_an_error_not_a_restart() {
        let dir = fresh_dir("corrupt");
        let mut s = FileControlNumbers::open(&dir).unwrap();
        for bad in ["", "12x\n", "0\n", "1000000000\n", "-4\n", " 7\n"] {
            let path = s.counter_path("P", ControlKind::Group);
            std::fs::write(&path, bad).unwrap();
            let err = s.next("P", ControlKind::Group).unwrap_err();
            assert_eq!((err.partner.as_str(), err.kind), ("P", "group"));
            assert!(
                err.reason.contains("is corrupt") && err.reason.contains("refusing to restart at 1"),
                "{bad:?}: {err}"
            );
            assert_eq!(std::fs::read_to_string(&path).unwrap(), bad, "the bad file is left as it was");
            assert!(!with_suffix(&path, ".lock").exists(), "the lock is released on error");
        }
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn two_stores_on_one_directory_never_hand_out_the_same_number() {
        let dir = fresh_dir("threads");
        let take = |dir: std::path::PathBuf| {
            std::thread::spawn(move || {
                let mut s = FileControlNumbers::open(dir).unwrap();
                (0..500).map(|_| s.next("ACME", ControlKind::Interchange).unwrap()).collect::<Vec<_>>()
            })
        };
        let (a, b) = (take(dir.clone()), take(dir.clone()));
        let (a, b) = (a.join().unwrap(), b.join().unwrap());
        assert!(
            a.windows(2).all(|w| w[0] < w[1]) && b.windows(2).all(|w| w[0] < w[1]),
            "each store sees increasing numbers"
        );
        let mut all: Vec<u64> = a.into_iter().chain(b).collect();
        all.sort_unstable();
        assert_eq!(all, (1..=1000).collect::<Vec<_>>(), "no number is repeated and none is skipped");
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn a_stale_lock_is_broken_and_a_live_one_waited_for() {
        let dir = fresh_dir("stale");
        let mut s = FileControlNumbers::open(&dir).unwrap();
        let lock = with_suffix(&s.counter_path("P", ControlKind::Set), ".lock");
        std::fs::write(&lock, "4242-0-0").unwrap();
        s.wait_at_most = Duration::from_millis(50);
        let err = s.next("P", ControlKind::Set).unwrap_err();
        assert!(err.reason.contains("is still held"), "{err}");
        let f = std::fs::File::options().write(true).open(&lock).unwrap();
        f.set_modified(SystemTime::now() - Duration::from_secs(3600)).unwrap();
        drop(f);
        assert_eq!(s.next("P", ControlKind::Set).unwrap(), 1);
        assert!(!lock.exists());
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
