//! The few statements the projection runs, on either engine: `?N` SQL with bound text,
//! integers or NULL, rows read back as the same values. SQLite runs them through the
//! sealing connection (rusqlite, on its blocking thread), PostgreSQL through the sealing
//! transaction (sqlx). The projection's logic is written once, as async code over `Db`;
//! on SQLite every call completes at once, so `block_on` drives it to the end in one poll.

use super::super::gate::{dollar, Value};
use super::super::{query_err, StoreError};
use std::future::Future;
use std::pin::pin;
use std::task::{Context, Poll, Waker};

/// A connection inside a transaction, as the projection uses it.
pub(in crate::store) trait Db {
    /// The rows of a query, each as its column values.
    async fn rows(&mut self, sql: &str, args: &[Value]) -> Result<Vec<Vec<Value>>, StoreError>;
    /// Runs a statement; the rows it changed.
    async fn exec(&mut self, sql: &str, args: &[Value]) -> Result<u64, StoreError>;
}

/// `?1, ?2, …` from `first` for `n` values, for an `IN (…)` list.
pub(in crate::store) fn placeholders(first: usize, n: usize) -> String {
    (first..first + n)
        .map(|i| format!("?{i}"))
        .collect::<Vec<_>>()
        .join(", ")
}

impl Value {
    pub(in crate::store) fn text(&self) -> Option<&str> {
        match self {
            Value::Text(s) => Some(s),
            _ => None,
        }
    }

    pub(in crate::store) fn int(&self) -> Option<i64> {
        match self {
            Value::Int(i) => Some(*i),
            Value::Text(s) => s.parse().ok(),
            Value::Null => None,
        }
    }
}

/// The sealing connection on SQLite.
pub(in crate::store) struct Sqlite<'c>(pub &'c rusqlite::Connection);

fn sqlite_err(source: rusqlite::Error) -> StoreError {
    StoreError::Sqlite {
        what: "updating the projection",
        source,
    }
}

fn to_sqlite(args: &[Value]) -> Vec<rusqlite::types::Value> {
    args.iter()
        .map(|v| match v {
            Value::Text(s) => rusqlite::types::Value::Text(s.clone()),
            Value::Int(i) => rusqlite::types::Value::Integer(*i),
            Value::Null => rusqlite::types::Value::Null,
        })
        .collect()
}

impl Db for Sqlite<'_> {
    async fn rows(&mut self, sql: &str, args: &[Value]) -> Result<Vec<Vec<Value>>, StoreError> {
        let mut st = self.0.prepare_cached(sql).map_err(sqlite_err)?;
        let width = st.column_count();
        let rows = st
            .query_map(rusqlite::params_from_iter(to_sqlite(args)), |r| {
                (0..width)
                    .map(|i| {
                        Ok(match r.get_ref(i)? {
                            rusqlite::types::ValueRef::Integer(n) => Value::Int(n),
                            rusqlite::types::ValueRef::Text(t) => {
                                Value::Text(String::from_utf8_lossy(t).into_owned())
                            }
                            _ => Value::Null,
                        })
                    })
                    .collect::<Result<Vec<_>, rusqlite::Error>>()
            })
            .map_err(sqlite_err)?
            .collect::<Result<Vec<_>, _>>()
            .map_err(sqlite_err)?;
        Ok(rows)
    }

    async fn exec(&mut self, sql: &str, args: &[Value]) -> Result<u64, StoreError> {
        let mut st = self.0.prepare_cached(sql).map_err(sqlite_err)?;
        let n = st
            .execute(rusqlite::params_from_iter(to_sqlite(args)))
            .map_err(sqlite_err)?;
        Ok(n as u64)
    }
}

/// A connection inside a PostgreSQL transaction.
pub(in crate::store) struct Postgres<'c>(pub &'c mut sqlx::PgConnection);

fn bind_all<'q>(
    sql: &'q str,
    args: &[Value],
) -> sqlx::query::Query<'q, sqlx::Postgres, sqlx::postgres::PgArguments> {
    let mut q = sqlx::query(sql);
    for v in args {
        q = match v {
            Value::Text(s) => q.bind(s.clone()),
            Value::Int(i) => q.bind(*i),
            Value::Null => q.bind(None::<String>),
        };
    }
    q
}

/// Reads a row's columns as values: integers where the column decodes as one, else text.
fn values<R>(r: &R) -> Vec<Value>
where
    R: sqlx::Row,
    usize: sqlx::ColumnIndex<R>,
    for<'a> Option<i64>: sqlx::Decode<'a, R::Database> + sqlx::Type<R::Database>,
    for<'a> Option<String>: sqlx::Decode<'a, R::Database> + sqlx::Type<R::Database>,
{
    (0..r.len())
        .map(|i| match r.try_get::<Option<i64>, _>(i) {
            Ok(Some(n)) => Value::Int(n),
            Ok(None) => Value::Null,
            Err(_) => r
                .try_get::<Option<String>, _>(i)
                .ok()
                .flatten()
                .map_or(Value::Null, Value::Text),
        })
        .collect()
}

impl Db for Postgres<'_> {
    async fn rows(&mut self, sql: &str, args: &[Value]) -> Result<Vec<Vec<Value>>, StoreError> {
        let sql = dollar(sql);
        let rows = bind_all(&sql, args)
            .fetch_all(&mut *self.0)
            .await
            .map_err(query_err("reading the projection"))?;
        Ok(rows.iter().map(values).collect())
    }

    async fn exec(&mut self, sql: &str, args: &[Value]) -> Result<u64, StoreError> {
        let sql = dollar(sql);
        Ok(bind_all(&sql, args)
            .execute(&mut *self.0)
            .await
            .map_err(query_err("updating the projection"))?
            .rows_affected())
    }
}

/// A reading connection on SQLite (sqlx), for the projection's readers.
pub(in crate::store) struct SqlxSqlite<'c>(pub &'c mut sqlx::SqliteConnection);

impl Db for SqlxSqlite<'_> {
    async fn rows(&mut self, sql: &str, args: &[Value]) -> Result<Vec<Vec<Value>>, StoreError> {
        let mut q = sqlx::query(sql);
        for v in args {
            q = match v {
                Value::Text(s) => q.bind(s.clone()),
                Value::Int(i) => q.bind(*i),
                Value::Null => q.bind(None::<String>),
            };
        }
        let rows = q
            .fetch_all(&mut *self.0)
            .await
            .map_err(query_err("reading the projection"))?;
        Ok(rows.iter().map(values).collect())
    }

    async fn exec(&mut self, _sql: &str, _args: &[Value]) -> Result<u64, StoreError> {
        Err(StoreError::Corrupt(
            "the projection's readers do not write".into(),
        ))
    }
}

/// Runs a future whose every await completes at once (the SQLite `Db`) to its end.
pub(in crate::store) fn block_on<T>(
    f: impl Future<Output = Result<T, StoreError>>,
) -> Result<T, StoreError> {
    let mut f = pin!(f);
    let mut cx = Context::from_waker(Waker::noop());
    for _ in 0..1_000_000 {
        if let Poll::Ready(out) = f.as_mut().poll(&mut cx) {
            return out;
        }
    }
    Err(StoreError::Corrupt(
        "the projection's SQLite work did not complete synchronously".into(),
    ))
}
