//! The reference vectors: RFC 8785's own samples (§3.2.2, §3.2.3, Appendix B) and the
//! RFC author's test data (cyberphone/json-canonicalization), through the value writer
//! and back through the scanner, plus the writer's own rules on numbers and names.

#![allow(clippy::unwrap_used)]

use super::*;
use serde_json::{json, Value};

fn canon(text: &str) -> String {
    let value: Value = serde_json::from_str(text).unwrap();
    String::from_utf8(canonicalize(&value)).unwrap()
}

fn scan(text: &str) -> Result<Vec<(&str, &[u8])>, CanonError> {
    scan_canonical(text.as_bytes())
}

/// The numbers of RFC 8785's sample as Rust literals, which are correctly
/// rounded. serde_json's default float parser is not: it reads
/// 333333333.33333329 one ULP low, which would test its parser, not JCS.
#[allow(clippy::excessive_precision)] // the RFC's own input digits
fn sample_numbers() -> Value {
    json!([
        333333333.33333329_f64,
        1E30,
        4.50,
        2e-3,
        0.000000000000000000000000001
    ])
}

// RFC 8785 §3.2.2, the sample input and its canonical output (the same
// data as cyberphone/json-canonicalization testdata/input/values.json).
#[test]
fn rfc8785_section_3_2_2_sample() {
    let input = r#"{
      "numbers": [],
      "string": "\u20ac$\u000F\u000aA'\u0042\u0022\u005c\\\"\/",
      "literals": [null, true, false]
    }"#;
    let mut value: Value = serde_json::from_str(input).unwrap();
    value["numbers"] = sample_numbers();
    let want = "{\"literals\":[null,true,false],\"numbers\":[333333333.3333333,1e+30,4.5,0.002,1e-27],\"string\":\"\u{20ac}$\\u000f\\nA'B\\\"\\\\\\\\\\\"/\"}";
    assert_eq!(String::from_utf8(canonicalize(&value)).unwrap(), want);
    assert!(scan(want).is_ok());
}

// RFC 8785 §3.2.3, the sorting example: keys ordered by UTF-16 code units.
#[test]
fn rfc8785_section_3_2_3_sorting_example() {
    let input = r#"{
      "\u20ac": "Euro Sign",
      "\r": "Carriage Return",
      "\ufb33": "Hebrew Letter Dalet With Dagesh",
      "1": "One",
      "\ud83d\ude00": "Emoji: Grinning Face",
      "\u0080": "Control",
      "\u00f6": "Latin Small Letter O With Diaeresis"
    }"#;
    let out = canon(input);
    let keys: Vec<&str> = scan(&out).unwrap().into_iter().map(|(k, _)| k).collect();
    assert_eq!(
        keys,
        [
            "\\r",
            "1",
            "\u{80}",
            "\u{f6}",
            "\u{20ac}",
            "\u{1f600}",
            "\u{fb33}"
        ]
    );
}

// cyberphone/json-canonicalization testdata/input/*.json → testdata/output/*.json
// (the RFC author's reference test data).
#[test]
fn cyberphone_reference_test_data() {
    let cases = [
        (
            "{\n  \"\\u20ac\": \"Euro Sign\",\n  \"1\": \"One\",\n  \"\\u0080\": \"Control\\u007f\",\n  \"\\ud83d\\ude02\": \"Smiley\",\n  \"\\u00f6\": \"Latin Small Letter O With Diaeresis\",\n  \"\\ufb33\": \"Hebrew Letter Dalet With Dagesh\",\n  \"</script>\": \"Browser Challenge\"\n}\n",
            "{\"1\":\"One\",\"</script>\":\"Browser Challenge\",\"\u{80}\":\"Control\u{7f}\",\"\u{f6}\":\"Latin Small Letter O With Diaeresis\",\"\u{20ac}\":\"Euro Sign\",\"\u{1f602}\":\"Smiley\",\"\u{fb33}\":\"Hebrew Letter Dalet With Dagesh\"}",
        ),
        (
            "{\n  \"1\": {\"f\": {\"f\": \"hi\",\"F\": 5} ,\"\\n\": 56.0},\n  \"10\": { },\n  \"\": \"empty\",\n  \"a\": { },\n  \"111\": [ { } ],\n  \"A\": { }\n}",
            "{\"\":\"empty\",\"1\":{\"\\n\":56,\"f\":{\"F\":5,\"f\":\"hi\"}},\"10\":{},\"111\":[{}],\"A\":{},\"a\":{}}",
        ),
        (
            "{\n  \"Unnormalized Unicode\":\"\\u1e0d\\u0307\"\n}\n",
            "{\"Unnormalized Unicode\":\"\u{1e0d}\u{307}\"}",
        ),
        (
            "{\n  \"peach\": \"This sorting order\",\n  \"p\u{e9}ch\u{e9}\": \"is wrong according to French\",\n  \"p\u{ea}che\": \"but canonicalization MUST\",\n  \"sin\":   \"ingnore locale\"\n}\n",
            "{\"peach\":\"This sorting order\",\"p\u{e9}ch\u{e9}\":\"is wrong according to French\",\"p\u{ea}che\":\"but canonicalization MUST\",\"sin\":\"ingnore locale\"}",
        ),
    ];
    for (input, want) in cases {
        assert_eq!(canon(input), want);
        assert!(scan(want).is_ok(), "{want}");
    }
    // values.json, with its numbers from correctly rounded literals.
    #[allow(clippy::excessive_precision)]
    let numbers = json!([1E30, 4.50, 333333333.33333329_f64, 2e-3, 1e-27]);
    let input = "{\n  \"numbers\": [],\n  \"escaping\": \"\\u20ac$\\u000F\\u000aA'\\u0042\\u0022\\u005c\\\\\\\"\\/\",\n  \"literals\": [null, true, false]\n}";
    let mut value: Value = serde_json::from_str(input).unwrap();
    value["numbers"] = numbers;
    let want = "{\"escaping\":\"\u{20ac}$\\u000f\\nA'B\\\"\\\\\\\\\\\"/\",\"literals\":[null,true,false],\"numbers\":[1e+30,4.5,333333333.3333333,0.002,1e-27]}";
    assert_eq!(String::from_utf8(canonicalize(&value)).unwrap(), want);
}

