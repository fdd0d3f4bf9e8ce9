//! The rule-expression language: evaluation on concrete slots, error positions and messages, the sample rules,
//! and property tests (no input panics; compiled closures agree with a tree-walking reference interpreter).

use proptest::prelude::*;
use tonle_detect::rules::expr::{compile, CompileError, Expr, Schema, SlotError, Ty, Value, MAX_DEPTH, UNKNOWN_CODE};

// Compiled expressions are shared between threads; errors are ordinary errors.
const _: fn() = || {
    fn assert_send_sync<T: Send + Sync + 'static>() {}
    assert_send_sync::<Expr>();
    assert_send_sync::<Schema>();
    fn assert_error<T: std::error::Error + Send + Sync + 'static>() {}
    assert_error::<CompileError>();
    assert_error::<SlotError>();
};

// ---------------------------------------------------------------- a schema with every type, filled

/// Variables of every type, with their slots filled.
struct Fixture {
    schema: Schema,
    slots: Vec<Value>,
}

fn fixture() -> Fixture {
    let mut schema = Schema::new();
    let country = schema.domain("country", &["DE", "FR", "NL", "IR"]);
    let channel = schema.domain("channel", &["cash-deposit", "cash-withdrawal", "sepa"]);
    let wide_values: Vec<String> = (0..100).map(|i| format!("v{i}")).collect();
    let wide = schema.domain("wide", &wide_values.iter().map(String::as_str).collect::<Vec<_>>());
    let code = |ty, text| Value::code(schema.code(ty, text));
    let variables = [
        ("x", Ty::Number, Value::num(2.5)),
        ("y", Ty::Number, Value::num(-4.0)),
        ("zero", Ty::Number, Value::num(0.0)),
        ("n", Ty::Integer, Value::int(7)),
        ("m", Ty::Integer, Value::int(-3)),
        ("big", Ty::Integer, Value::int(i64::MAX)),
        ("amount", Ty::Money, Value::num(1500.0)),
        ("limit", Ty::Money, Value::num(1000.0)),
        ("since", Ty::Duration, Value::num(7200.0)),
        ("never", Ty::Duration, Value::num(f64::INFINITY)),
        ("flag", Ty::Bool, Value::bool(true)),
        ("off", Ty::Bool, Value::bool(false)),
        ("country", country, code(country, "DE")),
        ("other_country", country, code(country, "FR")),
        ("same_country", country, code(country, "DE")),
        ("unknown_country", country, code(country, "XX")),
        ("unknown_country2", country, Value::code(UNKNOWN_CODE)),
        ("channel", channel, code(channel, "sepa")),
        ("wide", wide, code(wide, "v70")),
        ("creditor.in.distinct_24h", Ty::Integer, Value::int(12)),
    ];
    let mut slots = Vec::new();
    for (name, ty, value) in variables {
        assert_eq!(schema.var(name, ty), slots.len());
        slots.push(value);
    }
    Fixture { schema, slots }
}

impl Fixture {
    fn compile(&self, src: &str) -> Expr {
        compile(&self.schema, src).unwrap_or_else(|error| panic!("{src}: {error}"))
    }

    fn eval(&self, src: &str) -> bool {
        self.compile(src).eval(&self.slots)
    }

    fn error(&self, src: &str) -> String {
        match compile(&self.schema, src) {
            Ok(_) => panic!("{src}: compiled"),
            Err(error) => error.to_string(),
        }
    }
}

/// Asserts that every expression holds on the fixture.
fn assert_all(sources: &[&str]) {
    let fixture = fixture();
    for src in sources {
        assert!(fixture.eval(src), "{src} should hold");
    }
}

/// Asserts that no expression holds on the fixture.
fn assert_none(sources: &[&str]) {
    let fixture = fixture();
    for src in sources {
        assert!(!fixture.eval(src), "{src} should not hold");
    }
}

// ---------------------------------------------------------------- evaluation

#[test]
fn number_operators_and_functions() {
    assert_all(&[
        "x + 1.5 == 4.0",
        "x - 0.5 == 2.0",
        "x * 2.0 == 5.0",
        "x / 2.0 == 1.25",
        "-x == -2.5",
        "--x == x",
        "-y > x",
        "abs(y) == 4.0",
        "abs(-2.5) == x",
        "max(x, y) == 2.5",
        "min(x, y) == -4.0",
        "x != y",
        "x > y",
        "x >= 2.5",
        "y < x",
        "y <= -4.0",
        "x + y * 2.0 == -5.5",
    ]);
    assert_none(&["x < y", "x <= y", "x == y", "y > x", "y >= x", "x != 2.5"]);
}

#[test]
fn integer_operators_promotion_and_wrapping() {
    assert_all(&[
        "n + m == 4",
        "n - m == 10",
        "n * m == -21",
        "-m == 3",
        "abs(m) == 3",
        "max(n, m) == 7",
        "min(n, m) == -3",
        "n > m",
        "n >= 7 && n <= 7",
        // `/` gives a number, with a fraction.
        "n / 2 == 3.5",
        "7 / 2 > 3",
        // Integers promote to numbers when mixed with them.
        "n + x == 9.5",
        "n > x",
        "n == 7.0",
        "max(n, x) == 7.0",
        "min(m, x) == -3.0",
        "n * x == 17.5",
        // Overflow wraps.
        "big + 1 == -9223372036854775807 - 1",
        "big * 2 == -2",
        "abs(-9223372036854775807 - 1) < 0",
        "creditor.in.distinct_24h >= 10",
    ]);
    assert_none(&["n < m", "n == 8", "n != 7"]);
}

#[test]
fn money_mixes_with_money_and_literals_and_scales_by_numbers() {
    assert_all(&[
        "amount > 1000.0",
        "amount > 1000",
        "1000 < amount",
        "amount >= limit",
        "amount - limit == 500.0",
        "amount + 500 == 2000.0",
        "500.0 + amount == 2000",
        "amount - -500 == 2000",
        "amount * 2 == 3000.0",
        "2.0 * amount == 3000.0",
        "amount * x == 3750",
        "amount / 3 == 500",
        "amount / limit == 1.5",
        "amount / limit > x - 1.5",
        "-amount < 0",
        "-amount == -1500",
        "abs(limit - amount) == 500.0",
        "max(amount, 1.0) == amount",
        "min(amount, limit) == limit",
        "max(-1, limit) == 1000",
    ]);
    assert_none(&["amount < limit", "amount == limit", "amount > 2 * limit"]);
}

