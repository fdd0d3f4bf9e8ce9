//! The native flat schema shared by tonle's CSV, JSON Lines and Parquet files (see docs/formats.md).
//!
//! One row per transaction, one column per field; optional fields are empty (CSV), absent or `null` (JSON),
//! or null (Parquet). Amounts are decimal text in major units with exactly the currency's decimals, so no
//! floating point touches them. This module maps rows to and from [`LabelledTransaction`].

pub mod csv;
pub mod jsonl;

use std::str::FromStr;

use tonle_core::{
    AccountId, Channel, CountryCode, Currency, DeviceId, EventTime, InstitutionId, Label, LabelledTransaction, Money,
    Party, PartyId, PhoneNumber, ScenarioId, Text, Transaction, TxId, Typology,
};

/// The native columns, in file order.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[repr(usize)]
pub enum Column {
    /// Transaction id.
    Id,
    /// Event time, RFC 3339 UTC with milliseconds.
    Time,
    /// Amount debited, decimal major units.
    Amount,
    /// Currency of `amount`.
    Currency,
    /// Amount credited when different.
    ReceivedAmount,
    /// Currency of `received_amount`.
    ReceivedCurrency,
    /// Channel, kebab-case.
    Channel,
    /// Debtor account.
    DebtorAccount,
    /// Debtor institution.
    DebtorInstitution,
    /// Debtor party id.
    DebtorParty,
    /// Debtor name.
    DebtorName,
    /// Debtor country.
    DebtorCountry,
    /// Debtor phone.
    DebtorPhone,
    /// Creditor account.
    CreditorAccount,
    /// Creditor institution.
    CreditorInstitution,
    /// Creditor party id.
    CreditorParty,
    /// Creditor name.
    CreditorName,
    /// Creditor country.
    CreditorCountry,
    /// Creditor phone.
    CreditorPhone,
    /// Device id.
    Device,
    /// IP address.
    Ip,
    /// Purpose code.
    Purpose,
    /// Payment reference.
    Reference,
    /// Ground truth: `true` or `false`; empty when unlabelled.
    Illicit,
    /// Ground truth typology.
    Typology,
    /// Ground truth scenario.
    Scenario,
}

/// Column names, in file order (the index is `Column as usize`).
pub const COLUMNS: [&str; 26] = [
    "id",
    "time",
    "amount",
    "currency",
    "received_amount",
    "received_currency",
    "channel",
    "debtor_account",
    "debtor_institution",
    "debtor_party",
    "debtor_name",
    "debtor_country",
    "debtor_phone",
    "creditor_account",
    "creditor_institution",
    "creditor_party",
    "creditor_name",
    "creditor_country",
    "creditor_phone",
    "device",
    "ip",
    "purpose",
    "reference",
    "illicit",
    "typology",
    "scenario",
];

/// Columns every native row must fill.
pub const REQUIRED: [Column; 6] =
    [Column::Id, Column::Time, Column::Amount, Column::Currency, Column::DebtorAccount, Column::CreditorAccount];

impl Column {
    /// Every column, in file order (the index of each is `Column as usize`).
    pub const ALL: [Column; 26] = [
        Column::Id,
        Column::Time,
        Column::Amount,
        Column::Currency,
        Column::ReceivedAmount,
        Column::ReceivedCurrency,
        Column::Channel,
        Column::DebtorAccount,
        Column::DebtorInstitution,
        Column::DebtorParty,
        Column::DebtorName,
        Column::DebtorCountry,
        Column::DebtorPhone,
        Column::CreditorAccount,
        Column::CreditorInstitution,
        Column::CreditorParty,
        Column::CreditorName,
        Column::CreditorCountry,
        Column::CreditorPhone,
        Column::Device,
        Column::Ip,
        Column::Purpose,
        Column::Reference,
        Column::Illicit,
        Column::Typology,
        Column::Scenario,
    ];

    /// The column's name.
    pub fn name(self) -> &'static str {
        COLUMNS[self as usize]
    }
}

/// A row as texts, borrowed from a decoder; `None` or `Some("")` both mean absent.
#[derive(Debug, Default, Clone)]
pub struct FlatRow<'a> {
    /// One slot per column, indexed by `Column as usize`.
    pub fields: [Option<&'a str>; 26],
}

