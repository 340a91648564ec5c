//! How an SQLite store is opened: what the path must be first (a file that exists,
//! unless a writer may create it; not a directory; not emptied to 0 bytes; an SQLite
//! database), how a reader opens it without writing a byte (`mode=ro`, and `immutable`
//! when the file or its directory is not writable, since WAL would need a `-shm`
//! beside it), and how a writer prepares the schema under the write lock so that
//! several processes creating one new file at once all succeed.

use super::super::StoreError;
use sqlx::sqlite::SqliteConnectOptions;
use sqlx::{Connection, SqlitePool};
use std::path::{Path, PathBuf};

/// How a store was opened.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Access {
    /// It may seal (and may have created the file).
    Write,
    /// Read-only commands: nothing is written, not even a `-wal` or `-shm`.
    Read {
        /// SQLite's `immutable`: no locks, no `-shm`; for a copy nobody writes.
        immutable: bool,
    },
}

/// Why sealing could not reach the ledger others read (`Store::check_writable`).
#[derive(Debug, thiserror::Error)]
pub enum NotWritable {
    #[error("the store file {} is gone ({source})", path.display())]
    Gone {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("the store file {} was replaced since custody opened it", path.display())]
    Replaced { path: PathBuf },
    #[error("the store file {} is read-only", path.display())]
    ReadOnlyFile { path: PathBuf },
    #[error("the store {store} was opened read-only (a reading command)")]
    OpenedForReading { store: String },
}

/// What a path holds before it is opened.
#[derive(Debug, PartialEq, Eq)]
pub enum Found {
    Nothing,
    /// A file of 0 bytes: emptied, or being created by another custody this instant.
    Empty,
    Database,
}

/// Refuses an empty file where a ledger must already exist: SQLite would write a fresh
/// schema into an emptied file and hide that the ledger was lost.
pub fn emptied(path: &Path) -> StoreError {
    StoreError::NotAStore {
        path: path.to_path_buf(),
        why: "is an empty file (0 bytes), not a custody store; custody will not start a new \
              ledger in it",
    }
}

/// The first 16 bytes of every SQLite database file.
const HEADER: &[u8; 16] = b"SQLite format 3\0";

/// Checks that `path` is an SQLite file, an empty file or nothing at all. A directory
/// and a file of another kind are refused by name, never opened.
pub fn inspect(path: &Path) -> Result<Found, StoreError> {
    let meta = match std::fs::metadata(path) {
        Ok(m) => m,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Found::Nothing),
        Err(source) => {
            return Err(StoreError::Unreadable {
                path: path.to_path_buf(),
                source,
            })
        }
    };
    let not_a_store = |why: &'static str| {
        Err(StoreError::NotAStore {
            path: path.to_path_buf(),
            why,
        })
    };
    if meta.is_dir() {
        return not_a_store("is a directory, not a store file");
    }
    if meta.len() == 0 {
        return Ok(Found::Empty);
    }
    let mut head = [0u8; 16];
    let read = std::fs::File::open(path).and_then(|mut f| {
        use std::io::Read;
        f.read_exact(&mut head)
    });
    match read {
        Ok(()) if &head == HEADER => Ok(Found::Database),
        Ok(()) => not_a_store("is not an SQLite database"),
        Err(e) if e.kind() == std::io::ErrorKind::UnexpectedEof => {
            not_a_store("is not an SQLite database")
        }
        Err(source) => Err(StoreError::Unreadable {
            path: path.to_path_buf(),
            source,
        }),
    }
}

/// How a reader opens `path`: `immutable` when custody could not write beside it (a
/// read-only mount, a directory it may not write to, a file with no write permission
/// at all, which root would otherwise ignore) and no write-ahead log holds records an
/// immutable open would not see.
pub fn read_access(path: &Path) -> Access {
    let writable = |p: &Path| rustix::fs::access(p, rustix::fs::Access::WRITE_OK).is_ok();
    let dir = match path.parent().filter(|d| !d.as_os_str().is_empty()) {
        Some(d) => d.to_path_buf(),
        None => PathBuf::from("."),
    };
    let no_write_bits = std::fs::metadata(path).is_ok_and(|m| m.permissions().readonly());
    let locked = no_write_bits || !writable(path) || !writable(&dir);
    let pending_wal = std::fs::metadata(wal_of(path)).is_ok_and(|m| m.len() > 0);
    Access::Read {
        immutable: locked && !pending_wal,
    }
}

fn wal_of(path: &Path) -> PathBuf {
    let mut name = path.as_os_str().to_owned();
    name.push("-wal");
    PathBuf::from(name)
}

/// sqlx options for a reader.
pub fn read_options(path: &Path, immutable: bool) -> SqliteConnectOptions {
    SqliteConnectOptions::new()
        .filename(path)
        .read_only(true)
        .immutable(immutable)
        .busy_timeout(std::time::Duration::from_secs(30))
}

