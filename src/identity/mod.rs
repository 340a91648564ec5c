//! Who is acting: the credentials agents and operators present (`token`), how an
//! operator's identity is established from a credential rather than a typed name
//! (`operator`), and the agent registry folded from sealed events (`registry`).
//!
//! Pure: it reads no files, no clock and no store. Resolving the OS user or the database
//! role, and storing credentials, happen at the edges (`cli::authn`, `store::credentials`).
//! Its one import outside the domain is `respond::Role`, itself plain data.

pub mod events;
pub mod operator;
pub mod registry;
pub mod token;

pub use crate::event::{Authn, AuthnMethod as Method};
pub use operator::{authenticate, Claim, ClaimRefused, Established, Operator};
pub use registry::{AgentEntry, Registry};
pub use token::{
    hash_token, is_token_ref, new_token, parse_token, parse_ttl, Credential, CredentialKind,
    TokenRefused, Unusable,
};
