//! The answers to a tenant's most recently logged transactions, kept in memory so that a repeat (a switch
//! resending after a timeout, usually within seconds) is answered without reading the log. Bounded by bytes;
//! the oldest go first. Only answers to transactions durably logged are kept.

use std::collections::VecDeque;

use compact_str::CompactString;
use rustc_hash::FxHashMap;

use crate::pipeline::Decided;

/// What one kept answer costs beyond its text: the id twice (map and queue), the map's entry and the queue's.
const OVERHEAD: usize = 96;

/// Recent answers by transaction id, oldest first.
#[derive(Debug)]
pub struct RecentAnswers {
    answers: FxHashMap<CompactString, Decided>,
    order: VecDeque<CompactString>,
    bytes: usize,
    limit: usize,
}

impl RecentAnswers {
    /// Keeps answers up to about `limit` bytes.
    pub fn new(limit: usize) -> RecentAnswers {
        RecentAnswers { answers: FxHashMap::default(), order: VecDeque::new(), bytes: 0, limit }
    }

    fn cost(id: &str, answer: &Decided) -> usize {
        2 * id.len() + answer.json.len() + answer.decision.len() + OVERHEAD
    }

    /// Keeps the answer to a repeat of the logged transaction `id` (an id already kept keeps its answer: a
    /// transaction is logged once), forgetting the oldest beyond the limit.
    pub fn remember(&mut self, id: &str, answer: Decided) {
        if self.answers.contains_key(id) {
            return;
        }
        let id = CompactString::from(id);
        self.bytes += Self::cost(&id, &answer);
        self.answers.insert(id.clone(), answer);
        self.order.push_back(id);
        while self.bytes > self.limit {
            let Some(oldest) = self.order.pop_front() else { break };
            if let Some(answer) = self.answers.remove(&oldest) {
                self.bytes -= Self::cost(&oldest, &answer);
            }
        }
    }

    /// The answer to a repeat of `id`, if it is among the recent ones.
    pub fn get(&self, id: &str) -> Option<&Decided> {
        self.answers.get(id)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn decided(n: usize) -> Decided {
        Decided { json: format!("{{\"n\":{n:04}}}"), decision: "allow".into() }
    }

    #[test]
    fn keeps_the_latest_answers_within_the_limit() {
        let one = RecentAnswers::cost("T0000", &decided(0));
        let mut recent = RecentAnswers::new(10 * one);
        for n in 0..25 {
            recent.remember(&format!("T{n:04}"), decided(n));
        }
        assert_eq!(recent.answers.len(), 10);
        assert!(recent.get("T0014").is_none(), "the oldest went first");
        for n in 15..25 {
            assert_eq!(recent.get(&format!("T{n:04}")), Some(&decided(n)));
        }
        // An id kept already keeps its first answer.
        recent.remember("T0024", decided(99));
        assert_eq!(recent.get("T0024"), Some(&decided(24)));
        assert_eq!(recent.answers.len(), 10);
    }
}