/// The rusqlite name and flags that open `path` as `access` says.
pub fn rusqlite_target(path: &Path, access: Access) -> (String, rusqlite::OpenFlags) {
    use rusqlite::OpenFlags;
    let shown = path.to_string_lossy().into_owned();
    match access {
        Access::Write => (
            shown,
            OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NO_MUTEX,
        ),
        Access::Read { immutable } => {
            let flags = OpenFlags::SQLITE_OPEN_READ_ONLY
                | OpenFlags::SQLITE_OPEN_NO_MUTEX
                | OpenFlags::SQLITE_OPEN_URI;
            let query = if immutable { "?immutable=1" } else { "" };
            (format!("file:{}{query}", uri_path(&shown)), flags)
        }
    }
}

/// A path as the path part of an SQLite `file:` URI.
fn uri_path(path: &str) -> String {
    let mut out = String::with_capacity(path.len());
    for b in path.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'/' | b'.' | b'-' | b'_' | b'~') {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// Whether every migration custody ships is already applied, read without writing.
pub async fn schema_is_current(pool: &SqlitePool, migrator: &sqlx::migrate::Migrator) -> bool {
    let applied: Result<Vec<i64>, _> =
        sqlx::query_scalar("SELECT version FROM _sqlx_migrations WHERE success")
            .fetch_all(pool)
            .await;
    match applied {
        Ok(applied) => migrator.iter().all(|m| applied.contains(&m.version)),
        Err(_) => false,
    }
}

/// Applies the migrations and records the origin inside one `BEGIN IMMEDIATE`
/// transaction: the second of two processes creating the same new file waits for the
/// first, then finds the schema in place, instead of failing on "table already exists".
pub async fn migrate(
    pool: &SqlitePool,
    migrator: &sqlx::migrate::Migrator,
    url: &str,
    origin: &str,
) -> Result<(), StoreError> {
    let migrate_err = |source| StoreError::Migrate {
        url: url.to_string(),
        source,
    };
    let mut conn = pool.acquire().await.map_err(|source| StoreError::Open {
        url: url.to_string(),
        source,
    })?;
    let mut tx = conn
        .begin_with("BEGIN IMMEDIATE")
        .await
        .map_err(super::super::query_err(
            "taking the write lock to prepare the schema",
        ))?;
    migrator.run(&mut *tx).await.map_err(migrate_err)?;
    record_origin(&mut tx, origin).await?;
    tx.commit()
        .await
        .map_err(super::super::query_err("committing the schema"))
}

/// Records the origin a new log is named by; an existing log keeps its own.
pub async fn record_origin(
    conn: &mut sqlx::SqliteConnection,
    origin: &str,
) -> Result<(), StoreError> {
    sqlx::query("INSERT OR IGNORE INTO ledger_meta (key, value) VALUES ('origin', ?)")
        .bind(origin)
        .execute(conn)
        .await
        .map_err(super::super::query_err("recording the log origin"))?;
    Ok(())
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn a_directory_is_named_as_one() {
        let dir = tempfile::tempdir().unwrap();
        let err = inspect(dir.path()).unwrap_err().to_string();
        assert!(err.contains("is a directory"), "{err}");
    }

    #[test]
    fn an_emptied_file_is_not_a_store() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("ledger.db");
        std::fs::write(&path, "").unwrap();
        assert_eq!(inspect(&path).unwrap(), Found::Empty);
        let err = emptied(&path).to_string();
        assert!(err.contains("empty file (0 bytes)"), "{err}");
    }

    #[test]
    fn a_text_file_is_not_a_store() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("notes.txt");
        std::fs::write(&path, "hello, this is not a database at all").unwrap();
        let err = inspect(&path).unwrap_err().to_string();
        assert!(err.contains("not an SQLite database"), "{err}");
    }

    #[test]
    fn a_missing_file_is_nothing_yet() {
        let dir = tempfile::tempdir().unwrap();
        assert_eq!(inspect(&dir.path().join("new.db")).unwrap(), Found::Nothing);
    }

    #[test]
    fn a_file_without_write_permission_is_read_immutable() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("ledger.db");
        std::fs::write(&path, HEADER).unwrap();
        let mut perms = std::fs::metadata(&path).unwrap().permissions();
        perms.set_readonly(true);
        std::fs::set_permissions(&path, perms).unwrap();
        assert_eq!(read_access(&path), Access::Read { immutable: true });
    }

    #[test]
    fn uri_paths_escape_what_sqlite_would_read_as_syntax() {
        assert_eq!(uri_path("/a b/l#1?.db"), "/a%20b/l%231%3F.db");
    }
}
