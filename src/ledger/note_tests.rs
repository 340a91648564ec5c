//! Tests of `note`.
#![allow(clippy::unwrap_used)]

use super::note::*;
use base64::engine::general_purpose::STANDARD;
use base64::Engine as _;

// Known-answer vectors from golang.org/x/mod/sumdb/note, note_test.go
// (github.com/golang/mod, sumdb/note/note_test.go: TestNewSigner, TestSign,
// TestOpen). Ed25519 is deterministic, so signing must reproduce them.
const PETER_PRIVATE: &str =
    "PRIVATE+KEY+PeterNeumann+c74f20a3+AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDFz";
const PETER_VERIFIER: &str = "PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW";
const ENOCH_VERIFIER: &str = "EnochRoot+af0cfe78+ATtqJ7zOtqQtYqOo0CpvDXNlMhV3HeJDpjrASKGLWdop";
const TEXT: &str = "If you think cryptography is the answer to your problem,\n\
                    then you don't know what your problem is.\n";
const PETER_SIG: &str = "\u{2014} PeterNeumann x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM=\n";
const ENOCH_SIG: &str = "\u{2014} EnochRoot rwz+eBzmZa0SO3NbfRGzPCpDckykFXSdeX+MNtCOXm2/5n2tiOHp+vAF1aGrQ5ovTG01oOTGwnWLox33WWd1RvMc+QQ=\n";

fn peter() -> NoteSigner {
    NoteSigner::decode_private(PETER_PRIVATE).unwrap()
}

#[test]
fn go_private_key_decodes_and_encodes_back() {
    let signer = peter();
    assert_eq!(signer.name(), "PeterNeumann");
    assert_eq!(signer.key_id(), [0xc7, 0x4f, 0x20, 0xa3]);
    assert_eq!(signer.encode_private(), PETER_PRIVATE);
    assert_eq!(signer.verifier().encode(), PETER_VERIFIER);
}

#[test]
fn signing_reproduces_the_go_signed_note() {
    assert_eq!(peter().sign(TEXT).unwrap(), format!("{TEXT}\n{PETER_SIG}"));
}

#[test]
fn open_checks_each_signature_against_known_keys() {
    let note = format!("{TEXT}\n{PETER_SIG}{ENOCH_SIG}");
    let peter_v = NoteVerifier::decode(PETER_VERIFIER).unwrap();
    let enoch_v = NoteVerifier::decode(ENOCH_VERIFIER).unwrap();

    let opened = open(&note, std::slice::from_ref(&peter_v)).unwrap();
    assert_eq!(opened.body, TEXT);
    assert_eq!(
        opened.signatures,
        [
            ("PeterNeumann".to_string(), SignatureCheck::Valid),
            ("EnochRoot".to_string(), SignatureCheck::UnknownKey),
        ]
    );

    let both = open(&note, &[enoch_v, peter_v]).unwrap();
    assert!(both
        .signatures
        .iter()
        .all(|(_, c)| *c == SignatureCheck::Valid));
}

#[test]
fn a_tampered_text_fails_its_signature() {
    let note = format!("{}\n{PETER_SIG}", TEXT.replace("answer", "Answer"));
    let opened = open(&note, &[peter().verifier()]).unwrap();
    assert_eq!(opened.signatures[0].1, SignatureCheck::BadSignature);
}

#[test]
fn a_tampered_signature_fails() {
    // Go's TestOpen "invalid signature" case: four characters spliced in.
    let sig = format!("{}ABCD{}", &PETER_SIG[..60], &PETER_SIG[60..]);
    let opened = open(&format!("{TEXT}\n{sig}"), &[peter().verifier()]).unwrap();
    assert_eq!(opened.signatures[0].1, SignatureCheck::BadSignature);

    let mut bytes = STANDARD
        .decode(PETER_SIG[4..].split_once(' ').unwrap().1.trim())
        .unwrap();
    bytes[10] ^= 1;
    let flipped = format!("\u{2014} PeterNeumann {}\n", STANDARD.encode(bytes));
    let opened = open(&format!("{TEXT}\n{flipped}"), &[peter().verifier()]).unwrap();
    assert_eq!(opened.signatures[0].1, SignatureCheck::BadSignature);
}

#[test]
fn a_signature_by_an_unknown_key_is_reported_as_unknown() {
    let stranger = NoteSigner::from_seed("PeterNeumann", [7; 32]).unwrap();
    let note = stranger.sign(TEXT).unwrap();
    let opened = open(&note, &[peter().verifier()]).unwrap();
    assert_eq!(opened.signatures[0].1, SignatureCheck::UnknownKey);
}

