//! Dialogs that ask for text before anything is sealed or run: the confirm dialog of a
//! containment action, opening an incident, a checklist note, a closing summary, a vote.
//!
//! The keyboard starts in the first field. Tab and ↓ move to the next field, then to the
//! buttons; Enter in a field moves on too, and after the last field it lands on
//! **Cancel**, never on the action: running something always takes a deliberate move to
//! the action button (→ or Tab) and Enter there. `→` at the end of a field's text moves
//! to the buttons (to Cancel). `Ctrl-S` or `Alt-Enter` submits from anywhere, but only
//! when every required field is filled; otherwise focus goes to the first empty one.
//! Esc cancels from anywhere. Pure state; `response::submit` decides what a confirmed
//! form does.

use super::app::LineEdit;
use super::input::edit_line;
use crate::event::Event;
use crate::incident::StepWord;
use crate::respond::Plan;
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

#[derive(Debug, Clone, PartialEq)]
pub struct Form {
    pub title: String,
    pub purpose: Purpose,
    /// What the operator must read before confirming: (label, text) lines.
    pub info: Vec<(String, String)>,
    pub fields: Vec<Field>,
    /// `0..fields.len()` a field; then the Cancel button; then the action button.
    pub focus: usize,
    /// The action button's word: `Run`, `Open`, `Record`, `Close incident`.
    pub action: String,
    /// Destructive: the action button is drawn as a danger.
    pub danger: bool,
    /// Why the last confirmation was refused, shown in the dialog.
    pub error: Option<String>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Field {
    pub label: String,
    pub edit: LineEdit,
    /// Shown under the dialog's fields while this one has focus.
    pub hint: String,
    /// The form cannot be submitted while this field is blank.
    pub required: bool,
}

impl Field {
    /// A required field.
    pub fn new(label: &str, text: &str, hint: &str) -> Field {
        Field {
            label: label.into(),
            edit: LineEdit {
                text: text.into(),
                cursor: text.len(),
            },
            hint: hint.into(),
            required: true,
        }
    }

    /// A field that may stay blank.
    pub fn optional(label: &str, text: &str, hint: &str) -> Field {
        Field {
            required: false,
            ..Field::new(label, text, hint)
        }
    }
}

/// What a confirmed form does.
#[derive(Debug, Clone, PartialEq)]
pub enum Purpose {
    /// Run a containment action (fields: reason code, justification, [agent id]).
    Contain {
        plan: Box<Plan>,
        /// The incident and whether its step needs a second person, when a step runs.
        step: Option<(String, bool)>,
    },
    /// Roll back several actions, newest first (fields as `Contain`).
    ContainMany {
        plans: Vec<Plan>,
        step: Option<(String, bool)>,
    },
    /// Open an incident (fields: title, justification).
    OpenIncident {
        id: String,
        triggers: Vec<Event>,
        /// Picked with the opening (from a flag); else chosen later with `p`.
        playbook: Option<String>,
    },
    /// A checklist change by hand (field: note or reason).
    Step {
        incident: String,
        playbook: String,
        step: String,
        word: StepWord,
        /// Seal a signed checkpoint with it (a `checkpoint` step).
        checkpoint: bool,
    },
    /// Close the incident (field: summary).
    Close { incident: String },
    /// Vote on approval requests, one vote each (fields: justification, and for an
    /// admin's approval, break-glass).
    Vote {
        verdict: crate::gate::Verdict,
        requests: Vec<String>,
    },
}

/// What a key did to the form.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FormKey {
    Stay,
    Cancel,
    Submit,
}

impl Form {
    pub fn new(title: String, purpose: Purpose, action: &str, fields: Vec<Field>) -> Form {
        Form {
            title,
            purpose,
            info: Vec::new(),
            fields,
            focus: 0,
            action: action.into(),
            danger: false,
            error: None,
        }
    }

    pub fn cancel_index(&self) -> usize {
        self.fields.len()
    }

    pub fn action_index(&self) -> usize {
        self.fields.len() + 1
    }

    /// The text of field `i` (empty when there is none).
    pub fn value(&self, i: usize) -> &str {
        self.fields.get(i).map_or("", |f| f.edit.text.as_str())
    }

    /// The index of a field by its label.
    pub fn field(&self, label: &str) -> Option<usize> {
        self.fields.iter().position(|f| f.label == label)
    }

    /// The first required field left blank.
    pub fn missing(&self) -> Option<usize> {
        self.fields
            .iter()
            .position(|f| f.required && f.edit.text.trim().is_empty())
    }

    /// Refuses the submission: says why and puts the cursor in `field` (when known).
    pub fn refuse(&mut self, why: String, field: Option<usize>) {
        self.error = Some(why);
        self.focus = field.unwrap_or(0);
        if let Some(f) = self.fields.get_mut(self.focus) {
            f.edit.cursor = f.edit.text.len();
        }
    }

    /// Refuses when a required field is blank; true when the form may be submitted.
    pub fn check_required(&mut self) -> bool {
        match self.missing() {
            Some(i) => {
                let label = self.fields[i].label.clone();
                self.refuse(format!("{label} is required"), Some(i));
                false
            }
            None => true,
        }
    }

