//! Name normalisation and phonetic keys.

use proptest::prelude::*;
use tonle_screen::normalize::{normalize, phonetic, NormalizedName};
use tonle_screen::translit::Script;

fn tokens(raw: &str) -> Vec<String> {
    normalize(raw).tokens
}

fn v(words: &[&str]) -> Vec<String> {
    words.iter().map(|w| w.to_string()).collect()
}

/// Checks tokens, legal forms and honorifics.
fn check(raw: &str, toks: &[&str], forms: &[&str], titles: &[&str]) {
    let n = normalize(raw);
    assert_eq!(n.tokens, v(toks), "tokens of {raw:?}");
    assert_eq!(n.legal_forms, v(forms), "legal forms of {raw:?}");
    assert_eq!(n.honorifics, v(titles), "honorifics of {raw:?}");
}

#[test]
fn legal_forms() {
    check("ANGLO-CARIBBEAN CO., LTD.", &["anglo", "caribbean"], &["co", "ltd"], &[]);
    check("ABC (Thailand) Co., Ltd.", &["abc", "thailand"], &["co", "ltd"], &[]);
    check("PT Bank Mandiri (Persero) Tbk", &["bank", "mandiri", "persero"], &["pt", "tbk"], &[]);
    check("Banco Santander S.A.", &["banco", "santander"], &["sa"], &[]);
    check("Banco Santander, SA", &["banco", "santander"], &["sa"], &[]);
    check("Deutsche Bank AG", &["deutsche", "bank"], &["ag"], &[]);
    // Two words and no punctuation: "SA" may be a name word.
    check("Nestle SA", &["nestle", "sa"], &[], &[]);
    check("U.S.A. Trading L.L.C.", &["usa", "trading"], &["llc"], &[]);
    check("Foo Sdn. Bhd.", &["foo"], &["sdn", "bhd"], &[]);
    check("Foo Holdings Pte. Ltd.", &["foo", "holdings"], &["pte", "ltd"], &[]);
    check("Siemens Aktiengesellschaft", &["siemens"], &["ag"], &[]);
    check("Rosneft Oil Company PJSC", &["rosneft", "oil"], &["co", "jsc"], &[]);
    check("Foo Ltd (Cambodia)", &["foo", "cambodia"], &["ltd"], &[]);
    check("Acme Limited Liability Company", &["acme"], &["llc"], &[]);
    check("ООО \"Ромашка\"", &["romashka"], &["llc"], &[]);
    check("Công ty TNHH Thương mại ABC", &["thuong", "mai", "abc"], &["co", "llc"], &[]);
    check("บริษัท ปตท. จำกัด (มหาชน)", &["patot"], &["co", "ltd", "plc"], &[]);
    check("中国工商银行股份有限公司", &["zhong", "guo", "gong", "shang", "yin", "hang"], &["jsc"], &[]);
    check("华为技术有限公司", &["hua", "wei", "ji", "shu"], &["co", "ltd"], &[]);
    // Only a legal form: kept.
    check("Ltd", &["ltd"], &[], &[]);
    check("Sdn. Bhd.", &["sdn", "bhd"], &[], &[]);
}

