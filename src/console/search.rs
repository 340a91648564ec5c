//! Fuzzy matching for `/` search: a cheap subsequence test first (most lines fail it
//! in a few nanoseconds), then skim-style scoring with match positions for the lines
//! that pass. A term that looks like an id (it holds a digit, or `-` `_` `.` `:` `/`)
//! found as an exact substring outranks every scattered match: someone typing `4821` or
//! `inc-1001` wants that, not a line where the characters happen to appear in order.
//! Pure; the driver feeds it the store's search text newest first.

use fuzzy_matcher::skim::SkimMatcherV2;
use fuzzy_matcher::FuzzyMatcher;

pub struct Matcher {
    terms: Vec<String>,
    inner: SkimMatcherV2,
}

/// Added per id-like term found as an exact substring: above any fuzzy score of a line
/// as short as the search text (capped at 240 bytes).
const EXACT_BONUS: i64 = 1_000_000;

fn is_id_like(term: &str) -> bool {
    term.chars()
        .any(|c| c.is_ascii_digit() || matches!(c, '-' | '_' | '.' | ':' | '/'))
}

impl Matcher {
    /// Whitespace separates terms; every term must match.
    pub fn new(query: &str) -> Matcher {
        Matcher {
            terms: query.split_whitespace().map(str::to_lowercase).collect(),
            inner: SkimMatcherV2::default().ignore_case(),
        }
    }

    pub fn is_empty(&self) -> bool {
        self.terms.is_empty()
    }

    /// Whether every term's characters appear in order in `text` (already lower-case).
    pub fn could_match(&self, text: &str) -> bool {
        self.terms
            .iter()
            .all(|t| is_subsequence(t.as_bytes(), text.as_bytes()))
    }

    /// Score of the match without its positions (cheaper), or None. The same score as
    /// `score` gives.
    pub fn rank(&self, text: &str) -> Option<i64> {
        if !self.could_match(text) {
            return None;
        }
        let mut total = 0;
        for t in &self.terms {
            total += self.inner.fuzzy_match(text, t)? + self.exact_bonus(t, text);
        }
        Some(total)
    }

    /// Score and char positions of the match, or None.
    pub fn score(&self, text: &str) -> Option<(i64, Vec<usize>)> {
        if !self.could_match(text) {
            return None;
        }
        let mut total = 0;
        let mut indices = Vec::new();
        for t in &self.terms {
            let (score, idx) = match text.find(t.as_str()).filter(|_| is_id_like(t)) {
                // Show the exact occurrence, not the fuzzy matcher's pick of characters.
                Some(at) => {
                    let start = text[..at].chars().count();
                    let score = self.inner.fuzzy_match(text, t)?;
                    (score, (start..start + t.chars().count()).collect())
                }
                None => self.inner.fuzzy_indices(text, t)?,
            };
            total += score + self.exact_bonus(t, text);
            indices.extend(idx);
        }
        indices.sort_unstable();
        indices.dedup();
        Some((total, indices))
    }
}

impl Matcher {
    fn exact_bonus(&self, term: &str, text: &str) -> i64 {
        if is_id_like(term) && text.contains(term) {
            EXACT_BONUS
        } else {
            0
        }
    }
}

fn is_subsequence(needle: &[u8], hay: &[u8]) -> bool {
    let mut it = hay.iter();
    needle.iter().all(|n| it.any(|h| h == n))
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn terms_match_out_of_order_and_with_gaps() {
        let m = Matcher::new("export dsync");
        assert!(m
            .score("data-sync s3.put_object export customers")
            .is_some());
        assert!(m.score("autoscaler k8s.scale").is_none());
    }

    #[test]
    fn rank_is_the_score_without_positions() {
        let m = Matcher::new("expor dsync");
        for text in [
            "data-sync s3.put_object export customers",
            "ezxzpzozrz d-s-y-n-c",
            "nothing",
        ] {
            assert_eq!(m.rank(text), m.score(text).map(|(s, _)| s), "{text}");
        }
    }

    #[test]
    fn digits_found_exactly_outrank_digits_scattered() {
        let m = Matcher::new("4821");
        let exact = m.rank("billing refund order 4821").unwrap();
        let scattered = m.rank("4 8 2 1 retries").unwrap();
        assert!(exact > scattered, "{exact} vs {scattered}");
        let (_, at) = m.score("billing refund order 4821 4x8x2x1").unwrap();
        assert_eq!(at, vec![21, 22, 23, 24]);
    }

    #[test]
    fn an_id_found_exactly_outranks_a_fuzzy_match() {
        let m = Matcher::new("inc-10");
        let exact = m.rank("remediator restart inc-10").unwrap();
        let fuzzy = m.rank("inc-1 x 0 remediator").unwrap();
        assert!(exact > fuzzy, "{exact} vs {fuzzy}");
    }

    #[test]
    fn a_tighter_match_scores_higher() {
        let m = Matcher::new("export");
        let (tight, _) = m.score("s3 export orders").unwrap();
        let (loose, _) = m.score("ezxzpzozrztz").unwrap();
        assert!(tight > loose);
    }
}
