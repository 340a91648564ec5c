//! Rendering: placeholders land inside whole arguments and values, whatever they hold.
#![allow(clippy::unwrap_used)]

use super::*;

const HOSTILE: &str = "it's \"urgent\"; rm -rf / && echo $HOME\nX-Injected: 1";

fn vars() -> Vars {
    Vars {
        agent: Some("data-sync".into()),
        action_id: Some("01JD6Y".into()),
        reason: Some(HOSTILE.into()),
        token_ref: Some("hmac-9f2c41e7".into()),
        ..Vars::default()
    }
}

fn strings(v: &[&str]) -> Vec<String> {
    v.iter().map(|s| s.to_string()).collect()
}

fn request(text: &str) -> HttpRequest {
    let set = Executors::parse(text).unwrap();
    match &set.entries[0].run.run {
        Run::Http(h) => h.clone(),
        _ => panic!("not http"),
    }
}

const HTTP: &str = r#"[[executors]]
action = "revoke_token"
type = "http"
method = "post"
url = "https://vault.example.com/v1/agents/{agent}/revoke"
headers = { "X-Vault-Token" = "{env:VAULT_TOKEN}", "X-Reason" = "{reason}" }
body = { accessor = "{token_ref}", note = "{reason}" }
idempotency_key = "custody-{action_id}"
"#;

#[test]
fn a_placeholder_inside_an_argument_is_substituted_in_place() {
    let argv = render_argv(&strings(&["kubectl", "scale", "deploy/{agent}"]), &vars());
    assert_eq!(argv, strings(&["kubectl", "scale", "deploy/data-sync"]));
}

#[test]
fn a_value_with_spaces_quotes_and_semicolons_stays_one_argument() {
    let argv = render_argv(&strings(&["notify", "--reason={reason}", "--"]), &vars());
    assert_eq!(
        argv,
        strings(&["notify", &format!("--reason={HOSTILE}"), "--"])
    );
}

#[test]
fn an_absent_value_renders_empty_rather_than_as_the_placeholder() {
    let argv = render_argv(&strings(&["x", "{incident}"]), &vars());
    assert_eq!(argv, strings(&["x", ""]));
}

#[test]
fn braces_that_are_not_placeholders_pass_through() {
    let argv = render_argv(
        &strings(&["-o=jsonpath={.spec.replicas}", "{}", "{{agent}}"]),
        &vars(),
    );
    assert_eq!(
        argv,
        strings(&["-o=jsonpath={.spec.replicas}", "{}", "{data-sync}"])
    );
}

#[test]
fn values_in_a_url_are_percent_encoded() {
    let mut v = vars();
    v.agent = Some("a/../b?x=1#f".into());
    let r = render_http(&request(HTTP), &v);
    assert_eq!(
        r.url,
        "https://vault.example.com/v1/agents/a%2F..%2Fb%3Fx%3D1%23f/revoke"
    );
}

#[test]
fn the_method_is_upper_case() {
    assert_eq!(render_http(&request(HTTP), &vars()).method, "POST");
}

#[test]
fn a_header_value_cannot_add_a_header_line() {
    let r = render_http(&request(HTTP), &vars());
    let reason = r.headers.iter().find(|(k, _)| k == "X-Reason").unwrap();
    assert!(!reason.1.contains('\n'), "{reason:?}");
}

#[test]
fn a_json_body_stays_valid_json_whatever_the_values_hold() {
    let r = render_http(&request(HTTP), &vars());
    let body: serde_json::Value = serde_json::from_str(r.body.as_deref().unwrap()).unwrap();
    assert_eq!(body["note"], HOSTILE);
}

#[test]
fn environment_references_stay_unresolved_in_the_rendered_request() {
    let r = render_http(&request(HTTP), &vars());
    assert!(r
        .headers
        .contains(&("X-Vault-Token".into(), "{env:VAULT_TOKEN}".into())));
}

#[test]
fn resolve_env_fills_environment_references_just_before_sending() {
    let r = render_http(&request(HTTP), &vars());
    let sent = r
        .resolve_env(|n| (n == "VAULT_TOKEN").then(|| "hvs.secret".into()))
        .unwrap();
    assert!(sent
        .headers
        .contains(&("X-Vault-Token".into(), "hvs.secret".into())));
}

#[test]
fn resolve_env_names_a_variable_that_is_not_set() {
    let r = render_http(&request(HTTP), &vars());
    assert_eq!(
        r.resolve_env(|_| None),
        Err(MissingEnv("VAULT_TOKEN".into()))
    );
}

#[test]
fn an_environment_value_in_a_json_body_is_escaped() {
    let text = HTTP.replace(
        "accessor = \"{token_ref}\"",
        "accessor = \"{env:ACCESSOR}\"",
    );
    let r = render_http(&request(&text), &vars());
    let sent = r.resolve_env(|_| Some("a\"b".into())).unwrap();
    let body: serde_json::Value = serde_json::from_str(sent.body.as_deref().unwrap()).unwrap();
    assert_eq!(body["accessor"], "a\"b");
}

#[test]
fn the_idempotency_key_is_sent_as_a_header() {
    let r = render_http(&request(HTTP), &vars());
    assert!(r
        .headers
        .contains(&("Idempotency-Key".into(), "custody-01JD6Y".into())));
}

#[test]
fn a_json_body_is_sent_with_its_content_type() {
    let r = render_http(&request(HTTP), &vars());
    assert!(r
        .headers
        .contains(&("Content-Type".into(), "application/json".into())));
}

#[test]
fn a_rendered_request_reads_like_http() {
    let r = render_http(&request(HTTP), &vars());
    assert!(r
        .to_string()
        .starts_with("POST https://vault.example.com/v1/agents/data-sync/revoke\n"));
}

#[test]
fn display_argv_quotes_what_a_shell_would_split() {
    let shown = display_argv(&strings(&["kubectl", "annotate", "note=it's down"]));
    assert_eq!(shown, r"kubectl annotate 'note=it'\''s down'");
}

#[test]
fn the_example_vault_revocation_sends_the_accessor_as_json() {
    let set = Executors::parse(include_str!("../../../assets/executors.example.toml")).unwrap();
    let vault = match &set
        .executor_for(Action::RevokeToken, "deploy-bot")
        .unwrap()
        .run
        .run
    {
        Run::Http(h) => render_http(h, &vars()),
        _ => panic!("not http"),
    };
    assert_eq!(
        vault.body.as_deref(),
        Some(r#"{"accessor":"hmac-9f2c41e7"}"#)
    );
}
