//! Untrusted text. Everything inside an event may have been written by an AI or an
//! attacker, so before any of it reaches a terminal, control characters, escape
//! sequences and bidirectional overrides are made visible instead of interpreted.

use std::borrow::Cow;

/// Characters that reorder or hide text (Trojan Source, CVE-2021-42574) besides controls.
fn is_invisible_format(c: char) -> bool {
    matches!(c, '\u{200B}'..='\u{200F}' | '\u{202A}'..='\u{202E}' | '\u{2060}'..='\u{2069}' | '\u{061C}' | '\u{FEFF}')
}

/// Whether `c` must not reach a terminal as itself.
pub fn is_unsafe(c: char) -> bool {
    c.is_control() || is_invisible_format(c)
}

/// Returns `s` with every unsafe character replaced by a visible escape: `␛` style
/// names are ambiguous, so the escapes are the unambiguous Rust forms (`\u{1b}`), with
/// the common whitespace ones as `\n`, `\r`, `\t`.
pub fn escape_untrusted(s: &str) -> Cow<'_, str> {
    if !s.chars().any(is_unsafe) {
        return Cow::Borrowed(s);
    }
    let mut out = String::with_capacity(s.len() + 16);
    for c in s.chars() {
        match c {
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if is_unsafe(c) => out.push_str(&format!("\\u{{{:x}}}", c as u32)),
            c => out.push(c),
        }
    }
    Cow::Owned(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escape_sequences_are_made_visible() {
        let hostile = "ok\u{1b}]0;pwned\u{7}\u{1b}[2J\u{202e}x";
        assert_eq!(
            escape_untrusted(hostile),
            "ok\\u{1b}]0;pwned\\u{7}\\u{1b}[2J\\u{202e}x"
        );
    }

    #[test]
    fn plain_text_is_untouched() {
        assert!(matches!(
            escape_untrusted("replicas 4 → 12"),
            Cow::Borrowed(_)
        ));
    }
}
