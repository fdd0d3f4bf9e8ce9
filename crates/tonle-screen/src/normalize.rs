//! Name normalisation: a raw name, in any script, to comparable lower-case ASCII tokens, with its legal
//! forms and honorifics set apart, and the phonetic key of a token.
//!
//! [`normalize`] works in this order:
//! 1. NFKC; bracketed asides are dropped when they are asides ("(a.k.a. ...)", "(formerly ...)", "(born
//!    ...)", "(nee ...)", "(alias ...)") or when they are written in other scripts than the rest of the name
//!    (a rendering of the same name: "ហ៊ុន សែន (Hun Sen)"); other brackets are taken away and their words
//!    kept ("ABC (Thailand) Co., Ltd." keeps "thailand"); quote marks are taken away, their words kept;
//! 2. transliteration ([`crate::translit::to_latin`]);
//! 3. punctuation: apostrophes inside a word join ("O'Brien" -> "obrien"), hyphens split ("Al-Qaida" ->
//!    "al", "qaida"), initialisms join ("U.S.A." -> "usa", "L.L.C." -> "llc"), every other mark splits;
//! 4. legal forms (a word one letter away from one of theirs respelt first: "COMPANNY"): at the start (PT, OOO, AO, CV, Công ty, บริษัท...) and at the end (Co., Ltd., LLC,
//!    GmbH, Sdn. Bhd., Tbk, จำกัด (มหาชน), 有限公司...), the unambiguous ones anywhere after the first
//!    word; the short forms that are also name words (co, sa, ag, ab, as, nv, bv, kg, cv, pt, ao, lp...)
//!    only when punctuated ("S.A.", ", SA"), next to another legal form, or in a name of three or more
//!    words;
//! 5. honorifics and titles at the start (Mr, Dr, H.E., General, Haji, Sheikh, Burmese U/Daw/Ko/Maung,
//!    Khmer Lok/Lok Chumteav/Oknha/Samdech, Thai Nai/Nang/Nangsao/Khun, Vietnamese Ông/Bà, Malay Tan
//!    Sri/Datuk...) and the Chinese ones after the name (先生 xiansheng, 女士 nushi, 小姐 xiaojie). Ông and
//!    Bà count only written with their diacritics ("Ong Ye Kung" and "Ba Maw" keep their first word).
//!
//! Neither step 4 nor step 5 removes every token: a name that is only a legal form or a title keeps it.

use crate::translit::{script_of, to_latin, Script};
use unicode_normalization::UnicodeNormalization;

/// A normalised name.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct NormalizedName {
    /// Lower-case ASCII tokens in the name's order: no punctuation, no honorifics, no legal forms.
    pub tokens: Vec<String>,
    /// Legal forms found, canonical ("co", "ltd", "llc", "jsc", "plc", "gmbh", "sdn", "bhd", "pt",
    /// "tbk"...), in the order they were written.
    pub legal_forms: Vec<String>,
    /// Honorifics and titles removed, canonical ("mr", "general", "haji", "sheikh", "u", "daw",
    /// "lok chumteav", "nangsao", "xiansheng"...), in the order they were written.
    pub honorifics: Vec<String>,
    /// The scripts the raw name used, in order of first appearance.
    pub scripts: Vec<Script>,
}

/// Normalises a raw name: Unicode NFKC, case folding, transliteration, punctuation (hyphens and
/// apostrophes join or split sensibly: "Al-Qaida" -> "al", "qaida"; "O'Brien" -> "obrien"), legal forms
/// and honorifics out (never removing every token: a name that is only a legal form or title keeps it),
/// quotes and bracketed asides handled. See the module documentation for the rules.
pub fn normalize(raw: &str) -> NormalizedName {
    let text: String = raw.nfkc().collect();
    let mut scripts: Vec<Script> = Vec::new();
    for c in text.chars() {
        if let Some(s) = script_of(c) {
            if !scripts.contains(&s) {
                scripts.push(s);
            }
        }
    }
    let text = strip_brackets_and_quotes(&text);
    let latin = to_latin(&text);
    let mut tokens = tokenize(&latin);
    correct_legal_words(&mut tokens);
    let legal_forms = take_legal_forms(&mut tokens);
    // Vietnamese Ông and Bà are titles only written so: "Ong" is also a Chinese surname ("Ong Ye Kung")
    // and "Ba" a Burmese name ("Ba Maw").
    let first_word = text.split_whitespace().next().unwrap_or("").to_lowercase();
    let vietnamese_title = first_word == "ông" || first_word == "bà";
    let honorifics = take_honorifics(&mut tokens, vietnamese_title);
    NormalizedName { tokens: tokens.into_iter().map(|t| t.text).collect(), legal_forms, honorifics, scripts }
}

// ---------------------------------------------------------------------------------------------------
// Brackets and quotes.