#[test]
fn durations_have_units_and_mix_with_durations() {
    assert_all(&[
        "since == 2h",
        "since == 120m",
        "since == 7_200s",
        "since == 1.5h + 30m",
        "since > 90m",
        "since < 1d",
        "90d == 2160h",
        "1.5h == 90m",
        "since + 30m == 2.5h",
        "since - 1h == 60m",
        "since * 2 == 4h",
        "2 * since == 4h",
        "since / 4 == 30m",
        "since / 2h == 1.0",
        "-since < 0s",
        "abs(-since) == since",
        "max(since, 3h) == 3h",
        "min(never, since) == since",
        // "never" is +infinity.
        "never > 90d",
        "never > since",
        "!(never < 10m)",
        "never == never",
        "never + 1d == never",
    ]);
}

#[test]
fn enums_compare_with_checked_literals_and_lists() {
    assert_all(&[
        r#"country == "DE""#,
        r#""DE" == country"#,
        r#"country != "FR""#,
        r#"country == 'DE'"#,
        "country == same_country",
        "country != other_country",
        "!(country == other_country)",
        r#"country in ["FR", "DE"]"#,
        r#"country in ["DE",]"#,
        r#"!(country in ["FR", "NL"])"#,
        r#"!(country in [])"#,
        r#"channel in ["cash-withdrawal", "sepa"]"#,
        r#"channel == "sepa" && country == "DE""#,
        // Codes of 64 and more.
        r#"wide == "v70""#,
        r#"wide in ["v3", "v70", "v99"]"#,
        r#"!(wide in ["v3", "v71", "v99"])"#,
        r#"!(wide in ["v6"])"#,
        // An unknown value equals nothing, not even another unknown one.
        r#"unknown_country != "DE""#,
        r#"!(unknown_country == "DE")"#,
        r#"!(unknown_country in ["DE", "FR", "NL", "IR"])"#,
        "unknown_country != country",
        "!(unknown_country == unknown_country2)",
        "unknown_country != unknown_country2",
        "unknown_country != unknown_country",
    ]);
}

#[test]
fn bools_and_short_circuits() {
    assert_all(&[
        "flag",
        "!off",
        "!!flag",
        "flag == true",
        "off == false",
        "flag != off",
        "flag && !off",
        "off || flag",
    ]);
    assert_none(&["off", "!flag", "flag == off", "flag && off", "off || off", "true == false"]);

    // Truth tables, also for chains of three and more (compiled differently).
    let mut schema = Schema::new();
    let slots: Vec<usize> = (0..5).map(|i| schema.var(&format!("b{i}"), Ty::Bool)).collect();
    let and = compile(&schema, "b0 && b1").unwrap();
    let or = compile(&schema, "b0 || b1").unwrap();
    let and3 = compile(&schema, "b0 && b1 && b2").unwrap();
    let or3 = compile(&schema, "b0 || b1 || b2").unwrap();
    let and5 = compile(&schema, "b0 && (b1 && b2) && b3 && b4").unwrap();
    let or5 = compile(&schema, "b0 || b1 || (b2 || b3) || b4").unwrap();
    let mixed = compile(&schema, "b0 || b1 && b2 || !b3 && b4").unwrap();
    for bits in 0..32u32 {
        let b: Vec<bool> = slots.iter().map(|&slot| bits >> slot & 1 == 1).collect();
        let values: Vec<Value> = b.iter().map(|&b| Value::bool(b)).collect();
        assert_eq!(and.eval(&values), b[0] && b[1]);
        assert_eq!(or.eval(&values), b[0] || b[1]);
        assert_eq!(and3.eval(&values), b[0] && b[1] && b[2]);
        assert_eq!(or3.eval(&values), b[0] || b[1] || b[2]);
        assert_eq!(and5.eval(&values), b.iter().all(|&b| b));
        assert_eq!(or5.eval(&values), b.iter().any(|&b| b));
        assert_eq!(mixed.eval(&values), b[0] || (b[1] && b[2]) || (!b[3] && b[4]));
    }

    // A false `&&` operand or a true `||` operand decides, whatever follows (here NaN comparisons).
    assert_all(&["flag || zero / zero > 1.0", "!(off && zero / zero != 1.0)", "off || flag || zero / zero < 0.0"]);
    assert_none(&["off && zero / zero != 1.0", "flag && off && zero / zero != 1.0"]);
}

#[test]
fn precedence_and_parentheses() {
    assert_all(&[
        "1 + 2 * 3 == 7",
        "(1 + 2) * 3 == 9",
        "10 - 4 - 3 == 3",
        "10 - (4 - 3) == 9",
        "8 / 4 / 2 == 1.0",
        "8 / (4 / 2) == 4.0",
        "-2 * 3 == -6",
        "-(2 * 3) == -6",
        "2 * -3 == -6",
        "1 + 1 < 3 && 2 * 2 == 4",
        "n - 7 == 0",
        "flag || off && off",
        "!off && flag",
        "(flag == off) == off",
        "flag == off == off",
        "x > 1.0 == true",
        "((((x)))) == 2.5",
    ]);
    assert_none(&["(flag || off) && off", "!flag && off", "!(off || flag)", "1 + 2 * 3 == 9"]);
}

#[test]
fn division_by_zero_gives_infinity() {
    assert_all(&[
        "x / zero > 1_000_000.0",
        "x / 0.0 > 1_000_000",
        "x / zero == 1.0 / 0.0",
        "-x / zero < -1_000_000.0",
        "x / -zero < 0",
        "n / 0 > 1_000_000",
        "1 / 0 == x / zero",
        "amount / (limit - limit) > 1_000_000",
        "amount / zero > limit",
        "since / 0 > 90d",
        // 0 / 0 is NaN: every comparison but `!=` is false; `max` and `min` ignore it.
        "zero / zero != zero / zero",
        "!(zero / zero == zero / zero)",
        "!(zero / zero < 1.0) && !(zero / zero >= 1.0)",
        "max(zero / zero, 1.0) == 1.0",
        "min(2.0, 0 / 0) == 2.0",
    ]);
}

