//! ISO 20022 credit transfers: pacs.008 (FI to FI customer credit transfer, versions .001.08 to .001.12) and
//! pain.001 (customer credit transfer initiation, versions .001.03 to .001.12).
//!
//! The readers stream: a pull parser over a buffered file holds one `CdtTrfTxInf` at a time (plus the group
//! header and, for pain.001, the current `PmtInf`), so memory stays flat however many transactions a file has.
//! Elements are matched by local name, so namespace prefixes do not matter. The first `Document` element is
//! the message, at any depth, so an envelope (a `BusinessMessage` with an `AppHdr` beside the `Document`) is
//! fine. The `Document` namespace must be `urn:iso:std:iso:20022:tech:xsd:<message>.<version>` of a supported
//! version; anything else is a fatal error naming what was found. [`open_pacs008`] and [`open_pain001`] read
//! files; [`Iso20022Reader::new`] reads any buffered input.
//!
//! # Mapping
//!
//! `TX` is the `CdtTrfTxInf`, `PI` its `PmtInf` (pain.001); party paths are below `Dbtr` or `Cdtr`, `Acct` is
//! `DbtrAcct` or `CdtrAcct`, `Agt` is `DbtrAgt` or `CdtrAgt`. The first present, non-empty element of each list
//! is used; a present element that is bad is an error, not skipped.
//!
//! - id: `TX/PmtId/UETR` (lower-cased), else `TX/PmtId/EndToEndId` unless `NOTPROVIDED`, else `TX/PmtId/TxId`, else
//!   `TX/PmtId/InstrId`, else `<GrpHdr/MsgId>/<n>` (`n`: the transaction's 1-based number in the message);
//! - time (pacs.008): `TX/AccptncDtTm`, else `TX/IntrBkSttlmDt`, else `GrpHdr/IntrBkSttlmDt` (dates at midnight UTC),
//!   else `GrpHdr/CreDtTm`;
//! - time (pain.001): `PI/ReqdExctnDt/DtTm`, else `PI/ReqdExctnDt/Dt` (or `PI/ReqdExctnDt` itself up to .07; midnight
//!   UTC), else `GrpHdr/CreDtTm`;
//! - amount (pacs.008): `TX/InstdAmt` (what the debtor instructed) when present, else `TX/IntrBkSttlmAmt`;
//! - received (pacs.008): `TX/IntrBkSttlmAmt` when `InstdAmt` is present and differs from it in currency or value (a
//!   cross-currency payment, or charges taken before settlement); else none;
//! - amount (pain.001): `TX/Amt/InstdAmt`, else `TX/Amt/EqvtAmt/Amt`; received is none;
//! - debtor: `TX/Dbtr`, `TX/DbtrAcct`, `TX/DbtrAgt` (pacs.008); `PI/Dbtr`, `PI/DbtrAcct`, `PI/DbtrAgt` (pain.001);
//! - creditor: `TX/Cdtr`, `TX/CdtrAcct`, `TX/CdtrAgt`;
//! - account (required): `Acct/Id/IBAN`, else `Acct/Id/Othr/Id`, else `Acct/Prxy/Id`, as written;
//! - institution: `Agt/FinInstnId/BICFI` (`BIC` in pain.001.001.03), else `Agt/FinInstnId/ClrSysMmbId/MmbId`;
//! - party: `Id/PrvtId/Othr/Id`, else `Id/OrgId/AnyBIC` (`BICOrBEI`), else `Id/OrgId/LEI`, else `Id/OrgId/Othr/Id` (the
//!   first `Othr` of each);
//! - name: `Nm`;
//! - country: `PstlAdr/Ctry`, else `CtryOfRes`;
//! - phone: `CtctDtls/MobNb`, else `CtctDtls/PhneNb`, else the account's `Prxy/Id` when `Prxy/Tp/Cd` is `TELE` or
//!   `MBNO`; normalised (`+855-12345678` becomes `+85512345678`);
//! - purpose: `TX/Purp/Cd`, else `TX/Purp/Prtry`;
//! - reference: `TX/RmtInf/Ustrd` (all lines, joined with one space), else `TX/RmtInf/Strd/CdtrRefInf/Ref`, else
//!   `TX/RmtInf/Strd/RfrdDocInf/Nb` (the first `Strd` that has one);
//! - channel: instant when a `PmtTpInf` (of the group header, the `PmtInf` or the transaction) has `SvcLvl` or
//!   `LclInstrm` `Cd` or `Prtry` `INST`; else bank transfer;
//! - device, ip: none;
//! - label: none: payment messages carry no ground truth.
//!
//! Times: a date-time with an offset or `Z` is converted to UTC; one **without an offset is read as UTC**
//! (ISO 20022 leaves it to the local time of the sender, which the message does not say). Digits below the
//! millisecond are dropped. Amounts are non-negative decimals with a point (`1250.50`), exact to the minor
//! unit of their `Ccy` (more non-zero decimals than the currency has is an error).
//!
//! # Errors
//!
//! A transaction that cannot be mapped (bad amount such as `12,50`, missing or unknown `Ccy`, no creditor
//! account, bad country or phone, bad time) is a record error: its location has the XML path of the element
//! (`/Document/FIToFICstmrCdtTrf/CdtTrfTxInf[2]/IntrBkSttlmAmt`, or `.../PmtInf[1]/CdtTrfTxInf[2]/...` for
//! pain.001; paths start at the root element, so inside an envelope they begin `/BusinessMessage/Document`),
//! the line where the element starts and the element name as field (`Ccy` for a missing or unknown currency;
//! for a missing element, the path and name it would have and the line of the `CdtTrfTxInf`). The reader then
//! goes on with the next transaction. Debtor problems of a pain.001 `PmtInf` are reported for each of its
//! transactions. Malformed XML (cut off, mismatched tags) is fatal, with the line and path where it was found;
//! the transactions before it have already been yielded. Input is read as UTF-8.

