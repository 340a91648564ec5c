//! The OTLP JSON encoding's own rules (OTLP/HTTP spec, "JSON Protobuf Encoding"): ids in
//! hex, though some exporters send protobuf-JSON's base64, so both are accepted by length;
//! 64-bit integers as strings or numbers; enums as numbers (names accepted too); and
//! `AnyValue` as an object with exactly one of its value keys.

use super::proto::{AnyValue, ArrayValue, KeyValueList, Value};
use base64::Engine as _;
use serde::de::{Deserializer, Error as _};
use serde::Deserialize;

/// A trace id: 32 hex digits, or base64 of 16 bytes (empty: none).
pub fn trace_id<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<u8>, D::Error> {
    id(d, 16)
}

/// A span id: 16 hex digits, or base64 of 8 bytes (empty: none).
pub fn span_id<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<u8>, D::Error> {
    id(d, 8)
}

fn id<'de, D: Deserializer<'de>>(d: D, bytes: usize) -> Result<Vec<u8>, D::Error> {
    let text = Option::<String>::deserialize(d)?.unwrap_or_default();
    parse_id(&text, bytes).map_err(D::Error::custom)
}

/// Hex when the length is twice the byte count, else base64 (standard or URL-safe,
/// padded or not). The two lengths never coincide for 8- and 16-byte ids.
pub fn parse_id(text: &str, bytes: usize) -> Result<Vec<u8>, String> {
    if text.is_empty() {
        return Ok(Vec::new());
    }
    if text.len() == 2 * bytes {
        if let Ok(v) = hex::decode(text) {
            return Ok(v);
        }
    }
    let engines = [
        base64::engine::general_purpose::STANDARD,
        base64::engine::general_purpose::URL_SAFE,
        base64::engine::general_purpose::STANDARD_NO_PAD,
        base64::engine::general_purpose::URL_SAFE_NO_PAD,
    ];
    engines
        .iter()
        .find_map(|e| e.decode(text).ok().filter(|v| v.len() == bytes))
        .ok_or_else(|| {
            format!(
                "`{}` is neither {} hex digits nor base64 of {bytes} bytes",
                clip(text),
                2 * bytes
            )
        })
}

fn clip(text: &str) -> String {
    text.chars()
        .take(40)
        .collect::<String>()
        .escape_debug()
        .to_string()
}

#[derive(Deserialize)]
#[serde(untagged)]
enum Number {
    Unsigned(u64),
    Signed(i64),
    Float(f64),
    Text(String),
}

/// A fixed64 (times in nanoseconds): a number or a decimal string.
pub fn u64_value<'de, D: Deserializer<'de>>(d: D) -> Result<u64, D::Error> {
    match Option::<Number>::deserialize(d)? {
        None => Ok(0),
        Some(Number::Unsigned(n)) => Ok(n),
        Some(Number::Text(s)) => s
            .trim()
            .parse()
            .map_err(|_| D::Error::custom(format!("`{}` is not an unsigned integer", clip(&s)))),
        Some(_) => Err(D::Error::custom("must be an unsigned integer")),
    }
}

fn i64_value<'de, D: Deserializer<'de>>(d: D) -> Result<Option<i64>, D::Error> {
    match Option::<Number>::deserialize(d)? {
        None => Ok(None),
        Some(Number::Unsigned(n)) => i64::try_from(n)
            .map(Some)
            .map_err(|_| D::Error::custom(format!("{n} does not fit a signed 64-bit integer"))),
        Some(Number::Signed(n)) => Ok(Some(n)),
        Some(Number::Text(s)) => s
            .trim()
            .parse()
            .map(Some)
            .map_err(|_| D::Error::custom(format!("`{}` is not an integer", clip(&s)))),
        Some(Number::Float(_)) => Err(D::Error::custom("must be an integer")),
    }
}

/// An enum as its number (`2`), or as its upstream name (`"SPAN_KIND_CLIENT"`, read as 0
/// when the name is not one custody needs).
pub fn enum_number<'de, D: Deserializer<'de>>(d: D) -> Result<i32, D::Error> {
    match Option::<Number>::deserialize(d)? {
        None | Some(Number::Text(_)) => Ok(0),
        Some(Number::Unsigned(n)) => i32::try_from(n).map_err(D::Error::custom),
        Some(Number::Signed(n)) => i32::try_from(n).map_err(D::Error::custom),
        Some(Number::Float(_)) => Err(D::Error::custom("must be an integer")),
    }
}

