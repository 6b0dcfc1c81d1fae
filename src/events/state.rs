//! The consumer loop's state file (docs/events.md, "The state file"): which
//! reserved batches it holds, which event's delivery has started, which
//! events were delivered but not yet cleared or marked failed. Written
//! whole each time, to a temporary file renamed over it, so a reader sees
//! the old state or the new one; flushed to disk when it names a batch.
//!
//! Two locks: `<state>.lock`, held for the loop's life, so that one file
//! has one consumer; and `oint-offline-events.lock` in the file's folder,
//! held while a batch is reserved and while lost ones are adopted, so that
//! no consumer of that folder is between a reservation and its record when
//! another looks for batches nobody records.

use std::fs::{File, OpenOptions};
use std::io::Write;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::error::{Error, ErrorCode};

/// What a state file's name ends with, so that consumers find each other's.
pub(crate) const EXTENSION: &str = ".state";
/// The folder's lock, beside the state files.
const FOLDER_LOCK: &str = "oint-offline-events.lock";
/// What a state file says it is.
const KIND: &str = "opi_bitrix24 offline events";
/// Larger files are not state files of ours.
const MAX_STATE_BYTES: u64 = 1 << 20;

/// The consumer's state.
#[derive(Debug, Default, Serialize, Deserialize)]
pub(crate) struct State {
    kind: String,
    /// Reserved batches by `process_id`, the one being worked first.
    #[serde(default)]
    pub batches: Vec<String>,
    /// A reservation was asked for and its answer not recorded: a batch may
    /// be reserved that no state file names.
    #[serde(default)]
    pub reserving: bool,
    /// The event whose delivery started and did not end.
    #[serde(default)]
    pub current: Option<String>,
    /// Events of the first batch delivered, not yet cleared.
    #[serde(default)]
    pub done: Vec<String>,
    /// Events of the first batch that failed, not yet marked: ID and
    /// MESSAGE_ID.
    #[serde(default)]
    pub failed: Vec<(String, String)>,
    /// Events delivered again after a restart, over the file's life.
    #[serde(default)]
    pub redelivered: u64,
}

fn io_error(path: &Path, what: &str, error: std::io::Error) -> Error {
    Error::new(
        ErrorCode::IoError,
        format!("{} {what}: {error}", path.display()),
    )
}

fn with_suffix(path: &Path, suffix: &str) -> PathBuf {
    let mut name = path.as_os_str().to_owned();
    name.push(suffix);
    PathBuf::from(name)
}

/// A state file held by this consumer: its path and its lock.
pub(crate) struct StateFile {
    path: PathBuf,
    folder: PathBuf,
    _lock: File,
}

/// The folder's lock, released when dropped.
pub(crate) struct FolderLock(File);

impl Drop for FolderLock {
    fn drop(&mut self) {
        let _ = fs4::FileExt::unlock(&self.0);
    }
}

impl StateFile {
    /// Takes `path` for this consumer: its name must end in `.state`, and
    /// no other consumer may hold it.
    pub fn hold(path: &Path) -> Result<StateFile, Error> {
        let named = path
            .file_name()
            .and_then(|n| n.to_str())
            .is_some_and(|n| n.len() > EXTENSION.len() && n.ends_with(EXTENSION));
        if !named {
            return Err(Error::invalid_argument(format!(
                "the state file {} must be named *{EXTENSION}: consumers of one queue find each other's state files by that name in one folder (docs/events.md)",
                path.display()
            )));
        }
        let folder = match path.parent() {
            Some(parent) if !parent.as_os_str().is_empty() => parent.to_path_buf(),
            _ => PathBuf::from("."),
        };
        std::fs::create_dir_all(&folder)
            .map_err(|e| io_error(&folder, "cannot be made for the state file", e))?;
        let lock_path = with_suffix(path, ".lock");
        let lock = OpenOptions::new()
            .create(true)
            .truncate(false)
            .write(true)
            .open(&lock_path)
            .map_err(|e| io_error(&lock_path, "cannot be opened", e))?;
        if fs4::FileExt::try_lock(&lock).is_err() {
            return Err(Error::invalid_argument(format!(
                "{} is in use by another consumer: one state file, one consumer",
                path.display()
            )));
        }
        Ok(StateFile {
            path: path.to_path_buf(),
            folder,
            _lock: lock,
        })
    }

    /// The state the file holds; a new one when there is no file.
    pub fn load(&self) -> Result<State, Error> {
        match read_state(&self.path)? {
            Some(state) => Ok(state),
            None if self.path.exists() => Err(Error::invalid_argument(format!(
                "{} is not a state file of WatchOfflineEvents; it is left as it is",
                self.path.display()
            ))),
            None => Ok(State {
                kind: KIND.to_owned(),
                ..State::default()
            }),
        }
    }