#[test]
fn literals() {
    assert_all(&[
        "1_000_000 == 1000000",
        "1_000.000_5 == 1000.0005",
        "0.5 + 0.25 == 0.75",
        "9223372036854775807 == big",
        "30s == 0.5m",
        "true",
        "!false",
        "x\n  >\t1.0\r\n  && flag",
    ]);
}

#[test]
fn variables_lists_read_slots_sorted_and_unique() {
    let fixture = fixture();
    let slot = |name| fixture.schema.slot(name).unwrap().0;
    let expr = fixture.compile(r#"flag && amount > limit && amount > 5.0 || country in ["DE"] && flag"#);
    let mut expected = vec![slot("flag"), slot("amount"), slot("limit"), slot("country")];
    expected.sort();
    assert_eq!(expr.variables(), expected);
    assert!(fixture.compile("1 < 2").variables().is_empty());
    assert_eq!(fixture.compile("max(n, 1) / 2 > abs(y)").variables(), [slot("y"), slot("n")]);
}

#[test]
fn short_slot_arrays_are_refused_without_panicking() {
    let fixture = fixture();
    let expr = fixture.compile("!(x > 100.0)");
    let needed = fixture.schema.len();
    assert_eq!(expr.slot_count(), needed);
    assert!(expr.eval(&fixture.slots));
    assert_eq!(expr.evaluate(&fixture.slots), Ok(true));
    assert!(!expr.eval(&fixture.slots[..needed - 1]));
    assert!(!expr.eval(&[]));
    assert_eq!(expr.evaluate(&fixture.slots[..3]), Err(SlotError { needed, given: 3 }));
    assert_eq!(SlotError { needed, given: 3 }.to_string(), format!("the expression needs {needed} slots, got 3"));
    let mut longer = fixture.slots.clone();
    longer.push(Value::default());
    assert_eq!(expr.evaluate(&longer), Ok(true));
}

#[test]
fn schema_api() {
    let mut schema = Schema::new();
    assert!(schema.is_empty());
    let country = schema.domain("country", &["DE", "FR", "DE"]);
    assert_eq!(schema.code(country, "DE"), 0);
    assert_eq!(schema.code(country, "FR"), 1);
    assert_eq!(schema.code(country, "XX"), UNKNOWN_CODE);
    assert_eq!(schema.code(Ty::Number, "DE"), UNKNOWN_CODE);
    assert_eq!(schema.var("a", Ty::Number), 0);
    assert_eq!(schema.var("b", country), 1);
    assert_eq!(schema.var("a", Ty::Integer), 0, "redeclaring keeps the slot");
    assert_eq!(schema.len(), 2);
    assert_eq!(schema.slot("a"), Some((0, Ty::Integer)));
    assert_eq!(schema.slot("c"), None);
    assert_eq!(schema.name(1), Some("b"));
    assert_eq!(schema.name(2), None);
    let names: Vec<String> = [Ty::Number, Ty::Integer, Ty::Bool, Ty::Money, Ty::Duration, country, Ty::Enum(9)]
        .map(|ty| schema.ty_name(ty))
        .into();
    assert_eq!(names, ["number", "integer", "bool", "money", "duration", "enum country", "enum #9"]);

    // A variable of an undeclared domain compiles, and no literal is its value.
    schema.var("ghost", Ty::Enum(9));
    assert_eq!(
        compile(&schema, r#"ghost == "DE""#).unwrap_err().to_string(),
        r#"1:10: "DE" is not a value of enum #9"#
    );
    assert!(compile(&schema, "ghost != b || ghost == ghost").is_err());
}

// ---------------------------------------------------------------- errors

#[test]
fn error_positions_and_messages() {
    let fixture = fixture();
    let cases: &[(&str, &str)] = &[
        // Names and literals.
        ("amont > 5.0", "1:1: unknown variable `amont` (did you mean `amount`?)"),
        (
            "x > 1 && creditor.in.distinct_42h > 1",
            "1:10: unknown variable `creditor.in.distinct_42h` (did you mean `creditor.in.distinct_24h`?)",
        ),
        ("quux > 5.0", "1:1: unknown variable `quux`"),
        (r#"country == "XX""#, r#"1:12: "XX" is not a value of enum country"#),
        (
            r#"channel == "cash-deposti""#,
            r#"1:12: "cash-deposti" is not a value of enum channel (did you mean "cash-deposit"?)"#,
        ),
        (r#"country in ["DE", "ZZ"]"#, r#"1:19: "ZZ" is not a value of enum country"#),
        (r#""de" != country"#, r#"1:1: "de" is not a value of enum country (did you mean "DE"?)"#),
        // Types.
        ("amount + n > 5.0", "1:8: cannot apply `+` to money and integer"),
        ("amount * limit > 5.0", "1:8: cannot apply `*` to money and money"),
        ("2 / amount > 5.0", "1:3: cannot apply `/` to integer and money"),
        ("amount + since > 5.0", "1:8: cannot apply `+` to money and duration"),
        ("amount + 2 * 3 > 5.0", "1:8: cannot apply `+` to money and integer"),
        (
            "since + 5 > 1h",
            "1:7: cannot apply `+` to duration and integer (durations need a unit: `30s`, `10m`, `24h`, `90d`)",
        ),
        ("since > 90.0", "1:7: cannot compare duration `>` number (durations need a unit: `30s`, `10m`, `24h`, `90d`)"),
        ("since > x", "1:7: cannot compare duration `>` number"),
        ("amount == since", "1:8: cannot compare money `==` duration"),
        ("amount < n", "1:8: cannot compare money `<` integer"),
        (r#"country < "DE""#, "1:9: cannot compare enum country `<` string"),
        ("country == channel", "1:9: cannot compare enum country `==` enum channel"),
        (r#""DE" == "DE""#, "1:6: cannot compare string `==` string"),
        ("flag > off", "1:6: cannot compare bool `>` bool"),
        ("flag == 1", "1:6: cannot compare bool `==` integer"),
        ("amount * 2.0", "1:1: a rule expression must be bool, this one is money"),
        ("  (n + 1)", "1:3: a rule expression must be bool, this one is integer"),
        ("country", "1:1: a rule expression must be bool, this one is enum country"),
        (r#""DE""#, "1:1: a rule expression must be bool, this one is string"),
        ("!x", "1:2: `!` needs a bool, found number"),
        ("!(n + 1) && flag", "1:2: `!` needs a bool, found integer"),
        ("-flag", "1:2: `-` needs a number, found bool"),
        ("flag && 5", "1:9: `&&` needs bool operands, found integer"),
        ("x || flag", "1:1: `||` needs bool operands, found number"),
        ("flag + 1 > 0", "1:1: `+` needs numbers, found bool"),
        (r#"x in ["DE"]"#, "1:1: `in [...]` needs an enum on the left, found number"),
        ("country in [x]", "1:13: `in [...]` takes string literals"),
        // Functions.
        ("max(x) > 1.0", "1:1: `max` takes 2 arguments, got 1"),
        ("x > min(x, y, 1.0)", "1:5: `min` takes 2 arguments, got 3"),
        ("abs() > 1.0", "1:1: `abs` takes 1 argument, got 0"),
        ("abs(x, y) > 1.0", "1:1: `abs` takes 1 argument, got 2"),
        ("foo(x) > 1.0", "1:1: unknown function `foo` (have max, min, abs)"),
        ("max(flag, x) > 1.0", "1:5: `max` needs numbers, found bool"),
        ("max(since, x) > 1.0", "1:1: `max` arguments differ: duration and number"),
        ("abs(country) > 1", "1:5: `abs` needs numbers, found enum country"),
        // Lexical.
        (r#"country == "DE"#, "1:12: unterminated string"),
        ("country == 'DE\" && flag", "1:12: unterminated string"),
        ("country == \"DE\n\" && flag", "1:12: unterminated string"),
        ("x # 1", "1:3: unexpected character `#`"),
        ("x = 1.0", "1:3: unexpected character `=` (compare with `==`)"),
        ("flag & off", "1:6: unexpected character `&` (use `&&`)"),
        ("flag | off", "1:6: unexpected character `|` (use `||`)"),
        ("x > 1 ∧ flag", "1:7: unexpected character `∧`"),
        ("flag && \u{0}", "1:9: unexpected character `\\0`"),
        ("x.5 > 1", "1:2: unexpected character `.`"),
        ("1e5 > x", "1:2: invalid suffix `e5` on a number (durations take s, m, h or d)"),
        ("since > 10ms", "1:11: invalid suffix `ms` on a number (durations take s, m, h or d)"),
        ("1__0 > x", "1:1: malformed number `1__0`: `_` must stand between digits"),
        ("10_ > x", "1:1: malformed number `10_`: `_` must stand between digits"),
        ("1_.5 > x", "1:1: malformed number `1_.5`: `_` must stand between digits"),
        ("99999999999999999999 > x", "1:1: integer `99999999999999999999` out of range"),
        // Syntax.
        ("x > 1.0 y", "1:9: unexpected `y` after expression"),
        ("flag and off", "1:6: unexpected `and` after expression (use `&&`)"),
        ("flag or off", "1:6: unexpected `or` after expression (use `||`)"),
        ("flag)", "1:5: unexpected `)` after expression"),
        ("", "1:1: expected an operand, found end of expression"),
        ("   \n ", "2:2: expected an operand, found end of expression"),
        ("x >", "1:4: expected an operand, found end of expression"),
        ("(x > 1", "1:7: expected `)`, found end of expression"),
        ("max(x, y > 1", "1:13: expected `)`, found end of expression"),
        (r#"country in "DE""#, r#"1:12: expected `[`, found "DE""#),
        (r#"country in ["DE" "FR"]"#, r#"1:18: expected `]`, found "FR""#),
        ("in > 1", "1:1: expected an operand, found `in`"),
        ("x > * 2", "1:5: expected an operand, found `*`"),
        ("max(,) > 1", "1:5: expected an operand, found `,`"),
        // Lines and columns.
        ("x > 1.0 &&\n  country == \"XX\"", "2:14: \"XX\" is not a value of enum country"),
        ("flag &&\n\n   amount + n > 1", "3:11: cannot apply `+` to money and integer"),
        ("flag || \"ü\" == quux", "1:16: unknown variable `quux`"),
    ];
    for (src, expected) in cases {
        assert_eq!(fixture.error(src), *expected, "{src:?}");
    }
    let error = compile(&fixture.schema, "x >\n  since").unwrap_err();
    assert_eq!(error, CompileError { line: 1, column: 3, message: "cannot compare number `>` duration".into() });
}

#[test]
fn nesting_is_limited() {
    let fixture = fixture();
    let too_deep = |column: usize| format!("1:{column}: expression nested too deeply (more than {MAX_DEPTH} levels)");
    let nested =
        |open: &str, close: &str, levels: usize| format!("{}flag{}", open.repeat(levels), close.repeat(levels));

    // Parentheses and prefix operators: one level each, the outermost expression being the first.
    assert!(fixture.eval(&nested("(", ")", MAX_DEPTH - 1)));
    assert_eq!(fixture.error(&nested("(", ")", MAX_DEPTH)), too_deep(MAX_DEPTH + 1));
    assert_eq!(fixture.error(&nested("(", ")", 100_000)), too_deep(MAX_DEPTH + 1));
    assert!(!fixture.eval(&nested("!", "", MAX_DEPTH - 1)));
    assert_eq!(fixture.error(&nested("!", "", MAX_DEPTH)), too_deep(MAX_DEPTH + 1));
    assert_eq!(fixture.error(&nested("!", "", 100_000)), too_deep(MAX_DEPTH + 1));
    assert_eq!(fixture.error(&format!("{}x > 0.0", "-".repeat(100_000))), too_deep(MAX_DEPTH + 1));
    // A chain is one level above its highest operand.
    assert_eq!(fixture.error(&format!("{}flag && flag", "!".repeat(MAX_DEPTH - 1))), too_deep(MAX_DEPTH + 5));
    assert!(fixture.eval(&format!("{}flag || flag", "!".repeat(MAX_DEPTH - 2))));
    for open in ["abs(", "max(1, ", "x + (", "flag && ("] {
        let error = fixture.error(&nested(open, ")", 100_000));
        assert!(error.ends_with(&format!("expression nested too deeply (more than {MAX_DEPTH} levels)")), "{error}");
    }

    // Left-associative chains nest in the tree; the 64th `+` makes it 65 high.
    let chain = vec!["x"; 100_000].join(" + ");
    assert_eq!(
        fixture.error(&format!("{chain} > 0.0")),
        format!("1:255: expression nested too deeply (more than {MAX_DEPTH} levels)")
    );
    let ok_chain = vec!["n"; MAX_DEPTH - 1].join(" + ");
    assert!(fixture.eval(&format!("{ok_chain} == {}", 7 * (MAX_DEPTH - 1))));

    // Chains of `&&` and `||` do not nest.
    let all = vec!["flag"; 100_000].join(" && ");
    assert!(fixture.eval(&all));
    assert!(!fixture.eval(&format!("{all} && off")));
    let any = vec!["off"; 100_000].join(" || ");
    assert!(!fixture.eval(&any));
    assert!(fixture.eval(&format!("{any} || flag")));
}

// ---------------------------------------------------------------- the sample rules

// The sample rules, their variables and domains, shared with benches/expr.rs.
#[path = "../benches/shared/sample_rules.rs"]
mod sample_rules;
use sample_rules::{CHANNELS, COUNTRIES, CURRENCIES, PURPOSES, SAMPLE_RULES, SAMPLE_VARS};

/// A raw variable value, as the feature stage would hand it over.
#[derive(Clone, Copy, Debug)]
enum Raw {
    Float(f64),
    Int(i64),
    Bool(bool),
    Str(&'static str),
}

/// A transaction: one raw value per sample variable.
struct Tx(Vec<Raw>);

impl Tx {
    fn get(&self, name: &str) -> Raw {
        self.0[SAMPLE_VARS.iter().position(|(var, _)| *var == name).unwrap()]
    }
    fn f(&self, name: &str) -> f64 {
        let Raw::Float(x) = self.get(name) else { panic!("{name}") };
        x
    }
    fn i(&self, name: &str) -> i64 {
        let Raw::Int(x) = self.get(name) else { panic!("{name}") };
        x
    }
    fn b(&self, name: &str) -> bool {
        let Raw::Bool(x) = self.get(name) else { panic!("{name}") };
        x
    }
    fn s(&self, name: &str) -> &'static str {
        let Raw::Str(x) = self.get(name) else { panic!("{name}") };
        x
    }
}

/// The sample rules written directly in Rust, with the language's semantics for unknown enum values.
fn sample_expected(tx: &Tx) -> [bool; 20] {
    let amount = tx.f("amount_usd");
    let known_country = |c: &str| COUNTRIES.contains(&c);
    [
        (9000.0..10000.0).contains(&amount) && tx.s("channel") == "cash-deposit",
        tx.i("debtor.out.count_1h") > 10 && tx.f("debtor.out.sum_1h") > 5000.0,
        tx.i("creditor.in.distinct_24h") >= 10 && tx.b("creditor.new_counterparty"),
        tx.f("debtor.since_last_days") > 90.0 && amount > 1000.0,
        tx.f("debtor.out.sum_10m") / tx.f("debtor.in.sum_10m").max(1.0) > 0.8 && tx.f("debtor.in.sum_10m") > 1000.0,
        ["IR", "KP", "SY", "CU"].contains(&tx.s("creditor_country")),
        !(tx.s("debtor_country") == tx.s("creditor_country") && known_country(tx.s("debtor_country")))
            && amount > 5000.0
            && tx.s("purpose") == "gift",
        tx.f("debtor.avg_amount_30d") > 0.0 && amount > 10.0 * tx.f("debtor.avg_amount_30d"),
        tx.f("debtor.account_age_days") < 7.0 && amount > 2000.0,
        tx.s("channel") == "card-not-present" && tx.b("debtor.new_device") && amount > 500.0,
        tx.i("hour") >= 0 && tx.i("hour") < 5 && amount > 3000.0,
        tx.i("creditor.in.count_1h") > 20 && tx.f("creditor.in.sum_1h") < 1000.0,
        tx.i("debtor.out.distinct_24h") >= 5 && tx.i("debtor.out.count_24h") >= 20,
        tx.s("currency") != "EUR" && tx.s("currency") != "USD" && amount > 20000.0,
        tx.b("creditor.watchlist_hit") || tx.b("debtor.watchlist_hit"),
        (amount - 10000.0).abs() < 500.0 && ["cash-deposit", "cash-withdrawal"].contains(&tx.s("channel")),
        (tx.f("debtor.in.sum_24h") > 10000.0 || tx.f("debtor.out.sum_24h") > 10000.0)
            && tx.f("debtor.account_age_days") < 30.0,
        tx.b("is_cross_border") && ["crypto", "gambling"].contains(&tx.s("purpose")) && amount > 1000.0,
        !tx.b("creditor.new_counterparty") && tx.f("creditor.account_age_days") < 2.0 && amount > 9000.0,
        tx.f("debtor.out.sum_1h").min(tx.f("debtor.in.sum_1h")) > 5000.0 && tx.i("debtor.out.count_1h") >= 3,
    ]
}

/// xorshift64, for reproducible synthetic transactions.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    fn unit(&mut self) -> f64 {
        (self.next() >> 11) as f64 / (1u64 << 53) as f64
    }
    fn pick(&mut self, values: &[&'static str]) -> &'static str {
        // Now and then a value outside the domain.
        if self.next().is_multiple_of(20) {
            return "XX";
        }
        values[(self.next() % values.len() as u64) as usize]
    }
}

fn sample_tx(rng: &mut Rng) -> Tx {
    Tx(SAMPLE_VARS
        .iter()
        .map(|&(name, ty)| match ty {
            "money" => Raw::Float((rng.unit() * 10.8).exp()),
            "number" => Raw::Float(rng.unit() * 200.0),
            "integer" if name == "hour" => Raw::Int((rng.next() % 24) as i64),
            "integer" => Raw::Int((rng.next() % 30) as i64),
            "bool" => Raw::Bool(rng.unit() < if name.contains("watchlist") { 0.02 } else { 0.3 }),
            "currency" => Raw::Str(rng.pick(&CURRENCIES)),
            "channel" => Raw::Str(rng.pick(&CHANNELS)),
            "purpose" => Raw::Str(rng.pick(&PURPOSES)),
            _ => Raw::Str(rng.pick(&COUNTRIES)),
        })
        .collect())
}

#[test]
fn sample_rules_compile_and_agree_with_rust() {
    let mut schema = Schema::new();
    let mut types = std::collections::HashMap::new();
    types.insert("country", schema.domain("country", &COUNTRIES));
    types.insert("currency", schema.domain("currency", &CURRENCIES));
    types.insert("channel", schema.domain("channel", &CHANNELS));
    types.insert("purpose", schema.domain("purpose", &PURPOSES));
    types.extend([("money", Ty::Money), ("number", Ty::Number), ("integer", Ty::Integer), ("bool", Ty::Bool)]);
    for (slot, (name, ty)) in SAMPLE_VARS.iter().enumerate() {
        assert_eq!(schema.var(name, types[ty]), slot);
    }
    let rules: Vec<Expr> =
        SAMPLE_RULES.iter().map(|src| compile(&schema, src).unwrap_or_else(|error| panic!("{src}: {error}"))).collect();
    let slot = |name| schema.slot(name).unwrap().0;
    assert_eq!(rules[1].variables(), [slot("debtor.out.count_1h"), slot("debtor.out.sum_1h")]);
    assert_eq!(rules[2].variables(), [slot("creditor.in.distinct_24h"), slot("creditor.new_counterparty")]);

    let mut rng = Rng(0x9E37_79B9_7F4A_7C15);
    let mut hits = [0usize; 20];
    let mut slots = vec![Value::default(); schema.len()];
    const TXS: usize = 4096;
    for _ in 0..TXS {
        let tx = sample_tx(&mut rng);
        for (slot, (raw, (_, ty))) in slots.iter_mut().zip(tx.0.iter().zip(&SAMPLE_VARS)) {
            *slot = match *raw {
                Raw::Float(x) => Value::num(x),
                Raw::Int(x) => Value::int(x),
                Raw::Bool(b) => Value::bool(b),
                Raw::Str(text) => Value::code(schema.code(types[ty], text)),
            };
        }
        let expected = sample_expected(&tx);
        for (k, rule) in rules.iter().enumerate() {
            assert_eq!(rule.eval(&slots), expected[k], "rule {k}: {}", SAMPLE_RULES[k]);
            hits[k] += expected[k] as usize;
        }
    }
    // Every rule both fires and does not, so the comparison means something.
    assert!(hits.iter().all(|&h| h > 0 && h < TXS), "{hits:?}");
}

// ---------------------------------------------------------------- no input panics

/// Pieces of the language, for token soups that get further than random text.
const PIECES: &[&str] = &[
    "x",
    "y",
    "n",
    "m",
    "amount",
    "limit",
    "since",
    "never",
    "flag",
    "off",
    "country",
    "channel",
    "wide",
    "creditor.in.distinct_24h",
    "creditor.in",
    "in",
    "true",
    "false",
    "max",
    "min",
    "abs",
    "foo",
    "1",
    "0",
    "2.5",
    "1_000",
    "9223372036854775807",
    "99999999999999999999",
    "10m",
    "24h",
    "90d",
    "1.5s",
    "1e5",
    "\"DE\"",
    "'FR'",
    "\"XX\"",
    "\"",
    "&&",
    "||",
    "==",
    "!=",
    "<",
    "<=",
    ">",
    ">=",
    "!",
    "+",
    "-",
    "*",
    "/",
    "(",
    ")",
    "[",
    "]",
    ",",
    ".",
    "=",
    "&",
    "|",
    " ",
    "\n",
    "é",
    "∧",
    "\u{0}",
];

fn source() -> impl Strategy<Value = String> {
    let soup = proptest::collection::vec(proptest::sample::select(PIECES), 0..40);
    prop_oneof![
        any::<String>(),
        "[a-z0-9_.()\\[\\]!&|=<>+*/ \"',\n-]{0,60}",
        soup.clone().prop_map(|pieces| pieces.join(" ")),
        soup.prop_map(|pieces| pieces.concat()),
        (
            proptest::sample::select(&["(", "!", "-", "max(1,", "abs(", "x + (", "[", "flag && ("][..]),
            0usize..300,
            0usize..300
        )
            .prop_map(|(open, opens, closes)| format!("{}flag{}", open.repeat(opens), ")".repeat(closes))),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2000))]

    #[test]
    fn compile_never_panics(src in source(), bits in proptest::collection::vec(any::<u64>(), 0..30)) {
        let fixture = fixture();
        if let Ok(expr) = compile(&fixture.schema, &src) {
            // Whatever the slots hold, and however many there are, evaluation does not panic either.
            expr.eval(&fixture.slots);
            let slots: Vec<Value> = bits.iter().map(|&bits| Value::int(bits as i64)).collect();
            prop_assert_eq!(expr.evaluate(&slots).is_ok(), slots.len() >= fixture.schema.len());
            expr.eval(&slots);
            prop_assert!(expr.variables().windows(2).all(|pair| pair[0] < pair[1]));
            prop_assert!(expr.variables().iter().all(|&slot| slot < fixture.schema.len()));
        }
    }
}

// ---------------------------------------------------------------- against a reference interpreter

/// The reference schema: integers, numbers and bools.
const REF_INTS: usize = 3;
const REF_NUMS: usize = 3;
const REF_BOOLS: usize = 2;

#[derive(Clone, Copy, Debug)]
enum Arith {
    Add,
    Sub,
    Mul,
    Div,
}

#[derive(Clone, Copy, Debug)]
enum Cmp {
    Eq,
    Ne,
    Lt,
    Le,
    Gt,
    Ge,
}

/// A numeric expression (integer or number: they mix freely, so every tree is well-typed).
#[derive(Clone, Debug)]
enum NumTree {
    IntVar(usize),
    NumVar(usize),
    IntLit(i64),
    /// Source text of a literal with a fraction.
    NumLit(String),
    Neg(Box<NumTree>),
    Abs(Box<NumTree>),
    Max(Box<NumTree>, Box<NumTree>),
    Min(Box<NumTree>, Box<NumTree>),
    Arith(Arith, Box<NumTree>, Box<NumTree>),
}

/// A bool expression.
#[derive(Clone, Debug)]
enum BoolTree {
    Var(usize),
    Lit(bool),
    Not(Box<BoolTree>),
    And(Box<BoolTree>, Box<BoolTree>),
    Or(Box<BoolTree>, Box<BoolTree>),
    Equal(bool, Box<BoolTree>, Box<BoolTree>),
    Compare(Cmp, NumTree, NumTree),
}

/// Precedence levels for printing with only the parentheses needed.
const OR: u8 = 1;
const AND: u8 = 2;
const COMPARE: u8 = 3;
const ADD: u8 = 4;
const MUL: u8 = 5;
const PREFIX: u8 = 6;
const ATOM: u8 = 7;

fn wrap((text, level): (String, u8), min: u8) -> String {
    if level < min {
        format!("({text})")
    } else {
        text
    }
}

impl NumTree {
    fn print(&self) -> (String, u8) {
        match self {
            NumTree::IntVar(i) => (format!("i{i}"), ATOM),
            NumTree::NumVar(i) => (format!("f{i}"), ATOM),
            NumTree::IntLit(k) => (k.to_string(), ATOM),
            NumTree::NumLit(text) => (text.clone(), ATOM),
            NumTree::Neg(a) => (format!("-{}", wrap(a.print(), PREFIX)), PREFIX),
            NumTree::Abs(a) => (format!("abs({})", a.print().0), ATOM),
            NumTree::Max(a, b) => (format!("max({}, {})", a.print().0, b.print().0), ATOM),
            NumTree::Min(a, b) => (format!("min({}, {})", a.print().0, b.print().0), ATOM),
            NumTree::Arith(op, a, b) => {
                let (symbol, level) = match op {
                    Arith::Add => ("+", ADD),
                    Arith::Sub => ("-", ADD),
                    Arith::Mul => ("*", MUL),
                    Arith::Div => ("/", MUL),
                };
                (format!("{} {symbol} {}", wrap(a.print(), level), wrap(b.print(), level + 1)), level)
            }
        }
    }

    fn eval(&self, slots: &RefSlots) -> RefNum {
        match self {
            NumTree::IntVar(i) => RefNum::Int(slots.ints[*i]),
            NumTree::NumVar(i) => RefNum::Float(slots.nums[*i]),
            NumTree::IntLit(k) => RefNum::Int(*k),
            NumTree::NumLit(text) => RefNum::Float(text.replace('_', "").parse().unwrap()),
            NumTree::Neg(a) => match a.eval(slots) {
                RefNum::Int(x) => RefNum::Int(x.wrapping_neg()),
                RefNum::Float(x) => RefNum::Float(-x),
            },
            NumTree::Abs(a) => match a.eval(slots) {
                RefNum::Int(x) => RefNum::Int(x.wrapping_abs()),
                RefNum::Float(x) => RefNum::Float(x.abs()),
            },
            NumTree::Max(a, b) => match (a.eval(slots), b.eval(slots)) {
                (RefNum::Int(x), RefNum::Int(y)) => RefNum::Int(x.max(y)),
                (x, y) => RefNum::Float(x.float().max(y.float())),
            },
            NumTree::Min(a, b) => match (a.eval(slots), b.eval(slots)) {
                (RefNum::Int(x), RefNum::Int(y)) => RefNum::Int(x.min(y)),
                (x, y) => RefNum::Float(x.float().min(y.float())),
            },
            NumTree::Arith(op, a, b) => match (a.eval(slots), b.eval(slots), op) {
                (RefNum::Int(x), RefNum::Int(y), Arith::Add) => RefNum::Int(x.wrapping_add(y)),
                (RefNum::Int(x), RefNum::Int(y), Arith::Sub) => RefNum::Int(x.wrapping_sub(y)),
                (RefNum::Int(x), RefNum::Int(y), Arith::Mul) => RefNum::Int(x.wrapping_mul(y)),
                (x, y, op) => {
                    let (x, y) = (x.float(), y.float());
                    RefNum::Float(match op {
                        Arith::Add => x + y,
                        Arith::Sub => x - y,
                        Arith::Mul => x * y,
                        Arith::Div => x / y,
                    })
                }
            },
        }
    }
}

impl BoolTree {
    fn print(&self) -> (String, u8) {
        match self {
            BoolTree::Var(i) => (format!("b{i}"), ATOM),
            BoolTree::Lit(b) => (b.to_string(), ATOM),
            BoolTree::Not(a) => (format!("!{}", wrap(a.print(), PREFIX)), PREFIX),
            BoolTree::And(a, b) => (format!("{} && {}", wrap(a.print(), AND), wrap(b.print(), AND + 1)), AND),
            BoolTree::Or(a, b) => (format!("{} || {}", wrap(a.print(), OR), wrap(b.print(), OR + 1)), OR),
            BoolTree::Equal(equal, a, b) => {
                let symbol = if *equal { "==" } else { "!=" };
                (format!("{} {symbol} {}", wrap(a.print(), COMPARE), wrap(b.print(), COMPARE + 1)), COMPARE)
            }
            BoolTree::Compare(op, a, b) => {
                let symbol = match op {
                    Cmp::Eq => "==",
                    Cmp::Ne => "!=",
                    Cmp::Lt => "<",
                    Cmp::Le => "<=",
                    Cmp::Gt => ">",
                    Cmp::Ge => ">=",
                };
                (format!("{} {symbol} {}", wrap(a.print(), COMPARE), wrap(b.print(), COMPARE + 1)), COMPARE)
            }
        }
    }

    fn eval(&self, slots: &RefSlots) -> bool {
        match self {
            BoolTree::Var(i) => slots.bools[*i],
            BoolTree::Lit(b) => *b,
            BoolTree::Not(a) => !a.eval(slots),
            BoolTree::And(a, b) => a.eval(slots) && b.eval(slots),
            BoolTree::Or(a, b) => a.eval(slots) || b.eval(slots),
            BoolTree::Equal(equal, a, b) => (a.eval(slots) == b.eval(slots)) == *equal,
            BoolTree::Compare(op, a, b) => match (a.eval(slots), b.eval(slots)) {
                (RefNum::Int(x), RefNum::Int(y)) => compare(*op, x, y),
                (x, y) => compare(*op, x.float(), y.float()),
            },
        }
    }
}

fn compare<T: PartialOrd>(op: Cmp, x: T, y: T) -> bool {
    match op {
        Cmp::Eq => x == y,
        Cmp::Ne => x != y,
        Cmp::Lt => x < y,
        Cmp::Le => x <= y,
        Cmp::Gt => x > y,
        Cmp::Ge => x >= y,
    }
}

#[derive(Clone, Copy, Debug)]
enum RefNum {
    Int(i64),
    Float(f64),
}

impl RefNum {
    fn float(self) -> f64 {
        match self {
            RefNum::Int(x) => x as f64,
            RefNum::Float(x) => x,
        }
    }
}

#[derive(Clone, Debug)]
struct RefSlots {
    ints: Vec<i64>,
    nums: Vec<f64>,
    bools: Vec<bool>,
}

fn num_tree() -> impl Strategy<Value = NumTree> {
    let leaf = prop_oneof![
        (0..REF_INTS).prop_map(NumTree::IntVar),
        (0..REF_NUMS).prop_map(NumTree::NumVar),
        prop_oneof![0i64..20, Just(i64::MAX), 0..i64::MAX].prop_map(NumTree::IntLit),
        (0u32..1000, "[0-9]{1,3}", any::<bool>()).prop_map(|(whole, fraction, separated)| {
            let whole =
                if separated && whole >= 10 { format!("{}_{}", whole / 10, whole % 10) } else { whole.to_string() };
            NumTree::NumLit(format!("{whole}.{fraction}"))
        }),
    ];
    leaf.prop_recursive(4, 24, 2, |inner| {
        let arith = prop_oneof![Just(Arith::Add), Just(Arith::Sub), Just(Arith::Mul), Just(Arith::Div)];
        prop_oneof![
            1 => inner.clone().prop_map(|a| NumTree::Neg(Box::new(a))),
            1 => inner.clone().prop_map(|a| NumTree::Abs(Box::new(a))),
            1 => (inner.clone(), inner.clone()).prop_map(|(a, b)| NumTree::Max(Box::new(a), Box::new(b))),
            1 => (inner.clone(), inner.clone()).prop_map(|(a, b)| NumTree::Min(Box::new(a), Box::new(b))),
            3 => (arith, inner.clone(), inner).prop_map(|(op, a, b)| NumTree::Arith(op, Box::new(a), Box::new(b))),
        ]
    })
}

fn bool_tree() -> impl Strategy<Value = BoolTree> {
    let cmp = prop_oneof![Just(Cmp::Eq), Just(Cmp::Ne), Just(Cmp::Lt), Just(Cmp::Le), Just(Cmp::Gt), Just(Cmp::Ge)];
    let leaf = prop_oneof![
        1 => (0..REF_BOOLS).prop_map(BoolTree::Var),
        1 => any::<bool>().prop_map(BoolTree::Lit),
        3 => (cmp, num_tree(), num_tree()).prop_map(|(op, a, b)| BoolTree::Compare(op, a, b)),
    ];
    leaf.prop_recursive(3, 12, 2, |inner| {
        prop_oneof![
            inner.clone().prop_map(|a| BoolTree::Not(Box::new(a))),
            (inner.clone(), inner.clone()).prop_map(|(a, b)| BoolTree::And(Box::new(a), Box::new(b))),
            (inner.clone(), inner.clone()).prop_map(|(a, b)| BoolTree::Or(Box::new(a), Box::new(b))),
            (any::<bool>(), inner.clone(), inner).prop_map(|(eq, a, b)| BoolTree::Equal(eq, Box::new(a), Box::new(b))),
        ]
    })
}

fn ref_slots() -> impl Strategy<Value = RefSlots> {
    let int = prop_oneof![-20i64..20, Just(0), Just(i64::MAX), Just(i64::MIN), any::<i64>()];
    let num = prop_oneof![
        -20.0f64..20.0,
        Just(0.0),
        Just(-0.0),
        Just(f64::INFINITY),
        Just(f64::NEG_INFINITY),
        Just(f64::NAN),
        (-20i64..20).prop_map(|x| x as f64),
        any::<f64>(),
    ];
    (
        proptest::collection::vec(int, REF_INTS),
        proptest::collection::vec(num, REF_NUMS),
        proptest::collection::vec(any::<bool>(), REF_BOOLS),
    )
        .prop_map(|(ints, nums, bools)| RefSlots { ints, nums, bools })
}

fn ref_schema() -> Schema {
    let mut schema = Schema::new();
    for i in 0..REF_INTS {
        schema.var(&format!("i{i}"), Ty::Integer);
    }
    for i in 0..REF_NUMS {
        schema.var(&format!("f{i}"), Ty::Number);
    }
    for i in 0..REF_BOOLS {
        schema.var(&format!("b{i}"), Ty::Bool);
    }
    schema
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2000))]

    #[test]
    fn compiled_closures_agree_with_the_reference(tree in bool_tree(), slots in proptest::collection::vec(ref_slots(), 4)) {
        let schema = ref_schema();
        let src = tree.print().0;
        let expr = compile(&schema, &src).map_err(|error| TestCaseError::fail(format!("{src}: {error}")))?;
        for slots in &slots {
            let values: Vec<Value> = slots.ints.iter().map(|&x| Value::int(x))
                .chain(slots.nums.iter().map(|&x| Value::num(x)))
                .chain(slots.bools.iter().map(|&b| Value::bool(b)))
                .collect();
            prop_assert_eq!(expr.eval(&values), tree.eval(slots), "{} on {:?}", src, slots);
        }
    }
}
