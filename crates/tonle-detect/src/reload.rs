//! Hot reload: hand a running [`Engine`](crate::engine::Engine) a new rule set from another thread (a
//! server's admin endpoint, a file watcher) while it decides a stream.
//!
//! - **Compiled by the publisher.** [`Reloader::publish`] parses and type-checks the file against the
//!   engine's schema of variables in the caller's thread. A file that does not compile, or whose rules read
//!   an entity role the engine does not track, is refused with its error (naming the file and the rule) and
//!   the running set keeps deciding.
//! - **Taken between two decisions.** A compiled set is parked in a slot and a flag is raised. At the start
//!   of each [`Engine::decide`](crate::engine::Engine::decide) the engine reads the flag (one atomic load);
//!   when it is up, the engine takes the parked set before it touches the transaction. So no transaction is
//!   dropped or decided twice, each decision is taken entirely by one set, and
//!   [`Engine::ruleset_version`](crate::engine::Engine::ruleset_version), read after `decide`, names the set
//!   that took it. Versions change at one transaction and never go back. If two sets are published before
//!   the engine's next decision, the later one wins and the earlier one decides nothing.
//! - **State carries over.** Only the rules change: the window state, the exchange rates and the schema are
//!   the engine's own, so the new set's first decision sees the same history the old set's last one did.
//! - **Roles.** The engine keeps history only for the entity roles it tracks, chosen when it is created
//!   ([`Engine::new`](crate::engine::Engine::new): those its rules read;
//!   [`Engine::with_tracked_roles`](crate::engine::Engine::with_tracked_roles): those and more). A new set
//!   whose rules read another role is refused ([`EngineError::UntrackedRole`]): that role has no history, so
//!   its features would read as never seen. To allow future rules on, say, devices, create the engine
//!   tracking them. Likewise the engine keeps only the windows' largest amounts its rules read (or those
//!   named at creation); a set reading another is refused ([`EngineError::UntrackedMaximum`]).

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};

use crate::engine::{compile_rules, EngineError, Pins, Tracked};
use crate::rules::ruleset::RuleSet;
use crate::variables::Variables;

/// What an engine and its reloaders share.
pub(crate) struct Shared {
    /// Raised when a set is parked in [`State::next`]; the engine's only per-transaction check.
    pub(crate) pending: AtomicBool,
    state: Mutex<State>,
    /// The engine's variables: the schema new sets compile against.
    variables: Arc<Variables>,
    /// What the engine tracks.
    tracked: Tracked,
    /// What new sets must agree with.
    pins: Pins,
    /// Whether the engine screens its parties: new sets may read `screen.*` only then.
    screening: AtomicBool,
}

struct State {
    /// The set published last and not yet taken.
    next: Option<Arc<RuleSet>>,
    /// The set deciding now.
    active: Arc<RuleSet>,
}

impl Shared {
    pub(crate) fn new(variables: Arc<Variables>, tracked: Tracked, pins: Pins, active: Arc<RuleSet>) -> Shared {
        Shared {
            pending: AtomicBool::new(false),
            state: Mutex::new(State { next: None, active }),
            variables,
            tracked,
            pins,
            screening: AtomicBool::new(false),
        }
    }

    /// Records whether the engine screens its parties.
    pub(crate) fn set_screening(&self, on: bool) {
        self.screening.store(on, Ordering::Release);
    }

    /// What new sets must agree with now.
    fn pins(&self) -> Pins {
        Pins { screening: self.screening.load(Ordering::Acquire), ..self.pins.clone() }
    }

    /// The state; a publisher that panicked while holding the lock left it consistent (every update is a
    /// single assignment), so a poisoned lock is used as is.
    fn lock(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// What the engine tracks.
    pub(crate) fn tracked(&self) -> Tracked {
        self.tracked
    }

    /// The parked set, if any, which becomes the active one; lowers the flag.
    pub(crate) fn take(&self) -> Option<Arc<RuleSet>> {
        let mut state = self.lock();
        let next = state.next.take();
        if let Some(set) = &next {
            state.active = Arc::clone(set);
        }
        self.pending.store(false, Ordering::Release);
        next
    }
}

/// A handle that publishes new rule sets to one engine; cheap to clone and to send to other threads.
#[derive(Clone)]
pub struct Reloader {
    shared: Arc<Shared>,
}

impl Reloader {
    pub(crate) fn new(shared: Arc<Shared>) -> Reloader {
        Reloader { shared }
    }

    /// Compiles a rule file (TOML text; `origin` names it in errors) against the engine's schema, in this
    /// thread, and parks it for the engine to take before its next decision. Returns the new set's version.
    /// A file that does not compile, or that reads a role the engine does not track, is refused and the
    /// running set keeps deciding.
    pub fn publish(&self, text: &str, origin: &str) -> Result<String, EngineError> {
        let set = compile_rules(text, origin, &self.shared.variables, &self.shared.tracked, &self.shared.pins())?;
        let version = set.version.to_string();
        let mut state = self.shared.lock();
        state.next = Some(Arc::new(set));
        self.shared.pending.store(true, Ordering::Release);
        Ok(version)
    }

    /// Compiles a rule file as [`Reloader::publish`] would and returns its version, without publishing it:
    /// whether this engine could take it.
    pub fn check(&self, text: &str, origin: &str) -> Result<String, EngineError> {
        let set = compile_rules(text, origin, &self.shared.variables, &self.shared.tracked, &self.shared.pins())?;
        Ok(set.version.to_string())
    }

    /// The version of the set deciding now: the one the engine took last (a published set counts once the
    /// engine has begun a decision with it).
    pub fn active_version(&self) -> String {
        self.shared.lock().active.version.to_string()
    }

    /// Whether a published set is waiting for the engine's next decision.
    pub fn pending(&self) -> bool {
        self.shared.pending.load(Ordering::Acquire)
    }

    /// The roles the engine tracks (slot order of [`crate::features::Role::ALL`]): new sets may read these.
    pub fn tracked_roles(&self) -> [bool; 7] {
        self.shared.tracked().roles
    }
}

impl std::fmt::Debug for Reloader {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Reloader").field("tracked", &self.shared.tracked).finish_non_exhaustive()
    }
}
