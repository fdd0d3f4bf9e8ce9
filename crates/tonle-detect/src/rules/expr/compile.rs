//! Type checker and compiler: a syntax tree to a tree of closures over the slot array.
//!
//! Checking and compiling are one pass: each node is checked and turned into a [`Compiled`] that carries its
//! type and its run-time form. The checker fixes how every slot is read, so the closures do no tag tests, no
//! lookups by name and no allocation. Numeric operands keep slots and constants apart, so that an operation
//! on them becomes a single closure and constant sub-expressions are folded.

use super::parser::{ArithOp, CompareOp, Node, NodeKind};
use super::schema::{Schema, Ty, Value, UNKNOWN_CODE};
use super::CompileError;

/// A compiled bool expression.
pub(super) type BoolFn = Box<dyn Fn(&[Value]) -> bool + Send + Sync>;

/// A compiled numeric expression.
type ScalarFn<S> = Box<dyn Fn(&[Value]) -> S + Send + Sync>;

/// A run-time numeric representation: `f64` (numbers, money, durations) or `i64` (integers).
trait Scalar: Copy + PartialOrd + Send + Sync + 'static {
    fn read(value: Value) -> Self;
}

impl Scalar for f64 {
    #[inline(always)]
    fn read(value: Value) -> f64 {
        f64::from_bits(value.bits())
    }
}

impl Scalar for i64 {
    #[inline(always)]
    fn read(value: Value) -> i64 {
        value.bits() as i64
    }
}

/// A numeric operand: a slot, a constant or a computation.
enum Operand<S: Scalar> {
    Slot(usize),
    Const(S),
    Dynamic(ScalarFn<S>),
}

impl<S: Scalar> Operand<S> {
    fn into_fn(self) -> ScalarFn<S> {
        match self {
            Operand::Slot(slot) => Box::new(move |slots| S::read(slots[slot])),
            Operand::Const(k) => Box::new(move |_| k),
            Operand::Dynamic(f) => f,
        }
    }

    /// Applies `f` to the operand, folding a constant.
    fn map(self, f: impl Fn(S) -> S + Send + Sync + 'static) -> Operand<S> {
        match self {
            Operand::Const(k) => Operand::Const(f(k)),
            Operand::Slot(slot) => Operand::Dynamic(Box::new(move |slots| f(S::read(slots[slot])))),
            Operand::Dynamic(g) => Operand::Dynamic(Box::new(move |slots| f(g(slots)))),
        }
    }
}

/// Combines two operands with `f`, specialised for slots and constants.
fn binary<S: Scalar>(l: Operand<S>, r: Operand<S>, f: impl Fn(S, S) -> S + Copy + Send + Sync + 'static) -> Operand<S> {
    use Operand::{Const, Dynamic, Slot};
    match (l, r) {
        (Const(a), Const(b)) => Const(f(a, b)),
        (Slot(i), Const(k)) => Dynamic(Box::new(move |slots| f(S::read(slots[i]), k))),
        (Const(k), Slot(i)) => Dynamic(Box::new(move |slots| f(k, S::read(slots[i])))),
        (Slot(i), Slot(j)) => Dynamic(Box::new(move |slots| f(S::read(slots[i]), S::read(slots[j])))),
        (l, Const(k)) => {
            let g = l.into_fn();
            Dynamic(Box::new(move |slots| f(g(slots), k)))
        }
        (l, r) => {
            let (g, h) = (l.into_fn(), r.into_fn());
            Dynamic(Box::new(move |slots| f(g(slots), h(slots))))
        }
    }
}

/// Compares two operands with `f`, specialised for slots and constants.
fn predicate<S: Scalar>(
    l: Operand<S>,
    r: Operand<S>,
    f: impl Fn(S, S) -> bool + Copy + Send + Sync + 'static,
) -> BoolFn {
    use Operand::{Const, Slot};
    match (l, r) {
        (Const(a), Const(b)) => {
            let result = f(a, b);
            Box::new(move |_| result)
        }
        (Slot(i), Const(k)) => Box::new(move |slots| f(S::read(slots[i]), k)),
        (Const(k), Slot(i)) => Box::new(move |slots| f(k, S::read(slots[i]))),
        (Slot(i), Slot(j)) => Box::new(move |slots| f(S::read(slots[i]), S::read(slots[j]))),
        (l, Const(k)) => {
            let g = l.into_fn();
            Box::new(move |slots| f(g(slots), k))
        }
        (l, r) => {
            let (g, h) = (l.into_fn(), r.into_fn());
            Box::new(move |slots| f(g(slots), h(slots)))
        }
    }
}

