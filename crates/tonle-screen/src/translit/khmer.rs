//! Khmer: the everyday romanisation of names, close to UNGEGN without its diacritics.
//!
//! - Consonants belong to the first series (inherent vowel "a") or the second ("o"); the register
//!   shifters ៉ (U+17C9) and ៊ (U+17CA) move a consonant to the first or second series; a cluster
//!   (consonant + coeng U+17D2 + consonant) takes the series of its subscript, unless the subscript is a
//!   sonorant (ង ញ ណ ន ម យ រ ល វ), when it keeps the base consonant's.
//! - Dependent vowels read by series (ិ e/i, ី ei/i, ុ o/u, ា a/ea, ៃ ai/ey, ោ ao/o, ៅ au/ou, ...; ែ and
//!   េ both "e" as in "Sen", "Kheng"); ំ gives am/om ("Phnom"), ុំ om/um, ាំ am/oam, ះ adds "h"
//!   (ះ alone: ah/eah, "Preah").
//! - A syllable is a cluster and at most one final consonant: a following bare consonant (no vowel, no
//!   subscript) is the final, read with its final value (k, ng, ch, nh, t, n, p, m, y, r, l, v, s, h),
//!   unless the word ends just after it with another bare consonant ("ក្រហម" -> "kra" + "hom").
//! - A nasal carrying a subscript, a doubled consonant or two stops of one row (ង្គ, ម្ព, ត្ត, ទ្ធ...),
//!   right after an open syllable, close that syllable, and the subscript opens the next ("រង្ស៊ី" ->
//!   "rong" + "si", "អង្គរ" -> "ang" + "kor", "កម្ពុជា" -> "kam" + "pu" + "chea"); left alone at the
//!   end of a word with no vowel it is silent ("ពុទ្ធ" -> "put"). The subscript ត (្ត) reads "d";
//!   ហ្គ is "g" and ហ្វ "f" (loanwords); ប៉ and ប over a subscript are "p" ("ប្រាក់" -> "prak").
//! - ៍ (toandakhiat) silences its consonant; ៌, ់, ៎, ៏, ័, ៑ and the other signs are not written.
//! - Independent vowels are syllables of their own (ឥ e, ឧ o, ឯ ae, ឪ ov, ...); អ carries a vowel and is
//!   not written.

