//! Labelled transactions gathered for [`Engine::decide_batch_inspecting`]: the batch that `tonle backtest` and
//! the commands reading features (`features`, `train`, `evaluate`) fill as they read, each decision handed on
//! with its transaction's label, and the first transaction an engine refuses turned into the command's error.

use anyhow::Result;
use tonle_core::{Label, LabelledTransaction, Transaction};
use tonle_detect::engine::Engine;
use tonle_detect::rules::decide::Outcome;

/// Transactions waiting to be decided, and their labels.
#[derive(Default)]
pub(crate) struct LabelledBatch {
    txs: Vec<Transaction>,
    labels: Vec<Option<Label>>,
}

impl LabelledBatch {
    /// Adds a record; true once the batch holds [`crate::score::BATCH`] transactions (time to decide it).
    pub(crate) fn push(&mut self, record: LabelledTransaction) -> bool {
        self.txs.push(record.tx);
        self.labels.push(record.label);
        self.txs.len() >= crate::score::BATCH
    }

    /// Decides the batch with `engine`, handing `each` every outcome with its transaction, its label and the
    /// engine as it stands right after that decision. The first transaction the engine refuses is the error,
    /// with `context` naming it; `each` sees no outcome after it. The batch is kept (for another engine).
    pub(crate) fn decide(
        &self,
        engine: &mut Engine,
        context: impl Fn(&Transaction) -> String,
        mut each: impl FnMut(&Transaction, Option<&Label>, &Outcome, &Engine),
    ) -> Result<()> {
        let mut refused: Option<anyhow::Error> = None;
        engine.decide_batch_inspecting(&self.txs, |i, result, engine| {
            if refused.is_some() {
                return;
            }
            match result {
                Ok(outcome) => each(&self.txs[i], self.labels[i].as_ref(), &outcome, engine),
                Err(error) => refused = Some(anyhow::Error::from(error).context(context(&self.txs[i]))),
            }
        });
        refused.map_or(Ok(()), Err)
    }

    /// Empties the batch.
    pub(crate) fn clear(&mut self) {
        self.txs.clear();
        self.labels.clear();
    }
}
