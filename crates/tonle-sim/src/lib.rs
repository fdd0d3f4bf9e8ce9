//! tonle-sim: labelled scam and money-laundering traffic for South-East Asia.
//!
//! A [`Scenario`] (TOML, or a preset: `tiny`, `demo`, `large`) describes a population of persons, businesses
//! and merchants in Cambodia, Thailand, Vietnam, Malaysia, Singapore and China, with their banks, wallet
//! providers, crypto exchanges and casinos, and the typologies to inject. A [`Simulation`] lives that
//! population's ordinary life day by day (salaries, QR payments, bills, rent, remittances, cash, business
//! payments, in US dollars and riel side by side) and merges in the planned schemes: pig butchering, mule
//! networks, batches of mule accounts, structuring, IBM AMLworld's eight patterns, dormant reactivation,
//! casino laundering, and legitimate look-alikes (payroll, salary passed straight to rent, family cycles).
//!
//! Every transaction carries its ground truth (illicit or not, typology, scenario id) and every account its
//! role (victim, mule, scammer, cash-out, launderer, normal). The same scenario and seed give identical output
//! on every machine: see [`rng`].

pub mod event;
pub mod fx;
mod life;
pub mod population;
pub mod region;
pub mod rng;
pub mod scenario;
mod simulation;
mod typologies;
pub mod world;

pub use scenario::{Scenario, ScenarioError};
pub use simulation::{ScenarioSummary, Simulation};
