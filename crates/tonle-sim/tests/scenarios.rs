//! Scenario files are outside input: any text gives a scenario or an error naming the field, never a panic;
//! any valid scenario simulates without a panic, in time order, with every typology's transactions labelled.

use proptest::prelude::*;
use tonle_sim::{Scenario, Simulation};

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    #[test]
    fn any_text_is_a_scenario_or_an_error(text in "\\PC{0,400}") {
        let _ = Scenario::from_toml(&text, "fuzz.toml");
    }

    #[test]
    fn mangled_presets_are_scenarios_or_errors(cut in 0usize..3000, insert in "[a-z_=\\[\\]0-9., \\n-]{0,20}") {
        let text = Scenario::preset("tiny").unwrap().to_toml();
        let cut = cut.min(text.len());
        let cut = (0..=cut).rev().find(|i| text.is_char_boundary(*i)).unwrap_or(0);
        let mangled = format!("{}{}{}", &text[..cut], insert, &text[cut..]);
        if let Err(e) = Scenario::from_toml(&mangled, "mangled.toml") {
            prop_assert!(e.to_string().starts_with("mangled.toml"), "{}", e);
        }
    }
}

/// A small scenario with random sizes, country mix and typology counts and ranges.
fn small_scenario() -> impl Strategy<Value = String> {
    (
        (400u32..1000, 5u32..20, 10u32..40, 1u32..30),
        (0.0f64..1.0, 0.0f64..1.0, 0.0f64..1.0, 0.1f64..1.0),
        proptest::collection::vec(0u32..3, 14),
        (1u32..5, 1u32..8, 0.05f64..0.95),
    )
        .prop_map(|((persons, businesses, merchants, days), (th, sg, cn, kh), counts, (low, width, share))| {
            let mut text = format!(
                "name = \"prop\"\nstart = \"2026-02-01\"\ndays = {days}\n[population]\npersons = {persons}\n\
                 businesses = {businesses}\nmerchants = {merchants}\ncountries = {{ KH = {kh}, TH = {th}, SG = {sg}, CN = {cn} }}\n"
            );
            let names = [
                "pig_butchering", "mule_network", "mule_accounts", "structuring", "fan_in", "fan_out",
                "gather_scatter", "scatter_gather", "cycle", "random", "bipartite", "stack", "dormant_reactivation",
                "casino",
            ];
            for (name, count) in names.iter().zip(&counts) {
                text += &format!("[typologies.{name}]\ncount = {count}\n");
                match *name {
                    "pig_butchering" => text += "victims = [1, 3]\n",
                    "mule_accounts" => text += "accounts = [2, 4]\nreceipts = [1, 3]\n",
                    "mule_network" => text += "victims = [3, 8]\n",
                    _ => {}
                }
                match *name {
                    "mule_network" => text += &format!("hops = [{low}, {}]\nforward_share = [{share}, {}]\n", low.min(8), (share + 0.04).min(1.0)),
                    "fan_in" | "fan_out" | "gather_scatter" | "scatter_gather" | "cycle" | "random" | "bipartite"
                    | "stack" => text += &format!("degree = [{}, {}]\n", low + 1, low + 1 + width),
                    "dormant_reactivation" => text += &format!("dormant_days = [1, {}]\nburst_days = [1, 1]\n", days.saturating_sub(5).max(1)),
                    "structuring" => text += &format!("days = [1, {width}]\ndeposits_per_day = [1, {low}]\n"),
                    _ => {}
                }
            }
            text
        })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 24, ..ProptestConfig::default() })]

    #[test]
    fn valid_scenarios_simulate(text in small_scenario(), seed in 0u64..1000) {
        let scenario = match Scenario::from_toml(&text, "prop.toml") {
            Ok(scenario) => scenario,
            Err(e) => {
                // Only the checks that depend on the drawn sizes may refuse it: dormancy against a short
                // scenario, or more scheme accounts than half the persons.
                let message = e.to_string();
                prop_assert!(message.contains("dormant_days") || message.contains("typologies:"), "{}", message);
                prop_assume!(false);
                unreachable!()
            }
        };
        let simulation = Simulation::new(&scenario, seed);
        let scenarios = simulation.scenarios();
        let mut previous = i64::MIN;
        let mut illicit = 0;
        for t in simulation {
            prop_assert!(t.tx.time.millis() >= previous);
            previous = t.tx.time.millis();
            prop_assert!(t.tx.amount.minor() > 0);
            let label = t.label.unwrap();
            if label.illicit {
                prop_assert!(label.typology.is_some() && label.scenario.is_some());
                illicit += 1;
            }
        }
        let planned = scenarios.iter().filter(|s| s.illicit).count();
        prop_assert!(planned == 0 || illicit > 0);
    }
}
