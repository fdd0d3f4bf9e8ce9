//! The elements kept from a message, found by their path below a scope element (the message root, a `PmtInf`
//! or a `CdtTrfTxInf`). Everything else is skipped, so one transaction costs a few dozen short strings.

use super::xml::Collected;

/// One element kept: its text (trimmed), where it starts, its `Ccy` attribute and any reading problem.
#[derive(Debug, Clone, Default)]
pub(super) struct Captured {
    /// The text, trimmed of XML white space.
    pub text: String,
    /// The 1-based line of the start tag.
    pub line: u64,
    /// The `Ccy` attribute (amounts).
    pub ccy: Option<String>,
    /// Why the text could not be read, if it could not.
    pub error: Option<String>,
}

impl Captured {
    fn new(collected: Collected) -> Captured {
        let Collected { line, mut text, ccy, error } = collected;
        let trimmed = text.trim_matches(is_xml_space);
        if trimmed.len() != text.len() {
            text = trimmed.to_owned();
        }
        Captured { text, line, ccy, error }
    }
}

fn is_xml_space(c: char) -> bool {
    matches!(c, ' ' | '\t' | '\r' | '\n')
}

/// Where a kept element goes.
pub(super) enum Slot<'a> {
    /// The first occurrence wins.
    First(&'a mut Option<Captured>),
    /// Occurrences are joined with a space (`RmtInf/Ustrd`, 0..n lines of up to 140 characters).
    Join(&'a mut Option<Captured>),
    /// Sets the flag when the code is `INST` (service level or local instrument).
    Instant(&'a mut bool),
}

impl Slot<'_> {
    /// Stores the text collected for an element.
    pub fn store(self, collected: Collected) {
        match self {
            Slot::First(slot) => {
                if slot.is_none() {
                    *slot = Some(Captured::new(collected));
                }
            }
            Slot::Join(slot) => {
                let next = Captured::new(collected);
                match slot {
                    Some(first) => {
                        if !next.text.is_empty() {
                            if !first.text.is_empty() {
                                first.text.push(' ');
                            }
                            first.text.push_str(&next.text);
                        }
                        if first.error.is_none() {
                            first.error = next.error;
                        }
                    }
                    None => *slot = Some(next),
                }
            }
            Slot::Instant(flag) => {
                if collected.text.trim_matches(is_xml_space).eq_ignore_ascii_case("INST") {
                    *flag = true;
                }
            }
        }
    }
}

/// The slot for a payment type path (`PmtTpInf/...`), relative to its holder.
fn payment_type_slot<'a>(rel: &str, instant: &'a mut bool) -> Option<Slot<'a>> {
    match rel {
        "PmtTpInf/SvcLvl/Cd" | "PmtTpInf/SvcLvl/Prtry" | "PmtTpInf/LclInstrm/Cd" | "PmtTpInf/LclInstrm/Prtry" => {
            Some(Slot::Instant(instant))
        }
        _ => None,
    }
}

/// The group header, kept for the whole message.
#[derive(Debug, Default)]
pub(super) struct GroupFields {
    /// `GrpHdr/MsgId`.
    pub msg_id: Option<Captured>,
    /// `GrpHdr/CreDtTm`.
    pub created: Option<Captured>,
    /// `GrpHdr/IntrBkSttlmDt` (pacs.008).
    pub settlement_date: Option<Captured>,
    /// `GrpHdr/PmtTpInf` says instant (pacs.008).
    pub instant: bool,
}

impl GroupFields {
    /// The slot for a path relative to the message root.
    pub fn slot(&mut self, rel: &str) -> Option<Slot<'_>> {
        let rel = rel.strip_prefix("GrpHdr/")?;
        match rel {
            "MsgId" => Some(Slot::First(&mut self.msg_id)),
            "CreDtTm" => Some(Slot::First(&mut self.created)),
            "IntrBkSttlmDt" => Some(Slot::First(&mut self.settlement_date)),
            _ => payment_type_slot(rel, &mut self.instant),
        }
    }
}

/// A party (`Dbtr`, `Cdtr`).
#[derive(Debug, Default)]
pub(super) struct PartyFields {
    /// `Nm`.
    pub name: Option<Captured>,
    /// `PstlAdr/Ctry`.
    pub address_country: Option<Captured>,
    /// `CtryOfRes`.
    pub residence: Option<Captured>,
    /// `CtctDtls/MobNb`.
    pub mobile: Option<Captured>,
    /// `CtctDtls/PhneNb`.
    pub phone: Option<Captured>,
    /// `Id/PrvtId/Othr/Id` (the first).
    pub private_id: Option<Captured>,
    /// `Id/OrgId/AnyBIC` (`BICOrBEI` in pain.001.001.03).
    pub org_bic: Option<Captured>,
    /// `Id/OrgId/LEI`.
    pub org_lei: Option<Captured>,
    /// `Id/OrgId/Othr/Id` (the first).
    pub org_other: Option<Captured>,
}