/// Words that open a bracketed aside, which is dropped.
const ASIDES: &[&str] = &[
    "aka",
    "a.k.a",
    "fka",
    "f.k.a",
    "nka",
    "n.k.a",
    "also known as",
    "formerly",
    "previously",
    "born",
    "nee",
    "née",
    "alias",
    "dba",
    "d.b.a",
    "doing business as",
    "see",
    "ex ",
    "i.e",
    "trading as",
    "t/a",
    "known as",
];

/// Drops bracketed asides, unwraps other brackets, removes quote marks (an ASCII apostrophe is a quote
/// mark only at the edge of a word).
fn strip_brackets_and_quotes(text: &str) -> String {
    let outside_scripts = scripts_outside_brackets(text);
    let chars: Vec<char> = text.chars().collect();
    let mut out = String::with_capacity(text.len());
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        if let Some(close) = closing(c) {
            // Find the matching close (not nested: names rarely nest brackets).
            if let Some(len) = chars[i + 1..].iter().position(|&x| x == close) {
                let inner: String = chars[i + 1..i + 1 + len].iter().collect();
                if !is_aside(&inner, &outside_scripts) {
                    out.push(' ');
                    out.push_str(&inner);
                }
                out.push(' ');
                i += len + 2;
                continue;
            }
            // Unclosed: drop the bracket itself.
            out.push(' ');
            i += 1;
            continue;
        }
        match c {
            ')' | ']' | '}' => out.push(' '),
            '"' | '\u{201C}' | '\u{201D}' | '\u{201E}' | '\u{201F}' | '\u{00AB}' | '\u{00BB}' | '\u{2039}'
            | '\u{203A}' | '\u{300C}' | '\u{300D}' | '\u{300E}' | '\u{300F}' => out.push(' '),
            '\'' | '\u{2018}' | '\u{2019}' => {
                let before = i > 0 && chars[i - 1].is_alphanumeric();
                let after = chars.get(i + 1).is_some_and(|x| x.is_alphanumeric());
                // Inside a word, an apostrophe (joined later); at a word's edge, a quote mark.
                out.push(if before && after { '\'' } else { ' ' });
            }
            _ => out.push(c),
        }
        i += 1;
    }
    out
}

fn closing(c: char) -> Option<char> {
    match c {
        '(' => Some(')'),
        '[' => Some(']'),
        '{' => Some('}'),
        _ => None,
    }
}

/// The scripts of the letters outside brackets.
fn scripts_outside_brackets(text: &str) -> Vec<Script> {
    let mut depth = 0usize;
    let mut scripts = Vec::new();
    for c in text.chars() {
        match c {
            '(' | '[' | '{' => depth += 1,
            ')' | ']' | '}' => depth = depth.saturating_sub(1),
            _ if depth == 0 => {
                if let Some(s) = script_of(c) {
                    if !scripts.contains(&s) {
                        scripts.push(s);
                    }
                }
            }
            _ => {}
        }
    }
    scripts
}

/// Whether a bracket's content is an aside to drop.
fn is_aside(inner: &str, outside: &[Script]) -> bool {
    let lower = inner.trim().to_lowercase();
    if lower.is_empty() {
        return true;
    }
    if ASIDES.iter().any(|a| {
        lower.starts_with(a) && lower[a.len()..].chars().next().is_none_or(|c| !c.is_alphanumeric() || a.ends_with(' '))
    }) {
        return true;
    }
    // Another rendering of the name, in scripts the rest of the name does not use.
    let inner_scripts: Vec<Script> = inner.chars().filter_map(script_of).collect();
    !outside.is_empty() && !inner_scripts.is_empty() && inner_scripts.iter().all(|s| !outside.contains(s))
}

// ---------------------------------------------------------------------------------------------------
// Tokens.

/// A token and the punctuation around it.
#[derive(Debug, Clone)]
struct Token {
    text: String,
    /// Written with a dot after it, or as an initialism ("Co.", "S.A.").
    dotted: bool,
    /// A comma before it.
    after_comma: bool,
    /// Written as an initialism with dots ("H.E.", "U.S.A.").
    initialism: bool,
}

/// Respells a word one letter away from a word of a legal form ("COMPANNY", "LIMIITED", "JOOINT STOCK") as
/// that word, so that the legal form is still found: a misspelt legal form is otherwise an unknown word that
/// weighs as much as the rarest name. Only words of five letters or more, with the same first letter and a
/// length within one, at a Jaro-Winkler similarity of 0.93 or more.
fn correct_legal_words(tokens: &mut [Token]) {
    for token in tokens.iter_mut().filter(|t| t.text.len() >= 5) {
        let text = token.text.as_str();
        let mut words = LEGAL_FORMS.iter().flat_map(|(words, ..)| words.iter()).filter(|w| w.len() >= 5);
        if words.clone().any(|w| *w == text) {
            continue;
        }
        let close = words.find(|w| {
            w.as_bytes()[0] == text.as_bytes()[0]
                && w.len().abs_diff(text.len()) <= 1
                && strsim::jaro_winkler(w, text) >= 0.93
        });
        if let Some(word) = close {
            token.text = (*word).to_owned();
        }
    }
}

