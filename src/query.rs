//! What a read asks for, as plain data: a filter on the indexed columns and a keyset
//! page. No SQL here; the store renders these to its engines' SQL (`store::query`), and the
//! console's pure code builds them without importing the store.

use crate::event::{Tier, Timestamp};

/// What to narrow the log to. Empty lists mean "any".
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Filter {
    pub tiers: Vec<Tier>,
    pub reasons: Vec<String>,
    pub agents: Vec<String>,
    pub kinds: Vec<String>,
    pub environments: Vec<String>,
    pub correlation_id: Option<String>,
    /// Exact producer event ids (looked up through the idempotency index).
    pub event_ids: Vec<String>,
    pub since: Option<Timestamp>,
    pub until: Option<Timestamp>,
}

impl Filter {
    pub fn is_empty(&self) -> bool {
        *self == Filter::default()
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Order {
    NewestFirst,
    OldestFirst,
}

/// A keyset page: rows strictly beyond `cursor` in `order`, at most `limit` of them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Page {
    pub cursor: Option<u64>,
    pub limit: u32,
    pub order: Order,
}

impl Page {
    pub fn oldest_first(after: u64, limit: u32) -> Self {
        Page {
            cursor: Some(after),
            limit,
            order: Order::OldestFirst,
        }
    }

    pub fn newest_first(before: Option<u64>, limit: u32) -> Self {
        Page {
            cursor: before,
            limit,
            order: Order::NewestFirst,
        }
    }
}
