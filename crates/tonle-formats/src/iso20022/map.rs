//! From the kept elements of one `CdtTrfTxInf` (and its `PmtInf` and group header) to a transaction. The
//! mapping is documented on the [module](super).

use std::fmt::Display;
use std::sync::Arc;

use chrono::NaiveDateTime;
use tonle_core::{
    AccountId, Channel, CountryCode, Currency, EventTime, InstitutionId, LabelledTransaction, Money, Party, PartyId,
    PhoneNumber, Text, Transaction, TxId,
};

use super::fields::{Captured, GroupFields, PaymentInfoFields, SideFields, SideNames, TxFields, CREDITOR, DEBTOR};
use super::Message;
use crate::error::{Location, ReadError};

/// A scope element: where paths in its errors start.
#[derive(Debug, Clone, Copy)]
pub(super) struct Scope<'a> {
    /// The file, for errors.
    pub file: &'a Arc<str>,
    /// The element's path, e.g. `/Document/FIToFICstmrCdtTrf/CdtTrfTxInf[2]`.
    pub path: &'a str,
    /// The line of its start tag.
    pub line: u64,
}

impl Scope<'_> {
    /// A record error at `<path>/<prefix>/<rel>`; the field is the last element name unless given.
    fn error(&self, prefix: &str, rel: &str, field: Option<&str>, line: u64, message: impl Display) -> ReadError {
        let mut path = String::with_capacity(self.path.len() + prefix.len() + rel.len() + 2);
        path.push_str(self.path);
        for part in [prefix, rel] {
            if !part.is_empty() {
                path.push('/');
                path.push_str(part);
            }
        }
        let field = field.unwrap_or_else(|| path.rsplit('/').next().unwrap_or(""));
        let location = Location {
            line: Some(line),
            xml_path: Some(path.clone()),
            field: Some(field.to_owned()),
            ..Location::file(self.file)
        };
        ReadError::record(location, message)
    }

    /// The text of a kept element, or the error that spoilt it.
    fn text<'c>(&self, prefix: &str, rel: &str, captured: &'c Captured) -> Result<&'c str, ReadError> {
        match &captured.error {
            Some(message) => Err(self.error(prefix, rel, None, captured.line, message)),
            None => Ok(&captured.text),
        }
    }
}

/// Everything one transaction is built from.
pub(super) struct Context<'a> {
    /// Which message.
    pub message: Message,
    /// The group header and the message root it is under.
    pub group: (&'a GroupFields, Scope<'a>),
    /// The pain.001 payment information block and its scope.
    pub payment_info: Option<(&'a PaymentInfoFields, Scope<'a>)>,
    /// The transaction and its scope.
    pub tx: (&'a TxFields, Scope<'a>),
    /// The 1-based number of the transaction in the message, for the last-resort id.
    pub ordinal: u64,
}

/// Builds the transaction, or the record error of its first bad element.
pub(super) fn transaction(context: &Context<'_>) -> Result<LabelledTransaction, ReadError> {
    let (tx, scope) = context.tx;
    let id = id(context)?;
    let time = time(context)?;
    let (amount, received) = amounts(context)?;
    let debtor = match (context.message, context.payment_info) {
        (Message::Pain001, Some((payment_info, pmt_scope))) => party(&payment_info.debtor, DEBTOR, &pmt_scope)?,
        _ => party(&tx.debtor, DEBTOR, &scope)?,
    };
    let creditor = party(&tx.creditor, CREDITOR, &scope)?;
    let instant = tx.instant || context.group.0.instant || context.payment_info.is_some_and(|(p, _)| p.instant);
    let channel = if instant { Channel::Instant } else { Channel::BankTransfer };
    let mut transaction = Transaction::new(id, time, debtor, creditor, amount, channel);
    transaction.received = received;
    transaction.purpose = optional_text(&scope, [(&tx.purpose_code, "Purp/Cd"), (&tx.purpose_text, "Purp/Prtry")])?;
    transaction.reference = optional_text(
        &scope,
        [
            (&tx.unstructured, "RmtInf/Ustrd"),
            (&tx.creditor_reference, "RmtInf/Strd/CdtrRefInf/Ref"),
            (&tx.document_number, "RmtInf/Strd/RfrdDocInf/Nb"),
        ],
    )?;
    Ok(LabelledTransaction { tx: transaction, label: None })
}

/// The first element that is present with some text (or an error to report).
fn first<'c, const N: usize>(
    options: [(&'c Option<Captured>, &'static str); N],
) -> Option<(&'c Captured, &'static str)> {
    options.into_iter().find_map(|(captured, rel)| {
        captured.as_ref().filter(|c| !c.text.is_empty() || c.error.is_some()).map(|c| (c, rel))
    })
}

