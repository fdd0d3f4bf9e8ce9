//! Native Parquet: the native columns (see [`COLUMNS`]) with real types.
//!
//! | columns | Arrow type |
//! |---|---|
//! | `time` | `Timestamp(Millisecond, "UTC")` |
//! | `amount`, `received_amount` | `Int64`: integer minor units of `currency` / `received_currency` |
//! | `currency`, `received_currency`, `channel`, `*_country`, `typology` | `Dictionary(Int32, Utf8)` |
//! | `illicit` | `Boolean` |
//! | every other column | `Utf8` (Parquet dictionary-encodes the repetitive ones, such as `*_institution`) |
//!
//! The required columns (and `channel`, always written) are non-nullable; an absent optional value is null.
//! Files carry the key-value metadata `tonle.schema = native-v1`.
//!
//! The writer buffers [`BATCH_ROWS`] rows in reused Arrow builders and hands each full batch to the Parquet
//! encoder; row groups hold at most [`ROW_GROUP_ROWS`] rows, so memory stays flat however long the input.
//! The reader streams batch by batch. It checks the schema on open (a missing required column or a column of the
//! wrong type is fatal) and re-checks every value as it decodes a row: an unknown currency or a time out of range
//! spoils that row only, reported at its 1-based row number. Files from other tools are read too when their
//! columns carry the native names: text may be any Arrow string type or a dictionary of strings, and `time` any
//! timestamp with a time zone (below the millisecond truncated, like the RFC 3339 parsers).

use std::fs::File;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use arrow::array::{
    Array, ArrayRef, AsArray, BooleanArray, BooleanBuilder, DictionaryArray, Int32Array, Int32Builder, Int64Array,
    Int64Builder, StringArray, StringBuilder, StringDictionaryBuilder, TimestampMillisecondArray,
};
use arrow::buffer::{NullBuffer, ScalarBuffer};
use arrow::compute::cast;
use arrow::datatypes::{
    DataType, Field, Int32Type, Int64Type, Schema, SchemaRef, TimeUnit, TimestampMicrosecondType,
    TimestampMillisecondType, TimestampNanosecondType, TimestampSecondType,
};
use arrow::record_batch::RecordBatch;
use parquet::arrow::arrow_reader::{ParquetRecordBatchReader, ParquetRecordBatchReaderBuilder};
use parquet::arrow::ArrowWriter;
use parquet::basic::Compression;
use parquet::file::metadata::KeyValue;
use parquet::file::properties::{EnabledStatistics, WriterProperties};
use parquet::schema::types::ColumnPath;
use tonle_core::{
    AccountId, Channel, CountryCode, Currency, DeviceId, EventTime, InstitutionId, LabelledTransaction, Money, Party,
    PartyId, PhoneNumber, ScenarioId, Text, Transaction, TxId, Typology,
};

use crate::error::{Location, ReadError, WriteError};
use crate::native::{label, money_pair, Column, FieldError, COLUMNS, CREDITOR, DEBTOR, REQUIRED};
use crate::reader::display_name;
use crate::writer::RecordWriter;

/// Rows per record batch, written and read.
pub const BATCH_ROWS: usize = 65_536;
/// Rows per row group at most: bounds what the writer buffers before it writes.
pub const ROW_GROUP_ROWS: usize = 8 * BATCH_ROWS;
/// The key-value metadata key naming the schema of a native Parquet file.
pub const SCHEMA_KEY: &str = "tonle.schema";
/// The schema this module writes and reads.
pub const SCHEMA_VERSION: &str = "native-v1";

/// How a column is stored.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    /// Plain UTF-8 text.
    Text,
    /// Dictionary-encoded UTF-8 text: few distinct values.
    Dict,
    /// Event time.
    Time,
    /// Integer minor units.
    Minor,
    /// A boolean.
    Flag,
}

fn kind(column: Column) -> Kind {
    match column {
        Column::Time => Kind::Time,
        Column::Amount | Column::ReceivedAmount => Kind::Minor,
        Column::Illicit => Kind::Flag,
        Column::Currency
        | Column::ReceivedCurrency
        | Column::Channel
        | Column::DebtorCountry
        | Column::CreditorCountry
        | Column::Typology => Kind::Dict,
        _ => Kind::Text,
    }
}

fn dict_type() -> DataType {
    DataType::Dictionary(Box::new(DataType::Int32), Box::new(DataType::Utf8))
}

fn time_type() -> DataType {
    DataType::Timestamp(TimeUnit::Millisecond, Some("UTC".into()))
}

/// The Arrow type a column is written with.
fn written_type(column: Column) -> DataType {
    match kind(column) {
        Kind::Text => DataType::Utf8,
        Kind::Dict => dict_type(),
        Kind::Time => time_type(),
        Kind::Minor => DataType::Int64,
        Kind::Flag => DataType::Boolean,
    }
}

/// Whether the reader can take a column of this type.
fn accepts(kind: Kind, data_type: &DataType) -> bool {
    let text = |t: &DataType| matches!(t, DataType::Utf8 | DataType::LargeUtf8 | DataType::Utf8View);
    match kind {
        Kind::Text | Kind::Dict => {
            text(data_type) || matches!(data_type, DataType::Dictionary(key, value) if key.is_integer() && text(value))
        }
        Kind::Time => matches!(data_type, DataType::Timestamp(_, Some(_))),
        Kind::Minor => *data_type == DataType::Int64,
        Kind::Flag => *data_type == DataType::Boolean,
    }
}

