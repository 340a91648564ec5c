//! The `[[webhooks]]` tables of the config file, checked when the config loads so that
//! a misspelt format, trigger or URL stops custody at startup, with the line named,
//! rather than losing notices later. A URL is a secret (Slack and Teams put the key in
//! the path), so no error message repeats it.

use super::{Format, Target, Trigger};
use serde::{Deserialize, Deserializer};
use toml::Spanned;

/// One `[[webhooks]]` table as written.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WebhookConfig {
    /// How the ledger names the target: letters, digits, `.`, `_`, `-`; unique.
    pub name: Spanned<String>,
    pub url: WebhookUrl,
    pub format: Format,
    /// The triggers this target wants (default: all of them).
    #[serde(default = "all_triggers", deserialize_with = "some_triggers")]
    pub on: Vec<Trigger>,
}

/// A target URL: `http(s)://host/…`, possibly with `{env:NAME}` parts (or wholly one),
/// resolved from the environment just before each send.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WebhookUrl(pub String);

impl WebhookConfig {
    pub fn target(&self) -> Target {
        Target {
            name: self.name.get_ref().clone(),
            url: self.url.0.clone(),
            format: self.format,
            on: self.on.clone(),
        }
    }
}

/// The targets of a loaded config.
pub fn targets(configs: &[WebhookConfig]) -> Vec<Target> {
    configs.iter().map(WebhookConfig::target).collect()
}

/// Checks what serde cannot see one table at a time: names well formed and unique.
/// `text` is the config file, for the line numbers.
pub fn check(configs: &[WebhookConfig], text: &str) -> Result<(), String> {
    for (i, c) in configs.iter().enumerate() {
        let name = c.name.get_ref();
        let line = line_of(text, c.name.span().start);
        let well_formed = !name.is_empty()
            && name.len() <= 64
            && name
                .chars()
                .all(|ch| ch.is_ascii_alphanumeric() || matches!(ch, '.' | '_' | '-'));
        if !well_formed {
            return Err(format!(
                "line {line}: [[webhooks]] name {:?}: use 1 to 64 letters, digits, `.`, `_` or `-`",
                crate::untrusted::escape_untrusted(name)
            ));
        }
        if configs[..i].iter().any(|o| o.name.get_ref() == name) {
            return Err(format!(
                "line {line}: [[webhooks]] name `{name}` is used by an earlier target; names must be unique"
            ));
        }
    }
    Ok(())
}

fn line_of(text: &str, offset: usize) -> usize {
    text[..offset.min(text.len())].matches('\n').count() + 1
}

fn all_triggers() -> Vec<Trigger> {
    Trigger::ALL.to_vec()
}

fn some_triggers<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<Trigger>, D::Error> {
    let on = Vec::<Trigger>::deserialize(d)?;
    if on.is_empty() {
        return Err(serde::de::Error::custom(
            "`on` is empty: name at least one of approval_request, t3_action, pause, revoke (or leave it out for all)",
        ));
    }
    Ok(on)
}

impl<'de> Deserialize<'de> for WebhookUrl {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<WebhookUrl, D::Error> {
        let url = String::deserialize(d)?;
        check_url(&url).map_err(serde::de::Error::custom)?;
        Ok(WebhookUrl(url))
    }
}

/// Whether `url` is usable, in words that never repeat it.
pub fn check_url(url: &str) -> Result<(), String> {
    if url.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return Err("the webhook url contains spaces or control characters".into());
    }
    let mut shape = String::with_capacity(url.len());
    let mut rest = url;
    while let Some(start) = rest.find('{') {
        shape.push_str(&rest[..start]);
        let after = &rest[start..];
        let Some(end) = after.find('}') else {
            return Err("the webhook url has a `{` without its `}`".into());
        };
        let name = after[1..end]
            .strip_prefix("env:")
            .ok_or("the webhook url may hold only {env:NAME} placeholders")?;
        if !is_env_name(name) {
            return Err(format!(
                "{{env:{name}}} does not name an environment variable (letters, digits and _)"
            ));
        }
        shape.push('x');
        rest = &after[end + 1..];
    }
    shape.push_str(rest);
    if shape.contains('}') {
        return Err("the webhook url has a `}` without its `{`".into());
    }
    if shape == "x" {
        return Ok(()); // wholly `{env:NAME}`: checked when it is sent
    }
    let uri: ureq::http::Uri = shape
        .parse()
        .map_err(|_| "the webhook url is not a URL".to_string())?;
    let scheme_ok = matches!(uri.scheme_str(), Some("https" | "http"));
    if !scheme_ok || uri.host().is_none_or(str::is_empty) {
        return Err("the webhook url must be http:// or https:// with a host".into());
    }
    Ok(())
}