/// For matching: moves the one-word legal forms left among the tokens wherever they stand ("COMPANY" at the
/// start of a reordered "COMPANY PARSIAN CATALYST CHEMICAL") into the legal forms, canonical, leaving at
/// least one token. The short forms that are also name words ("co", "sa", "pt"...) stay where they are.
pub fn loose_legal_forms(name: &mut NormalizedName) {
    let mut t = 0;
    while t < name.tokens.len() && name.tokens.len() > 1 {
        let form = LEGAL_FORMS.iter().find(|(words, canonical, _, ambiguous)| {
            !ambiguous && words.len() == 1 && canonical.len() == 1 && words[0] == name.tokens[t]
        });
        match form {
            Some((_, canonical, _, _)) => {
                name.tokens.remove(t);
                name.legal_forms.push(canonical[0].to_owned());
            }
            None => t += 1,
        }
    }
}

/// Splits a transliterated name into tokens.
fn tokenize(latin: &str) -> Vec<Token> {
    let mut tokens: Vec<Token> = Vec::new();
    let mut comma = false;
    // Chunks between white space, commas and other separators but dots and apostrophes.
    let mut chunk = String::new();
    let flush = |chunk: &mut String, tokens: &mut Vec<Token>, comma: &mut bool| {
        if chunk.is_empty() {
            return;
        }
        for t in chunk_tokens(chunk) {
            let mut t = t;
            t.after_comma = *comma;
            *comma = false;
            tokens.push(t);
        }
        chunk.clear();
    };
    for c in latin.chars() {
        match c {
            'a'..='z' | '0'..='9' | '.' | '\'' => chunk.push(c),
            ',' | ';' | ':' => {
                flush(&mut chunk, &mut tokens, &mut comma);
                comma = true;
            }
            _ => flush(&mut chunk, &mut tokens, &mut comma),
        }
    }
    flush(&mut chunk, &mut tokens, &mut comma);
    tokens
}

/// Tokens of one chunk (letters, digits, dots and apostrophes).
fn chunk_tokens(chunk: &str) -> Vec<Token> {
    // Apostrophes join: "o'brien" -> "obrien".
    let chunk: String = chunk.chars().filter(|&c| c != '\'').collect();
    let parts: Vec<&str> = chunk.split('.').collect();
    let words: Vec<&str> = parts.iter().copied().filter(|p| !p.is_empty()).collect();
    // An initialism: single letters with dots ("u.s.a.", "h.e", "s.a.").
    if words.len() >= 2 && chunk.contains('.') && words.iter().all(|w| w.len() == 1) {
        let text: String = words.concat();
        return vec![Token { text, dotted: true, after_comma: false, initialism: true }];
    }
    let mut out = Vec::new();
    for (k, part) in parts.iter().enumerate() {
        let text: String = part.chars().filter(|c| c.is_ascii_alphanumeric()).collect();
        if text.is_empty() {
            continue;
        }
        let dotted = k + 1 < parts.len();
        out.push(Token { text, dotted, after_comma: false, initialism: false });
    }
    out
}

// ---------------------------------------------------------------------------------------------------
// Legal forms.

/// Where a legal form may stand.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Place {
    /// At the end of the name (and anywhere after the first word if not ambiguous).
    End,
    /// At the start of the name.
    Start,
    /// Either.
    Both,
}