// RFC 8785 Appendix B, "Number Serialization Samples": IEEE-754 bit
// patterns and their canonical text (NaN and Infinity rows omitted: a
// serde_json Value cannot hold them).
const APPENDIX_B: [(u64, &str); 24] = [
    (0x0000000000000000, "0"),
    (0x8000000000000000, "0"),
    (0x0000000000000001, "5e-324"),
    (0x8000000000000001, "-5e-324"),
    (0x7fefffffffffffff, "1.7976931348623157e+308"),
    (0xffefffffffffffff, "-1.7976931348623157e+308"),
    (0x4340000000000000, "9007199254740992"),
    (0xc340000000000000, "-9007199254740992"),
    (0x4430000000000000, "295147905179352830000"),
    (0x44b52d02c7e14af5, "9.999999999999997e+22"),
    (0x44b52d02c7e14af6, "1e+23"),
    (0x44b52d02c7e14af7, "1.0000000000000001e+23"),
    (0x444b1ae4d6e2ef4e, "999999999999999700000"),
    (0x444b1ae4d6e2ef4f, "999999999999999900000"),
    (0x444b1ae4d6e2ef50, "1e+21"),
    (0x3eb0c6f7a0b5ed8c, "9.999999999999997e-7"),
    (0x3eb0c6f7a0b5ed8d, "0.000001"),
    (0x41b3de4355555553, "333333333.3333332"),
    (0x41b3de4355555554, "333333333.33333325"),
    (0x41b3de4355555555, "333333333.3333333"),
    (0x41b3de4355555556, "333333333.3333334"),
    (0x41b3de4355555557, "333333333.33333343"),
    (0xbecbf647612f3696, "-0.0000033333333333333333"),
    (0x43143ff3c1cb0959, "1424953923781206.2"),
];

#[test]
fn rfc8785_appendix_b_numbers_serialize_and_scan() {
    for (bits, want) in APPENDIX_B {
        let value = json!({ "n": f64::from_bits(bits) });
        let out = String::from_utf8(canonicalize(&value)).unwrap();
        assert_eq!(out, format!("{{\"n\":{want}}}"), "bits {bits:016x}");
        assert!(scan(&out).is_ok(), "{out}");
    }
}

#[test]
fn integers_are_written_as_the_double_they_round_to() {
    assert_eq!(canon(r#"{"a":1,"b":-7,"c":0}"#), r#"{"a":1,"b":-7,"c":0}"#);
    assert_eq!(
        canon(r#"{"a":9007199254740993}"#),
        r#"{"a":9007199254740992}"#
    );
    assert_eq!(
        canon(r#"{"a":18446744073709551615}"#),
        r#"{"a":18446744073709552000}"#
    );
    assert_eq!(
        canon(r#"{"a":-9223372036854775808}"#),
        r#"{"a":-9223372036854776000}"#
    );
    assert_eq!(canon(r#"{"a":1000000000000000000000}"#), r#"{"a":1e+21}"#);
    assert_eq!(
        canon(r#"{"a":-0.0,"b":1.5e-7,"c":0.1}"#),
        r#"{"a":0,"b":1.5e-7,"c":0.1}"#
    );
}

#[test]
fn strings_escape_only_what_jcs_escapes() {
    let value = json!({ "s": "\u{0}\u{1f}\u{8}\t\n\u{c}\r\"\\/\u{7f}\u{2028}é😀" });
    let out = String::from_utf8(canonicalize(&value)).unwrap();
    assert_eq!(
        out,
        "{\"s\":\"\\u0000\\u001f\\b\\t\\n\\f\\r\\\"\\\\/\u{7f}\u{2028}é😀\"}"
    );
    assert!(scan(&out).is_ok());
}

#[test]
fn astral_keys_sort_before_high_bmp_keys() {
    let value = json!({ "\u{ffff}": 1, "\u{e000}": 2, "\u{10000}": 3, "\u{d7ff}": 4, "z": 5 });
    let out = String::from_utf8(canonicalize(&value)).unwrap();
    assert_eq!(
        out,
        "{\"z\":5,\"\u{d7ff}\":4,\"\u{10000}\":3,\"\u{e000}\":2,\"\u{ffff}\":1}"
    );
    assert!(scan(&out).is_ok());
    let byte_order = "{\"\u{e000}\":2,\"\u{10000}\":3}";
    assert_eq!(scan(byte_order), Err(CanonError::UnsortedKey { offset: 9 }));
}

#[test]
fn escaped_keys_sort_by_what_they_decode_to() {
    // '"' (0x22) sorts before '#' (0x23) although its escape starts with '\' (0x5c).
    let value = json!({ "a#": 1, "a\"": 2, "a\u{1}": 3, "a\n": 4, "a": 5 });
    let out = String::from_utf8(canonicalize(&value)).unwrap();
    assert_eq!(out, r#"{"a":5,"a\u0001":3,"a\n":4,"a\"":2,"a#":1}"#);
    assert!(scan(&out).is_ok());
    assert_eq!(
        scan(r#"{"a#":1,"a\"":2}"#),
        Err(CanonError::UnsortedKey { offset: 8 })
    );
}