impl PartyFields {
    fn slot(&mut self, rel: &str) -> Option<Slot<'_>> {
        let slot = match rel {
            "Nm" => &mut self.name,
            "PstlAdr/Ctry" => &mut self.address_country,
            "CtryOfRes" => &mut self.residence,
            "CtctDtls/MobNb" => &mut self.mobile,
            "CtctDtls/PhneNb" => &mut self.phone,
            "Id/PrvtId/Othr/Id" => &mut self.private_id,
            "Id/OrgId/AnyBIC" | "Id/OrgId/BICOrBEI" => &mut self.org_bic,
            "Id/OrgId/LEI" => &mut self.org_lei,
            "Id/OrgId/Othr/Id" => &mut self.org_other,
            _ => return None,
        };
        Some(Slot::First(slot))
    }
}

/// An account (`DbtrAcct`, `CdtrAcct`).
#[derive(Debug, Default)]
pub(super) struct AccountFields {
    /// `Id/IBAN`.
    pub iban: Option<Captured>,
    /// `Id/Othr/Id`.
    pub other: Option<Captured>,
    /// `Prxy/Tp/Cd` (TELE, MBNO, EMAL, ...).
    pub proxy_type: Option<Captured>,
    /// `Prxy/Id`.
    pub proxy: Option<Captured>,
}

impl AccountFields {
    fn slot(&mut self, rel: &str) -> Option<Slot<'_>> {
        let slot = match rel {
            "Id/IBAN" => &mut self.iban,
            "Id/Othr/Id" => &mut self.other,
            "Prxy/Tp/Cd" => &mut self.proxy_type,
            "Prxy/Id" => &mut self.proxy,
            _ => return None,
        };
        Some(Slot::First(slot))
    }
}

/// An agent (`DbtrAgt`, `CdtrAgt`).
#[derive(Debug, Default)]
pub(super) struct AgentFields {
    /// `FinInstnId/BICFI` (`BIC` in pain.001.001.03).
    pub bic: Option<Captured>,
    /// `FinInstnId/ClrSysMmbId/MmbId`.
    pub member: Option<Captured>,
}

impl AgentFields {
    fn slot(&mut self, rel: &str) -> Option<Slot<'_>> {
        let slot = match rel {
            "FinInstnId/BICFI" | "FinInstnId/BIC" => &mut self.bic,
            "FinInstnId/ClrSysMmbId/MmbId" => &mut self.member,
            _ => return None,
        };
        Some(Slot::First(slot))
    }
}

/// The element names of one side of a payment.
#[derive(Debug, Clone, Copy)]
pub(super) struct SideNames {
    /// `debtor` or `creditor`, for messages.
    pub role: &'static str,
    /// `Dbtr` or `Cdtr`.
    pub party: &'static str,
    /// `DbtrAcct` or `CdtrAcct`.
    pub account: &'static str,
    /// `DbtrAgt` or `CdtrAgt`.
    pub agent: &'static str,
}

/// The debtor side.
pub(super) const DEBTOR: SideNames = SideNames { role: "debtor", party: "Dbtr", account: "DbtrAcct", agent: "DbtrAgt" };
/// The creditor side.
pub(super) const CREDITOR: SideNames =
    SideNames { role: "creditor", party: "Cdtr", account: "CdtrAcct", agent: "CdtrAgt" };

/// One side of a payment: party, account and agent.
#[derive(Debug, Default)]
pub(super) struct SideFields {
    /// The party.
    pub party: PartyFields,
    /// The account.
    pub account: AccountFields,
    /// The agent.
    pub agent: AgentFields,
}

impl SideFields {
    fn slot(&mut self, rel: &str, names: SideNames) -> Option<Slot<'_>> {
        let (head, rest) = rel.split_once('/')?;
        if head == names.party {
            self.party.slot(rest)
        } else if head == names.account {
            self.account.slot(rest)
        } else if head == names.agent {
            self.agent.slot(rest)
        } else {
            None
        }
    }
}

