//! Opening a PostgreSQL store: the URL's options, one direct first connection (so a
//! refused server is said at once), whether the schema is current and the log's origin,
//! all read without writing; and which errors mean the server went away.

use super::super::StoreError;
use super::{CONNECT_TIMEOUT, MIGRATOR};
use sqlx::postgres::PgConnectOptions;
use sqlx::{Connection, PgConnection};
use std::str::FromStr;

/// The options of `url`, and how to name it to humans (no password).
pub(super) fn parse(url: &str) -> Result<(PgConnectOptions, String), StoreError> {
    let options = PgConnectOptions::from_str(url).map_err(|source| StoreError::Open {
        url: redact(url),
        source,
    })?;
    let describe = format!(
        "postgres://{}:{}/{}",
        options.get_host(),
        options.get_port(),
        options.get_database().unwrap_or("")
    );
    Ok((options, describe))
}

/// One direct connection: a refused or unreachable server is reported at once, where
/// a pool would retry until its acquire timeout and say only "pool timed out".
pub(super) async fn connect(
    options: &PgConnectOptions,
    describe: &str,
) -> Result<PgConnection, StoreError> {
    let attempt = tokio::time::timeout(CONNECT_TIMEOUT, PgConnection::connect_with(options));
    match attempt.await {
        Ok(Ok(conn)) => Ok(conn),
        Ok(Err(source)) => Err(StoreError::Open {
            url: describe.to_string(),
            source,
        }),
        Err(_) => Err(StoreError::Open {
            url: describe.to_string(),
            source: sqlx::Error::PoolTimedOut,
        }),
    }
}

/// Whether every migration custody ships is applied, read without writing.
pub(super) async fn schema_is_current(conn: &mut PgConnection) -> bool {
    let applied: Result<Vec<i64>, _> =
        sqlx::query_scalar("SELECT version FROM _sqlx_migrations WHERE success")
            .fetch_all(&mut *conn)
            .await;
    match applied {
        Ok(applied) => MIGRATOR.iter().all(|m| applied.contains(&m.version)),
        Err(_) => false,
    }
}

/// The log's origin; `None` when the ledger has none yet. A database without the
/// ledger's tables holds no custody ledger.
pub(super) async fn read_origin(
    conn: &mut PgConnection,
    describe: &str,
) -> Result<Option<String>, StoreError> {
    sqlx::query_scalar("SELECT value FROM ledger_meta WHERE key = 'origin'")
        .fetch_optional(&mut *conn)
        .await
        .map_err(|source| match &source {
            // undefined_table
            sqlx::Error::Database(d) if d.code().as_deref() == Some("42P01") => {
                StoreError::NoLedger {
                    url: describe.to_string(),
                }
            }
            _ => StoreError::Query {
                what: "reading the log origin",
                source,
            },
        })
}

/// Errors that mean the server went away (stopped, restarted, the network dropped),
/// as opposed to a statement it refused.
pub(super) fn is_connection_lost(e: &sqlx::Error) -> bool {
    match e {
        sqlx::Error::Io(_)
        | sqlx::Error::Tls(_)
        | sqlx::Error::Protocol(_)
        | sqlx::Error::PoolTimedOut
        | sqlx::Error::PoolClosed
        | sqlx::Error::WorkerCrashed => true,
        // Class 08 (connection exception) and 57P0x (the server shutting down).
        sqlx::Error::Database(d) => d
            .code()
            .is_some_and(|c| c.starts_with("08") || c.starts_with("57P0")),
        _ => false,
    }
}

/// A URL without its password, for error messages.
fn redact(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(scheme), Some(at)) if at > scheme => {
            format!("{}://…@{}", &url[..scheme], &url[at + 1..])
        }
        _ => url.to_string(),
    }
}