/// Legal forms: the words as written (transliterated), the canonical forms, where they stand, whether
/// they are also ordinary name words.
const LEGAL_FORMS: &[(&[&str], &[&str], Place, bool)] = &[
    (&["limited", "liability", "company"], &["llc"], Place::End, false),
    (&["limited", "liability", "partnership"], &["llp"], Place::End, false),
    (&["public", "limited", "company"], &["plc"], Place::End, false),
    (&["public", "company", "limited"], &["plc"], Place::End, false),
    (&["joint", "stock", "company"], &["jsc"], Place::Both, false),
    (&["open", "joint", "stock", "company"], &["jsc"], Place::Both, false),
    (&["closed", "joint", "stock", "company"], &["jsc"], Place::Both, false),
    (&["public", "joint", "stock", "company"], &["jsc"], Place::Both, false),
    (&["societe", "anonyme"], &["sa"], Place::End, false),
    (&["sociedad", "anonima"], &["sa"], Place::End, false),
    (&["sa", "de", "cv"], &["sa", "cv"], Place::End, false),
    (&["s", "de", "rl"], &["srl"], Place::End, false),
    (&["sp", "z", "o", "o"], &["spzoo"], Place::End, false),
    (&["spzoo"], &["spzoo"], Place::End, false),
    (&["private", "limited"], &["pvt", "ltd"], Place::End, false),
    (&["proprietary", "limited"], &["pty", "ltd"], Place::End, false),
    (&["sendirian", "berhad"], &["sdn", "bhd"], Place::End, false),
    (&["gesellschaft", "mit", "beschrankter", "haftung"], &["gmbh"], Place::End, false),
    (&["aktiengesellschaft"], &["ag"], Place::End, false),
    (&["kabushiki", "kaisha"], &["kk"], Place::Both, false),
    // Vietnamese: công ty (company), TNHH (limited liability), cổ phần (joint stock).
    (&["cong", "ty", "tnhh"], &["co", "llc"], Place::Start, false),
    (&["cong", "ty", "co", "phan"], &["co", "jsc"], Place::Start, false),
    (&["cong", "ty"], &["co"], Place::Start, false),
    (&["tnhh"], &["llc"], Place::Both, false),
    (&["co", "phan"], &["jsc"], Place::End, false),
    // Thai: บริษัท (company) ... จำกัด (limited) (มหาชน) (public).
    (&["borisat"], &["co"], Place::Start, false),
    (&["chamkat", "mahachon"], &["ltd", "plc"], Place::End, false),
    (&["chamkat"], &["ltd"], Place::End, false),
    (&["mahachon"], &["plc"], Place::End, false),
    // Khmer: ក្រុមហ៊ុន (company).
    (&["kromhun"], &["co"], Place::Start, false),
    // Chinese: 有限责任公司, 股份有限公司, 有限公司, 公司.
    (&["you", "xian", "ze", "ren", "gong", "si"], &["llc"], Place::End, false),
    (&["gu", "fen", "you", "xian", "gong", "si"], &["jsc"], Place::End, false),
    (&["you", "xian", "gong", "si"], &["co", "ltd"], Place::End, false),
    (&["gong", "si"], &["co"], Place::End, false),
    (&["company"], &["co"], Place::End, false),
    (&["co"], &["co"], Place::End, true),
    (&["cie"], &["co"], Place::End, true),
    (&["limited"], &["ltd"], Place::End, false),
    (&["ltd"], &["ltd"], Place::End, false),
    (&["ltda"], &["ltd"], Place::End, false),
    (&["llc"], &["llc"], Place::End, false),
    (&["llp"], &["llp"], Place::End, false),
    (&["lp"], &["lp"], Place::End, true),
    (&["plc"], &["plc"], Place::End, false),
    (&["pcl"], &["plc"], Place::End, false),
    (&["incorporated"], &["inc"], Place::End, false),
    (&["inc"], &["inc"], Place::End, false),
    (&["corporation"], &["corp"], Place::End, false),
    (&["corp"], &["corp"], Place::End, false),
    (&["gmbh"], &["gmbh"], Place::End, false),
    (&["ag"], &["ag"], Place::End, true),
    (&["kg"], &["kg"], Place::End, true),
    (&["sa"], &["sa"], Place::End, true),
    (&["sas"], &["sas"], Place::End, true),
    (&["sarl"], &["sarl"], Place::End, false),
    (&["spa"], &["spa"], Place::End, true),
    (&["srl"], &["srl"], Place::End, false),
    (&["bv"], &["bv"], Place::End, true),
    (&["nv"], &["nv"], Place::End, true),
    (&["oy"], &["oy"], Place::End, true),
    (&["oyj"], &["oyj"], Place::End, false),
    (&["ab"], &["ab"], Place::End, true),
    (&["as"], &["as"], Place::End, true),
    (&["asa"], &["asa"], Place::End, true),
    (&["aps"], &["aps"], Place::End, false),
    (&["sro"], &["sro"], Place::End, false),
    (&["doo"], &["doo"], Place::End, false),
    (&["kft"], &["kft"], Place::End, false),
    (&["jsc"], &["jsc"], Place::Both, false),
    (&["ojsc"], &["jsc"], Place::Both, false),
    (&["cjsc"], &["jsc"], Place::Both, false),
    (&["pjsc"], &["jsc"], Place::Both, false),
    (&["oao"], &["jsc"], Place::Both, false),
    (&["zao"], &["jsc"], Place::Both, false),
    (&["pao"], &["jsc"], Place::Both, false),
    (&["ao"], &["jsc"], Place::Start, true),
    (&["ooo"], &["llc"], Place::Both, false),
    (&["tov"], &["llc"], Place::Start, true),
    (&["pte"], &["pte"], Place::End, false),
    (&["pvt"], &["pvt"], Place::End, false),
    (&["pty"], &["pty"], Place::End, false),
    (&["private"], &["pvt"], Place::End, true),
    (&["sdn"], &["sdn"], Place::End, false),
    (&["bhd"], &["bhd"], Place::End, false),
    (&["berhad"], &["bhd"], Place::End, false),
    (&["pt"], &["pt"], Place::Start, true),
    (&["tbk"], &["tbk"], Place::End, false),
    (&["cv"], &["cv"], Place::Both, true),
    (&["fze"], &["fze"], Place::End, false),
    (&["fzco"], &["fzco"], Place::End, false),
    (&["fzc"], &["fzc"], Place::End, false),
    (&["fzllc"], &["llc"], Place::End, false),
    (&["dmcc"], &["dmcc"], Place::End, false),
    (&["wll"], &["wll"], Place::End, false),
    (&["kk"], &["kk"], Place::End, true),
];

