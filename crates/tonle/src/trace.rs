//! `tonle trace`: follow the money from an account or a transaction through files of transactions, forward
//! or backward, by FIFO or haircut, and write the accounts reached, the transactions followed and the paths
//! as JSON and GraphML. The model is [`tonle_detect::graph::trace`]'s.

use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{bail, Context, Result};
use clap::ValueEnum;
use quick_xml::events::{BytesDecl, BytesEnd, BytesStart, BytesText, Event};
use quick_xml::Writer;
use rustc_hash::FxHashMap;
use serde_json::{json, Value};
use tonle_core::{AccountId, TxId};
use tonle_detect::graph::trace::{
    trace, Direction, Ledger, LedgerBuilder, Limits, Method, Start, Stop, Trace, TraceError, DEFAULT_MAX_PATHS,
    DEFAULT_MAX_TRANSACTIONS,
};

use crate::import::{abandon_staged, close, finish_staged, read_all, staging_path};
use crate::InputArgs;

/// `tonle trace`'s options. The input format is `--format` here, as `--from` names the start.
#[derive(clap::Args)]
#[command(mut_arg("format", |arg| arg.long("format")))]
#[command(mut_arg("fx", |arg| arg.help("Exchange rates (CSV: date,from,to,rate) to convert every amount into the --base currency")))]
#[command(mut_arg("base", |arg| arg.help("The currency every traced amount is given in")))]
pub struct TraceArgs {
    #[command(flatten)]
    input: InputArgs,
    /// An input file; repeat for more (read together, in order).
    #[arg(long = "in", value_name = "FILE", required = true)]
    inputs: Vec<PathBuf>,
    /// Where to start: `account:ID`, `transaction:ID`, or a bare ID that is exactly one of them in the input.
    #[arg(long, value_name = "START")]
    from: String,
    /// forward: where the money went; backward: where it came from.
    #[arg(long, value_enum)]
    direction: DirectionArg,
    /// The most transactions on one path (the start transaction is the first).
    #[arg(long, value_parser = clap::value_parser!(u32).range(1..))]
    hops: u32,
    /// How an account's outflows take from its inflows: fifo (oldest money first) or haircut (the same share
    /// of everything held).
    #[arg(long, value_enum)]
    method: MethodArg,
    /// The most distinct transactions to follow; what is left stops where it is, reported as `cap`.
    #[arg(long, default_value_t = DEFAULT_MAX_TRANSACTIONS)]
    max_transactions: usize,
    /// The most paths to explore (each extension of a path by one transaction counts).
    #[arg(long, default_value_t = DEFAULT_MAX_PATHS)]
    max_paths: usize,
    /// Write the trace as JSON here (default: standard output).
    #[arg(long, short)]
    out: Option<PathBuf>,
    /// Also write the trace as GraphML here: accounts as nodes, transactions followed as edges.
    #[arg(long)]
    graphml: Option<PathBuf>,
}

/// `--direction`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
enum DirectionArg {
    /// Where the money went.
    Forward,
    /// Where the money came from.
    Backward,
}

/// `--method`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
enum MethodArg {
    /// First in, first out.
    Fifo,
    /// Proportional.
    Haircut,
}

