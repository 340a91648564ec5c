//! A long generated response history: incidents opened (some after responders already
//! acted under their id, some twice, some drills), steps, closes, pauses, resumes,
//! revocations with write-ahead intents and results, rollbacks (some of the same action
//! twice, some failed), interventions, producer actions, and forged custody-kind records
//! custody did not seal. Deterministic for a seed.

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use serde_json::{json, Value};

pub struct History {
    rng: ChaCha8Rng,
    n: u64,
    ms: i64,
    next_incident: u32,
    opened: Vec<String>,
    actions: Vec<String>,
    intents: Vec<Value>,
}

const AGENTS: [&str; 6] = [
    "billing",
    "data-sync",
    "deployer",
    "mailer",
    "triage",
    "ops-bot",
];
const PEOPLE: [&str; 3] = ["ana", "bo", "chen"];

impl History {
    pub fn new(seed: u64) -> History {
        History {
            rng: ChaCha8Rng::seed_from_u64(seed),
            n: 0,
            ms: 1_795_000_000_000,
            next_incident: 1,
            opened: Vec::new(),
            actions: Vec::new(),
            intents: Vec::new(),
        }
    }

    fn time(&mut self) -> String {
        self.ms += self.rng.gen_range(1_000..60_000);
        // Now and then a record arrives with an earlier time than the one before.
        let back = if self.rng.gen_bool(0.05) { 120_000 } else { 0 };
        custody::event::Timestamp::from_millis(self.ms - back)
            .unwrap()
            .to_rfc3339()
    }