/// Whether the tokens at `at` spell `words`.
fn spells(tokens: &[Token], at: usize, words: &[&str]) -> bool {
    at + words.len() <= tokens.len() && words.iter().enumerate().all(|(k, w)| tokens[at + k].text == *w)
}

/// Whether a short, ambiguous legal form written at `at..at+len` is punctuated like one.
fn punctuated(tokens: &[Token], at: usize, len: usize) -> bool {
    tokens[at].after_comma || tokens[at + len - 1].dotted || tokens[at].initialism
}

/// Takes the legal forms out of `tokens`, returning them (canonical).
fn take_legal_forms(tokens: &mut Vec<Token>) -> Vec<String> {
    let n = tokens.len();
    if n == 0 {
        return Vec::new();
    }
    // Marks: which tokens are legal forms, and the canonical forms by first token.
    let mut form_at: Vec<Option<&[&str]>> = vec![None; n];
    let mut covered = vec![false; n];
    // Leading forms.
    let mut i = 0;
    'lead: while i < n {
        for &(words, canon, place, ambiguous) in LEGAL_FORMS {
            if place == Place::End || !spells(tokens, i, words) {
                continue;
            }
            let len = words.len();
            // A leading form needs a name after it; an ambiguous one two words, or punctuation.
            let rest = n - (i + len);
            if rest == 0 || (ambiguous && rest < 2 && !punctuated(tokens, i, len)) {
                continue;
            }
            form_at[i] = Some(canon);
            for c in covered.iter_mut().skip(i).take(len) {
                *c = true;
            }
            i += len;
            continue 'lead;
        }
        break;
    }
    let lead_end = i;
    // Trailing forms, from the end.
    let mut end = n;
    'trail: while end > lead_end {
        for &(words, canon, place, ambiguous) in LEGAL_FORMS {
            let len = words.len();
            if place == Place::Start || len > end - lead_end || !spells(tokens, end - len, words) {
                continue;
            }
            let at = end - len;
            if ambiguous {
                let next_is_form = end < n && covered[end];
                let prev_is_form = at > 0
                    && LEGAL_FORMS.iter().any(|&(w, _, p, amb)| {
                        !amb && p != Place::Start && w.len() <= at && spells(tokens, at - w.len(), w)
                    });
                if !(punctuated(tokens, at, len) || next_is_form || prev_is_form || n >= 3) {
                    continue;
                }
            }
            form_at[at] = Some(canon);
            for c in covered.iter_mut().skip(at).take(len) {
                *c = true;
            }
            end = at;
            continue 'trail;
        }
        break;
    }
    // Unambiguous forms in the middle (after the first word): "Foo Ltd (Cambodia)".
    let mut k = lead_end.max(1);
    while k < end {
        let mut matched = false;
        for &(words, canon, place, ambiguous) in LEGAL_FORMS {
            let len = words.len();
            if ambiguous
                || place == Place::Start
                || words == ["company"]
                || words == ["limited"]
                || words == ["private"]
            {
                continue;
            }
            if k + len <= end && spells(tokens, k, words) {
                form_at[k] = Some(canon);
                for c in covered.iter_mut().skip(k).take(len) {
                    *c = true;
                }
                k += len;
                matched = true;
                break;
            }
        }
        if !matched {
            k += 1;
        }
    }
    if covered.iter().all(|&c| c) {
        return Vec::new();
    }
    let mut forms = Vec::new();
    for canon in form_at.iter().flatten() {
        forms.extend(canon.iter().map(|s| s.to_string()));
    }
    let mut k = 0;
    tokens.retain(|_| {
        let keep = !covered[k];
        k += 1;
        keep
    });
    forms
}

// ---------------------------------------------------------------------------------------------------
// Honorifics.

