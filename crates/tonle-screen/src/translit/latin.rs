//! Latin: diacritics removed (canonical decomposition, combining marks dropped), and the letters that do
//! not decompose mapped by a table (Vietnamese đ -> d, ø -> o, ß -> ss, æ -> ae, ł -> l, þ -> th...).

use unicode_normalization::UnicodeNormalization;

/// Romanises a run of Latin letters (and their combining marks), appending lower-case ASCII to `out`.
pub(super) fn romanise(run: &str, out: &mut String) {
    for c in run.nfd() {
        if c.is_ascii() {
            out.push(c.to_ascii_lowercase());
            continue;
        }
        if is_mark(c) || c == '\u{200C}' || c == '\u{200D}' {
            continue;
        }
        match special(c) {
            Some(s) => out.push_str(s),
            None => super::fold(&c.to_lowercase().to_string(), out),
        }
    }
}

/// Combining diacritical marks.
fn is_mark(c: char) -> bool {
    matches!(c as u32, 0x0300..=0x036F | 0x1AB0..=0x1AFF | 0x1DC0..=0x1DFF | 0x20D0..=0x20FF | 0xFE20..=0xFE2F)
}

/// Latin letters without a canonical decomposition to an ASCII base.
fn special(c: char) -> Option<&'static str> {
    Some(match c {
        'đ' | 'Đ' | 'ð' | 'Ð' | 'ɗ' | 'Ɗ' | 'ɖ' => "d",
        'ø' | 'Ø' | 'ɔ' | 'Ɔ' | 'ɵ' => "o",
        'ß' | 'ẞ' => "ss",
        'æ' | 'Æ' => "ae",
        'œ' | 'Œ' => "oe",
        'þ' | 'Þ' => "th",
        'ł' | 'Ł' | 'ŀ' | 'Ŀ' | 'ƚ' => "l",
        'ı' | 'ɨ' | 'ɪ' => "i",
        'ħ' | 'Ħ' => "h",
        'ŋ' | 'Ŋ' => "ng",
        'ĸ' => "k",
        'ſ' => "s",
        'ƒ' | 'Ƒ' => "f",
        'ƀ' | 'ɓ' | 'Ɓ' => "b",
        'ə' | 'Ə' | 'ǝ' | 'Ǝ' | 'ɛ' | 'Ɛ' => "e",
        'ʒ' | 'Ʒ' => "zh",
        'ŧ' | 'Ŧ' => "t",
        'ʔ' | 'ʕ' | 'ʿ' | 'ʾ' => "",
        'ª' => "a",
        'º' => "o",
        _ => return None,
    })
}
