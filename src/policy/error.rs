//! Why a policy could not be loaded, in the user's terms: the file, the line and the
//! policy id. Cedar's errors carry byte spans into the text; this module turns them into
//! lines and finds the policy a span falls in, with a small scanner of the policy text
//! (statements end at `;` outside strings and `//` comments).

use std::fmt;
use std::path::PathBuf;

/// A policy directory or text that custody refused to load.
#[derive(Debug, thiserror::Error)]
pub enum PolicyError {
    #[error("reading {}: {source}", path.display())]
    Read {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("{}", list(.0))]
    Invalid(Vec<Problem>),
}

impl PolicyError {
    /// The problems found (empty for a read error).
    pub fn problems(&self) -> &[Problem] {
        match self {
            PolicyError::Invalid(p) => p,
            PolicyError::Read { .. } => &[],
        }
    }
}

/// One thing wrong with the policy or schema text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    /// The file, as `ORIGIN/policies.cedar` or `ORIGIN/policies.cedarschema`.
    pub file: String,
    /// 1-based; `None` when the problem has no place in the text.
    pub line: Option<usize>,
    /// The policy it is in (its `@id`, else Cedar's `policyN`), when it is in one.
    pub policy_id: Option<String>,
    pub message: String,
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.file)?;
        if let Some(line) = self.line {
            write!(f, ":{line}")?;
        }
        if let Some(id) = &self.policy_id {
            write!(f, ": policy `{id}`")?;
        }
        write!(f, ": {}", self.message)
    }
}

fn list(problems: &[Problem]) -> String {
    match problems {
        [one] => one.to_string(),
        // One line, so that a log or a sealed event holds it whole.
        many => {
            let all: Vec<String> = many.iter().map(Problem::to_string).collect();
            format!("{} problems: {}", many.len(), all.join("; "))
        }
    }
}

/// The 1-based line of a byte offset (clamped to the text).
pub(super) fn line_of(text: &str, offset: usize) -> usize {
    let end = offset.min(text.len());
    text.as_bytes()[..end]
        .iter()
        .filter(|b| **b == b'\n')
        .count()
        + 1
}

/// The first byte offset a Cedar diagnostic points at, looking into related errors.
pub(super) fn offset_of(d: &dyn miette::Diagnostic) -> Option<usize> {
    if let Some(mut labels) = d.labels() {
        if let Some(label) = labels.next() {
            return Some(label.offset());
        }
    }
    d.related()?.find_map(offset_of)
}

/// Cedar's message, with its help line when it has one.
pub(super) fn message_of(d: &(dyn miette::Diagnostic + '_)) -> String {
    let mut message = d.to_string();
    if let Some(help) = d.help() {
        message.push_str(&format!(" ({help})"));
    }
    message
}

/// One policy statement of the text: where it starts and its `@id`, if it has one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Statement {
    pub start: usize,
    pub end: usize,
    pub id: Option<String>,
}

impl Statement {
    /// The id Cedar uses for the statement: its `@id`, else `policyN` by position.
    pub fn name(&self, index: usize) -> String {
        self.id.clone().unwrap_or_else(|| format!("policy{index}"))
    }
}

/// Splits policy text into statements: each ends at a `;` outside strings and comments.
/// Text after the last `;` (an unfinished policy) is a statement too, when not blank.
pub(super) fn statements(text: &str) -> Vec<Statement> {
    let bytes = text.as_bytes();
    let mut out = Vec::new();
    let mut start: Option<usize> = None;
    let mut id: Option<String> = None;
    let mut i = 0;
    while i < bytes.len() {
        let b = bytes[i];
        if b == b'/' && bytes.get(i + 1) == Some(&b'/') {
            while i < bytes.len() && bytes[i] != b'\n' {
                i += 1;
            }
            continue;
        }
        if b.is_ascii_whitespace() {
            i += 1;
            continue;
        }
        let begin = *start.get_or_insert(i);
        if b == b'"' {
            i = skip_string(bytes, i);
            continue;
        }
        if b == b'@' && id.is_none() && text[i..].starts_with("@id(") {
            id = annotation_value(text, i + "@id(".len());
        }
        if b == b';' {
            out.push(Statement {
                start: begin,
                end: i + 1,
                id: id.take(),
            });
            start = None;
        }
        i += 1;
    }
    if let Some(begin) = start {
        out.push(Statement {
            start: begin,
            end: text.len(),
            id,
        });
    }
    out
}

/// The index just past a string literal that opens at `open`.
fn skip_string(bytes: &[u8], open: usize) -> usize {
    let mut i = open + 1;
    while i < bytes.len() {
        match bytes[i] {
            b'\\' => i += 2,
            b'"' => return i + 1,
            _ => i += 1,
        }
    }
    bytes.len()
}

/// The plain string in `@name("value")` starting at `at` (just after the parenthesis).
fn annotation_value(text: &str, at: usize) -> Option<String> {
    let rest = text[at..].trim_start().strip_prefix('"')?;
    let end = rest.find('"')?;
    Some(rest[..end].to_string())
}

/// The statement (and its index) that contains `offset`.
pub(super) fn statement_at(statements: &[Statement], offset: usize) -> Option<(usize, &Statement)> {
    statements
        .iter()
        .enumerate()
        .find(|(_, s)| offset >= s.start && offset < s.end)
        // Past the end (an error at the end of the text): the last statement.
        .or_else(|| {
            let last = statements.len().checked_sub(1)?;
            Some((last, &statements[last])).filter(|(_, s)| offset >= s.end)
        })
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn statements_end_at_semicolons_outside_strings_and_comments() {
        let text = "// a; comment\n@id(\"a\") permit(principal, action, resource) when { \"x;\" == \"x;\" };\n\npermit(principal, action, resource);\n";
        let found = statements(text);
        assert_eq!(found.len(), 2);
        assert_eq!(found[0].id.as_deref(), Some("a"));
        assert_eq!(line_of(text, found[0].start), 2);
        assert_eq!(found[1].name(1), "policy1");
        assert_eq!(line_of(text, found[1].start), 4);
    }
}