/// A field that could not be decoded: its column and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldError {
    /// The column.
    pub column: &'static str,
    /// What is wrong.
    pub message: String,
}

impl<'a> FlatRow<'a> {
    fn get(&self, column: Column) -> Option<&'a str> {
        self.fields[column as usize].filter(|text| !text.is_empty())
    }

    fn required(&self, column: Column) -> Result<&'a str, FieldError> {
        self.get(column).ok_or_else(|| FieldError { column: column.name(), message: "is required".into() })
    }

    fn parse<T: FromStr>(&self, column: Column) -> Result<Option<T>, FieldError>
    where
        T::Err: std::fmt::Display,
    {
        self.get(column)
            .map(|text| text.parse::<T>().map_err(|e| FieldError { column: column.name(), message: e.to_string() }))
            .transpose()
    }

    fn parse_required<T: FromStr>(&self, column: Column) -> Result<T, FieldError>
    where
        T::Err: std::fmt::Display,
    {
        self.required(column)?;
        self.parse(column).map(|value| value.expect("checked present just above"))
    }

    fn money(&self, amount: Column, currency: Column) -> Result<Option<Money>, FieldError> {
        let currency_code = self.parse::<Currency>(currency)?;
        match money_pair((self.get(amount), amount), (currency_code, currency))? {
            None => Ok(None),
            Some((text, currency)) => Money::parse_exact(text, currency)
                .map(Some)
                .map_err(|e| FieldError { column: amount.name(), message: e.to_string() }),
        }
    }

    fn party(&self, columns: [Column; 6]) -> Result<Party, FieldError> {
        let [account, institution, party, name, country, phone] = columns;
        Ok(Party {
            account: self.parse_required::<AccountId>(account)?,
            institution: self.parse::<InstitutionId>(institution)?,
            party: self.parse::<PartyId>(party)?,
            name: self.parse::<Text>(name)?,
            country: self.parse::<CountryCode>(country)?,
            phone: self.parse::<PhoneNumber>(phone)?,
        })
    }

    /// Decodes the row into a transaction and its label.
    pub fn decode(&self) -> Result<LabelledTransaction, FieldError> {
        let amount = self
            .money(Column::Amount, Column::Currency)?
            .ok_or_else(|| FieldError { column: Column::Amount.name(), message: "is required".into() })?;
        let tx = Transaction {
            id: self.parse_required::<TxId>(Column::Id)?,
            time: self.parse_required::<EventTime>(Column::Time)?,
            debtor: self.party(DEBTOR)?,
            creditor: self.party(CREDITOR)?,
            amount,
            received: self.money(Column::ReceivedAmount, Column::ReceivedCurrency)?,
            channel: self.parse::<Channel>(Column::Channel)?.unwrap_or(Channel::BankTransfer),
            device: self.parse::<DeviceId>(Column::Device)?,
            ip: self.parse(Column::Ip)?,
            purpose: self.parse::<Text>(Column::Purpose)?,
            reference: self.parse::<Text>(Column::Reference)?,
        };
        let typology = self.parse::<Typology>(Column::Typology)?;
        let scenario = self.parse::<ScenarioId>(Column::Scenario)?;
        let illicit = match self.get(Column::Illicit) {
            Some("true") => Some(true),
            Some("false") => Some(false),
            Some(other) => {
                return Err(FieldError {
                    column: Column::Illicit.name(),
                    message: format!("{other:?} is not true or false"),
                })
            }
            None => None,
        };
        Ok(LabelledTransaction { tx, label: label(illicit, typology, scenario)? })
    }
}

/// An amount and its currency, which come together or not at all: the pair when both are present, `None` when
/// neither is, and an error naming the missing one otherwise.
pub(crate) fn money_pair<A, C>(
    amount: (Option<A>, Column),
    currency: (Option<C>, Column),
) -> Result<Option<(A, C)>, FieldError> {
    match (amount.0, currency.0) {
        (None, None) => Ok(None),
        (Some(amount), Some(currency)) => Ok(Some((amount, currency))),
        (Some(_), None) => Err(FieldError { column: currency.1.name(), message: "is required with an amount".into() }),
        (None, Some(_)) => Err(FieldError { column: amount.1.name(), message: "is required with a currency".into() }),
    }
}

