//! Error wording for executor configs: serde errors as entry, field and line, and the
//! "did you mean" for a misspelt placeholder.

use super::template::Placeholder;
use super::ExecConfigError;

/// ` (did you mean {agent}?)` for a near miss, else the list of known placeholders.
pub(super) fn suggestion(name: &str) -> String {
    let near = Placeholder::ALL
        .into_iter()
        .find(|p| edit_distance(p.name(), name) <= 2);
    match near {
        Some(p) => format!(" (did you mean {p}?)"),
        None => {
            let known: Vec<String> = Placeholder::ALL.iter().map(|p| p.to_string()).collect();
            format!(
                " (known: {}, and {{env:NAME}} in http headers and body)",
                known.join(", ")
            )
        }
    }
}

fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut prev = row[0];
        row[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let cur = row[j + 1];
            row[j + 1] = (prev + usize::from(ca != *cb)).min(row[j] + 1).min(cur + 1);
            prev = cur;
        }
    }
    row[b.len()]
}

/// A serde/TOML error as entry, field and line.
pub(super) fn structural_error(
    text: &str,
    e: &serde_path_to_error::Error<toml::de::Error>,
) -> ExecConfigError {
    const WRAPPER: &str = "$__serde_spanned_private_value";
    let inner = e.inner();
    let message = inner
        .message()
        .trim()
        .replace("unknown variant", "unknown value");
    let path = e
        .path()
        .to_string()
        .replace(&format!(".{WRAPPER}"), "")
        .replace(WRAPPER, "");
    let (entry, mut field) = match path
        .strip_prefix("executors[")
        .and_then(|p| p.split_once(']'))
    {
        Some((i, rest)) => (i.parse().ok(), rest.trim_start_matches('.').to_string()),
        None => (None, path.trim_start_matches('.').to_string()),
    };
    if let Some(missing) = message
        .strip_prefix("missing field `")
        .and_then(|m| m.split('`').next())
    {
        field = if field.is_empty() {
            missing.into()
        } else {
            format!("{field}.{missing}")
        };
    }
    ExecConfigError {
        entry,
        executor: None,
        line: inner.span().map(|s| line_of(text, s.start)),
        field,
        message,
    }
}

pub(super) fn line_of(text: &str, offset: usize) -> usize {
    text.as_bytes()[..offset.min(text.len())]
        .iter()
        .filter(|&&b| b == b'\n')
        .count()
        + 1
}