/// Honorifics and titles written before the name: the words (transliterated) and the canonical form.
const LEADING_TITLES: &[(&[&str], &str)] = &[
    (&["his", "royal", "highness"], "hrh"),
    (&["her", "royal", "highness"], "hrh"),
    (&["his", "excellency"], "he"),
    (&["her", "excellency"], "he"),
    (&["his", "majesty"], "hm"),
    (&["her", "majesty"], "hm"),
    (&["hrh"], "hrh"),
    (&["mr"], "mr"),
    (&["mister"], "mr"),
    (&["mrs"], "mrs"),
    (&["ms"], "ms"),
    (&["miss"], "miss"),
    (&["mx"], "mx"),
    (&["dr"], "dr"),
    (&["doctor"], "dr"),
    (&["prof"], "prof"),
    (&["professor"], "prof"),
    (&["sir"], "sir"),
    (&["dame"], "dame"),
    (&["lord"], "lord"),
    (&["lady"], "lady"),
    (&["hon"], "hon"),
    (&["honourable"], "hon"),
    (&["honorable"], "hon"),
    (&["rev"], "rev"),
    (&["reverend"], "rev"),
    (&["haji"], "haji"),
    (&["hajji"], "haji"),
    (&["hajj"], "haji"),
    (&["hadji"], "haji"),
    (&["alhaji"], "haji"),
    (&["alhaj"], "haji"),
    (&["hj"], "haji"),
    (&["hajjah"], "hajjah"),
    (&["hjh"], "hajjah"),
    (&["sheikh"], "sheikh"),
    (&["shaikh"], "sheikh"),
    (&["sheik"], "sheikh"),
    (&["shaykh"], "sheikh"),
    (&["cheikh"], "sheikh"),
    (&["al", "shikh"], "sheikh"),
    (&["mullah"], "mullah"),
    (&["mulla"], "mullah"),
    (&["maulana"], "maulana"),
    (&["mawlana"], "maulana"),
    (&["maulvi"], "maulvi"),
    (&["imam"], "imam"),
    (&["emir"], "emir"),
    // Military and police ranks.
    (&["vice", "senior", "general"], "vice senior general"),
    (&["senior", "general"], "senior general"),
    (&["field", "marshal"], "field marshal"),
    (&["lieutenant", "general"], "lieutenant general"),
    (&["lt", "gen"], "lieutenant general"),
    (&["ltgen"], "lieutenant general"),
    (&["major", "general"], "major general"),
    (&["maj", "gen"], "major general"),
    (&["majgen"], "major general"),
    (&["brigadier", "general"], "brigadier general"),
    (&["brig", "gen"], "brigadier general"),
    (&["lieutenant", "colonel"], "lieutenant colonel"),
    (&["lt", "col"], "lieutenant colonel"),
    (&["vice", "admiral"], "vice admiral"),
    (&["rear", "admiral"], "rear admiral"),
    (&["police", "general"], "police general"),
    (&["pol", "gen"], "police general"),
    (&["police", "colonel"], "police colonel"),
    (&["pol", "col"], "police colonel"),
    (&["general"], "general"),
    (&["gen"], "general"),
    (&["colonel"], "colonel"),
    (&["col"], "colonel"),
    (&["lieutenant"], "lieutenant"),
    (&["lt"], "lieutenant"),
    (&["major"], "major"),
    (&["maj"], "major"),
    (&["captain"], "captain"),
    (&["capt"], "captain"),
    (&["brigadier"], "brigadier"),
    (&["brig"], "brigadier"),
    (&["admiral"], "admiral"),
    (&["adm"], "admiral"),
    (&["marshal"], "marshal"),
    (&["commander"], "commander"),
    (&["cdr"], "commander"),
    (&["sergeant"], "sergeant"),
    (&["sgt"], "sergeant"),
    // Burmese: ဦး U, ဒေါ် Daw, ကို Ko, မောင် Maung, ဗိုလ်ချုပ် Bogyoke, ဆရာတော် Sayadaw.
    (&["u"], "u"),
    (&["daw"], "daw"),
    (&["ko"], "ko"),
    (&["maung"], "maung"),
    (&["sayadaw"], "sayadaw"),
    (&["sa", "ya", "taw"], "sayadaw"),
    (&["bogyoke"], "bogyoke"),
    (&["thakin"], "thakin"),
    // Khmer: សម្តេច Samdech (with Hun Sen's full title), ឯកឧត្តម Ek Oudom (H.E.), លោកជំទាវ Lok
    // Chumteav, លោក Lok, ឧកញ៉ា Oknha.
    (&["samdech", "akka", "moha", "sena", "padei", "techo"], "samdech"),
    (&["samdech", "akkak", "moha", "sena", "padei", "techo"], "samdech"),
    (&["samdech", "techo"], "samdech"),
    (&["samdechtecho"], "samdech"),
    (&["samdechakkomhaseneapteitecho"], "samdech"),
    (&["samdech"], "samdech"),
    (&["aekotdam"], "he"),
    (&["ek", "oudom"], "he"),
    (&["ek", "uttam"], "he"),
    (&["lok", "chumteav"], "lok chumteav"),
    (&["lok", "chomteav"], "lok chumteav"),
    (&["lokchumteav"], "lok chumteav"),
    (&["lokchomteav"], "lok chumteav"),
    (&["chumteav"], "lok chumteav"),
    (&["chomteav"], "lok chumteav"),
    (&["neak", "oknha"], "oknha"),
    (&["nakoknha"], "oknha"),
    (&["neakoknha"], "oknha"),
    (&["oknha"], "oknha"),
    (&["okhna"], "oknha"),
    (&["lok", "srey"], "lok srey"),
    (&["loksrey"], "lok srey"),
    (&["lok", "srei"], "lok srey"),
    (&["loksrei"], "lok srey"),
    (&["lok"], "lok"),
    // Thai: นาย Nai, นาง Nang, นางสาว Nangsao, คุณ Khun, คุณหญิง Khunying, and the ranks (พลเอก
    // General, พันตำรวจโท Police Lieutenant Colonel...).
    (&["nang", "sao"], "nangsao"),
    (&["nangsao"], "nangsao"),
    (&["nai"], "nai"),
    (&["nang"], "nang"),
    (&["khun"], "khun"),
    (&["khunying"], "khunying"),
    (&["phonek"], "general"),
    (&["phon", "ek"], "general"),
    (&["phontho"], "lieutenant general"),
    (&["phontri"], "major general"),
    (&["phanek"], "colonel"),
    (&["phontamruatek"], "police general"),
    (&["phontamruattho"], "police lieutenant general"),
    (&["phontamruattri"], "police major general"),
    (&["phantamruatek"], "police colonel"),
    (&["phantamruattho"], "police lieutenant colonel"),
    (&["phantamruattri"], "police major"),
    // Vietnamese: Ông, Bà.
    (&["ong"], "ong"),
    (&["ba"], "ba"),
    // Malay and Indonesian.
    (&["tan", "sri"], "tan sri"),
    (&["datuk", "seri"], "datuk seri"),
    (&["dato", "seri"], "datuk seri"),
    (&["dato", "sri"], "datuk seri"),
    (&["datuk"], "datuk"),
    (&["dato"], "datuk"),
    (&["datin"], "datin"),
    (&["tun"], "tun"),
    (&["puan"], "puan"),
    (&["encik"], "encik"),
    (&["bapak"], "bapak"),
];

