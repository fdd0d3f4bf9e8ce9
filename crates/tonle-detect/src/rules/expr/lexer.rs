//! Lexer: source text to tokens, each with its byte offset.

use super::CompileError;

/// A lexical token.
#[derive(Clone, Debug, PartialEq)]
pub(super) enum Token {
    /// A literal with a fraction: `2.5`.
    Number(f64),
    /// A literal without a fraction or unit: `10`, `1_000`.
    Integer(i64),
    /// A number with a unit, in seconds: `10m` is 600.
    Duration(f64),
    /// A quoted string, without its quotes.
    Str(String),
    /// A name, possibly dotted (`creditor.in.distinct_24h`), or a keyword (`true`, `false`, `in`).
    Ident(String),
    /// An operator or delimiter.
    Punct(Punct),
    /// The end of the source.
    Eof,
}

/// Operators and delimiters.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Punct {
    AndAnd,
    OrOr,
    EqEq,
    NotEq,
    LessEq,
    GreaterEq,
    Less,
    Greater,
    Bang,
    Plus,
    Minus,
    Star,
    Slash,
    LParen,
    RParen,
    LBracket,
    RBracket,
    Comma,
}

impl Punct {
    /// All of them, longest first so that `<=` is not read as `<` `=`.
    const ALL: [Punct; 18] = [
        Punct::AndAnd,
        Punct::OrOr,
        Punct::EqEq,
        Punct::NotEq,
        Punct::LessEq,
        Punct::GreaterEq,
        Punct::Less,
        Punct::Greater,
        Punct::Bang,
        Punct::Plus,
        Punct::Minus,
        Punct::Star,
        Punct::Slash,
        Punct::LParen,
        Punct::RParen,
        Punct::LBracket,
        Punct::RBracket,
        Punct::Comma,
    ];

    /// The source text.
    pub(super) fn as_str(self) -> &'static str {
        match self {
            Punct::AndAnd => "&&",
            Punct::OrOr => "||",
            Punct::EqEq => "==",
            Punct::NotEq => "!=",
            Punct::LessEq => "<=",
            Punct::GreaterEq => ">=",
            Punct::Less => "<",
            Punct::Greater => ">",
            Punct::Bang => "!",
            Punct::Plus => "+",
            Punct::Minus => "-",
            Punct::Star => "*",
            Punct::Slash => "/",
            Punct::LParen => "(",
            Punct::RParen => ")",
            Punct::LBracket => "[",
            Punct::RBracket => "]",
            Punct::Comma => ",",
        }
    }
}

/// Describes a token for messages: ``found `)` ``.
pub(super) fn describe(token: &Token) -> String {
    match token {
        Token::Eof => "end of expression".into(),
        Token::Punct(punct) => format!("`{}`", punct.as_str()),
        Token::Ident(name) => format!("`{name}`"),
        Token::Str(text) => format!("\"{text}\""),
        Token::Number(x) | Token::Duration(x) => format!("`{x}`"),
        Token::Integer(x) => format!("`{x}`"),
    }
}

fn is_ident_start(byte: u8) -> bool {
    byte.is_ascii_alphabetic() || byte == b'_'
}

fn is_ident_char(byte: u8) -> bool {
    byte.is_ascii_alphanumeric() || byte == b'_'
}

