//! A record row as a store holds it: the sealed bytes, their stored hash and the indexed
//! columns beside them. Owned (`StoredRow`, what queries return) or borrowed from a
//! scan's buffer (`RowView`, what a full verify reads). Both are what the ledger's
//! `inspect` checks, through `SealedRow`.

use crate::ledger::columns::{IndexedColumns, StoredColumns};
use crate::ledger::verify::SealedRow;

/// One row as a store holds it.
#[derive(Debug, Clone)]
pub struct StoredRow {
    pub seq: u64,
    pub hash: String,
    pub record: String,
    pub columns: IndexedColumns,
}

impl StoredRow {
    pub fn view(&self) -> RowView<'_> {
        RowView {
            seq: self.seq,
            hash: self.hash.as_bytes(),
            record: self.record.as_bytes(),
            columns: self.columns.stored(),
        }
    }
}

/// One row borrowed from wherever a store keeps it. Bytes, not text: bytes a tamperer
/// left that are not UTF-8 make a modified record.
#[derive(Debug, Clone, Copy)]
pub struct RowView<'a> {
    pub seq: u64,
    pub hash: &'a [u8],
    pub record: &'a [u8],
    pub columns: StoredColumns<'a>,
}

impl SealedRow for StoredRow {
    fn seq(&self) -> u64 {
        self.seq
    }
    fn hash(&self) -> &[u8] {
        self.hash.as_bytes()
    }
    fn record(&self) -> &[u8] {
        self.record.as_bytes()
    }
    fn columns(&self) -> StoredColumns<'_> {
        self.columns.stored()
    }
}

impl SealedRow for RowView<'_> {
    fn seq(&self) -> u64 {
        self.seq
    }
    fn hash(&self) -> &[u8] {
        self.hash
    }
    fn record(&self) -> &[u8] {
        self.record
    }
    fn columns(&self) -> StoredColumns<'_> {
        self.columns
    }
}
