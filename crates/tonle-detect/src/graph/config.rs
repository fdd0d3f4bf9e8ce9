//! The graph's parameters: a rule file's `[graph]` table, every key optional.
//!
//! ```toml
//! [graph]
//! horizon = "10d"            # edges older than this (behind the latest event) are dropped
//! fan_window = "3d"          # fan-in, fan-out and gather-scatter count counterparties over this window
//! scatter_gather_window = "10d"
//! cycle_window = "10d"       # a cycle's edges all fall within this window, times rising along it
//! cycle_max_length = 10      # edges in the longest cycle looked for (2 to 16)
//! chain_hop = "2h"           # a mule passes money on within this time of receiving it
//! chain_share = 0.7          # ... and passes on at least this share of it (0 to 1)
//! chain_tolerance = 1.05     # ... and at most this multiple of it (fees and rounding)
//! ring_window = "30d"        # accounts sharing a device, IP address or phone number within this window
//! layer_window = "10d"       # bipartite and stack layers
//! hub_degree = 20            # accounts with more counterparties than this in a window (merchants, payroll)
//!                            # are not searched through by the layered and cycle detectors (2 to 128)
//! search_budget = 1024       # adjacency entries one detector's search may read per transaction
//! evidence_limit = 32        # transactions kept as evidence per detection
//! nodes = "accounts"         # or "parties": a customer's accounts are one node (accounts without a party
//!                            # stay nodes of their own)
//! ```
//!
//! Durations are written as in rules: a number and a unit `s`, `m`, `h` or `d`.

use serde::de::Error as _;
use serde::{Deserialize, Deserializer};

const MINUTE: i64 = 60_000;
const HOUR: i64 = 60 * MINUTE;
const DAY: i64 = 24 * HOUR;

/// The graph's horizon and the detectors' parameters; times in milliseconds.
#[derive(Debug, Clone, Copy, PartialEq, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct GraphConfig {
    /// Edges older than this behind the latest event time are dropped; every window must fit in it.
    #[serde(deserialize_with = "duration")]
    pub horizon: i64,
    /// Window of fan-in, fan-out and gather-scatter.
    #[serde(deserialize_with = "duration")]
    pub fan_window: i64,
    /// Window of scatter-gather.
    #[serde(deserialize_with = "duration")]
    pub scatter_gather_window: i64,
    /// Window of temporal cycles.
    #[serde(deserialize_with = "duration")]
    pub cycle_window: i64,
    /// Edges in the longest cycle looked for.
    pub cycle_max_length: u32,
    /// A mule chain's hop: money passed on within this time of its receipt.
    #[serde(deserialize_with = "duration")]
    pub chain_hop: i64,
    /// A mule chain's hop passes on at least this share of what came in.
    pub chain_share: f64,
    /// ... and at most this multiple of it.
    pub chain_tolerance: f64,
    /// Window of shared devices, IP addresses and phone numbers.
    #[serde(deserialize_with = "duration")]
    pub ring_window: i64,
    /// Window of bipartite and stack layers.
    #[serde(deserialize_with = "duration")]
    pub layer_window: i64,
    /// Accounts with more distinct counterparties than this within a window are hubs (merchants, payroll):
    /// the layered and cycle detectors do not search through them.
    pub hub_degree: u32,
    /// Adjacency entries one transaction's searches may read (a bound on the time any one transaction takes).
    pub search_budget: u32,
    /// Transactions kept as evidence per detection.
    pub evidence_limit: u32,
    /// What a node is: an account, or the party (customer) behind it when the transaction names one.
    pub nodes: Nodes,
}

/// What the graph's nodes are.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Nodes {
    /// One node per account.
    #[default]
    Accounts,
    /// One node per party (customer or legal entity), its accounts merged; an account whose transaction
    /// names no party is a node of its own.
    Parties,
}

impl Default for GraphConfig {
    fn default() -> Self {
        GraphConfig {
            horizon: 10 * DAY,
            fan_window: 3 * DAY,
            scatter_gather_window: 10 * DAY,
            cycle_window: 10 * DAY,
            cycle_max_length: 10,
            chain_hop: 2 * HOUR,
            chain_share: 0.7,
            chain_tolerance: 1.05,
            ring_window: 10 * DAY,
            layer_window: 10 * DAY,
            hub_degree: 20,
            search_budget: 1024,
            evidence_limit: 32,
            nodes: Nodes::Accounts,
        }
    }
}

