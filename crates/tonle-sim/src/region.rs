//! The region: each country's currency, payment habits, institutions, names and phone numbers.
//!
//! Institution names are fictional (no real bank is implied); their ids look like SWIFT BICs. Wages and
//! prices are rough medians for 2024-2025 (see docs/scenarios.md), enough to make amounts plausible.

use tonle_core::{Channel, Currency};

/// One country's profile.
pub struct Country {
    /// ISO 3166 alpha-2 code.
    pub code: &'static str,
    /// The local currency.
    pub currency: Currency,
    /// Share of persons' and businesses' accounts held in US dollars (Cambodia is dollarised).
    pub usd_share: f64,
    /// Hours ahead of UTC.
    pub utc_offset_hours: i64,
    /// The domestic QR / proxy payment scheme.
    pub qr_channel: Channel,
    /// Telephone country code, with `+`.
    pub phone_prefix: &'static str,
    /// Digits after the country code.
    pub phone_digits: u32,
    /// First octet of the IPv4 addresses handed out to this country's devices.
    pub ip_first_octet: u8,
    /// Median monthly salary, in US dollars.
    pub salary_usd: f64,
    /// Median QR or card payment at a merchant, in US dollars.
    pub purchase_usd: f64,
    /// Banks: (name, BIC-like id).
    pub banks: &'static [(&'static str, &'static str)],
    /// Mobile-wallet providers: (name, id).
    pub wallets: &'static [(&'static str, &'static str)],
    /// Family names, romanised.
    pub family_names: &'static [&'static str],
    /// Given names, romanised.
    pub given_names: &'static [&'static str],
    /// Whole names in the local script (written as banks in the country record them), used for a share of
    /// persons.
    pub native_names: &'static [&'static str],
    /// Share of persons whose account name is in the local script.
    pub native_share: f64,
    /// Family name first (Khmer, Chinese, Vietnamese order).
    pub family_first: bool,
    /// Words for business names.
    pub business_words: &'static [&'static str],
    /// The daily cash amount above which a cash transaction report is due, in the local currency's major
    /// units, with the currency (Cambodia reports USD 10,000 or KHR 40,000,000; Malaysia RM 25,000).
    pub cash_thresholds: &'static [(Currency, i64)],
}