fn optional_text<const N: usize>(
    scope: &Scope<'_>,
    options: [(&Option<Captured>, &'static str); N],
) -> Result<Option<Text>, ReadError> {
    match first(options) {
        Some((captured, rel)) => Ok(Text::new(scope.text("", rel, captured)?).ok()),
        None => Ok(None),
    }
}

/// UETR, else EndToEndId unless `NOTPROVIDED`, else TxId, else InstrId, else `<MsgId>/<n>`.
fn id(context: &Context<'_>) -> Result<TxId, ReadError> {
    let (tx, scope) = context.tx;
    let candidates = [
        (&tx.uetr, "PmtId/UETR"),
        (&tx.end_to_end, "PmtId/EndToEndId"),
        (&tx.tx_id, "PmtId/TxId"),
        (&tx.instr_id, "PmtId/InstrId"),
    ];
    for (captured, rel) in candidates {
        let Some((captured, rel)) = first([(captured, rel)]) else { continue };
        let text = scope.text("", rel, captured)?;
        if rel == "PmtId/EndToEndId" && text == "NOTPROVIDED" {
            continue;
        }
        let text = if rel == "PmtId/UETR" { text.to_ascii_lowercase() } else { text.to_owned() };
        return TxId::new(text).map_err(|e| scope.error("", rel, None, captured.line, e));
    }
    let (group, root) = context.group;
    match first([(&group.msg_id, "GrpHdr/MsgId")]) {
        Some((captured, rel)) => {
            let msg_id = root.text("", rel, captured)?;
            TxId::new(format!("{msg_id}/{}", context.ordinal)).map_err(|e| root.error("", rel, None, captured.line, e))
        }
        None => Err(scope.error(
            "",
            "PmtId",
            None,
            scope.line,
            "no transaction id: none of PmtId/UETR, EndToEndId, TxId, InstrId nor GrpHdr/MsgId is given",
        )),
    }
}

/// The event time; see the module documentation for the order of preference.
fn time(context: &Context<'_>) -> Result<EventTime, ReadError> {
    let (tx, scope) = context.tx;
    let (group, root) = context.group;
    match context.message {
        Message::Pacs008 => {
            if let Some((c, rel)) = first([(&tx.accepted, "AccptncDtTm")]) {
                return parse_at(&scope, rel, c, TimeKind::DateTime);
            }
            if let Some((c, rel)) = first([(&tx.settlement_date, "IntrBkSttlmDt")]) {
                return parse_at(&scope, rel, c, TimeKind::Date);
            }
            if let Some((c, rel)) = first([(&group.settlement_date, "GrpHdr/IntrBkSttlmDt")]) {
                return parse_at(&root, rel, c, TimeKind::Date);
            }
        }
        Message::Pain001 => {
            if let Some((payment_info, pmt_scope)) = context.payment_info {
                if let Some((c, rel)) = first([(&payment_info.date_time, "ReqdExctnDt/DtTm")]) {
                    return parse_at(&pmt_scope, rel, c, TimeKind::DateTime);
                }
                let dates = [(&payment_info.date_dt, "ReqdExctnDt/Dt"), (&payment_info.date, "ReqdExctnDt")];
                if let Some((c, rel)) = first(dates) {
                    return parse_at(&pmt_scope, rel, c, TimeKind::Date);
                }
            }
        }
    }
    if let Some((c, rel)) = first([(&group.created, "GrpHdr/CreDtTm")]) {
        return parse_at(&root, rel, c, TimeKind::DateTime);
    }
    Err(scope.error("", "", None, scope.line, "no time: the message has no date or time for this transaction"))
}

/// Whether an element holds a date or a date-time.
#[derive(Debug, Clone, Copy)]
enum TimeKind {
    Date,
    DateTime,
}

fn parse_at(scope: &Scope<'_>, rel: &str, captured: &Captured, kind: TimeKind) -> Result<EventTime, ReadError> {
    let text = scope.text("", rel, captured)?;
    let (time, expected) = match kind {
        TimeKind::Date => (parse_date(text), "an ISO date such as 2025-03-14"),
        TimeKind::DateTime => (parse_date_time(text), "an ISO date-time such as 2025-03-14T09:15:22+07:00"),
    };
    time.ok_or_else(|| scope.error("", rel, None, captured.line, format!("{text:?} is not {expected}")))
}

/// An xs:dateTime. With an offset or `Z` it is converted to UTC; without one it is read as UTC.
pub(super) fn parse_date_time(text: &str) -> Option<EventTime> {
    if let Ok(time) = EventTime::parse_rfc3339(text) {
        return Some(time);
    }
    let naive = NaiveDateTime::parse_from_str(text, "%Y-%m-%dT%H:%M:%S%.f").ok()?;
    EventTime::from_naive_utc(naive).ok()
}

/// An xs:date, at midnight UTC (or midnight at its offset, if it has one). A date-time is accepted too.
pub(super) fn parse_date(text: &str) -> Option<EventTime> {
    let (date, zone) = (text.get(..10)?, text.get(10..)?);
    let zone = if zone.is_empty() { "Z" } else { zone };
    if zone == "Z" || zone.starts_with(['+', '-']) {
        if let Ok(time) = EventTime::parse_rfc3339(&format!("{date}T00:00:00{zone}")) {
            return Some(time);
        }
    }
    parse_date_time(text)
}

/// pacs.008: `InstdAmt` when present, with `IntrBkSttlmAmt` as received when it differs; else
/// `IntrBkSttlmAmt`. pain.001: `Amt/InstdAmt`, else `Amt/EqvtAmt/Amt`.
fn amounts(context: &Context<'_>) -> Result<(Money, Option<Money>), ReadError> {
    let (tx, scope) = context.tx;
    match context.message {
        Message::Pacs008 => {
            let Some((c, rel)) = first([(&tx.settlement_amount, "IntrBkSttlmAmt")]) else {
                return Err(scope.error("", "IntrBkSttlmAmt", None, scope.line, "the settlement amount is missing"));
            };
            let settled = money(&scope, rel, c)?;
            match first([(&tx.instructed_amount, "InstdAmt")]) {
                Some((c, rel)) => {
                    let instructed = money(&scope, rel, c)?;
                    Ok((instructed, (settled != instructed).then_some(settled)))
                }
                None => Ok((settled, None)),
            }
        }
        Message::Pain001 => {
            let options = [(&tx.instructed_amount, "Amt/InstdAmt"), (&tx.equivalent_amount, "Amt/EqvtAmt/Amt")];
            match first(options) {
                Some((c, rel)) => Ok((money(&scope, rel, c)?, None)),
                None => Err(scope.error("", "Amt", None, scope.line, "the amount is missing (Amt/InstdAmt)")),
            }
        }
    }
}

/// An amount element: a non-negative xs:decimal in the currency of its `Ccy` attribute, exact to the minor unit.
fn money(scope: &Scope<'_>, rel: &str, captured: &Captured) -> Result<Money, ReadError> {
    let text = scope.text("", rel, captured)?;
    let line = captured.line;
    let Some(code) = &captured.ccy else {
        return Err(scope.error("", rel, Some("Ccy"), line, "the amount has no Ccy attribute"));
    };
    let currency = Currency::from_code(code.trim()).map_err(|e| scope.error("", rel, Some("Ccy"), line, e))?;
    if !is_decimal(text) {
        let message =
            format!("{text:?} is not an ISO 20022 amount (a non-negative decimal with a point, e.g. 1250.50)");
        return Err(scope.error("", rel, None, line, message));
    }
    Money::parse_exact(text, currency).map_err(|e| scope.error("", rel, None, line, format!("{e} for {currency}")))
}

/// `[+]digits[.digits]` or `[+].digits`: the xs:decimal form, without a minus sign.
fn is_decimal(text: &str) -> bool {
    let body = text.strip_prefix('+').unwrap_or(text);
    let mut points = 0;
    let mut digits = 0;
    for b in body.bytes() {
        match b {
            b'0'..=b'9' => digits += 1,
            b'.' => points += 1,
            _ => return false,
        }
    }
    digits > 0 && points <= 1
}

/// One side of the payment. The account is required; everything else is optional.
fn party(fields: &SideFields, names: SideNames, scope: &Scope<'_>) -> Result<Party, ReadError> {
    let account = &fields.account;
    let options = [(&account.iban, "Id/IBAN"), (&account.other, "Id/Othr/Id"), (&account.proxy, "Prxy/Id")];
    let Some((c, rel)) = first(options) else {
        let a = names.account;
        let message = format!("no {} account: {a}/Id/IBAN, {a}/Id/Othr/Id or {a}/Prxy/Id is required", names.role);
        return Err(scope.error(names.account, "", None, scope.line, message));
    };
    let id = scope.text(names.account, rel, c)?;
    let account_id = AccountId::new(id).map_err(|e| scope.error(names.account, rel, None, c.line, e))?;
    let mut side = Party::account(account_id);

    let agent = &fields.agent;
    if let Some((c, rel)) = first([(&agent.bic, "FinInstnId/BICFI"), (&agent.member, "FinInstnId/ClrSysMmbId/MmbId")]) {
        side.institution = InstitutionId::new(scope.text(names.agent, rel, c)?).ok();
    }

    let holder = &fields.party;
    let ids = [
        (&holder.private_id, "Id/PrvtId/Othr/Id"),
        (&holder.org_bic, "Id/OrgId/AnyBIC"),
        (&holder.org_lei, "Id/OrgId/LEI"),
        (&holder.org_other, "Id/OrgId/Othr/Id"),
    ];
    if let Some((c, rel)) = first(ids) {
        side.party = PartyId::new(scope.text(names.party, rel, c)?).ok();
    }
    if let Some((c, rel)) = first([(&holder.name, "Nm")]) {
        side.name = Text::new(scope.text(names.party, rel, c)?).ok();
    }
    if let Some((c, rel)) = first([(&holder.address_country, "PstlAdr/Ctry"), (&holder.residence, "CtryOfRes")]) {
        let text = scope.text(names.party, rel, c)?;
        side.country = Some(CountryCode::new(text).map_err(|e| scope.error(names.party, rel, None, c.line, e))?);
    }
    side.phone = phone(fields, names, scope)?;
    Ok(side)
}

/// `CtctDtls/MobNb`, else `CtctDtls/PhneNb`, else a `TELE` or `MBNO` proxy of the account.
fn phone(fields: &SideFields, names: SideNames, scope: &Scope<'_>) -> Result<Option<PhoneNumber>, ReadError> {
    let holder = &fields.party;
    let (prefix, found) = match first([(&holder.mobile, "CtctDtls/MobNb"), (&holder.phone, "CtctDtls/PhneNb")]) {
        Some(found) => (names.party, found),
        None => {
            let account = &fields.account;
            let is_phone = account.proxy_type.as_ref().is_some_and(|t| {
                t.error.is_none() && (t.text.eq_ignore_ascii_case("TELE") || t.text.eq_ignore_ascii_case("MBNO"))
            });
            match first([(&account.proxy, "Prxy/Id")]) {
                Some(found) if is_phone => (names.account, found),
                _ => return Ok(None),
            }
        }
    };
    let (c, rel) = found;
    let text = scope.text(prefix, rel, c)?;
    PhoneNumber::new(text).map(Some).map_err(|e| scope.error(prefix, rel, None, c.line, e))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn shown(time: Option<EventTime>) -> Option<String> {
        time.map(|t| t.to_string())
    }

    #[test]
    fn date_times_with_and_without_offset() {
        assert_eq!(shown(parse_date_time("2025-03-14T09:15:22+07:00")).as_deref(), Some("2025-03-14T02:15:22.000Z"));
        assert_eq!(shown(parse_date_time("2025-09-15T08:00:00.123Z")).as_deref(), Some("2025-09-15T08:00:00.123Z"));
        assert_eq!(shown(parse_date_time("2025-04-01T02:46:56")).as_deref(), Some("2025-04-01T02:46:56.000Z"));
        assert_eq!(shown(parse_date_time("2025-04-01T02:46:56.5")).as_deref(), Some("2025-04-01T02:46:56.500Z"));
        assert_eq!(parse_date_time("2025-04-01"), None);
        assert_eq!(parse_date_time("2025-04-01T25:00:00"), None);
    }

    #[test]
    fn dates_at_midnight() {
        assert_eq!(shown(parse_date("2025-03-14")).as_deref(), Some("2025-03-14T00:00:00.000Z"));
        assert_eq!(shown(parse_date("2025-03-14Z")).as_deref(), Some("2025-03-14T00:00:00.000Z"));
        assert_eq!(shown(parse_date("2025-03-14+07:00")).as_deref(), Some("2025-03-13T17:00:00.000Z"));
        assert_eq!(shown(parse_date("2025-03-14T10:00:00Z")).as_deref(), Some("2025-03-14T10:00:00.000Z"));
        assert_eq!(parse_date("2025-02-30"), None);
        assert_eq!(parse_date("14.03.2025"), None);
        assert_eq!(parse_date("2025-03-1é"), None);
    }

    #[test]
    fn decimals_as_xsd_writes_them() {
        for ok in ["1250.50", "4000000", "+12", "12.", ".5", "0"] {
            assert!(is_decimal(ok), "{ok}");
        }
        for bad in ["12,50", "-1", "1e3", "", ".", "1.2.3", " 12", "+"] {
            assert!(!is_decimal(bad), "{bad}");
        }
    }
}
