//! One delivery attempt: a blocking HTTP POST of a JSON body with ureq, and its
//! verdict. `{env:NAME}` parts of the URL are resolved here, just before sending, and
//! the resolved URL never leaves this function: what comes back names the host only,
//! and error texts are scrubbed of the URL. Redirects are not followed (a 3xx is a
//! final answer: a webhook that moved is a config change, not something to chase).

use super::config::resolve_url;
use std::io::ErrorKind;
use std::time::{Duration, Instant};

/// The longest `Retry-After` custody honours; a longer one waits this long.
pub const MAX_RETRY_AFTER: Duration = Duration::from_secs(300);

/// What one attempt means for the next.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    /// A 2xx: the target took it.
    Delivered,
    /// No answer, a timeout, a 5xx or a 429: worth another attempt.
    Retry,
    /// An answer that another attempt would not change: a 3xx or a 4xx other than 429,
    /// or a URL that cannot be sent to.
    Final,
}

/// One attempt, as the ledger records it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Attempt {
    pub verdict: Verdict,
    /// The response status, when a response came.
    pub http_status: Option<u16>,
    /// `HTTP 204`, `timed out after 10 s`, `connection refused`; never the URL.
    pub detail: String,
    /// The target's `Retry-After` (in seconds form), when it sent one with a 429 or 5xx.
    pub retry_after: Option<Duration>,
    pub duration_ms: u64,
    /// The host (and port) sent to, or `-` when the URL could not be resolved.
    pub host: String,
}

/// POSTs `body` as JSON to `url` (with `{env:NAME}` filled from `env`) within `timeout`
/// for the whole exchange. Blocks the calling thread.
pub fn post(
    url: &str,
    body: &[u8],
    timeout: Duration,
    env: impl Fn(&str) -> Option<String>,
) -> Attempt {
    let started = Instant::now();
    let done = |verdict, http_status, detail: String, retry_after, host: String| Attempt {
        verdict,
        http_status,
        detail,
        retry_after,
        duration_ms: u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX),
        host,
    };
    let resolved = match resolve_url(url, env) {
        Ok(u) => u,
        Err(name) => {
            let detail = format!("not sent: environment variable {name} is not set");
            return done(Verdict::Final, None, detail, None, "-".into());
        }
    };
    let uri: ureq::http::Uri = match resolved.parse() {
        Ok(u) => u,
        Err(_) => {
            let detail = "not sent: the resolved url is not a URL".to_string();
            return done(Verdict::Final, None, detail, None, "-".into());
        }
    };
    let host = match (uri.host(), uri.port_u16()) {
        (Some(h), Some(p)) => format!("{h}:{p}"),
        (Some(h), None) => h.to_string(),
        (None, _) => "-".into(),
    };
    let agent: ureq::Agent = ureq::Agent::config_builder()
        .timeout_global(Some(timeout))
        .http_status_as_error(false)
        .max_redirects(0)
        .build()
        .into();
    let sent = agent
        .post(uri)
        .header("Content-Type", "application/json")
        .header("User-Agent", concat!("custody/", env!("CARGO_PKG_VERSION")))
        .send(body);
    match sent {
        Ok(response) => {
            let status = response.status().as_u16();
            let retry_after = response
                .headers()
                .get("retry-after")
                .and_then(|v| v.to_str().ok())
                .and_then(|v| v.trim().parse::<u64>().ok())
                .map(|s| Duration::from_secs(s).min(MAX_RETRY_AFTER));
            let (verdict, detail) = judge(status);
            let retry_after = retry_after.filter(|_| verdict == Verdict::Retry);
            done(verdict, Some(status), detail, retry_after, host)
        }
        Err(e) => {
            let (verdict, detail) = failed(&e, timeout, &resolved, &host);
            done(verdict, None, detail, None, host)
        }
    }
}