/// Runs `tonle trace`.
pub fn run(args: &TraceArgs) -> Result<ExitCode> {
    let fx = args.input.fx_table()?;
    let hint = match args.input.fx {
        Some(_) => "add the missing rate to the --fx file",
        None => "give exchange rates with --fx FILE (a simulation's fx.csv works)",
    };
    let mut builder = LedgerBuilder::new(fx);
    let outcome = read_all(&args.input, &args.inputs, |record| match builder.push(&record.tx) {
        Ok(()) => Ok(()),
        Err(error @ TraceError::Fx { .. }) => Err(anyhow::Error::new(error).context(hint)),
        Err(error) => Err(error.into()),
    })?;
    let ledger = builder.finish();
    let start = resolve(&args.from, &ledger)?;
    let direction = match args.direction {
        DirectionArg::Forward => Direction::Forward,
        DirectionArg::Backward => Direction::Backward,
    };
    let method = match args.method {
        MethodArg::Fifo => Method::Fifo,
        MethodArg::Haircut => Method::Haircut,
    };
    let limits = Limits { hops: args.hops, max_transactions: args.max_transactions, max_paths: args.max_paths };
    let result = trace(&ledger, &start, direction, limits, method)?;

    let document = to_json(&result)?;
    match &args.out {
        Some(path) => write_atomically(path, |out| {
            serde_json::to_writer_pretty(&mut *out, &document)?;
            Ok(out.write_all(b"\n")?)
        })?,
        None => println!("{}", serde_json::to_string_pretty(&document)?),
    }
    if let Some(path) = &args.graphml {
        write_atomically(path, |out| write_graphml(&result, out))?;
    }
    report(&result)?;
    Ok(close(&outcome, "trace"))
}

/// The start named by `--from`: `account:ID`, `transaction:ID`, or a bare id looked up as both.
fn resolve(text: &str, ledger: &Ledger) -> Result<Start> {
    if let Some(id) = text.strip_prefix("account:") {
        return Ok(Start::Account(AccountId::new(id).context("--from account: needs an account id")?));
    }
    if let Some(id) = text.strip_prefix("transaction:") {
        return Ok(Start::Transaction(TxId::new(id).context("--from transaction: needs a transaction id")?));
    }
    match (ledger.has_account(text), ledger.has_transaction(text)) {
        (true, false) => Ok(Start::Account(AccountId::new(text)?)),
        (false, true) => Ok(Start::Transaction(TxId::new(text)?)),
        (true, true) => bail!(
            "--from {text:?} is both an account and a transaction id in the input; say which: \
             --from account:{text} or --from transaction:{text}"
        ),
        (false, false) => bail!(
            "--from {text:?} is neither an account nor a transaction id in the input ({} transactions, {} accounts)",
            ledger.len(),
            ledger.account_count()
        ),
    }
}

/// Writes `path` through a `.partial` file renamed into place when complete; a path that exists and is not a
/// regular file (`/dev/null`, a named pipe) is written directly, never replaced.
fn write_atomically(path: &Path, write: impl FnOnce(&mut BufWriter<File>) -> Result<()>) -> Result<()> {
    let staged = staging_path(path);
    let result = File::create(&staged)
        .with_context(|| format!("cannot create {}", staged.display()))
        .and_then(|file| {
            let mut out = BufWriter::new(file);
            write(&mut out)?;
            out.flush()?;
            Ok(())
        })
        .with_context(|| format!("cannot write {}", path.display()));
    match result {
        Ok(()) => finish_staged(&staged, path),
        Err(error) => {
            abandon_staged(&staged, path);
            Err(error)
        }
    }
}

/// Every stop, in the order reported.
const STOPS: [Stop; 5] = [Stop::Held, Stop::Untraced, Stop::HopLimit, Stop::Cap, Stop::Returned];

