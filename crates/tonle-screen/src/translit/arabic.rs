//! Arabic (with the Persian, Urdu and Jawi letters): a consonant table close to the usual English-language
//! list spellings (ث th, ح h, خ kh, ذ dh, ش sh, ص s, ض d, ط t, ظ z, غ gh, ق q), long vowels from the
//! letters (ا a; و u between consonants, w elsewhere; ي i between consonants, y elsewhere; ى a; ة a),
//! hamza carriers as their vowel (أ a, إ i, ؤ u, ئ i), short vowels only where harakat are written
//! (fatha a, damma u, kasra i, tanwin an/un/in, shadda doubles), ع as "a" where it opens a syllable
//! without a written vowel ("عبد" -> "abd", "عمر" -> "amr") and nothing elsewhere.
//!
//! The article written joined to its noun becomes its own word: "الأسد" -> "al asad"; "عبد" + "ال..." is
//! cut too ("عبدالرحمن" -> "abd al rhmn"), and "الله" is "allah" ("عبدالله" -> "abd allah"). Without
//! harakat the result is a consonant skeleton ("محمد" -> "mhmd"), which [`crate::normalize::phonetic`]
//! keys like "muhammad". Persian final ه after a consonant is "e" ("زاده" -> "zade").

const ALIF: char = 'ا';
const ALIF_WASLA: char = 'ٱ';
const ZWNJ: char = '\u{200C}';
const LAM: char = 'ل';

/// Romanises a run of Arabic letters (one word or several written joined), appending to `out`.
pub(super) fn romanise(run: &str, out: &mut String) {
    // Drop tatweel and the Quranic annotation signs.
    let chars: Vec<char> =
        run.chars().filter(|&c| !matches!(c as u32, 0x0640 | 0x0610..=0x061A | 0x06D6..=0x06ED)).collect();
    let mut words: Vec<&[char]> = Vec::new();
    let mut rest: &[char] = &chars;
    // "عبدال..." -> "عبد" + "ال...".
    if rest.len() > 5 && rest[..3] == ['ع', 'ب', 'د'] && rest[3] == ALIF && rest[4] == LAM {
        words.push(&rest[..3]);
        rest = &rest[3..];
    }
    words.push(rest);
    for (k, word) in words.into_iter().enumerate() {
        if k > 0 {
            out.push(' ');
        }
        romanise_word(word, out);
    }
}

