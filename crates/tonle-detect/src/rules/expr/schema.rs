//! The variables an expression may read: their names, types and slots, and the enum domains.

use rustc_hash::FxHashMap;

/// Static type of a variable or sub-expression.
///
/// At run time numbers, money and durations are `f64`, integers `i64`, bools a bit and enums a `u32` code.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Ty {
    /// A plain number (`f64`).
    Number,
    /// A whole number (`i64`), such as a count; promotes to a number when mixed with one.
    Integer,
    /// `true` or `false`.
    Bool,
    /// An amount of money (`f64`, in whatever unit the caller fills in); mixes only with money.
    Money,
    /// A span of time in seconds (`f64`); mixes only with durations.
    Duration,
    /// A value of the closed vocabulary declared by [`Schema::domain`] (its index in declaration order).
    Enum(u32),
}

/// The code of an enum value that is not in its domain (or absent). It equals nothing, not even itself.
pub const UNKNOWN_CODE: u32 = u32::MAX;

/// One untagged 8-byte slot of the array an expression is evaluated over.
///
/// The schema says how each slot is read; a slot filled with the wrong constructor is misread (never unsafe).
/// Money and durations (in seconds) are filled with [`Value::num`]. The default is all bits zero: `0.0`, `0`,
/// `false` or the first value of an enum domain.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Value(u64);

impl Value {
    /// A number, money amount or duration in seconds.
    #[inline]
    pub const fn num(x: f64) -> Self {
        Value(x.to_bits())
    }

    /// An integer.
    #[inline]
    pub const fn int(x: i64) -> Self {
        Value(x as u64)
    }

    /// A bool.
    #[inline]
    pub const fn bool(b: bool) -> Self {
        Value(b as u64)
    }

    /// An enum code, from [`Schema::code`] (or [`UNKNOWN_CODE`]).
    #[inline]
    pub const fn code(code: u32) -> Self {
        Value(code as u64)
    }

    /// The value as a number, read as a variable of type `ty`: numbers, money and durations as they are,
    /// integers converted, bools 0 or 1, enum codes as their code (NaN for [`UNKNOWN_CODE`]). The input of
    /// models.
    #[inline]
    pub fn to_f64(self, ty: Ty) -> f64 {
        match ty {
            Ty::Number | Ty::Money | Ty::Duration => f64::from_bits(self.0),
            Ty::Integer => self.0 as i64 as f64,
            Ty::Bool => (self.0 != 0) as u8 as f64,
            Ty::Enum(_) if self.0 as u32 == UNKNOWN_CODE => f64::NAN,
            Ty::Enum(_) => self.0 as u32 as f64,
        }
    }

    #[inline(always)]
    pub(super) const fn bits(self) -> u64 {
        self.0
    }
}

#[derive(Clone, Debug)]
struct Domain {
    name: String,
    values: Vec<String>,
    codes: FxHashMap<String, u32>,
}

#[derive(Clone, Copy, Debug)]
struct Variable {
    slot: usize,
    ty: Ty,
}

/// Declared enum domains and variables; each variable owns one slot, numbered from 0 in declaration order.
#[derive(Clone, Debug, Default)]
pub struct Schema {
    variables: FxHashMap<String, Variable>,
    names: Vec<String>,
    domains: Vec<Domain>,
}

impl Schema {
    /// An empty schema.
    pub fn new() -> Self {
        Self::default()
    }

    /// Declares an enum domain (such as `country` or `channel`) and returns its type. Codes are the positions
    /// in `values`; a repeated value keeps its first code. Domains are nominal: two domains never mix, even
    /// with the same values.
    ///
    /// # Panics
    ///
    /// If more than `u32::MAX` domains, or a domain of `u32::MAX` values or more, are declared.
    pub fn domain(&mut self, name: &str, values: &[&str]) -> Ty {
        let mut codes = FxHashMap::default();
        for (position, value) in values.iter().enumerate() {
            let code =
                u32::try_from(position).ok().filter(|&code| code != UNKNOWN_CODE).expect("enum domain too large");
            codes.entry(value.to_string()).or_insert(code);
        }
        let id = u32::try_from(self.domains.len()).expect("too many enum domains");
        self.domains.push(Domain {
            name: name.to_owned(),
            values: values.iter().map(|value| value.to_string()).collect(),
            codes,
        });
        Ty::Enum(id)
    }

