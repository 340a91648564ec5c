//! C2SP signed notes (c2sp.org/signed-note) with Ed25519 keys: the envelope a
//! checkpoint travels in. It owns the key text formats (`PRIVATE+KEY+…` and the
//! `name+keyid+key` verifier key), signing, splitting a note into text and
//! signature lines, and checking each line against known keys.
//!
//! It never decides what a note means (that is `checkpoint` and the verifier),
//! never reads files (that is `config::keyfile`), and never lets a secret seed reach an
//! error message or `Debug` output.

use base64::engine::general_purpose::STANDARD;
use base64::Engine as _;
use ed25519_dalek::{Signature, Signer as _, SigningKey, VerifyingKey};
use rand::RngCore as _;
use sha2::{Digest, Sha256};
use std::fmt;
use thiserror::Error;

/// Signature type byte for Ed25519 in key encodings and key ids.
const ALG_ED25519: u8 = 0x01;
/// Every signature line starts with an em dash (U+2014) and a space.
const SIGNATURE_PREFIX: &str = "\u{2014} ";
/// The spec asks verifiers to cap the signature count; Go's note package uses 100.
const MAX_SIGNATURES: usize = 100;
const PRIVATE_PREFIX: &str = "PRIVATE+KEY+";

#[derive(Debug, Error, Clone, PartialEq, Eq)]
pub enum NoteError {
    #[error("key name {name:?} is not allowed: {reason}")]
    InvalidName { name: String, reason: &'static str },
    /// Deliberately carries no key text: for a private key that would be the secret.
    #[error("{kind} key is malformed: {reason}")]
    MalformedKey {
        kind: &'static str,
        reason: &'static str,
    },
    #[error("key id {found} in the {kind} key for {name:?} does not match its key (expected {expected})")]
    KeyIdMismatch {
        kind: &'static str,
        name: String,
        expected: String,
        found: String,
    },
    #[error("cannot sign this text: {reason}")]
    UnsignableText { reason: &'static str },
    #[error("malformed signed note: {reason}")]
    Malformed { reason: &'static str },
    #[error("the operating system's random number generator failed: {0}")]
    Randomness(String),
}

/// A named Ed25519 signing key.
#[derive(Clone)]
pub struct NoteSigner {
    name: String,
    key_id: [u8; 4],
    key: SigningKey,
}

/// A named Ed25519 public key with its key id, as a third party holds it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NoteVerifier {
    name: String,
    key_id: [u8; 4],
    key: VerifyingKey,
}

/// What one signature line of a note turned out to be.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SignatureCheck {
    /// Name and key id match a known key, and the signature verifies.
    Valid,
    /// Name and key id match a known key, and the signature does not verify.
    BadSignature,
    /// No known key has this name and key id; the spec says to ignore it.
    UnknownKey,
}

/// A note split into its text and its signature lines, each checked.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OpenedNote {
    /// The signed text, including its final newline.
    pub body: String,
    /// One entry per signature line, in order: the key name and the verdict.
    pub signatures: Vec<(String, SignatureCheck)>,
}

/// The spec's recommended key id: SHA-256(name ‖ 0x0A ‖ 0x01 ‖ public key)[:4].
fn key_id(name: &str, public_key: &[u8; 32]) -> [u8; 4] {
    let digest = Sha256::new()
        .chain_update(name.as_bytes())
        .chain_update([b'\n', ALG_ED25519])
        .chain_update(public_key)
        .finalize();
    [digest[0], digest[1], digest[2], digest[3]]
}

/// Names must be non-empty with no Unicode space and no '+', which would
/// break the `+`-separated key encodings and the space-separated signature line.
fn validate_name(name: &str) -> Result<(), NoteError> {
    let reason = if name.is_empty() {
        "it is empty"
    } else if name.contains('+') {
        "it contains '+'"
    } else if name.chars().any(char::is_whitespace) {
        "it contains white space"
    } else {
        return Ok(());
    };
    Err(NoteError::InvalidName {
        name: name.to_string(),
        reason,
    })
}

fn parse_key_id(text: &str, kind: &'static str) -> Result<[u8; 4], NoteError> {
    let mut id = [0u8; 4];
    if text.len() != 8 || hex::decode_to_slice(text, &mut id).is_err() {
        return Err(NoteError::MalformedKey {
            kind,
            reason: "key id is not 8 hex digits",
        });
    }
    Ok(id)
}

/// Decodes base64(0x01 ‖ 32 key bytes).
fn parse_key_bytes(text: &str, kind: &'static str) -> Result<[u8; 32], NoteError> {
    let malformed = |reason| NoteError::MalformedKey { kind, reason };
    let bytes = STANDARD
        .decode(text)
        .map_err(|_| malformed("key is not standard base64"))?;
    match bytes.split_first() {
        Some((&ALG_ED25519, rest)) => rest
            .try_into()
            .map_err(|_| malformed("Ed25519 key is not 32 bytes")),
        Some(_) => Err(malformed("key type is not Ed25519 (0x01)")),
        None => Err(malformed("key is empty")),
    }
}