impl GraphConfig {
    /// Checks the values against each other; the message names the key.
    pub fn check(&self) -> Result<(), String> {
        let windows = [
            ("fan_window", self.fan_window),
            ("scatter_gather_window", self.scatter_gather_window),
            ("cycle_window", self.cycle_window),
            ("chain_hop", self.chain_hop),
            ("ring_window", self.ring_window),
            ("layer_window", self.layer_window),
        ];
        if self.horizon <= 0 {
            return Err("graph.horizon must be positive".into());
        }
        for (name, window) in windows {
            if window <= 0 {
                return Err(format!("graph.{name} must be positive"));
            }
            if window > self.horizon {
                return Err(format!(
                    "graph.{name} is longer than graph.horizon: the graph would have forgotten edges it needs"
                ));
            }
        }
        if !(2..=16).contains(&self.cycle_max_length) {
            return Err(format!("graph.cycle_max_length is {}, not between 2 and 16", self.cycle_max_length));
        }
        if !(self.chain_share > 0.0 && self.chain_share <= 1.0) {
            return Err(format!("graph.chain_share is {}, not in (0, 1]", self.chain_share));
        }
        if !(self.chain_tolerance >= 1.0 && self.chain_tolerance.is_finite()) {
            return Err(format!("graph.chain_tolerance is {}, not at least 1", self.chain_tolerance));
        }
        if !(2..=128).contains(&self.hub_degree) {
            return Err(format!("graph.hub_degree is {}, not between 2 and 128", self.hub_degree));
        }
        if self.search_budget == 0 || self.evidence_limit == 0 {
            return Err("graph.search_budget and graph.evidence_limit must be positive".into());
        }
        Ok(())
    }
}

/// Parses a duration written as in rules (`90s`, `10m`, `2h`, `7d`, `1.5h`) into milliseconds.
pub fn parse_duration(text: &str) -> Result<i64, String> {
    let text = text.trim();
    let split = text.find(|c: char| c.is_ascii_alphabetic()).unwrap_or(text.len());
    let (number, unit) = text.split_at(split);
    let unit_ms = match unit {
        "s" => 1_000.0,
        "m" => MINUTE as f64,
        "h" => HOUR as f64,
        "d" => DAY as f64,
        _ => return Err(format!("{text:?} is not a duration: write a number and a unit s, m, h or d (\"10m\")")),
    };
    match number.replace('_', "").parse::<f64>() {
        Ok(x) if x.is_finite() && x >= 0.0 && x * unit_ms < i64::MAX as f64 => Ok((x * unit_ms).round() as i64),
        _ => Err(format!("{text:?} is not a duration: write a number and a unit s, m, h or d (\"10m\")")),
    }
}

fn duration<'de, D: Deserializer<'de>>(d: D) -> Result<i64, D::Error> {
    let text = String::deserialize(d)?;
    parse_duration(&text).map_err(D::Error::custom)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_read_as_in_rules() {
        assert_eq!(parse_duration("10m"), Ok(600_000));
        assert_eq!(parse_duration("1.5h"), Ok(5_400_000));
        assert_eq!(parse_duration("7d"), Ok(7 * DAY));
        assert!(parse_duration("7").unwrap_err().contains("unit"));
        assert!(parse_duration("-1d").is_err());
        assert!(parse_duration("5w").is_err());
    }

    #[test]
    fn tables_parse_and_are_checked() {
        let config: GraphConfig =
            toml::from_str("horizon = \"20d\"\ncycle_max_length = 6\nchain_hop = \"30m\"").unwrap();
        assert_eq!((config.horizon, config.cycle_max_length, config.chain_hop), (20 * DAY, 6, 30 * MINUTE));
        assert_eq!(config.fan_window, GraphConfig::default().fan_window);
        assert!(config.check().is_ok());
        let long: GraphConfig = toml::from_str("horizon = \"1d\"").unwrap();
        assert!(long.check().unwrap_err().contains("longer than graph.horizon"));
        let error = toml::from_str::<GraphConfig>("fan_window = \"3 days\"").unwrap_err().to_string();
        assert!(error.contains("not a duration"), "{error}");
        assert!(toml::from_str::<GraphConfig>("fan_windw = \"3d\"").is_err());
        let parties: GraphConfig = toml::from_str("nodes = \"parties\"").unwrap();
        assert_eq!(parties.nodes, Nodes::Parties);
        assert!(toml::from_str::<GraphConfig>("nodes = \"people\"").is_err());
    }
}
