//! Exact decimal text to scaled integers and back, without floating point.
//!
//! A decimal text such as `-1234.5600` or `1.2e-05` is read as a sign, an integer mantissa and a scale (the
//! number of digits after the decimal point), then brought to a wanted number of decimal places either exactly
//! (an error if that would drop a non-zero digit) or rounded half to even.

/// A parsed decimal: `(-1)^negative * mantissa * 10^-scale`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Decimal {
    /// Whether a minus sign was given.
    pub negative: bool,
    /// All significant digits as one integer.
    pub mantissa: u128,
    /// Digits after the decimal point; negative when an exponent moved the point right past the digits.
    pub scale: i32,
}

/// Why a text is not a decimal number, or does not fit.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DecimalError {
    /// Not a decimal number at all.
    #[error("{0:?} is not a decimal number")]
    Syntax(String),
    /// More significant digits than exact arithmetic can carry (38).
    #[error("{0:?} has more than 38 significant digits")]
    TooManyDigits(String),
    /// Exact conversion would drop a non-zero digit.
    #[error("{text:?} has more than {places} decimal places")]
    TooPrecise {
        /// The text given.
        text: String,
        /// The decimal places allowed.
        places: u8,
    },
    /// The value does not fit a 64-bit count of minor units.
    #[error("{0:?} is too large")]
    Overflow(String),
}

/// How to bring a decimal to fewer decimal places.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Rounding {
    /// Refuse to drop any non-zero digit.
    Exact,
    /// Round to the nearest, ties to the even neighbour (banker's rounding).
    HalfEven,
}

const MAX_DIGITS: u32 = 38;

impl Decimal {
    /// Parses `[+-]digits[.digits][(e|E)[+-]digits]`; at least one digit must be given.
    pub fn parse(text: &str) -> Result<Decimal, DecimalError> {
        match Decimal::parse_short(text.as_bytes()) {
            Some(decimal) => Ok(decimal),
            None => Decimal::parse_general(text),
        }
    }

    /// Any decimal text, digit by digit into a `u128`.
    fn parse_general(text: &str) -> Result<Decimal, DecimalError> {
        let syntax = || DecimalError::Syntax(text.to_owned());
        let bytes = text.as_bytes();
        let mut i = 0;
        let negative = match bytes.first() {
            Some(b'-') => {
                i = 1;
                true
            }
            Some(b'+') => {
                i = 1;
                false
            }
            _ => false,
        };
        let mut mantissa: u128 = 0;
        let mut significant = 0u32;
        let mut scale: i32 = 0;
        let mut digits = 0usize;
        let mut seen_point = false;
        while i < bytes.len() {
            match bytes[i] {
                b @ b'0'..=b'9' => {
                    digits += 1;
                    if mantissa != 0 || b != b'0' {
                        significant += 1;
                        if significant > MAX_DIGITS {
                            return Err(DecimalError::TooManyDigits(text.to_owned()));
                        }
                    }
                    mantissa = mantissa * 10 + u128::from(b - b'0');
                    if seen_point {
                        scale += 1;
                    }
                }
                b'.' if !seen_point => seen_point = true,
                b'e' | b'E' => break,
                _ => return Err(syntax()),
            }
            i += 1;
        }
        if digits == 0 {
            return Err(syntax());
        }
        if i < bytes.len() {
            // An exponent: `e` followed by an optional sign and at least one digit.
            let exponent_text = &text[i + 1..];
            let exponent: i32 = exponent_text
                .strip_prefix('+')
                .unwrap_or(exponent_text)
                .parse()
                .ok()
                .filter(|e: &i32| e.abs() <= 400)
                .ok_or_else(syntax)?;
            if exponent_text.is_empty() || exponent_text.starts_with("+-") {
                return Err(syntax());
            }
            scale -= exponent;
        }
        Ok(Decimal { negative, mantissa, scale })
    }

    /// The common case, fast: `[-]digits[.digits]` with at most 19 characters, so the digits fit a `u64`.
    /// `None` for anything else, which the general parser then reads (or rejects).
    #[inline]
    fn parse_short(bytes: &[u8]) -> Option<Decimal> {
        let (negative, digits) = match bytes.split_first() {
            Some((b'-', rest)) => (true, rest),
            _ => (false, bytes),
        };
        if digits.is_empty() || digits.len() > 19 {
            return None;
        }
        let mut mantissa: u64 = 0;
        let mut point = None;
        for (i, &b) in digits.iter().enumerate() {
            match b {
                b'0'..=b'9' => mantissa = mantissa * 10 + u64::from(b - b'0'),
                b'.' if point.is_none() => point = Some(i),
                _ => return None,
            }
        }
        let scale = match point {
            // A lone "." or "-." has no digit: leave it to the general parser to reject.
            Some(_) if digits.len() == 1 => return None,
            Some(i) => (digits.len() - i - 1) as i32,
            None => 0,
        };
        Some(Decimal { negative, mantissa: u128::from(mantissa), scale })
    }