/// Romanises a run of Khmer, appending lower-case ASCII to `out`.
pub(super) fn romanise(run: &str, out: &mut String) {
    let clusters = clusters(run);
    let mut syllables: Vec<Syllable> = Vec::new();
    let n = clusters.len();
    let mut i = 0;
    while i < n {
        let mut c = clusters[i].clone();
        i += 1;
        if c.silent {
            continue;
        }
        // A consonant with a subscript after an open syllable: it closes that syllable.
        if c.splits() {
            if let (Some(prev), Base::Cons(b)) = (syllables.last_mut(), c.base) {
                if prev.coda.is_none() && !prev.closed() {
                    prev.coda = Some(b);
                    c.base = Base::Cons(c.subs.remove(0));
                    c.from_coeng = true;
                    if c.vowel.is_none() && !c.nikahit && !c.reahmuk && c.subs.is_empty() && i == n {
                        // Silent at the end of the word.
                        continue;
                    }
                }
            }
        }
        let mut syl = Syllable { onset: c, coda: None };
        if !syl.closed() && i < n && clusters[i].is_bare() {
            let ends_after_next = i + 2 == n && clusters[i + 1].is_bare();
            let explicit = syl.onset.vowel.is_some() || syl.onset.samyok;
            // Before a consonant with a subscript, the bare consonant opens a syllable that the subscript's
            // base closes ("កម្ពុជា" -> "kam" + "pu" + "chea").
            let before_cluster = clusters.get(i + 1).is_some_and(Cluster::splits);
            if (!ends_after_next || explicit) && !before_cluster {
                if let Base::Cons(f) = clusters[i].base {
                    syl.coda = Some(f);
                    i += 1;
                }
            }
        }
        syllables.push(syl);
    }
    for s in &syllables {
        s.romanise(out);
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Base {
    Cons(char),
    Indep(char),
}

/// One orthographic cluster: a base letter and everything written on it.
#[derive(Debug, Clone)]
struct Cluster {
    base: Base,
    subs: Vec<char>,
    /// Register shifter: Some(1) for ៉, Some(2) for ៊.
    shift: Option<u8>,
    vowel: Option<char>,
    nikahit: bool,
    reahmuk: bool,
    samyok: bool,
    silent: bool,
    /// The base came from a subscript (coeng) after a split.
    from_coeng: bool,
}

impl Cluster {
    /// A consonant with nothing written on it (it can be a final; ហ and អ are not finals).
    fn is_bare(&self) -> bool {
        matches!(self.base, Base::Cons(c) if c != 'ហ' && c != 'អ')
            && self.subs.is_empty()
            && self.vowel.is_none()
            && !self.nikahit
            && !self.reahmuk
            && !self.samyok
            && self.shift.is_none()
            && !self.silent
    }

    /// Whether the cluster is not an initial cluster but a final and an initial written together: a nasal
    /// over a consonant ("ង្គ", "ម្ព", "ន្ត"), a doubled consonant ("ត្ត", "ញ្ញ") or two stops of one row
    /// ("ទ្ធ", "ប្ផ").
    fn splits(&self) -> bool {
        let (Base::Cons(b), Some(&s)) = (self.base, self.subs.first()) else { return false };
        matches!(b, 'ង' | 'ញ' | 'ណ' | 'ន' | 'ម') || b == s || (row(b).is_some() && row(b) == row(s))
    }

    /// The series (1 or 2) of the cluster.
    fn series(&self) -> u8 {
        if let Some(s) = self.shift {
            return s;
        }
        match self.base {
            Base::Indep(_) => 1,
            Base::Cons(b) => match self.subs.last() {
                Some(&s) if !is_sonorant(s) => series(s),
                _ => series(b),
            },
        }
    }
}

/// Cuts a run into clusters.
fn clusters(run: &str) -> Vec<Cluster> {
    let mut out: Vec<Cluster> = Vec::new();
    let mut coeng = false;
    for c in run.chars() {
        let u = c as u32;
        if coeng {
            coeng = false;
            if (0x1780..=0x17A2).contains(&u) {
                if let Some(last) = out.last_mut() {
                    last.subs.push(c);
                    continue;
                }
            }
        }
        match u {
            0x1780..=0x17B3 => out.push(Cluster {
                base: if u <= 0x17A2 { Base::Cons(c) } else { Base::Indep(c) },
                subs: Vec::new(),
                shift: None,
                vowel: None,
                nikahit: false,
                reahmuk: false,
                samyok: false,
                silent: false,
                from_coeng: false,
            }),
            _ => {
                let Some(last) = out.last_mut() else { continue };
                match u {
                    0x17D2 => coeng = true,
                    0x17C9 => last.shift = Some(1),
                    0x17CA => last.shift = Some(2),
                    0x17B6..=0x17C5 if last.vowel.is_none() => last.vowel = Some(c),
                    0x17C6 => last.nikahit = true,
                    0x17C7 | 0x17C8 => last.reahmuk = true,
                    0x17D0 => last.samyok = true,
                    0x17CD => last.silent = true,
                    _ => {}
                }
            }
        }
    }
    out
}

struct Syllable {
    onset: Cluster,
    coda: Option<char>,
}

impl Syllable {
    /// Closed by ំ or ះ: no final consonant after them.
    fn closed(&self) -> bool {
        self.onset.nikahit || self.onset.reahmuk
    }

    fn romanise(&self, out: &mut String) {
        let c = &self.onset;
        let series = c.series();
        match c.base {
            Base::Cons(b) => {
                let mut subs: &[char] = &c.subs;
                if b == 'ប' && (c.shift == Some(1) || !subs.is_empty()) {
                    // ប៉ and ប in a cluster (ប្រ, ប្ល) are "p".
                    out.push('p');
                } else if b == 'ហ' && matches!(subs.first(), Some('គ' | 'វ')) {
                    // ហ្គ writes g and ហ្វ f in loanwords.
                    out.push(if subs[0] == 'គ' { 'g' } else { 'f' });
                    subs = &subs[1..];
                } else if c.from_coeng && b == 'ត' {
                    out.push('d');
                } else {
                    out.push_str(initial(b));
                }
                for &s in subs {
                    out.push_str(if s == 'ត' && out.ends_with('s') { "d" } else { initial(s) });
                }
                out.push_str(vowel(c, series));
            }
            Base::Indep(v) => {
                out.push_str(independent(v));
                if c.nikahit {
                    out.push('m');
                }
                if c.reahmuk {
                    out.push('h');
                }
            }
        }
        if let Some(f) = self.coda {
            out.push_str(final_value(f));
        }
    }
}

/// The row (place of articulation) of a stop.
fn row(c: char) -> Option<u8> {
    Some(match c {
        'ក' | 'ខ' | 'គ' | 'ឃ' => 0,
        'ច' | 'ឆ' | 'ជ' | 'ឈ' => 1,
        'ដ' | 'ឋ' | 'ឌ' | 'ឍ' => 2,
        'ត' | 'ថ' | 'ទ' | 'ធ' => 3,
        'ប' | 'ផ' | 'ព' | 'ភ' => 4,
        _ => return None,
    })
}

fn is_sonorant(c: char) -> bool {
    matches!(c, 'ង' | 'ញ' | 'ណ' | 'ន' | 'ម' | 'យ' | 'រ' | 'ល' | 'វ')
}

/// The series of a consonant.
fn series(c: char) -> u8 {
    match c {
        'គ' | 'ឃ' | 'ង' | 'ជ' | 'ឈ' | 'ញ' | 'ឌ' | 'ឍ' | 'ទ' | 'ធ' | 'ន' | 'ព' | 'ភ' | 'ម' | 'យ' | 'រ' | 'ល' | 'វ' => {
            2
        }
        _ => 1,
    }
}

/// A consonant's value at the start of a syllable.
fn initial(c: char) -> &'static str {
    match c {
        'ក' | 'គ' => "k",
        'ខ' | 'ឃ' => "kh",
        'ង' => "ng",
        'ច' | 'ជ' => "ch",
        'ឆ' | 'ឈ' => "chh",
        'ញ' => "nh",
        'ដ' | 'ឌ' => "d",
        'ឋ' | 'ឍ' | 'ថ' | 'ធ' => "th",
        'ណ' | 'ន' => "n",
        'ត' | 'ទ' => "t",
        'ប' => "b",
        'ផ' | 'ភ' => "ph",
        'ព' => "p",
        'ម' => "m",
        'យ' => "y",
        'រ' => "r",
        'ល' | 'ឡ' => "l",
        'វ' => "v",
        'ឝ' | 'ឞ' | 'ស' => "s",
        'ហ' => "h",
        _ => "",
    }
}

/// A consonant's value as a final.
fn final_value(c: char) -> &'static str {
    match c {
        'ក' | 'ខ' | 'គ' | 'ឃ' => "k",
        'ង' => "ng",
        'ច' | 'ឆ' | 'ជ' | 'ឈ' => "ch",
        'ញ' => "nh",
        'ដ' | 'ឋ' | 'ឌ' | 'ឍ' | 'ត' | 'ថ' | 'ទ' | 'ធ' => "t",
        'ណ' | 'ន' => "n",
        'ប' | 'ផ' | 'ព' | 'ភ' => "p",
        'ម' => "m",
        'យ' => "y",
        'រ' => "r",
        'ល' | 'ឡ' => "l",
        'វ' => "v",
        'ឝ' | 'ឞ' | 'ស' => "s",
        'ហ' => "h",
        _ => "",
    }
}

