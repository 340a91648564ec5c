//! The after-action report: a `Score` laid out as blocks (headings, paragraphs, tables,
//! code), rendered as Markdown or as one self-contained HTML page (inline style, no
//! script, no external asset). Every value from the record is escaped for its format.

use super::score::{Mark, Score, Verdict};

/// One piece of the report.
#[derive(Debug, Clone, PartialEq)]
pub enum Block {
    Heading(u8, String),
    Para(String),
    Table(Vec<String>, Vec<Vec<String>>),
    Code(String),
}

/// What the report needs besides the score: read from the store by the edge.
pub struct Context<'a> {
    /// `intact: N records, …` or the verdicts found.
    pub verify: &'a str,
    /// The latest signed checkpoint covering the run, as a signed note.
    pub checkpoint: Option<&'a str>,
}

fn secs(s: i64) -> String {
    format!("{:02}:{:02}", s / 60, s % 60)
}

fn mark_row(name: &str, m: Option<&Mark>, speed: u32) -> Vec<String> {
    match m {
        Some(m) => vec![
            name.into(),
            format!("seq {}", m.seq),
            secs(m.after_t0_s),
            super::Offset(u64::try_from(m.after_t0_ms).unwrap_or(0) * u64::from(speed) / 1000)
                .to_string(),
            m.what.clone(),
        ],
        None => vec![
            name.into(),
            "—".into(),
            "not reached".into(),
            "—".into(),
            String::new(),
        ],
    }
}

fn verdict(v: &Verdict) -> String {
    match v {
        Verdict::Met { seq: 0, at } => format!("PASS (held to {at})"),
        Verdict::Met { seq, at } => format!("PASS at {at} (seq {seq})"),
        Verdict::Missed => "FAIL: missed".into(),
        Verdict::Violated { seq, at } => format!("FAIL: happened at {at} (seq {seq})"),
        Verdict::NotTriggered => "not triggered".into(),
        Verdict::Open => "open when the run ended".into(),
    }
}