    /// Declares a variable and returns its slot. Declaring a name again changes its type and keeps its slot.
    /// Names are identifiers, optionally dotted (`creditor.in.distinct_24h`); others cannot be referenced.
    pub fn var(&mut self, name: &str, ty: Ty) -> usize {
        if let Some(variable) = self.variables.get_mut(name) {
            variable.ty = ty;
            return variable.slot;
        }
        let slot = self.names.len();
        self.variables.insert(name.to_owned(), Variable { slot, ty });
        self.names.push(name.to_owned());
        slot
    }

    /// The number of slots (declared variables); the slot array passed to an expression must be this long.
    pub fn len(&self) -> usize {
        self.names.len()
    }

    /// Whether no variable is declared.
    pub fn is_empty(&self) -> bool {
        self.names.is_empty()
    }

    /// Slot and type of a variable.
    pub fn slot(&self, name: &str) -> Option<(usize, Ty)> {
        self.variables.get(name).map(|variable| (variable.slot, variable.ty))
    }

    /// Name of the variable in `slot`.
    pub fn name(&self, slot: usize) -> Option<&str> {
        self.names.get(slot).map(String::as_str)
    }

    /// A slot's value as text, by the variable's type: numbers and money in full (`9500`, `0.25`), integers,
    /// `true`/`false`, durations in the largest whole unit (`90d`, `36h`, `10m`, `45s`, or seconds with a
    /// fraction; `never` for +infinity), enum values by name (`unknown` outside the domain). `None` for a slot
    /// no variable owns.
    pub fn describe(&self, slot: usize, value: Value) -> Option<String> {
        let ty = self.variables.get(self.names.get(slot)?)?.ty;
        let number = f64::from_bits(value.bits());
        Some(match ty {
            Ty::Number | Ty::Money => format!("{number}"),
            Ty::Integer => format!("{}", value.bits() as i64),
            Ty::Bool => format!("{}", value.bits() != 0),
            Ty::Duration => describe_seconds(number),
            Ty::Enum(_) => self
                .domain_of(ty)
                .and_then(|domain| domain.values.get(value.bits() as u32 as usize))
                .cloned()
                .unwrap_or_else(|| "unknown".to_owned()),
        })
    }

    /// Enum code of a run-time string, to fill a slot; [`UNKNOWN_CODE`] if `text` is not in the domain or `ty`
    /// is not an enum type.
    pub fn code(&self, ty: Ty, text: &str) -> u32 {
        self.domain_of(ty).and_then(|domain| domain.codes.get(text).copied()).unwrap_or(UNKNOWN_CODE)
    }

    /// Name of a type for messages: `number`, `integer`, `bool`, `money`, `duration` or `enum <domain>`.
    pub fn ty_name(&self, ty: Ty) -> String {
        match ty {
            Ty::Number => "number".into(),
            Ty::Integer => "integer".into(),
            Ty::Bool => "bool".into(),
            Ty::Money => "money".into(),
            Ty::Duration => "duration".into(),
            Ty::Enum(id) => match self.domain_of(ty) {
                Some(domain) => format!("enum {}", domain.name),
                None => format!("enum #{id}"),
            },
        }
    }

    /// Names of all variables in slot order.
    pub(super) fn names(&self) -> impl Iterator<Item = &str> {
        self.names.iter().map(String::as_str)
    }

    /// Values of an enum domain in code order (empty if `ty` is not an enum type).
    pub fn values(&self, ty: Ty) -> impl Iterator<Item = &str> {
        self.domain_of(ty).into_iter().flat_map(|domain| domain.values.iter().map(String::as_str))
    }

    fn domain_of(&self, ty: Ty) -> Option<&Domain> {
        match ty {
            Ty::Enum(id) => self.domains.get(usize::try_from(id).ok()?),
            _ => None,
        }
    }
}

/// Seconds as a duration literal a rule author would write.
fn describe_seconds(seconds: f64) -> String {
    if seconds == f64::INFINITY {
        return "never".to_owned();
    }
    if seconds.fract() == 0.0 && seconds.abs() < 1e15 {
        let whole = seconds as i64;
        for (unit, suffix) in [(86_400, "d"), (3_600, "h"), (60, "m")] {
            if whole != 0 && whole % unit == 0 {
                return format!("{}{suffix}", whole / unit);
            }
        }
        return format!("{whole}s");
    }
    format!("{seconds}s")
}