/// What the reader accepts, for messages.
fn expected(kind: Kind) -> &'static str {
    match kind {
        Kind::Text | Kind::Dict => "UTF-8 text (Utf8, or a dictionary of Utf8)",
        Kind::Time => "a timestamp with a time zone, e.g. Timestamp(Millisecond, \"UTC\")",
        Kind::Minor => "Int64 minor units of the currency",
        Kind::Flag => "Boolean",
    }
}

/// The Arrow schema of native Parquet files.
pub fn native_schema() -> SchemaRef {
    let fields: Vec<Field> = Column::ALL
        .iter()
        .map(|&column| {
            let nullable = !(REQUIRED.contains(&column) || column == Column::Channel);
            let field = Field::new(column.name(), written_type(column), nullable);
            match column {
                Column::Amount => field.with_metadata(unit("currency")),
                Column::ReceivedAmount => field.with_metadata(unit("received_currency")),
                _ => field,
            }
        })
        .collect();
    Arc::new(Schema::new(fields).with_metadata([(SCHEMA_KEY, SCHEMA_VERSION), ("tonle.amounts", AMOUNTS_NOTE)]))
}

/// What the integer amounts count, for other tools' users.
const AMOUNTS_NOTE: &str = "amount and received_amount are integer minor units of the currency in currency and \
                            received_currency: 10^-exponent of the currency (cents for USD, satoshi for BTC, whole \
                            dong for VND)";