#[test]
fn honorifics() {
    check("Mr. John Smith", &["john", "smith"], &[], &["mr"]);
    check("Dr Mahathir Mohamad", &["mahathir", "mohamad"], &[], &["dr"]);
    check("H.E. Gen. Min Aung Hlaing", &["min", "aung", "hlaing"], &[], &["he", "general"]);
    check("Senior General Min Aung Hlaing", &["min", "aung", "hlaing"], &[], &["senior general"]);
    check("Haji Mohammad Daud", &["mohammad", "daud"], &[], &["haji"]);
    check("Sheikh Hasina", &["hasina"], &[], &["sheikh"]);
    check("U Thant", &["thant"], &[], &["u"]);
    check("ဦးသန့်", &["thant"], &[], &["u"]);
    check("ဒေါ်အောင်ဆန်းစုကြည်", &["aung", "san", "su", "kyi"], &[], &["daw"]);
    check("Daw Aung San Suu Kyi", &["aung", "san", "suu", "kyi"], &[], &["daw"]);
    check("Maung Maung", &["maung", "maung"], &[], &[]);
    check("Samdech Akka Moha Sena Padei Techo Hun Sen", &["hun", "sen"], &[], &["samdech"]);
    check("ឯកឧត្តម ហ៊ុន សែន", &["hun", "sen"], &[], &["he"]);
    check("លោកជំទាវ ពេជ ចន្ទមុន្នី", &["pech", "chantomunni"], &[], &["lok chumteav"]);
    check("Oknha Ly Yong Phat", &["ly", "yong", "phat"], &[], &["oknha"]);
    check("ឧកញ៉ា លី យ៉ុងផាត់", &["li", "yongphat"], &[], &["oknha"]);
    check("សម្តេចតេជោ ហ៊ុន សែន", &["hun", "sen"], &[], &["samdech"]);
    check("លោកស្រី ម៉ែន សំអន", &["men", "saman"], &[], &["lok srey"]);
    check("นางสาว ยิ่งลักษณ์ ชินวัตร", &["yinglak", "chinwat"], &[], &["nangsao"]);
    check("นาย ทักษิณ ชินวัตร", &["thaksin", "chinwat"], &[], &["nai"]);
    check("นายทักษิณ ชินวัตร", &["thaksin", "chinwat"], &[], &["nai"]);
    check("พลเอกประยุทธ์ จันทร์โอชา", &["prayut", "chanocha"], &[], &["general"]);
    check("พันตำรวจโท ทักษิณ ชินวัตร", &["thaksin", "chinwat"], &[], &["police lieutenant colonel"]);
    check("Ông Nguyễn Tấn Dũng", &["nguyen", "tan", "dung"], &[], &["ong"]);
    check("Bà Trương Mỹ Lan", &["truong", "my", "lan"], &[], &["ba"]);
    check("Ong Ye Kung", &["ong", "ye", "kung"], &[], &[]);
    check("Ba Maw", &["ba", "maw"], &[], &[]);
    check("王先生", &["wang"], &[], &["xiansheng"]);
    check("Tan Sri Dato' Seri Abdul Rahman", &["abdul", "rahman"], &[], &["tan sri", "datuk seri"]);
    // "He" is a surname; only "H.E." is the title.
    check("He Lifeng", &["he", "lifeng"], &[], &[]);
    // Only a title: kept.
    check("Mr", &["mr"], &[], &[]);
    check("General", &["general"], &[], &[]);
}

#[test]
fn punctuation() {
    assert_eq!(tokens("Al-Qaida"), v(&["al", "qaida"]));
    assert_eq!(tokens("O'Brien"), v(&["obrien"]));
    assert_eq!(tokens("O’Brien"), v(&["obrien"]));
    assert_eq!(tokens("Jean-Pierre d'Alembert"), v(&["jean", "pierre", "dalembert"]));
    assert_eq!(tokens("PUTIN, Vladimir Vladimirovich"), v(&["putin", "vladimir", "vladimirovich"]));
    assert_eq!(tokens("Abu Bakr al-Baghdadi"), v(&["abu", "bakr", "al", "baghdadi"]));
    assert_eq!(tokens("Kim Jong-un"), v(&["kim", "jong", "un"]));
    assert_eq!(tokens("'Ali' \"The Chemist\" Hassan"), v(&["ali", "the", "chemist", "hassan"]));
    assert_eq!(tokens("Smith & Sons; Trading/Shipping"), v(&["smith", "sons", "trading", "shipping"]));
    assert_eq!(tokens("7-Eleven"), v(&["7", "eleven"]));
    assert_eq!(tokens("J. Smith"), v(&["j", "smith"]));
}

#[test]
fn brackets() {
    // Asides out.
    assert_eq!(tokens("Osama bin Laden (a.k.a. Usama)"), v(&["osama", "bin", "laden"]));
    assert_eq!(tokens("Acme Trading (formerly Foo Bar)"), v(&["acme", "trading"]));
    // Another script's rendering of the same name out.
    assert_eq!(tokens("ហ៊ុន សែន (Hun Sen)"), v(&["hun", "sen"]));
    assert_eq!(tokens("Hun Sen (ហ៊ុន សែន)"), v(&["hun", "sen"]));
    // Other brackets unwrapped.
    assert_eq!(tokens("Foo [Cambodia] Bar"), v(&["foo", "cambodia", "bar"]));
    assert_eq!(tokens("Unclosed (bracket"), v(&["unclosed", "bracket"]));
}

#[test]
fn scripts_and_mixed() {
    let n = normalize("ហ៊ុន សែន Hun Sen");
    assert_eq!(n.tokens, v(&["hun", "sen", "hun", "sen"]));
    assert_eq!(n.scripts, vec![Script::Khmer, Script::Latin]);
    let n = normalize("Владимир Путин");
    assert_eq!(n.tokens, v(&["vladimir", "putin"]));
    assert_eq!(n.scripts, vec![Script::Cyrillic]);
    assert_eq!(normalize("习近平").tokens, v(&["xi", "jin", "ping"]));
    assert_eq!(normalize("محمد بن سلمان").tokens, v(&["mhmd", "bn", "slman"]));
    assert_eq!(normalize("Nguyễn Tấn Dũng").tokens, v(&["nguyen", "tan", "dung"]));
}

