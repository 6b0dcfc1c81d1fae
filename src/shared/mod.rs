//! State shared by the processes of one host (docs/pacing.md, "One bucket
//! per host"): small files of a fixed layout (`layout.rs`) in a per-user
//! directory — one per portal's bucket, one per method's operating-time
//! budget — each taken in turns under the operating system's file lock
//! (`file.rs`). What a file holds is the callers' business
//! (`src/limiter.rs`, `src/budget/`); this module keeps the directory,
//! names the files, and turns a file that cannot be used into one warning
//! and a fall-back to the process's own state, never into a failed call.

mod file;
pub(crate) mod layout;

use std::path::PathBuf;
use std::sync::OnceLock;
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use file::{Refusal, StateFile};

/// Whether the state that paces calls is shared with the host's other
/// processes (`OPI_BITRIX24_SHARED`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Sharing {
    /// Every process of this user on this host that calls a portal takes
    /// its turns from one bucket, kept in the state directory. The default.
    #[default]
    Host,
    /// Each process paces alone, as if it were the only one.
    Off,
}

/// The folder of the state directory's default, under the user's own.
const FOLDER: &str = "opi-bitrix24";
/// How long a turn waits for a lock another process holds before this
/// process goes on alone: a turn holds it for microseconds, so one held
/// this long is a process stopped in its turn.
const PATIENCE: Duration = Duration::from_secs(1);
/// How often what a process does not keep of a portal (a bucket it does
/// not pace, a budget it does not know) has its state file looked at, for
/// what other processes noted there.
pub(crate) const LOOK_EVERY: Duration = Duration::from_secs(1);
/// How long a state file that could not be used is left alone before it
/// is tried again.
const RETRY_AFTER: Duration = Duration::from_secs(30);

/// The state directory's default for this user: on Windows
/// `%LOCALAPPDATA%\opi-bitrix24`; elsewhere `$XDG_RUNTIME_DIR/opi-bitrix24`,
/// else `$XDG_CACHE_HOME/opi-bitrix24`, else `~/.cache/opi-bitrix24`; and
/// where none of these is set, `opi-bitrix24-<user>` in the temporary
/// directory.
pub(crate) fn default_state_dir() -> PathBuf {
    default_state_dir_from(|name| std::env::var_os(name))
}

fn default_state_dir_from(var: impl Fn(&str) -> Option<std::ffi::OsString>) -> PathBuf {
    let absolute = |name: &str| var(name).map(PathBuf::from).filter(|p| p.is_absolute());
    let bases: &[(&str, &[&str])] = if cfg!(windows) {
        &[("LOCALAPPDATA", &[])]
    } else {
        &[
            ("XDG_RUNTIME_DIR", &[]),
            ("XDG_CACHE_HOME", &[]),
            ("HOME", &[".cache"]),
        ]
    };
    for (variable, below) in bases {
        if let Some(mut base) = absolute(variable) {
            base.extend(*below);
            return base.join(FOLDER);
        }
    }
    std::env::temp_dir().join(format!("{FOLDER}-{}", user_id(&var)))
}

/// The user's number on Unix; on Windows the user's name.
fn user_id(var: &impl Fn(&str) -> Option<std::ffi::OsString>) -> String {
    #[cfg(unix)]
    {
        let _ = var;
        unix_uid().to_string()
    }
    #[cfg(not(unix))]
    {
        let name = var("USERNAME").map(|n| n.to_string_lossy().into_owned());
        let name = name.unwrap_or_default();
        let safe = |c: char| c.is_ascii_alphanumeric() || c == '-' || c == '_';
        name.chars().filter(|c| safe(*c)).collect()
    }
}

#[cfg(unix)]
fn unix_uid() -> u32 {
    // SAFETY: getuid takes no argument, touches no memory of ours and
    // cannot fail (POSIX).
    unsafe { libc::getuid() }
}

/// The wall clock, in nanoseconds since the Unix epoch: the one clock every
/// process of the host reads alike (each process's monotonic clock has its
/// own origin). Before the epoch reads as 0.
pub(crate) fn wall_nanos() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |since| {
            i64::try_from(since.as_nanos()).unwrap_or(i64::MAX)
        })
}

/// Who holds a lease in a state file: one per holder of counts in a
/// process (each client's budgets count their own calls), told apart from
/// the others of the host.
#[derive(Debug)]
pub(crate) struct LeaseOwner {
    /// Its low 32 bits: the wall clock when the process first made one,
    /// plus 2 for each one made since, odd (so that a key is never 0, a
    /// free lease).
    low: u32,
}

