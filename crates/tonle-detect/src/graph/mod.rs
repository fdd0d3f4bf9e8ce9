//! The money-flow graph: a temporal directed multigraph of accounts, updated per transaction, with laundering
//! motifs detected on each new edge, graph features for rules and models, and follow-the-money tracing.
//!
//! - [`temporal`]: the multigraph: each node's edges in event-time order, a bounded horizon, measured memory.
//! - [`motifs`]: the detectors run on each new edge (fan-in and fan-out, gather-scatter, scatter-gather,
//!   temporal cycles, mule chains, rings of shared identifiers, bipartite and stacked layers), each giving a
//!   count for rules and the transaction ids of what it found.
//! - [`rings`]: accounts sharing a device, IP address or phone number.
//! - [`hashed`]: the table the rings keep their identifiers in, whose slots can be loaded ahead of a lookup.
//! - [`config`]: the parameters, a rule file's `[graph]` table.
//! - [`trace`]: follow-the-money tracing over a ledger of transactions, FIFO or haircut, forward or backward.

pub mod config;
pub mod hashed;
pub mod motifs;
pub mod rings;
pub mod temporal;
pub mod trace;

pub use config::GraphConfig;
pub use motifs::{ip_text, GraphFacts, IdentifierKeys, MoneyGraph, Motif, NewEdge, MOTIFS};
pub use temporal::{GraphMemory, Keyed, Lists, TemporalGraph, NO_HINT};
