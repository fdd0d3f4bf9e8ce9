//! A pull cursor over XML elements that knows where it is: the element path, the line, and the text of the
//! element being collected. It checks well-formedness itself (end tags, truncation) so that every problem
//! comes out as a located [`ReadError`].

use std::io::BufRead;
use std::sync::Arc;

use quick_xml::escape::resolve_predefined_entity;
use quick_xml::events::{BytesRef, BytesStart, Event};
use quick_xml::name::{QName, ResolveResult};
use quick_xml::NsReader;

use crate::error::{Location, ReadError};

/// The deepest nesting accepted; ISO 20022 messages are about 15 deep.
const MAX_DEPTH: usize = 256;
/// The longest text kept for one element (ISO 20022 texts are at most a few hundred characters).
const MAX_TEXT: usize = 1 << 16;

/// What the cursor reports. Text, comments and declarations are consumed inside.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Node {
    /// An element started; its name is the last segment of [`XmlCursor::path`]. `line` is where its `<` is.
    Start {
        /// The 1-based line of the start tag.
        line: u64,
    },
    /// The element at the end of [`XmlCursor::path`] ended (it is popped on the next call).
    End,
    /// The input ended after the root element closed.
    Eof,
}

/// One open element.
struct Open {
    /// The length of the path before this element's segment.
    path_len: usize,
    /// Where this element's qualified name starts in `names`.
    name_start: usize,
}

/// The text collected for one element.
#[derive(Debug, Default)]
pub(super) struct Collected {
    /// The 1-based line of the element's start tag.
    pub line: u64,
    /// The text, entities resolved, line ends normalised, not trimmed.
    pub text: String,
    /// The `Ccy` attribute of the element, if it has one.
    pub ccy: Option<String>,
    /// Why the text or attributes could not be read (bad UTF-8, unknown entity, too long).
    pub error: Option<String>,
}

/// Streams the elements of one XML input.
pub(super) struct XmlCursor<R> {
    reader: NsReader<R>,
    buf: Vec<u8>,
    file: Arc<str>,
    /// Newlines consumed so far: the current line is this plus one.
    newlines: u64,
    /// `/Document/FIToFICstmrCdtTrf/CdtTrfTxInf[2]/Cdtr/Nm`: local names of the open elements.
    path: String,
    /// Qualified names of the open elements, back to back.
    names: Vec<u8>,
    open: Vec<Open>,
    /// The element that ended last is still on the path; pop it first thing on the next call.
    pop_pending: bool,
    /// The last element was empty (`<a/>`): report its end on the next call.
    end_pending: bool,
    /// Whether a root element was seen, and whether it has closed.
    root_seen: bool,
    root_closed: bool,
    /// The `Ccy` attribute of the last start tag.
    ccy: Option<String>,
    ccy_error: Option<String>,
    /// The depth whose text is being collected, if any.
    collect_depth: Option<usize>,
    collected: Collected,
}

impl<R: BufRead> XmlCursor<R> {
    /// A cursor over `input`; `file` names it in errors.
    pub fn new(file: Arc<str>, input: R) -> Self {
        let mut reader = NsReader::from_reader(input);
        let config = reader.config_mut();
        // End tags are checked here, against `names`, so that the raw end tag (with any line break before its
        // `>`) is counted and the error names the path.
        config.check_end_names = false;
        config.trim_markup_names_in_closing_tags = false;
        config.expand_empty_elements = false;
        XmlCursor {
            reader,
            buf: Vec::with_capacity(256),
            file,
            newlines: 0,
            path: String::with_capacity(128),
            names: Vec::with_capacity(256),
            open: Vec::with_capacity(32),
            pop_pending: false,
            end_pending: false,
            root_seen: false,
            root_closed: false,
            ccy: None,
            ccy_error: None,
            collect_depth: None,
            collected: Collected::default(),
        }
    }

    /// The file name used in errors.
    pub fn file(&self) -> &Arc<str> {
        &self.file
    }

    /// The path of the current element, e.g. `/Document/FIToFICstmrCdtTrf/CdtTrfTxInf[2]`.
    pub fn path(&self) -> &str {
        &self.path
    }

    /// How many elements are open (the root is depth 1).
    pub fn depth(&self) -> usize {
        self.open.len()
    }