fn compare<S: Scalar>(op: CompareOp, l: Operand<S>, r: Operand<S>) -> BoolFn {
    match op {
        CompareOp::Eq => predicate(l, r, |a, b| a == b),
        CompareOp::Ne => predicate(l, r, |a, b| a != b),
        CompareOp::Lt => predicate(l, r, |a, b| a < b),
        CompareOp::Le => predicate(l, r, |a, b| a <= b),
        CompareOp::Gt => predicate(l, r, |a, b| a > b),
        CompareOp::Ge => predicate(l, r, |a, b| a >= b),
    }
}

/// The run-time form of a numeric expression.
enum NumericValue {
    Integer(Operand<i64>),
    Float(Operand<f64>),
}

impl NumericValue {
    fn into_float(self) -> Operand<f64> {
        match self {
            NumericValue::Float(operand) => operand,
            NumericValue::Integer(Operand::Const(k)) => Operand::Const(k as f64),
            NumericValue::Integer(Operand::Slot(slot)) => {
                Operand::Dynamic(Box::new(move |slots| i64::read(slots[slot]) as f64))
            }
            NumericValue::Integer(Operand::Dynamic(f)) => Operand::Dynamic(Box::new(move |slots| f(slots) as f64)),
        }
    }
}

/// A checked numeric expression. `value` is [`NumericValue::Integer`] exactly when `ty` is [`Ty::Integer`].
struct Numeric {
    ty: Ty,
    /// A bare number literal, possibly negated: it also counts as money.
    literal: bool,
    value: NumericValue,
}

/// A checked, compiled expression.
enum Compiled {
    Numeric(Numeric),
    Bool(BoolFn),
    /// Enums are only read from slots.
    Enum {
        ty: Ty,
        slot: usize,
    },
    /// String literals only appear compared with or listed against an enum.
    Str {
        text: String,
        pos: usize,
    },
}

fn is_plain(ty: Ty) -> bool {
    matches!(ty, Ty::Number | Ty::Integer)
}

fn is_unit(ty: Ty) -> bool {
    matches!(ty, Ty::Money | Ty::Duration)
}

/// The type two numeric operands are compared or chosen between (`max`, `min`) as, if they mix.
fn common_type(l: &Numeric, r: &Numeric) -> Option<Ty> {
    if l.ty == r.ty {
        Some(l.ty)
    } else if is_plain(l.ty) && is_plain(r.ty) {
        Some(Ty::Number)
    } else if (l.ty == Ty::Money && r.literal) || (r.ty == Ty::Money && l.literal) {
        Some(Ty::Money)
    } else {
        None
    }
}

/// The type of `l op r`, if defined.
fn arith_type(op: ArithOp, l: &Numeric, r: &Numeric) -> Option<Ty> {
    let additive = matches!(op, ArithOp::Add | ArithOp::Sub);
    let scaling = matches!(op, ArithOp::Mul | ArithOp::Div);
    match (l.ty, r.ty) {
        (Ty::Integer, Ty::Integer) if op != ArithOp::Div => Some(Ty::Integer),
        (a, b) if is_plain(a) && is_plain(b) => Some(Ty::Number),
        (a, b) if is_unit(a) && a == b && additive => Some(a),
        (a, b) if is_unit(a) && a == b && op == ArithOp::Div => Some(Ty::Number),
        (Ty::Money, _) if additive && r.literal => Some(Ty::Money),
        (_, Ty::Money) if additive && l.literal => Some(Ty::Money),
        (a, b) if is_unit(a) && is_plain(b) && scaling => Some(a),
        (a, b) if is_plain(a) && is_unit(b) && op == ArithOp::Mul => Some(b),
        _ => None,
    }
}