    pub fn key(&mut self, key: &KeyEvent) -> FormKey {
        let last = self.action_index();
        let ctrl = key.modifiers.contains(KeyModifiers::CONTROL);
        let alt = key.modifiers.contains(KeyModifiers::ALT);
        let at_end = self
            .fields
            .get(self.focus)
            .is_some_and(|f| f.edit.cursor >= f.edit.text.len());
        match key.code {
            KeyCode::Esc => return FormKey::Cancel,
            KeyCode::Char('c') if ctrl => return FormKey::Cancel,
            KeyCode::Char('s') if ctrl => {
                return if self.check_required() {
                    FormKey::Submit
                } else {
                    FormKey::Stay
                };
            }
            KeyCode::Enter if alt => {
                return if self.check_required() {
                    FormKey::Submit
                } else {
                    FormKey::Stay
                };
            }
            KeyCode::Right if self.focus < self.cancel_index() && at_end => {
                self.focus = self.cancel_index();
            }
            KeyCode::Tab | KeyCode::Down => self.focus = (self.focus + 1).min(last),
            KeyCode::BackTab | KeyCode::Up => self.focus = self.focus.saturating_sub(1),
            KeyCode::Enter => {
                if self.focus == last {
                    return FormKey::Submit;
                }
                if self.focus == self.cancel_index() {
                    return FormKey::Cancel;
                }
                self.focus += 1;
            }
            KeyCode::Left | KeyCode::Right if self.focus >= self.cancel_index() => {
                self.focus = if self.focus == last {
                    self.cancel_index()
                } else {
                    last
                };
            }
            _ => {
                if let Some(f) = self.fields.get_mut(self.focus) {
                    edit_line(&mut f.edit, key);
                    self.error = None;
                }
            }
        }
        FormKey::Stay
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn form() -> Form {
        Form::new(
            "Close INC-1".into(),
            Purpose::Close {
                incident: "INC-1".into(),
            },
            "Close incident",
            vec![Field::new("summary", "", "")],
        )
    }

    fn press(f: &mut Form, code: KeyCode) -> FormKey {
        f.key(&KeyEvent::new(code, KeyModifiers::NONE))
    }

    #[test]
    fn enter_through_the_fields_lands_on_cancel_not_on_the_action() {
        let mut f = form();
        for c in "done".chars() {
            press(&mut f, KeyCode::Char(c));
        }
        assert_eq!(press(&mut f, KeyCode::Enter), FormKey::Stay);
        assert_eq!(f.focus, f.cancel_index());
        assert_eq!(press(&mut f, KeyCode::Enter), FormKey::Cancel);
    }

    #[test]
    fn the_action_needs_a_deliberate_move_to_its_button() {
        let mut f = form();
        press(&mut f, KeyCode::Enter);
        press(&mut f, KeyCode::Right);
        assert_eq!(f.focus, f.action_index());
        assert_eq!(press(&mut f, KeyCode::Enter), FormKey::Submit);
        assert_eq!(f.value(0), "");
    }

    fn with(f: &mut Form, code: KeyCode, modifiers: KeyModifiers) -> FormKey {
        f.key(&KeyEvent::new(code, modifiers))
    }

    #[test]
    fn ctrl_s_submits_once_every_required_field_is_filled() {
        let mut f = form();
        assert_eq!(
            with(&mut f, KeyCode::Char('s'), KeyModifiers::CONTROL),
            FormKey::Stay
        );
        assert_eq!(f.error.as_deref(), Some("summary is required"));
        for c in "done".chars() {
            press(&mut f, KeyCode::Char(c));
        }
        assert_eq!(
            with(&mut f, KeyCode::Char('s'), KeyModifiers::CONTROL),
            FormKey::Submit
        );
    }

    #[test]
    fn alt_enter_submits_but_plain_enter_in_a_field_never_does() {
        let mut f = form();
        for c in "done".chars() {
            press(&mut f, KeyCode::Char(c));
        }
        let mut plain = f.clone();
        assert_eq!(press(&mut plain, KeyCode::Enter), FormKey::Stay);
        assert_eq!(
            with(&mut f, KeyCode::Enter, KeyModifiers::ALT),
            FormKey::Submit
        );
    }

    #[test]
    fn ctrl_s_with_a_blank_field_puts_the_cursor_in_it() {
        let mut f = Form::new(
            "Pause a".into(),
            Purpose::Close {
                incident: "INC-1".into(),
            },
            "Run",
            vec![
                Field::new("reason code", "containment", ""),
                Field::new("justification", "", ""),
                Field::optional("note", "", ""),
            ],
        );
        press(&mut f, KeyCode::Tab);
        press(&mut f, KeyCode::Tab);
        press(&mut f, KeyCode::Tab);
        assert_eq!(f.focus, f.cancel_index());
        with(&mut f, KeyCode::Char('s'), KeyModifiers::CONTROL);
        assert_eq!(f.focus, 1);
    }

    #[test]
    fn right_at_the_end_of_a_field_moves_to_the_buttons() {
        let mut f = form();
        press(&mut f, KeyCode::Char('a'));
        press(&mut f, KeyCode::Char('b'));
        press(&mut f, KeyCode::Left);
        press(&mut f, KeyCode::Right);
        assert_eq!(f.focus, 0, "→ inside the text moves the cursor");
        press(&mut f, KeyCode::Right);
        assert_eq!(f.focus, f.cancel_index());
        press(&mut f, KeyCode::Right);
        assert_eq!(f.focus, f.action_index());
    }

    #[test]
    fn escape_cancels_from_a_field() {
        let mut f = form();
        assert_eq!(press(&mut f, KeyCode::Esc), FormKey::Cancel);
    }
}
