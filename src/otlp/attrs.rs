//! OTLP attribute values as JSON, bounded: a string or bytes value past
//! `MAX_VALUE_BYTES` is kept as `{"truncated_value": {bytes, sha256, head}}` (its size,
//! its SHA-256 and its first KiB), so one huge attribute cannot make an event
//! unsealable while what it was stays provable. Integers past 2^53 (which JSON numbers
//! cannot carry exactly) and non-finite doubles become strings.

use super::proto::{AnyValue, KeyValue, Value};
use super::MAX_VALUE_BYTES;
use base64::Engine as _;
use serde_json::{json, Map, Value as Json};
use sha2::{Digest, Sha256};

/// The largest integer a JSON number holds exactly (RFC 8785 numbers are doubles).
const MAX_SAFE_INT: i64 = (1 << 53) - 1;

/// How many characters of an oversized value are kept.
const HEAD_CHARS: usize = 1024;

/// Converts attribute values, counting the ones that were too large to keep whole.
#[derive(Debug, Default)]
pub struct Converter {
    pub truncated: usize,
}

impl Converter {
    /// `key → value` (a repeated key keeps its last value, as OTLP readers do).
    pub fn map(&mut self, kvs: &[KeyValue]) -> Map<String, Json> {
        kvs.iter()
            .map(|kv| (kv.key.clone(), self.value(kv.value.as_ref())))
            .collect()
    }

    pub fn value(&mut self, v: Option<&AnyValue>) -> Json {
        match v.and_then(|v| v.value.as_ref()) {
            None => Json::Null,
            Some(Value::String(s)) => self.text(s),
            Some(Value::Bool(b)) => Json::Bool(*b),
            Some(Value::Int(i)) if (-MAX_SAFE_INT..=MAX_SAFE_INT).contains(i) => json!(i),
            Some(Value::Int(i)) => Json::String(i.to_string()),
            Some(Value::Double(d)) => serde_json::Number::from_f64(*d)
                .map(Json::Number)
                .unwrap_or_else(|| Json::String(d.to_string())),
            Some(Value::Array(a)) => {
                Json::Array(a.values.iter().map(|v| self.value(Some(v))).collect())
            }
            Some(Value::Kvlist(l)) => Json::Object(self.map(&l.values)),
            Some(Value::Bytes(b)) => {
                self.text(&base64::engine::general_purpose::STANDARD.encode(b))
            }
        }
    }

    /// A string, or its stand-in when it is too large.
    pub fn text(&mut self, s: &str) -> Json {
        if s.len() <= MAX_VALUE_BYTES {
            return Json::String(s.to_string());
        }
        self.truncated += 1;
        json!({"truncated_value": {
            "bytes": s.len(),
            "sha256": hex::encode(Sha256::digest(s.as_bytes())),
            "head": s.chars().take(HEAD_CHARS).collect::<String>(),
        }})
    }
}

/// Removes `key` and returns it as text (a number or bool is written out); a value of
/// another shape stays where it is, unmapped.
pub fn take_str(map: &mut Map<String, Json>, key: &str) -> Option<String> {
    let text = match map.get(key)? {
        Json::String(s) => s.clone(),
        Json::Number(n) => n.to_string(),
        Json::Bool(b) => b.to_string(),
        _ => return None,
    };
    map.remove(key);
    Some(text)
}

/// The first of `keys` present as text, removed (the others stay, unmapped).
pub fn take_first(map: &mut Map<String, Json>, keys: &[&str]) -> Option<String> {
    keys.iter().find_map(|k| take_str(map, k))
}

/// Removes `key` whatever its shape.
pub fn take(map: &mut Map<String, Json>, key: &str) -> Option<Json> {
    map.remove(key)
}

/// A recorded JSON document (tool arguments and results are JSON text by convention):
/// parsed when it parses, else kept as it is.
pub fn parsed(v: Json) -> Json {
    match v {
        Json::String(s) => serde_json::from_str(&s).unwrap_or(Json::String(s)),
        other => other,
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use crate::otlp::proto::{ArrayValue, KeyValue};

    fn kv(key: &str, value: Value) -> KeyValue {
        KeyValue {
            key: key.into(),
            value: Some(AnyValue { value: Some(value) }),
        }
    }

    #[test]
    fn a_huge_value_is_kept_as_its_size_hash_and_head() {
        let mut c = Converter::default();
        let big = "x".repeat(10 * 1024 * 1024);
        let map = c.map(&[
            kv("big", Value::String(big.clone())),
            kv("n", Value::Int(1 << 60)),
        ]);
        assert_eq!(c.truncated, 1);
        let t = &map["big"]["truncated_value"];
        assert_eq!(t["bytes"], big.len());
        assert_eq!(t["sha256"], hex::encode(Sha256::digest(big.as_bytes())));
        assert_eq!(t["head"].as_str().unwrap().len(), HEAD_CHARS);
        assert_eq!(map["n"], Json::String((1i64 << 60).to_string()));
    }

    #[test]
    fn arrays_and_lists_nest_and_taking_leaves_the_rest() {
        let mut c = Converter::default();
        let mut map = c.map(&[
            kv(
                "a",
                Value::Array(ArrayValue {
                    values: vec![AnyValue {
                        value: Some(Value::Bool(true)),
                    }],
                }),
            ),
            kv("gen_ai.system", Value::String("openai".into())),
            kv("d", Value::Double(f64::NAN)),
        ]);
        assert_eq!(map["a"], json!([true]));
        assert_eq!(map["d"], json!("NaN"));
        assert_eq!(
            take_first(&mut map, &["gen_ai.provider.name", "gen_ai.system"]).as_deref(),
            Some("openai")
        );
        assert!(!map.contains_key("gen_ai.system"));
        assert_eq!(take_str(&mut map, "a"), None);
        assert!(map.contains_key("a"));
        assert_eq!(parsed(json!("{\"q\":1}")), json!({"q": 1}));
        assert_eq!(parsed(json!("not json")), json!("not json"));
    }
}
