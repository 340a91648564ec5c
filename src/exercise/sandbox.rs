//! Where an exercise runs: a fresh SQLite file by default, or a store the facilitator
//! names, refused when it holds real events unless they insist, with a justification.
//! The degraded-pipeline injects act on the sandbox file itself: made read-only, sealing
//! fails closed for everyone on the store, responders included, until it is restored.

use super::ExerciseError;
use crate::ledger::seal::event_from_record;
use crate::query::{Filter, Page};
use crate::store::Store;
use std::path::{Path, PathBuf};

/// A new sandbox file under `dir` for `run` (never an existing one).
pub fn fresh_path(dir: &Path, run: &str) -> Result<PathBuf, ExerciseError> {
    std::fs::create_dir_all(dir)
        .map_err(|e| ExerciseError::Io(format!("creating {}: {e}", dir.display())))?;
    let path = dir.join(format!("{run}.db"));
    if path.exists() {
        return Err(ExerciseError::Io(format!(
            "{} already exists; a sandbox is always new",
            path.display()
        )));
    }
    Ok(path)
}

/// Refuses a store holding events that are not an exercise's (console sessions aside:
/// a responder's console opened on the sandbox writes those).
pub async fn check_store(store: &Store) -> Result<(), ExerciseError> {
    let mut after = 0;
    loop {
        let rows = store
            .rows(&Filter::default(), Page::oldest_first(after, 1000))
            .await?;
        let Some(last) = rows.last() else {
            return Ok(());
        };
        after = last.seq;
        for r in &rows {
            if !r.columns.exercise && r.columns.kind != "console.session" {
                // The column could be stale only on a tampered row; read the record too.
                let real = !event_from_record(&r.record).is_ok_and(|e| e.exercise);
                if real {
                    return Err(ExerciseError::LiveStore {
                        seq: r.seq,
                        kind: r.columns.kind.clone(),
                    });
                }
            }
        }
        if rows.len() < 1000 {
            return Ok(());
        }
    }
}

/// Makes the sandbox file refuse writes (read-only) or take them again.
pub fn set_writable(store: &Store, writable: bool) -> Result<(), ExerciseError> {
    let Store::Sqlite(s) = store else {
        return Err(ExerciseError::Io(
            "refusing writes is simulated on a SQLite sandbox only".into(),
        ));
    };
    let path = s.path();
    use std::os::unix::fs::PermissionsExt;
    let mode = if writable { 0o600 } else { 0o400 };
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode))
        .map_err(|e| ExerciseError::Io(format!("{}: {e}", path.display())))
}