    /// Writes `state` over the file; `durable` waits until it is on disk,
    /// for a state that names a batch a crash must not lose.
    pub fn save(&self, state: &State, durable: bool) -> Result<(), Error> {
        let text = serde_json::to_string(state).expect("a state always serialises");
        let temporary = with_suffix(&self.path, ".tmp");
        let written = (|| {
            let mut file = File::create(&temporary)?;
            file.write_all(text.as_bytes())?;
            if durable {
                file.sync_all()?;
            }
            drop(file);
            std::fs::rename(&temporary, &self.path)?;
            #[cfg(unix)]
            if durable {
                File::open(&self.folder)?.sync_all()?;
            }
            Ok(())
        })();
        written.map_err(|e| io_error(&self.path, "cannot be written", e))
    }

    /// Waits for the folder's lock.
    pub fn lock_folder(&self) -> Result<FolderLock, Error> {
        let path = self.folder.join(FOLDER_LOCK);
        let file = OpenOptions::new()
            .create(true)
            .truncate(false)
            .write(true)
            .open(&path)
            .map_err(|e| io_error(&path, "cannot be opened", e))?;
        fs4::FileExt::lock(&file).map_err(|e| io_error(&path, "cannot be locked", e))?;
        Ok(FolderLock(file))
    }

    /// The batches every state file of the folder names, this one's too.
    pub fn recorded_batches(&self) -> Vec<String> {
        let Ok(entries) = std::fs::read_dir(&self.folder) else {
            return Vec::new();
        };
        let mut batches = Vec::new();
        for entry in entries.flatten() {
            let path = entry.path();
            let ours = path
                .file_name()
                .and_then(|n| n.to_str())
                .is_some_and(|n| n.ends_with(EXTENSION));
            if let (true, Ok(Some(state))) = (ours, read_state(&path)) {
                batches.extend(state.batches);
            }
        }
        batches
    }
}

/// The state at `path`: None when there is none, or the file is not one.
fn read_state(path: &Path) -> Result<Option<State>, Error> {
    let small = std::fs::metadata(path).is_ok_and(|m| m.is_file() && m.len() <= MAX_STATE_BYTES);
    if !small {
        return Ok(None);
    }
    let text = match std::fs::read_to_string(path) {
        Ok(text) => text,
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(error) => return Err(io_error(path, "cannot be read", error)),
    };
    Ok(serde_json::from_str::<State>(&text)
        .ok()
        .filter(|state| state.kind == KIND))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn folder(name: &str) -> PathBuf {
        let dir = std::env::temp_dir().join(format!("opi-state-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        dir
    }

    #[test]
    fn a_state_is_read_back_and_a_file_has_one_consumer() {
        let dir = folder("held");
        let path = dir.join("a.state");
        let held = StateFile::hold(&path).unwrap();
        let mut state = held.load().unwrap();
        assert!(state.batches.is_empty() && !state.reserving);
        state.batches.push("p1".into());
        state.current = Some("7".into());
        held.save(&state, true).unwrap();
        let again = held.load().unwrap();
        assert_eq!(
            (again.batches, again.current),
            (vec!["p1".to_owned()], Some("7".to_owned()))
        );
        let refused = StateFile::hold(&path).err().unwrap();
        assert!(refused.description().contains("another consumer"));
        drop(held);
        assert!(StateFile::hold(&path).is_ok());
        let _ = std::fs::remove_dir_all(dir);
    }

    #[test]
    fn names_must_end_in_state_and_foreign_files_are_left_alone() {
        let dir = folder("names");
        for bad in ["x.json", ".state", "state"] {
            assert!(StateFile::hold(&dir.join(bad)).is_err(), "{bad}");
        }
        let path = dir.join("b.state");
        std::fs::write(&path, "{\"something\": \"else\"}").unwrap();
        let held = StateFile::hold(&path).unwrap();
        assert!(held.load().is_err());
        assert_eq!(
            std::fs::read_to_string(&path).unwrap(),
            "{\"something\": \"else\"}"
        );
        let other = StateFile::hold(&dir.join("c.state")).unwrap();
        let mut state = other.load().unwrap();
        state.batches = vec!["q1".into(), "q2".into()];
        other.save(&state, false).unwrap();
        assert_eq!(held.recorded_batches(), ["q1", "q2"]);
        let _ = std::fs::remove_dir_all(dir);
    }
}
