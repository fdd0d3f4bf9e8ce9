//! Thai: RTGS-style romanisation (Royal Thai General System, without its rare tone and length marks).
//!
//! Rules, in order:
//! - tone marks, ๆ, ฯ, ฺ and ๎ are dropped; ํา (NFKC's form of ำ) is put back together;
//! - ์ (thanthakhat) silences the consonant it sits on (with a vowel sign on it); if the consonant before
//!   that one would be a second final ("จันทร์", "ศาสตร์", "ลักษณ์"), it is silent too;
//! - a syllable is: a leading vowel เ แ โ ใ ไ (written first, read after the consonant), an initial
//!   consonant or cluster (กร, ปร, พล, กว..., ห or อ silent before a sonorant: "หลีก" -> "lik"), vowel
//!   signs (above, below, following, and the compound vowels เ-ีย ia, เ-ือ uea, เ-า ao, เ-อ oe, -ัว ua,
//!   -อ o, -ว- ua, -รร- a/an), and at most one final consonant, read with its final value (k, t, n, p, m,
//!   ng; ย and ว finals as the glides i and o);
//! - a consonant with no vowel sign is the final of the syllable before it when that syllable can take one
//!   and the consonant does not open a syllable of its own (a vowel sign on it, or a cluster), unless the
//!   consonant after it would then be left alone: three consonants C1 C2 C3 before a new syllable or the
//!   end read C1-a C2-o-C3 ("นคร" -> "nakhon", "กนก" -> "kanok", "มหานคร" -> "mahanakhon"); a syllable
//!   with no written vowel reads "o" when closed ("คน" -> "khon") and "a" when open ("สมัย" -> "samai"),
//!   "o" before ร ("บริษัท" -> "borisat");
//! - a last ร after a short vowel and a final ต ท ถ ธ ก is silent ("ชินวัตร" -> "chinwat", "ประวิตร" ->
//!   "prawit").
//!
//! Titles and ranks written joined to the name (นาย, นางสาว, พลเอก, พันตำรวจโท...) are cut off as words.
//!
//! Not handled: the linking vowels Thai reads but does not write ("ชินวัตร" is "chin-na-wat", read here
//! "chinwat"), and irregular words ("เจริญ" charoen).
//!
//! Thai writes the words of a name part without spaces; they come out as one word ("กรุงเทพ" ->
//! "krungthep").

/// Titles and ranks written joined to the name that follows them ("นายทักษิณ"): they are cut off as words
/// of their own, longest first.
const TITLES: &[&str] = &[
    "พลตำรวจเอก",
    "พลตำรวจโท",
    "พลตำรวจตรี",
    "พันตำรวจเอก",
    "พันตำรวจโท",
    "พันตำรวจตรี",
    "คุณหญิง",
    "นางสาว",
    "พลเอก",
    "พลโท",
    "พลตรี",
    "พันเอก",
    "นาย",
    "นาง",
];

/// Romanises a run of Thai, appending lower-case ASCII to `out`.
pub(super) fn romanise(run: &str, out: &mut String) {
    for title in TITLES {
        if let Some(rest) = run.strip_prefix(title) {
            if rest.chars().filter(|&c| is_cons(c)).count() >= 2 {
                romanise_word(title, out);
                out.push(' ');
                romanise_word(rest, out);
                return;
            }
        }
    }
    romanise_word(run, out);
}

/// Romanises one word.
fn romanise_word(run: &str, out: &mut String) {
    let chars = prepare(run);
    let mut p = Parser { c: &chars, i: 0, short: false };
    while p.i < chars.len() {
        let before = p.i;
        p.syllable(out);
        if p.i == before {
            // Nothing parsed (a stray mark): skip it.
            p.i += 1;
        }
    }
}

/// Drops tone marks and signs that do not change the romanisation, applies ์.
fn prepare(run: &str) -> Vec<char> {
    let mut chars: Vec<char> = Vec::with_capacity(run.len());
    let mut it = run.chars().peekable();
    while let Some(c) = it.next() {
        match c {
            '\u{0E48}'..='\u{0E4B}' | '\u{0E46}' | '\u{0E2F}' | '\u{0E3A}' | '\u{0E4E}' => {}
            '\u{0E4D}' if it.peek() == Some(&'\u{0E32}') => {
                it.next();
                chars.push('\u{0E33}');
            }
            '\u{0E4D}' => chars.push('\u{0E33}'),
            '\u{0E4C}' => {
                // Silence the consonant it sits on, and any vowel sign between.
                while chars.last().is_some_and(|&x| is_above_below(x)) {
                    chars.pop();
                }
                if chars.last().is_some_and(|&x| is_cons(x)) {
                    chars.pop();
                }
                // A second final before it is silent too: the consonant before is itself a final,
                // following a vowel sign.
                let n = chars.len();
                if n >= 3 && is_cons(chars[n - 1]) && is_cons(chars[n - 2]) && is_short(chars[n - 3]) {
                    chars.pop();
                }
            }
            _ => chars.push(c),
        }
    }
    chars
}

