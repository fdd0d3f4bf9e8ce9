//! A tenant's snapshot: the pipeline's memory (the transaction ids logged, the accounts' recent
//! transactions) and the engine's state, encoded with postcard, and the fingerprint of what that state was
//! computed with. A restart restores it and replays only the log after it; a snapshot whose fingerprint
//! differs (other rules, rates, windows or model) is ignored and the whole log replayed.

use anyhow::Context;
use compact_str::CompactString;
use rustc_hash::{FxHashMap, FxHashSet};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use tonle_detect::engine::Engine;
use tonle_detect::state::{EngineState, STATE_VERSION};

use crate::pipeline::AccountMemory;
use crate::EngineSetup;

/// The layout of the pipeline's part; the engine's has its own ([`STATE_VERSION`]).
const LAYOUT: u32 = 2;

#[derive(Serialize)]
struct MemoryRef<'a> {
    layout: u32,
    seen: &'a FxHashSet<CompactString>,
    accounts: &'a FxHashMap<CompactString, AccountMemory>,
}

#[derive(Deserialize)]
struct Memory {
    /// Checked before the whole is decoded.
    _layout: u32,
    seen: FxHashSet<CompactString>,
    accounts: FxHashMap<CompactString, AccountMemory>,
}

/// The pipeline's memory restored from a snapshot.
pub(crate) struct Restored {
    pub seen: FxHashSet<CompactString>,
    pub accounts: FxHashMap<CompactString, AccountMemory>,
}

/// A copy of the pipeline's memory and the engine's state, taken on the decision thread and encoded on the
/// snapshot thread.
pub(crate) struct Copied {
    seen: FxHashSet<CompactString>,
    accounts: FxHashMap<CompactString, AccountMemory>,
    engine: EngineState,
}

/// Copies the pipeline's memory and the engine's state (the decision thread's only pause for a snapshot).
pub(crate) fn copy(
    seen: &FxHashSet<CompactString>,
    accounts: &FxHashMap<CompactString, AccountMemory>,
    engine: &Engine,
) -> Copied {
    Copied { seen: seen.clone(), accounts: accounts.clone(), engine: engine.state_copy() }
}

/// Encodes a copy, into room for `expected` bytes (the last snapshot's size and a little more: growing the
/// buffer as it fills would copy it again and again).
pub(crate) fn encode(copied: &Copied, expected: usize) -> anyhow::Result<Vec<u8>> {
    let mut bytes = Vec::with_capacity(expected + expected / 8);
    postcard::to_io(&MemoryRef { layout: LAYOUT, seen: &copied.seen, accounts: &copied.accounts }, &mut bytes)?;
    postcard::to_io(&copied.engine, &mut bytes)?;
    Ok(bytes)
}

/// Decodes a snapshot, restoring the engine's state into `engine` (built the way the snapshot's fingerprint
/// says); on error `engine` is unchanged.
pub(crate) fn decode(bytes: &[u8], engine: &mut Engine) -> anyhow::Result<Restored> {
    // The layout comes first, so that a snapshot of another layout is named as such, not as undecodable.
    let (layout, _): (u32, &[u8]) = postcard::take_from_bytes(bytes).context("decoding the pipeline's part")?;
    if layout != LAYOUT {
        anyhow::bail!("the pipeline's part has layout {layout}; this build reads layout {LAYOUT}");
    }
    let (memory, rest): (Memory, &[u8]) = postcard::take_from_bytes(bytes).context("decoding the pipeline's part")?;
    let state: EngineState = postcard::from_bytes(rest).context("decoding the engine's part")?;
    engine.restore(state)?;
    Ok(Restored { seen: memory.seen, accounts: memory.accounts })
}

/// What a tenant's state is computed with, as a digest: the snapshot layouts, the rule text (live and shadow
/// sets composed), the windows, the exchange rates and the model file.
pub(crate) fn fingerprint(setup: &EngineSetup, rules: &str) -> anyhow::Result<String> {
    let mut hash = Sha256::new();
    hash.update(format!("layouts {LAYOUT} {STATE_VERSION}\n"));
    hash.update(format!("rules {}\n", rules.len()));
    hash.update(rules);
    hash.update(format!("\nwindows {:?}\n", setup.windows));
    hash.update(format!("fx {} {:?}\n", setup.fx.base(), setup.fx.entries()));
    if let Some(path) = &setup.model {
        let model = std::fs::read(path).with_context(|| format!("reading the model {}", path.display()))?;
        hash.update(format!("model {}\n", model.len()));
        hash.update(model);
    }
    Ok(hex::encode(hash.finalize()))
}
