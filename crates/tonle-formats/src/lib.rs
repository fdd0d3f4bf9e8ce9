//! Readers and writers for the transaction formats tonle's users hold.
//!
//! Every reader streams: it holds one record (or one XML transaction) at a time, so memory stays flat over files
//! of tens of millions of rows. Every reader yields `Result<LabelledTransaction, ReadError>`; an error names the
//! file, the line or XML path and the field, and a reader goes on after a bad record (see [`ReadError`]).
//!
//! | format | module | read | write |
//! |---|---|---|---|
//! | native CSV, JSON Lines, Parquet (docs/formats.md) | [`native`], [`parquet`] | yes | yes |
//! | IBM AMLworld (`*_Trans.csv` + `*_Patterns.txt`) | [`amlworld`] | yes | yes (lossy, [`amlworld::AmlWorldWriter`]) |
//! | IBM AMLSim (`transactions.csv` + `alert_accounts.csv` + `accounts.csv`) | [`amlsim`] | yes | |
//! | PaySim (Kaggle log and PaySim 2 `rawLog.csv`) | [`paysim`] | yes | |
//! | ISO 20022 pacs.008 and pain.001 | [`iso20022`] | yes | |
//! | exchange rates (`date,from,to,rate`) | [`fx`] | yes | |
//! | account ground truth (`account,institution,...,role,scenarios`) | [`accounts`] | yes | yes |

pub mod accounts;
pub mod amlsim;
pub mod amlworld;
mod civil;
mod delimited;
pub mod error;
pub mod fx;
pub mod iso20022;
pub mod native;
pub mod parquet;
pub mod paysim;
pub mod reader;
pub mod writer;

pub use error::{Location, ReadError, WriteError};
pub use fx::read_fx_table;
pub use reader::{open_reader, InputFormat, ReadOptions, Records};
pub use writer::{create_writer, OutputFormat, RecordWriter};