fn check_key_id(
    kind: &'static str,
    name: &str,
    found: [u8; 4],
    expected: [u8; 4],
) -> Result<(), NoteError> {
    if found == expected {
        Ok(())
    } else {
        Err(NoteError::KeyIdMismatch {
            kind,
            name: name.to_string(),
            expected: hex::encode(expected),
            found: hex::encode(found),
        })
    }
}

impl NoteSigner {
    /// A fresh key from the operating system's random number generator.
    pub fn generate(name: &str) -> Result<Self, NoteError> {
        validate_name(name)?;
        let mut seed = [0u8; 32];
        rand::rngs::OsRng
            .try_fill_bytes(&mut seed)
            .map_err(|e| NoteError::Randomness(e.to_string()))?;
        Self::from_seed(name, seed)
    }

    /// A key from a known 32-byte Ed25519 seed (tests and fixtures).
    pub fn from_seed(name: &str, seed: [u8; 32]) -> Result<Self, NoteError> {
        validate_name(name)?;
        let key = SigningKey::from_bytes(&seed);
        Ok(Self {
            name: name.to_string(),
            key_id: key_id(name, key.verifying_key().as_bytes()),
            key,
        })
    }

    /// `PRIVATE+KEY+<name>+<hex key id>+<base64(0x01 ‖ seed)>`, the format of
    /// Go's golang.org/x/mod/sumdb/note, so keys move between tools.
    pub fn encode_private(&self) -> String {
        let mut payload = [0u8; 33];
        payload[0] = ALG_ED25519;
        payload[1..].copy_from_slice(self.key.as_bytes());
        format!(
            "{PRIVATE_PREFIX}{}+{}+{}",
            self.name,
            hex::encode(self.key_id),
            STANDARD.encode(payload)
        )
    }

    pub fn decode_private(s: &str) -> Result<Self, NoteError> {
        const KIND: &str = "private";
        let malformed = |reason| NoteError::MalformedKey { kind: KIND, reason };
        let rest = s
            .strip_prefix(PRIVATE_PREFIX)
            .ok_or_else(|| malformed("it does not start with PRIVATE+KEY+"))?;
        // The base64 key may itself contain '+', so it is everything after the id.
        let mut parts = rest.splitn(3, '+');
        let (Some(name), Some(id), Some(key)) = (parts.next(), parts.next(), parts.next()) else {
            return Err(malformed("expected PRIVATE+KEY+name+keyid+key"));
        };
        validate_name(name)?;
        let id = parse_key_id(id, KIND)?;
        let seed = parse_key_bytes(key, KIND)?;
        let signer = Self::from_seed(name, seed)?;
        check_key_id(KIND, name, id, signer.key_id)?;
        Ok(signer)
    }

    pub fn name(&self) -> &str {
        &self.name
    }

    pub fn key_id(&self) -> [u8; 4] {
        self.key_id
    }

    pub fn verifier(&self) -> NoteVerifier {
        NoteVerifier {
            name: self.name.clone(),
            key_id: self.key_id,
            key: self.key.verifying_key(),
        }
    }

    /// Signs `body` and returns the whole signed note: the body, a blank line,
    /// and one signature line. The body must end with a newline and may hold
    /// no ASCII control character but newline, as the spec requires of notes.
    pub fn sign(&self, body: &str) -> Result<String, NoteError> {
        if !body.ends_with('\n') {
            return Err(NoteError::UnsignableText {
                reason: "text does not end with a newline",
            });
        }
        if body.bytes().any(|b| b < 0x20 && b != b'\n') {
            return Err(NoteError::UnsignableText {
                reason: "text contains a control character other than newline",
            });
        }
        let signature = self.key.sign(body.as_bytes());
        let mut payload = [0u8; 4 + Signature::BYTE_SIZE];
        payload[..4].copy_from_slice(&self.key_id);
        payload[4..].copy_from_slice(&signature.to_bytes());
        Ok(format!(
            "{body}\n{SIGNATURE_PREFIX}{} {}\n",
            self.name,
            STANDARD.encode(payload)
        ))
    }
}

impl fmt::Debug for NoteSigner {
    // Hand-written so the seed can never end up in a log line.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("NoteSigner")
            .field("name", &self.name)
            .field("key_id", &hex::encode(self.key_id))
            .finish_non_exhaustive()
    }
}

impl NoteVerifier {
    /// `<name>+<hex key id>+<base64(0x01 ‖ public key)>`.
    pub fn encode(&self) -> String {
        let mut payload = [0u8; 33];
        payload[0] = ALG_ED25519;
        payload[1..].copy_from_slice(self.key.as_bytes());
        format!(
            "{}+{}+{}",
            self.name,
            hex::encode(self.key_id),
            STANDARD.encode(payload)
        )
    }