/// `Status.code`: 0, 1, 2 or `STATUS_CODE_UNSET` / `_OK` / `_ERROR`.
pub fn status_code<'de, D: Deserializer<'de>>(d: D) -> Result<i32, D::Error> {
    match Option::<Number>::deserialize(d)? {
        None => Ok(0),
        Some(Number::Text(s)) => match s.as_str() {
            "STATUS_CODE_UNSET" => Ok(0),
            "STATUS_CODE_OK" => Ok(1),
            "STATUS_CODE_ERROR" => Ok(2),
            other => Err(D::Error::custom(format!(
                "`{}` is not a status code",
                clip(other)
            ))),
        },
        Some(Number::Unsigned(n)) => i32::try_from(n).map_err(D::Error::custom),
        Some(Number::Signed(n)) => i32::try_from(n).map_err(D::Error::custom),
        Some(Number::Float(_)) => Err(D::Error::custom("must be an integer")),
    }
}

/// `AnyValue` as JSON: one key of the one-of (none: an empty value).
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AnyValueJson {
    string_value: Option<String>,
    bool_value: Option<bool>,
    #[serde(default, deserialize_with = "i64_value")]
    int_value: Option<i64>,
    double_value: Option<Number>,
    array_value: Option<ArrayValue>,
    kvlist_value: Option<KeyValueList>,
    bytes_value: Option<String>,
}

impl TryFrom<AnyValueJson> for AnyValue {
    type Error = String;

    fn try_from(j: AnyValueJson) -> Result<AnyValue, String> {
        let double = match j.double_value {
            None => None,
            Some(Number::Float(f)) => Some(f),
            Some(Number::Unsigned(n)) => Some(n as f64),
            Some(Number::Signed(n)) => Some(n as f64),
            // protobuf JSON writes the special values as strings.
            Some(Number::Text(s)) => Some(match s.as_str() {
                "NaN" => f64::NAN,
                "Infinity" => f64::INFINITY,
                "-Infinity" => f64::NEG_INFINITY,
                other => other
                    .parse()
                    .map_err(|_| format!("doubleValue `{}` is not a number", clip(other)))?,
            }),
        };
        let bytes = match j.bytes_value {
            None => None,
            Some(b) => Some(
                base64::engine::general_purpose::STANDARD
                    .decode(&b)
                    .map_err(|e| format!("bytesValue is not base64: {e}"))?,
            ),
        };
        let candidates = [
            j.string_value.map(Value::String),
            j.bool_value.map(Value::Bool),
            j.int_value.map(Value::Int),
            double.map(Value::Double),
            j.array_value.map(Value::Array),
            j.kvlist_value.map(Value::Kvlist),
            bytes.map(Value::Bytes),
        ];
        let mut set = candidates.into_iter().flatten();
        let value = set.next();
        if set.next().is_some() {
            return Err("an AnyValue carries more than one of its value keys".into());
        }
        Ok(AnyValue { value })
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_read_as_hex_or_base64_by_length() {
        let hex = "5b8efff798038103d269b633813fc60c";
        let bytes = hex::decode(hex).unwrap();
        let b64 = base64::engine::general_purpose::STANDARD.encode(&bytes);
        assert_eq!(parse_id(hex, 16).unwrap(), bytes);
        assert_eq!(parse_id(&b64, 16).unwrap(), bytes);
        assert_eq!(parse_id("eee19b7ec3c1b174", 8).unwrap().len(), 8);
        assert_eq!(parse_id("7uGbfsPBsXQ=", 8).unwrap().len(), 8);
        let err = parse_id("not-an-id", 8).unwrap_err();
        assert!(err.contains("16 hex digits"), "{err}");
        assert!(parse_id("", 16).unwrap().is_empty());
    }

    #[test]
    fn an_any_value_with_two_keys_is_refused_and_int_strings_are_read() {
        let v: AnyValue = serde_json::from_str(r#"{"intValue":"42"}"#).unwrap();
        assert_eq!(v.value, Some(Value::Int(42)));
        let err = serde_json::from_str::<AnyValue>(r#"{"intValue":1,"stringValue":"x"}"#)
            .unwrap_err()
            .to_string();
        assert!(err.contains("more than one"), "{err}");
        let empty: AnyValue = serde_json::from_str("{}").unwrap();
        assert_eq!(empty.value, None);
    }
}
