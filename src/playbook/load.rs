//! Reading one playbook file: TOML into a checked `Playbook`, every rejection naming the
//! file, the line and the field.

use super::graph::{find_cycles, forward_needs};
use super::{Applies, Playbook, Step, StepKind};
use crate::event::Tier;
use serde::Deserialize;
use std::collections::HashMap;
use std::fmt;
use toml::Spanned;

/// A playbook file that cannot be used, and exactly where it is wrong.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PlaybookError {
    pub file: String,
    /// 1-based; `None` when the problem has no place in the text (an unreadable file).
    pub line: Option<usize>,
    /// The TOML path of the offending value, e.g. `steps[2].needs[0]`; empty for the file.
    pub field: String,
    pub message: String,
}

impl fmt::Display for PlaybookError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.file)?;
        if let Some(line) = self.line {
            write!(f, ":{line}")?;
        }
        if !self.field.is_empty() {
            write!(f, ": {}", self.field)?;
        }
        write!(f, ": {}", self.message)
    }
}

impl std::error::Error for PlaybookError {}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawPlaybook {
    id: Spanned<String>,
    title: String,
    description: String,
    #[serde(default)]
    applies: RawApplies,
    #[serde(default)]
    disable_agent_when: Vec<String>,
    steps: Spanned<Vec<Spanned<RawStep>>>,
}

#[derive(Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawApplies {
    #[serde(default)]
    tiers: Vec<Tier>,
    #[serde(default)]
    reason_codes: Vec<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawStep {
    id: Spanned<String>,
    title: String,
    kind: StepKind,
    #[serde(default)]
    needs: Vec<Spanned<String>>,
    #[serde(default)]
    second_person: bool,
    description: Option<String>,
    guidance: Option<String>,
}

/// Parses and validates one playbook; `file` names it in errors and becomes its `source`.
/// Structural problems (syntax, unknown keys, wrong types) stop at the first; the checks
/// after that (ids, prerequisites, cycles) report every problem at once.
pub fn parse(text: &str, file: &str) -> Result<Playbook, Vec<PlaybookError>> {
    let raw: RawPlaybook = serde_path_to_error::deserialize(toml::Deserializer::new(text))
        .map_err(|e| vec![structural_error(text, file, &e)])?;
    let mut check = Check {
        text,
        file,
        errors: Vec::new(),
    };
    if !is_slug(raw.id.get_ref()) {
        check.at(&raw.id, "id".into(), slug_message(raw.id.get_ref()));
    }
    if raw.steps.get_ref().is_empty() {
        let message = "a playbook needs at least one step".into();
        check.at(&raw.steps, "steps".into(), message);
    }
    let steps: Vec<&RawStep> = raw.steps.get_ref().iter().map(Spanned::get_ref).collect();
    let index = check.step_ids(&steps);
    check.needs(&steps, &index);
    if !check.errors.is_empty() {
        return Err(check.errors);
    }
    Ok(Playbook {
        id: raw.id.into_inner(),
        title: raw.title,
        description: raw.description,
        applies: Applies {
            tiers: raw.applies.tiers,
            reason_codes: raw.applies.reason_codes,
        },
        disable_agent_when: raw.disable_agent_when,
        steps: raw
            .steps
            .into_inner()
            .into_iter()
            .map(|s| s.into_inner().into_step())
            .collect(),
        source: file.into(),
    })
}

impl RawStep {
    fn into_step(self) -> Step {
        Step {
            id: self.id.into_inner(),
            title: self.title,
            kind: self.kind,
            needs: self.needs.into_iter().map(Spanned::into_inner).collect(),
            second_person: self.second_person,
            description: self.description,
            guidance: self.guidance,
        }
    }
}

/// Collects the problems of one file, each placed at the line of a spanned value.
struct Check<'a> {
    text: &'a str,
    file: &'a str,
    errors: Vec<PlaybookError>,
}

