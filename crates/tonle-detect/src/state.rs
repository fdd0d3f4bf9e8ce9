//! An engine's snapshot: what it has learnt from the transactions it decided (the feature store's entities
//! and windows, the money-flow graph and its rings), apart from what it was built from (rules, rates,
//! windows, model). Serialised with serde in any format; restored into an engine built the same way, it
//! decides the following transactions exactly as the engine it was taken from would have.

use serde::{Deserialize, Serialize};

use crate::engine::Engine;
use crate::features::FeatureStore;
use crate::graph::rings::Rings;
use crate::graph::TemporalGraph;

/// The layout of [`EngineState`]; a snapshot of another layout is refused.
pub const STATE_VERSION: u32 = 3;

/// A borrowed view of an engine's state, to serialise ([`Engine::state`]). Serialises exactly as the
/// [`EngineState`] it deserialises into.
#[derive(Serialize)]
pub struct EngineStateRef<'a> {
    version: u32,
    features: &'a FeatureStore,
    graph: Option<(&'a TemporalGraph, &'a Rings)>,
}

/// An engine's state, deserialised, to restore ([`Engine::restore`]); or copied ([`Engine::state_copy`]), to
/// serialise on another thread while the engine goes on deciding.
#[derive(Clone, Serialize, Deserialize)]
pub struct EngineState {
    version: u32,
    features: FeatureStore,
    graph: Option<(TemporalGraph, Rings)>,
}

/// Why a state cannot be restored into an engine.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum StateError {
    /// Written by another version of tonle.
    #[error("the snapshot has layout {found}; this build reads layout {STATE_VERSION}")]
    Version {
        /// The snapshot's layout.
        found: u32,
    },
    /// Taken from an engine built otherwise (other windows, rules reading other features, another graph).
    #[error("the snapshot was taken from an engine built otherwise: {0}")]
    Mismatch(String),
}

impl Engine {
    /// Its state now, to serialise as a snapshot.
    pub fn state(&self) -> EngineStateRef<'_> {
        EngineStateRef {
            version: STATE_VERSION,
            features: self.feature_store(),
            graph: self.money_graph().map(|graph| graph.state()),
        }
    }

    /// A copy of its state now, which serialises exactly as [`Engine::state`] does: the engine is held only
    /// while it is copied, not while it is encoded.
    pub fn state_copy(&self) -> EngineState {
        EngineState {
            version: STATE_VERSION,
            features: self.feature_store().clone(),
            graph: self.money_graph().map(|graph| {
                let (temporal, rings) = graph.state();
                (temporal.clone(), rings.clone())
            }),
        }
    }

    /// Replaces its state with a snapshot's. The snapshot must come from an engine with the same windows, the
    /// same tracked features and the same graph; otherwise nothing changes and the error says what differs.
    pub fn restore(&mut self, state: EngineState) -> Result<(), StateError> {
        if state.version != STATE_VERSION {
            return Err(StateError::Version { found: state.version });
        }
        self.feature_store().check_same_shape(&state.features).map_err(StateError::Mismatch)?;
        match (self.money_graph(), &state.graph) {
            (None, None) => {}
            (Some(graph), Some((temporal, rings))) => {
                graph.check_state(temporal, rings).map_err(StateError::Mismatch)?
            }
            (None, Some(_)) => {
                return Err(StateError::Mismatch("it holds a money-flow graph; this engine has none".into()))
            }
            (Some(_), None) => {
                return Err(StateError::Mismatch("it holds no money-flow graph; this engine has one".into()))
            }
        }
        self.replace_state(state.features, state.graph);
        Ok(())
    }
}
