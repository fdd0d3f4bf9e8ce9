//! The money-flow graph: a temporal directed multigraph of accounts, updated per transaction, with laundering
//! motifs detected on each new edge, graph features for rules and models, and follow-the-money tracing.

pub mod trace;