/// A pain.001 payment information block (`PmtInf`): what its transactions share.
#[derive(Debug, Default)]
pub(super) struct PaymentInfoFields {
    /// `ReqdExctnDt` as a plain date (pain.001.001.03 to .07).
    pub date: Option<Captured>,
    /// `ReqdExctnDt/Dt` (.08 and later).
    pub date_dt: Option<Captured>,
    /// `ReqdExctnDt/DtTm` (.08 and later).
    pub date_time: Option<Captured>,
    /// `Dbtr`, `DbtrAcct`, `DbtrAgt`.
    pub debtor: SideFields,
    /// `PmtTpInf` says instant.
    pub instant: bool,
}

impl PaymentInfoFields {
    /// The slot for a path relative to `PmtInf`.
    pub fn slot(&mut self, rel: &str) -> Option<Slot<'_>> {
        match rel {
            "ReqdExctnDt" => Some(Slot::First(&mut self.date)),
            "ReqdExctnDt/Dt" => Some(Slot::First(&mut self.date_dt)),
            "ReqdExctnDt/DtTm" => Some(Slot::First(&mut self.date_time)),
            _ if rel.starts_with("PmtTpInf/") => payment_type_slot(rel, &mut self.instant),
            _ => self.debtor.slot(rel, DEBTOR),
        }
    }
}

/// One credit transfer transaction (`CdtTrfTxInf`), pacs.008 or pain.001.
#[derive(Debug, Default)]
pub(super) struct TxFields {
    /// `PmtId/UETR`.
    pub uetr: Option<Captured>,
    /// `PmtId/EndToEndId`.
    pub end_to_end: Option<Captured>,
    /// `PmtId/TxId` (pacs.008).
    pub tx_id: Option<Captured>,
    /// `PmtId/InstrId`.
    pub instr_id: Option<Captured>,
    /// `AccptncDtTm` (pacs.008).
    pub accepted: Option<Captured>,
    /// `IntrBkSttlmDt` (pacs.008).
    pub settlement_date: Option<Captured>,
    /// `IntrBkSttlmAmt` (pacs.008).
    pub settlement_amount: Option<Captured>,
    /// `InstdAmt` (pacs.008) or `Amt/InstdAmt` (pain.001).
    pub instructed_amount: Option<Captured>,
    /// `Amt/EqvtAmt/Amt` (pain.001).
    pub equivalent_amount: Option<Captured>,
    /// `Dbtr`, `DbtrAcct`, `DbtrAgt` (pacs.008).
    pub debtor: SideFields,
    /// `Cdtr`, `CdtrAcct`, `CdtrAgt`.
    pub creditor: SideFields,
    /// `Purp/Cd`.
    pub purpose_code: Option<Captured>,
    /// `Purp/Prtry`.
    pub purpose_text: Option<Captured>,
    /// `RmtInf/Ustrd`, all lines joined.
    pub unstructured: Option<Captured>,
    /// `RmtInf/Strd/CdtrRefInf/Ref` (the first).
    pub creditor_reference: Option<Captured>,
    /// `RmtInf/Strd/RfrdDocInf/Nb` (the first).
    pub document_number: Option<Captured>,
    /// `PmtTpInf` says instant.
    pub instant: bool,
}

impl TxFields {
    /// The slot for a path relative to `CdtTrfTxInf`.
    pub fn slot(&mut self, rel: &str) -> Option<Slot<'_>> {
        let slot = match rel {
            "PmtId/UETR" => &mut self.uetr,
            "PmtId/EndToEndId" => &mut self.end_to_end,
            "PmtId/TxId" => &mut self.tx_id,
            "PmtId/InstrId" => &mut self.instr_id,
            "AccptncDtTm" => &mut self.accepted,
            "IntrBkSttlmDt" => &mut self.settlement_date,
            "IntrBkSttlmAmt" => &mut self.settlement_amount,
            "InstdAmt" | "Amt/InstdAmt" => &mut self.instructed_amount,
            "Amt/EqvtAmt/Amt" => &mut self.equivalent_amount,
            "Purp/Cd" => &mut self.purpose_code,
            "Purp/Prtry" => &mut self.purpose_text,
            "RmtInf/Ustrd" => return Some(Slot::Join(&mut self.unstructured)),
            "RmtInf/Strd/CdtrRefInf/Ref" => &mut self.creditor_reference,
            "RmtInf/Strd/RfrdDocInf/Nb" => &mut self.document_number,
            _ if rel.starts_with("PmtTpInf/") => return payment_type_slot(rel, &mut self.instant),
            _ => {
                return match self.debtor.slot(rel, DEBTOR) {
                    Some(slot) => Some(slot),
                    None => self.creditor.slot(rel, CREDITOR),
                }
            }
        };
        Some(Slot::First(slot))
    }
}
