//! The rule-expression language: typed bool expressions over a transaction's fields and features, compiled
//! once into closures and evaluated per transaction over an array of slots.
//!
//! ```text
//! amount_usd >= 9_000.0 && channel in ["cash-deposit", "cash-withdrawal"]
//! creditor.in.distinct_24h >= 10 && debtor.since_last > 90d
//! debtor.out.sum_10m / max(debtor.in.sum_10m, 1.0) > 0.8
//! ```
//!
//! # Types
//!
//! A [`Schema`] declares the variables and their types ([`Ty`]):
//! - `number` (`f64`) and `integer` (`i64`); an integer mixed with a number is promoted to a number;
//! - `bool`;
//! - `money` and `duration` (`f64`, durations in seconds): they mix only with themselves (`+`, `-`, comparisons,
//!   `max`, `min`; money / money and duration / duration are numbers) and scale by numbers (`money * 2`,
//!   `duration / 4`). A bare number literal (optionally negated) also counts as money, since there is no
//!   currency syntax: `amount_usd > 9000.0`. Durations always need a unit;
//! - `enum`: a closed vocabulary declared with [`Schema::domain`] (countries, channels); compared with `==` and
//!   `!=` against string literals or a variable of the same domain, or tested with `in [...]`. String literals
//!   are checked against the domain when compiling, so a typo is an error, not a rule that never fires. There
//!   are no other strings.
//!
//! A rule is a `bool` expression.
//!
//! # Syntax
//!
//! - Literals: integers `10`, `1_000_000`; numbers with a fraction `0.8`, `9_000.5` (no exponents); durations
//!   `30s`, `10m`, `24h`, `90d`, `1.5h`; `true`, `false`; strings `"DE"` or `'DE'` (no escapes, one line). `_`
//!   separates digits.
//! - Names: letters, digits and `_`, not starting with a digit, and dotted paths: `creditor.in.distinct_24h`
//!   (after a dot, keywords such as `in` are ordinary names).
//! - Operators, tightest first; binary ones are left-associative:
//!
//!   | operators                                | operands                                      |
//!   |------------------------------------------|-----------------------------------------------|
//!   | prefix `!`, `-`                          | bool; number, integer, money, duration        |
//!   | `*` `/`                                  | numeric                                       |
//!   | `+` `-`                                  | numeric                                       |
//!   | `==` `!=` `<` `<=` `>` `>=`, `x in [..]` | numeric; bool and enum: only `==`, `!=`, `in` |
//!   | `&&`                                     | bool, stops at the first `false`              |
//!   | `\|\|`                                   | bool, stops at the first `true`               |
//!
//!   `x in ["a", "b"]` takes an enum on the left and string literals (a trailing comma is fine).
//! - Functions: `max(a, b)`, `min(a, b)` (arguments mix as in comparisons), `abs(a)`.
//! - Parentheses group. Nesting is limited to [`MAX_DEPTH`] levels; deeper input is an error.
//!
//! # Arithmetic
//!
//! Numbers, money and durations compute in `f64`: division by zero gives an infinity (or NaN for `0 / 0`), and
//! every comparison with NaN is false (except `!=`). `max` and `min` ignore a NaN argument. Integers compute in
//! `i64`, wrapping on overflow; `/` always gives a number (`7 / 2` is `3.5`; `1 / 0` is infinity).
//!
//! # Absent values
//!
//! The schema has no null: every slot always holds a value of its type. Callers encode absence as a value that
//! makes rules read naturally, and document it with the variable: "never" as `+infinity` for durations (so
//! `debtor.since_last > 90d` holds for a first transaction), a count as `0`, an unknown or missing enum value
//! as [`UNKNOWN_CODE`], which equals nothing (`==` is false and `!=` true, against a literal or another enum).
//!
//! # Evaluation
//!
//! [`compile()`] parses, type-checks and compiles an expression against a schema into an [`Expr`]. The caller
//! fills one [`Value`] per schema variable, at the variable's slot, and calls [`Expr::eval`]; evaluation reads
//! the slots untagged, as the checker fixed, and does no lookups by name and no allocation.
//!
//! ```
//! use tonle_detect::rules::expr::{compile, Schema, Ty, Value};
//!
//! let mut schema = Schema::new();
//! let channel = schema.domain("channel", &["cash-deposit", "sepa"]);
//! let amount = schema.var("amount_usd", Ty::Money);
//! let channel_slot = schema.var("channel", channel);
//! let since_last = schema.var("debtor.since_last", Ty::Duration);
//!
//! let rule = compile(&schema, r#"amount_usd >= 9000.0 && (channel == "cash-deposit" || debtor.since_last > 90d)"#)?;
//! let mut slots = vec![Value::default(); schema.len()];
//! slots[amount] = Value::num(9_500.0);
//! slots[channel_slot] = Value::code(schema.code(channel, "sepa"));
//! slots[since_last] = Value::num(f64::INFINITY); // first transaction: never seen before
//! assert!(rule.eval(&slots));
//! assert_eq!(rule.variables(), &[amount, channel_slot, since_last]);
//!
//! let error = compile(&schema, r#"channel == "cash-deposti""#).err().unwrap();
//! assert_eq!(error.to_string(), r#"1:12: "cash-deposti" is not a value of enum channel (did you mean "cash-deposit"?)"#);
//! # Ok::<(), tonle_detect::rules::expr::CompileError>(())
//! ```