/// The report's blocks, in the order of the issue: overview, metrics, expectations,
/// timeline, per-inject results, blast radius and adherence, notes, improvement plan,
/// objectives, appendices.
pub fn blocks(s: &Score, ctx: &Context<'_>) -> Vec<Block> {
    let sc = &s.scenario;
    let mut b = vec![Block::Heading(
        1,
        format!("After-action report: {}", sc.title),
    )];
    b.push(Block::Heading(2, "Overview".into()));
    let range = match &s.end {
        Some(e) => format!("seq {}–{}", s.start.seq, e.seq),
        None => format!("seq {}– (no exercise.end sealed)", s.start.seq),
    };
    b.push(Block::Table(
        vec!["".into(), "".into()],
        vec![
            vec!["Run".into(), s.run.clone()],
            vec!["Scenario".into(), format!("{} v{}", sc.id, sc.version)],
            vec!["Scenario SHA-256".into(), s.scenario_sha256.clone()],
            vec!["Started".into(), s.start.time.to_rfc3339()],
            vec![
                "Ended".into(),
                s.end.as_ref().map_or("not ended".into(), |e| {
                    format!("{} ({})", e.time.to_rfc3339(), e.what)
                }),
            ],
            vec![
                "Speed".into(),
                format!("x{} (scenario seconds per real second)", s.speed),
            ],
            vec!["Ledger range".into(), range],
            vec!["Verify".into(), ctx.verify.into()],
            vec![
                "Facilitators".into(),
                sc.participants.facilitator.join(", "),
            ],
            vec!["Responders".into(), sc.participants.responders.join(", ")],
            vec!["Observers".into(), sc.participants.observers.join(", ")],
            vec!["Rogue agents".into(), s.rogue_agents.join(", ")],
        ],
    ));
    b.push(Block::Heading(2, "Metrics".into()));
    b.push(Block::Para("Times after T0 (the first malicious inject), from the sealed events' times; scenario time is real time × speed.".into()));
    let head = |v: &[&str]| v.iter().map(|s| s.to_string()).collect::<Vec<_>>();
    b.push(Block::Table(
        head(&["Metric", "Sealed", "Real mm:ss", "Scenario", "Event"]),
        vec![
            mark_row("T0", s.t0.as_ref(), s.speed),
            mark_row("Time to detect", s.detect.as_ref(), s.speed),
            mark_row("Time to acknowledge", s.acknowledge.as_ref(), s.speed),
            mark_row("Time to contain", s.contain.as_ref(), s.speed),
            mark_row("Time to recover", s.recover.as_ref(), s.speed),
        ],
    ));
    b.push(Block::Heading(2, "Expectations".into()));
    b.push(Block::Table(
        head(&["Expectation", "Deadline", "Kind", "Result"]),
        s.expectations
            .iter()
            .map(|x| {
                let kind = match (x.negative, x.manual) {
                    (true, _) => "must not happen",
                    (_, true) => "manual",
                    _ => "automatic",
                };
                vec![
                    format!("{}: {}", x.id, x.description),
                    x.deadline.to_string(),
                    kind.into(),
                    verdict(&x.verdict),
                ]
            })
            .collect(),
    ));
    b.push(Block::Heading(2, "Timeline".into()));
    let mut timeline: Vec<(u64, String, String)> = s
        .injects
        .iter()
        .filter_map(|i| {
            i.fired.map(|(seq, at)| {
                (
                    seq,
                    at.to_string(),
                    format!("inject {}: {}", i.id, i.synopsis),
                )
            })
        })
        .collect();
    let start = s.start.time.millis();
    let rel = |m: &Mark| {
        super::Offset(
            u64::try_from(m.time.millis() - start).unwrap_or(0) * u64::from(s.speed) / 1000,
        )
        .to_string()
    };
    timeline.extend(s.responses.iter().map(|m| (m.seq, rel(m), m.what.clone())));
    timeline.sort_by_key(|t| t.0);
    b.push(Block::Table(
        head(&["Seq", "Scenario time", "What"]),
        timeline
            .into_iter()
            .map(|(seq, at, what)| vec![seq.to_string(), at, what])
            .collect(),
    ));
    b.push(Block::Heading(2, "Per-inject results".into()));
    b.push(Block::Table(
        head(&["Inject", "Fired", "Expectations", "Note"]),
        s.injects
            .iter()
            .map(|i| {
                let fired = i.fired.map_or("did not fire".into(), |(seq, at)| {
                    format!("{at} (seq {seq})")
                });
                let exps: Vec<String> = i
                    .expectations
                    .iter()
                    .filter_map(|id| s.expectations.iter().find(|x| &x.id == id))
                    .map(|x| format!("{}: {}", x.id, verdict(&x.verdict)))
                    .collect();
                let note = match (
                    &i.contingency_for,
                    i.expectations.is_empty() && i.fired.is_some(),
                ) {
                    (Some(c), _) => format!("contingency: fired because {c} was missed"),
                    (None, true) => "GAP: no expectation answers this inject".into(),
                    _ => String::new(),
                };
                vec![
                    format!("{}: {}", i.id, i.synopsis),
                    fired,
                    exps.join("; "),
                    note,
                ]
            })
            .collect(),
    ));
    b.push(Block::Heading(
        2,
        "Blast radius and playbook adherence".into(),
    ));
    b.push(Block::Para(format!(
        "{} action(s) by the rogue agent(s) between T0 and containment{}.",
        s.blast_radius.len(),
        if s.contain.is_none() {
            " (never contained: counted to the end of the run)"
        } else {
            ""
        }
    )));
    b.push(Block::Table(
        head(&["Seq", "After T0", "Action"]),
        s.blast_radius
            .iter()
            .map(|m| vec![m.seq.to_string(), secs(m.after_t0_s), m.what.clone()])
            .collect(),
    ));
    let steps: Vec<&Mark> = s
        .responses
        .iter()
        .filter(|m| m.what.starts_with("incident."))
        .collect();
    b.push(Block::Para(format!(
        "{} incident event(s) recorded (openings, checklist steps, closings).",
        steps.len()
    )));
    b.push(Block::Heading(3, "Incorrect actions".into()));
    if s.incorrect.is_empty() {
        b.push(Block::Para("None.".into()));
    } else {
        b.push(Block::Table(
            head(&["Seq", "What"]),
            s.incorrect
                .iter()
                .map(|m| vec![m.seq.to_string(), m.what.clone()])
                .collect(),
        ));
    }
    b.push(Block::Heading(
        2,
        "Strengths and areas for improvement".into(),
    ));
    if s.notes.is_empty() {
        b.push(Block::Para(
            "No facilitator notes were sealed (`custody gameday note RUN TEXT`).".into(),
        ));
    }
    for n in &s.notes {
        b.push(Block::Para(format!("seq {}: {}", n.seq, n.what)));
    }
    b.push(Block::Heading(2, "Improvement plan".into()));
    b.push(Block::Table(
        head(&["Issue", "Action", "Owner", "Due"]),
        s.expectations
            .iter()
            .filter(|x| !x.verdict.passed())
            .map(|x| {
                let action = sc
                    .inject(
                        &sc.expectation(&x.id)
                            .map(|e| e.inject.clone())
                            .unwrap_or_default(),
                    )
                    .map(|i| i.expected_response.clone())
                    .unwrap_or_default();
                vec![
                    format!("{}: {}", x.id, verdict(&x.verdict)),
                    action,
                    String::new(),
                    String::new(),
                ]
            })
            .collect(),
    ));
    b.push(Block::Heading(2, "Objectives".into()));
    b.push(Block::Para("Suggested HSEEP rating from the computed evidence (P performed, S with some challenges, M with major challenges, U unable); the facilitator's rating is theirs to give.".into()));
    b.push(Block::Table(
        head(&["Objective", "Priority", "Evidence", "Suggested"]),
        sc.objectives
            .iter()
            .map(|o| {
                let xs: Vec<_> = s
                    .expectations
                    .iter()
                    .filter(|x| {
                        sc.expectation(&x.id).and_then(|e| e.objective.as_deref())
                            == Some(o.id.as_str())
                    })
                    .collect();
                let passed = xs.iter().filter(|x| x.verdict.passed()).count();
                let rating = match (passed, xs.len()) {
                    (_, 0) => "—",
                    (p, n) if p == n => "P",
                    (p, n) if p * 2 >= n => "S",
                    (p, _) if p > 0 => "M",
                    _ => "U",
                };
                vec![
                    format!("{}: {}", o.id, o.capability),
                    o.priority.to_string(),
                    format!("{passed} of {} expectations met", xs.len()),
                    rating.into(),
                ]
            })
            .collect(),
    ));
    b.push(Block::Heading(2, "Appendix A: scenario file".into()));
    b.push(Block::Code(s.scenario_text.clone()));
    b.push(Block::Heading(2, "Appendix B: checkpoint".into()));
    b.push(Block::Code(
        ctx.checkpoint.unwrap_or("no checkpoint signed yet").into(),
    ));
    b
}