    /// The local name of the current element (without any `[n]` index).
    pub fn local_name(&self) -> &str {
        let start = self.open.last().map_or(0, |open| open.path_len + 1);
        let segment = self.path.get(start..).unwrap_or("");
        segment.split('[').next().unwrap_or(segment)
    }

    /// Marks the current element with its 1-based position among its siblings of that name.
    pub fn index_current(&mut self, index: u64) {
        use std::fmt::Write;
        // Writing to a String cannot fail.
        let _ = write!(self.path, "[{index}]");
    }

    /// The 1-based current line.
    pub fn line(&self) -> u64 {
        self.newlines + 1
    }

    /// The namespace URI of the current element, if it has one.
    pub fn namespace(&self) -> Option<String> {
        let name = self.open.last().map_or(&[][..], |open| &self.names[open.name_start..]);
        match self.reader.resolve_element(QName(name)).0 {
            ResolveResult::Bound(namespace) => Some(String::from_utf8_lossy(namespace.as_ref()).into_owned()),
            ResolveResult::Unbound | ResolveResult::Unknown(_) => None,
        }
    }

    /// Starts collecting the text of the current element, reported by [`Node::Start`] at `line`.
    pub fn collect(&mut self, line: u64) {
        self.collect_depth = Some(self.open.len());
        self.collected.line = line;
        self.collected.text.clear();
        self.collected.ccy = self.ccy.take();
        self.collected.error = self.ccy_error.take();
    }

    /// The text collected for the element that just ended, if it was being collected.
    pub fn take_collected(&mut self) -> Option<Collected> {
        if self.collect_depth != Some(self.open.len()) {
            return None;
        }
        self.collect_depth = None;
        Some(std::mem::take(&mut self.collected))
    }

    /// A fatal error at the current place.
    pub fn fatal(&self, line: u64, message: impl std::fmt::Display) -> ReadError {
        let path = (!self.path.is_empty()).then(|| self.path.clone());
        let location = Location { line: Some(line), xml_path: path, ..Location::file(&self.file) };
        ReadError::fatal(location, message)
    }

    /// Reads up to the next element start or end, or the end of the input.
    pub fn next(&mut self) -> Result<Node, ReadError> {
        if self.end_pending {
            self.end_pending = false;
            self.pop_pending = true;
            return Ok(Node::End);
        }
        if self.pop_pending {
            self.pop();
        }
        loop {
            // The event borrows the buffer; taking it out leaves `self` free while the event is handled.
            let mut buf = std::mem::take(&mut self.buf);
            buf.clear();
            let step = self.step(&mut buf);
            self.buf = buf;
            if let Some(node) = step? {
                return Ok(node);
            }
        }
    }

    /// Reads one event into `buf`; returns the node to report, if it is one.
    fn step(&mut self, buf: &mut Vec<u8>) -> Result<Option<Node>, ReadError> {
        let line = self.line();
        let event = match self.reader.read_event_into(buf) {
            Ok(event) => event,
            Err(quick_xml::Error::Io(error)) => return Err(self.fatal(line, format!("cannot read: {error}"))),
            Err(error) => return Err(self.fatal(line, format!("malformed XML: {error}"))),
        };
        self.newlines += count_newlines(&event);
        match event {
            Event::Start(start) | Event::Empty(start) if self.root_closed && self.open.is_empty() => {
                let name = String::from_utf8_lossy(start.name().as_ref()).into_owned();
                return Err(self.fatal(line, format!("malformed XML: <{name}> after the end of the root element")));
            }
            Event::Start(start) => {
                self.push(&start, line)?;
                return Ok(Some(Node::Start { line }));
            }
            Event::Empty(start) => {
                self.push(&start, line)?;
                self.end_pending = true;
                return Ok(Some(Node::Start { line }));
            }
            Event::End(end) => {
                self.check_end(trim_end_xml(end.as_ref()), line)?;
                self.pop_pending = true;
                return Ok(Some(Node::End));
            }
            Event::Text(text) => {
                if self.collecting() {
                    match text.xml10_content() {
                        Ok(text) => self.push_text(&text),
                        Err(error) => self.text_error(format!("unreadable text: {error}")),
                    }
                } else if self.open.is_empty() && !is_xml_space(&text) {
                    return Err(self.fatal(line, "not XML: text outside the root element"));
                }
            }
            Event::CData(data) => {
                if self.collecting() {
                    match data.xml10_content() {
                        Ok(text) => self.push_text(&text),
                        Err(error) => self.text_error(format!("unreadable text: {error}")),
                    }
                } else if self.open.is_empty() {
                    return Err(self.fatal(line, "not XML: CDATA outside the root element"));
                }
            }
            Event::GeneralRef(reference) => {
                if self.collecting() {
                    match resolve_reference(&reference) {
                        Ok(text) => self.push_text(&text),
                        Err(message) => self.text_error(message),
                    }
                } else if self.open.is_empty() {
                    return Err(self.fatal(line, "not XML: an entity reference outside the root element"));
                }
            }
            Event::Comment(_) | Event::Decl(_) | Event::PI(_) | Event::DocType(_) => {}
            Event::Eof => {
                if let Some(open) = self.open.last() {
                    let name = String::from_utf8_lossy(&self.names[open.name_start..]).into_owned();
                    return Err(self.fatal(line, format!("the XML is cut off: the input ends inside <{name}>")));
                }
                if !self.root_seen {
                    let message = "no XML element found (the file is empty or not XML)";
                    return Err(ReadError::fatal(Location::file(&self.file), message));
                }
                return Ok(Some(Node::Eof));
            }
        }
        Ok(None)
    }