/// The field metadata of an amount column.
fn unit(currency_column: &str) -> [(&'static str, String); 1] {
    [(
        "tonle.unit",
        format!("integer minor units of the currency in {currency_column} (10^-exponent of that currency)"),
    )]
}

/// The compression of written files: with Snappy, writing is about 10% faster than with zstd level 1, whose files
/// are about 40% smaller. Speed wins: these files are working copies, and compress well again if archived.
const COMPRESSION: Compression = Compression::SNAPPY;

/// Columns whose values rarely repeat within a row group (accounts do, but across hundreds of thousands of
/// rows there are too many of them): a Parquet dictionary would only cost hashing until the encoder gives up.
const UNIQUE_COLUMNS: [Column; 13] = [
    Column::Id,
    Column::Time,
    Column::Amount,
    Column::ReceivedAmount,
    Column::DebtorAccount,
    Column::DebtorParty,
    Column::DebtorPhone,
    Column::CreditorAccount,
    Column::CreditorParty,
    Column::CreditorPhone,
    Column::Device,
    Column::Ip,
    Column::Reference,
];

fn column_path(column: Column) -> ColumnPath {
    ColumnPath::from(column.name())
}

/// Writes native Parquet.
pub struct ParquetWriter {
    path: PathBuf,
    writer: ArrowWriter<File>,
    schema: SchemaRef,
    batch: BatchBuilder,
}

impl ParquetWriter {
    /// Creates (or truncates) a file.
    pub fn create(path: &Path) -> Result<Self, WriteError> {
        let file = File::create(path).map_err(|e| WriteError::io(path, e))?;
        let schema = native_schema();
        // Statistics of text columns cost a tenth of the writing time and prune nothing useful.
        let mut properties = WriterProperties::builder()
            .set_compression(COMPRESSION)
            .set_max_row_group_row_count(Some(ROW_GROUP_ROWS))
            .set_statistics_enabled(EnabledStatistics::None)
            .set_key_value_metadata(Some(vec![KeyValue::new(SCHEMA_KEY.to_owned(), SCHEMA_VERSION.to_owned())]));
        for column in [Column::Time, Column::Amount, Column::ReceivedAmount, Column::Illicit] {
            properties = properties.set_column_statistics_enabled(column_path(column), EnabledStatistics::Chunk);
        }
        for column in UNIQUE_COLUMNS {
            properties = properties.set_column_dictionary_enabled(column_path(column), false);
        }
        // The writer adds the encoded Arrow schema, so readers get the dictionary and timestamp types back.
        let writer = ArrowWriter::try_new(file, Arc::clone(&schema), Some(properties.build()))
            .map_err(|e| WriteError::encode(path, e))?;
        Ok(ParquetWriter { path: path.to_path_buf(), writer, schema, batch: BatchBuilder::new() })
    }

    fn flush_batch(&mut self) -> Result<(), WriteError> {
        if self.batch.rows == 0 {
            return Ok(());
        }
        let columns = self.batch.finish().map_err(|e| WriteError::encode(&self.path, e))?;
        let batch =
            RecordBatch::try_new(Arc::clone(&self.schema), columns).map_err(|e| WriteError::encode(&self.path, e))?;
        self.writer.write(&batch).map_err(|e| WriteError::encode(&self.path, e))
    }
}

impl RecordWriter for ParquetWriter {
    fn write(&mut self, record: &LabelledTransaction) -> Result<(), WriteError> {
        self.batch.append(record);
        if self.batch.rows >= BATCH_ROWS {
            self.flush_batch()?;
        }
        Ok(())
    }

    fn finish(mut self: Box<Self>) -> Result<(), WriteError> {
        self.flush_batch()?;
        let path = self.path.clone();
        // Writes the footer and flushes the writer's buffer into the file, which is then closed.
        self.writer.into_inner().map(drop).map_err(|e| WriteError::encode(&path, e))
    }
}

/// Dictionary keys of currencies, with the currencies of the current batch.
struct CurrencyKeys {
    keys: Int32Builder,
    seen: Vec<Currency>,
}

impl CurrencyKeys {
    fn new() -> Self {
        CurrencyKeys { keys: Int32Builder::with_capacity(BATCH_ROWS), seen: Vec::new() }
    }

    fn append(&mut self, currency: Option<Currency>) {
        let Some(currency) = currency else {
            self.keys.append_null();
            return;
        };
        // A batch holds a handful of currencies; a scan beats hashing.
        let index = match self.seen.iter().position(|c| *c == currency) {
            Some(index) => index,
            None => {
                self.seen.push(currency);
                self.seen.len() - 1
            }
        };
        self.keys.append_value(index as i32);
    }

    fn finish(&mut self) -> Result<ArrayRef, arrow::error::ArrowError> {
        let values: StringArray = self.seen.iter().map(|c| Some(c.code())).collect();
        self.seen.clear();
        Ok(Arc::new(DictionaryArray::try_new(take_keys(&mut self.keys), Arc::new(values))?))
    }
}

/// A text column being built. Runs of nulls are counted and appended at once, as most optional columns are empty.
struct TextBuilder {
    builder: StringBuilder,
    nulls: usize,
}

impl TextBuilder {
    fn new() -> Self {
        TextBuilder { builder: StringBuilder::with_capacity(BATCH_ROWS, BATCH_ROWS * 8), nulls: 0 }
    }

    fn append(&mut self, text: Option<&str>) {
        match text {
            Some(text) => self.append_value(text),
            None => self.nulls += 1,
        }
    }

    fn append_value(&mut self, text: &str) {
        if self.nulls > 0 {
            self.builder.append_nulls(self.nulls);
            self.nulls = 0;
        }
        self.builder.append_value(text);
    }

    /// Finishes the column and leaves a builder sized like it, so the next batch grows (copies) no buffer.
    fn finish(&mut self) -> ArrayRef {
        self.builder.append_nulls(self.nulls);
        self.nulls = 0;
        let bytes = self.builder.values_slice().len();
        let fresh = StringBuilder::with_capacity(BATCH_ROWS, bytes + bytes / 8);
        Arc::new(std::mem::replace(&mut self.builder, fresh).finish())
    }
}

/// Finishes a column of dictionary keys and leaves a builder of a batch's capacity.
fn take_keys(builder: &mut Int32Builder) -> Int32Array {
    std::mem::replace(builder, Int32Builder::with_capacity(BATCH_ROWS)).finish()
}

/// The builders of one side of a transaction.
struct PartyBuilder {
    account: TextBuilder,
    institution: TextBuilder,
    party: TextBuilder,
    name: TextBuilder,
    /// Keys into [`BatchBuilder::countries`].
    country: Int32Builder,
    phone: TextBuilder,
}

impl PartyBuilder {
    fn new() -> Self {
        PartyBuilder {
            account: TextBuilder::new(),
            institution: TextBuilder::new(),
            party: TextBuilder::new(),
            name: TextBuilder::new(),
            country: Int32Builder::with_capacity(BATCH_ROWS),
            phone: TextBuilder::new(),
        }
    }

    fn append(&mut self, party: &Party) {
        self.account.append_value(party.account.as_str());
        self.institution.append(party.institution.as_ref().map(InstitutionId::as_str));
        self.party.append(party.party.as_ref().map(PartyId::as_str));
        self.name.append(party.name.as_ref().map(Text::as_str));
        self.country.append_option(party.country.map(country_key));
        self.phone.append(party.phone.as_ref().map(PhoneNumber::as_str));
    }

    fn finish(&mut self, countries: &ArrayRef) -> Result<[ArrayRef; 6], arrow::error::ArrowError> {
        Ok([
            self.account.finish(),
            self.institution.finish(),
            self.party.finish(),
            self.name.finish(),
            Arc::new(DictionaryArray::try_new(take_keys(&mut self.country), Arc::clone(countries))?),
            self.phone.finish(),
        ])
    }
}

/// The index of a country code among all pairs of letters `AA` to `ZZ` (see [`all_countries`]).
fn country_key(country: CountryCode) -> i32 {
    let index = |b: u8| i32::from(b.to_ascii_uppercase().saturating_sub(b'A')).min(25);
    match country.as_str().as_bytes() {
        // A country code is two ASCII letters, upper case, by construction; the clamps above only keep a key
        // in range whatever happens.
        [a, b] => index(*a) * 26 + index(*b),
        _ => 0,
    }
}

/// Every pair of letters `AA` to `ZZ`: a fixed dictionary for country codes, so no hashing per row.
fn all_countries() -> ArrayRef {
    let mut values = StringBuilder::with_capacity(26 * 26, 26 * 26 * 2);
    for a in b'A'..=b'Z' {
        for b in b'A'..=b'Z' {
            let pair = [a, b];
            // Two ASCII letters are valid UTF-8.
            values.append_value(std::str::from_utf8(&pair).unwrap_or("??"));
        }
    }
    Arc::new(values.finish())
}

/// The names of every channel, indexed by `Channel as usize`: a fixed dictionary for the channel column.
fn all_channels() -> ArrayRef {
    Arc::new(Channel::ALL.iter().map(|c| Some(c.as_str())).collect::<StringArray>())
}

/// One batch of rows being built; the builders are reused from batch to batch.
struct BatchBuilder {
    rows: usize,
    id: TextBuilder,
    time: Vec<i64>,
    amount: Vec<i64>,
    currency: CurrencyKeys,
    received_amount: Int64Builder,
    received_currency: CurrencyKeys,
    channel: Vec<i32>,
    debtor: PartyBuilder,
    creditor: PartyBuilder,
    device: TextBuilder,
    ip: TextBuilder,
    purpose: TextBuilder,
    reference: TextBuilder,
    illicit: BooleanBuilder,
    typology: StringDictionaryBuilder<Int32Type>,
    scenario: TextBuilder,
    channels: ArrayRef,
    countries: ArrayRef,
    scratch: String,
}

impl BatchBuilder {
    fn new() -> Self {
        BatchBuilder {
            rows: 0,
            id: TextBuilder::new(),
            time: Vec::with_capacity(BATCH_ROWS),
            amount: Vec::with_capacity(BATCH_ROWS),
            currency: CurrencyKeys::new(),
            received_amount: Int64Builder::with_capacity(BATCH_ROWS),
            received_currency: CurrencyKeys::new(),
            channel: Vec::with_capacity(BATCH_ROWS),
            debtor: PartyBuilder::new(),
            creditor: PartyBuilder::new(),
            device: TextBuilder::new(),
            ip: TextBuilder::new(),
            purpose: TextBuilder::new(),
            reference: TextBuilder::new(),
            illicit: BooleanBuilder::with_capacity(BATCH_ROWS),
            typology: StringDictionaryBuilder::with_capacity(BATCH_ROWS, 32, 512),
            scenario: TextBuilder::new(),
            channels: all_channels(),
            countries: all_countries(),
            scratch: String::with_capacity(64),
        }
    }

    fn append(&mut self, record: &LabelledTransaction) {
        let tx = &record.tx;
        self.id.append_value(tx.id.as_str());
        self.time.push(tx.time.millis());
        self.amount.push(tx.amount.minor());
        self.currency.append(Some(tx.amount.currency()));
        self.received_amount.append_option(tx.received.map(|m| m.minor()));
        self.received_currency.append(tx.received.map(|m| m.currency()));
        self.channel.push(tx.channel as i32);
        self.debtor.append(&tx.debtor);
        self.creditor.append(&tx.creditor);
        self.device.append(tx.device.as_ref().map(DeviceId::as_str));
        match tx.ip {
            Some(ip) => {
                self.scratch.clear();
                tonle_core::transaction::write_ip(&mut self.scratch, ip);
                self.ip.append_value(&self.scratch);
            }
            None => self.ip.append(None),
        }
        self.purpose.append(tx.purpose.as_ref().map(Text::as_str));
        self.reference.append(tx.reference.as_ref().map(Text::as_str));
        let label = record.label.as_ref();
        self.illicit.append_option(label.map(|l| l.illicit));
        self.typology.append_option(label.and_then(|l| l.typology.as_ref()).map(Typology::as_str));
        self.scenario.append(label.and_then(|l| l.scenario.as_ref()).map(ScenarioId::as_str));
        self.rows += 1;
    }

    /// The columns of the rows appended since the last call, in file order; the builders are left empty.
    fn finish(&mut self) -> Result<Vec<ArrayRef>, arrow::error::ArrowError> {
        self.rows = 0;
        let time = std::mem::replace(&mut self.time, Vec::with_capacity(BATCH_ROWS));
        let amount = std::mem::replace(&mut self.amount, Vec::with_capacity(BATCH_ROWS));
        let channel = std::mem::replace(&mut self.channel, Vec::with_capacity(BATCH_ROWS));
        let [debtor_account, debtor_institution, debtor_party, debtor_name, debtor_country, debtor_phone] =
            self.debtor.finish(&self.countries)?;
        let [creditor_account, creditor_institution, creditor_party, creditor_name, creditor_country, creditor_phone] =
            self.creditor.finish(&self.countries)?;
        Ok(vec![
            self.id.finish(),
            Arc::new(TimestampMillisecondArray::from(time).with_timezone("UTC")),
            Arc::new(Int64Array::from(amount)),
            self.currency.finish()?,
            Arc::new(std::mem::replace(&mut self.received_amount, Int64Builder::with_capacity(BATCH_ROWS)).finish()),
            self.received_currency.finish()?,
            Arc::new(DictionaryArray::try_new(Int32Array::from(channel), Arc::clone(&self.channels))?),
            debtor_account,
            debtor_institution,
            debtor_party,
            debtor_name,
            debtor_country,
            debtor_phone,
            creditor_account,
            creditor_institution,
            creditor_party,
            creditor_name,
            creditor_country,
            creditor_phone,
            self.device.finish(),
            self.ip.finish(),
            self.purpose.finish(),
            self.reference.finish(),
            Arc::new(std::mem::replace(&mut self.illicit, BooleanBuilder::with_capacity(BATCH_ROWS)).finish()),
            Arc::new(self.typology.finish()),
            self.scenario.finish(),
        ])
    }
}

/// Streams native Parquet rows.
pub struct ParquetReader {
    file: Arc<str>,
    /// `None` once the file is exhausted or a fatal error ended reading.
    batches: Option<ParquetRecordBatchReader>,
    /// For each native column, its index in the file, if the file has it.
    positions: [Option<usize>; 26],
    columns: Columns,
    /// The next row of the current batch.
    row: usize,
    /// The 1-based number in the file of the current batch's first row.
    first_row: u64,
}

impl ParquetReader {
    /// Opens a file and checks its schema.
    pub fn open(path: &Path) -> Result<Self, ReadError> {
        let name = display_name(path);
        let file = File::open(path).map_err(|e| ReadError::io(&name, &e))?;
        let builder = guarded(|| ParquetRecordBatchReaderBuilder::try_new(file))
            .and_then(|opened| opened.map_err(|e| e.to_string()))
            .map_err(|e| ReadError::fatal(Location::file(&name), format!("not a readable Parquet file: {e}")))?;
        let version = builder
            .metadata()
            .file_metadata()
            .key_value_metadata()
            .and_then(|entries| entries.iter().find(|kv| kv.key == SCHEMA_KEY))
            .and_then(|kv| kv.value.as_deref());
        if let Some(version) = version.filter(|v| *v != SCHEMA_VERSION) {
            return Err(ReadError::fatal(
                Location::file(&name),
                format!("schema {version:?} is not supported (this reader reads {SCHEMA_VERSION:?})"),
            ));
        }
        let positions = check_schema(&name, builder.schema())?;
        let batches = builder
            .with_batch_size(BATCH_ROWS)
            .build()
            .map_err(|e| ReadError::fatal(Location::file(&name), format!("cannot read: {e}")))?;
        Ok(ParquetReader {
            file: name,
            batches: Some(batches),
            positions,
            columns: Columns::new(),
            row: 0,
            first_row: 1,
        })
    }

    /// Loads the next batch; `None` at the end of the file.
    fn next_batch(&mut self) -> Option<Result<(), ReadError>> {
        let batches = self.batches.as_mut()?;
        self.first_row += self.columns.rows as u64;
        self.row = 0;
        self.columns.rows = 0;
        let location = || Location::line(&self.file, self.first_row);
        let loaded = match guarded(|| batches.next()) {
            Ok(None) => {
                self.batches = None;
                return None;
            }
            Ok(Some(Ok(batch))) => self.columns.load(&batch, &self.positions),
            Ok(Some(Err(e))) => Err(format!("cannot read: {e}")),
            Err(message) => Err(message),
        };
        Some(loaded.map_err(|message| {
            self.batches = None;
            self.columns.rows = 0;
            ReadError::fatal(location(), message)
        }))
    }
}

impl Iterator for ParquetReader {
    type Item = Result<LabelledTransaction, ReadError>;

    fn next(&mut self) -> Option<Self::Item> {
        while self.row >= self.columns.rows {
            if let Err(error) = self.next_batch()? {
                return Some(Err(error));
            }
        }
        let row = self.row;
        self.row += 1;
        Some(self.columns.decode(row).map_err(|e| {
            let line = self.first_row + row as u64;
            ReadError::record(Location::line(&self.file, line).with_field(e.column), e.message)
        }))
    }
}

/// Runs a step of the Parquet decoder, turning a panic into an error message. The decoder panics on some corrupted
/// pages instead of returning an error (e.g. "offset + len out of bounds" from bad definition levels); the caller
/// never uses it again after an error, so no broken state is observed.
fn guarded<T>(step: impl FnOnce() -> T) -> Result<T, String> {
    std::panic::catch_unwind(std::panic::AssertUnwindSafe(step)).map_err(|panic| {
        let detail = panic
            .downcast_ref::<&str>()
            .copied()
            .or_else(|| panic.downcast_ref::<String>().map(String::as_str))
            .unwrap_or("no detail");
        format!("corrupt data: the Parquet decoder failed ({detail})")
    })
}

/// Finds each native column in a file's schema and checks its type.
fn check_schema(file: &Arc<str>, schema: &Schema) -> Result<[Option<usize>; 26], ReadError> {
    let mut positions = [None; 26];
    for (index, field) in schema.fields().iter().enumerate() {
        let location = || Location::file(file).with_field(field.name());
        let Some(slot) = COLUMNS.iter().position(|c| c == field.name()) else {
            return Err(ReadError::fatal(
                location(),
                format!("unknown column; native columns are: {}", COLUMNS.join(", ")),
            ));
        };
        if positions[slot].is_some() {
            return Err(ReadError::fatal(location(), "column appears twice"));
        }
        let kind = kind(Column::ALL[slot]);
        if !accepts(kind, field.data_type()) {
            return Err(ReadError::fatal(
                location(),
                format!("column has type {}, expected {}", field.data_type(), expected(kind)),
            ));
        }
        positions[slot] = Some(index);
    }
    if let Some(missing) = REQUIRED.iter().find(|c| positions[**c as usize].is_none()) {
        return Err(ReadError::fatal(Location::file(file).with_field(missing.name()), "required column is missing"));
    }
    Ok(positions)
}

fn field_error(column: Column, message: impl Into<String>) -> FieldError {
    FieldError { column: column.name(), message: message.into() }
}

/// A plain text column of the current batch.
struct TextColumn {
    column: Column,
    array: Option<StringArray>,
}

impl TextColumn {
    fn new(column: Column) -> Self {
        TextColumn { column, array: None }
    }

    fn load(&mut self, array: Option<&ArrayRef>) -> Result<(), String> {
        let name = self.column.name();
        self.array = match array {
            None => None,
            Some(array) => {
                let converted;
                let array = if *array.data_type() == DataType::Utf8 {
                    array
                } else {
                    converted = cast(array, &DataType::Utf8).map_err(|e| format!("column {name}: {e}"))?;
                    &converted
                };
                let text = array.as_string_opt::<i32>().ok_or_else(|| format!("column {name} is not text"))?;
                Some(text.clone())
            }
        };
        Ok(())
    }

    /// The text of a row; null and empty are both absent.
    fn get(&self, row: usize) -> Option<&str> {
        let array = self.array.as_ref()?;
        array.is_valid(row).then(|| array.value(row)).filter(|text| !text.is_empty())
    }

    fn parse<T: std::str::FromStr>(&self, row: usize) -> Result<Option<T>, FieldError>
    where
        T::Err: std::fmt::Display,
    {
        self.get(row).map(|text| text.parse::<T>().map_err(|e| field_error(self.column, e.to_string()))).transpose()
    }

    fn required<T: std::str::FromStr>(&self, row: usize) -> Result<T, FieldError>
    where
        T::Err: std::fmt::Display,
    {
        self.parse(row)?.ok_or_else(|| field_error(self.column, "is required"))
    }
}

/// A dictionary-encoded text column of the current batch, its distinct values decoded once.
struct DictColumn<T> {
    column: Column,
    keys: Option<Int32Array>,
    /// The dictionary `decoded` was made from; batches of one row group usually share it.
    source: Option<ArrayRef>,
    /// Each dictionary value decoded: `None` for an empty or null text (absent), else the value or why not.
    decoded: Vec<Option<Result<T, String>>>,
}

impl<T: Clone + std::str::FromStr> DictColumn<T>
where
    T::Err: std::fmt::Display,
{
    fn new(column: Column) -> Self {
        DictColumn { column, keys: None, source: None, decoded: Vec::new() }
    }

    fn load(&mut self, array: Option<&ArrayRef>) -> Result<(), String> {
        let Some(array) = array else {
            self.keys = None;
            return Ok(());
        };
        let converted;
        let array = if *array.data_type() == dict_type() {
            array
        } else {
            converted = cast(array, &dict_type()).map_err(|e| format!("column {}: {e}", self.column.name()))?;
            &converted
        };
        let bad_type = || format!("column {} has type {}", self.column.name(), array.data_type());
        let dictionary = array.as_dictionary_opt::<Int32Type>().ok_or_else(bad_type)?;
        let values = dictionary.values();
        if !self.source.as_ref().is_some_and(|source| Arc::ptr_eq(source, values)) {
            let texts = values.as_string_opt::<i32>().ok_or_else(bad_type)?;
            self.decoded.clear();
            self.decoded.extend(
                texts
                    .iter()
                    .map(|text| text.filter(|t| !t.is_empty()).map(|t| t.parse::<T>().map_err(|e| e.to_string()))),
            );
            self.source = Some(Arc::clone(values));
        }
        self.keys = Some(dictionary.keys().clone());
        Ok(())
    }

    fn get(&self, row: usize) -> Result<Option<T>, FieldError> {
        let Some(keys) = &self.keys else { return Ok(None) };
        if keys.is_null(row) {
            return Ok(None);
        }
        match usize::try_from(keys.value(row)).ok().and_then(|key| self.decoded.get(key)) {
            Some(Some(Ok(value))) => Ok(Some(value.clone())),
            Some(Some(Err(message))) => Err(field_error(self.column, message.clone())),
            Some(None) => Ok(None),
            None => Err(field_error(self.column, "dictionary key out of range")),
        }
    }
}

/// The time column of the current batch, in whatever unit the file has.
struct TimeColumn {
    values: Option<(ScalarBuffer<i64>, Option<NullBuffer>, TimeUnit)>,
}

impl TimeColumn {
    fn load(&mut self, array: Option<&ArrayRef>) -> Result<(), String> {
        fn parts<T: arrow::datatypes::ArrowPrimitiveType<Native = i64>>(
            array: &ArrayRef,
        ) -> Option<(ScalarBuffer<i64>, Option<NullBuffer>)> {
            let array = array.as_primitive_opt::<T>()?;
            Some((array.values().clone(), array.nulls().cloned()))
        }
        self.values = match array {
            None => None,
            Some(array) => {
                let (unit, found) = match array.data_type() {
                    DataType::Timestamp(unit @ TimeUnit::Second, _) => (*unit, parts::<TimestampSecondType>(array)),
                    DataType::Timestamp(unit @ TimeUnit::Millisecond, _) => {
                        (*unit, parts::<TimestampMillisecondType>(array))
                    }
                    DataType::Timestamp(unit @ TimeUnit::Microsecond, _) => {
                        (*unit, parts::<TimestampMicrosecondType>(array))
                    }
                    DataType::Timestamp(unit @ TimeUnit::Nanosecond, _) => {
                        (*unit, parts::<TimestampNanosecondType>(array))
                    }
                    _ => (TimeUnit::Millisecond, None),
                };
                let (values, nulls) = found.ok_or_else(|| format!("column time has type {}", array.data_type()))?;
                Some((values, nulls, unit))
            }
        };
        Ok(())
    }

    fn get(&self, row: usize) -> Result<EventTime, FieldError> {
        let required = || field_error(Column::Time, "is required");
        let (values, nulls, unit) = self.values.as_ref().ok_or_else(required)?;
        if nulls.as_ref().is_some_and(|nulls| nulls.is_null(row)) {
            return Err(required());
        }
        let value = values[row];
        // Below the millisecond is truncated towards the past, as the RFC 3339 parsers do.
        let millis = match unit {
            TimeUnit::Second => value.checked_mul(1000),
            TimeUnit::Millisecond => Some(value),
            TimeUnit::Microsecond => Some(value.div_euclid(1000)),
            TimeUnit::Nanosecond => Some(value.div_euclid(1_000_000)),
        };
        millis.and_then(|millis| EventTime::from_millis(millis).ok()).ok_or_else(|| {
            field_error(Column::Time, format!("{value} ({unit:?}s since 1970) is outside years 0000 to 9999"))
        })
    }
}

/// An integer column (minor units) of the current batch.
struct MinorColumn {
    array: Option<Int64Array>,
}

impl MinorColumn {
    fn load(&mut self, array: Option<&ArrayRef>, column: Column) -> Result<(), String> {
        self.array = array
            .map(|array| {
                array
                    .as_primitive_opt::<Int64Type>()
                    .cloned()
                    .ok_or_else(|| format!("column {} has type {}", column.name(), array.data_type()))
            })
            .transpose()?;
        Ok(())
    }

    fn get(&self, row: usize) -> Option<i64> {
        self.array.as_ref().filter(|array| array.is_valid(row)).map(|array| array.value(row))
    }
}

/// The columns of one side of a transaction.
struct PartyColumns {
    account: TextColumn,
    institution: TextColumn,
    party: TextColumn,
    name: TextColumn,
    country: DictColumn<CountryCode>,
    phone: TextColumn,
}

impl PartyColumns {
    fn new(columns: [Column; 6]) -> Self {
        let [account, institution, party, name, country, phone] = columns;
        PartyColumns {
            account: TextColumn::new(account),
            institution: TextColumn::new(institution),
            party: TextColumn::new(party),
            name: TextColumn::new(name),
            country: DictColumn::new(country),
            phone: TextColumn::new(phone),
        }
    }

    fn load(&mut self, array: impl Fn(Column) -> Option<ArrayRef>) -> Result<(), String> {
        self.account.load(array(self.account.column).as_ref())?;
        self.institution.load(array(self.institution.column).as_ref())?;
        self.party.load(array(self.party.column).as_ref())?;
        self.name.load(array(self.name.column).as_ref())?;
        self.country.load(array(self.country.column).as_ref())?;
        self.phone.load(array(self.phone.column).as_ref())
    }

    fn decode(&self, row: usize) -> Result<Party, FieldError> {
        Ok(Party {
            account: self.account.required::<AccountId>(row)?,
            institution: self.institution.parse::<InstitutionId>(row)?,
            party: self.party.parse::<PartyId>(row)?,
            name: self.name.parse::<Text>(row)?,
            country: self.country.get(row)?,
            phone: self.phone.parse::<PhoneNumber>(row)?,
        })
    }
}

/// The columns of the current batch, ready to decode row by row.
struct Columns {
    rows: usize,
    id: TextColumn,
    time: TimeColumn,
    amount: MinorColumn,
    currency: DictColumn<Currency>,
    received_amount: MinorColumn,
    received_currency: DictColumn<Currency>,
    channel: DictColumn<Channel>,
    debtor: PartyColumns,
    creditor: PartyColumns,
    device: TextColumn,
    ip: TextColumn,
    purpose: TextColumn,
    reference: TextColumn,
    illicit: Option<BooleanArray>,
    typology: DictColumn<Typology>,
    scenario: TextColumn,
}

impl Columns {
    fn new() -> Self {
        Columns {
            rows: 0,
            id: TextColumn::new(Column::Id),
            time: TimeColumn { values: None },
            amount: MinorColumn { array: None },
            currency: DictColumn::new(Column::Currency),
            received_amount: MinorColumn { array: None },
            received_currency: DictColumn::new(Column::ReceivedCurrency),
            channel: DictColumn::new(Column::Channel),
            debtor: PartyColumns::new(DEBTOR),
            creditor: PartyColumns::new(CREDITOR),
            device: TextColumn::new(Column::Device),
            ip: TextColumn::new(Column::Ip),
            purpose: TextColumn::new(Column::Purpose),
            reference: TextColumn::new(Column::Reference),
            illicit: None,
            typology: DictColumn::new(Column::Typology),
            scenario: TextColumn::new(Column::Scenario),
        }
    }

    /// Takes the columns of a batch; on error the batch cannot be read.
    fn load(&mut self, batch: &RecordBatch, positions: &[Option<usize>; 26]) -> Result<(), String> {
        let array = |column: Column| positions[column as usize].map(|index| Arc::clone(batch.column(index)));
        self.id.load(array(Column::Id).as_ref())?;
        self.time.load(array(Column::Time).as_ref())?;
        self.amount.load(array(Column::Amount).as_ref(), Column::Amount)?;
        self.currency.load(array(Column::Currency).as_ref())?;
        self.received_amount.load(array(Column::ReceivedAmount).as_ref(), Column::ReceivedAmount)?;
        self.received_currency.load(array(Column::ReceivedCurrency).as_ref())?;
        self.channel.load(array(Column::Channel).as_ref())?;
        self.debtor.load(array)?;
        self.creditor.load(array)?;
        self.device.load(array(Column::Device).as_ref())?;
        self.ip.load(array(Column::Ip).as_ref())?;
        self.purpose.load(array(Column::Purpose).as_ref())?;
        self.reference.load(array(Column::Reference).as_ref())?;
        self.illicit = array(Column::Illicit)
            .map(|array| {
                array.as_boolean_opt().cloned().ok_or_else(|| format!("column illicit has type {}", array.data_type()))
            })
            .transpose()?;
        self.typology.load(array(Column::Typology).as_ref())?;
        self.scenario.load(array(Column::Scenario).as_ref())?;
        self.rows = batch.num_rows();
        Ok(())
    }

    fn money(
        amount: (&MinorColumn, Column),
        currency: &DictColumn<Currency>,
        row: usize,
    ) -> Result<Option<Money>, FieldError> {
        // The currency is decoded (and so checked) first: a corrupted code is an error even with the amount null.
        let code = currency.get(row)?;
        let pair = money_pair((amount.0.get(row), amount.1), (code, currency.column))?;
        Ok(pair.map(|(minor, currency)| Money::from_minor(minor, currency)))
    }

    fn decode(&self, row: usize) -> Result<LabelledTransaction, FieldError> {
        let amount = Columns::money((&self.amount, Column::Amount), &self.currency, row)?
            .ok_or_else(|| field_error(Column::Amount, "is required"))?;
        let tx = Transaction {
            id: self.id.required::<TxId>(row)?,
            time: self.time.get(row)?,
            debtor: self.debtor.decode(row)?,
            creditor: self.creditor.decode(row)?,
            amount,
            received: Columns::money((&self.received_amount, Column::ReceivedAmount), &self.received_currency, row)?,
            channel: self.channel.get(row)?.unwrap_or(Channel::BankTransfer),
            device: self.device.parse::<DeviceId>(row)?,
            ip: self.ip.parse(row)?,
            purpose: self.purpose.parse::<Text>(row)?,
            reference: self.reference.parse::<Text>(row)?,
        };
        let typology = self.typology.get(row)?;
        let scenario = self.scenario.parse::<ScenarioId>(row)?;
        let illicit = self.illicit.as_ref().filter(|flags| flags.is_valid(row)).map(|flags| flags.value(row));
        Ok(LabelledTransaction { tx, label: label(illicit, typology, scenario)? })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn columns_line_up_with_the_native_schema() {
        for (index, column) in Column::ALL.iter().enumerate() {
            assert_eq!(column.name(), COLUMNS[index]);
            assert_eq!(*column as usize, index);
        }
        let schema = native_schema();
        assert_eq!(schema.fields().len(), COLUMNS.len());
        for (field, name) in schema.fields().iter().zip(COLUMNS) {
            assert_eq!(field.name(), name);
            assert!(accepts(kind(Column::ALL[COLUMNS.iter().position(|c| *c == name).unwrap()]), field.data_type()));
        }
    }

    #[test]
    fn channel_keys_index_the_channel_dictionary() {
        let channels = all_channels();
        let names = channels.as_string::<i32>();
        for channel in Channel::ALL {
            assert_eq!(names.value(channel as usize), channel.as_str());
        }
    }

    #[test]
    fn country_keys_index_the_country_dictionary() {
        let countries = all_countries();
        let names = countries.as_string::<i32>();
        for code in ["AA", "KH", "TH", "ZZ"] {
            let country = CountryCode::new(code).unwrap();
            assert_eq!(names.value(country_key(country) as usize), code);
        }
    }

    #[test]
    fn reader_and_writer_are_send() {
        fn send<T: Send>() {}
        send::<ParquetReader>();
        send::<ParquetWriter>();
    }
}