fn md_cell(s: &str) -> String {
    visible(s)
        .replace('\\', "\\\\")
        .replace('|', "\\|")
        .replace(['\n', '\r'], " ")
}

/// Control characters (escape sequences) made visible; newlines and tabs kept.
fn visible(s: &str) -> String {
    s.chars()
        .map(|c| match c {
            '\n' | '\t' => c.to_string(),
            c if c.is_control() => format!("\\u{{{:x}}}", c as u32),
            c => c.to_string(),
        })
        .collect()
}

pub fn markdown(blocks: &[Block]) -> String {
    let mut out = String::new();
    for b in blocks {
        match b {
            Block::Heading(n, t) => out.push_str(&format!(
                "{} {}\n\n",
                "#".repeat(usize::from(*n)),
                md_cell(t)
            )),
            Block::Para(t) => out.push_str(&format!("{}\n\n", md_cell(t))),
            Block::Table(head, rows) => {
                out.push_str(&format!(
                    "| {} |\n",
                    head.iter()
                        .map(|h| md_cell(h))
                        .collect::<Vec<_>>()
                        .join(" | ")
                ));
                out.push_str(&format!("|{}\n", "---|".repeat(head.len())));
                for r in rows {
                    out.push_str(&format!(
                        "| {} |\n",
                        r.iter().map(|c| md_cell(c)).collect::<Vec<_>>().join(" | ")
                    ));
                }
                out.push('\n');
            }
            Block::Code(t) => {
                let fence = if t.contains("```") { "~~~~" } else { "```" };
                out.push_str(&format!("{fence}\n{}\n{fence}\n\n", visible(t.trim_end())));
            }
        }
    }
    out
}

