//! The checkpoint signing key on disk: one line, `PRIVATE+KEY+…` as written by
//! [`NoteSigner::encode_private`], in a file only its owner can read.
//!
//! It owns creating that file safely (parent directories, a private temp file,
//! an atomic publish that never overwrites a key another process just made) and
//! refusing a key file others can read. It must never print, log or put the
//! key text into an error, and never loosen a file's permissions on its own.

use crate::ledger::note::{NoteError, NoteSigner};
use rand::RngCore as _;
use std::fs::{self, DirBuilder, File, OpenOptions};
use std::io::{self, Write as _};
use std::os::unix::fs::{DirBuilderExt as _, OpenOptionsExt as _, PermissionsExt as _};
use std::path::{Path, PathBuf};
use thiserror::Error;

#[derive(Debug, Error)]
pub enum KeyFileError {
    #[error("cannot {action} key file {}: {source}", path.display())]
    Io {
        action: &'static str,
        path: PathBuf,
        #[source]
        source: io::Error,
    },
    #[error(
        "key file {} is readable by others (mode {mode:o}); run `chmod 600` on it",
        path.display()
    )]
    TooOpen { path: PathBuf, mode: u32 },
    #[error("key file {} is not a regular file", path.display())]
    NotAFile { path: PathBuf },
    #[error("key file {} does not hold a valid signing key: {source}", path.display())]
    Invalid {
        path: PathBuf,
        #[source]
        source: NoteError,
    },
    #[error("key file {} holds the key {found:?}, not {expected:?}", path.display())]
    NameMismatch {
        path: PathBuf,
        expected: String,
        found: String,
    },
    #[error("cannot create a key named {name:?}: {source}")]
    Generate {
        name: String,
        #[source]
        source: NoteError,
    },
}

fn io_error<'a>(
    action: &'static str,
    path: &'a Path,
) -> impl FnOnce(io::Error) -> KeyFileError + 'a {
    move |source| KeyFileError::Io {
        action,
        path: path.to_path_buf(),
        source,
    }
}

/// Loads the signer from `path`, or on first use creates a key named `name`
/// there. An existing key with another name is an error rather than silently
/// signing under a name the verifiers do not expect.
pub fn load_or_create(path: &Path, name: &str) -> Result<NoteSigner, KeyFileError> {
    let signer = match load(path) {
        Err(KeyFileError::Io { source, .. }) if source.kind() == io::ErrorKind::NotFound => {
            create(path, name)?
        }
        other => other?,
    };
    if signer.name() != name {
        return Err(KeyFileError::NameMismatch {
            path: path.to_path_buf(),
            expected: name.to_string(),
            found: signer.name().to_string(),
        });
    }
    Ok(signer)
}

/// Loads the signer from an existing key file, refusing one that group or
/// others can read: a key that may have leaked cannot vouch for anything.
pub fn load(path: &Path) -> Result<NoteSigner, KeyFileError> {
    let mut file = File::open(path).map_err(io_error("open", path))?;
    // Check the opened file, not the path, so a swap in between cannot fool us.
    let meta = file.metadata().map_err(io_error("inspect", path))?;
    if !meta.is_file() {
        return Err(KeyFileError::NotAFile {
            path: path.to_path_buf(),
        });
    }
    let mode = meta.permissions().mode() & 0o777;
    if mode & 0o077 != 0 {
        return Err(KeyFileError::TooOpen {
            path: path.to_path_buf(),
            mode,
        });
    }
    let mut text = String::new();
    io::Read::read_to_string(&mut file, &mut text).map_err(io_error("read", path))?;
    NoteSigner::decode_private(text.trim_end_matches(['\n', '\r'])).map_err(|source| {
        KeyFileError::Invalid {
            path: path.to_path_buf(),
            source,
        }
    })
}

/// Writes a fresh key: a 0600 temp file beside the target, flushed to disk,
/// then published with `hard_link`, which (unlike `rename`) fails if the target
/// exists. Two processes starting at once thus agree on one key: the loser
/// loads the winner's.
fn create(path: &Path, name: &str) -> Result<NoteSigner, KeyFileError> {
    let signer = NoteSigner::generate(name).map_err(|source| KeyFileError::Generate {
        name: name.to_string(),
        source,
    })?;
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d,
        _ => Path::new("."),
    };
    DirBuilder::new()
        .recursive(true)
        .mode(0o700)
        .create(dir)
        .map_err(io_error("create the directory of", path))?;

    let temp = temp_path(path);
    let written = write_private(&temp, &signer);
    let published = written.and_then(|()| publish(&temp, path));
    // The temp name is ours alone; remove it whatever happened.
    let _ = fs::remove_file(&temp);
    match published {
        Ok(()) => {
            // Make the new directory entry durable too; failure here leaves a
            // valid key that may vanish on power loss, so report it.
            File::open(dir)
                .and_then(|d| d.sync_all())
                .map_err(io_error("sync the directory of", path))?;
            Ok(signer)
        }
        Err(e) if e.kind() == io::ErrorKind::AlreadyExists => load(path),
        Err(e) => Err(KeyFileError::Io {
            action: "write",
            path: path.to_path_buf(),
            source: e,
        }),
    }
}

