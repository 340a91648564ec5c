//! The checks of an `http` executor: method, url, headers, body, expected statuses and
//! idempotency key, each placed at its field and line.

use super::template::json_strings;
use super::validate::{Check, RawInvocation};
use super::{Body, HttpRequest};
use toml::Spanned;

const METHODS: &[&str] = &["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE"];

impl Check<'_> {
    pub(super) fn http(&mut self, raw: RawInvocation, prefix: &str) -> HttpRequest {
        let method = match raw.method {
            Some(m) if METHODS.contains(&m.get_ref().to_ascii_uppercase().as_str()) => {
                m.into_inner().to_ascii_uppercase()
            }
            Some(m) => {
                let message = format!(
                    "unknown method `{}` (expected one of {})",
                    m.get_ref(),
                    METHODS.join(", ")
                );
                self.fail(Some(m.span()), &format!("{prefix}method"), message);
                String::new()
            }
            None => {
                self.fail(
                    None,
                    &format!("{prefix}method"),
                    "an http executor needs a method".into(),
                );
                String::new()
            }
        };
        let url = match raw.url {
            Some(u)
                if u.get_ref().starts_with("https://") || u.get_ref().starts_with("http://") =>
            {
                self.placeholders(u.get_ref(), u.span(), &format!("{prefix}url"), false);
                u.into_inner()
            }
            Some(u) => {
                let message = format!("url `{}` must start with https:// or http://", u.get_ref());
                self.fail(Some(u.span()), &format!("{prefix}url"), message);
                String::new()
            }
            None => {
                self.fail(
                    None,
                    &format!("{prefix}url"),
                    "an http executor needs a url".into(),
                );
                String::new()
            }
        };
        let mut headers = Vec::new();
        for (name, value) in raw.headers.map(Spanned::into_inner).unwrap_or_default() {
            let field = format!("{prefix}headers.{name}");
            if name.is_empty()
                || !name
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || "-_".contains(c))
            {
                self.fail(
                    Some(value.span()),
                    &field,
                    "a header name holds only letters, digits, `-` and `_`".into(),
                );
            }
            self.placeholders(value.get_ref(), value.span(), &field, true);
            headers.push((name, value.into_inner()));
        }
        let body = raw.body.map(|b| self.body(b, prefix));
        let mut expect_status = Vec::new();
        if let Some(statuses) = raw.expect_status {
            for (i, s) in statuses.get_ref().iter().enumerate() {
                match u16::try_from(*s) {
                    Ok(code) if (100..=599).contains(&code) => expect_status.push(code),
                    _ => self.fail(
                        Some(statuses.span()),
                        &format!("{prefix}expect_status[{i}]"),
                        format!("{s} is not an HTTP status (100 to 599)"),
                    ),
                }
            }
        }
        let idempotency_key = raw.idempotency_key.map(|k| {
            self.placeholders(
                k.get_ref(),
                k.span(),
                &format!("{prefix}idempotency_key"),
                false,
            );
            k.into_inner()
        });
        HttpRequest {
            method,
            url,
            headers,
            body,
            expect_status,
            idempotency_key,
        }
    }

    fn body(&mut self, body: Spanned<toml::Value>, prefix: &str) -> Body {
        let (span, field) = (body.span(), format!("{prefix}body"));
        match body.into_inner() {
            toml::Value::String(s) => {
                self.placeholders(&s, span, &field, true);
                Body::Text(s)
            }
            value @ (toml::Value::Table(_) | toml::Value::Array(_)) => {
                let json = serde_json::to_value(&value).unwrap_or_default();
                let mut strings = Vec::new();
                json_strings(&json, &mut strings);
                for s in strings {
                    self.placeholders(s, span.clone(), &field, true);
                }
                Body::Json(json)
            }
            other => {
                let message = format!(
                    "body must be a string or a table, not a {}",
                    other.type_str()
                );
                self.fail(Some(span), &field, message);
                Body::Text(String::new())
            }
        }
    }
}
