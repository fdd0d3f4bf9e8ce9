//! Transliteration of names in any script to lower-case ASCII Latin.
//!
//! The text is cut into runs of one script; each run goes through that script's romaniser (a submodule
//! with its own tables and rules), and characters outside any script (spaces, digits, punctuation) pass
//! through, ASCII kept as is (punctuation is left for [`crate::normalize`] to interpret), native digits
//! turned into ASCII ones, anything else folded by `deunicode`. Two runs of different scripts written
//! without a space between them get one.

mod arabic;
mod cyrillic;
mod han;
mod khmer;
mod latin;
mod myanmar;
mod thai;

use unicode_normalization::UnicodeNormalization;

/// The scripts a name can be written in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Script {
    /// Latin, with or without diacritics (Vietnamese included).
    Latin,
    /// Khmer (U+1780-U+17FF).
    Khmer,
    /// Thai (U+0E00-U+0E7F).
    Thai,
    /// Chinese characters (CJK unified ideographs).
    Han,
    /// Cyrillic (Russian, Ukrainian, Belarusian, Bulgarian, Serbian, Macedonian, Kazakh, Kyrgyz...).
    Cyrillic,
    /// Arabic, with the Persian, Urdu and Jawi letters.
    Arabic,
    /// Myanmar (Burmese, U+1000-U+109F).
    Myanmar,
    /// Any other script (romanised with `deunicode`).
    Other,
}

/// The script of one character (None for spaces, digits, punctuation).
///
/// Combining marks of a script's own block (Khmer or Thai vowel signs, Arabic harakat...) belong to the
/// script; the generic combining diacritics (U+0300-U+036F) belong to none.
pub fn script_of(c: char) -> Option<Script> {
    let u = c as u32;
    match u {
        0x1780..=0x17FF => match u {
            0x17D4..=0x17DA | 0x17DB | 0x17E0..=0x17E9 | 0x17F0..=0x17F9 => None,
            _ => Some(Script::Khmer),
        },
        0x0E01..=0x0E4E => match u {
            0x0E3F | 0x0E4F => None,
            _ => Some(Script::Thai),
        },
        0x1000..=0x109F => match u {
            0x1040..=0x104F | 0x1090..=0x1099 | 0x109E | 0x109F => None,
            _ => Some(Script::Myanmar),
        },
        0xA9E0..=0xA9FF | 0xAA60..=0xAA7F => Some(Script::Myanmar),
        0x0600..=0x06FF | 0x0750..=0x077F | 0x08A0..=0x08FF | 0xFB50..=0xFDFF | 0xFE70..=0xFEFF => match u {
            0x0600..=0x060F
            | 0x061B..=0x061F
            | 0x0660..=0x066D
            | 0x06D4
            | 0x06DD
            | 0x06DE
            | 0x06E9
            | 0x06F0..=0x06F9
            | 0xFD3E
            | 0xFD3F
            | 0xFDFC..=0xFDFF
            | 0xFEFF => None,
            _ => Some(Script::Arabic),
        },
        0x0400..=0x052F | 0x1C80..=0x1C8F | 0x2DE0..=0x2DFF | 0xA640..=0xA69F => {
            if c.is_alphabetic() || (0x0483..=0x0489).contains(&u) {
                Some(Script::Cyrillic)
            } else {
                None
            }
        }
        0x3400..=0x4DBF | 0x4E00..=0x9FFF | 0xF900..=0xFAFF | 0x20000..=0x2FA1F | 0x3005 | 0x3007 => Some(Script::Han),
        0x0041..=0x005A
        | 0x0061..=0x007A
        | 0x00AA
        | 0x00BA
        | 0x00C0..=0x024F
        | 0x0250..=0x02AF
        | 0x1D00..=0x1DBF
        | 0x1E00..=0x1EFF
        | 0x2C60..=0x2C7F
        | 0xA720..=0xA7FF
        | 0xAB30..=0xAB6F
        | 0xFB00..=0xFB06
        | 0xFF21..=0xFF3A
        | 0xFF41..=0xFF5A => {
            if c.is_alphabetic() {
                Some(Script::Latin)
            } else {
                None
            }
        }
        _ if c.is_alphabetic() => Some(Script::Other),
        _ => None,
    }
}

/// Romanises text to lower-case ASCII Latin, script by script; keeps spaces between words (and separates Han
/// syllables with spaces). Latin text passes with its diacritics removed (Vietnamese đ -> d, ø -> o,
/// ß -> ss, ...).
///
/// ASCII punctuation is kept (hyphens, apostrophes, dots and commas mean something to
/// [`crate::normalize::normalize`]); runs of white space become one space, and the result is trimmed.
/// Burmese comes out one syllable per word ("min aung hlaing"), Han one syllable per word
/// ("xi jin ping"); Khmer and Thai words come out whole, as written (Thai writes no spaces between the
/// words of a name part: "จันทร์โอชา" -> "chanocha").
pub fn to_latin(text: &str) -> String {
    let text: String = text.nfkc().collect();
    let variant = cyrillic::Variant::detect(&text);
    let mut out = String::with_capacity(text.len());
    let mut run = String::new();
    let mut run_script: Option<Script> = None;
    let mut last_script: Option<Script> = None;
    for c in text.chars() {
        let script = script_of(c);
        let joins = match (script, run_script) {
            (Some(s), Some(r)) => s == r,
            // Generic combining marks stay with the run they follow.
            (None, Some(_)) => is_combining(c),
            _ => false,
        };
        if joins {
            run.push(c);
            continue;
        }
        if let Some(r) = run_script.take() {
            romanise_run(r, &run, variant, &mut out);
            run.clear();
            last_script = Some(r);
        }
        match script {
            Some(s) => {
                if last_script.is_some_and(|l| l != s) && !out.ends_with(' ') {
                    out.push(' ');
                }
                run_script = Some(s);
                run.push(c);
            }
            None => {
                push_other(c, &mut out);
                if !c.is_ascii_alphanumeric() && !is_combining(c) {
                    last_script = None;
                }
            }
        }
    }
    if let Some(r) = run_script {
        romanise_run(r, &run, variant, &mut out);
    }
    tidy(&out)
}