fn judge(status: u16) -> (Verdict, String) {
    match status {
        200..=299 => (Verdict::Delivered, format!("HTTP {status}")),
        429 => (Verdict::Retry, "HTTP 429 (rate limited)".into()),
        500..=599 => (Verdict::Retry, format!("HTTP {status}")),
        300..=399 => (
            Verdict::Final,
            format!("HTTP {status} (redirect not followed: update the webhook url)"),
        ),
        _ => (Verdict::Final, format!("HTTP {status}")),
    }
}

/// A request that got no response, in words that name the host at most.
fn failed(e: &ureq::Error, timeout: Duration, url: &str, host: &str) -> (Verdict, String) {
    let timed_out = || format!("timed out after {} ms", timeout.as_millis());
    match e {
        ureq::Error::Timeout(_) => (Verdict::Retry, timed_out()),
        ureq::Error::Io(io) if io.kind() == ErrorKind::TimedOut => (Verdict::Retry, timed_out()),
        ureq::Error::Io(io) if io.kind() == ErrorKind::ConnectionRefused => {
            (Verdict::Retry, format!("connection refused by {host}"))
        }
        ureq::Error::Io(io) => (
            Verdict::Retry,
            format!("connection to {host} failed: {:?}", io.kind()),
        ),
        ureq::Error::HostNotFound => (Verdict::Retry, format!("host not found: {host}")),
        ureq::Error::ConnectionFailed => (Verdict::Retry, format!("connection to {host} failed")),
        ureq::Error::Tls(_) | ureq::Error::Rustls(_) | ureq::Error::Pem(_) => (
            Verdict::Final,
            format!(
                "TLS with {host} failed: {}",
                scrub(&e.to_string(), url, host)
            ),
        ),
        ureq::Error::BadUri(_) | ureq::Error::Http(_) => (
            Verdict::Final,
            "not sent: the resolved url is not a usable URL".into(),
        ),
        other => (
            Verdict::Retry,
            format!("request failed: {}", scrub(&other.to_string(), url, host)),
        ),
    }
}

/// `text` with the URL and its path and query replaced, so a secret in them is not kept.
fn scrub(text: &str, url: &str, host: &str) -> String {
    let mut out = text.replace(url, host);
    if let Some((_, after_scheme)) = url.split_once("://") {
        if let Some(i) = after_scheme.find(['/', '?']) {
            let tail = &after_scheme[i..];
            if tail.len() > 1 {
                out = out.replace(tail, "/…");
            }
        }
    }
    out
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn statuses_are_judged_as_the_retry_rules_say() {
        assert_eq!(judge(204).0, Verdict::Delivered);
        assert_eq!(judge(429).0, Verdict::Retry);
        assert_eq!(judge(503).0, Verdict::Retry);
        assert_eq!(judge(404).0, Verdict::Final);
        assert_eq!(judge(301).0, Verdict::Final);
    }

    #[test]
    fn scrubbing_removes_the_secret_path() {
        let url = "https://hooks.slack.com/services/T0/B0/s3cret";
        let text = format!("bad thing at {url} and /services/T0/B0/s3cret");
        let out = scrub(&text, url, "hooks.slack.com");
        assert!(!out.contains("s3cret"), "{out}");
    }

    #[test]
    fn an_unset_environment_variable_is_final_and_sends_nothing() {
        let a = post(
            "https://h.example/{env:NOPE_NOT_SET}",
            b"{}",
            Duration::from_secs(1),
            |_| None,
        );
        assert_eq!((a.verdict, a.http_status), (Verdict::Final, None));
        assert!(a.detail.contains("NOPE_NOT_SET"), "{}", a.detail);
    }

    #[test]
    fn a_refused_connection_is_worth_retrying_and_names_only_the_host() {
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let a = post(
            &format!("http://127.0.0.1:{port}/secret-path"),
            b"{}",
            Duration::from_secs(2),
            |_| None,
        );
        assert_eq!(a.verdict, Verdict::Retry, "{}", a.detail);
        assert_eq!(a.host, format!("127.0.0.1:{port}"));
        assert!(!a.detail.contains("secret-path"), "{}", a.detail);
    }
}