#[test]
fn empty() {
    assert_eq!(normalize(""), NormalizedName::default());
    assert_eq!(normalize("   \t "), NormalizedName::default());
    assert_eq!(normalize("()-,.'\"").tokens, Vec::<String>::new());
    // Found by proptest: a letter folded to an apostrophe before an initialism.
    assert_eq!(normalize("\u{0800}.A一").tokens, v(&["a", "yi"]));
}

#[test]
fn phonetic_keys() {
    let same = |words: &[&str]| {
        let k = phonetic(words[0]);
        for w in words {
            assert_eq!(phonetic(w), k, "{w} vs {}", words[0]);
        }
    };
    same(&["mohammed", "muhammad", "mohamad", "mohammad", "muhammed", "mhmd"]);
    same(&["khaled", "khalid", "khald"]);
    same(&["phu", "fu"]);
    same(&["hun", "hunn"]);
    same(&["sen", "saen"]);
    same(&["aung", "aong", "awng"]);
    same(&["nguyen", "nguyen", "ngyen"]);
    same(&["ayman", "aymn", "aiman"]);
    same(&["yusuf", "yousef", "yusf"]);
    same(&["sergei", "sergey"]);
    same(&["zelensky", "zelenskyy", "zelenskyi", "zelenskiy"]);
    same(&["shoigu", "shoygu"]);
    same(&["yevgeny", "evgeny", "yevgeniy"]);
    same(&["omar", "umar", "amr"]);
    same(&["osama", "usama", "asama"]);
    same(&["hussein", "husain", "husayn", "hsin"]);
    same(&["volodymyr", "wolodymyr"]);
    same(&["fatima", "fatimah", "fatma"]);
    same(&["chinnawat", "chinwat"]);
    same(&["suu", "su"]);
    same(&["kheng", "keng"]);
    same(&["xi", "si"]);
    assert_ne!(phonetic("tran"), phonetic("tchan"));
    assert_ne!(phonetic("chen"), phonetic("shen"));
    assert_ne!(phonetic("nan"), phonetic("n"));
    assert_eq!(phonetic("mohammed"), "mhmd");
    assert_eq!(phonetic("aung"), "ang");
    assert_eq!(phonetic("tchan"), "cn");
    assert_eq!(phonetic("tran"), "trn");
    assert_eq!(phonetic(""), "");
    assert_eq!(phonetic("MOHAMMED"), "mhmd");
    assert_eq!(phonetic("ហ៊ុន"), phonetic("hun"));
    assert_eq!(phonetic("Nguyễn"), phonetic("nguyen"));
}

/// Lower-case ASCII letters and digits only, not empty.
fn good_token(t: &str) -> bool {
    !t.is_empty() && t.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit())
}

proptest! {
    #[test]
    fn normalize_any_string(s in ".{0,40}") {
        let n = normalize(&s);
        prop_assert!(n.tokens.iter().all(|t| good_token(t)), "{:?}", n);
        prop_assert!(n.legal_forms.iter().all(|t| t.is_ascii()));
        prop_assert!(n.honorifics.iter().all(|t| t.is_ascii()));
        for t in &n.tokens {
            let k = phonetic(t);
            prop_assert!(k.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit()));
        }
    }

    #[test]
    fn normalize_names_like(s in "[A-Za-zÀ-ỹ\u{1780}-\u{17FF}\u{0E00}-\u{0E7F}\u{1000}-\u{109F}\u{0600}-\u{06FF}\u{0400}-\u{04FF}\u{4E00}-\u{4E50} ,.'()\"&-]{0,40}") {
        let n = normalize(&s);
        prop_assert!(n.tokens.iter().all(|t| good_token(t)), "{:?}", n);
    }

    #[test]
    fn phonetic_any_string(s in ".{0,20}") {
        let k = phonetic(&s);
        prop_assert!(k.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit()));
    }
}

#[test]
fn a_legal_form_misspelt_by_one_letter_is_still_a_legal_form() {
    let n = tonle_screen::normalize::normalize("OMRAN VA MASKAN IRAN COMPANNY");
    assert_eq!(n.tokens, ["omran", "va", "maskan", "iran"]);
    assert_eq!(n.legal_forms, ["co"]);
    let n = tonle_screen::normalize::normalize("JOOINT STOCK COMPANY 356 AIRCRAFT REPAIR PLANT");
    assert_eq!(n.legal_forms, ["jsc"]);
    assert_eq!(n.tokens, ["356", "aircraft", "repair", "plant"]);
    // A name word near a legal word but not one letter away stays a name word.
    let n = tonle_screen::normalize::normalize("Jointer Stockton");
    assert_eq!(n.tokens, ["jointer", "stockton"]);
    assert!(n.legal_forms.is_empty());
}
