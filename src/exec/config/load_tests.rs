//! Loading executors: the shipped example loads, and every bad entry is rejected at load
//! naming the entry, the field and the line.
#![allow(clippy::unwrap_used)]

use super::*;

const EXAMPLE: &str = include_str!("../../../assets/executors.example.toml");

fn load(text: &str) -> Executors {
    Executors::parse(text).unwrap()
}

fn first_error(text: &str) -> ExecConfigError {
    Executors::parse(text).unwrap_err().remove(0)
}

fn place(e: &ExecConfigError) -> (Option<usize>, &str, Option<usize>) {
    (e.entry, e.field.as_str(), e.line)
}

fn chosen(set: &Executors, action: Action, agent: &str) -> Option<usize> {
    set.executor_for(action, agent).map(|e| e.index)
}

const PAUSE_CMD: &str = r#"[[executors]]
action = "pause"
agents = "data-*"
type = "command"
argv = ["kubectl", "scale", "deploy/{agent}", "--replicas=0"]
"#;

#[test]
fn the_example_config_loads() {
    assert_eq!(load(EXAMPLE).entries.len(), 13);
}

#[test]
fn the_example_pauses_deploy_agents_with_kubectl() {
    let set = load(EXAMPLE);
    let argv = match &set
        .executor_for(Action::Pause, "deploy-bot")
        .unwrap()
        .run
        .run
    {
        Run::Command { argv } => argv.clone(),
        _ => vec![],
    };
    assert_eq!(argv.last().map(String::as_str), Some("--replicas=0"));
}

#[test]
fn the_example_revokes_data_agent_credentials_by_lease() {
    let set = load(EXAMPLE);
    let url = match &set
        .executor_for(Action::RevokeToken, "data-sync")
        .unwrap()
        .run
        .run
    {
        Run::Http(h) => h.url.clone(),
        _ => String::new(),
    };
    assert!(url.ends_with("/v1/sys/leases/revoke"), "{url}");
}

#[test]
fn the_example_falls_back_to_the_builtin_pause() {
    let set = load(EXAMPLE);
    assert_eq!(
        set.executor_for(Action::Pause, "autoscaler")
            .unwrap()
            .run
            .run,
        Run::Builtin
    );
}

#[test]
fn other_config_keys_are_left_to_the_config_loader() {
    let text = format!("operator = \"ana\"\n[keys]\nq = \"quit\"\n\n{PAUSE_CMD}");
    assert_eq!(load(&text).entries.len(), 1);
}

#[test]
fn a_config_without_executors_has_none() {
    assert_eq!(load("operator = \"ana\"\n"), Executors::default());
}

#[test]
fn argv_given_as_one_string_is_rejected() {
    let e = first_error(&PAUSE_CMD.replace(
        r#"["kubectl", "scale", "deploy/{agent}", "--replicas=0"]"#,
        r#""kubectl scale deploy/{agent} --replicas=0""#,
    ));
    assert!(
        e.message
            .starts_with("argv given as one shell string: use an array"),
        "{e}"
    );
}

#[test]
fn argv_given_as_one_string_is_placed_at_entry_field_and_line() {
    let e = first_error(&PAUSE_CMD.replace(
        r#"["kubectl", "scale", "deploy/{agent}", "--replicas=0"]"#,
        r#""kubectl scale deploy/{agent} --replicas=0""#,
    ));
    assert_eq!(place(&e), (Some(0), "argv", Some(5)));
}

