//! Numbers in RFC 8785 (§3.2.2.3): every number is an IEEE-754 double, written the way
//! ECMAScript's `Number.prototype.toString` writes it, which `ryu-js` implements. This
//! file owns that rule in all three directions: writing a double or an integer,
//! deciding whether stored text already is the canonical spelling (the scanner), and
//! deciding whether a producer's literal survives the trip through a double unchanged
//! (ingest), so that nothing sealed says a different number than was sent.

use thiserror::Error;

/// Appends the ECMAScript spelling of a finite double.
#[inline]
pub(super) fn write_double(f: f64, out: &mut Vec<u8>) {
    let mut buf = ryu_js::Buffer::new();
    out.extend_from_slice(buf.format_finite(f).as_bytes());
}

/// Appends an integer as JCS writes it. One that is an exact double prints as its
/// digits in ECMAScript, so it skips the float formatter; a larger one is written as
/// the double it rounds to.
#[inline]
pub fn write_integer(v: i128, out: &mut Vec<u8>) {
    const EXACT: i128 = 1 << 53;
    if !(-EXACT..=EXACT).contains(&v) {
        #[allow(clippy::cast_precision_loss)]
        return write_double(v as f64, out);
    }
    let mut digits = [0u8; 20];
    let mut at = digits.len();
    let mut rest = v.unsigned_abs();
    loop {
        at -= 1;
        digits[at] = b'0' + (rest % 10) as u8;
        rest /= 10;
        if rest == 0 {
            break;
        }
    }
    if v < 0 {
        out.push(b'-');
    }
    out.extend_from_slice(&digits[at..]);
}

/// The parts of a number the scanner has already lexed (grammar checked).
pub(super) struct Lexed<'a> {
    /// The whole literal.
    pub text: &'a [u8],
    /// How many digits the integer part has.
    pub int_digits: usize,
    /// Whether the integer part is `0`.
    pub int_is_zero: bool,
    /// The fraction digits when there is a fraction and no exponent.
    pub fraction: Option<&'a [u8]>,
    /// No fraction and no exponent.
    pub plain: bool,
}

/// Whether a lexed number is spelled exactly as ECMAScript prints the double it
/// denotes. Short plain integers and short decimals are canonical by construction;
/// everything else is parsed and re-printed with ryu-js and compared.
#[inline]
pub(super) fn canonical_spelling(n: &Lexed<'_>) -> bool {
    if n.plain && n.int_digits <= 15 {
        // Every integer below 10^15 is an exact double that ECMAScript prints digit
        // for digit; only negative zero prints differently.
        return n.text != b"-0";
    }
    if let Some(fraction) = n.fraction {
        if short_decimal(n.int_is_zero, n.int_digits, fraction) {
            return true;
        }
    }
    std::str::from_utf8(n.text)
        .ok()
        .and_then(|t| t.parse::<f64>().ok())
        .filter(|f| f.is_finite())
        .is_some_and(|f| ryu_js::Buffer::new().format_finite(f).as_bytes() == n.text)
}

/// Whether a decimal without exponent is canonical by construction: at most 15
/// significant digits, no trailing zero, and not below 10^-6 (where ECMAScript turns to
/// exponent form). Any decimal of at most 15 significant digits survives the trip
/// through a double and back (DBL_DIG), so it is the shortest spelling of its double,
/// which is what ECMAScript prints; the digits need no parse and no re-print.
fn short_decimal(int_is_zero: bool, int_digits: usize, fraction: &[u8]) -> bool {
    if fraction.last() == Some(&b'0') {
        return false;
    }
    let significant = if int_is_zero {
        let zeros = fraction.iter().take_while(|&&c| c == b'0').count();
        if zeros > 5 {
            return false;
        }
        fraction.len() - zeros
    } else {
        int_digits + fraction.len()
    };
    significant <= 15
}

/// Why a producer's number literal cannot be sealed as sent.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum InexactNumber {
    #[error("is too large for an IEEE-754 double")]
    TooLarge,
    #[error("is too small for an IEEE-754 double and would be stored as 0")]
    Underflow,
    #[error("is not exactly an IEEE-754 double and would be stored as {stored}")]
    Rounded {
        /// How the number would read once sealed.
        stored: String,
    },
}

/// Checks that a JSON number literal (valid JSON grammar) denotes the same number once
/// it has been through a double and written the RFC 8785 way. Spelling may change
/// (`1.0` is sealed as `1`, `1E3` as `1000`); the value may not: `9007199254740993`
/// (2^53 + 1) would become `…992`, `1e-400` would become `0`.
pub fn exact_literal(literal: &str) -> Result<(), InexactNumber> {
    let Some(sent) = Decimal::parse(literal.as_bytes()) else {
        // Not a number literal at all: nothing here to judge.
        return Ok(());
    };
    // Up to 15 digits without an exponent always survive (DBL_DIG), and such a
    // number is at least 10^-15, far from the subnormal range: the common case costs
    // no parse.
    if !sent.has_exponent && sent.int.len() + sent.frac.len() <= 15 {
        return Ok(());
    }
    let double: f64 = literal.parse().map_err(|_| InexactNumber::TooLarge)?;
    if !double.is_finite() {
        return Err(InexactNumber::TooLarge);
    }
    let mut buf = ryu_js::Buffer::new();
    let printed = buf.format_finite(double);
    if double == 0.0 {
        return if sent.is_zero() {
            Ok(())
        } else {
            Err(InexactNumber::Underflow)
        };
    }
    match Decimal::parse(printed.as_bytes()) {
        Some(stored) if stored.same_value(&sent) => Ok(()),
        _ => Err(InexactNumber::Rounded {
            stored: printed.to_string(),
        }),
    }
}

