//! The streaming reader: find the `Document`, check its namespace and message root, then yield one transaction
//! per `CdtTrfTxInf`, holding only that transaction (and its `PmtInf` and group header) in memory.

use std::io::BufRead;
use std::sync::Arc;

use tonle_core::LabelledTransaction;

use super::fields::{GroupFields, PaymentInfoFields, Slot, TxFields};
use super::map::{self, Context, Scope};
use super::xml::{Node, XmlCursor};
use super::Message;
use crate::error::{Location, ReadError};

/// An open scope element (`PmtInf` or `CdtTrfTxInf`) and what has been kept of it.
struct Open<F> {
    /// Its depth (the root element is 1).
    depth: usize,
    /// Its path with index, e.g. `/Document/CstmrCdtTrfInitn/PmtInf[1]`.
    path: String,
    /// The line of its start tag.
    line: u64,
    /// How many `CdtTrfTxInf` it has had (for `PmtInf`).
    children: u64,
    /// What has been kept.
    fields: F,
}

impl<F: Default> Open<F> {
    fn new(depth: usize, path: &str, line: u64) -> Self {
        Open { depth, path: path.to_owned(), line, children: 0, fields: F::default() }
    }
}

/// Streams the transactions of one pacs.008 or pain.001 message.
///
/// Each item is one `CdtTrfTxInf`, or a record error naming the bad element of it (the reader goes on with the
/// next one). Malformed XML is a fatal error, after which the stream ends.
pub struct Iso20022Reader<R> {
    xml: XmlCursor<R>,
    message: Message,
    version: u8,
    /// The message root (`FIToFICstmrCdtTrf`, `CstmrCdtTrfInitn`): depth, path and line.
    root_depth: usize,
    root_path: String,
    root_line: u64,
    /// Whether the cursor is still inside the message root.
    in_root: bool,
    group: GroupFields,
    payment_info: Option<Open<PaymentInfoFields>>,
    tx: Option<Open<TxFields>>,
    /// `PmtInf` blocks started so far.
    payment_infos: u64,
    /// Transactions started so far, over the whole message.
    txs: u64,
    done: bool,
}

impl<R: BufRead> Iso20022Reader<R> {
    /// Reads up to the message root: the first `Document` element (at any depth, so an envelope around it is
    /// fine), whose namespace must be a supported version of `message`. `file` names the input in errors.
    pub fn new(file: Arc<str>, input: R, message: Message) -> Result<Self, ReadError> {
        let mut xml = XmlCursor::new(file, input);
        let (document_depth, document_line) = loop {
            match xml.next()? {
                Node::Start { line } if xml.local_name() == "Document" => break (xml.depth(), line),
                Node::Start { .. } | Node::End => {}
                Node::Eof => {
                    let message = format!("no ISO 20022 <Document> element: this is not a {} message", message.name());
                    return Err(ReadError::fatal(Location::file(xml.file()), message));
                }
            }
        };
        let version = message.check_namespace(xml.namespace().as_deref()).map_err(|text| {
            let mut error = xml.fatal(document_line, text);
            error.location.field = Some("xmlns".to_owned());
            error
        })?;
        let root_line = loop {
            match xml.next()? {
                Node::Start { line } if xml.depth() == document_depth + 1 => {
                    if xml.local_name() == message.root() {
                        break line;
                    }
                    let text = format!(
                        "expected <{}> in a {} Document, found <{}>",
                        message.root(),
                        message.name(),
                        xml.local_name()
                    );
                    return Err(xml.fatal(line, text));
                }
                Node::End if xml.depth() == document_depth => {
                    return Err(xml.fatal(xml.line(), format!("the Document has no <{}>", message.root())));
                }
                Node::Start { .. } | Node::End => {}
                Node::Eof => return Err(xml.fatal(xml.line(), "the input ends before the message")),
            }
        };
        Ok(Iso20022Reader {
            root_depth: xml.depth(),
            root_path: xml.path().to_owned(),
            root_line,
            xml,
            message,
            version,
            in_root: true,
            group: GroupFields::default(),
            payment_info: None,
            tx: None,
            payment_infos: 0,
            txs: 0,
            done: false,
        })
    }

