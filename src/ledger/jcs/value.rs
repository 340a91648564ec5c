//! RFC 8785 bytes of a `serde_json::Value`: the reference route. The sealer writes
//! records without building a `Value` (see `stream.rs`); this route serves everything
//! that already holds one (re-canonicalising a damaged row on export, tests that
//! define the expected bytes).

use super::number::{write_double, write_integer};
use super::text::{key_order, write_string};
use serde_json::{Map, Number, Value};
use std::cmp::Ordering;

/// The RFC 8785 bytes of `value`.
pub fn canonicalize(value: &Value) -> Vec<u8> {
    let mut out = Vec::with_capacity(512);
    write_canonical(value, &mut out);
    out
}

/// Appends the RFC 8785 bytes of `value` to `out`.
pub fn write_canonical(value: &Value, out: &mut Vec<u8>) {
    match value {
        Value::Null => out.extend_from_slice(b"null"),
        Value::Bool(true) => out.extend_from_slice(b"true"),
        Value::Bool(false) => out.extend_from_slice(b"false"),
        Value::Number(n) => write_number(n, out),
        Value::String(s) => write_string(s, out),
        Value::Array(items) => {
            out.push(b'[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(b',');
                }
                write_canonical(item, out);
            }
            out.push(b']');
        }
        Value::Object(map) => write_object(map, out),
    }
}

fn write_object(map: &Map<String, Value>, out: &mut Vec<u8>) {
    out.push(b'{');
    // Without `preserve_order` the map iterates in code-point order, which is
    // UTF-16 order unless astral and U+E000..U+FFFF keys meet; a feature turned
    // on elsewhere in the build could also make it insertion order. Sort only
    // when the map is not already in the right order.
    let sorted = map
        .keys()
        .zip(map.keys().skip(1))
        .all(|(a, b)| key_order(a.as_bytes(), b.as_bytes()) == Ordering::Less);
    if sorted {
        write_members(map.iter(), out);
    } else {
        let mut members: Vec<(&String, &Value)> = map.iter().collect();
        members.sort_unstable_by(|a, b| key_order(a.0.as_bytes(), b.0.as_bytes()));
        write_members(members.into_iter(), out);
    }
    out.push(b'}');
}

fn write_members<'a>(members: impl Iterator<Item = (&'a String, &'a Value)>, out: &mut Vec<u8>) {
    for (i, (key, value)) in members.enumerate() {
        if i > 0 {
            out.push(b',');
        }
        write_string(key, out);
        out.push(b':');
        write_canonical(value, out);
    }
}

/// JCS treats every number as an IEEE-754 double, so integers beyond 2^53 are
/// written as the double they round to, exactly as a JavaScript peer would.
fn write_number(n: &Number, out: &mut Vec<u8>) {
    if let Some(i) = n.as_i64() {
        write_integer(i128::from(i), out);
    } else if let Some(u) = n.as_u64() {
        write_integer(i128::from(u), out);
    } else {
        match n.as_f64() {
            Some(f) if f.is_finite() => write_double(f, out),
            // Unreachable in this build: serde_json without `arbitrary_precision`
            // holds only finite doubles and 64-bit integers. Writing the number's own
            // text keeps this total.
            _ => out.extend_from_slice(n.to_string().as_bytes()),
        }
    }
}
