//! Rule files: TOML documents of rules, each with an id, a description, a typology, a score, an action, a
//! mode (live or shadow) and a condition in the expression language, compiled at load.
//!
//! ```toml
//! name = "tonle default"
//!
//! [[rule]]
//! id = "structuring-kh-usd"
//! description = "Cash deposits of a day just under Cambodia's USD 10,000 reporting threshold"
//! typology = "structuring"
//! score = 0.6
//! action = "review"
//! mode = "live"
//! expression = '''
//!   channel == "cash-deposit" && creditor.in.sum_24h >= 8_000.0 && creditor.in.sum_24h < 10_000.0
//! '''
//! ```
//!
//! An optional `[graph]` table sets the money-flow graph's windows and thresholds, which rules reading
//! `graph.*` use ([`crate::graph::config`]).
//!
//! Every error names the file and the rule; an error in a condition also names the line and column in the
//! file. A rule set's version is a fingerprint of its file's bytes, so every decision can say which rules
//! took it, and two files with the same text have the same version.

use std::collections::BTreeSet;

use serde::Deserialize;
use tonle_core::{Decision, Typology};

use super::expr::{compile, Expr, Schema, Value};
use crate::graph::GraphConfig;

/// tonle's default rule set for the region's typologies (`rules/default.toml` in this crate).
pub const DEFAULT_RULES: &str = include_str!("../../rules/default.toml");

/// Whether a rule's action counts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// It fires and its action counts.
    Live,
    /// It fires and is reported, but its action does not change the decision (to try a rule on live traffic).
    Shadow,
}

/// One compiled rule.
#[derive(Debug)]
pub struct Rule {
    /// Unique within its set.
    pub id: String,
    /// What it looks for, for the analyst.
    pub description: String,
    /// The typology it looks for.
    pub typology: Option<Typology>,
    /// Its contribution to the score when it fires, 0 to 1.
    pub score: f64,
    /// What it asks for when it fires.
    pub action: Decision,
    /// Live or shadow.
    pub mode: Mode,
    /// The condition as written.
    pub condition: String,
    /// The condition compiled.
    pub expr: Expr,
}

/// A compiled rule set.
#[derive(Debug)]
pub struct RuleSet {
    /// Its name, from the file.
    pub name: String,
    /// A fingerprint of the file's bytes: `<name>@<16 hex digits>`.
    pub version: std::sync::Arc<str>,
    /// Its rules, in file order.
    pub rules: Vec<Rule>,
    /// The money-flow graph's parameters: the file's `[graph]` table (defaults for the keys it omits).
    pub graph: GraphConfig,
}