fn is_cons(c: char) -> bool {
    ('\u{0E01}'..='\u{0E2E}').contains(&c) && c != 'ฤ' && c != 'ฦ'
}

fn is_lead(c: char) -> bool {
    ('\u{0E40}'..='\u{0E44}').contains(&c)
}

fn is_above_below(c: char) -> bool {
    matches!(c, '\u{0E31}' | '\u{0E34}'..='\u{0E39}' | '\u{0E47}')
}

/// Short vowel signs, after which a syllable is closed.
fn is_short(c: char) -> bool {
    matches!(c, '\u{0E31}' | '\u{0E34}' | '\u{0E36}' | '\u{0E38}' | '\u{0E47}')
}

fn is_following(c: char) -> bool {
    matches!(c, 'ะ' | 'า' | 'ำ' | 'ๅ')
}

fn is_vowel_sign(c: char) -> bool {
    is_above_below(c) || is_following(c)
}

/// Consonants that start a cluster with ร or ล.
fn cluster_head(c: char) -> bool {
    matches!(c, 'ก' | 'ข' | 'ค' | 'ต' | 'ป' | 'ผ' | 'พ' | 'ท' | 'ศ' | 'ส')
}

/// Whether `a` + `b` is an initial cluster (ห and อ leading a sonorant included).
fn is_cluster(a: char, b: char) -> bool {
    match b {
        'ร' | 'ล' => cluster_head(a) || a == 'ห',
        'ว' => matches!(a, 'ก' | 'ข' | 'ค' | 'ห'),
        'ง' | 'ญ' | 'น' | 'ม' | 'ย' => a == 'ห' || (a == 'อ' && b == 'ย'),
        _ => false,
    }
}

/// Initial value of a consonant.
fn initial(c: char) -> &'static str {
    match c {
        'ก' => "k",
        'ข' | 'ฃ' | 'ค' | 'ฅ' | 'ฆ' => "kh",
        'ง' => "ng",
        'จ' | 'ฉ' | 'ช' | 'ฌ' => "ch",
        'ซ' | 'ศ' | 'ษ' | 'ส' => "s",
        'ญ' | 'ย' => "y",
        'ฎ' | 'ด' => "d",
        'ฏ' | 'ต' => "t",
        'ฐ' | 'ฑ' | 'ฒ' | 'ถ' | 'ท' | 'ธ' => "th",
        'ณ' | 'น' => "n",
        'บ' => "b",
        'ป' => "p",
        'ผ' | 'พ' | 'ภ' => "ph",
        'ฝ' | 'ฟ' => "f",
        'ม' => "m",
        'ร' => "r",
        'ล' | 'ฬ' => "l",
        'ว' => "w",
        'ห' | 'ฮ' => "h",
        _ => "",
    }
}

/// Final value of a consonant.
fn final_value(c: char) -> &'static str {
    match c {
        'ก' | 'ข' | 'ฃ' | 'ค' | 'ฅ' | 'ฆ' => "k",
        'ง' => "ng",
        'จ' | 'ฉ' | 'ช' | 'ซ' | 'ฌ' | 'ฎ' | 'ฏ' | 'ฐ' | 'ฑ' | 'ฒ' | 'ด' | 'ต' | 'ถ' | 'ท' | 'ธ' | 'ศ' | 'ษ' | 'ส' => {
            "t"
        }
        'ญ' | 'ณ' | 'น' | 'ร' | 'ล' | 'ฬ' => "n",
        'บ' | 'ป' | 'ผ' | 'ฝ' | 'พ' | 'ฟ' | 'ภ' => "p",
        'ม' => "m",
        'ย' => "i",
        'ว' => "o",
        _ => "",
    }
}

struct Parser<'a> {
    c: &'a [char],
    i: usize,
    /// The syllable being read has a short vowel sign (ั ิ ึ ุ ็).
    short: bool,
}