/// Whether `c` is a generic combining mark (diacritics written after a letter of any script).
/// The zero-width (non-)joiners count as marks too: Persian writes them inside words ("خامنه‌ای").
fn is_combining(c: char) -> bool {
    matches!(
        c as u32,
        0x0300..=0x036F | 0x1AB0..=0x1AFF | 0x1DC0..=0x1DFF | 0x20D0..=0x20FF | 0xFE20..=0xFE2F | 0x200C | 0x200D
    )
}

/// Romanises one run of a single script, appending to `out`.
fn romanise_run(script: Script, run: &str, variant: cyrillic::Variant, out: &mut String) {
    match script {
        Script::Latin => latin::romanise(run, out),
        Script::Khmer => khmer::romanise(run, out),
        Script::Thai => thai::romanise(run, out),
        Script::Han => han::romanise(run, out),
        Script::Cyrillic => cyrillic::romanise(run, variant, out),
        Script::Arabic => arabic::romanise(run, out),
        Script::Myanmar => myanmar::romanise(run, out),
        Script::Other => fold(run, out),
    }
}

/// The fallback: `deunicode`, lower-cased, ASCII letters, digits, spaces and punctuation only.
pub(crate) fn fold(run: &str, out: &mut String) {
    for c in run.chars() {
        if c.is_ascii() {
            out.push(c.to_ascii_lowercase());
        } else if let Some(s) = deunicode::deunicode_char(c) {
            out.extend(s.chars().filter(|c| c.is_ascii() && !c.is_ascii_control()).map(|c| c.to_ascii_lowercase()));
        }
    }
}

/// A character outside any script: ASCII kept (lower-cased), white space to a space, native digits to
/// ASCII digits, the rest folded.
fn push_other(c: char, out: &mut String) {
    // The zero-width space separates words in Khmer, Thai and Burmese text.
    if c.is_whitespace() || c.is_control() || c == '\u{200B}' {
        out.push(' ');
        return;
    }
    if c.is_ascii() {
        out.push(c.to_ascii_lowercase());
        return;
    }
    if is_combining(c) {
        return;
    }
    if let Some(d) = native_digit(c) {
        out.push(d);
        return;
    }
    match c {
        // Apostrophe-like marks, kept as the ASCII apostrophe.
        '\u{2018}' | '\u{2019}' | '\u{201B}' | '\u{02BC}' | '\u{02BB}' | '\u{02BD}' | '\u{00B4}' | '\u{2032}' => {
            out.push('\'')
        }
        // Hyphens and dashes.
        '\u{2010}'..='\u{2015}' | '\u{2212}' | '\u{FE58}' | '\u{FE63}' | '\u{FF0D}' | '\u{00AD}' => out.push('-'),
        // Punctuation of the scripts handled here.
        '\u{17D4}' | '\u{17D5}' | '\u{0E2F}' | '\u{104A}' | '\u{104B}' | '\u{06D4}' => out.push('.'),
        '\u{060C}' | '\u{3001}' | '\u{FF0C}' => out.push(','),
        '\u{3002}' => out.push('.'),
        _ => fold(&c.to_string(), out),
    }
}

/// The ASCII digit of a Khmer, Thai, Myanmar, Arabic-Indic or fullwidth digit.
fn native_digit(c: char) -> Option<char> {
    let u = c as u32;
    let zero = match u {
        0x17E0..=0x17E9 => 0x17E0,
        0x0E50..=0x0E59 => 0x0E50,
        0x1040..=0x1049 => 0x1040,
        0x1090..=0x1099 => 0x1090,
        0x0660..=0x0669 => 0x0660,
        0x06F0..=0x06F9 => 0x06F0,
        0xFF10..=0xFF19 => 0xFF10,
        _ => return None,
    };
    char::from_digit(u - zero, 10)
}

/// Keeps ASCII only (lower case), turns control characters into spaces, collapses spaces and trims.
fn tidy(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut space = true;
    for c in s.chars() {
        let c = if c.is_ascii_whitespace() || c.is_ascii_control() { ' ' } else { c };
        if !c.is_ascii() {
            continue;
        }
        if c == ' ' {
            if !space {
                out.push(' ');
            }
            space = true;
        } else {
            out.push(c.to_ascii_lowercase());
            space = false;
        }
    }
    if out.ends_with(' ') {
        out.pop();
    }
    out
}
