//! Fuzzy matching for `/` search: a cheap subsequence test first (most lines fail it
//! in a few nanoseconds), then skim-style scoring with match positions for the lines
//! that pass. Pure; the driver feeds it the store's search text newest first.

use fuzzy_matcher::skim::SkimMatcherV2;
use fuzzy_matcher::FuzzyMatcher;

pub struct Matcher {
    terms: Vec<String>,
    inner: SkimMatcherV2,
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
            total += self.inner.fuzzy_match(text, t)?;
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
            let (score, idx) = self.inner.fuzzy_indices(text, t)?;
            total += score;
            indices.extend(idx);
        }
        indices.sort_unstable();
        indices.dedup();
        Some((total, indices))
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
    fn a_tighter_match_scores_higher() {
        let m = Matcher::new("export");
        let (tight, _) = m.score("s3 export orders").unwrap();
        let (loose, _) = m.score("ezxzpzozrztz").unwrap();
        assert!(tight > loose);
    }
}
