//! Han (Chinese characters): one tone-less pinyin syllable per character, from `deunicode`, corrected by
//! a small table: characters `deunicode` reads wrongly in names (广 guang, 叶 ye, 万 wan, 沈 shen,
//! 曾 zeng), surname readings of the first character of a name (单 shan, 解 xie, 朴 piao, 仇 qiu,
//! 区 ou, 查 zha, 覃 qin...), and a few words read otherwise (银行 yin hang, 重庆 chong qing,
//! 厦门 xia men...). Syllables are separated by spaces: "习近平" -> "xi jin ping" (lists join the given
//! name, "Xi Jinping"; the matcher joins tokens).

/// Words whose characters read otherwise than alone.
const WORDS: &[(&str, &[&str])] = &[
    ("银行", &["yin", "hang"]),
    ("銀行", &["yin", "hang"]),
    ("重庆", &["chong", "qing"]),
    ("重慶", &["chong", "qing"]),
    ("厦门", &["xia", "men"]),
    ("廈門", &["xia", "men"]),
    ("西藏", &["xi", "zang"]),
    ("朝鲜", &["chao", "xian"]),
    ("朝鮮", &["chao", "xian"]),
];

/// Characters read wrongly by `deunicode` for names.
fn always(c: char) -> Option<&'static str> {
    Some(match c {
        '广' | '廣' => "guang",
        '叶' | '葉' => "ye",
        '万' | '萬' => "wan",
        '沈' => "shen",
        '曾' => "zeng",
        _ => return None,
    })
}

/// Surname readings, for the first character of a name.
fn surname(c: char) -> Option<&'static str> {
    Some(match c {
        '单' | '單' => "shan",
        '解' => "xie",
        '朴' => "piao",
        '仇' => "qiu",
        '区' | '區' => "ou",
        '查' => "zha",
        '覃' => "qin",
        '盖' | '蓋' => "ge",
        '缪' | '繆' => "miao",
        '召' => "shao",
        '种' | '種' => "chong",
        '秘' => "bi",
        '黑' => "he",
        _ => return None,
    })
}

/// Romanises a run of Han characters, one syllable per word.
pub(super) fn romanise(run: &str, out: &mut String) {
    let chars: Vec<char> = run.chars().collect();
    let mut syllables: Vec<&str> = Vec::with_capacity(chars.len());
    let mut i = 0;
    'outer: while i < chars.len() {
        for &(word, readings) in WORDS {
            let len = word.chars().count();
            if i + len <= chars.len() && word.chars().zip(&chars[i..]).all(|(a, &b)| a == b) {
                syllables.extend_from_slice(readings);
                i += len;
                continue 'outer;
            }
        }
        let c = chars[i];
        let reading = always(c)
            .or_else(|| if i == 0 { surname(c) } else { None })
            .unwrap_or_else(|| deunicode::deunicode_char(c).unwrap_or(""));
        syllables.push(reading);
        i += 1;
    }
    for s in syllables {
        let s: String = s.trim().chars().filter(char::is_ascii_alphanumeric).map(|c| c.to_ascii_lowercase()).collect();
        if s.is_empty() {
            continue;
        }
        if !out.is_empty() && !out.ends_with(' ') {
            out.push(' ');
        }
        out.push_str(&s);
        out.push(' ');
    }
}
