//! Numbers are sealed exactly as sent, or not at all. RFC 8785 writes every number as
//! an IEEE-754 double, so a literal a double cannot hold (`9007199254740993`, a 30-digit
//! integer, `1e-400`) would be sealed as a different number without a word. Ingest
//! refuses such a line instead, naming the field and suggesting a string.
//!
//! The check reads the raw line, where the producer's literal is still visible: once
//! serde has parsed it, the digits a double dropped are gone. It runs only on lines
//! that already parsed as an event, costs one pass that skips string contents a word
//! at a time, and parses no number a double holds by construction (see
//! `ledger::jcs::exact_literal`). The field path is worked out only for a refused line.

use crate::event::{parse_line, Event, LineError};
use crate::ledger::jcs::{exact_literal, ordinary_run};

/// Literals longer than this are shortened in the reject message.
const SHOWN_DIGITS: usize = 40;

/// [`parse_line`], then the exactness check on every number in the line.
pub(super) fn parse_exact(line: &[u8]) -> Result<Event, LineError> {
    let event = parse_line(line)?;
    check_numbers(line)?;
    Ok(event)
}

/// Refuses the first number literal in `line` (valid JSON) that would not be sealed as
/// the same number.
pub(super) fn check_numbers(line: &[u8]) -> Result<(), LineError> {
    let mut at = 0;
    while let Some(&b) = line.get(at) {
        match b {
            b'"' => at = string_end(line, at),
            b'-' | b'0'..=b'9' => {
                let end = number_end(line, at);
                let literal = std::str::from_utf8(&line[at..end]).unwrap_or_default();
                if let Err(why) = exact_literal(literal) {
                    let shown = if literal.len() > SHOWN_DIGITS {
                        format!("{}…", &literal[..SHOWN_DIGITS])
                    } else {
                        literal.to_string()
                    };
                    return Err(LineError {
                        field: Some(path_at(line, at)),
                        reason: format!(
                            "the number {shown} {why}; RFC 8785 numbers are IEEE-754 doubles, \
                             so send a value like this as a string (\"{shown}\") to keep it exactly"
                        ),
                    });
                }
                at = end;
            }
            _ => at += 1,
        }
    }
    Ok(())
}

/// The index just past the string whose opening quote is at `open`.
fn string_end(line: &[u8], open: usize) -> usize {
    let mut at = open + 1;
    loop {
        at += ordinary_run(&line[at.min(line.len())..]);
        match line.get(at) {
            Some(b'"') => return at + 1,
            Some(b'\\') => at += 2,
            Some(_) => at += 1,
            None => return line.len(),
        }
    }
}

fn number_end(line: &[u8], start: usize) -> usize {
    start
        + line[start..]
            .iter()
            .take_while(|&&c| matches!(c, b'0'..=b'9' | b'-' | b'+' | b'.' | b'e' | b'E'))
            .count()
}

/// One step of the path to a value.
enum Step {
    /// Inside an object: the member name, once read.
    Member(Option<String>),
    /// Inside an array: the element index.
    Element(usize),
}

/// The field path (`model.params.seed`, `action.after[2].n`) of the value starting at
/// byte `target`. Walks the line again, tracking where it is; only run for a reject.
fn path_at(line: &[u8], target: usize) -> String {
    let mut steps: Vec<Step> = Vec::new();
    let mut at = 0;
    while at < target.min(line.len()) {
        match line[at] {
            b'{' => steps.push(Step::Member(None)),
            b'[' => steps.push(Step::Element(0)),
            b'}' | b']' => {
                steps.pop();
            }
            b',' => match steps.last_mut() {
                Some(Step::Element(i)) => *i += 1,
                Some(Step::Member(name)) => *name = None,
                None => {}
            },
            b'"' => {
                let end = string_end(line, at);
                if let Some(Step::Member(name @ None)) = steps.last_mut() {
                    let raw = &line[at..end];
                    *name = Some(
                        serde_json::from_slice::<String>(raw)
                            .unwrap_or_else(|_| String::from_utf8_lossy(raw).into_owned()),
                    );
                }
                at = end;
                continue;
            }
            _ => {}
        }
        at += 1;
    }
    let mut path = String::new();
    for step in &steps {
        match step {
            Step::Member(Some(name)) => {
                if !path.is_empty() {
                    path.push('.');
                }
                path.push_str(name);
            }
            Step::Member(None) => {}
            Step::Element(i) => path.push_str(&format!("[{i}]")),
        }
    }
    path
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn event_with(fields: &str) -> String {
        format!(r#"{{"event_id":"e1","time":"2026-11-23T01:00:00Z","kind":"ai.action",{fields}}}"#)
    }

    fn refused(fields: &str) -> LineError {
        parse_exact(event_with(fields).as_bytes()).unwrap_err()
    }

    #[test]
    fn an_integer_past_two_to_the_53_is_refused_naming_the_field_and_the_stored_value() {
        let e = refused(r#""model":{"name":"m","params":{"seed":9007199254740993}}"#);
        assert_eq!(e.field.as_deref(), Some("model.params.seed"));
        assert!(e.reason.contains("9007199254740992"), "{}", e.reason);
        assert!(e.reason.contains("as a string"), "{}", e.reason);
    }

    #[test]
    fn a_thirty_digit_integer_inside_an_array_is_refused_with_its_index() {
        let e = refused(
            r#""action":{"type":"t","after":[1,{"a":"x,\"]}","n":123456789012345678901234567890}]}"#,
        );
        assert_eq!(e.field.as_deref(), Some("action.after[1].n"));
        assert!(e.reason.contains("1.2345678901234568e+29"), "{}", e.reason);
    }

    #[test]
    fn a_non_zero_number_that_underflows_is_refused() {
        let e = refused(r#""risk_score":1e-400"#);
        assert_eq!(e.field.as_deref(), Some("risk_score"));
        assert!(e.reason.contains("stored as 0"), "{}", e.reason);
    }

    #[test]
    fn numbers_inside_strings_and_exact_numbers_are_left_alone() {
        let line = event_with(
            r#""risk_score":0.25,"model":{"name":"9007199254740993","params":{"t":1.0,"big":1e21,"neg":-7,"z":0e-400}}"#,
        );
        assert!(parse_exact(line.as_bytes()).is_ok());
    }

    #[test]
    fn a_line_that_is_not_an_event_keeps_its_own_reject() {
        let e = parse_exact(br#"{"event_id":"e1","seq":9007199254740993}"#).unwrap_err();
        assert!(!e.reason.contains("IEEE-754"), "{e}");
    }
}