impl Parser<'_> {
    fn at(&self, k: usize) -> Option<char> {
        self.c.get(k).copied()
    }

    /// Whether the consonant at `k` opens a syllable of its own (so it cannot be the final before it).
    fn opens_syllable(&self, k: usize) -> bool {
        let Some(c) = self.at(k) else { return false };
        if !is_cons(c) {
            return false;
        }
        match self.at(k + 1) {
            Some(n) if is_vowel_sign(n) => true,
            // C + อ as its vowel ("ทอง").
            Some('อ') => c != 'อ' && !self.at(k + 2).is_some_and(is_vowel_sign),
            // The vowel -รร- ("สุวรรณ").
            Some('ร') if self.at(k + 2) == Some('ร') && !self.at(k + 3).is_some_and(is_vowel_sign) => true,
            // A cluster with a vowel sign.
            Some(n) if is_cons(n) && is_cluster(c, n) => self.at(k + 2).is_some_and(is_vowel_sign),
            _ => false,
        }
    }

    /// Whether the consonant at `k` may be a final: a consonant that does not open a syllable.
    fn can_be_final(&self, k: usize) -> bool {
        self.at(k).is_some_and(|c| is_cons(c) && c != 'อ' && c != 'ห' && c != 'ฮ') && !self.opens_syllable(k)
    }

    fn syllable(&mut self, out: &mut String) {
        let lead = self.at(self.i).filter(|&c| is_lead(c));
        if lead.is_some() {
            self.i += 1;
        }
        let Some(c1) = self.at(self.i) else {
            if let Some(l) = lead {
                out.push_str(lead_alone(l));
            }
            return;
        };
        if c1 == 'ฤ' || c1 == 'ฦ' {
            self.i += 1;
            if self.at(self.i) == Some('ๅ') {
                self.i += 1;
            }
            out.push_str(if c1 == 'ฤ' { "rue" } else { "lue" });
            return;
        }
        if !is_cons(c1) {
            // A vowel sign with no consonant: read it on its own.
            self.i += 1;
            out.push_str(match c1 {
                'ะ' | 'ั' | 'า' => "a",
                'ำ' => "am",
                'ิ' | 'ี' => "i",
                'ึ' | 'ื' => "ue",
                'ุ' | 'ู' => "u",
                _ => "",
            });
            return;
        }
        // Initial consonant or cluster.
        self.i += 1;
        let mut onset = String::from(initial(c1));
        if let Some(c2) = self.at(self.i) {
            let cluster_ok = is_cons(c2)
                && is_cluster(c1, c2)
                && (lead.is_some() || self.at(self.i + 1).is_some_and(is_vowel_sign))
                // "ร" + "ร" is the vowel -รร-.
                && !(c2 == 'ร' && self.at(self.i + 1) == Some('ร'));
            if cluster_ok {
                self.i += 1;
                if c1 == 'ห' || c1 == 'อ' {
                    onset = String::from(initial(c2));
                } else {
                    onset.push_str(initial(c2));
                }
            }
        }
        out.push_str(&onset);
        // Vowel.
        let mut vowel: String = String::new();
        let mut can_close = true;
        let mut must_close = false;
        let sign = self.at(self.i).filter(|&c| is_above_below(c));
        self.short = sign.is_some_and(is_short);
        if sign.is_some() {
            self.i += 1;
        }
        match (lead, sign) {
            (Some('เ'), Some('ี')) if self.at(self.i) == Some('ย') => {
                self.i += 1;
                vowel.push_str("ia");
                if self.at(self.i) == Some('ะ') {
                    self.i += 1;
                    can_close = false;
                }
            }
            (Some('เ'), Some('ื')) if self.at(self.i) == Some('อ') => {
                self.i += 1;
                vowel.push_str("uea");
            }
            (Some('เ'), Some('ิ')) => vowel.push_str("oe"),
            (Some('เ'), Some('็')) => {
                vowel.push('e');
                must_close = true;
            }
            (Some('เ'), None) => match self.at(self.i) {
                Some('า') => {
                    self.i += 1;
                    if self.at(self.i) == Some('ะ') {
                        self.i += 1;
                        vowel.push('o');
                    } else {
                        vowel.push_str("ao");
                    }
                    can_close = false;
                }
                Some('อ') if !self.at(self.i + 1).is_some_and(is_vowel_sign) => {
                    self.i += 1;
                    vowel.push_str("oe");
                }
                Some('ะ') => {
                    self.i += 1;
                    vowel.push('e');
                    can_close = false;
                }
                Some('ย') if !self.opens_syllable(self.i) => {
                    self.i += 1;
                    vowel.push_str("oei");
                    can_close = false;
                }
                _ => vowel.push('e'),
            },
            (Some(l), _) => {
                vowel.push_str(lead_alone(l));
                if let Some(s) = sign {
                    vowel.push_str(sign_value(s));
                }
                if (l == 'แ' || l == 'โ') && self.at(self.i) == Some('ะ') {
                    self.i += 1;
                    can_close = false;
                }
                if l == 'ใ' || l == 'ไ' {
                    can_close = false;
                    // A silent ย after ไ- ("ไทย" -> "thai").
                    if self.at(self.i) == Some('ย') && !self.opens_syllable(self.i) {
                        self.i += 1;
                    }
                }
            }
            (None, Some('ั')) => {
                if self.at(self.i) == Some('ว') {
                    self.i += 1;
                    vowel.push_str("ua");
                } else {
                    vowel.push('a');
                    must_close = true;
                }
            }
            (None, Some(s)) => {
                vowel.push_str(sign_value(s));
                if (s == 'ื' || s == 'ึ') && self.at(self.i) == Some('อ') {
                    self.i += 1;
                }
                if s == '็' {
                    must_close = true;
                }
            }
            (None, None) => match self.at(self.i) {
                Some('ะ') => {
                    self.i += 1;
                    vowel.push('a');
                    can_close = false;
                }
                Some('า') => {
                    self.i += 1;
                    vowel.push('a');
                }
                Some('ำ') => {
                    self.i += 1;
                    vowel.push_str("am");
                    can_close = false;
                }
                // ฤ after a consonant is its vowel ("อังกฤษ" -> "angkrit").
                Some('ฤ') => {
                    self.i += 1;
                    vowel.push_str("ri");
                }
                Some('อ') if !self.at(self.i + 1).is_some_and(is_vowel_sign) && c1 != 'อ' => {
                    self.i += 1;
                    vowel.push('o');
                }
                Some('ว') if self.can_be_final(self.i + 1) && !self.opens_syllable(self.i) => {
                    self.i += 1;
                    vowel.push_str("ua");
                }
                Some('ร') if self.at(self.i + 1) == Some('ร') && !self.at(self.i + 2).is_some_and(is_vowel_sign) => {
                    self.i += 2;
                    if self.can_be_final(self.i) {
                        vowel.push('a');
                    } else {
                        vowel.push_str("an");
                        can_close = false;
                    }
                }
                _ => {
                    // No written vowel: "o" if a final follows, else "a".
                    let closes = self.can_be_final(self.i) && !self.final_opens_last(self.i, true);
                    // Open before ร: "o" ("บริษัท" -> "borisat").
                    let before_r = self.at(self.i) == Some('ร');
                    vowel.push_str(if closes || before_r { "o" } else { "a" });
                    if !closes {
                        can_close = false;
                    }
                }
            },
        }
        out.push_str(&vowel);
        // Final consonant.
        if can_close && self.can_be_final(self.i) && (must_close || !self.final_opens_last(self.i, false)) {
            let f = self.at(self.i).unwrap_or('\u{0}');
            self.i += 1;
            let v = final_value(f);
            // Glides after a vowel already ending in that sound.
            let repeated = (v == "i" && vowel.ends_with('i')) || (v == "o" && vowel.ends_with('o'));
            if !repeated {
                out.push_str(v);
            }
            // A lone ร after the final, at the end of the word, is silent.
            if self.at(self.i) == Some('ร') && self.at(self.i + 1).is_none() {
                self.i += 1;
            }
        }
    }

    /// Whether taking the consonant at `k` as a final would leave the next consonant, the last of the word,
    /// alone with no vowel: then `k` rather opens a closed syllable ("นคร" -> "nakhon", not "nak").
    /// A last ร after a short vowel and a final ต ท ถ ธ ก is silent instead ("ประวิตร" -> "prawit").
    /// After an explicit vowel, two consonants ending the word are read as one closed syllable
    /// ("มหานคร" -> "mahanakhon").
    fn final_opens_last(&self, k: usize, implicit: bool) -> bool {
        let silent_r = !implicit && self.short && matches!(self.at(k), Some('ต' | 'ท' | 'ถ' | 'ธ' | 'ก'));
        let one = self.at(k + 1).is_some_and(|c| is_cons(c) && c != 'อ' && (c != 'ร' || !silent_r))
            && self.at(k + 2).is_none();
        // C1 C2 C3 with C3 a final before a new syllable: C1 open, C2 C3 closed ("นครราช" -> "nakhon rat",
        // "กนก" -> "kanok").
        let three = implicit
            && self.can_be_final(k + 1)
            && self.at(k + 2).is_none_or(|c| is_lead(c) || self.opens_syllable(k + 2));
        let two = !implicit
            && self.at(k + 1).is_some_and(is_cons)
            && !self.opens_syllable(k + 1)
            && self.at(k + 2).is_some_and(|c| is_cons(c) && c != 'อ')
            && self.at(k + 3).is_none();
        one || two || three
    }
}

/// The vowel of a leading vowel letter read alone.
fn lead_alone(l: char) -> &'static str {
    match l {
        'เ' => "e",
        'แ' => "ae",
        'โ' => "o",
        _ => "ai",
    }
}

/// The vowel of an above or below sign.
fn sign_value(s: char) -> &'static str {
    match s {
        'ั' => "a",
        'ิ' | 'ี' => "i",
        'ึ' | 'ื' => "ue",
        'ุ' | 'ู' => "u",
        '็' => "o",
        _ => "",
    }
}