/// The six countries, in the order of [`crate::scenario::COUNTRIES`].
pub static COUNTRIES: [Country; 6] = [
    Country {
        code: "KH",
        currency: Currency::KHR,
        usd_share: 0.8,
        utc_offset_hours: 7,
        qr_channel: Channel::Khqr,
        phone_prefix: "+855",
        phone_digits: 8,
        ip_first_octet: 103,
        salary_usd: 300.0,
        purchase_usd: 4.0,
        banks: &[
            ("Mekong Commercial Bank", "MKCBKHPP"),
            ("Angkor Union Bank", "AUBLKHPP"),
            ("Tonle Sap Bank", "TSBKKHPP"),
            ("Kampuchea Prosperity Bank", "KPBKKHPP"),
            ("Sihanouk Trade Bank", "STBKKHPP"),
        ],
        wallets: &[("Lotus Pay", "LOTPKHP1"), ("Riel Wallet", "RIWLKHP1")],
        family_names: &["Sok", "Chan", "Kim", "Heng", "Chea", "Sam", "Ly", "Meas", "Keo", "Pich", "Sun", "Nhem"],
        given_names: &[
            "Dara", "Sophea", "Vannak", "Sreymom", "Bopha", "Rithy", "Chanthou", "Piseth", "Sokha", "Kosal", "Sothea",
            "Malis", "Vuthy", "Channary",
        ],
        native_names: &["សុខ ដារា", "ចាន់ សុភា", "គីម វណ្ណៈ", "ហេង បុប្ផា", "ជា រិទ្ធី", "មាស សុខា", "កែវ ពិសិដ្ឋ"],
        native_share: 0.15,
        family_first: true,
        business_words: &["Angkor", "Mekong", "Bayon", "Phnom", "Tonle", "Sokha", "Golden", "Lotus", "Apsara"],
        cash_thresholds: &[(Currency::USD, 10_000), (Currency::KHR, 40_000_000)],
    },
    Country {
        code: "TH",
        currency: Currency::THB,
        usd_share: 0.0,
        utc_offset_hours: 7,
        qr_channel: Channel::PromptPay,
        phone_prefix: "+66",
        phone_digits: 9,
        ip_first_octet: 171,
        salary_usd: 500.0,
        purchase_usd: 5.0,
        banks: &[
            ("Chao Phraya Bank", "CPBKTHBK"),
            ("Siam Harbour Bank", "SHBKTHBK"),
            ("Lanna Savings Bank", "LSBKTHBK"),
        ],
        wallets: &[("Tuk Wallet", "TUKWTHB1")],
        family_names: &["Saetang", "Srisuk", "Wongsa", "Chaiyaporn", "Kaewmanee", "Boonmee", "Rattana", "Thongchai"],
        given_names: &["Somchai", "Malee", "Anan", "Siriporn", "Niran", "Kanya", "Prasert", "Ratana", "Wichai", "Ploy"],
        native_names: &["สมชาย ศรีสุข", "มาลี วงศา", "อนันต์ บุญมี", "ศิริพร แก้วมณี", "นิรันดร์ รัตนะ"],
        native_share: 0.2,
        family_first: false,
        business_words: &["Siam", "Chao Phraya", "Lanna", "Golden", "Royal", "Andaman", "Isan"],
        cash_thresholds: &[(Currency::THB, 2_000_000)],
    },
    Country {
        code: "VN",
        currency: Currency::VND,
        usd_share: 0.0,
        utc_offset_hours: 7,
        qr_channel: Channel::Instant,
        phone_prefix: "+84",
        phone_digits: 9,
        ip_first_octet: 113,
        salary_usd: 330.0,
        purchase_usd: 3.0,
        banks: &[
            ("Red River Bank", "RRBKVNVX"),
            ("Saigon Lotus Bank", "SLBKVNVX"),
            ("Ha Long Commercial Bank", "HLCBVNVX"),
        ],
        wallets: &[("Momo Wallet", "MOMWVNV1")],
        family_names: &["Nguyen", "Tran", "Le", "Pham", "Hoang", "Vu", "Dang", "Bui", "Do"],
        given_names: &["Van An", "Thi Lan", "Minh Tuan", "Thi Mai", "Duc Anh", "Thu Trang", "Quang Huy", "Ngoc Anh"],
        native_names: &["Nguyễn Văn An", "Trần Thị Lan", "Lê Minh Tuấn", "Phạm Thị Mai", "Hoàng Đức Anh"],
        native_share: 0.5,
        family_first: true,
        business_words: &["Saigon", "Hanoi", "Mekong", "Lotus", "Phuong Nam", "Dong A", "Viet"],
        cash_thresholds: &[],
    },
    Country {
        code: "MY",
        currency: Currency::MYR,
        usd_share: 0.0,
        utc_offset_hours: 8,
        qr_channel: Channel::DuitNow,
        phone_prefix: "+60",
        phone_digits: 9,
        ip_first_octet: 175,
        salary_usd: 700.0,
        purchase_usd: 6.0,
        banks: &[
            ("Straits Permata Bank", "SPBKMYKL"),
            ("Kinabalu Bank", "KNBKMYKL"),
            ("Melaka Trust Bank", "MTBKMYKL"),
        ],
        wallets: &[("Rimba Pay", "RIMPMYK1")],
        family_names: &["bin Ahmad", "binti Ismail", "Tan", "Lim", "Wong", "a/l Raju", "bin Hassan", "Lee"],
        given_names: &["Ahmad", "Siti", "Muhammad", "Nurul", "Wei Ming", "Mei Ling", "Kumar", "Aishah", "Hafiz"],
        native_names: &[],
        native_share: 0.0,
        family_first: false,
        business_words: &["Permata", "Borneo", "Melaka", "Harimau", "Sentosa", "Klang"],
        cash_thresholds: &[(Currency::MYR, 25_000)],
    },
    Country {
        code: "SG",
        currency: Currency::SGD,
        usd_share: 0.0,
        utc_offset_hours: 8,
        qr_channel: Channel::PayNow,
        phone_prefix: "+65",
        phone_digits: 8,
        ip_first_octet: 116,
        salary_usd: 4000.0,
        purchase_usd: 12.0,
        banks: &[("Merlion Bank", "MERBSGSG"), ("Harbourfront Bank", "HFBKSGSG")],
        wallets: &[("Kopi Pay", "KOPPSGS1")],
        family_names: &["Tan", "Lim", "Lee", "Ng", "Ong", "Wong", "Goh", "Chua", "Koh"],
        given_names: &["Wei Jie", "Hui Min", "Jun Hao", "Xin Yi", "Daniel", "Rachel", "Marcus", "Priya", "Farah"],
        native_names: &["陈伟杰", "林慧敏", "李俊豪"],
        native_share: 0.05,
        family_first: true,
        business_words: &["Merlion", "Marina", "Orchard", "Raffles", "Sentosa", "Lion City"],
        cash_thresholds: &[(Currency::SGD, 20_000)],
    },
    Country {
        code: "CN",
        currency: Currency::CNY,
        usd_share: 0.0,
        utc_offset_hours: 8,
        qr_channel: Channel::MobileWallet,
        phone_prefix: "+86",
        phone_digits: 11,
        ip_first_octet: 220,
        salary_usd: 1000.0,
        purchase_usd: 6.0,
        banks: &[("Pearl River Bank", "PRBKCNBJ"), ("Yunnan Frontier Bank", "YFBKCNBJ"), ("Lancang Bank", "LCBKCNBJ")],
        wallets: &[("Jade Pay", "JADPCNB1")],
        family_names: &["Wang", "Li", "Zhang", "Liu", "Chen", "Yang", "Huang", "Zhao", "Wu", "Zhou"],
        given_names: &["Wei", "Fang", "Min", "Jing", "Lei", "Yan", "Jun", "Xiu Ying", "Hao", "Li Na"],
        native_names: &["王伟", "李芳", "张敏", "刘静", "陈磊", "杨艳", "黄军", "赵秀英", "吴浩", "周丽娜"],
        native_share: 0.6,
        family_first: true,
        business_words: &["Pearl River", "Lancang", "Golden Dragon", "Jade", "Silk Road", "Yunnan"],
        cash_thresholds: &[],
    },
];