impl LeaseOwner {
    pub(crate) fn new() -> LeaseOwner {
        static SALT: OnceLock<u32> = OnceLock::new();
        static MADE: AtomicU32 = AtomicU32::new(0);
        let salt = *SALT.get_or_init(|| wall_nanos() as u32);
        let made = MADE.fetch_add(2, Ordering::Relaxed);
        LeaseOwner {
            low: salt.wrapping_add(made) | 1,
        }
    }

    /// The key of its leases: the process's id in the high 32 bits, so that
    /// a process forked from this one holds its own.
    pub(crate) fn key(&self) -> u64 {
        u64::from(std::process::id()) << 32 | u64::from(self.low)
    }
}

/// The directory of the state files (`OPI_BITRIX24_STATE_DIR`).
#[derive(Debug)]
pub(crate) struct StateDir {
    path: PathBuf,
}

impl StateDir {
    pub(crate) fn new(path: PathBuf) -> StateDir {
        StateDir { path }
    }

    /// The state file of `key`'s parts, with `extension` (the record's
    /// format): named by FNV-1a (64 bits) of the parts, each followed by a
    /// 0xFF byte, as 16 hexadecimal digits — the same name in every process.
    pub(crate) fn file_of(&self, key: &[&[u8]], extension: &str) -> PathBuf {
        let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
        for byte in key.iter().flat_map(|part| part.iter().chain(&[0xFF])) {
            hash = (hash ^ u64::from(*byte)).wrapping_mul(0x0000_0100_0000_01b3);
        }
        self.path.join(format!("{hash:016x}.{extension}"))
    }

    /// Makes the directory when missing, readable and writable by its
    /// owner only (on Unix; on Windows the user's own folder's permissions
    /// are inherited), and checks that it is this user's.
    fn prepare(&self) -> std::io::Result<()> {
        let mut builder = std::fs::DirBuilder::new();
        builder.recursive(true);
        #[cfg(unix)]
        std::os::unix::fs::DirBuilderExt::mode(&mut builder, 0o700);
        builder.create(&self.path)?;
        #[cfg(unix)]
        {
            let owner = std::os::unix::fs::MetadataExt::uid(&std::fs::metadata(&self.path)?);
            if owner != unix_uid() {
                return Err(std::io::Error::other("the directory is another user's"));
            }
        }
        Ok(())
    }
}

/// A state file as one process uses it: opened on first use and kept open.
/// After a failure it is left alone for [`RETRY_AFTER`], the caller going
/// on with its own state meanwhile, and the first failure is reported.
pub(crate) struct Slot {
    path: PathBuf,
    open: Option<StateFile>,
    /// Not tried before this, after a failure.
    retry_at: Option<Instant>,
    /// Whether a failure of this file was reported.
    warned: bool,
}

impl Slot {
    pub(crate) fn new(path: PathBuf) -> Slot {
        Slot {
            path,
            open: None,
            retry_at: None,
            warned: false,
        }
    }

    /// Runs `work` on the record under the file's lock, made (with its
    /// directory) when missing if `create` is set; None when the file
    /// cannot be used now — missing and not to be made, or failing, which
    /// `warn` is told the first time.
    pub(crate) fn turn<const N: usize, R>(
        &mut self,
        dir: &StateDir,
        create: bool,
        work: impl FnOnce(&mut [u8; N]) -> (R, bool),
        warn: &dyn Fn(&str),
    ) -> Option<R> {
        if self
            .retry_at
            .is_some_and(|retry_at| Instant::now() < retry_at)
        {
            return None;
        }
        if self.open.is_none() {
            self.open = match self.open_file(dir, create) {
                Ok(file) => Some(file),
                Err(error) if !create && error.kind() == std::io::ErrorKind::NotFound => {
                    return None;
                }
                Err(error) => {
                    self.failed(&format!("cannot be opened: {error}"), warn);
                    return None;
                }
            };
        }
        let file = self.open.as_ref()?;
        match file.turn(PATIENCE, work) {
            Ok(result) => {
                self.retry_at = None;
                Some(result)
            }
            Err(Refusal::Busy) => {
                let held = format!("was locked by another process for over {PATIENCE:?}");
                self.failed(&held, warn);
                None
            }
            Err(Refusal::Io(error)) => {
                self.open = None;
                self.failed(&format!("cannot be used: {error}"), warn);
                None
            }
        }
    }

    fn open_file(&self, dir: &StateDir, create: bool) -> std::io::Result<StateFile> {
        if create {
            dir.prepare()?;
        }
        StateFile::open(&self.path, create)
    }