    pub fn decode(s: &str) -> Result<Self, NoteError> {
        const KIND: &str = "verifier";
        let malformed = |reason| NoteError::MalformedKey { kind: KIND, reason };
        let mut parts = s.splitn(3, '+');
        let (Some(name), Some(id), Some(key)) = (parts.next(), parts.next(), parts.next()) else {
            return Err(malformed("expected name+keyid+key"));
        };
        validate_name(name)?;
        let id = parse_key_id(id, KIND)?;
        let bytes = parse_key_bytes(key, KIND)?;
        let key = VerifyingKey::from_bytes(&bytes)
            .map_err(|_| malformed("not a valid Ed25519 public key"))?;
        check_key_id(KIND, name, id, key_id(name, &bytes))?;
        Ok(Self {
            name: name.to_string(),
            key_id: id,
            key,
        })
    }

    pub fn name(&self) -> &str {
        &self.name
    }

    pub fn key_id(&self) -> [u8; 4] {
        self.key_id
    }

    /// Strict RFC 8032 verification: also refuses non-canonical encodings and
    /// small-order keys, which an honest signer never produces.
    fn verifies(&self, text: &[u8], signature: &[u8]) -> bool {
        Signature::from_slice(signature)
            .map(|sig| self.key.verify_strict(text, &sig).is_ok())
            .unwrap_or(false)
    }
}

/// Splits a signed note into its text and signature lines and checks each
/// line against `verifiers` (matched by name and key id). Syntax errors are
/// errors; signature verdicts are data, so a caller can report each one.
pub fn open(note: &str, verifiers: &[NoteVerifier]) -> Result<OpenedNote, NoteError> {
    let malformed = |reason| NoteError::Malformed { reason };
    if note.bytes().any(|b| b < 0x20 && b != b'\n') {
        return Err(malformed("contains a control character other than newline"));
    }
    // Signature lines are never empty, so the last blank line is the separator.
    let split = note
        .rfind("\n\n")
        .ok_or_else(|| malformed("no blank line before the signatures"))?;
    let (body, signatures) = (&note[..split + 1], &note[split + 2..]);
    let Some(lines) = signatures.strip_suffix('\n') else {
        return Err(malformed(
            "signature block is empty or lacks its final newline",
        ));
    };
    if lines.is_empty() {
        return Err(malformed("no signature lines"));
    }
    let mut checked = Vec::new();
    for line in lines.split('\n') {
        if checked.len() == MAX_SIGNATURES {
            return Err(malformed("more than 100 signatures"));
        }
        let (name, payload) = line
            .strip_prefix(SIGNATURE_PREFIX)
            .and_then(|rest| rest.split_once(' '))
            .ok_or_else(|| malformed("signature line is not '— name signature'"))?;
        if validate_name(name).is_err() {
            return Err(malformed("signature line has an invalid key name"));
        }
        let bytes = STANDARD
            .decode(payload)
            .map_err(|_| malformed("signature is not standard base64"))?;
        let Some((id, signature)) = bytes.split_first_chunk::<4>() else {
            return Err(malformed("signature is shorter than a key id"));
        };
        if signature.is_empty() {
            return Err(malformed("signature holds only a key id"));
        }
        let verdict = match verifiers.iter().find(|v| v.name == name && v.key_id == *id) {
            None => SignatureCheck::UnknownKey,
            Some(v) if v.verifies(body.as_bytes(), signature) => SignatureCheck::Valid,
            Some(_) => SignatureCheck::BadSignature,
        };
        checked.push((name.to_string(), verdict));
    }
    Ok(OpenedNote {
        body: body.to_string(),
        signatures: checked,
    })
}

/// Splits text holding signed notes written one after another (an anchor
/// file) into the individual notes. A note ends after its last signature line;
/// blank lines between notes are skipped. Nothing is validated here: each
/// piece goes through [`open`], which reports anything malformed.
pub fn split_notes(text: &str) -> Vec<&str> {
    #[derive(PartialEq)]
    enum State {
        Text,
        /// After a blank line: signatures follow, unless the text goes on
        /// (note text may itself contain blank lines).
        Blank,
        Signatures,
    }
    let mut notes = Vec::new();
    let mut start: Option<usize> = None;
    let mut state = State::Text;
    let mut offset = 0;
    for line in text.split_inclusive('\n') {
        let line_start = offset;
        offset += line.len();
        let blank = line == "\n";
        let signature = line.starts_with(SIGNATURE_PREFIX);
        if state == State::Signatures && !signature {
            if let Some(s) = start.take() {
                notes.push(&text[s..line_start]);
            }
            state = State::Text;
        }
        if start.is_none() {
            if blank {
                continue;
            }
            start = Some(line_start);
        }
        state = match state {
            State::Text if blank => State::Blank,
            State::Blank if signature => State::Signatures,
            State::Blank if blank => State::Blank,
            State::Signatures => State::Signatures,
            _ => State::Text,
        };
    }
    if let Some(s) = start {
        notes.push(&text[s..]);
    }
    notes
}
