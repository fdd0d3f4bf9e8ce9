//! Myanmar (Burmese, Unicode encoding; Zawgyi-encoded text is not recognised): the everyday romanisation
//! of names, one syllable per word ("Min Aung Hlaing", "Aung San Suu Kyi").
//!
//! - Consonants: က k, ခ kh, ဂ ဃ g, င ng, စ s, ဆ s ("San"), ဇ ဈ z, ည ဉ ny, ဋ တ t, ဌ ထ ht, ဍ ဎ ဒ ဓ d,
//!   ဏ န n, ပ p, ဖ ph, ဗ ဘ b, မ m, ယ ရ y, လ ဠ l, ဝ w, သ th, ဟ h; အ carries a vowel and is not written.
//! - Medials: ျ and ြ add "y" (ကျ/ကြ ky, ချ/ခြ ch, ဂျ/ဂြ gy); ွ adds "w" (absorbed into "u" before a
//!   final: ထွန်း "htun"); ှ makes a sonorant voiceless: "h" before it (လှ "hl", မှ "hm"), ရှ/ယှ "sh".
//! - Vowels: none a, ာ/ါ a, ိ/ီ i, ု/ူ u, ေ/ဲ e, ော aw, ို o, ံ an; with a final (consonant + asat ်):
//!   inherent + က် et, င် in, စ် it, ည် i, ဉ် in, တ်/ပ် at, န်/မ် an, ယ် e; ိ + န်/မ် ein, ိ + တ်/ပ် eik;
//!   ု + န်/မ် on, ု + တ်/ပ် ok; ော + င် aung, ော + က် auk; ို + င် aing, ို + က် aik.
//! - A nasal final with the creaky tone (့) ends in "t", as names are spelled ("မြင့်" "myint",
//!   "သန့်" "thant"); other tone marks are not written.
//! - Stacked consonants (virama ္) and kinzi close the syllable before them.

/// Romanises a run of Myanmar, appending lower-case ASCII, one syllable per word.
pub(super) fn romanise(run: &str, out: &mut String) {
    let c: Vec<char> = run.chars().collect();
    let mut i = 0;
    let mut first = true;
    while i < c.len() {
        let start = i;
        let mut syl = String::new();
        parse(&c, &mut i, &mut syl);
        if i == start {
            i += 1;
            continue;
        }
        if syl.is_empty() {
            continue;
        }
        if !first {
            out.push(' ');
        }
        first = false;
        out.push_str(&syl);
    }
}

fn is_cons(c: char) -> bool {
    ('\u{1000}'..='\u{1021}').contains(&c) || c == 'ဿ'
}

fn is_indep(c: char) -> bool {
    ('\u{1023}'..='\u{102A}').contains(&c)
}

const ASAT: char = '\u{103A}';
const VIRAMA: char = '\u{1039}';
const DOT: char = '\u{1037}';
const VISARGA: char = '\u{1038}';

/// Whether the consonant at `k` is a final (an asat follows it, possibly after the dot below).
fn is_final_at(c: &[char], k: usize) -> bool {
    c.get(k).is_some_and(|&x| is_cons(x))
        && (c.get(k + 1) == Some(&ASAT)
            || c.get(k + 1) == Some(&VIRAMA)
            || (c.get(k + 1) == Some(&DOT) && c.get(k + 2) == Some(&ASAT)))
}

/// Parses one syllable from `c[*i..]`, writing its romanisation.
fn parse(c: &[char], i: &mut usize, out: &mut String) {
    let Some(&base) = c.get(*i) else { return };
    if !is_cons(base) && !is_indep(base) {
        // Digits and other letters of the block outside the table.
        if let Some(s) = deunicode::deunicode_char(base) {
            out.extend(s.chars().filter(char::is_ascii_alphanumeric).map(|c| c.to_ascii_lowercase()));
        }
        *i += 1;
        return;
    }
    *i += 1;
    // Medials.
    let (mut ya, mut wa, mut ha) = (false, false, false);
    while let Some(&m) = c.get(*i) {
        match m {
            '\u{103B}' | '\u{103C}' => ya = true,
            '\u{103D}' => wa = true,
            '\u{103E}' => ha = true,
            _ => break,
        }
        *i += 1;
    }
    // Vowel signs and tone marks.
    let (mut e, mut i_, mut u, mut aa, mut ai, mut anusvara, mut dot) =
        (false, false, false, false, false, false, false);
    while let Some(&v) = c.get(*i) {
        match v {
            '\u{1031}' => e = true,
            '\u{102D}' | '\u{102E}' => i_ = true,
            '\u{102F}' | '\u{1030}' => u = true,
            '\u{102B}' | '\u{102C}' => aa = true,
            '\u{1032}' => ai = true,
            '\u{1036}' => anusvara = true,
            DOT => dot = true,
            VISARGA | ASAT => {}
            _ => break,
        }
        *i += 1;
    }
    // Final consonant (with asat), or a stacked consonant or kinzi (with virama).
    let mut fin: Option<char> = None;
    if is_final_at(c, *i) {
        fin = c.get(*i).copied();
        *i += 1;
        while let Some(&t) = c.get(*i) {
            match t {
                ASAT | VIRAMA | VISARGA => {}
                DOT => dot = true,
                _ => break,
            }
            *i += 1;
        }
    }
    // Onset.
    let onset = if is_indep(base) { String::new() } else { onset(base, ya, ha) };
    // Medial w is absorbed into "u" before a final when there is no other vowel.
    let plain = !(e || i_ || u || aa || ai);
    let wa_vowel = wa && plain && (fin.is_some_and(|f| !matches!(f, 'င' | 'က' | 'စ')) || anusvara);
    out.push_str(&onset);
    if wa && !wa_vowel {
        out.push('w');
    }
    let vowel: String = if is_indep(base) {
        let v = match base {
            'ဣ' | 'ဤ' => "i",
            'ဥ' | 'ဦ' => "u",
            'ဧ' => "e",
            _ => "aw",
        };
        format!("{v}{}", fin.map(final_plain).unwrap_or(""))
    } else {
        rhyme(e, i_, u, aa, ai, anusvara, wa_vowel, fin).to_string()
    };
    out.push_str(&vowel);
    let nasal = anusvara || fin.is_some_and(|f| matches!(f, 'င' | 'န' | 'မ' | 'ဉ' | 'ဏ'));
    if dot && nasal {
        out.push('t');
    }
}