/// Splits `src` into tokens with their byte offsets, ending with [`Token::Eof`] at `src.len()`.
///
/// Every offset is a char boundary: the lexer only ever steps over whole ASCII bytes, or over a string's body
/// up to its (ASCII) closing quote.
pub(super) fn tokenize(src: &str) -> Result<Vec<(Token, usize)>, CompileError> {
    let bytes = src.as_bytes();
    let mut tokens = Vec::new();
    let mut pos = 0;
    while let Some(&byte) = bytes.get(pos) {
        if byte.is_ascii_whitespace() {
            pos += 1;
            continue;
        }
        let start = pos;
        let token = if byte.is_ascii_digit() {
            let (token, end) = number(src, start)?;
            pos = end;
            token
        } else if is_ident_start(byte) {
            // A dotted path is one identifier, so `in` is an ordinary segment after a dot.
            loop {
                while bytes.get(pos).is_some_and(|&b| is_ident_char(b)) {
                    pos += 1;
                }
                if bytes.get(pos) == Some(&b'.') && bytes.get(pos + 1).is_some_and(|&b| is_ident_start(b)) {
                    pos += 1;
                } else {
                    break;
                }
            }
            // Slicing cannot fail here or below: the bounds are next to ASCII bytes, so they are char boundaries.
            Token::Ident(src[start..pos].to_owned())
        } else if byte == b'"' || byte == b'\'' {
            pos += 1;
            while bytes.get(pos).is_some_and(|&b| b != byte && b != b'\n') {
                pos += 1;
            }
            if bytes.get(pos) != Some(&byte) {
                return Err(CompileError::at(src, start, "unterminated string".into()));
            }
            pos += 1;
            Token::Str(src[start + 1..pos - 1].to_owned())
        } else if let Some(punct) =
            Punct::ALL.into_iter().find(|punct| bytes[pos..].starts_with(punct.as_str().as_bytes()))
        {
            pos += punct.as_str().len();
            Token::Punct(punct)
        } else {
            let ch = src[pos..].chars().next().unwrap_or(char::REPLACEMENT_CHARACTER);
            let hint = match ch {
                '=' => " (compare with `==`)",
                '&' => " (use `&&`)",
                '|' => " (use `||`)",
                _ => "",
            };
            return Err(CompileError::at(src, pos, format!("unexpected character `{}`{hint}", ch.escape_debug())));
        };
        tokens.push((token, start));
    }
    tokens.push((Token::Eof, src.len()));
    Ok(tokens)
}

/// Lexes the number starting at `start` (a digit): digits with `_` separators, an optional fraction, and an
/// optional unit `s`, `m`, `h` or `d` that makes it a duration. Returns the token and the offset after it.
fn number(src: &str, start: usize) -> Result<(Token, usize), CompileError> {
    let bytes = src.as_bytes();
    let digits_end = |mut pos: usize| {
        while bytes.get(pos).is_some_and(|&b| b.is_ascii_digit() || b == b'_') {
            pos += 1;
        }
        pos
    };
    let mut pos = digits_end(start);
    let has_fraction = bytes.get(pos) == Some(&b'.') && bytes.get(pos + 1).is_some_and(u8::is_ascii_digit);
    if has_fraction {
        pos = digits_end(pos + 1);
    }
    // Slicing cannot fail in this function: every bound is next to an ASCII digit, `.` or letter.
    let text = &src[start..pos];
    if text.contains("__") || text.contains("_.") || text.ends_with('_') {
        return Err(CompileError::at(src, start, format!("malformed number `{text}`: `_` must stand between digits")));
    }
    let digits: String = text.chars().filter(|&c| c != '_').collect();

    let suffix_end = bytes[pos..].iter().position(|&b| !is_ident_char(b)).map_or(bytes.len(), |len| pos + len);
    let unit = match &src[pos..suffix_end] {
        "" => None,
        "s" => Some(1.0),
        "m" => Some(60.0),
        "h" => Some(3600.0),
        "d" => Some(86_400.0),
        suffix => {
            let message = format!("invalid suffix `{suffix}` on a number (durations take s, m, h or d)");
            return Err(CompileError::at(src, pos, message));
        }
    };
    let float = || match digits.parse::<f64>() {
        Ok(x) if x.is_finite() => Ok(x),
        _ => Err(CompileError::at(src, start, format!("number `{text}` out of range"))),
    };
    let token = match unit {
        Some(seconds) => {
            let x = float()? * seconds;
            if !x.is_finite() {
                return Err(CompileError::at(
                    src,
                    start,
                    format!("duration `{}` out of range", &src[start..suffix_end]),
                ));
            }
            Token::Duration(x)
        }
        None if has_fraction => Token::Number(float()?),
        None => match digits.parse::<i64>() {
            Ok(x) => Token::Integer(x),
            Err(_) => return Err(CompileError::at(src, start, format!("integer `{text}` out of range"))),
        },
    };
    Ok((token, suffix_end))
}
