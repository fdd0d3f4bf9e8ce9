//! Cyrillic: BGN/PCGN-style tables for Russian (the default), with the national variants picked by the
//! letters the whole text uses: Ukrainian (і ї є ґ, or "ськ"/"цьк": the 2010 national system, г -> h,
//! и -> y), Belarusian (ў: г -> h, ў -> w), Serbian and Macedonian (ђ ј љ њ ћ џ ѓ ќ ѕ: the Latin alphabet
//! without diacritics, ч/ћ -> c, ш -> s), Kazakh and Kyrgyz (ә ғ қ ң ө ұ ү һ) and Bulgarian (ъ as a vowel:
//! ъ -> a, щ -> sht).
//!
//! Russian, Belarusian and Kazakh е (ё) is "ye" ("yo") at the start of a word and after a vowel, ъ or ь
//! ("Тоқаев" -> "tokayev", "Мирзиёев" -> "mirziyoyev"), "e" elsewhere ("Горбачёв" -> "gorbachev");
//! й -> y ("Шойгу" -> "shoygu", "Сергей" -> "sergey").

/// Which national table applies.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Variant {
    Russian,
    Ukrainian,
    Belarusian,
    Serbian,
    Kazakh,
    Bulgarian,
}

impl Variant {
    /// The variant the whole text points at.
    pub(super) fn detect(text: &str) -> Variant {
        let lower = text.to_lowercase();
        let has = |set: &[char]| lower.chars().any(|c| set.contains(&c));
        if has(&['ђ', 'ј', 'љ', 'њ', 'ћ', 'џ', 'ѓ', 'ќ', 'ѕ']) {
            Variant::Serbian
        } else if has(&['ў']) {
            Variant::Belarusian
        } else if has(&['ә', 'ғ', 'қ', 'ң', 'ө', 'ұ', 'ү', 'һ']) {
            Variant::Kazakh
        } else if has(&['ї', 'є', 'ґ', 'і']) || lower.contains("ськ") || lower.contains("цьк") {
            Variant::Ukrainian
        } else if bulgarian_hard_sign(&lower) {
            Variant::Bulgarian
        } else {
            Variant::Russian
        }
    }
}

/// Whether ъ is used as a vowel (before a consonant), which only Bulgarian does.
fn bulgarian_hard_sign(lower: &str) -> bool {
    let chars: Vec<char> = lower.chars().collect();
    chars.windows(2).any(|w| w[0] == 'ъ' && is_consonant(w[1]))
}

fn is_vowel(c: char) -> bool {
    matches!(c, 'а' | 'е' | 'ё' | 'и' | 'о' | 'у' | 'ы' | 'э' | 'ю' | 'я' | 'і' | 'ї' | 'є' | 'ә' | 'ө' | 'ұ' | 'ү')
}

fn is_consonant(c: char) -> bool {
    ('а'..='я').contains(&c) && !is_vowel(c) && !matches!(c, 'ъ' | 'ь' | 'й')
}

/// Romanises a run of Cyrillic letters, appending lower-case ASCII to `out`.
pub(super) fn romanise(run: &str, variant: Variant, out: &mut String) {
    let chars: Vec<char> = run.to_lowercase().chars().collect();
    for (i, &c) in chars.iter().enumerate() {
        let prev = if i == 0 { None } else { chars.get(i - 1).copied() };
        let next = chars.get(i + 1).copied();
        // Word start, or after a vowel or a sign: the iotated vowels get their "y".
        let initial = prev.is_none_or(|p| is_vowel(p) || matches!(p, 'ъ' | 'ь' | '\''));
        let s: &str = match variant {
            Variant::Serbian => serbian(c),
            Variant::Ukrainian => ukrainian(c, prev.is_none()),
            _ => None,
        }
        .unwrap_or_else(|| common(c, variant, initial, next));
        out.push_str(s);
    }
}

/// Serbian and Macedonian letters (as the Latin alphabet, without diacritics).
fn serbian(c: char) -> Option<&'static str> {
    Some(match c {
        'ђ' => "dj",
        'ј' => "j",
        'љ' => "lj",
        'њ' => "nj",
        'ћ' | 'ч' | 'ц' => "c",
        'џ' => "dz",
        'ш' => "s",
        'ж' => "z",
        'х' => "h",
        'ѓ' => "gj",
        'ќ' => "kj",
        'ѕ' => "dz",
        'й' => "j",
        _ => return None,
    })
}

/// Ukrainian (the 2010 national system: iotated vowels "y-" at the start of a word only).
fn ukrainian(c: char, word_start: bool) -> Option<&'static str> {
    Some(match (c, word_start) {
        ('г', _) => "h",
        ('ґ', _) => "g",
        ('и', _) => "y",
        ('і', _) => "i",
        ('е', _) => "e",
        ('є', true) => "ye",
        ('є', false) => "ie",
        ('ї', true) => "yi",
        ('ї', false) => "i",
        ('й', true) => "y",
        ('й', false) => "i",
        ('ю', true) => "yu",
        ('ю', false) => "iu",
        ('я', true) => "ya",
        ('я', false) => "ia",
        ('щ', _) => "shch",
        _ => return None,
    })
}

/// The Russian table (BGN/PCGN without diacritics), with the Belarusian, Kazakh and Bulgarian letters.
fn common(c: char, variant: Variant, initial: bool, next: Option<char>) -> &'static str {
    match c {
        'а' => "a",
        'б' => "b",
        'в' => "v",
        'г' if variant == Variant::Belarusian => "h",
        'г' => "g",
        'д' => "d",
        'е' if variant == Variant::Bulgarian => "e",
        'е' if initial => "ye",
        'ё' if initial => "yo",
        'е' | 'ё' => "e",
        'ж' => "zh",
        'з' => "z",
        'и' => "i",
        'й' => "y",
        'к' => "k",
        'л' => "l",
        'м' => "m",
        'н' => "n",
        'о' => "o",
        'п' => "p",
        'р' => "r",
        'с' => "s",
        'т' => "t",
        'у' => "u",
        'ў' => "w",
        'ф' => "f",
        'х' => "kh",
        'ц' => "ts",
        'ч' => "ch",
        'ш' => "sh",
        'щ' if variant == Variant::Bulgarian => "sht",
        'щ' => "shch",
        // The hard sign is a vowel in Bulgarian only (detected by its use before a consonant).
        'ъ' if variant == Variant::Bulgarian && next.is_some() => "a",
        'ъ' | 'ь' => "",
        'ы' => "y",
        'э' => "e",
        'ю' => "yu",
        'я' => "ya",
        'і' => "i",
        'ї' => "yi",
        'є' => "ye",
        'ґ' => "g",
        'ә' => "a",
        'ғ' => "gh",
        'қ' => "k",
        'ң' => "ng",
        'ө' => "o",
        'ұ' | 'ү' => "u",
        'һ' => "h",
        'ђ' => "dj",
        'ј' => "j",
        'љ' => "lj",
        'њ' => "nj",
        'ћ' => "c",
        'џ' => "dz",
        'ѓ' => "gj",
        'ќ' => "kj",
        'ѕ' => "dz",
        'ҳ' => "h",
        'ӣ' => "i",
        'ӯ' => "u",
        'ҷ' => "j",
        'ӏ' => "",
        _ => "",
    }
}