/// Checks and compiles `root`, which must be bool; returns the closure and the slots it reads (sorted, unique).
pub(super) fn compile_rule(schema: &Schema, src: &str, root: &Node) -> Result<(BoolFn, Vec<usize>), CompileError> {
    let mut compiler = Compiler { schema, src, variables: Vec::new() };
    match compiler.compile(root)? {
        Compiled::Bool(rule) => {
            let mut variables = compiler.variables;
            variables.sort_unstable();
            variables.dedup();
            Ok((rule, variables))
        }
        other => {
            let message = format!("a rule expression must be bool, this one is {}", compiler.type_name(&other));
            Err(compiler.error(root.start, message))
        }
    }
}

struct Compiler<'a> {
    schema: &'a Schema,
    src: &'a str,
    /// Slots read so far, with repeats.
    variables: Vec<usize>,
}

impl Compiler<'_> {
    fn error(&self, pos: usize, message: String) -> CompileError {
        CompileError::at(self.src, pos, message)
    }

    fn type_name(&self, compiled: &Compiled) -> String {
        match compiled {
            Compiled::Numeric(numeric) => self.schema.ty_name(numeric.ty),
            Compiled::Bool(_) => self.schema.ty_name(Ty::Bool),
            Compiled::Enum { ty, .. } => self.schema.ty_name(*ty),
            Compiled::Str { .. } => "string".into(),
        }
    }

    /// The tree's depth is bounded by the parser, and so is this recursion.
    fn compile(&mut self, node: &Node) -> Result<Compiled, CompileError> {
        let numeric = |ty, literal, value| Ok(Compiled::Numeric(Numeric { ty, literal, value }));
        match &node.kind {
            NodeKind::Number(x) => numeric(Ty::Number, true, NumericValue::Float(Operand::Const(*x))),
            NodeKind::Integer(x) => numeric(Ty::Integer, true, NumericValue::Integer(Operand::Const(*x))),
            NodeKind::Duration(x) => numeric(Ty::Duration, false, NumericValue::Float(Operand::Const(*x))),
            NodeKind::Bool(b) => {
                let b = *b;
                Ok(Compiled::Bool(Box::new(move |_| b)))
            }
            NodeKind::Str(text) => Ok(Compiled::Str { text: text.clone(), pos: node.pos }),
            NodeKind::Var(name) => self.variable(name, node.pos),
            NodeKind::Not(operand) => {
                let f = self.bool(operand, "`!` needs a bool")?;
                Ok(Compiled::Bool(Box::new(move |slots| !f(slots))))
            }
            NodeKind::Neg(operand) => match self.compile(operand)? {
                Compiled::Numeric(Numeric { ty, literal, value }) => {
                    let value = match value {
                        NumericValue::Integer(operand) => NumericValue::Integer(operand.map(i64::wrapping_neg)),
                        NumericValue::Float(operand) => NumericValue::Float(operand.map(|x| -x)),
                    };
                    numeric(ty, literal, value)
                }
                other => {
                    Err(self.error(operand.start, format!("`-` needs a number, found {}", self.type_name(&other))))
                }
            },
            NodeKind::And(operands) => {
                let operands = self.bools(operands, "`&&` needs bool operands")?;
                Ok(Compiled::Bool(all(operands)))
            }
            NodeKind::Or(operands) => {
                let operands = self.bools(operands, "`||` needs bool operands")?;
                Ok(Compiled::Bool(any(operands)))
            }
            NodeKind::Arith(op, l, r) => self.arith(*op, l, r, node.pos),
            NodeKind::Compare(op, l, r) => self.compare(*op, l, r, node.pos),
            NodeKind::In(operand, items) => self.membership(operand, items),
            NodeKind::Call(name, args) => self.call(name, args, node.pos),
        }
    }

    fn variable(&mut self, name: &str, pos: usize) -> Result<Compiled, CompileError> {
        let Some((slot, ty)) = self.schema.slot(name) else {
            let hint =
                suggest(name, self.schema.names()).map(|s| format!(" (did you mean `{s}`?)")).unwrap_or_default();
            return Err(self.error(pos, format!("unknown variable `{name}`{hint}")));
        };
        self.variables.push(slot);
        let numeric = |value| Compiled::Numeric(Numeric { ty, literal: false, value });
        Ok(match ty {
            Ty::Integer => numeric(NumericValue::Integer(Operand::Slot(slot))),
            Ty::Number | Ty::Money | Ty::Duration => numeric(NumericValue::Float(Operand::Slot(slot))),
            Ty::Bool => Compiled::Bool(Box::new(move |slots| slots[slot].bits() != 0)),
            Ty::Enum(_) => Compiled::Enum { ty, slot },
        })
    }

    /// Compiles a bool operand; `needs` starts the message if it is not one.
    fn bool(&mut self, node: &Node, needs: &str) -> Result<BoolFn, CompileError> {
        match self.compile(node)? {
            Compiled::Bool(f) => Ok(f),
            other => Err(self.error(node.start, format!("{needs}, found {}", self.type_name(&other)))),
        }
    }

    fn bools(&mut self, nodes: &[Node], needs: &str) -> Result<Vec<BoolFn>, CompileError> {
        nodes.iter().map(|node| self.bool(node, needs)).collect()
    }

    /// Compiles a numeric operand of `what` (an operator or function, for the message).
    fn numeric(&mut self, node: &Node, what: &str) -> Result<Numeric, CompileError> {
        match self.compile(node)? {
            Compiled::Numeric(numeric) => Ok(numeric),
            other => Err(self.error(node.start, format!("{what} needs numbers, found {}", self.type_name(&other)))),
        }
    }

    fn arith(&mut self, op: ArithOp, l: &Node, r: &Node, pos: usize) -> Result<Compiled, CompileError> {
        let what = format!("`{}`", op.symbol());
        let (l, r) = (self.numeric(l, &what)?, self.numeric(r, &what)?);
        let Some(ty) = arith_type(op, &l, &r) else {
            let (l_name, r_name) = (self.schema.ty_name(l.ty), self.schema.ty_name(r.ty));
            let hint = unit_hint(&l, &r);
            return Err(self.error(pos, format!("cannot apply `{}` to {l_name} and {r_name}{hint}", op.symbol())));
        };
        // Integer arithmetic exactly when both sides are integers and the operator is not `/`, as in `arith_type`.
        let value = match (l.value, r.value, op) {
            (NumericValue::Integer(a), NumericValue::Integer(b), ArithOp::Add) => {
                NumericValue::Integer(binary(a, b, i64::wrapping_add))
            }
            (NumericValue::Integer(a), NumericValue::Integer(b), ArithOp::Sub) => {
                NumericValue::Integer(binary(a, b, i64::wrapping_sub))
            }
            (NumericValue::Integer(a), NumericValue::Integer(b), ArithOp::Mul) => {
                NumericValue::Integer(binary(a, b, i64::wrapping_mul))
            }
            (a, b, op) => {
                let (a, b) = (a.into_float(), b.into_float());
                NumericValue::Float(match op {
                    ArithOp::Add => binary(a, b, |x, y| x + y),
                    ArithOp::Sub => binary(a, b, |x, y| x - y),
                    ArithOp::Mul => binary(a, b, |x, y| x * y),
                    ArithOp::Div => binary(a, b, |x, y| x / y),
                })
            }
        };
        Ok(Compiled::Numeric(Numeric { ty, literal: false, value }))
    }

    fn compare(&mut self, op: CompareOp, l: &Node, r: &Node, pos: usize) -> Result<Compiled, CompileError> {
        let (l, r) = (self.compile(l)?, self.compile(r)?);
        let f: BoolFn = match (l, r) {
            (Compiled::Numeric(l), Compiled::Numeric(r)) if common_type(&l, &r).is_some() => match (l.value, r.value) {
                (NumericValue::Integer(a), NumericValue::Integer(b)) => compare(op, a, b),
                (a, b) => compare(op, a.into_float(), b.into_float()),
            },
            (Compiled::Enum { ty, slot }, Compiled::Str { text, pos })
            | (Compiled::Str { text, pos }, Compiled::Enum { ty, slot })
                if op.is_equality() =>
            {
                let code = self.code(ty, &text, pos)?;
                // `code` is never UNKNOWN_CODE, so an unknown value differs from every literal.
                let equal = move |slots: &[Value]| slots[slot].bits() as u32 == code;
                if op == CompareOp::Eq {
                    Box::new(equal) as BoolFn
                } else {
                    Box::new(move |slots| !equal(slots))
                }
            }
            (Compiled::Enum { ty: a_ty, slot: a }, Compiled::Enum { ty: b_ty, slot: b })
                if op.is_equality() && a_ty == b_ty =>
            {
                // An unknown value equals nothing, not even another unknown one.
                let equal = move |slots: &[Value]| {
                    let code = slots[a].bits() as u32;
                    code == slots[b].bits() as u32 && code != UNKNOWN_CODE
                };
                if op == CompareOp::Eq {
                    Box::new(equal) as BoolFn
                } else {
                    Box::new(move |slots| !equal(slots))
                }
            }
            (Compiled::Bool(a), Compiled::Bool(b)) if op.is_equality() => {
                if op == CompareOp::Eq {
                    Box::new(move |slots: &[Value]| a(slots) == b(slots)) as BoolFn
                } else {
                    Box::new(move |slots| a(slots) != b(slots))
                }
            }
            (l, r) => {
                let hint = match (&l, &r) {
                    (Compiled::Numeric(l), Compiled::Numeric(r)) => unit_hint(l, r),
                    _ => "",
                };
                let (l, r) = (self.type_name(&l), self.type_name(&r));
                return Err(self.error(pos, format!("cannot compare {l} `{}` {r}{hint}", op.symbol())));
            }
        };
        Ok(Compiled::Bool(f))
    }

    /// `operand in ["a", "b"]`: a bit set of codes.
    fn membership(&mut self, operand: &Node, items: &[Node]) -> Result<Compiled, CompileError> {
        let (ty, slot) = match self.compile(operand)? {
            Compiled::Enum { ty, slot } => (ty, slot),
            other => {
                let message = format!("`in [...]` needs an enum on the left, found {}", self.type_name(&other));
                return Err(self.error(operand.start, message));
            }
        };
        let mut words: Vec<u64> = Vec::new();
        for item in items {
            let NodeKind::Str(text) = &item.kind else {
                return Err(self.error(item.start, "`in [...]` takes string literals".into()));
            };
            let code = self.code(ty, text, item.pos)? as usize;
            if words.len() <= code / 64 {
                words.resize(code / 64 + 1, 0);
            }
            words[code / 64] |= 1 << (code % 64);
        }
        let f: BoolFn = match words[..] {
            [] => Box::new(|_| false),
            [word] => Box::new(move |slots| {
                let code = slots[slot].bits() as u32;
                code < 64 && (word >> code) & 1 == 1
            }),
            _ => {
                let words = words.into_boxed_slice();
                Box::new(move |slots| {
                    let code = slots[slot].bits() as u32 as usize;
                    words.get(code / 64).is_some_and(|word| (word >> (code % 64)) & 1 == 1)
                })
            }
        };
        Ok(Compiled::Bool(f))
    }

    fn call(&mut self, name: &str, args: &[Node], pos: usize) -> Result<Compiled, CompileError> {
        let what = format!("`{name}`");
        match (name, args) {
            ("abs", [arg]) => {
                let Numeric { ty, value, .. } = self.numeric(arg, &what)?;
                let value = match value {
                    NumericValue::Integer(operand) => NumericValue::Integer(operand.map(i64::wrapping_abs)),
                    NumericValue::Float(operand) => NumericValue::Float(operand.map(f64::abs)),
                };
                Ok(Compiled::Numeric(Numeric { ty, literal: false, value }))
            }
            ("max" | "min", [a, b]) => {
                let (a, b) = (self.numeric(a, &what)?, self.numeric(b, &what)?);
                let Some(ty) = common_type(&a, &b) else {
                    let (a, b) = (self.schema.ty_name(a.ty), self.schema.ty_name(b.ty));
                    return Err(self.error(pos, format!("`{name}` arguments differ: {a} and {b}")));
                };
                let is_max = name == "max";
                let value = match (a.value, b.value) {
                    (NumericValue::Integer(a), NumericValue::Integer(b)) => {
                        NumericValue::Integer(if is_max { binary(a, b, i64::max) } else { binary(a, b, i64::min) })
                    }
                    (a, b) => {
                        let (a, b) = (a.into_float(), b.into_float());
                        NumericValue::Float(if is_max { binary(a, b, f64::max) } else { binary(a, b, f64::min) })
                    }
                };
                Ok(Compiled::Numeric(Numeric { ty, literal: false, value }))
            }
            ("abs", _) | ("max" | "min", _) => {
                let arity = if name == "abs" { "1 argument" } else { "2 arguments" };
                Err(self.error(pos, format!("`{name}` takes {arity}, got {}", args.len())))
            }
            _ => Err(self.error(pos, format!("unknown function `{name}` (have max, min, abs)"))),
        }
    }

    /// The code of enum literal `text`, which must be in the domain of `ty`.
    fn code(&self, ty: Ty, text: &str, pos: usize) -> Result<u32, CompileError> {
        match self.schema.code(ty, text) {
            UNKNOWN_CODE => {
                let hint = suggest(text, self.schema.values(ty))
                    .map(|s| format!(" (did you mean \"{s}\"?)"))
                    .unwrap_or_default();
                Err(self.error(pos, format!("\"{text}\" is not a value of {}{hint}", self.schema.ty_name(ty))))
            }
            code => Ok(code),
        }
    }
}