/// The trace as one JSON document; amounts in the base currency are decimal strings (`"12.50"`), the
/// currency given once; amounts as given in the input carry their own currency (`"41000.00 KHR"`).
fn to_json(trace: &Trace) -> Result<Value> {
    let mut ended = serde_json::Map::new();
    for stop in STOPS {
        ended.insert(stop.as_str().to_owned(), Value::String(trace.ended(stop)?.amount_text()));
    }
    let accounts: Vec<Value> = trace
        .accounts
        .iter()
        .map(|a| {
            json!({
                "account": a.account.as_str(),
                "hop": a.hop,
                "amount": a.amount.amount_text(),
                "ended": a.ended.amount_text(),
                "untraced": a.untraced.amount_text(),
            })
        })
        .collect();
    let transactions: Vec<Value> = trace
        .transactions
        .iter()
        .map(|t| {
            json!({
                "id": t.id.as_str(),
                "from": t.from.as_str(),
                "to": t.to.as_str(),
                "time": t.time.to_string(),
                "amount": t.amount.to_string(),
                "received": t.received.map(|r| r.to_string()),
                "value": t.value.amount_text(),
                "attributed": t.attributed.amount_text(),
                "hop": t.hop,
            })
        })
        .collect();
    let paths: Vec<Value> = trace
        .paths
        .iter()
        .map(|p| {
            json!({
                "transactions": p.transactions.iter().map(TxId::as_str).collect::<Vec<_>>(),
                "end": p.end.as_str(),
                "amount": p.amount.amount_text(),
                "stop": p.stop.as_str(),
            })
        })
        .collect();
    Ok(json!({
        "start": trace.start.to_string(),
        "origin": trace.origin.as_str(),
        "direction": trace.direction.as_str(),
        "method": trace.method.as_str(),
        "hops": trace.limits.hops,
        "max_transactions": trace.limits.max_transactions,
        "max_paths": trace.limits.max_paths,
        "currency": trace.base.code(),
        "amount": trace.amount.amount_text(),
        "ended": ended,
        "difference": trace.difference.amount_text(),
        "capped": trace.capped,
        "refused": trace.refused,
        "accounts": accounts,
        "transactions": transactions,
        "paths": paths,
    }))
}

/// The GraphML `<key>`s: (id, for, attr.name, attr.type).
const KEYS: [(&str, &str, &str, &str); 17] = [
    ("start", "graph", "start", "string"),
    ("direction", "graph", "direction", "string"),
    ("method", "graph", "method", "string"),
    ("currency", "graph", "currency", "string"),
    ("traced", "graph", "amount", "double"),
    ("capped", "graph", "capped", "boolean"),
    ("account", "node", "account", "string"),
    ("hop", "node", "hop", "int"),
    ("amount", "node", "amount", "double"),
    ("ended", "node", "ended", "double"),
    ("untraced", "node", "untraced", "double"),
    ("tx", "edge", "id", "string"),
    ("time", "edge", "time", "string"),
    ("given", "edge", "amount", "string"),
    ("value", "edge", "value", "double"),
    ("attributed", "edge", "attributed", "double"),
    ("edge_hop", "edge", "hop", "int"),
];