    fn pick<'a>(&mut self, from: &'a [&'a str]) -> &'a str {
        from[self.rng.gen_range(0..from.len())]
    }

    /// An incident id: mostly an opened one, sometimes the next one to be opened (acted
    /// on before it is opened), sometimes one never opened.
    fn incident_ref(&mut self) -> String {
        match self.rng.gen_range(0..10) {
            0..=5 if !self.opened.is_empty() => {
                let i = self.rng.gen_range(0..self.opened.len());
                self.opened[i].clone()
            }
            6..=7 => format!("INC-{}", self.next_incident),
            _ => format!("cor-{}", self.rng.gen_range(0..40)),
        }
    }

    fn id(&mut self, prefix: &str) -> String {
        self.n += 1;
        format!("{prefix}-{}", self.n)
    }

    pub fn next(&mut self) -> Value {
        let roll = self.rng.gen_range(0..100);
        let mut e = match roll {
            0..=29 => self.action(),
            30..=36 => self.linked("human.intervention", None),
            37..=49 => self.control(),
            50..=57 => self.rollback(),
            58..=62 => self.open(),
            63..=72 => self.step(),
            73..=75 => self.close(),
            76..=83 => self.result(),
            _ => self.action(),
        };
        // Forged: a custody kind a producer wrote, which must change nothing.
        if self.rng.gen_bool(0.04) {
            e.as_object_mut().unwrap().remove("sealed_by");
        }
        e
    }

    fn action(&mut self) -> Value {
        let id = self.id("act");
        self.actions.push(id.clone());
        let agent = self.pick(&AGENTS);
        json!({
            "event_id": id, "time": self.time(), "kind": "ai.action",
            "agent": {"id": agent}, "tier": "T2", "reason_code": "data_export",
            "action": {"type": "db.update", "resource": format!("db://{agent}")},
            "context": {"correlation_id": format!("cor-{}", self.rng.gen_range(0..40))},
            "reversibility": {"class": "full"}
        })
    }

    /// A responder's event linked to an incident by correlation id and, sometimes, by
    /// `params.incident` naming the same incident or an opened one.
    fn linked(&mut self, kind: &str, outcome: Option<&str>) -> Value {
        let corr = self.incident_ref();
        let mut params = serde_json::Map::new();
        if self.rng.gen_bool(0.5) {
            let named = if self.rng.gen_bool(0.5) || self.opened.is_empty() {
                corr.clone()
            } else {
                let i = self.rng.gen_range(0..self.opened.len());
                self.opened[i].clone()
            };
            params.insert("incident".into(), json!(named));
        }
        let agent = self.pick(&AGENTS);
        let who = self.pick(&PEOPLE);
        let mut e = json!({
            "event_id": self.id("rsp"), "time": self.time(), "kind": kind,
            "actor": {"type": "human", "id": who},
            "agent": {"id": agent},
            "action": {"type": kind, "resource": format!("agent://{agent}"), "params": params},
            "context": {"correlation_id": corr},
            "justification": "responding", "sealed_by": "custody",
            "exercise": self.rng.gen_bool(0.1)
        });
        if let Some(status) = outcome {
            e["outcome"] = json!({"status": status});
        }
        e
    }

    fn control(&mut self) -> Value {
        let kinds = [
            "control.pause",
            "control.resume",
            "control.revoke_token",
            "control.notify",
        ];
        let kind = self.pick(&kinds);
        let outcome = match self.rng.gen_range(0..10) {
            0..=3 => Some("success"),
            4 => Some("failure"),
            5 => None,
            _ => Some("pending"),
        };
        let e = self.linked(kind, outcome);
        if outcome == Some("pending") {
            self.intents.push(e.clone());
        }
        e
    }

    /// The result of an intent sealed earlier (most get one; some twice).
    fn result(&mut self) -> Value {
        if self.intents.is_empty() {
            return self.control();
        }
        let i = self.rng.gen_range(0..self.intents.len());
        let intent = if self.rng.gen_bool(0.8) {
            self.intents.swap_remove(i)
        } else {
            self.intents[i].clone()
        };
        let mut e = intent.clone();
        e["event_id"] = json!(self.id("res"));
        e["time"] = json!(self.time());
        let status = if self.rng.gen_bool(0.8) {
            "success"
        } else {
            "error"
        };
        e["outcome"] = json!({"status": status});
        e["context"]["parent_event_id"] = intent["event_id"].clone();
        e
    }

    fn rollback(&mut self) -> Value {
        let status = if self.rng.gen_bool(0.8) {
            "success"
        } else {
            "failure"
        };
        let mut e = self.linked("control.rollback", Some(status));
        if let Some(n) =
            (!self.actions.is_empty()).then(|| self.rng.gen_range(0..self.actions.len()))
        {
            e["action"]["params"]["target_event"] = json!(self.actions[n]);
        }
        e
    }

    fn incident_event(&mut self, kind: &str, id: &str, params: Value) -> Value {
        let who = self.pick(&PEOPLE);
        let mut params = params;
        params["incident"] = json!(id);
        json!({
            "event_id": self.id("inc"), "time": self.time(), "kind": kind,
            "actor": {"type": "human", "id": who},
            "action": {"type": kind, "target_system": "custody",
                       "resource": format!("incident://{id}"), "params": params},
            "context": {"correlation_id": id},
            "justification": format!("{kind} by {who}. More words."),
            "sealed_by": "custody",
            "exercise": self.rng.gen_bool(0.1)
        })
    }

    fn open(&mut self) -> Value {
        let id = match self.rng.gen_range(0..10) {
            0 if !self.opened.is_empty() => self.opened[0].clone(), // opened twice
            1 => format!("cor-{}", self.rng.gen_range(0..40)),
            _ => {
                self.next_incident += 1;
                format!("INC-{}", self.next_incident - 1)
            }
        };
        let mut e = self.incident_event(
            "incident.open",
            &id,
            json!({"title": format!("incident {id}"), "triggers": []}),
        );
        // Some openings carry a correlation id of their own: a second link.
        if self.rng.gen_bool(0.3) {
            e["context"]["correlation_id"] = json!(format!("cor-{}", self.rng.gen_range(0..40)));
        }
        e["tier"] = json!("T3");
        self.opened.push(id);
        e
    }

    fn step(&mut self) -> Value {
        let id = self.incident_ref();
        let params = match self.rng.gen_range(0..5) {
            0 => json!({"state": "contained"}),
            1 => json!({"state": "resolved"}),
            2 => json!({"commander": self.pick(&PEOPLE)}),
            3 => json!({"severity": "SEV2"}),
            _ => {
                let status = ["started", "done", "skipped", "failed"][self.rng.gen_range(0..4)];
                json!({"playbook": "data-exfiltration", "step": "contain", "status": status})
            }
        };
        self.incident_event("incident.step", &id, params)
    }

    fn close(&mut self) -> Value {
        let id = self.incident_ref();
        self.incident_event("incident.close", &id, json!({}))
    }
}
