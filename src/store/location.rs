//! Where a store is: `--store` parsed into an engine and a place, before anything is
//! opened. Whatever is not plainly a store is refused here, so a typo never becomes a
//! new empty ledger (a `mysql://…` directory, a file named `ledger.db?mode=ro`).
//! It opens nothing and reads no file.

use std::path::PathBuf;

/// A parsed store URL.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Location {
    /// An SQLite file: `sqlite:PATH`, `sqlite://PATH` or a plain path.
    Sqlite(PathBuf),
    /// A PostgreSQL database: the URL as given (`postgres://…` or `postgresql://…`).
    Postgres(String),
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum LocationError {
    #[error("the store URL is empty: give --store postgres://…, sqlite:PATH or a file path")]
    Empty,
    #[error(
        "unknown store URL scheme `{scheme}:` in `{url}`: custody opens postgres://…, \
         postgresql://…, sqlite:PATH or a file path (start a relative path with ./)"
    )]
    UnknownScheme { scheme: String, url: String },
    #[error(
        "`{url}`: custody takes no `?…` options on an SQLite store (read-only commands open \
         it read-only by themselves); give the file's path alone"
    )]
    Options { url: String },
}

impl Location {
    pub fn parse(url: &str) -> Result<Location, LocationError> {
        if url.trim().is_empty() {
            return Err(LocationError::Empty);
        }
        if let Some(scheme) = scheme(url) {
            match scheme.to_ascii_lowercase().as_str() {
                "postgres" | "postgresql" if url[scheme.len()..].starts_with("://") => {
                    return Ok(Location::Postgres(url.to_string()))
                }
                "sqlite" => {}
                _ => {
                    return Err(LocationError::UnknownScheme {
                        scheme: scheme.to_string(),
                        url: url.to_string(),
                    })
                }
            }
        }
        let path = url
            .strip_prefix("sqlite://")
            .or_else(|| url.strip_prefix("sqlite:"))
            .unwrap_or(url);
        if path.is_empty() {
            return Err(LocationError::Empty);
        }
        if path.contains('?') {
            return Err(LocationError::Options {
                url: url.to_string(),
            });
        }
        Ok(Location::Sqlite(PathBuf::from(path)))
    }

    /// The SQLite file, or `None` for PostgreSQL.
    pub fn sqlite_path(&self) -> Option<&std::path::Path> {
        match self {
            Location::Sqlite(p) => Some(p),
            Location::Postgres(_) => None,
        }
    }
}

/// The `scheme` of `scheme:…` (RFC 3986: a letter, then letters, digits, `+`, `-`, `.`),
/// or `None` for a path. One letter is not taken as a scheme.
fn scheme(url: &str) -> Option<&str> {
    let (head, _) = url.split_once(':')?;
    let mut chars = head.chars();
    let first = chars.next()?;
    let rest_ok = chars.all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.'));
    (head.len() > 1 && first.is_ascii_alphabetic() && rest_ok).then_some(head)
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn paths_and_sqlite_urls_name_a_file() {
        for (url, path) in [
            ("/x/ledger.db", "/x/ledger.db"),
            ("ledger.db", "ledger.db"),
            ("sqlite:/x/l.db", "/x/l.db"),
            ("sqlite:///x/l.db", "/x/l.db"),
            ("./odd:name.db", "./odd:name.db"),
        ] {
            assert_eq!(
                Location::parse(url),
                Ok(Location::Sqlite(PathBuf::from(path))),
                "{url}"
            );
        }
    }

    #[test]
    fn postgres_urls_are_kept_whole() {
        let url = "postgresql://u:pw@h:5432/db?sslmode=disable";
        assert_eq!(
            Location::parse(url),
            Ok(Location::Postgres(url.to_string()))
        );
    }

    /// Moved here from `cli/response.rs` with the parsing it tested.
    #[test]
    fn postgres_urls_have_no_file() {
        let pg = Location::parse("postgres://u@h/db").unwrap();
        assert_eq!(pg.sqlite_path(), None);
        let file = Location::parse("sqlite:/x/l.db").unwrap();
        assert_eq!(file.sqlite_path(), Some(std::path::Path::new("/x/l.db")));
    }

    #[test]
    fn an_unknown_scheme_is_refused_by_name() {
        let err = Location::parse("mysql://root@db/custody").unwrap_err();
        assert!(matches!(&err, LocationError::UnknownScheme { scheme, .. } if scheme == "mysql"));
        assert!(err.to_string().contains("`mysql:`"), "{err}");
    }

    #[test]
    fn an_empty_url_is_refused() {
        assert_eq!(Location::parse(""), Err(LocationError::Empty));
        assert_eq!(Location::parse("sqlite:"), Err(LocationError::Empty));
    }

    #[test]
    fn sqlite_options_are_refused_not_taken_as_a_file_name() {
        assert!(matches!(
            Location::parse("sqlite:ledger.db?mode=ro"),
            Err(LocationError::Options { .. })
        ));
    }
}