mod fields;
mod map;
mod stream;
mod xml;

use std::fmt;
use std::io::BufReader;
use std::ops::RangeInclusive;
use std::path::Path;

pub use stream::Iso20022Reader;

use crate::error::ReadError;
use crate::reader::{open_input, ReadOptions, Records};

/// The prefix of every ISO 20022 message namespace.
const NAMESPACE_PREFIX: &str = "urn:iso:std:iso:20022:tech:xsd:";

/// The ISO 20022 messages tonle reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Message {
    /// pacs.008.001.08 to .12, FI to FI customer credit transfer (`FIToFICstmrCdtTrf`).
    Pacs008,
    /// pain.001.001.03 to .12, customer credit transfer initiation (`CstmrCdtTrfInitn`).
    Pain001,
}

impl Message {
    /// The message identifier: `pacs.008` or `pain.001`.
    pub fn name(&self) -> &'static str {
        match self {
            Message::Pacs008 => "pacs.008",
            Message::Pain001 => "pain.001",
        }
    }

    /// The element under `Document` that holds the message.
    pub fn root(&self) -> &'static str {
        match self {
            Message::Pacs008 => "FIToFICstmrCdtTrf",
            Message::Pain001 => "CstmrCdtTrfInitn",
        }
    }

    /// The versions read.
    pub fn versions(&self) -> RangeInclusive<u8> {
        match self {
            Message::Pacs008 => 8..=12,
            Message::Pain001 => 3..=12,
        }
    }

    /// The version a `Document` namespace names, if it is a supported version of this message.
    pub fn check_namespace(&self, namespace: Option<&str>) -> Result<u8, String> {
        let supported = format!(
            "{NAMESPACE_PREFIX}{name}.001.{first:02} to .{last:02}",
            name = self.name(),
            first = self.versions().start(),
            last = self.versions().end()
        );
        let Some(namespace) = namespace else {
            return Err(format!("the Document has no namespace; expected {supported}"));
        };
        let parsed = namespace.strip_prefix(NAMESPACE_PREFIX).and_then(|id| {
            let (message, version) = id.rsplit_once('.')?;
            let number = version.parse::<u8>().ok().filter(|_| version.len() == 2)?;
            Some((id, message, number))
        });
        let Some((id, message, version)) = parsed else {
            return Err(format!("{namespace:?} is not an ISO 20022 message namespace; expected {supported}"));
        };
        if message != format!("{}.001", self.name()) {
            return Err(format!("this is a {id} message, not {}; expected {supported}", self.name()));
        }
        if !self.versions().contains(&version) {
            return Err(format!("{id} is not a supported version; expected {supported}"));
        }
        Ok(version)
    }
}

impl fmt::Display for Message {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// Opens a pacs.008 file (versions .001.08 to .001.12).
pub fn open_pacs008(path: &Path) -> Result<Records, ReadError> {
    open_message(path, Message::Pacs008, &ReadOptions::default())
}

/// Opens a pain.001 file (versions .001.03 to .001.12).
pub fn open_pain001(path: &Path) -> Result<Records, ReadError> {
    open_message(path, Message::Pain001, &ReadOptions::default())
}

/// Opens a file of either message, with reading options (a byte counter for progress).
pub fn open_message(path: &Path, message: Message, options: &ReadOptions) -> Result<Records, ReadError> {
    let (name, file) = open_input(path, options)?;
    Ok(Box::new(Iso20022Reader::new(name, BufReader::with_capacity(1 << 16, file), message)?))
}
