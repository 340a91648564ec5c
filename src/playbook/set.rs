//! Sets of playbooks: the built-ins compiled in from `assets/playbooks/`, a user
//! directory where one bad file is reported without hiding the good ones, and the two
//! merged. Only reads files; never writes one.

use super::load::{parse, PlaybookError};
use super::Playbook;
use crate::event::Tier;
use std::path::Path;

/// The playbooks shipped in `assets/playbooks/`, compiled into the binary.
const BUILTIN: &[(&str, &str)] = &[
    (
        "rogue-agent.toml",
        include_str!("../../assets/playbooks/rogue-agent.toml"),
    ),
    (
        "wrong-destination-export.toml",
        include_str!("../../assets/playbooks/wrong-destination-export.toml"),
    ),
    (
        "secret-exposure.toml",
        include_str!("../../assets/playbooks/secret-exposure.toml"),
    ),
];

/// Playbooks that loaded, and the files that did not. Both are shown to the user.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct PlaybookSet {
    pub playbooks: Vec<Playbook>,
    pub errors: Vec<PlaybookError>,
}

impl PlaybookSet {
    pub fn get(&self, id: &str) -> Option<&Playbook> {
        self.playbooks.iter().find(|p| p.id == id)
    }

    /// See [`super::applicable`].
    pub fn applicable(&self, tier: Tier, reason_code: Option<&str>) -> Vec<&Playbook> {
        super::applicable(&self.playbooks, tier, reason_code)
    }
}

/// The built-in playbooks. Their errors are a bug in custody; a test keeps them empty.
pub fn builtin() -> PlaybookSet {
    let mut set = PlaybookSet::default();
    for (name, text) in BUILTIN {
        set.add(parse(text, &format!("builtin:{name}")));
    }
    set
}

/// Every `*.toml` file in `dir`, in name order. A missing directory holds no playbooks;
/// two files with the same playbook id are an error on the second.
pub fn load_dir(dir: &Path) -> PlaybookSet {
    let mut set = PlaybookSet::default();
    let entries = match std::fs::read_dir(dir) {
        Ok(entries) => entries,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return set,
        Err(e) => {
            set.errors.push(file_error(&dir.display().to_string(), e));
            return set;
        }
    };
    let mut paths: Vec<_> = entries
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "toml") && p.is_file())
        .collect();
    paths.sort();
    for path in paths {
        let file = path.display().to_string();
        match std::fs::read_to_string(&path) {
            Ok(text) => set.add(parse(&text, &file)),
            Err(e) => set.errors.push(file_error(&file, e)),
        }
    }
    set
}

/// The built-ins, then the user's directory. A user playbook with a built-in's id
/// replaces it: that is how a team adapts a shipped playbook.
pub fn load_all(user_dir: Option<&Path>) -> PlaybookSet {
    let mut set = builtin();
    if let Some(dir) = user_dir {
        let user = load_dir(dir);
        set.playbooks
            .retain(|b| !user.playbooks.iter().any(|u| u.id == b.id));
        set.playbooks.extend(user.playbooks);
        set.errors.extend(user.errors);
    }
    set
}

impl PlaybookSet {
    fn add(&mut self, parsed: Result<Playbook, Vec<PlaybookError>>) {
        match parsed {
            Ok(p) => match self.get(&p.id) {
                Some(first) => self.errors.push(PlaybookError {
                    file: p.source.clone(),
                    line: None,
                    field: "id".into(),
                    message: format!("playbook id `{}` is already used by {}", p.id, first.source),
                }),
                None => self.playbooks.push(p),
            },
            Err(errors) => self.errors.extend(errors),
        }
    }
}

fn file_error(file: &str, e: std::io::Error) -> PlaybookError {
    PlaybookError {
        file: file.into(),
        line: None,
        field: String::new(),
        message: format!("cannot read: {e}"),
    }
}
