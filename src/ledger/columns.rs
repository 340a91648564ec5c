//! The columns a store indexes next to each sealed record. They are derived from the
//! event, never supplied separately, and `verify` re-derives them from the sealed bytes:
//! a column edited to hide an event from a filter is tampering like any other.

use crate::event::Event;
use crate::ledger::jcs::ordinary_run;
use serde::Deserialize;

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct IndexedColumns {
    pub event_id: String,
    pub time: String,
    pub kind: String,
    pub tier: Option<String>,
    pub reason_code: Option<String>,
    pub agent_id: Option<String>,
    pub correlation_id: Option<String>,
    pub environment: Option<String>,
    pub outcome: Option<String>,
    pub exercise: bool,
}

/// The indexed columns of one row as a store hands them back, borrowed. Bytes, not
/// text: a tampered column need not even be UTF-8, and `verify` must report that as a
/// modified record rather than give up.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct StoredColumns<'a> {
    pub event_id: &'a [u8],
    pub time: &'a [u8],
    pub kind: &'a [u8],
    pub tier: Option<&'a [u8]>,
    pub reason_code: Option<&'a [u8]>,
    pub agent_id: Option<&'a [u8]>,
    pub correlation_id: Option<&'a [u8]>,
    pub environment: Option<&'a [u8]>,
    pub outcome: Option<&'a [u8]>,
    pub exercise: bool,
}

impl IndexedColumns {
    pub fn of(e: &Event) -> Self {
        IndexedColumns {
            event_id: e.event_id.clone(),
            time: e.time.to_rfc3339(),
            kind: e.kind.clone(),
            tier: e.tier.map(|t| t.as_str().to_string()),
            reason_code: e.reason_code.clone(),
            agent_id: e.agent_id().map(str::to_string),
            correlation_id: e.correlation_id().map(str::to_string),
            environment: e.environment().map(str::to_string),
            outcome: e.outcome_status().map(|s| s.as_str().to_string()),
            exercise: e.exercise,
        }
    }

    pub fn stored(&self) -> StoredColumns<'_> {
        fn opt(o: &Option<String>) -> Option<&[u8]> {
            o.as_deref().map(str::as_bytes)
        }
        StoredColumns {
            event_id: self.event_id.as_bytes(),
            time: self.time.as_bytes(),
            kind: self.kind.as_bytes(),
            tier: opt(&self.tier),
            reason_code: opt(&self.reason_code),
            agent_id: opt(&self.agent_id),
            correlation_id: opt(&self.correlation_id),
            environment: opt(&self.environment),
            outcome: opt(&self.outcome),
            exercise: self.exercise,
        }
    }

    /// Derives the columns from the top-level members of a sealed record without
    /// building the whole event.
    pub fn from_members(members: &[(&str, &[u8])]) -> Result<Self, String> {
        let mut c = IndexedColumns::default();
        let mut context_env = None;
        let mut action_env = None;
        for (key, raw) in members {
            let err = |e: serde_json::Error| format!("`{key}`: {e}");
            match *key {
                "event_id" => c.event_id = serde_json::from_slice(raw).map_err(err)?,
                "time" => c.time = serde_json::from_slice(raw).map_err(err)?,
                "kind" => c.kind = serde_json::from_slice(raw).map_err(err)?,
                "tier" => c.tier = serde_json::from_slice(raw).map_err(err)?,
                "reason_code" => c.reason_code = serde_json::from_slice(raw).map_err(err)?,
                "exercise" => c.exercise = serde_json::from_slice(raw).map_err(err)?,
                "agent" => c.agent_id = serde_json::from_slice::<IdOnly>(raw).map_err(err)?.id,
                "outcome" => {
                    c.outcome = serde_json::from_slice::<StatusOnly>(raw)
                        .map_err(err)?
                        .status
                }
                "action" => {
                    action_env = serde_json::from_slice::<EnvOnly>(raw)
                        .map_err(err)?
                        .environment
                }
                "context" => {
                    let ctx: ContextCols = serde_json::from_slice(raw).map_err(err)?;
                    c.correlation_id = ctx.correlation_id;
                    context_env = ctx.environment;
                }
                _ => {}
            }
        }
        c.environment = action_env.or(context_env);
        Ok(c)
    }
}