#[test]
fn malformed_notes_are_rejected() {
    // Go's TestOpen "invalid encoded message syntax" cases, plus the cap.
    let bad = [
        TEXT.to_string(),
        format!("{TEXT}\n"),
        format!("{TEXT}\n{}", &PETER_SIG[..PETER_SIG.len() - 1]),
        format!("\x01{TEXT}\n{PETER_SIG}"),
        format!("{TEXT}\n\u{2014} Bad Name x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM="),
        format!("{TEXT}\n{PETER_SIG}Unexpected line.\n"),
        format!("{TEXT}\n{}", PETER_SIG.repeat(101)),
        format!("{TEXT}\n\u{2014} PeterNeumann xw==\n"),
    ];
    for note in bad {
        let result = open(&note, &[peter().verifier()]);
        assert!(
            matches!(result, Err(NoteError::Malformed { .. })),
            "{note:?}"
        );
    }
}

#[test]
fn any_mangling_of_a_key_is_refused() {
    // Go's TestNewVerifier / TestNewSigner: every proper substring and every
    // single-byte increment must fail to decode.
    fn mangled(key: &str) -> Vec<String> {
        let b = key.as_bytes();
        let mut out = Vec::new();
        for i in 0..=b.len() {
            for j in i + 1..=b.len() {
                if i != 0 || j != b.len() {
                    out.push(String::from_utf8_lossy(&b[i..j]).into_owned());
                }
            }
        }
        for i in 0..b.len() {
            let mut m = b.to_vec();
            m[i] = m[i].wrapping_add(1);
            out.push(String::from_utf8_lossy(&m).into_owned());
        }
        out
    }
    for m in mangled(PETER_VERIFIER) {
        assert!(NoteVerifier::decode(&m).is_err(), "{m}");
    }
    for m in mangled(PETER_PRIVATE) {
        assert!(NoteSigner::decode_private(&m).is_err(), "{m}");
    }
    // Wrong key length / unknown algorithm, each with an adjusted key id.
    for k in [
        "PeterNeumann+cc469956+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TWBADKEY==",
        "PeterNeumann+173116ae+ZRpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW",
    ] {
        assert!(NoteVerifier::decode(k).is_err(), "{k}");
    }
}

#[test]
fn generated_keys_round_trip_through_their_encodings() {
    let signer = NoteSigner::generate("custody.example/ledger").unwrap();
    let again = NoteSigner::decode_private(&signer.encode_private()).unwrap();
    assert_eq!(again.verifier(), signer.verifier());
    let verifier = NoteVerifier::decode(&signer.verifier().encode()).unwrap();
    assert_eq!(verifier, signer.verifier());
    let note = again
        .sign("custody.example/ledger\n0\n47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=\n")
        .unwrap();
    assert_eq!(
        open(&note, &[verifier]).unwrap().signatures[0].1,
        SignatureCheck::Valid
    );
}

#[test]
fn names_with_plus_or_space_or_nothing_are_refused() {
    for name in ["", "a+b", "a b", "a\tb", "a\u{a0}b", "a\u{2003}b"] {
        assert!(matches!(
            NoteSigner::from_seed(name, [1; 32]),
            Err(NoteError::InvalidName { .. })
        ));
    }
}

#[test]
fn texts_that_cannot_form_a_note_are_not_signed() {
    for text in ["", "no newline", "tab\there\n"] {
        assert!(peter().sign(text).is_err(), "{text:?}");
    }
}

#[test]
fn texts_with_blank_lines_survive_sign_and_open() {
    let text = "first\n\nsecond\n\n";
    let note = peter().sign(text).unwrap();
    let opened = open(&note, &[peter().verifier()]).unwrap();
    assert_eq!(opened.body, text);
    assert_eq!(opened.signatures[0].1, SignatureCheck::Valid);
}

#[test]
fn debug_output_never_shows_the_seed() {
    let shown = format!("{:?}", peter());
    assert!(shown.contains("PeterNeumann") && !shown.contains("AYEKFALV"));
    let err = NoteSigner::decode_private(&PETER_PRIVATE.replace("c74f", "c74e")).unwrap_err();
    assert!(!err.to_string().contains("AYEKFALV"));
}

#[test]
fn anchor_file_splits_into_its_notes() {
    let a = peter().sign("log\n1\nAAAA\n").unwrap();
    let b = format!("{TEXT}\n{PETER_SIG}{ENOCH_SIG}");
    let c = peter().sign("with\n\nblank line\n").unwrap();
    let file = format!("{a}{b}\n\n{c}");
    assert_eq!(split_notes(&file), [a.as_str(), b.as_str(), c.as_str()]);
    assert!(split_notes("").is_empty());
    assert!(split_notes("\n\n").is_empty());
    // A torn final write stays visible as its own (malformed) piece.
    let torn = format!("{a}log\n2\n");
    assert_eq!(split_notes(&torn), [a.as_str(), "log\n2\n"]);
}