/// One word: the article cut off, then letters and harakat.
fn romanise_word(word: &[char], out: &mut String) {
    let letters: Vec<char> = word.iter().copied().filter(|&c| !is_haraka(c)).collect();
    let is_alif = |c: Option<&char>| c == Some(&ALIF) || c == Some(&ALIF_WASLA);
    if letters.len() == 4 && is_alif(letters.first()) && letters[1..] == [LAM, LAM, 'ه'] {
        out.push_str("allah");
        return;
    }
    let mut word = word;
    if letters.len() > 3 && is_alif(word.first()) && word.get(1) == Some(&LAM) {
        out.push_str("al ");
        word = &word[2..];
        // Harakat on the article's lam.
        while word.first().is_some_and(|&c| is_haraka(c)) {
            word = &word[1..];
        }
        if word.first() == Some(&LAM) && word.get(1).is_some_and(|&c| c == LAM || c == 'ه') {
            // "الله" written after the article: "al" + "lah" reads best as "allah".
            if word.iter().filter(|&&c| !is_haraka(c)).count() == 2 {
                out.pop();
                out.pop();
                out.pop();
                out.push_str("allah");
                return;
            }
        }
    }
    // Units: a letter and the harakat written on it.
    let mut units: Vec<(char, Vec<char>)> = Vec::new();
    for &c in word {
        if c == ZWNJ && units.is_empty() {
            continue;
        }
        if is_haraka(c) {
            if let Some(last) = units.last_mut() {
                last.1.push(c);
            }
        } else {
            units.push((c, Vec::new()));
        }
    }
    let n = units.len();
    let mut prev_cons = false;
    for i in 0..n {
        let (c, ref marks) = units[i];
        let next = units.get(i + 1).map(|u| u.0);
        let has_vowel_mark = marks.iter().any(|&m| vowel_of(m).is_some());
        let shadda = marks.contains(&'\u{0651}');
        // Whether the letter before was read as a consonant (a silent ع or hamza counts as one; a
        // written short vowel on it does not).
        let prev_is_cons = i > 0 && prev_cons;
        let next_is_cons = next.is_none_or(|x| !is_vowel_letter(x));
        let s: &str = match c {
            'ا' | 'ٱ' | 'آ' => "a",
            'أ' => {
                if has_vowel_mark {
                    ""
                } else if i == 0 || next_is_cons {
                    "a"
                } else {
                    ""
                }
            }
            'إ' => {
                if has_vowel_mark {
                    ""
                } else {
                    "i"
                }
            }
            'ؤ' => "u",
            'ئ' => {
                if has_vowel_mark {
                    ""
                } else {
                    "i"
                }
            }
            'ء' => "",
            'و' | 'ۏ' => {
                if prev_is_cons && !has_vowel_mark && !shadda && next_is_cons {
                    "u"
                } else {
                    "w"
                }
            }
            'ي' | 'ی' | 'ې' => {
                if prev_is_cons && !has_vowel_mark && !shadda && next_is_cons {
                    "i"
                } else {
                    "y"
                }
            }
            'ى' => "a",
            // Persian final ه after a consonant is a vowel ("زاده" -> "zade", "خامنه‌ای" -> "khamneay").
            'ه' | 'ە' if i > 1 && prev_is_cons && !has_vowel_mark && next.is_none_or(|x| x == ZWNJ) => "e",
            'ة' | 'ۃ' => "a",
            'ع' => {
                if !has_vowel_mark && (i == 0 || prev_is_cons) && next.is_some() && next_is_cons {
                    "a"
                } else {
                    ""
                }
            }
            _ => consonant(c),
        };
        out.push_str(s);
        prev_cons = !s.ends_with(['a', 'e', 'i', 'o', 'u']);
        if shadda {
            if let Some(last) = s.chars().last() {
                out.push(last);
            }
        }
        for &m in marks {
            if let Some(v) = vowel_of(m) {
                // A long vowel letter written after its short vowel gives the vowel, once: "مُو" -> "mu".
                let next_bare =
                    units.get(i + 1).is_some_and(|u| u.1.iter().all(|&m| vowel_of(m).is_none() && m != '\u{0651}'));
                let long_follows = next_bare
                    && matches!((v, next), ("a", Some('ا' | 'ى')) | ("u", Some('و')) | ("i", Some('ي' | 'ی')));
                if !long_follows {
                    out.push_str(v);
                    prev_cons = false;
                }
            }
        }
    }
}

fn is_haraka(c: char) -> bool {
    matches!(c as u32, 0x064B..=0x065F | 0x0670)
}

/// The vowel a haraka writes (None for sukun, shadda and the rest).
fn vowel_of(m: char) -> Option<&'static str> {
    Some(match m {
        '\u{064E}' | '\u{0670}' => "a",
        '\u{064F}' => "u",
        '\u{0650}' => "i",
        '\u{064B}' => "an",
        '\u{064C}' => "un",
        '\u{064D}' => "in",
        _ => return None,
    })
}

fn is_vowel_letter(c: char) -> bool {
    matches!(c, 'ا' | 'ٱ' | 'آ' | 'و' | 'ي' | 'ی' | 'ى' | 'ة')
}

/// The consonants.
fn consonant(c: char) -> &'static str {
    match c {
        'ب' => "b",
        'ت' | 'ط' | 'ٹ' => "t",
        'ث' => "th",
        'ج' => "j",
        'ح' | 'ه' | 'ہ' | 'ھ' | 'ۀ' | 'ە' => "h",
        'خ' => "kh",
        'د' | 'ض' | 'ڈ' => "d",
        'ذ' => "dh",
        'ر' | 'ڑ' | 'ڕ' => "r",
        'ز' | 'ظ' => "z",
        'س' | 'ص' => "s",
        'ش' => "sh",
        'غ' => "gh",
        'ف' => "f",
        'ڤ' | 'ۋ' => "v",
        'ق' => "q",
        'ك' | 'ک' => "k",
        'گ' | 'ڬ' | 'ګ' => "g",
        'ل' | 'ڵ' => "l",
        'م' => "m",
        'ن' | 'ں' => "n",
        'پ' => "p",
        'چ' => "ch",
        'ژ' => "zh",
        'ڠ' => "ng",
        'ڽ' => "ny",
        'ے' | 'ێ' => "e",
        'ۆ' => "o",
        _ => "",
    }
}