impl StoredColumns<'_> {
    /// An owned copy, for messages (bytes that are not UTF-8 are shown replaced).
    pub fn to_owned_lossy(&self) -> IndexedColumns {
        let text = |b: &[u8]| String::from_utf8_lossy(b).into_owned();
        let opt = |o: Option<&[u8]>| o.map(text);
        IndexedColumns {
            event_id: text(self.event_id),
            time: text(self.time),
            kind: text(self.kind),
            tier: opt(self.tier),
            reason_code: opt(self.reason_code),
            agent_id: opt(self.agent_id),
            correlation_id: opt(self.correlation_id),
            environment: opt(self.environment),
            outcome: opt(self.outcome),
            exercise: self.exercise,
        }
    }

    /// Compares these (stored) columns with the ones derived from a sealed record's
    /// top-level members: `Ok(None)` when they agree, `Ok(Some(derived))` when they
    /// differ.
    pub fn compare_with_members(
        &self,
        members: &[(&str, &[u8])],
    ) -> Result<Option<IndexedColumns>, String> {
        let mut plain = ColumnCheck::default();
        for (key, raw) in members {
            plain.member(key, raw);
        }
        if plain.agrees_with(self) {
            return Ok(None);
        }
        let sealed = IndexedColumns::from_members(members)?;
        Ok((sealed.stored() != *self).then_some(sealed))
    }
}

/// The check `verify` runs on every record, fed one top-level member at a time as the
/// canonical scan hands them over, so the usual shape (plain strings where text is
/// expected) is compared in place with nothing decoded or allocated. When it cannot
/// vouch for a record, [`StoredColumns::compare_with_members`] decides.
#[derive(Default)]
pub struct ColumnCheck<'a> {
    sealed: PlainColumns<'a>,
    context_env: Option<&'a [u8]>,
    action_env: Option<&'a [u8]>,
    /// A value involved had another type than the columns expect, or an escape.
    unusual: bool,
}

impl<'a> ColumnCheck<'a> {
    /// One top-level member of the sealed record.
    pub fn member(&mut self, key: &str, raw: &'a [u8]) {
        if self.read(key, raw).is_none() {
            self.unusual = true;
        }
    }

    fn read(&mut self, key: &str, raw: &'a [u8]) -> Option<()> {
        let c = &mut self.sealed;
        match key {
            "event_id" => c.event_id = plain_text(raw)?,
            "time" => c.time = plain_text(raw)?,
            "kind" => c.kind = plain_text(raw)?,
            "tier" => c.tier = optional_text(raw)?,
            "reason_code" => c.reason_code = optional_text(raw)?,
            "exercise" => {
                c.exercise = match raw {
                    b"true" => true,
                    b"false" => false,
                    _ => return None,
                }
            }
            "agent" => c.agent_id = optional_member(raw, "id")?,
            "outcome" => c.outcome = optional_member(raw, "status")?,
            "action" => self.action_env = optional_member(raw, "environment")?,
            "context" => {
                c.correlation_id = optional_member(raw, "correlation_id")?;
                self.context_env = optional_member(raw, "environment")?;
            }
            _ => {}
        }
        Some(())
    }

    /// Whether the members seen prove the stored columns right. `false` means either
    /// that they differ or that this plain reading could not tell.
    pub fn agrees_with(mut self, stored: &StoredColumns) -> bool {
        self.sealed.environment = self.action_env.or(self.context_env);
        !self.unusual && self.sealed.matches(stored)
    }
}

/// The indexed columns borrowed from a canonical record, when every value involved
/// has the type the columns expect and no string holds an escape. Then each value is
/// exactly what `from_members` would decode, without decoding.
#[derive(Default)]
struct PlainColumns<'a> {
    event_id: &'a [u8],
    time: &'a [u8],
    kind: &'a [u8],
    tier: Option<&'a [u8]>,
    reason_code: Option<&'a [u8]>,
    agent_id: Option<&'a [u8]>,
    correlation_id: Option<&'a [u8]>,
    environment: Option<&'a [u8]>,
    outcome: Option<&'a [u8]>,
    exercise: bool,
}

impl PlainColumns<'_> {
    fn matches(&self, stored: &StoredColumns) -> bool {
        self.event_id == stored.event_id
            && self.time == stored.time
            && self.kind == stored.kind
            && self.tier == stored.tier
            && self.reason_code == stored.reason_code
            && self.agent_id == stored.agent_id
            && self.correlation_id == stored.correlation_id
            && self.environment == stored.environment
            && self.outcome == stored.outcome
            && self.exercise == stored.exercise
    }
}

/// The content of a canonical JSON string with no escapes.
fn plain_text(raw: &[u8]) -> Option<&[u8]> {
    match raw {
        [b'"', text @ .., b'"'] if !text.contains(&b'\\') => Some(text),
        _ => None,
    }
}

