//! One state file as the operating system holds it: opened once (made
//! owner-only when missing) and kept open, and taken in turns — an
//! exclusive lock (`flock` on Unix, `LockFileEx` on Windows, through fs4),
//! the record read whole from offset 0, changed, written back, the lock
//! released. The lock belongs to the open file: a process killed while it
//! holds one loses it with its file descriptors, so no lock outlives its
//! holder, and no file's existence means "locked".

use std::fs::{File, OpenOptions};
use std::io;
use std::path::Path;
use std::time::{Duration, Instant};

/// The first pause between two tries of a lock another process holds,
/// doubled up to [`LONGEST_PAUSE`]: a turn holds it for microseconds.
const FIRST_PAUSE: Duration = Duration::from_micros(20);
const LONGEST_PAUSE: Duration = Duration::from_millis(5);

/// An open state file.
pub(crate) struct StateFile {
    file: File,
}

/// Why a turn was not taken.
pub(crate) enum Refusal {
    /// Another process held the lock longer than the patience allowed: a
    /// process stopped (not killed) in a turn.
    Busy,
    /// The system refused to lock, read or write the file.
    Io(io::Error),
}

impl StateFile {
    /// The file at `path`, made (readable and writable by its owner only,
    /// on Unix) when `create` is set and it is missing.
    pub(crate) fn open(path: &Path, create: bool) -> io::Result<StateFile> {
        let mut options = OpenOptions::new();
        options.read(true).write(true).create(create);
        #[cfg(unix)]
        std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
        Ok(StateFile {
            file: options.open(path)?,
        })
    }

    /// Runs `work` on the file's first `N` bytes (zeros past its end: a
    /// file just made) under its lock, waited for at most `patience`, and
    /// writes them back when `work` says so.
    pub(crate) fn turn<const N: usize, R>(
        &self,
        patience: Duration,
        work: impl FnOnce(&mut [u8; N]) -> (R, bool),
    ) -> Result<R, Refusal> {
        self.lock(patience)?;
        let result = self.locked_turn(work);
        let unlocked = fs4::FileExt::unlock(&self.file);
        let result = result?;
        unlocked.map_err(Refusal::Io)?;
        Ok(result)
    }

    fn locked_turn<const N: usize, R>(
        &self,
        work: impl FnOnce(&mut [u8; N]) -> (R, bool),
    ) -> Result<R, Refusal> {
        let mut bytes = [0u8; N];
        read_at_start(&self.file, &mut bytes).map_err(Refusal::Io)?;
        let (result, write) = work(&mut bytes);
        if write {
            write_at_start(&self.file, &bytes).map_err(Refusal::Io)?;
        }
        Ok(result)
    }

    /// Takes the file's exclusive lock, trying again with short pauses
    /// while another process holds it, for at most `patience`. A blocking
    /// lock would wait for a stopped holder for ever; pausing, rather than
    /// blocking, costs nothing while no other process is in a turn.
    fn lock(&self, patience: Duration) -> Result<(), Refusal> {
        let mut pause = FIRST_PAUSE;
        let mut started = None;
        loop {
            match fs4::FileExt::try_lock(&self.file) {
                Ok(()) => return Ok(()),
                Err(fs4::TryLockError::WouldBlock) => {}
                Err(fs4::TryLockError::Error(error)) => return Err(Refusal::Io(error)),
            }
            let started = *started.get_or_insert_with(Instant::now);
            if started.elapsed() >= patience {
                return Err(Refusal::Busy);
            }
            std::thread::sleep(pause);
            pause = (pause * 2).min(LONGEST_PAUSE);
        }
    }
}

/// Fills `bytes` from the file's start; what lies past the file's end
/// reads as zeros.
fn read_at_start(file: &File, bytes: &mut [u8]) -> io::Result<()> {
    let mut filled = 0;
    while filled < bytes.len() {
        match read_at(file, &mut bytes[filled..], filled as u64) {
            Ok(0) => break,
            Ok(read) => filled += read,
            Err(error) if error.kind() == io::ErrorKind::Interrupted => {}
            Err(error) => return Err(error),
        }
    }
    bytes[filled..].fill(0);
    Ok(())
}

/// Writes `bytes` at the file's start.
fn write_at_start(file: &File, bytes: &[u8]) -> io::Result<()> {
    let mut written = 0;
    while written < bytes.len() {
        match write_at(file, &bytes[written..], written as u64) {
            Ok(0) => return Err(io::ErrorKind::WriteZero.into()),
            Ok(count) => written += count,
            Err(error) if error.kind() == io::ErrorKind::Interrupted => {}
            Err(error) => return Err(error),
        }
    }
    Ok(())
}

#[cfg(unix)]
fn read_at(file: &File, bytes: &mut [u8], offset: u64) -> io::Result<usize> {
    std::os::unix::fs::FileExt::read_at(file, bytes, offset)
}

#[cfg(unix)]
fn write_at(file: &File, bytes: &[u8], offset: u64) -> io::Result<usize> {
    std::os::unix::fs::FileExt::write_at(file, bytes, offset)
}

#[cfg(windows)]
fn read_at(file: &File, bytes: &mut [u8], offset: u64) -> io::Result<usize> {
    std::os::windows::fs::FileExt::seek_read(file, bytes, offset)
}

#[cfg(windows)]
fn write_at(file: &File, bytes: &[u8], offset: u64) -> io::Result<usize> {
    std::os::windows::fs::FileExt::seek_write(file, bytes, offset)
}