impl Check<'_> {
    fn at<T>(&mut self, value: &Spanned<T>, field: String, message: String) {
        self.errors.push(PlaybookError {
            file: self.file.into(),
            line: Some(line_of(self.text, value.span().start)),
            field,
            message,
        });
    }

    /// Ids must be plain and unique; returns the index of each good id.
    fn step_ids<'s>(&mut self, steps: &[&'s RawStep]) -> HashMap<&'s str, usize> {
        let mut index: HashMap<&str, usize> = HashMap::new();
        for (i, step) in steps.iter().enumerate() {
            let id = &step.id;
            let field = format!("steps[{i}].id");
            if !is_slug(id.get_ref()) {
                self.at(id, field, slug_message(id.get_ref()));
            } else if let Some(&first) = index.get(id.get_ref().as_str()) {
                let first_line = line_of(self.text, steps[first].id.span().start);
                let message = format!(
                    "duplicate step id `{}` (first at line {first_line})",
                    id.get_ref()
                );
                self.at(id, field, message);
            } else {
                index.insert(id.get_ref(), i);
            }
        }
        index
    }

    /// Every prerequisite names a step, no chain of them loops, and each comes earlier.
    fn needs(&mut self, steps: &[&RawStep], index: &HashMap<&str, usize>) {
        // Prerequisites as (target, entry) indices; unknown names are left out of the graph.
        let mut graph: Vec<Vec<(usize, usize)>> = Vec::with_capacity(steps.len());
        for (i, step) in steps.iter().enumerate() {
            let mut edges = Vec::new();
            for (j, need) in step.needs.iter().enumerate() {
                match index.get(need.get_ref().as_str()) {
                    Some(&target) => edges.push((target, j)),
                    None => {
                        let message = format!(
                            "step `{}` needs `{}`, which is not a step in this playbook",
                            step.id.get_ref(),
                            need.get_ref()
                        );
                        self.at(need, format!("steps[{i}].needs[{j}]"), message);
                    }
                }
            }
            graph.push(edges);
        }
        let name = |i: usize| steps[i].id.get_ref().as_str();
        let cycles = find_cycles(&graph);
        for cycle in &cycles {
            let (from, j) = (cycle.closing_step, cycle.closing_need);
            let path: Vec<&str> = cycle.steps.iter().map(|&s| name(s)).collect();
            let message = format!(
                "dependency cycle: {} → {} (each step needs the next)",
                path.join(" → "),
                name(cycle.steps[0])
            );
            self.at(
                &steps[from].needs[j],
                format!("steps[{from}].needs[{j}]"),
                message,
            );
        }
        // A cycle always has a backward edge; reporting both would say the same twice.
        if cycles.is_empty() {
            for (from, j, target) in forward_needs(&graph) {
                let message = format!(
                    "step `{}` needs `{}`, which comes after it: list steps in the order they can be done",
                    name(from),
                    name(target)
                );
                self.at(
                    &steps[from].needs[j],
                    format!("steps[{from}].needs[{j}]"),
                    message,
                );
            }
        }
    }
}

/// A serde/TOML error as file, line and field. The path comes from serde_path_to_error
/// (minus the wrapper segments `Spanned` adds); a missing field is named in full.
fn structural_error(
    text: &str,
    file: &str,
    e: &serde_path_to_error::Error<toml::de::Error>,
) -> PlaybookError {
    let inner = e.inner();
    let message = inner
        .message()
        .trim()
        .replace("unknown variant", "unknown value");
    PlaybookError {
        file: file.into(),
        line: inner.span().map(|s| line_of(text, s.start)),
        field: field_path(&e.path().to_string(), &message),
        message,
    }
}

/// `steps.$__serde_spanned_private_value[1].$__serde_spanned_private_value` → `steps[1]`,
/// with `.id` appended when the message is "missing field `id`".
fn field_path(path: &str, message: &str) -> String {
    const WRAPPER: &str = "$__serde_spanned_private_value";
    let mut clean = path
        .replace(&format!(".{WRAPPER}"), "")
        .replace(WRAPPER, "");
    if clean == "." {
        clean.clear();
    }
    if let Some(missing) = message
        .strip_prefix("missing field `")
        .and_then(|m| m.split('`').next())
    {
        if !clean.is_empty() {
            clean.push('.');
        }
        clean.push_str(missing);
    }
    clean
}

fn line_of(text: &str, offset: usize) -> usize {
    text.as_bytes()[..offset.min(text.len())]
        .iter()
        .filter(|&&b| b == b'\n')
        .count()
        + 1
}

/// Ids are typed in `:step done ID` and stored in events: keep them plain.
fn is_slug(s: &str) -> bool {
    !s.is_empty()
        && s.chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-' || c == '_')
}

fn slug_message(s: &str) -> String {
    if s.is_empty() {
        "id is empty".into()
    } else {
        format!("id `{s}` may hold only lowercase letters, digits, `-` and `_`")
    }
}
