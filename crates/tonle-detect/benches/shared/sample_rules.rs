//! Twenty representative rules over thirty fields and features, with their enum domains: shared by
//! tests/expr.rs (which checks them against the same rules written in Rust) and benches/expr.rs.

/// The variables of the sample rules: fields and features.
pub const SAMPLE_VARS: [(&str, &str); 30] = [
    ("amount_usd", "money"),
    ("amount", "money"),
    ("currency", "currency"),
    ("channel", "channel"),
    ("debtor_country", "country"),
    ("creditor_country", "country"),
    ("purpose", "purpose"),
    ("hour", "integer"),
    ("is_cross_border", "bool"),
    ("debtor.out.count_1h", "integer"),
    ("debtor.out.sum_1h", "money"),
    ("debtor.out.count_24h", "integer"),
    ("debtor.out.sum_24h", "money"),
    ("debtor.out.sum_10m", "money"),
    ("debtor.out.distinct_24h", "integer"),
    ("debtor.in.sum_10m", "money"),
    ("debtor.in.sum_1h", "money"),
    ("debtor.in.count_24h", "integer"),
    ("debtor.in.sum_24h", "money"),
    ("debtor.since_last_days", "number"),
    ("debtor.avg_amount_30d", "money"),
    ("debtor.account_age_days", "number"),
    ("debtor.new_device", "bool"),
    ("debtor.watchlist_hit", "bool"),
    ("creditor.in.count_1h", "integer"),
    ("creditor.in.sum_1h", "money"),
    ("creditor.in.distinct_24h", "integer"),
    ("creditor.new_counterparty", "bool"),
    ("creditor.account_age_days", "number"),
    ("creditor.watchlist_hit", "bool"),
];

pub const COUNTRIES: [&str; 12] = ["DE", "FR", "NL", "US", "GB", "IR", "KP", "SY", "CU", "ES", "IT", "PL"];
pub const CURRENCIES: [&str; 4] = ["EUR", "USD", "GBP", "CHF"];
pub const CHANNELS: [&str; 5] = ["cash-deposit", "cash-withdrawal", "card-not-present", "sepa", "instant"];
pub const PURPOSES: [&str; 6] = ["gift", "salary", "rent", "crypto", "gambling", "invoice"];

pub const SAMPLE_RULES: [&str; 20] = [
    r#"amount_usd >= 9000.0 && amount_usd < 10000.0 && channel == "cash-deposit""#,
    r#"debtor.out.count_1h > 10 && debtor.out.sum_1h > 5000.0"#,
    r#"creditor.in.distinct_24h >= 10 && creditor.new_counterparty"#,
    r#"debtor.since_last_days > 90.0 && amount_usd > 1000.0"#,
    r#"debtor.out.sum_10m / max(debtor.in.sum_10m, 1.0) > 0.8 && debtor.in.sum_10m > 1000.0"#,
    r#"creditor_country in ["IR", "KP", "SY", "CU"]"#,
    r#"debtor_country != creditor_country && amount_usd > 5000.0 && purpose == "gift""#,
    r#"debtor.avg_amount_30d > 0.0 && amount_usd > 10.0 * debtor.avg_amount_30d"#,
    r#"debtor.account_age_days < 7.0 && amount_usd > 2000.0"#,
    r#"channel == "card-not-present" && debtor.new_device && amount_usd > 500.0"#,
    r#"hour >= 0 && hour < 5 && amount_usd > 3000.0"#,
    r#"creditor.in.count_1h > 20 && creditor.in.sum_1h < 1000.0"#,
    r#"debtor.out.distinct_24h >= 5 && debtor.out.count_24h >= 20"#,
    r#"currency != "EUR" && currency != "USD" && amount_usd > 20000.0"#,
    r#"creditor.watchlist_hit || debtor.watchlist_hit"#,
    r#"abs(amount_usd - 10000.0) < 500.0 && channel in ["cash-deposit", "cash-withdrawal"]"#,
    r#"(debtor.in.sum_24h > 10000.0 || debtor.out.sum_24h > 10000.0) && debtor.account_age_days < 30.0"#,
    r#"is_cross_border && purpose in ["crypto", "gambling"] && amount_usd > 1000.0"#,
    r#"!creditor.new_counterparty && creditor.account_age_days < 2.0 && amount_usd > 9000.0"#,
    r#"min(debtor.out.sum_1h, debtor.in.sum_1h) > 5000.0 && debtor.out.count_1h >= 3"#,
];