    /// Checks that an end tag closes the innermost open element.
    fn check_end(&self, name: &[u8], line: u64) -> Result<(), ReadError> {
        let Some(open) = self.open.last() else {
            let name = String::from_utf8_lossy(name);
            return Err(self.fatal(line, format!("malformed XML: </{name}> without a start tag")));
        };
        let expected = &self.names[open.name_start..];
        if expected == name {
            return Ok(());
        }
        let (expected, found) = (String::from_utf8_lossy(expected), String::from_utf8_lossy(name));
        Err(self.fatal(line, format!("malformed XML: expected </{expected}>, found </{found}>")))
    }

    fn collecting(&self) -> bool {
        self.collect_depth == Some(self.open.len())
    }

    fn push_text(&mut self, text: &str) {
        if self.collected.text.len() + text.len() > MAX_TEXT {
            self.text_error(format!("text longer than {MAX_TEXT} bytes"));
        } else {
            self.collected.text.push_str(text);
        }
    }

    fn text_error(&mut self, message: String) {
        self.collected.error.get_or_insert(message);
    }

    /// Opens an element: its path segment, its name for the end-tag check, and its `Ccy` attribute.
    fn push(&mut self, start: &BytesStart<'_>, line: u64) -> Result<(), ReadError> {
        if self.open.len() >= MAX_DEPTH {
            return Err(self.fatal(line, format!("elements nested deeper than {MAX_DEPTH}")));
        }
        self.root_seen = true;
        let name = start.name();
        let local = start.local_name();
        self.open.push(Open { path_len: self.path.len(), name_start: self.names.len() });
        self.names.extend_from_slice(name.as_ref());
        self.path.push('/');
        self.path.push_str(&String::from_utf8_lossy(local.as_ref()));
        self.ccy = None;
        self.ccy_error = None;
        if !start.attributes_raw().iter().all(u8::is_ascii_whitespace) {
            self.read_ccy(start);
        }
        Ok(())
    }

    /// Keeps the `Ccy` attribute, the only attribute ISO 20022 payment messages use.
    fn read_ccy(&mut self, start: &BytesStart<'_>) {
        for attribute in start.attributes() {
            match attribute {
                Ok(attribute) if attribute.key.local_name().as_ref() == b"Ccy" => {
                    match attribute.decode_and_unescape_value(self.reader.decoder()) {
                        Ok(value) => self.ccy = Some(value.into_owned()),
                        Err(error) => self.ccy_error = Some(format!("unreadable Ccy attribute: {error}")),
                    }
                }
                Ok(_) => {}
                Err(error) => {
                    self.ccy_error = Some(format!("unreadable attributes: {error}"));
                    return;
                }
            }
        }
    }