/// A hint for a duration mixed with a bare number.
fn unit_hint(l: &Numeric, r: &Numeric) -> &'static str {
    let bare_duration = |a: &Numeric, b: &Numeric| a.ty == Ty::Duration && b.literal;
    if bare_duration(l, r) || bare_duration(r, l) {
        " (durations need a unit: `30s`, `10m`, `24h`, `90d`)"
    } else {
        ""
    }
}

/// `a && b && ...`, left to right, stopping at the first false.
fn all(operands: Vec<BoolFn>) -> BoolFn {
    let operands = match <[BoolFn; 2]>::try_from(operands) {
        Ok([a, b]) => return Box::new(move |slots| a(slots) && b(slots)),
        Err(operands) => operands,
    };
    let operands = match <[BoolFn; 3]>::try_from(operands) {
        Ok([a, b, c]) => return Box::new(move |slots| a(slots) && b(slots) && c(slots)),
        Err(operands) => operands.into_boxed_slice(),
    };
    Box::new(move |slots| operands.iter().all(|f| f(slots)))
}

/// `a || b || ...`, left to right, stopping at the first true.
fn any(operands: Vec<BoolFn>) -> BoolFn {
    let operands = match <[BoolFn; 2]>::try_from(operands) {
        Ok([a, b]) => return Box::new(move |slots| a(slots) || b(slots)),
        Err(operands) => operands,
    };
    let operands = match <[BoolFn; 3]>::try_from(operands) {
        Ok([a, b, c]) => return Box::new(move |slots| a(slots) || b(slots) || c(slots)),
        Err(operands) => operands.into_boxed_slice(),
    };
    Box::new(move |slots| operands.iter().any(|f| f(slots)))
}

