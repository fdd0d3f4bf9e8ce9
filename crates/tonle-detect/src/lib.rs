//! tonle-detect: the detection engine.
//!
//! - [`features`]: exact sliding-window features per entity (account, party, device, phone number) at several
//!   horizons at once, over event time, with bounded lateness.
//!
//! Rules, decisions, graph detectors and models build on these (see the issues that follow).

pub mod features;
