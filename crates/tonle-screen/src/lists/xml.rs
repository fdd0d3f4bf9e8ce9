//! A small XML record reader for the list formats: finds every record element (`INDIVIDUAL`, `sdnEntry`...)
//! and hands it over as a tree of [`Node`]s. Broken XML costs only the record it is in: the reader notes
//! the error and starts again at the next record's start tag.

use quick_xml::errors::IllFormedError;
use quick_xml::events::Event;
use quick_xml::Reader;

use super::LineCounter;

/// One element: its local name, its text and its child elements.
#[derive(Debug, Default)]
pub(crate) struct Node {
    pub name: String,
    pub text: String,
    pub children: Vec<Node>,
    /// The element's text was not valid UTF-8 (its text is then empty).
    pub bad_text: bool,
}

impl Node {
    /// The first child called `name`.
    pub fn child(&self, name: &str) -> Option<&Node> {
        self.children.iter().find(|c| c.name == name)
    }

    /// Every child called `name`.
    pub fn children<'a>(&'a self, name: &'a str) -> impl Iterator<Item = &'a Node> + 'a {
        self.children.iter().filter(move |c| c.name == name)
    }

    /// The trimmed text of the first child called `name`, if it has any.
    pub fn text_of(&self, name: &str) -> Option<&str> {
        self.child(name).map(|c| c.text.trim()).filter(|t| !t.is_empty())
    }

    /// Every element below this one (not itself) whose text was not valid UTF-8, by name.
    pub fn bad_fields(&self, out: &mut Vec<String>) {
        for c in &self.children {
            if c.bad_text {
                out.push(c.name.clone());
            }
            c.bad_fields(out);
        }
    }
}

/// What the reader found: a record, or an error that cost a record (or the rest of the file).
pub(crate) enum Item {
    /// A whole record element and the 1-based line it starts on.
    Record(Node, u64),
    /// Broken XML at the 1-based `line`; `record` is the partly read record it was in, if any.
    Broken { line: u64, message: String, record: Option<Node> },
}

fn local(name: &[u8]) -> String {
    let local = match name.iter().rposition(|&b| b == b':') {
        Some(i) => &name[i + 1..],
        None => name,
    };
    String::from_utf8_lossy(local).into_owned()
}

/// The next start tag of one of `records` at or after `from`: `<NAME>`, `<NAME ` or `<NAME/`, with or
/// without a namespace prefix.
fn next_start(data: &[u8], from: usize, records: &[&str]) -> Option<usize> {
    let mut i = from;
    while i < data.len() {
        let rel = data[i..].iter().position(|&b| b == b'<')?;
        let at = i + rel;
        let rest = &data[at + 1..];
        let name_end = rest.iter().position(|&b| matches!(b, b'>' | b' ' | b'/' | b'\t' | b'\r' | b'\n'));
        if let Some(end) = name_end {
            let name = local(&rest[..end]);
            if records.contains(&name.as_str()) {
                return Some(at);
            }
        }
        i = at + 1;
    }
    None
}

/// Reads every element named one of `records` (local names) from `data`, in order, and calls `f` with each
/// record or error.
pub(crate) fn for_each_record(data: &[u8], records: &[&str], mut f: impl FnMut(Item)) {
    let mut lines = LineCounter::new(data);
    let mut offset = 0usize;
    let mut buf = Vec::new();
    'restart: loop {
        let mut reader = Reader::from_reader(&data[offset..]);
        reader.config_mut().check_end_names = false;
        reader.config_mut().expand_empty_elements = true;
        // The element stack of the record being read (empty outside records).
        let mut stack: Vec<Node> = Vec::new();
        let mut record_line = 0u64;
        loop {
            buf.clear();
            let before = reader.buffer_position() as usize;
            match reader.read_event_into(&mut buf) {
                Ok(Event::Start(e)) => {
                    let name = local(e.name().as_ref());
                    if stack.is_empty() {
                        if records.contains(&name.as_str()) {
                            record_line = lines.at(offset + before);
                            stack.push(Node { name, ..Node::default() });
                        }
                    } else {
                        stack.push(Node { name, ..Node::default() });
                    }
                }
                Ok(Event::End(e)) => {
                    let Some(open) = stack.last() else { continue };
                    let name = local(e.name().as_ref());
                    if name != open.name {
                        // Unmatched end tag inside a record: the record is broken (quick-xml's own check
                        // is off so that restarting in the middle of a file does not trip on outer tags).
                        let at = offset + reader.buffer_position() as usize;
                        let line = lines.at(offset + before);
                        let message = format!("end tag </{name}> does not close <{}>", open.name);
                        f(Item::Broken { line, message, record: Some(collapse(stack)) });
                        match next_start(data, at, records) {
                            Some(next) if next > offset => {
                                offset = next;
                                continue 'restart;
                            }
                            _ => break 'restart,
                        }
                    }
                    if let Some(node) = stack.pop() {
                        match stack.last_mut() {
                            Some(parent) => parent.children.push(node),
                            None => f(Item::Record(node, record_line)),
                        }
                    }
                }
                Ok(Event::Text(t)) => {
                    if let Some(node) = stack.last_mut() {
                        match std::str::from_utf8(&t) {
                            Ok(s) => node.text.push_str(s),
                            Err(_) => node.bad_text = true,
                        }
                    }
                }
                Ok(Event::CData(t)) => {
                    if let Some(node) = stack.last_mut() {
                        match std::str::from_utf8(&t) {
                            Ok(s) => node.text.push_str(s),
                            Err(_) => node.bad_text = true,
                        }
                    }
                }
                Ok(Event::GeneralRef(r)) => {
                    if let Some(node) = stack.last_mut() {
                        let resolved = match r.resolve_char_ref() {
                            Ok(Some(c)) => Some(c.to_string()),
                            _ => r
                                .decode()
                                .ok()
                                .and_then(|n| quick_xml::escape::resolve_predefined_entity(&n).map(str::to_string)),
                        };
                        match resolved {
                            Some(s) => node.text.push_str(&s),
                            None => node.bad_text = true,
                        }
                    }
                }
                Ok(Event::Eof) => {
                    if !stack.is_empty() {
                        let line = lines.at(data.len());
                        let record = collapse(stack);
                        f(Item::Broken { line, message: "file ends inside a record".into(), record: Some(record) });
                    }
                    break 'restart;
                }
                Ok(_) => {}
                Err(e) => {
                    let at = offset + (reader.error_position() as usize).max(before);
                    let line = lines.at(at);
                    let record = if stack.is_empty() { None } else { Some(collapse(stack)) };
                    // After a restart in the middle of a file the outer elements' end tags close nothing:
                    // outside a record that costs nothing and is no error.
                    let outer_end = record.is_none()
                        && matches!(e, quick_xml::Error::IllFormed(IllFormedError::UnmatchedEndTag(_)));
                    if !outer_end {
                        f(Item::Broken { line, message: e.to_string(), record });
                    }
                    match next_start(data, at.max(offset) + 1, records) {
                        Some(next) if next > offset => {
                            offset = next;
                            continue 'restart;
                        }
                        _ => break 'restart,
                    }
                }
            }
        }
    }
}

/// Folds a stack of open elements into its bottom element (the record), for an error report.
fn collapse(mut stack: Vec<Node>) -> Node {
    while stack.len() > 1 {
        if let Some(node) = stack.pop() {
            if let Some(parent) = stack.last_mut() {
                parent.children.push(node);
            }
        }
    }
    stack.pop().unwrap_or_default()
}
