//! Read queries rendered to SQL: a `crate::query` filter and keyset page become SQL text
//! with the engine's placeholder style and bound values. Nothing here loads the log into memory;
//! every query is bounded by `limit`.

use crate::query::{Filter, Order, Page};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Placeholder {
    /// `?` (SQLite)
    Question,
    /// `$1`, `$2`… (PostgreSQL)
    Dollar,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Bind {
    Text(String),
    Int(i64),
}

/// SQL text and its bind values, in order.
#[derive(Debug, Clone)]
pub struct Sql {
    pub text: String,
    pub binds: Vec<Bind>,
    style: Placeholder,
}

impl Sql {
    pub fn new(style: Placeholder, text: &str) -> Self {
        Sql {
            text: text.to_string(),
            binds: Vec::new(),
            style,
        }
    }

    pub fn push(&mut self, text: &str) -> &mut Self {
        self.text.push_str(text);
        self
    }

    pub fn bind(&mut self, value: Bind) -> &mut Self {
        self.binds.push(value);
        match self.style {
            Placeholder::Question => self.text.push('?'),
            Placeholder::Dollar => self.text.push_str(&format!("${}", self.binds.len())),
        }
        self
    }

    fn bind_list(&mut self, column: &str, values: impl IntoIterator<Item = String>) {
        self.push(" AND ").push(column).push(" IN (");
        for (i, v) in values.into_iter().enumerate() {
            if i > 0 {
                self.push(", ");
            }
            self.bind(Bind::Text(v));
        }
        self.push(")");
    }
}

/// The columns every row query selects, in the order engines decode them.
pub const ROW_COLUMNS: &str =
    "seq, hash, record, event_id, time, kind, tier, reason_code, agent_id, \
     correlation_id, environment, outcome, exercise";

/// `SELECT` of full rows matching `filter`, one keyset page.
pub fn select_rows(style: Placeholder, filter: &Filter, page: Page) -> Sql {
    let mut sql = Sql::new(
        style,
        &format!("SELECT {ROW_COLUMNS} FROM events WHERE 1=1"),
    );
    push_filter(&mut sql, filter);
    if let Some(cursor) = page.cursor {
        let op = match page.order {
            Order::NewestFirst => " AND seq < ",
            Order::OldestFirst => " AND seq > ",
        };
        sql.push(op).bind(Bind::Int(cursor as i64));
    }
    sql.push(match page.order {
        Order::NewestFirst => " ORDER BY seq DESC LIMIT ",
        Order::OldestFirst => " ORDER BY seq ASC LIMIT ",
    });
    sql.bind(Bind::Int(i64::from(page.limit)));
    sql
}

/// `SELECT` of the rows with these seqs, in seq order.
pub fn select_by_seq(style: Placeholder, seqs: &[u64]) -> Sql {
    let mut sql = Sql::new(
        style,
        &format!("SELECT {ROW_COLUMNS} FROM events WHERE seq IN ("),
    );
    for (i, seq) in seqs.iter().enumerate() {
        if i > 0 {
            sql.push(", ");
        }
        sql.bind(Bind::Int(*seq as i64));
    }
    sql.push(") ORDER BY seq");
    sql
}

fn push_filter(sql: &mut Sql, f: &Filter) {
    if !f.tiers.is_empty() {
        sql.bind_list("tier", f.tiers.iter().map(|t| t.as_str().to_string()));
    }
    for (column, values) in [
        ("reason_code", &f.reasons),
        ("agent_id", &f.agents),
        ("kind", &f.kinds),
        ("environment", &f.environments),
        ("event_id", &f.event_ids),
    ] {
        if !values.is_empty() {
            sql.bind_list(column, values.iter().cloned());
        }
    }
    if let Some(c) = &f.correlation_id {
        sql.push(" AND correlation_id = ")
            .bind(Bind::Text(c.clone()));
    }
    if let Some(t) = f.since {
        sql.push(" AND time >= ").bind(Bind::Text(t.to_rfc3339()));
    }
    if let Some(t) = f.until {
        sql.push(" AND time < ").bind(Bind::Text(t.to_rfc3339()));
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn filters_become_bound_parameters_never_inline_text() {
        let f = Filter {
            reasons: vec!["x' OR 1=1 --".into()],
            ..Filter::default()
        };
        let sql = select_rows(Placeholder::Dollar, &f, Page::newest_first(Some(10), 50));
        assert!(!sql.text.contains("OR 1=1"));
        assert!(
            sql.text.contains("reason_code IN ($1)") && sql.text.contains("seq < $2"),
            "{}",
            sql.text
        );
    }
}