/// Crypto exchanges (fictional), where people and launderers buy and sell USDT. Each has a bank account per
/// country and a Tron hot wallet.
pub const EXCHANGES: [(&str, &str); 3] =
    [("Lotus Digital Exchange", "LDEXSGS1"), ("Mekong Crypto OTC", "MCOTKHP1"), ("Orient Coin Exchange", "OCEXSGS1")];

/// Casinos and junket operators in Cambodia (fictional).
pub const CASINOS: [(&str, &str); 3] = [
    ("Golden Sands Resort Casino", "GSRCKHP1"),
    ("Bavet Fortune Junket", "BFJKKHP1"),
    ("Koh Kong Palace Casino", "KKPCKHP1"),
];

/// The countries' index by code.
pub fn country_index(code: &str) -> Option<usize> {
    COUNTRIES.iter().position(|c| c.code == code)
}

/// Cambodia's index.
pub const KH: usize = 0;
/// Thailand's index.
pub const TH: usize = 1;
/// Vietnam's index.
pub const VN: usize = 2;
/// Malaysia's index.
pub const MY: usize = 3;
/// Singapore's index.
pub const SG: usize = 4;
/// China's index.
pub const CN: usize = 5;

/// Relative activity by local hour (0-23): quiet at night, peaks at lunch and in the evening.
pub const HOURLY: [f64; 24] = [
    0.35, 0.2, 0.12, 0.1, 0.12, 0.35, 0.9, 1.6, 2.2, 2.5, 2.6, 2.9, 3.3, 2.9, 2.6, 2.5, 2.6, 2.9, 3.3, 3.5, 3.1, 2.4,
    1.6, 0.8,
];

/// Relative activity of the scam compounds and their mules by local hour: they work late.
pub const HOURLY_SCAM: [f64; 24] = [
    1.5, 1.2, 0.8, 0.5, 0.3, 0.3, 0.5, 0.8, 1.2, 1.5, 1.8, 2.0, 2.0, 2.0, 2.2, 2.3, 2.4, 2.6, 2.8, 3.0, 3.0, 2.8, 2.4,
    2.0,
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn countries_follow_the_scenario_order() {
        for (i, code) in crate::scenario::COUNTRIES.iter().enumerate() {
            assert_eq!(COUNTRIES[i].code, *code);
            assert_eq!(country_index(code), Some(i));
        }
        for country in &COUNTRIES {
            assert!(!country.banks.is_empty() && !country.wallets.is_empty() && !country.family_names.is_empty());
            assert!(country.native_share == 0.0 || !country.native_names.is_empty());
        }
    }
}