/// A rule file that cannot be used.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RuleSetError {
    /// Not TOML of the expected shape (the message names line, column and key).
    #[error("{origin}: {message}")]
    Syntax {
        /// The file.
        origin: String,
        /// The TOML parser's message.
        message: String,
    },
    /// A rule's field is wrong.
    #[error("{origin}: rule {rule:?}: {message}")]
    Rule {
        /// The file.
        origin: String,
        /// The rule's id.
        rule: String,
        /// What is wrong.
        message: String,
    },
    /// A rule's condition does not compile.
    #[error("{origin}:{line}:{column}: rule {rule:?}: {message}")]
    Expression {
        /// The file.
        origin: String,
        /// The rule's id.
        rule: String,
        /// 1-based line in the file.
        line: usize,
        /// 1-based column in the file, in characters.
        column: usize,
        /// What is wrong.
        message: String,
    },
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct File {
    name: String,
    #[serde(default)]
    graph: GraphConfig,
    #[serde(default, rename = "rule")]
    rules: Vec<RuleEntry>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RuleEntry {
    id: String,
    description: String,
    #[serde(default)]
    typology: Option<String>,
    score: f64,
    action: String,
    #[serde(default = "default_mode")]
    mode: String,
    expression: toml::Spanned<String>,
}

fn default_mode() -> String {
    "live".to_owned()
}

impl RuleSet {
    /// Parses and compiles a rule file against the schema of variables the engine provides; `origin` names the
    /// file in errors.
    pub fn from_toml(text: &str, origin: &str, schema: &Schema) -> Result<RuleSet, RuleSetError> {
        let file: File = toml::from_str(text).map_err(|e| RuleSetError::Syntax {
            origin: origin.to_owned(),
            message: e.to_string().trim().to_owned(),
        })?;
        file.graph.check().map_err(|message| RuleSetError::Syntax { origin: origin.to_owned(), message })?;
        let mut seen = BTreeSet::new();
        let mut rules = Vec::with_capacity(file.rules.len());
        for entry in file.rules {
            let fail =
                |message: String| RuleSetError::Rule { origin: origin.to_owned(), rule: entry.id.clone(), message };
            if entry.id.trim().is_empty() {
                return Err(fail("the id is empty".into()));
            }
            if !seen.insert(entry.id.clone()) {
                return Err(fail("a rule with this id comes earlier in the file".into()));
            }
            if !(0.0..=1.0).contains(&entry.score) {
                return Err(fail(format!("score {} is not between 0 and 1", entry.score)));
            }
            let action: Decision = entry.action.parse().map_err(|e| fail(format!("{e}")))?;
            let mode = match entry.mode.as_str() {
                "live" => Mode::Live,
                "shadow" => Mode::Shadow,
                other => return Err(fail(format!("mode {other:?} is neither \"live\" nor \"shadow\""))),
            };
            let typology = match entry.typology.as_deref() {
                Some(name) => Some(Typology::parse(name).map_err(|e| fail(e.to_string()))?),
                None => None,
            };
            let source = entry.expression.get_ref();
            let expr = compile(schema, source).map_err(|e| {
                let (line, column) = file_position(text, &entry.expression, e.line, e.column);
                RuleSetError::Expression {
                    origin: origin.to_owned(),
                    rule: entry.id.clone(),
                    line,
                    column,
                    message: e.message,
                }
            })?;
            rules.push(Rule {
                id: entry.id,
                description: entry.description,
                typology,
                score: entry.score,
                action,
                mode,
                condition: source.trim().to_owned(),
                expr,
            });
        }
        let version = format!("{}@{:016x}", file.name, fingerprint(text.as_bytes())).into();
        Ok(RuleSet { version, name: file.name, rules, graph: file.graph })
    }

    /// The indices of the rules whose condition holds for these slots, in file order, appended to `fired`.
    pub fn evaluate(&self, slots: &[Value], fired: &mut Vec<usize>) {
        for (index, rule) in self.rules.iter().enumerate() {
            if rule.expr.eval(slots) {
                fired.push(index);
            }
        }
    }

    /// Every slot some rule reads, sorted: the variables the engine must fill.
    pub fn variables(&self) -> Vec<usize> {
        let set: BTreeSet<usize> = self.rules.iter().flat_map(|r| r.expr.variables().iter().copied()).collect();
        set.into_iter().collect()
    }
}

/// FNV-1a over bytes.
fn fingerprint(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf2_9ce4_8422_2325u64, |hash, b| (hash ^ *b as u64).wrapping_mul(0x0000_0100_0000_01b3))
}

/// The file line and column of a position (1-based line and character column) inside a TOML string value.
/// The value's text is found within its span; escapes inside a basic string could shift the column, in which
/// case the position is that of the value's start.
fn file_position(text: &str, value: &toml::Spanned<String>, line: usize, column: usize) -> (usize, usize) {
    let span = value.span();
    let raw = text.get(span.clone()).unwrap_or("");
    let content = value.get_ref();
    let start = match raw.find(content.as_str()) {
        Some(offset) => span.start + offset,
        None => return line_column(text, span.start),
    };
    // The byte offset of (line, column) within the content.
    let mut offset = 0;
    for (index, content_line) in content.split('\n').enumerate() {
        if index + 1 == line {
            offset +=
                content_line.char_indices().nth(column.saturating_sub(1)).map(|(i, _)| i).unwrap_or(content_line.len());
            break;
        }
        offset += content_line.len() + 1;
    }
    line_column(text, start + offset.min(content.len()))
}