pub(crate) fn is_env_name(name: &str) -> bool {
    !name.is_empty()
        && !name.starts_with(|c: char| c.is_ascii_digit())
        && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
}

/// `url` with its `{env:NAME}` parts filled from `lookup`; the name that is not set
/// otherwise.
pub fn resolve_url(url: &str, lookup: impl Fn(&str) -> Option<String>) -> Result<String, String> {
    let mut out = String::with_capacity(url.len());
    let mut rest = url;
    while let Some(start) = rest.find("{env:") {
        out.push_str(&rest[..start]);
        let after = &rest[start + 5..];
        let end = after.find('}').unwrap_or(after.len());
        let name = &after[..end];
        out.push_str(&lookup(name).ok_or_else(|| name.to_string())?);
        rest = after.get(end + 1..).unwrap_or("");
    }
    out.push_str(rest);
    Ok(out)
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use crate::config::Config;

    const GOOD: &str = "[[webhooks]]\nname = \"oncall\"\nurl = \"{env:SLACK_URL}\"\nformat = \"slack\"\n\n[[webhooks]]\nname = \"audit\"\nurl = \"https://hooks.example.com/custody/{env:KEY}\"\nformat = \"json\"\non = [\"pause\", \"revoke\"]\n";

    #[test]
    fn the_shipped_webhook_example_is_a_valid_config() {
        let text = include_str!("../../assets/webhooks.example.toml");
        assert_eq!(Config::parse(text).unwrap().webhooks.len(), 3);
    }

    #[test]
    fn targets_load_with_all_triggers_by_default() {
        let c = Config::parse(GOOD).unwrap();
        let t = super::targets(&c.webhooks);
        assert_eq!(t.len(), 2);
        assert_eq!(t[0].on.len(), 4);
        assert_eq!(t[1].on, [super::Trigger::Pause, super::Trigger::Revoke]);
    }

    #[test]
    fn a_bad_format_is_named_with_its_line() {
        let err = Config::parse(&GOOD.replace("\"json\"", "\"jsn\"")).unwrap_err();
        assert!(err.starts_with("line 9:") && err.contains("jsn"), "{err}");
    }

    #[test]
    fn a_bad_trigger_is_named_with_its_line() {
        let err = Config::parse(&GOOD.replace("\"revoke\"", "\"revokes\"")).unwrap_err();
        assert!(
            err.starts_with("line 10:") && err.contains("revokes"),
            "{err}"
        );
    }

    #[test]
    fn a_url_that_is_not_http_is_refused_without_being_repeated() {
        let err = Config::parse(&GOOD.replace("https://hooks", "ftp://hooks")).unwrap_err();
        assert!(err.starts_with("line 8:") && err.contains("http"), "{err}");
        assert!(!err.contains("hooks.example.com"), "{err}");
    }

    #[test]
    fn a_placeholder_other_than_env_is_refused() {
        let err = Config::parse(&GOOD.replace("{env:KEY}", "{agent}")).unwrap_err();
        assert!(err.contains("{env:NAME}"), "{err}");
    }

    #[test]
    fn a_duplicate_name_is_named_with_its_line() {
        let err = Config::parse(&GOOD.replace("\"audit\"", "\"oncall\"")).unwrap_err();
        assert!(
            err.starts_with("line 7:") && err.contains("oncall"),
            "{err}"
        );
    }

    #[test]
    fn an_empty_trigger_list_is_refused() {
        let err = Config::parse(&GOOD.replace("[\"pause\", \"revoke\"]", "[]")).unwrap_err();
        assert!(err.contains("`on` is empty"), "{err}");
    }

    #[test]
    fn env_parts_are_resolved_at_send_time_and_a_missing_one_is_named() {
        let url = "https://h.example/{env:A}/x";
        assert_eq!(
            super::resolve_url(url, |n| (n == "A").then(|| "s3cret".into())).unwrap(),
            "https://h.example/s3cret/x"
        );
        assert_eq!(super::resolve_url(url, |_| None).unwrap_err(), "A");
    }
}
