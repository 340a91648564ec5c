//! JSON values (params, before/after, responses, model params) printed compactly for the
//! detail pane: `{replicas: 12, image: "api:1.9"}`. Plain keys lose their quotes,
//! strings keep theirs, and the result is cut at a budget so a 100 KB config diff costs
//! a few lines, not a screenful of wrapping on every frame. The output is escaped: it is
//! event text.

use crate::untrusted::escape_untrusted;
use serde_json::Value;

/// At most this many characters of one value are shown.
pub const BUDGET: usize = 600;

/// `value` compact and escaped, cut to `budget` characters with a count of the rest.
pub fn compact(value: &Value, budget: usize) -> String {
    let mut out = String::new();
    write(value, &mut out, budget);
    let n = out.chars().count();
    let shown = if n > budget {
        let cut: String = out.chars().take(budget).collect();
        format!("{cut}… (+{} chars)", n - budget)
    } else {
        out
    };
    escape_untrusted(&shown).into_owned()
}

/// `value` pretty-printed (two-space indent), one escaped line each, cut after
/// `max_lines` with a count of the rest: the exact parameters an approver reads.
/// serde escapes the C0 controls inside strings; `escape_untrusted` does the rest
/// (C1 controls, bidirectional overrides).
pub fn pretty(value: &Value, max_lines: usize) -> Vec<String> {
    let text = serde_json::to_string_pretty(value).unwrap_or_else(|_| value.to_string());
    let total = text.lines().count();
    let mut out: Vec<String> = text
        .lines()
        .take(max_lines)
        .map(|l| escape_untrusted(l).into_owned())
        .collect();
    if total > max_lines {
        out.push(format!("… (+{} more lines)", total - max_lines));
    }
    out
}

fn write(value: &Value, out: &mut String, budget: usize) {
    // Stop building once well past the budget: the rest would be cut anyway.
    if out.len() > budget * 4 + 64 {
        return;
    }
    match value {
        Value::Object(map) => {
            out.push('{');
            // Keys in sorted order whatever the map's own order (serde_json's
            // `preserve_order`, which a dependency turns on, keeps insertion order).
            let mut members: Vec<_> = map.iter().collect();
            members.sort_unstable_by(|a, b| a.0.cmp(b.0));
            for (i, (k, v)) in members.into_iter().enumerate() {
                if i > 0 {
                    out.push_str(", ");
                }
                if is_plain_key(k) {
                    out.push_str(k);
                } else {
                    out.push_str(&quoted(k));
                }
                out.push_str(": ");
                write(v, out, budget);
            }
            out.push('}');
        }
        Value::Array(items) => {
            out.push('[');
            for (i, v) in items.iter().enumerate() {
                if i > 0 {
                    out.push_str(", ");
                }
                write(v, out, budget);
            }
            out.push(']');
        }
        Value::String(s) => out.push_str(&quoted(s)),
        other => out.push_str(&other.to_string()),
    }
}

fn quoted(s: &str) -> String {
    serde_json::to_string(s).unwrap_or_else(|_| format!("{s:?}"))
}

fn is_plain_key(k: &str) -> bool {
    !k.is_empty()
        && k.chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-' || c == '.')
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn objects_print_with_bare_keys() {
        let v = json!({"replicas": 12, "image": "api:1.9", "odd key": [1, null]});
        assert_eq!(
            compact(&v, BUDGET),
            r#"{image: "api:1.9", "odd key": [1, null], replicas: 12}"#
        );
    }

    #[test]
    fn long_values_are_cut_with_a_count() {
        let v = json!("x".repeat(100));
        assert!(compact(&v, 10).ends_with("… (+92 chars)"));
    }

    #[test]
    fn pretty_prints_one_escaped_line_per_member_and_cuts_long_values() {
        let v = json!({"a": "x\u{1b}]0;t\u{7}\u{202e}", "b": [1, 2, 3]});
        let lines = pretty(&v, 3);
        let all = lines.join("\n");
        assert!(
            lines[0] == "{" && !all.contains('\u{1b}') && !all.contains('\u{202e}'),
            "{all}"
        );
        assert_eq!(lines.last().map(String::as_str), Some("… (+5 more lines)"));
    }

    #[test]
    fn bidi_overrides_inside_strings_are_escaped() {
        let v = json!({"k": "a\u{202e}b"});
        assert!(!compact(&v, BUDGET).contains('\u{202e}'));
    }
}