/// Chinese titles written after the name.
const TRAILING_TITLES: &[(&[&str], &str)] = &[
    (&["xian", "sheng"], "xiansheng"),
    (&["xiansheng"], "xiansheng"),
    (&["nu", "shi"], "nushi"),
    (&["nushi"], "nushi"),
    (&["xiao", "jie"], "xiaojie"),
    (&["xiaojie"], "xiaojie"),
];

/// Takes the honorifics out of `tokens`, returning them (canonical), never removing every token.
fn take_honorifics(tokens: &mut Vec<Token>, vietnamese_title: bool) -> Vec<String> {
    let mut found = Vec::new();
    let mut start = 0;
    'lead: loop {
        for &(words, canon) in LEADING_TITLES {
            if !spells(tokens, start, words) {
                continue;
            }
            if start + words.len() >= tokens.len() {
                // Nothing after it: it is the name.
                continue;
            }
            // "Maung Maung": the same word alone after it is the name, not a title and a name.
            if start + words.len() + 1 == tokens.len() && words.len() == 1 && tokens[start + 1].text == words[0] {
                continue;
            }
            if (words == ["ong"] || words == ["ba"]) && !(start == 0 && vietnamese_title) {
                continue;
            }
            // "He" is a surname; only the initialism "H.E." is the title.
            if words == ["he"] && !tokens[start].initialism {
                continue;
            }
            found.push(canon.to_string());
            start += words.len();
            continue 'lead;
        }
        // "H.E." as an initialism.
        if start + 1 < tokens.len() && tokens[start].initialism && tokens[start].text == "he" {
            found.push("he".to_string());
            start += 1;
            continue 'lead;
        }
        break;
    }
    let mut end = tokens.len();
    for &(words, canon) in TRAILING_TITLES {
        let len = words.len();
        if end > start + len && spells(tokens, end - len, words) {
            found.push(canon.to_string());
            end -= len;
            break;
        }
    }
    tokens.truncate(end);
    tokens.drain(..start);
    found
}

// ---------------------------------------------------------------------------------------------------
// Phonetic key.