/// The label of a row: none when `illicit` is absent, which typology and scenario then may not contradict.
pub(crate) fn label(
    illicit: Option<bool>,
    typology: Option<Typology>,
    scenario: Option<ScenarioId>,
) -> Result<Option<Label>, FieldError> {
    match illicit {
        Some(illicit) => Ok(Some(Label { illicit, typology, scenario })),
        None if typology.is_some() || scenario.is_some() => Err(FieldError {
            column: Column::Illicit.name(),
            message: "is required when typology or scenario is given".into(),
        }),
        None => Ok(None),
    }
}

/// The debtor's columns, in the order of [`Party`]'s fields: account, institution, party, name, country, phone.
pub(crate) const DEBTOR: [Column; 6] = [
    Column::DebtorAccount,
    Column::DebtorInstitution,
    Column::DebtorParty,
    Column::DebtorName,
    Column::DebtorCountry,
    Column::DebtorPhone,
];
/// The creditor's columns, in the order of [`Party`]'s fields.
pub(crate) const CREDITOR: [Column; 6] = [
    Column::CreditorAccount,
    Column::CreditorInstitution,
    Column::CreditorParty,
    Column::CreditorName,
    Column::CreditorCountry,
    Column::CreditorPhone,
];

/// A reusable buffer holding one transaction as native texts, for the writers.
#[derive(Debug, Default)]
pub struct EncodedRow {
    texts: [String; 26],
    present: [bool; 26],
}

impl EncodedRow {
    /// Fills the buffer from a transaction and its label, reusing the allocations of the previous row.
    pub fn encode(&mut self, record: &LabelledTransaction) {
        use std::fmt::Write;
        self.present = [false; 26];
        let tx = &record.tx;
        let texts = &mut self.texts;
        let present = &mut self.present;
        let mut put = |column: Column, value: Option<&dyn std::fmt::Display>| {
            if let Some(value) = value {
                let slot = &mut texts[column as usize];
                slot.clear();
                // Writing into a String cannot fail.
                let _ = write!(slot, "{value}");
                present[column as usize] = true;
            }
        };
        put(Column::Id, Some(&tx.id));
        put(Column::Time, Some(&tx.time));
        put(Column::Amount, Some(&AmountText(tx.amount)));
        put(Column::Currency, Some(&tx.amount.currency()));
        put(Column::Channel, Some(&tx.channel));
        for (side, columns) in [(&tx.debtor, DEBTOR), (&tx.creditor, CREDITOR)] {
            put(columns[0], Some(&side.account));
            put(columns[1], side.institution.as_ref().map(|v| v as _));
            put(columns[2], side.party.as_ref().map(|v| v as _));
            put(columns[3], side.name.as_ref().map(|v| v as _));
            put(columns[4], side.country.as_ref().map(|v| v as _));
            put(columns[5], side.phone.as_ref().map(|v| v as _));
        }
        put(Column::Device, tx.device.as_ref().map(|v| v as _));
        put(Column::Ip, tx.ip.as_ref().map(|v| v as _));
        put(Column::Purpose, tx.purpose.as_ref().map(|v| v as _));
        put(Column::Reference, tx.reference.as_ref().map(|v| v as _));
        if let Some(label) = &record.label {
            put(Column::Illicit, Some(&label.illicit));
            put(Column::Typology, label.typology.as_ref().map(|v| v as _));
            put(Column::Scenario, label.scenario.as_ref().map(|v| v as _));
        }
        if let Some(received) = tx.received {
            put(Column::ReceivedAmount, Some(&AmountText(received)));
            put(Column::ReceivedCurrency, Some(&received.currency()));
        }
    }

    /// The text of a column, if present.
    pub fn get(&self, column: Column) -> Option<&str> {
        self.present[column as usize].then(|| self.texts[column as usize].as_str())
    }

    /// All columns in file order.
    pub fn fields(&self) -> impl Iterator<Item = Option<&str>> {
        self.texts.iter().zip(self.present).map(|(text, present)| present.then_some(text.as_str()))
    }
}

/// Shows a money amount without its currency code.
struct AmountText(Money);

impl std::fmt::Display for AmountText {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.0.write_amount(f)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn columns_line_up_with_their_names() {
        for (index, column) in Column::ALL.iter().enumerate() {
            assert_eq!(*column as usize, index);
            assert_eq!(column.name(), COLUMNS[index]);
        }
    }
}