/// A string or `null`, as an `Option<String>` field reads it.
fn optional_text(raw: &[u8]) -> Option<Option<&[u8]>> {
    if raw == b"null" {
        Some(None)
    } else {
        plain_text(raw).map(Some)
    }
}

/// Member `name` of a canonical JSON object read as an optional string, as a struct
/// with an `Option<String>` field reads it (absent or `null` is `None`). `None` when
/// `raw` is not an object or the member is not plain text.
fn optional_member<'a>(raw: &'a [u8], name: &str) -> Option<Option<&'a [u8]>> {
    match object_member(raw, name.as_bytes())? {
        Some(value) => optional_text(value),
        None => Some(None),
    }
}

/// The raw value of member `name` in `raw`, which is canonical JSON (already checked
/// by the scanner, so this only walks it): `Some(None)` when the object has no such
/// member, `None` when `raw` is not an object.
fn object_member<'a>(raw: &'a [u8], name: &[u8]) -> Option<Option<&'a [u8]>> {
    if raw.first() != Some(&b'{') {
        return None;
    }
    if raw.get(1) == Some(&b'}') {
        return Some(None);
    }
    let mut at = 1;
    loop {
        let key_end = string_end(raw, at)?;
        let key = raw.get(at + 1..key_end - 1)?;
        let value_start = key_end + 1;
        let value_end = value_end(raw, value_start)?;
        if key == name {
            return Some(raw.get(value_start..value_end));
        }
        match raw.get(value_end)? {
            b',' => at = value_end + 1,
            _ => return Some(None),
        }
    }
}

/// Index just past the string that opens at `at`.
fn string_end(raw: &[u8], at: usize) -> Option<usize> {
    if raw.get(at) != Some(&b'"') {
        return None;
    }
    let mut i = at + 1;
    loop {
        // Canonical text holds no raw control bytes, so the run stops at a quote or
        // a backslash.
        i += ordinary_run(raw.get(i..)?);
        match raw.get(i)? {
            b'"' => return Some(i + 1),
            b'\\' => i += 2,
            _ => i += 1,
        }
    }
}

/// Index just past the value that starts at `at`.
fn value_end(raw: &[u8], at: usize) -> Option<usize> {
    match raw.get(at)? {
        b'"' => string_end(raw, at),
        b'{' | b'[' => {
            let mut depth = 0usize;
            let mut i = at;
            loop {
                match raw.get(i)? {
                    b'"' => i = string_end(raw, i)?,
                    b'{' | b'[' => {
                        depth += 1;
                        i += 1;
                    }
                    b'}' | b']' => {
                        depth -= 1;
                        i += 1;
                        if depth == 0 {
                            return Some(i);
                        }
                    }
                    _ => i += 1,
                }
            }
        }
        _ => {
            let len = raw
                .get(at..)?
                .iter()
                .position(|b| matches!(b, b',' | b'}' | b']'));
            Some(len.map_or(raw.len(), |n| at + n))
        }
    }
}

#[derive(Deserialize)]
struct IdOnly {
    id: Option<String>,
}

#[derive(Deserialize)]
struct StatusOnly {
    status: Option<String>,
}

#[derive(Deserialize)]
struct EnvOnly {
    environment: Option<String>,
}

#[derive(Deserialize)]
struct ContextCols {
    correlation_id: Option<String>,
    environment: Option<String>,
}

/// The line `/` search matches against: agent, action type, target system, resource,
/// reason code and the AI's summary, lower-cased and capped, so a scan stays cheap.
pub fn search_text(e: &Event) -> String {
    const CAP: usize = 240;
    let mut text = search_parts(e).join(" ").to_lowercase();
    if text.len() > CAP {
        let mut cut = CAP;
        while !text.is_char_boundary(cut) {
            cut -= 1;
        }
        text.truncate(cut);
    }
    text
}

/// The same words as `search_text` in their own case, uncapped: what a search hit shows.
pub fn search_words(e: &Event) -> String {
    search_parts(e).join(" ")
}

fn search_parts(e: &Event) -> Vec<&str> {
    let mut parts: Vec<&str> = Vec::with_capacity(8);
    if let Some(a) = &e.agent {
        parts.push(&a.id);
        if let Some(n) = &a.name {
            parts.push(n);
        }
    }
    parts.push(&e.kind);
    if let Some(a) = &e.action {
        parts.push(&a.kind);
        parts.extend(a.target_system.as_deref());
        parts.extend(a.resource.as_deref());
    }
    parts.extend(e.reason_code.as_deref());
    parts.extend(e.ai_output.as_ref().and_then(|o| o.summary.as_deref()));
    parts
}