/// The onset: consonant with its medials.
fn onset(base: char, ya: bool, ha: bool) -> String {
    let mut s = String::new();
    if ha {
        match base {
            'ရ' | 'ယ' => return "sh".to_string(),
            'လ' if ya => return "sh".to_string(),
            'မ' | 'န' | 'င' | 'ည' | 'ဉ' | 'လ' | 'ဝ' | 'ဏ' => s.push('h'),
            _ => {}
        }
    }
    if ya {
        match base {
            'က' => return format!("{s}ky"),
            'ခ' => return format!("{s}ch"),
            'ဂ' | 'ဃ' => return format!("{s}gy"),
            _ => {}
        }
    }
    s.push_str(match base {
        'က' => "k",
        'ခ' => "kh",
        'ဂ' | 'ဃ' => "g",
        'င' => "ng",
        'စ' | 'ဆ' => "s",
        'ဇ' | 'ဈ' => "z",
        'ည' | 'ဉ' => "ny",
        'ဋ' | 'တ' => "t",
        'ဌ' | 'ထ' => "ht",
        'ဍ' | 'ဎ' | 'ဒ' | 'ဓ' => "d",
        'ဏ' | 'န' => "n",
        'ပ' => "p",
        'ဖ' => "ph",
        'ဗ' | 'ဘ' => "b",
        'မ' => "m",
        'ယ' | 'ရ' => "y",
        'လ' | 'ဠ' => "l",
        'ဝ' => "w",
        'သ' => "th",
        'ဟ' => "h",
        'ဿ' => "ss",
        _ => "",
    });
    if ya && !matches!(base, 'ယ' | 'ရ') {
        s.push('y');
    }
    s
}

/// A final consonant after an independent vowel.
fn final_plain(f: char) -> &'static str {
    match f {
        'က' => "k",
        'င' | 'န' | 'မ' | 'ဉ' | 'ဏ' => "n",
        'တ' | 'ပ' | 'စ' => "t",
        _ => "",
    }
}

/// The rhyme: vowel signs and final.
#[allow(clippy::too_many_arguments)]
fn rhyme(
    e: bool,
    i: bool,
    u: bool,
    aa: bool,
    ai: bool,
    anusvara: bool,
    wa_vowel: bool,
    fin: Option<char>,
) -> &'static str {
    #[derive(PartialEq)]
    enum F {
        None,
        K,
        Ng,
        C,
        Ny,
        T,
        N,
        Y,
    }
    let f = match fin {
        None if anusvara => F::N,
        None => F::None,
        Some('က') => F::K,
        Some('င') => F::Ng,
        Some('စ') => F::C,
        Some('ည') => F::Ny,
        Some('ဉ') | Some('ဏ') => F::N,
        Some('တ') | Some('ပ') | Some('ဋ') => F::T,
        Some('န') | Some('မ') => F::N,
        Some('ယ') => F::Y,
        Some(_) => F::T,
    };
    if wa_vowel {
        return match f {
            F::T | F::K | F::C => "ut",
            _ => "un",
        };
    }
    if e && aa {
        return match f {
            F::K => "auk",
            F::Ng => "aung",
            _ => "aw",
        };
    }
    if i && u {
        return match f {
            F::K => "aik",
            F::Ng => "aing",
            _ => "o",
        };
    }
    if i {
        return match f {
            F::None => "i",
            F::T | F::K | F::C => "eik",
            _ => "ein",
        };
    }
    if u {
        return match f {
            F::None => "u",
            F::T | F::K | F::C => "ok",
            _ => "on",
        };
    }
    if e || ai {
        return "e";
    }
    if aa {
        return "a";
    }
    match f {
        F::None => "a",
        F::K => "et",
        F::Ng => "in",
        F::C => "it",
        F::Ny => "i",
        F::T => "at",
        F::N => {
            if fin == Some('ဉ') {
                "in"
            } else {
                "an"
            }
        }
        F::Y => "e",
    }
}