fn esc(s: &str) -> String {
    let mut o = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => o.push_str("&amp;"),
            '<' => o.push_str("&lt;"),
            '>' => o.push_str("&gt;"),
            '"' => o.push_str("&quot;"),
            '\'' => o.push_str("&#39;"),
            c if c.is_control() && c != '\n' => o.push_str(&format!("\\u{{{:x}}}", c as u32)),
            c => o.push(c),
        }
    }
    o
}

const STYLE: &str = "body{font:15px/1.5 system-ui,sans-serif;max-width:70em;margin:2em auto;padding:0 1em;color:#1b1b1b}\
table{border-collapse:collapse;margin:.5em 0 1.5em}td,th{border:1px solid #bbb;padding:.25em .6em;text-align:left;vertical-align:top}\
th{background:#eee}pre{background:#f4f4f4;padding:1em;overflow:auto}h1{border-bottom:3px solid #b00020}\
.banner{background:#b00020;color:#fff;padding:.3em .8em;font-weight:bold;display:inline-block}";

pub fn html(blocks: &[Block]) -> String {
    let title = blocks.iter().find_map(|b| match b {
        Block::Heading(1, t) => Some(t.as_str()),
        _ => None,
    });
    let mut out = format!(
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\
<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'\">\
<title>{}</title><style>{STYLE}</style></head><body>\n<p class=\"banner\">EXERCISE</p>\n",
        esc(title.unwrap_or("After-action report"))
    );
    for b in blocks {
        match b {
            Block::Heading(n, t) => out.push_str(&format!("<h{n}>{}</h{n}>\n", esc(t))),
            Block::Para(t) => out.push_str(&format!("<p>{}</p>\n", esc(t))),
            Block::Table(head, rows) => {
                out.push_str("<table>");
                if head.iter().any(|h| !h.is_empty()) {
                    out.push_str(&format!(
                        "<tr>{}</tr>",
                        head.iter()
                            .map(|h| format!("<th>{}</th>", esc(h)))
                            .collect::<String>()
                    ));
                }
                for r in rows {
                    out.push_str(&format!(
                        "<tr>{}</tr>",
                        r.iter()
                            .map(|c| format!("<td>{}</td>", esc(c)))
                            .collect::<String>()
                    ));
                }
                out.push_str("</table>\n");
            }
            Block::Code(t) => out.push_str(&format!("<pre>{}</pre>\n", esc(t))),
        }
    }
    out.push_str("</body></html>\n");
    out
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn html_escapes_everything_from_the_record_and_loads_nothing_from_outside() {
        let page = html(&[
            Block::Heading(1, "r".into()),
            Block::Table(
                vec!["a".into()],
                vec![vec!["<script>alert(1)</script>\u{1b}[2J".into()]],
            ),
        ]);
        assert!(!page.contains("<script>"));
        assert!(page.contains("&lt;script&gt;"));
        assert!(!page.contains('\u{1b}'));
        for outside in ["src=", "href=", "http://", "https://", "url("] {
            assert!(!page.contains(outside), "{outside}");
        }
    }

    #[test]
    fn markdown_tables_keep_their_shape_when_a_cell_holds_a_pipe_or_newline() {
        let md = markdown(&[Block::Table(
            vec!["a".into(), "b".into()],
            vec![vec!["x|y".into(), "1\n2".into()]],
        )]);
        assert_eq!(md, "| a | b |\n|---|---|\n| x\\|y | 1 2 |\n\n");
    }
}