    /// The value as a signed count of `10^-places` units, exact or rounded as asked.
    pub fn to_scaled(&self, places: u8, rounding: Rounding, text: &str) -> Result<i64, DecimalError> {
        let places = i32::from(places);
        let magnitude: u128 = if self.scale <= places {
            let shift = (places - self.scale) as u32;
            if self.mantissa == 0 {
                0
            } else {
                10u128
                    .checked_pow(shift)
                    .and_then(|p| self.mantissa.checked_mul(p))
                    .ok_or_else(|| DecimalError::Overflow(text.to_owned()))?
            }
        } else {
            let shift = (self.scale - places) as u32;
            let (quotient, remainder, divisor) = match 10u128.checked_pow(shift) {
                Some(divisor) => (self.mantissa / divisor, self.mantissa % divisor, divisor),
                // Dividing by more than 10^38: every mantissa (< 10^38) is below half of it.
                None => (0, self.mantissa, u128::MAX),
            };
            if remainder == 0 {
                quotient
            } else {
                match rounding {
                    Rounding::Exact => {
                        return Err(DecimalError::TooPrecise { text: text.to_owned(), places: places as u8 });
                    }
                    Rounding::HalfEven => {
                        let twice = remainder.saturating_mul(2);
                        if twice > divisor || (twice == divisor && quotient % 2 == 1) {
                            quotient + 1
                        } else {
                            quotient
                        }
                    }
                }
            }
        };
        let overflow = || DecimalError::Overflow(text.to_owned());
        if self.negative {
            if magnitude > i64::MIN.unsigned_abs() as u128 {
                return Err(overflow());
            }
            Ok((magnitude as i128).wrapping_neg() as i64)
        } else {
            i64::try_from(magnitude).map_err(|_| overflow())
        }
    }
}

/// Writes a count of `10^-places` units as decimal text with exactly `places` decimals (none when 0).
pub fn write_scaled(out: &mut impl std::fmt::Write, value: i64, places: u8) -> std::fmt::Result {
    let magnitude = value.unsigned_abs();
    if value < 0 {
        out.write_char('-')?;
    }
    if places == 0 {
        return write!(out, "{magnitude}");
    }
    let unit = 10u64.pow(u32::from(places));
    write!(out, "{}.{:0width$}", magnitude / unit, magnitude % unit, width = usize::from(places))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scaled(text: &str, places: u8, rounding: Rounding) -> Result<i64, DecimalError> {
        Decimal::parse(text)?.to_scaled(places, rounding, text)
    }

    #[test]
    fn exact_parsing() {
        assert_eq!(scaled("123.45", 2, Rounding::Exact), Ok(12345));
        assert_eq!(scaled("123.4", 2, Rounding::Exact), Ok(12340));
        assert_eq!(scaled("123", 2, Rounding::Exact), Ok(12300));
        assert_eq!(scaled("-0.01", 2, Rounding::Exact), Ok(-1));
        assert_eq!(scaled("+5.", 0, Rounding::Exact), Ok(5));
        assert_eq!(scaled(".5", 1, Rounding::Exact), Ok(5));
        assert_eq!(scaled("1.2300", 2, Rounding::Exact), Ok(123));
        assert_eq!(scaled("1.2e3", 0, Rounding::Exact), Ok(1200));
        assert!(matches!(scaled("1.234", 2, Rounding::Exact), Err(DecimalError::TooPrecise { .. })));
    }

    #[test]
    fn rounding_half_even() {
        assert_eq!(scaled("0.125", 2, Rounding::HalfEven), Ok(12));
        assert_eq!(scaled("0.135", 2, Rounding::HalfEven), Ok(14));
        assert_eq!(scaled("0.1251", 2, Rounding::HalfEven), Ok(13));
        assert_eq!(scaled("837.4000000000001", 2, Rounding::HalfEven), Ok(83740));
        assert_eq!(scaled("-2.5", 0, Rounding::HalfEven), Ok(-2));
        assert_eq!(scaled("1.3e-05", 8, Rounding::HalfEven), Ok(1300));
        assert_eq!(scaled("1e-300", 2, Rounding::HalfEven), Ok(0));
    }

    #[test]
    fn syntax_and_range_errors() {
        for bad in ["", "-", ".", "1.2.3", "12,50", "1e", "1e+", "abc", " 1", "1 ", "0x10", "1e+-2", "--1"] {
            assert!(Decimal::parse(bad).is_err(), "{bad:?} should not parse");
        }
        assert!(matches!(scaled("92233720368547758.08", 2, Rounding::Exact), Err(DecimalError::Overflow(_))));
        assert_eq!(scaled("-92233720368547758.08", 2, Rounding::Exact), Ok(i64::MIN));
        assert!(matches!(
            Decimal::parse("123456789012345678901234567890123456789"),
            Err(DecimalError::TooManyDigits(_))
        ));
    }

    proptest::proptest! {
        #[test]
        fn the_fast_path_agrees_with_the_general_parser(text in "-?[0-9.]{0,21}") {
            if let Some(fast) = Decimal::parse_short(text.as_bytes()) {
                proptest::prop_assert_eq!(Ok(fast), Decimal::parse_general(&text));
            }
        }
    }

    #[test]
    fn writing() {
        let show = |v, p| {
            let mut s = String::new();
            write_scaled(&mut s, v, p).unwrap();
            s
        };
        assert_eq!(show(12345, 2), "123.45");
        assert_eq!(show(-1, 2), "-0.01");
        assert_eq!(show(7, 0), "7");
        assert_eq!(show(1, 8), "0.00000001");
        assert_eq!(show(i64::MIN, 2), "-92233720368547758.08");
    }
}
