//! The scanner against what the writer writes: it accepts every canonical output,
//! and refuses, with the offset, everything JCS would have written differently.

#![allow(clippy::unwrap_used)]

use super::*;
use serde_json::{json, Value};

fn scan(text: &str) -> Result<Vec<(&str, &[u8])>, CanonError> {
    scan_canonical(text.as_bytes())
}

#[test]
fn scan_returns_top_level_members_as_raw_spans() {
    let text = r#"{"a":{"z":1,"b":[]},"b\n":"x\"y","c":-1.5,"d":null}"#;
    // The nested object is unsorted on purpose: that must be caught too.
    assert_eq!(scan(text), Err(CanonError::UnsortedKey { offset: 12 }));
    let text = r#"{"a":{"b":[],"z":1},"b\n":"x\"y","c":-1.5,"d":null}"#;
    let members = scan(text).unwrap();
    let want: [(&str, &[u8]); 4] = [
        ("a", br#"{"b":[],"z":1}"#),
        ("b\\n", br#""x\"y""#),
        ("c", b"-1.5"),
        ("d", b"null"),
    ];
    assert_eq!(members, want);
    assert_eq!(scan("{}").unwrap(), vec![]);
}

#[test]
fn canonical_output_always_scans() {
    let values = [
        json!({}),
        json!({"seq": 1, "prev_hash": "0".repeat(64), "nested": {"deep": [[[{"x": [1, 2.5, -3e-9]}]]]}}),
        json!({"ctl": "\u{0}\u{1}\u{1b}[31m", "big": 1e300, "tiny": 5e-324, "neg": -0.0}),
        json!({"\u{1f600}": {"\u{fb33}": true, "\u{10ffff}": false}, "": ""}),
    ];
    for v in values {
        let out = canonicalize(&v);
        let members = scan_canonical(&out).unwrap();
        assert_eq!(members.len(), v.as_object().unwrap().len());
    }
}

#[test]
fn scan_rejects_what_jcs_would_not_write() {
    let cases: [(&[u8], CanonError); 30] = [
        (b"{ }", CanonError::Whitespace { offset: 1 }),
        (b"{\"a\": 1}", CanonError::Whitespace { offset: 5 }),
        (b"{\"a\":1}\n", CanonError::TrailingBytes { offset: 7 }),
        (b"{\"a\":1}x", CanonError::TrailingBytes { offset: 7 }),
        (b"{\"b\":1,\"a\":2}", CanonError::UnsortedKey { offset: 7 }),
        (b"{\"a\":1,\"a\":2}", CanonError::DuplicateKey { offset: 7 }),
        (
            b"{\"a\\u0022\":1,\"a\\\"\":2}",
            CanonError::NonCanonicalEscape { offset: 3 },
        ),
        (
            b"{\"a\":\"\\u0041\"}",
            CanonError::NonCanonicalEscape { offset: 6 },
        ),
        (
            b"{\"a\":\"\\u000A\"}",
            CanonError::NonCanonicalEscape { offset: 6 },
        ),
        (
            b"{\"a\":\"\\u000a\"}",
            CanonError::NonCanonicalEscape { offset: 6 },
        ),
        (
            b"{\"a\":\"\\u001F\"}",
            CanonError::NonCanonicalEscape { offset: 6 },
        ),
        (
            b"{\"a\":\"\\u00e9\"}",
            CanonError::NonCanonicalEscape { offset: 6 },
        ),
        (
            b"{\"a\":\"\\/\"}",
            CanonError::NonCanonicalEscape { offset: 6 },
        ),
        (b"{\"a\":\"\\x\"}", CanonError::InvalidEscape { offset: 6 }),
        (
            b"{\"a\":\"\\u00zz\"}",
            CanonError::InvalidEscape { offset: 6 },
        ),
        (
            b"{\"a\":\"\x01\"}",
            CanonError::ControlCharacter { offset: 6 },
        ),
        (b"{\"a\":1.0}", CanonError::NonCanonicalNumber { offset: 5 }),
        (b"{\"a\":1E2}", CanonError::NonCanonicalNumber { offset: 5 }),
        (b"{\"a\":1e2}", CanonError::NonCanonicalNumber { offset: 5 }),
        (b"{\"a\":-0}", CanonError::NonCanonicalNumber { offset: 5 }),
        (
            b"{\"a\":1e21}",
            CanonError::NonCanonicalNumber { offset: 5 },
        ),
        (
            b"{\"a\":9007199254740993}",
            CanonError::NonCanonicalNumber { offset: 5 },
        ),
        (
            b"{\"a\":1e400}",
            CanonError::NonCanonicalNumber { offset: 5 },
        ),
        (b"{\"a\":01}", CanonError::InvalidNumber { offset: 5 }),
        (b"{\"a\":1.}", CanonError::InvalidNumber { offset: 7 }),
        (
            b"{\"a\":+1}",
            CanonError::UnexpectedByte {
                offset: 5,
                found: b'+',
                expected: "a value",
            },
        ),
        (b"{\"a\":\"\xff\"}", CanonError::InvalidUtf8 { offset: 6 }),
        (
            b"[1]",
            CanonError::UnexpectedByte {
                offset: 0,
                found: b'[',
                expected: "'{'",
            },
        ),
        (
            b"{\"a\":1,}",
            CanonError::UnexpectedByte {
                offset: 7,
                found: b'}',
                expected: "a member name",
            },
        ),
        (
            b"{\"a\":tru}",
            CanonError::UnexpectedByte {
                offset: 5,
                found: b't',
                expected: "true, false or null",
            },
        ),
    ];
    for (input, want) in cases {
        assert_eq!(
            scan_canonical(input),
            Err(want),
            "{}",
            String::from_utf8_lossy(input)
        );
    }
}

#[test]
fn scan_rejects_truncation_anywhere() {
    let full = canonicalize(&json!({"a": [1, {"b": "c\n"}], "d": 2.5, "e": true}));
    for len in 0..full.len() {
        let err = scan_canonical(&full[..len]).unwrap_err();
        assert!(
            matches!(err, CanonError::UnexpectedEnd { .. }),
            "{len}: {err}"
        );
    }
}

#[test]
fn scan_refuses_nesting_beyond_the_limit() {
    let ok = format!(
        "{{\"a\":{}1{}}}",
        "[".repeat(MAX_DEPTH - 1),
        "]".repeat(MAX_DEPTH - 1)
    );
    assert!(scan(&ok).is_ok());
    let deep = format!(
        "{{\"a\":{}1{}}}",
        "[".repeat(MAX_DEPTH),
        "]".repeat(MAX_DEPTH)
    );
    assert!(matches!(scan(&deep), Err(CanonError::TooDeep { .. })));
}

/// Flips bytes of canonical records and checks the scanner agrees with
/// "parse, canonicalize, compare": it accepts exactly the canonical ones.
#[test]
fn scan_agrees_with_canonicalize_on_mutated_input() {
    let base = canonicalize(&json!({
        "a": [0.5, -12, "x\u{1}y", {"k": null, "l": false}],
        "b\u{e000}": "\u{10000}",
        "c": 1e-7,
        "d": {"": 100, "e": "\\\"/"},
    }));
    let alphabet = b"{}[]:,\"\\ 0123456789.eE+-abnlrtufs\x01\xff\xee\x80";
    let mut seed: u64 = 0x9e3779b97f4a7c15;
    let mut next = || {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        seed
    };
    for _ in 0..20_000 {
        let mut bytes = base.clone();
        for _ in 0..1 + next() % 2 {
            let at = (next() % bytes.len() as u64) as usize;
            bytes[at] = alphabet[(next() % alphabet.len() as u64) as usize];
        }
        let reference = serde_json::from_slice::<Value>(&bytes)
            .ok()
            .filter(Value::is_object)
            .is_some_and(|v| canonicalize(&v) == bytes);
        assert_eq!(
            scan_canonical(&bytes).is_ok(),
            reference,
            "{}",
            String::from_utf8_lossy(&bytes)
        );
    }
}

/// The short-decimal shortcut accepts exactly what re-printing with ryu-js would:
/// every spelling of up to 17 digits around the decimal point, with and without
/// trailing and leading zeros.
#[test]
fn short_decimals_are_accepted_exactly_when_ryu_prints_them() {
    let mut seed: u64 = 0x2545f4914f6cdd1d;
    let mut next = || {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        seed
    };
    for _ in 0..200_000 {
        let int_len = (next() % 9) as usize;
        let frac_len = 1 + (next() % 17) as usize;
        let digit = |r: u64| char::from(b'0' + (r % 10) as u8);
        let mut text: String = (0..int_len).map(|_| digit(next())).collect();
        let text_int = text.trim_start_matches('0').to_string();
        text = if text_int.is_empty() {
            "0".into()
        } else {
            text_int
        };
        text.push('.');
        let zeros = (next() % 8) as usize;
        for i in 0..frac_len {
            text.push(if i < zeros { '0' } else { digit(next()) });
        }
        let doc = format!("{{\"n\":{text}}}");
        let reference = text
            .parse::<f64>()
            .map(|f| ryu_js::Buffer::new().format_finite(f) == text)
            .unwrap_or(false);
        assert_eq!(scan(&doc).is_ok(), reference, "{text}");
    }
}