    /// The message read.
    pub fn message(&self) -> Message {
        self.message
    }

    /// The message version, from the namespace: 8 for pacs.008.001.08, 3 for pain.001.001.03.
    pub fn version(&self) -> u8 {
        self.version
    }

    /// An element started: open a scope, or start collecting its text if it is kept.
    fn start(&mut self, line: u64) {
        if !self.in_root {
            return;
        }
        let depth = self.xml.depth();
        if self.tx.is_none() && self.xml.local_name() == "CdtTrfTxInf" {
            let index = match (self.message, &mut self.payment_info) {
                (Message::Pacs008, None) if depth == self.root_depth + 1 => Some(self.txs + 1),
                (Message::Pain001, Some(payment_info)) if depth == payment_info.depth + 1 => {
                    payment_info.children += 1;
                    Some(payment_info.children)
                }
                _ => None,
            };
            if let Some(index) = index {
                self.txs += 1;
                self.xml.index_current(index);
                self.tx = Some(Open::new(depth, self.xml.path(), line));
                return;
            }
        }
        if self.message == Message::Pain001
            && self.payment_info.is_none()
            && depth == self.root_depth + 1
            && self.xml.local_name() == "PmtInf"
        {
            self.payment_infos += 1;
            self.xml.index_current(self.payment_infos);
            self.payment_info = Some(Open::new(depth, self.xml.path(), line));
            return;
        }
        if self.slot().is_some() {
            self.xml.collect(line);
        }
    }

    /// An element ended: keep its text, and finish a transaction or a `PmtInf`.
    fn end(&mut self) -> Option<Result<LabelledTransaction, ReadError>> {
        if !self.in_root {
            return None;
        }
        if let Some(collected) = self.xml.take_collected() {
            if let Some(slot) = self.slot() {
                slot.store(collected);
            }
        }
        let depth = self.xml.depth();
        if let Some(tx) = self.tx.take_if(|tx| tx.depth == depth) {
            return Some(self.finish_tx(&tx));
        }
        if self.payment_info.as_ref().is_some_and(|payment_info| payment_info.depth == depth) {
            self.payment_info = None;
        } else if depth == self.root_depth {
            self.in_root = false;
        }
        None
    }

    /// Where the text of the current element goes, if it is kept.
    fn slot(&mut self) -> Option<Slot<'_>> {
        let path = self.xml.path();
        if let Some(tx) = &mut self.tx {
            tx.fields.slot(relative(path, &tx.path))
        } else if let Some(payment_info) = &mut self.payment_info {
            payment_info.fields.slot(relative(path, &payment_info.path))
        } else {
            self.group.slot(relative(path, &self.root_path))
        }
    }

    fn finish_tx(&self, tx: &Open<TxFields>) -> Result<LabelledTransaction, ReadError> {
        let file = self.xml.file();
        let context = Context {
            message: self.message,
            group: (&self.group, Scope { file, path: &self.root_path, line: self.root_line }),
            payment_info: self.payment_info.as_ref().map(|p| (&p.fields, Scope { file, path: &p.path, line: p.line })),
            tx: (&tx.fields, Scope { file, path: &tx.path, line: tx.line }),
            ordinal: self.txs,
        };
        map::transaction(&context)
    }
}

/// The part of `path` below the scope at `scope_path`: `Cdtr/Nm`.
fn relative<'p>(path: &'p str, scope_path: &str) -> &'p str {
    path.get(scope_path.len() + 1..).unwrap_or("")
}

impl<R: BufRead> Iterator for Iso20022Reader<R> {
    type Item = Result<LabelledTransaction, ReadError>;

    fn next(&mut self) -> Option<Self::Item> {
        while !self.done {
            match self.xml.next() {
                Ok(Node::Start { line }) => self.start(line),
                Ok(Node::End) => {
                    if let Some(result) = self.end() {
                        return Some(result);
                    }
                }
                Ok(Node::Eof) => self.done = true,
                Err(error) => {
                    self.done = true;
                    return Some(Err(error));
                }
            }
        }
        None
    }
}