    fn failed(&mut self, what: &str, warn: &dyn Fn(&str)) {
        self.retry_at = Some(Instant::now() + RETRY_AFTER);
        if !std::mem::replace(&mut self.warned, true) {
            warn(&format!(
                "the state file {} {what}; this process goes on alone, trying the file again every {}s",
                self.path.display(),
                RETRY_AFTER.as_secs()
            ));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::ffi::OsString;
    use std::path::Path;

    fn vars(pairs: &[(&str, &str)]) -> impl Fn(&str) -> Option<OsString> {
        let pairs: Vec<(String, OsString)> = pairs
            .iter()
            .map(|(k, v)| ((*k).to_owned(), OsString::from(v)))
            .collect();
        move |name| {
            pairs
                .iter()
                .find(|(k, _)| k == name)
                .map(|(_, v)| v.clone())
        }
    }

    #[cfg(unix)]
    #[test]
    fn the_default_directory_is_the_users_runtime_then_cache_then_temporary_one() {
        let dir = |pairs: &[(&str, &str)]| default_state_dir_from(vars(pairs));
        let all = [
            ("XDG_RUNTIME_DIR", "/run/user/1000"),
            ("XDG_CACHE_HOME", "/home/u/.cache-x"),
            ("HOME", "/home/u"),
        ];
        assert_eq!(dir(&all), Path::new("/run/user/1000/opi-bitrix24"));
        assert_eq!(dir(&all[1..]), Path::new("/home/u/.cache-x/opi-bitrix24"));
        assert_eq!(dir(&all[2..]), Path::new("/home/u/.cache/opi-bitrix24"));
        // A relative value is no directory of the user's.
        assert_eq!(
            dir(&[("XDG_RUNTIME_DIR", "run"), ("HOME", "/home/u")]),
            Path::new("/home/u/.cache/opi-bitrix24")
        );
        let temporary = std::env::temp_dir().join(format!("opi-bitrix24-{}", unix_uid()));
        assert_eq!(dir(&[]), temporary);
    }

    #[test]
    fn files_are_named_by_fnv_1a_of_their_key() {
        let dir = StateDir::new(PathBuf::from("/state"));
        // FNV-1a 64 of "a" then 0xFF, as any implementation computes it.
        let mut hash: u64 = 0xcbf29ce484222325;
        for byte in [b'a', 0xFF] {
            hash ^= u64::from(byte);
            hash = hash.wrapping_mul(0x100000001b3);
        }
        assert_eq!(
            dir.file_of(&[b"a"], "pace1"),
            Path::new("/state").join(format!("{hash:016x}.pace1"))
        );
        assert_ne!(dir.file_of(&[b"ab"], "x"), dir.file_of(&[b"a", b"b"], "x"));
    }

    #[cfg(unix)]
    #[test]
    fn a_directory_is_made_owner_only_and_a_file_that_fails_warns_once() {
        use std::cell::Cell;
        use std::os::unix::fs::PermissionsExt;
        let base = std::env::temp_dir().join(format!("opi-shared-unit-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&base);
        let dir = StateDir::new(base.join("state"));
        let path = dir.file_of(&[b"portal"], "t");
        let mut slot = Slot::new(path.clone());
        let warnings = Cell::new(0);
        let warn = |_: &str| warnings.set(warnings.get() + 1);
        // Looking at a file that is not there makes nothing.
        let looked = slot.turn::<8, _>(&dir, false, |_| ((), false), &warn);
        assert_eq!(looked, None);
        assert!(!base.join("state").exists());
        let counted = |slot: &mut Slot| {
            slot.turn::<8, u64>(
                &dir,
                true,
                |bytes| {
                    let count = u64::from_le_bytes(*bytes) + 1;
                    *bytes = count.to_le_bytes();
                    (count, true)
                },
                &warn,
            )
        };
        assert_eq!(counted(&mut slot), Some(1));
        assert_eq!(counted(&mut slot), Some(2));
        let mode = |path: &Path| std::fs::metadata(path).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode(&base.join("state")), 0o700);
        assert_eq!(mode(&path), 0o600);
        assert_eq!(warnings.get(), 0);
        // A directory that cannot be written to: every call goes on, one warning.
        let other = StateDir::new(base.join("locked").join("state"));
        std::fs::create_dir_all(base.join("locked")).unwrap();
        std::fs::set_permissions(base.join("locked"), std::fs::Permissions::from_mode(0o500))
            .unwrap();
        let mut refused = Slot::new(other.file_of(&[b"portal"], "t"));
        for _ in 0..3 {
            let taken = refused.turn::<8, _>(&other, true, |_| ((), true), &warn);
            // root writes anywhere: then the file is made.
            assert!(taken.is_none() || unix_uid() == 0);
        }
        assert_eq!(warnings.get(), u32::from(unix_uid() != 0));
        let _ =
            std::fs::set_permissions(base.join("locked"), std::fs::Permissions::from_mode(0o700));
        let _ = std::fs::remove_dir_all(&base);
    }
}