/// A phonetic key of one normalised token, tuned for romanised names of this region and the usual list
/// spellings: the same key for spellings that sound alike.
///
/// Rules (a Metaphone-like consonant skeleton):
/// - the token is lower-cased and anything but ASCII letters and digits dropped (a token in another
///   script is transliterated first);
/// - digraphs become one sound: tch/tsch/ch -> "c", sh/sch -> "x", zh/dzh/dj/jh/dz -> "j", kh/ck/q/c
///   (before a, o, u or a consonant) -> "k", c before e/i/y -> "s", gh -> "g", ph -> "f", th -> "t",
///   dh -> "d", bh -> "b", ts/tz/z/x -> "s" (pinyin and Vietnamese x is an s);
/// - "w" before a vowel is "v" ("Wolodymyr" = "Volodymyr"), otherwise a vowel ("Aung"/"Awng");
///   "y" is always a vowel ("Yevgeny" = "Evgeny", "Sergey" = "Sergei", "Zelenskyy" = "Zelensky",
///   "Ayman" = Arabic "aymn", "Nguyen" -> "ngn");
/// - "h" at the end of a word after a vowel is silent ("Fatimah", "Allah", "Shah");
/// - vowels are dropped, except that a word starting with a vowel keeps one "a" ("Omar" = "Umar" =
///   Arabic "amr"; "Aung" = "Aong");
/// - doubled sounds collapse ("Hunn" = "Hun", "Mohammed" = "Muhammad" = "Mohamad" = Arabic "mhmd");
///   the same sound on both sides of a dropped vowel does not ("Nan" -> "nn").
///
/// So "mohammed", "muhammad", "mohamad" and "mhmd" key "mhmd"; "khaled"/"khalid" "kld"; "phu"/"fu" "f";
/// "sen"/"saen" "sn"; "hun"/"hunn" "hn"; "aung"/"aong" "ang". "tran" ("trn") and "tchan" ("cn") stay
/// apart: Trần and Chan are different surnames on the lists. The key is coarse (all vowels go): it is
/// a signal to combine with string similarity, not a match on its own.
pub fn phonetic(token: &str) -> String {
    let lower: String = if token.is_ascii() { token.to_ascii_lowercase() } else { to_latin(token) };
    let s: Vec<u8> = lower.bytes().filter(u8::is_ascii_alphanumeric).collect();
    let is_v = |b: u8| matches!(b, b'a' | b'e' | b'i' | b'o' | b'u');
    // Sounds: consonant letters, or b'_' for a vowel.
    let mut sounds: Vec<u8> = Vec::with_capacity(s.len());
    let at = |k: usize| s.get(k).copied();
    let mut i = 0;
    while i < s.len() {
        let c = s[i];
        let n1 = at(i + 1);
        let rest = |p: &[u8]| s[i..].starts_with(p);
        let (sound, len): (u8, usize) = match c {
            b'a' | b'e' | b'i' | b'o' | b'u' => (b'_', 1),
            _ if rest(b"tsch") => (b'c', 4),
            _ if rest(b"tch") => (b'c', 3),
            _ if rest(b"sch") => (b'x', 3),
            _ if rest(b"dzh") => (b'j', 3),
            b'c' if n1 == Some(b'h') => (b'c', 2),
            b'c' if n1 == Some(b'k') => (b'k', 2),
            b'c' if matches!(n1, Some(b'e' | b'i' | b'y')) => (b's', 1),
            b'c' => (b'k', 1),
            b's' if n1 == Some(b'h') => (b'x', 2),
            b'z' if n1 == Some(b'h') => (b'j', 2),
            b'd' if matches!(n1, Some(b'j' | b'z')) => (b'j', 2),
            b'j' if n1 == Some(b'h') => (b'j', 2),
            b'k' if n1 == Some(b'h') => (b'k', 2),
            b'g' if n1 == Some(b'h') => (b'g', 2),
            b'p' if n1 == Some(b'h') => (b'f', 2),
            b't' if n1 == Some(b'h') => (b't', 2),
            b'd' if n1 == Some(b'h') => (b'd', 2),
            b'b' if n1 == Some(b'h') => (b'b', 2),
            b't' if matches!(n1, Some(b's' | b'z')) => (b's', 2),
            b'q' => (b'k', 1),
            b'x' | b'z' => (b's', 1),
            b'w' => {
                if n1.is_some_and(is_v) {
                    (b'v', 1)
                } else {
                    (b'_', 1)
                }
            }
            // Always a vowel: unvowelled Arabic never shows a "y" between vowels ("aymn" = "ayman").
            b'y' => (b'_', 1),
            b'h' => {
                let prev_vowel = i > 0 && is_v(s[i - 1]);
                if prev_vowel && n1.is_none() {
                    (b'_', 1)
                } else {
                    (b'h', 1)
                }
            }
            _ => (c, 1),
        };
        sounds.push(sound);
        i += len;
    }
    let mut key = String::with_capacity(sounds.len());
    let mut last: Option<u8> = None;
    for (k, &snd) in sounds.iter().enumerate() {
        if snd == b'_' {
            if k == 0 {
                key.push('a');
                last = Some(b'a');
            } else {
                // Only adjacent doubles collapse: "nan" keeps both n.
                last = None;
            }
            continue;
        }
        if last == Some(snd) {
            continue;
        }
        key.push(snd as char);
        last = Some(snd);
    }
    key
}