/// The candidate closest to `name` by edit distance, if close enough to be a likely typo.
fn suggest<'a>(name: &str, candidates: impl Iterator<Item = &'a str>) -> Option<&'a str> {
    const LONGEST: usize = 64;
    let name: Vec<char> = name.chars().collect();
    if name.len() > LONGEST {
        return None;
    }
    let limit = (name.len() / 3).clamp(1, 3);
    let (candidates, others) = candidates.partition::<Vec<_>, _>(|candidate| {
        candidate.len() == name.len() && candidate.chars().zip(&name).all(|(a, b)| a.eq_ignore_ascii_case(b))
    });
    if let Some(candidate) = candidates.first() {
        return Some(candidate);
    }
    others
        .into_iter()
        .filter(|candidate| candidate.len() <= 4 * LONGEST)
        .map(|candidate| (edit_distance(&name, candidate), candidate))
        .filter(|&(distance, _)| distance <= limit)
        .min()
        .map(|(_, candidate)| candidate)
}

/// Levenshtein distance between `a` and `b`, in chars.
fn edit_distance(a: &[char], b: &str) -> usize {
    let mut previous: Vec<usize> = (0..=a.len()).collect();
    let mut current = vec![0; a.len() + 1];
    for (j, cb) in b.chars().enumerate() {
        current[0] = j + 1;
        for (i, &ca) in a.iter().enumerate() {
            let substitution = previous[i] + usize::from(ca != cb);
            current[i + 1] = substitution.min(previous[i + 1] + 1).min(current[i] + 1);
        }
        std::mem::swap(&mut previous, &mut current);
    }
    previous[a.len()]
}