/// 1-based line and character column of a byte offset.
fn line_column(text: &str, offset: usize) -> (usize, usize) {
    let offset = offset.min(text.len());
    let mut boundary = offset;
    while !text.is_char_boundary(boundary) {
        boundary -= 1;
    }
    let before = &text[..boundary];
    let line = before.matches('\n').count() + 1;
    let column = before.rsplit('\n').next().map(|l| l.chars().count()).unwrap_or(0) + 1;
    (line, column)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::expr::Ty;

    fn schema() -> Schema {
        let mut schema = Schema::new();
        let channel = schema.domain("channel", &["cash-deposit", "card"]);
        schema.var("channel", channel);
        schema.var("amount", Ty::Money);
        schema.var("creditor.in.count_1h", Ty::Integer);
        schema
    }

    const FILE: &str = r#"name = "test"

[[rule]]
id = "big-cash"
description = "A large cash deposit"
typology = "structuring"
score = 0.5
action = "review"
expression = 'channel == "cash-deposit" && amount > 9000.0'

[[rule]]
id = "fan-in"
description = "Many payers in an hour"
typology = "mule_network"
score = 0.7
action = "hold"
mode = "shadow"
expression = '''
  creditor.in.count_1h >= 10
'''
"#;

    #[test]
    fn loads_compiles_and_evaluates() {
        let schema = schema();
        let set = RuleSet::from_toml(FILE, "rules.toml", &schema).unwrap();
        assert_eq!(set.rules.len(), 2);
        assert!(set.version.starts_with("test@"));
        assert_eq!(RuleSet::from_toml(FILE, "again.toml", &schema).unwrap().version, set.version);
        assert_eq!(set.rules[1].mode, Mode::Shadow);
        assert_eq!(set.rules[1].typology, Some(Typology::MuleNetwork));
        assert_eq!(set.rules[0].action, Decision::Review);
        assert_eq!(set.variables(), vec![0, 1, 2]);
        let mut slots = vec![Value::code(0), Value::num(9500.0), Value::int(12)];
        let mut fired = Vec::new();
        set.evaluate(&slots, &mut fired);
        assert_eq!(fired, vec![0, 1]);
        slots[0] = Value::code(1);
        fired.clear();
        set.evaluate(&slots, &mut fired);
        assert_eq!(fired, vec![1]);
    }

    #[test]
    fn errors_name_file_rule_and_position() {
        let schema = schema();
        let bad = FILE.replace("creditor.in.count_1h >= 10", "creditor.in.cnt_1h >= 10");
        let err = RuleSet::from_toml(&bad, "rules.toml", &schema).unwrap_err().to_string();
        assert!(err.starts_with("rules.toml:19:3: rule \"fan-in\": unknown variable"), "{err}");
        assert!(err.contains("creditor.in.count_1h"), "did you mean: {err}");
        let bad = FILE.replace("\"cash-deposit\"", "\"cash-deposti\"");
        let err = RuleSet::from_toml(&bad, "rules.toml", &schema).unwrap_err().to_string();
        assert!(err.starts_with("rules.toml:9:26: rule \"big-cash\""), "{err}");
        let bad = FILE.replace("score = 0.5", "score = 1.5");
        assert!(RuleSet::from_toml(&bad, "r.toml", &schema)
            .unwrap_err()
            .to_string()
            .contains("rule \"big-cash\": score 1.5"));
        let bad = FILE.replace("action = \"hold\"", "action = \"freeze\"");
        assert!(RuleSet::from_toml(&bad, "r.toml", &schema)
            .unwrap_err()
            .to_string()
            .contains("unknown decision \"freeze\""));
        let bad = FILE.replace("mode = \"shadow\"", "mode = \"test\"");
        assert!(RuleSet::from_toml(&bad, "r.toml", &schema).unwrap_err().to_string().contains("neither"));
        let bad = FILE.replace("id = \"fan-in\"", "id = \"big-cash\"");
        assert!(RuleSet::from_toml(&bad, "r.toml", &schema).unwrap_err().to_string().contains("comes earlier"));
        let bad = FILE.replace("score = 0.5", "scor = 0.5");
        let err = RuleSet::from_toml(&bad, "r.toml", &schema).unwrap_err().to_string();
        assert!(err.starts_with("r.toml") && err.contains("scor"), "{err}");
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig { cases: 512, ..Default::default() })]

        #[test]
        fn any_text_loads_or_errs_without_panicking(text in "\\PC{0,300}") {
            let _ = RuleSet::from_toml(&text, "fuzz.toml", &schema());
        }

        #[test]
        fn mangled_files_load_or_name_the_file(cut in 0usize..400, insert in "[a-z_=\\[\\]0-9.'\"&|!<> \\n-]{0,12}") {
            let cut = (0..=cut.min(FILE.len())).rev().find(|i| FILE.is_char_boundary(*i)).unwrap_or(0);
            let mangled = format!("{}{}{}", &FILE[..cut], insert, &FILE[cut..]);
            if let Err(e) = RuleSet::from_toml(&mangled, "mangled.toml", &schema()) {
                proptest::prop_assert!(e.to_string().starts_with("mangled.toml"), "{}", e);
            }
        }
    }
}