mod compile;
mod lexer;
mod parser;
mod schema;

pub use schema::{Schema, Ty, Value, UNKNOWN_CODE};

use compile::BoolFn;

/// The deepest nesting an expression may have: of parentheses, operators and calls, in the source and in its
/// tree. Chains of `&&` or of `||` do not nest.
pub const MAX_DEPTH: usize = 64;

/// Why an expression does not compile, at a position within it.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{line}:{column}: {message}")]
pub struct CompileError {
    /// 1-based line.
    pub line: usize,
    /// 1-based column, in characters.
    pub column: usize,
    /// What is wrong.
    pub message: String,
}

impl CompileError {
    /// An error at byte offset `pos` of `src`.
    fn at(src: &str, pos: usize, message: String) -> CompileError {
        // Offsets come from the lexer and are char boundaries; an offset that is not would count the whole source.
        let before = src.get(..pos).unwrap_or(src);
        let line = before.matches('\n').count() + 1;
        let line_start = before.rfind('\n').map_or(0, |newline| newline + 1);
        let column = before[line_start..].chars().count() + 1;
        CompileError { line, column, message }
    }
}

/// A slot array shorter than the schema the expression was compiled against.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
#[error("the expression needs {needed} slots, got {given}")]
pub struct SlotError {
    /// The schema's length when the expression was compiled.
    pub needed: usize,
    /// The slot array's length.
    pub given: usize,
}

/// A compiled, type-checked rule expression. It is `Send + Sync` and evaluates without allocating.
pub struct Expr {
    rule: BoolFn,
    variables: Vec<usize>,
    slot_count: usize,
}

impl Expr {
    /// Evaluates the expression over `slots`, which holds a value for every schema variable at its slot.
    ///
    /// Never panics: a slot array shorter than the schema (when the expression was compiled) yields `false`, a
    /// rule that does not fire. [`Expr::evaluate`] reports it instead.
    #[inline]
    pub fn eval(&self, slots: &[Value]) -> bool {
        // With this check the closures, which only read slots below the schema's length, index freely.
        slots.len() >= self.slot_count && (self.rule)(slots)
    }

    /// Evaluates the expression like [`Expr::eval`], or reports a slot array shorter than the schema.
    pub fn evaluate(&self, slots: &[Value]) -> Result<bool, SlotError> {
        if slots.len() < self.slot_count {
            return Err(SlotError { needed: self.slot_count, given: slots.len() });
        }
        Ok((self.rule)(slots))
    }

    /// The slots the expression reads, sorted and without repeats: only these features need computing.
    pub fn variables(&self) -> &[usize] {
        &self.variables
    }

    /// The length of slot array the expression needs: the schema's length when it was compiled.
    pub fn slot_count(&self) -> usize {
        self.slot_count
    }
}

impl std::fmt::Debug for Expr {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Expr").field("variables", &self.variables).field("slot_count", &self.slot_count).finish()
    }
}

/// Parses, type-checks and compiles `src` against `schema`. Errors carry the line and column within `src`;
/// the rule loader adds the file and rule.
pub fn compile(schema: &Schema, src: &str) -> Result<Expr, CompileError> {
    let tokens = lexer::tokenize(src)?;
    let root = parser::parse(src, tokens)?;
    let (rule, variables) = compile::compile_rule(schema, src, &root)?;
    Ok(Expr { rule, variables, slot_count: schema.len() })
}
