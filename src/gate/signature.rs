//! Signed proposals: an agent that registered an Ed25519 public key (`custody agent set
//! --public-key`) signs the RFC 8785 bytes of its proposal body without the `signature`
//! field. The gate checks the signature and records it in the proposal, as evidence of
//! kind `agent_signature` (the signature, and the SHA-256 of the bytes it covers).

use super::proposal::BodyError;
use crate::event::{AiOutput, Event, Evidence};
use crate::ledger::jcs::canonicalize;
use base64::Engine;
use ed25519_dalek::{Signature, Verifier, VerifyingKey};
use sha2::{Digest, Sha256};

/// The bytes an agent signs: the body's canonical form without `signature`.
pub fn signed_bytes(body: &[u8]) -> Result<Vec<u8>, BodyError> {
    let mut value: serde_json::Value = serde_json::from_slice(body)
        .map_err(|e| BodyError::new("body", format!("not JSON: {e}")))?;
    if let Some(map) = value.as_object_mut() {
        map.remove("signature");
    }
    Ok(canonicalize(&value))
}

fn decode(text: &str) -> Option<Vec<u8>> {
    [
        base64::engine::general_purpose::STANDARD,
        base64::engine::general_purpose::URL_SAFE_NO_PAD,
        base64::engine::general_purpose::URL_SAFE,
    ]
    .iter()
    .find_map(|e| e.decode(text.trim()).ok())
}

/// Checks `signature` (base64) over `body` with the agent's registered key (base64).
pub fn verify(body: &[u8], signature: Option<&str>, key: &str) -> Result<Evidence, BodyError> {
    let Some(signature) = signature else {
        return Err(BodyError::new(
            "signature",
            "this agent registered a public key, so its proposals must be signed",
        ));
    };
    let key: [u8; 32] = decode(key)
        .and_then(|k| k.try_into().ok())
        .ok_or_else(|| BodyError::new("signature", "the agent's registered key is unusable"))?;
    let key = VerifyingKey::from_bytes(&key)
        .map_err(|_| BodyError::new("signature", "the agent's registered key is unusable"))?;
    let sig = decode(signature)
        .and_then(|s| Signature::from_slice(&s).ok())
        .ok_or_else(|| BodyError::new("signature", "not a base64 Ed25519 signature (64 bytes)"))?;
    let bytes = signed_bytes(body)?;
    key.verify(&bytes, &sig).map_err(|_| {
        BodyError::new(
            "signature",
            "does not verify with the agent's registered key over the RFC 8785 bytes of the body without `signature`",
        )
    })?;
    Ok(Evidence {
        kind: "agent_signature".into(),
        reference: format!(
            "ed25519:{}",
            base64::engine::general_purpose::STANDARD.encode(sig.to_bytes())
        ),
        sha256: Some(hex::encode(Sha256::digest(&bytes))),
    })
}

/// Records a checked signature in the proposal.
pub fn record(proposal: &mut Event, evidence: Evidence) {
    proposal
        .ai_output
        .get_or_insert_with(|| AiOutput {
            summary: None,
            reasoning: None,
            confidence: None,
            evidence: vec![],
        })
        .evidence
        .push(evidence);
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use ed25519_dalek::{Signer, SigningKey};

    #[test]
    fn a_signature_over_the_canonical_body_verifies_and_any_change_breaks_it() {
        let signing = SigningKey::from_bytes(&[7; 32]);
        let key =
            base64::engine::general_purpose::STANDARD.encode(signing.verifying_key().to_bytes());
        let body = br#"{"tier":"T1","action":{"type":"x","params":{"b":1,"a":2}}}"#;
        let sig = signing.sign(&signed_bytes(body).unwrap());
        let sig = base64::engine::general_purpose::STANDARD.encode(sig.to_bytes());
        // Key order and the signature field itself do not matter.
        let signed = format!(
            r#"{{"action":{{"params":{{"a":2,"b":1}},"type":"x"}},"signature":"{sig}","tier":"T1"}}"#
        );
        let ev = verify(signed.as_bytes(), Some(&sig), &key).unwrap();
        assert_eq!(ev.kind, "agent_signature");
        let changed = signed.replace(r#""a":2"#, r#""a":3"#);
        assert_eq!(
            verify(changed.as_bytes(), Some(&sig), &key)
                .unwrap_err()
                .field,
            "signature"
        );
        assert!(verify(body, None, &key).is_err());
    }
}
