//! A bundle's files on disk: written into a fresh directory beside the one asked for
//! and renamed into place when complete, so an interrupted export leaves nothing under
//! that name; and read back, every regular file under the bundle's root, by relative
//! `/`-separated path.

use anyhow::{bail, Context};
use std::collections::BTreeMap;
use std::path::Path;

/// Largest file a bundle may hold when read back (a hostile bundle must not exhaust memory).
const MAX_FILE: u64 = 256 << 20;

pub fn write_dir(dir: &Path, files: &BTreeMap<String, Vec<u8>>) -> anyhow::Result<()> {
    if dir.exists() {
        bail!("{} already exists; name a new directory", dir.display());
    }
    let name = dir
        .file_name()
        .with_context(|| format!("{} names no directory", dir.display()))?;
    let mut partial_name = std::ffi::OsString::from(".");
    partial_name.push(name);
    partial_name.push(format!(".partial-{}", std::process::id()));
    let partial = dir.with_file_name(partial_name);
    let written = (|| -> anyhow::Result<()> {
        std::fs::create_dir(&partial)
            .with_context(|| format!("cannot create {}", partial.display()))?;
        for (path, bytes) in files {
            let target = partial.join(path);
            if let Some(parent) = target.parent() {
                std::fs::create_dir_all(parent)
                    .with_context(|| format!("cannot create {}", parent.display()))?;
            }
            std::fs::write(&target, bytes)
                .with_context(|| format!("cannot write {}", target.display()))?;
        }
        std::fs::rename(&partial, dir)
            .with_context(|| format!("cannot rename {} to {}", partial.display(), dir.display()))
    })();
    if written.is_err() {
        let _ = std::fs::remove_dir_all(&partial);
    }
    written
}

pub fn read_dir(dir: &Path) -> anyhow::Result<BTreeMap<String, Vec<u8>>> {
    let mut files = BTreeMap::new();
    walk(dir, "", &mut files)?;
    Ok(files)
}

fn walk(dir: &Path, prefix: &str, files: &mut BTreeMap<String, Vec<u8>>) -> anyhow::Result<()> {
    let entries =
        std::fs::read_dir(dir).with_context(|| format!("cannot read {}", dir.display()))?;
    for entry in entries {
        let entry = entry.with_context(|| format!("cannot read {}", dir.display()))?;
        let path = entry.path();
        let Some(name) = entry.file_name().to_str().map(str::to_string) else {
            bail!("{} has a name that is not UTF-8", path.display());
        };
        let rel = format!("{prefix}{name}");
        let kind = entry
            .file_type()
            .with_context(|| format!("cannot stat {}", path.display()))?;
        if kind.is_dir() {
            walk(&path, &format!("{rel}/"), files)?;
        } else if kind.is_file() {
            let len = entry.metadata().map(|m| m.len()).unwrap_or(0);
            if len > MAX_FILE {
                bail!(
                    "{} is larger than a bundle file may be ({len} bytes)",
                    path.display()
                );
            }
            let bytes =
                std::fs::read(&path).with_context(|| format!("cannot read {}", path.display()))?;
            files.insert(rel, bytes);
        } else {
            bail!(
                "{} is neither a file nor a directory (a bundle holds no links)",
                path.display()
            );
        }
    }
    Ok(())
}