#[test]
fn a_program_holding_spaces_is_a_shell_string() {
    let e = first_error(&PAUSE_CMD.replace(r#"["kubectl", "scale","#, r#"["kubectl scale","#));
    assert_eq!(
        (
            e.field.as_str(),
            e.message.starts_with("argv given as one shell string")
        ),
        ("argv[0]", true)
    );
}

#[test]
fn a_program_holding_a_pipe_is_a_shell_string() {
    let e = first_error(&PAUSE_CMD.replace(r#"["kubectl","#, r#"["kubectl|tee","#));
    assert_eq!(e.field, "argv[0]");
}

#[test]
fn a_placeholder_inside_a_shell_script_is_rejected() {
    let e = first_error(&PAUSE_CMD.replace(
        r#"["kubectl", "scale", "deploy/{agent}", "--replicas=0"]"#,
        r#"["sh", "-c", "kubectl scale deploy/{agent} --replicas=0"]"#,
    ));
    assert_eq!(e.field, "argv[2]");
}

#[test]
fn a_shell_script_may_take_values_as_positional_parameters() {
    let text = PAUSE_CMD.replace(
        r#"["kubectl", "scale", "deploy/{agent}", "--replicas=0"]"#,
        r#"["sh", "-c", "kubectl scale \"deploy/$1\" --replicas=0", "sh", "{agent}"]"#,
    );
    assert_eq!(load(&text).entries.len(), 1);
}

#[test]
fn an_unknown_placeholder_names_executor_field_and_placeholder() {
    let e = first_error(&PAUSE_CMD.replace("{agent}", "{agnet}"));
    assert_eq!(
        e.to_string(),
        "line 5: executors[0] (pause for \"data-*\"): argv[2]: unknown placeholder {agnet} (did you mean {agent}?)"
    );
}

#[test]
fn an_unknown_placeholder_in_a_verify_url_is_named() {
    let text = format!(
        "{PAUSE_CMD}[executors.verify]\ntype = \"http\"\nmethod = \"GET\"\nurl = \"https://x/{{agentt}}/{{nope}}\"\n"
    );
    let errors = Executors::parse(&text).unwrap_err();
    let fields: Vec<(&str, bool)> = errors
        .iter()
        .map(|e| {
            (
                e.field.as_str(),
                e.message.contains("{nope}") || e.message.contains("{agentt}"),
            )
        })
        .collect();
    assert_eq!(fields, vec![("verify.url", true), ("verify.url", true)]);
}

#[test]
fn an_environment_reference_in_argv_is_rejected() {
    let e = first_error(&PAUSE_CMD.replace("--replicas=0", "--token={env:VAULT_TOKEN}"));
    assert!(
        e.message.contains("allowed only in http headers and body"),
        "{e}"
    );
}

#[test]
fn kubectl_jsonpath_braces_are_not_placeholders() {
    let text = PAUSE_CMD.replace("--replicas=0", "-o=jsonpath={.status.replicas}");
    assert_eq!(load(&text).entries.len(), 1);
}

#[test]
fn an_unknown_action_is_named_at_its_line() {
    let e = first_error(&PAUSE_CMD.replace("\"pause\"", "\"paus\""));
    assert_eq!(place(&e), (Some(0), "action", Some(2)));
}

#[test]
fn an_unknown_key_is_named_at_its_line() {
    let e = first_error(&PAUSE_CMD.replace("argv =", "args ="));
    assert_eq!(place(&e), (Some(0), "args", Some(5)));
}

#[test]
fn a_missing_type_is_named() {
    let e = first_error(&PAUSE_CMD.replace("type = \"command\"\n", ""));
    assert_eq!((e.entry, e.field.as_str()), (Some(0), "type"));
}

#[test]
fn an_unknown_type_is_rejected() {
    let e = first_error(&PAUSE_CMD.replace("\"command\"", "\"shell\""));
    assert_eq!(place(&e), (Some(0), "type", Some(4)));
}

#[test]
fn a_command_executor_needs_argv() {
    let e = first_error("[[executors]]\naction = \"pause\"\ntype = \"command\"\n");
    assert_eq!(e.field, "argv");
}

#[test]
fn argv_on_a_builtin_executor_is_rejected() {
    let e = first_error(&PAUSE_CMD.replace("\"command\"", "\"builtin\""));
    assert_eq!(
        e.message,
        "argv is only for type = \"command\", not \"builtin\""
    );
}

#[test]
fn an_http_executor_needs_a_url() {
    let e = first_error("[[executors]]\naction = \"notify\"\ntype = \"http\"\nmethod = \"POST\"\n");
    assert_eq!(e.field, "url");
}

#[test]
fn an_http_status_out_of_range_is_rejected() {
    let text = "[[executors]]\naction = \"notify\"\ntype = \"http\"\nmethod = \"POST\"\nurl = \"https://x\"\nexpect_status = [200, 2000]\n";
    assert_eq!(first_error(text).field, "expect_status[1]");
}

#[test]
fn a_timeout_above_ten_minutes_is_rejected() {
    let e = first_error(&format!("{PAUSE_CMD}timeout_s = 601\n"));
    assert_eq!(place(&e), (Some(0), "timeout_s", Some(6)));
}

#[test]
fn a_zero_timeout_is_rejected() {
    assert_eq!(
        first_error(&format!("{PAUSE_CMD}timeout_s = 0\n")).field,
        "timeout_s"
    );
}

#[test]
fn the_timeout_defaults_to_thirty_seconds() {
    assert_eq!(load(PAUSE_CMD).entries[0].run.timeout_s, 30);
}

#[test]
fn reversibility_defaults_by_action() {
    let text = "[[executors]]\naction = \"revoke_token\"\ntype = \"builtin\"\n";
    assert_eq!(
        load(text).entries[0].reversibility,
        ReversibilityClass::None
    );
}

#[test]
fn the_same_action_for_the_same_agents_twice_is_rejected() {
    let e = first_error(&format!("{PAUSE_CMD}\n{PAUSE_CMD}"));
    assert_eq!((e.entry, e.field.as_str()), (Some(1), "agents"));
}

#[test]
fn an_exact_agent_id_beats_any_pattern() {
    let text = format!("{PAUSE_CMD}\n{}", PAUSE_CMD.replace("data-*", "data-sync"));
    assert_eq!(chosen(&load(&text), Action::Pause, "data-sync"), Some(1));
}

#[test]
fn the_longer_pattern_beats_the_catch_all() {
    let text = format!("{}\n{PAUSE_CMD}", PAUSE_CMD.replace("data-*", "*"));
    assert_eq!(chosen(&load(&text), Action::Pause, "data-sync"), Some(1));
}

#[test]
fn no_executor_is_chosen_for_an_unconfigured_action() {
    assert_eq!(
        chosen(&load(PAUSE_CMD), Action::Rollback, "data-sync"),
        None
    );
}

#[test]
fn a_pattern_does_not_match_other_agents() {
    assert_eq!(chosen(&load(PAUSE_CMD), Action::Pause, "deploy-bot"), None);
}

#[test]
fn globs_match_stars_and_single_characters() {
    let cases = [
        ("data-*", "data-"),
        ("*-bot", "deploy-bot"),
        ("a?c", "abc"),
        ("*a*b", "xaxb"),
    ];
    assert!(cases.iter().all(|(p, t)| glob_match(p, t)));
}

#[test]
fn missing_vars_lists_the_placeholders_left_empty() {
    let set = load(PAUSE_CMD);
    assert_eq!(
        set.entries[0].missing_vars(&Vars::default()),
        vec![Placeholder::Agent]
    );
}