    fn pop(&mut self) {
        self.pop_pending = false;
        if let Some(open) = self.open.pop() {
            self.path.truncate(open.path_len);
            self.names.truncate(open.name_start);
            if self.open.is_empty() {
                self.root_closed = true;
            }
        }
        if self.collect_depth.is_some_and(|depth| depth > self.open.len()) {
            self.collect_depth = None;
        }
    }
}

/// The text an entity or character reference stands for.
fn resolve_reference(reference: &BytesRef<'_>) -> Result<String, String> {
    let name = reference.decode().map_err(|error| format!("unreadable entity reference: {error}"))?;
    if let Some(text) = resolve_predefined_entity(&name) {
        return Ok(text.to_owned());
    }
    match reference.resolve_char_ref() {
        Ok(Some(c)) => Ok(c.to_string()),
        Ok(None) => Err(format!("unknown entity &{name};")),
        Err(error) => Err(format!("bad character reference &{name};: {error}")),
    }
}

/// Newlines in the raw bytes of an event (the markup delimiters `<`, `>`, `<!--` hold none).
fn count_newlines(event: &Event<'_>) -> u64 {
    let bytes: &[u8] = match event {
        Event::Start(e) | Event::Empty(e) => e,
        Event::End(e) => e,
        Event::Text(e) | Event::Comment(e) | Event::DocType(e) => e,
        Event::CData(e) => e,
        Event::Decl(e) => e,
        Event::PI(e) => e,
        Event::GeneralRef(e) => e,
        Event::Eof => &[],
    };
    bytes.iter().filter(|&&b| b == b'\n').count() as u64
}

fn is_xml_space(bytes: &[u8]) -> bool {
    bytes.iter().all(|b| matches!(b, b' ' | b'\t' | b'\r' | b'\n'))
}

fn trim_end_xml(bytes: &[u8]) -> &[u8] {
    let end = bytes.iter().rposition(|b| !matches!(b, b' ' | b'\t' | b'\r' | b'\n')).map_or(0, |i| i + 1);
    &bytes[..end]
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cursor(xml: &str) -> XmlCursor<&[u8]> {
        XmlCursor::new(Arc::from("t.xml"), xml.as_bytes())
    }

    #[test]
    fn lines_count_inside_tags_and_empty_elements_end() {
        let mut xml = cursor("<a\n x='1'>\n<b/></a\n>\n<!-- c\n -->\n");
        assert_eq!(xml.next().unwrap(), Node::Start { line: 1 });
        assert_eq!(xml.next().unwrap(), Node::Start { line: 3 });
        assert_eq!(xml.path(), "/a/b");
        assert_eq!(xml.next().unwrap(), Node::End);
        assert_eq!(xml.path(), "/a/b");
        assert_eq!(xml.next().unwrap(), Node::End);
        assert_eq!(xml.path(), "/a");
        assert_eq!(xml.next().unwrap(), Node::Eof);
        assert_eq!(xml.line(), 7);
    }

    #[test]
    fn collects_text_with_references_and_ccy() {
        let mut xml = cursor("<p:a xmlns:p='urn:x' Ccy='USD'>x &amp; &#121;<![CDATA[<z>]]></p:a>");
        assert_eq!(xml.next().unwrap(), Node::Start { line: 1 });
        assert_eq!(xml.local_name(), "a");
        assert_eq!(xml.namespace().as_deref(), Some("urn:x"));
        xml.collect(1);
        assert_eq!(xml.next().unwrap(), Node::End);
        let collected = xml.take_collected().unwrap();
        assert_eq!(collected.text, "x & y<z>");
        assert_eq!(collected.ccy.as_deref(), Some("USD"));
        assert_eq!(collected.error, None);
    }

    #[test]
    fn structure_errors_are_fatal() {
        for (input, expected) in [
            ("<a><b></a>", "expected </b>, found </a>"),
            ("<a></a></b>", "malformed XML"),
            ("<a></a><a/>", "after the end of the root element"),
            ("<a><b>", "cut off"),
            ("<a", "malformed XML"),
            ("hello", "not XML"),
        ] {
            let mut xml = cursor(input);
            let error = loop {
                match xml.next() {
                    Ok(Node::Eof) => panic!("{input}: no error"),
                    Ok(_) => {}
                    Err(error) => break error,
                }
            };
            assert!(error.fatal && error.message.contains(expected), "{input}: {error}");
        }
    }
}