/// The trace as GraphML: a directed graph whose nodes are the accounts reached (`n0`, `n1`, ... with the
/// account id as data) and whose edges are the transactions followed (`e0`, ... with the transaction id).
/// Amounts in the base currency are exact decimals typed `double` for graph tools; `amount` on an edge is the
/// amount as given, with its currency.
fn write_graphml(trace: &Trace, out: &mut impl Write) -> Result<()> {
    let mut xml = Writer::new_with_indent(out, b' ', 2);
    xml.write_event(Event::Decl(BytesDecl::new("1.0", Some("UTF-8"), None)))?;
    let root = BytesStart::new("graphml").with_attributes([
        ("xmlns", "http://graphml.graphdrawing.org/xmlns"),
        ("xmlns:xsi", "http://www.w3.org/2001/XMLSchema-instance"),
        (
            "xsi:schemaLocation",
            "http://graphml.graphdrawing.org/xmlns http://graphml.graphdrawing.org/xmlns/1.0/graphml.xsd",
        ),
    ]);
    xml.write_event(Event::Start(root))?;
    for (id, kind, name, ty) in KEYS {
        xml.create_element("key")
            .with_attributes([("id", id), ("for", kind), ("attr.name", name), ("attr.type", ty)])
            .write_empty()?;
    }
    xml.write_event(Event::Start(
        BytesStart::new("graph").with_attributes([("id", "trace"), ("edgedefault", "directed")]),
    ))?;
    let capped = if trace.capped { "true" } else { "false" };
    let graph_data = [
        ("start", trace.start.to_string()),
        ("direction", trace.direction.as_str().to_owned()),
        ("method", trace.method.as_str().to_owned()),
        ("currency", trace.base.code().to_owned()),
        ("traced", trace.amount.amount_text()),
        ("capped", capped.to_owned()),
    ];
    for (key, value) in &graph_data {
        data(&mut xml, key, value)?;
    }
    let mut nodes: FxHashMap<&AccountId, String> = FxHashMap::default();
    for (i, account) in trace.accounts.iter().enumerate() {
        let id = format!("n{i}");
        xml.write_event(Event::Start(BytesStart::new("node").with_attributes([("id", id.as_str())])))?;
        data(&mut xml, "account", account.account.as_str())?;
        data(&mut xml, "hop", &account.hop.to_string())?;
        data(&mut xml, "amount", &account.amount.amount_text())?;
        data(&mut xml, "ended", &account.ended.amount_text())?;
        data(&mut xml, "untraced", &account.untraced.amount_text())?;
        xml.write_event(Event::End(BytesEnd::new("node")))?;
        nodes.insert(&account.account, id);
    }
    for (i, tx) in trace.transactions.iter().enumerate() {
        // Every followed transaction's accounts were reached; a missing one would make an invalid document.
        let (Some(source), Some(target)) = (nodes.get(&tx.from), nodes.get(&tx.to)) else {
            bail!("transaction {} joins an account the trace did not reach", tx.id);
        };
        let id = format!("e{i}");
        let edge = BytesStart::new("edge").with_attributes([
            ("id", id.as_str()),
            ("source", source.as_str()),
            ("target", target.as_str()),
        ]);
        xml.write_event(Event::Start(edge))?;
        data(&mut xml, "tx", tx.id.as_str())?;
        data(&mut xml, "time", &tx.time.to_string())?;
        data(&mut xml, "given", &tx.amount.to_string())?;
        data(&mut xml, "value", &tx.value.amount_text())?;
        data(&mut xml, "attributed", &tx.attributed.amount_text())?;
        data(&mut xml, "edge_hop", &tx.hop.to_string())?;
        xml.write_event(Event::End(BytesEnd::new("edge")))?;
    }
    xml.write_event(Event::End(BytesEnd::new("graph")))?;
    xml.write_event(Event::End(BytesEnd::new("graphml")))?;
    xml.into_inner().write_all(b"\n")?;
    Ok(())
}

/// One `<data key="...">value</data>`, the value escaped.
fn data(xml: &mut Writer<impl Write>, key: &str, value: &str) -> Result<()> {
    xml.create_element("data").with_attribute(("key", key)).write_text_content(BytesText::new(value))?;
    Ok(())
}

/// A summary on standard error.
fn report(trace: &Trace) -> Result<()> {
    let currency = trace.base.code();
    let mut ends = Vec::new();
    for stop in STOPS {
        let amount = trace.ended(stop)?;
        if !amount.is_zero() {
            ends.push(format!("{} {}", stop.as_str(), amount.amount_text()));
        }
    }
    eprintln!(
        "trace: {} from {} (account {}) by {}, at most {} hops: {} {currency} traced through {} transactions to {} \
         accounts in {} paths; stopped: {}",
        trace.direction,
        trace.start,
        trace.origin,
        trace.method,
        trace.limits.hops,
        trace.amount.amount_text(),
        trace.transactions.len(),
        trace.accounts.len(),
        trace.paths.len(),
        if ends.is_empty() { "nothing".to_owned() } else { ends.join(", ") },
    );
    if !trace.difference.is_zero() {
        eprintln!(
            "trace: {} {currency} lost crossing transactions (debited minus credited: fees, exchange, rounding)",
            trace.difference.amount_text()
        );
    }
    if trace.capped {
        eprintln!(
            "trace: capped: {} extensions were not followed (raise --max-transactions or --max-paths)",
            trace.refused
        );
    }
    Ok(())
}