/// The vowel of a consonant cluster, by series.
fn vowel(c: &Cluster, series: u8) -> &'static str {
    let first = series == 1;
    let pick = |a: &'static str, b: &'static str| if first { a } else { b };
    match (c.vowel, c.nikahit, c.reahmuk) {
        (None, true, _) => pick("am", "om"),
        (None, false, true) => pick("ah", "eah"),
        (None, false, false) if c.samyok => pick("a", "oa"),
        (None, false, false) => pick("a", "o"),
        (Some('ុ'), true, _) => pick("om", "um"),
        (Some('ា'), true, _) => pick("am", "oam"),
        (Some(v), nik, reah) => {
            let base = match v {
                'ា' => pick("a", "ea"),
                'ិ' => pick("e", "i"),
                'ី' => pick("ei", "i"),
                'ឹ' => pick("oe", "eu"),
                'ឺ' => "eu",
                'ុ' => pick("o", "u"),
                'ូ' => pick("ou", "u"),
                'ួ' => "uo",
                'ើ' => pick("aeu", "eu"),
                'ឿ' => "oea",
                'ៀ' => "ie",
                'េ' | 'ែ' => "e",
                'ៃ' => pick("ai", "ey"),
                'ោ' => pick("ao", "o"),
                'ៅ' => pick("au", "ou"),
                _ => "",
            };
            match (nik, reah) {
                (true, _) => match base {
                    "e" => "em",
                    "i" => "im",
                    "ei" => "eim",
                    "o" => "om",
                    "u" => "um",
                    "ao" => "aom",
                    _ => base,
                },
                (false, true) => match base {
                    "a" => "ah",
                    "ea" => "eah",
                    "e" => "eh",
                    "i" => "ih",
                    "ei" => "eih",
                    "o" => "oh",
                    "u" => "uh",
                    "ao" => "aoh",
                    "ou" => "ouh",
                    "uo" => "uoh",
                    "ie" => "ieh",
                    _ => base,
                },
                _ => base,
            }
        }
    }
}

/// Independent vowels.
fn independent(v: char) -> &'static str {
    match v {
        'ឣ' => "a",
        'ឤ' => "aa",
        'ឥ' => "e",
        'ឦ' => "ei",
        'ឧ' => "o",
        'ឨ' | 'ឩ' => "ou",
        'ឪ' => "ov",
        'ឫ' => "rue",
        'ឬ' => "rueu",
        'ឭ' => "lue",
        'ឮ' => "lueu",
        'ឯ' => "ae",
        'ឰ' => "ai",
        'ឱ' | 'ឲ' => "ao",
        'ឳ' => "au",
        _ => "",
    }
}