/// A number literal split into its parts, to compare values regardless of spelling.
struct Decimal<'a> {
    negative: bool,
    int: &'a [u8],
    frac: &'a [u8],
    exponent: i64,
    has_exponent: bool,
}

impl<'a> Decimal<'a> {
    fn parse(text: &'a [u8]) -> Option<Self> {
        let (negative, rest) = match text.split_first() {
            Some((b'-', rest)) => (true, rest),
            _ => (false, text),
        };
        let int_len = rest.iter().take_while(|c| c.is_ascii_digit()).count();
        let (int, mut rest) = rest.split_at(int_len);
        let mut frac: &[u8] = &[];
        if let Some((b'.', after)) = rest.split_first() {
            let len = after.iter().take_while(|c| c.is_ascii_digit()).count();
            (frac, rest) = after.split_at(len);
        }
        let mut exponent = 0i64;
        let has_exponent = matches!(rest.first(), Some(b'e' | b'E'));
        if has_exponent {
            let (sign, digits) = match rest.get(1) {
                Some(b'-') => (-1, &rest[2..]),
                Some(b'+') => (1, &rest[2..]),
                _ => (1, &rest[1..]),
            };
            if digits.is_empty() || !digits.iter().all(u8::is_ascii_digit) {
                return None;
            }
            // Saturates far beyond any double's range; the value is then compared
            // with a finite double only after the parse said it is one.
            let magnitude = digits.iter().fold(0i64, |acc, &d| {
                (acc * 10 + i64::from(d - b'0')).min(1 << 40)
            });
            exponent = sign * magnitude;
        } else if !rest.is_empty() {
            return None;
        }
        if int.is_empty() {
            return None;
        }
        Some(Decimal {
            negative,
            int,
            frac,
            exponent,
            has_exponent,
        })
    }

    /// All digits, integer part then fraction.
    fn digits(&self) -> impl Iterator<Item = u8> + Clone + 'a {
        self.int.iter().chain(self.frac).copied()
    }

    fn is_zero(&self) -> bool {
        self.digits().all(|d| d == b'0')
    }

    /// The significant digits (no leading or trailing zeros) and the power of ten of
    /// the last one: the value is `digits × 10^scale`, one way only.
    fn normal(&self) -> (impl Iterator<Item = u8> + 'a, usize, i64) {
        let total = self.int.len() + self.frac.len();
        let leading = self.digits().take_while(|&d| d == b'0').count();
        let trailing = self
            .int
            .iter()
            .chain(self.frac)
            .rev()
            .take_while(|&&d| d == b'0')
            .count();
        let count = total.saturating_sub(leading + trailing);
        let scale = self.exponent - self.frac.len() as i64 + trailing as i64;
        (self.digits().skip(leading).take(count), count, scale)
    }

    fn same_value(&self, other: &Decimal<'_>) -> bool {
        if self.is_zero() || other.is_zero() {
            return self.is_zero() && other.is_zero();
        }
        let (a, a_len, a_scale) = self.normal();
        let (b, b_len, b_scale) = other.normal();
        self.negative == other.negative && a_len == b_len && a_scale == b_scale && a.eq(b)
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn stored(literal: &str) -> Result<(), InexactNumber> {
        exact_literal(literal)
    }

    #[test]
    fn numbers_a_double_holds_exactly_are_accepted_whatever_their_spelling() {
        for ok in [
            "0",
            "-0",
            "0.0",
            "1",
            "-7",
            "1.0",
            "1.50",
            "1E3",
            "1e+21",
            "1e21",
            "0.1",
            "0.30000000000000004",
            "9007199254740992",
            "-9007199254740992",
            "4.5e-7",
            "1.7976931348623157e308",
            "5e-324",
            "100000000000000000000000",
            "0.000001",
            "123456789012345",
            "0.000000000000000000000000001",
        ] {
            assert_eq!(stored(ok), Ok(()), "{ok}");
        }
    }

    #[test]
    fn integers_past_two_to_the_53_that_do_not_round_trip_are_refused() {
        assert_eq!(
            stored("9007199254740993"),
            Err(InexactNumber::Rounded {
                stored: "9007199254740992".into()
            })
        );
        assert_eq!(
            stored("123456789012345678901234567890"),
            Err(InexactNumber::Rounded {
                stored: "1.2345678901234568e+29".into()
            })
        );
        assert!(stored("-9223372036854775808").is_err());
    }

    #[test]
    fn a_non_zero_literal_that_underflows_to_zero_is_refused() {
        assert_eq!(stored("1e-400"), Err(InexactNumber::Underflow));
        assert_eq!(stored("-0.1e-330"), Err(InexactNumber::Underflow));
        assert_eq!(stored("0e-400"), Ok(()));
    }

    #[test]
    fn a_literal_beyond_the_double_range_is_refused() {
        assert_eq!(stored("1e400"), Err(InexactNumber::TooLarge));
    }

    #[test]
    fn more_digits_than_a_double_keeps_are_refused() {
        assert!(matches!(
            stored("0.1000000000000000000001"),
            Err(InexactNumber::Rounded { .. })
        ));
        assert!(matches!(
            stored("2.5e-320123"),
            Err(InexactNumber::Underflow)
        ));
        // A subnormal keeps fewer digits than a normal double.
        assert!(matches!(
            stored("1.2345678901e-320"),
            Err(InexactNumber::Rounded { .. })
        ));
    }
}