fn temp_path(path: &Path) -> PathBuf {
    let mut tag = [0u8; 8];
    rand::rngs::OsRng.fill_bytes(&mut tag);
    let file_name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "key".to_string());
    path.with_file_name(format!(".{file_name}.{}.tmp", hex::encode(tag)))
}

fn write_private(temp: &Path, signer: &NoteSigner) -> io::Result<()> {
    let mut file = OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(temp)?;
    // The umask can only remove bits, but be explicit about the result.
    file.set_permissions(fs::Permissions::from_mode(0o600))?;
    file.write_all(signer.encode_private().as_bytes())?;
    file.write_all(b"\n")?;
    file.sync_all()
}

fn publish(temp: &Path, path: &Path) -> io::Result<()> {
    match fs::hard_link(temp, path) {
        Ok(()) => Ok(()),
        Err(e) if e.kind() == io::ErrorKind::AlreadyExists => Err(e),
        // Some filesystems have no hard links; fall back to an atomic rename,
        // after one more check that no key appeared meanwhile.
        Err(_) if !path.exists() => fs::rename(temp, path),
        Err(_) => Err(io::Error::from(io::ErrorKind::AlreadyExists)),
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn mode(path: &Path) -> u32 {
        fs::metadata(path).unwrap().permissions().mode() & 0o777
    }

    #[test]
    fn first_use_creates_a_private_key_file_in_new_directories() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("config/custody/checkpoint.key");
        let signer = load_or_create(&path, "custody.example/ledger").unwrap();
        assert_eq!(signer.name(), "custody.example/ledger");
        assert_eq!(mode(&path), 0o600);
        assert_eq!(mode(path.parent().unwrap()), 0o700);
        let text = fs::read_to_string(&path).unwrap();
        assert_eq!(text, format!("{}\n", signer.encode_private()));
    }

    #[test]
    fn later_uses_load_the_same_key() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("k");
        let first = load_or_create(&path, "log").unwrap();
        let second = load_or_create(&path, "log").unwrap();
        assert_eq!(first.verifier(), second.verifier());
        assert_eq!(load(&path).unwrap().verifier(), first.verifier());
    }

    #[test]
    fn no_temp_files_are_left_behind() {
        let dir = tempfile::tempdir().unwrap();
        load_or_create(&dir.path().join("k"), "log").unwrap();
        let names: Vec<_> = fs::read_dir(dir.path())
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        assert_eq!(names, ["k"]);
    }

    #[test]
    fn a_key_file_readable_by_others_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("k");
        load_or_create(&path, "log").unwrap();
        for loose in [0o640, 0o604, 0o644] {
            fs::set_permissions(&path, fs::Permissions::from_mode(loose)).unwrap();
            let err = load_or_create(&path, "log").unwrap_err();
            assert!(matches!(err, KeyFileError::TooOpen { mode, .. } if mode == loose));
        }
    }

    #[test]
    fn a_key_with_another_name_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("k");
        load_or_create(&path, "old-name").unwrap();
        let err = load_or_create(&path, "new-name").unwrap_err();
        assert!(matches!(err, KeyFileError::NameMismatch { .. }));
    }

    #[test]
    fn a_damaged_key_file_is_an_error_that_does_not_echo_it() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("k");
        let signer = load_or_create(&path, "log").unwrap();
        let secret = signer.encode_private();
        let damaged = format!("{}x\n", secret);
        fs::write(&path, &damaged).unwrap();
        let err = load(&path).unwrap_err();
        assert!(matches!(err, KeyFileError::Invalid { .. }));
        // `PRIVATE+KEY+name+id+base64`: the base64 may itself hold `+`, so split four times.
        let b64 = secret.splitn(5, '+').nth(4).unwrap();
        assert!(b64.len() > 40 && !err.to_string().contains(b64));
    }

    #[test]
    fn a_missing_file_is_reported_as_such_by_load() {
        let dir = tempfile::tempdir().unwrap();
        let err = load(&dir.path().join("absent")).unwrap_err();
        assert!(
            matches!(err, KeyFileError::Io { ref source, .. } if source.kind() == io::ErrorKind::NotFound)
        );
    }

    #[test]
    fn a_directory_is_not_a_key_file() {
        let dir = tempfile::tempdir().unwrap();
        let sub = dir.path().join("d");
        DirBuilder::new().mode(0o700).create(&sub).unwrap();
        assert!(matches!(load(&sub), Err(KeyFileError::NotAFile { .. })));
    }
}
