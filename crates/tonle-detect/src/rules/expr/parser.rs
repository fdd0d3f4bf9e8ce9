//! Pratt parser: tokens to a syntax tree, with a nesting limit.

use super::lexer::{describe, Punct, Token};
use super::{CompileError, MAX_DEPTH};

/// `+`, `-`, `*`, `/`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum ArithOp {
    Add,
    Sub,
    Mul,
    Div,
}

/// `==`, `!=`, `<`, `<=`, `>`, `>=`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum CompareOp {
    Eq,
    Ne,
    Lt,
    Le,
    Gt,
    Ge,
}

impl ArithOp {
    pub(super) fn symbol(self) -> &'static str {
        match self {
            ArithOp::Add => "+",
            ArithOp::Sub => "-",
            ArithOp::Mul => "*",
            ArithOp::Div => "/",
        }
    }
}

impl CompareOp {
    pub(super) fn symbol(self) -> &'static str {
        match self {
            CompareOp::Eq => "==",
            CompareOp::Ne => "!=",
            CompareOp::Lt => "<",
            CompareOp::Le => "<=",
            CompareOp::Gt => ">",
            CompareOp::Ge => ">=",
        }
    }

    /// `==` or `!=`, the only comparisons on bools and enums.
    pub(super) fn is_equality(self) -> bool {
        matches!(self, CompareOp::Eq | CompareOp::Ne)
    }
}

/// What a syntax tree node is.
#[derive(Debug)]
pub(super) enum NodeKind {
    Number(f64),
    Integer(i64),
    Duration(f64),
    Bool(bool),
    Str(String),
    Var(String),
    Not(Box<Node>),
    Neg(Box<Node>),
    /// A chain `a && b && ...`, flattened so that long chains do not nest.
    And(Vec<Node>),
    /// A chain `a || b || ...`, flattened likewise.
    Or(Vec<Node>),
    Arith(ArithOp, Box<Node>, Box<Node>),
    Compare(CompareOp, Box<Node>, Box<Node>),
    In(Box<Node>, Vec<Node>),
    Call(String, Vec<Node>),
}

/// A syntax tree node with its source offsets.
#[derive(Debug)]
pub(super) struct Node {
    pub(super) kind: NodeKind,
    /// Offset of the token that makes the node: the operator, literal, name or function name.
    pub(super) pos: usize,
    /// Offset where the node's source text begins (an opening parenthesis included).
    pub(super) start: usize,
    /// Height of the tree under the node, a leaf being 1; at most [`MAX_DEPTH`].
    height: usize,
}

impl Node {
    fn leaf(kind: NodeKind, pos: usize) -> Node {
        Node { kind, pos, start: pos, height: 1 }
    }
}

/// Infix operators, with their binding powers below.
enum Infix {
    Or,
    And,
    Compare(CompareOp),
    In,
    Arith(ArithOp),
}

/// Binding power of prefix `!` and `-`: tighter than any infix operator.
const PREFIX_POWER: u8 = 11;

fn infix(token: &Token) -> Option<(Infix, u8, u8)> {
    let (op, power) = match token {
        Token::Punct(Punct::OrOr) => (Infix::Or, 1),
        Token::Punct(Punct::AndAnd) => (Infix::And, 3),
        Token::Punct(Punct::EqEq) => (Infix::Compare(CompareOp::Eq), 5),
        Token::Punct(Punct::NotEq) => (Infix::Compare(CompareOp::Ne), 5),
        Token::Punct(Punct::Less) => (Infix::Compare(CompareOp::Lt), 5),
        Token::Punct(Punct::LessEq) => (Infix::Compare(CompareOp::Le), 5),
        Token::Punct(Punct::Greater) => (Infix::Compare(CompareOp::Gt), 5),
        Token::Punct(Punct::GreaterEq) => (Infix::Compare(CompareOp::Ge), 5),
        Token::Ident(name) if name == "in" => (Infix::In, 5),
        Token::Punct(Punct::Plus) => (Infix::Arith(ArithOp::Add), 7),
        Token::Punct(Punct::Minus) => (Infix::Arith(ArithOp::Sub), 7),
        Token::Punct(Punct::Star) => (Infix::Arith(ArithOp::Mul), 9),
        Token::Punct(Punct::Slash) => (Infix::Arith(ArithOp::Div), 9),
        _ => return None,
    };
    // Left-associative: the right operand binds one tighter.
    Some((op, power, power + 1))
}

/// Parses a whole expression.
pub(super) fn parse(src: &str, tokens: Vec<(Token, usize)>) -> Result<Node, CompileError> {
    let mut parser = Parser { src, tokens, index: 0, depth: 0 };
    if !matches!(parser.tokens.last(), Some((Token::Eof, _))) {
        parser.tokens.push((Token::Eof, src.len()));
    }
    let root = parser.expr(0)?;
    match parser.peek() {
        Token::Eof => Ok(root),
        token => {
            let hint = match token {
                Token::Ident(word) if word == "and" => " (use `&&`)",
                Token::Ident(word) if word == "or" => " (use `||`)",
                _ => "",
            };
            Err(parser.error(parser.pos(), format!("unexpected {} after expression{hint}", describe(token))))
        }
    }
}

struct Parser<'s> {
    src: &'s str,
    /// Ends with [`Token::Eof`], which is never consumed, so `index` stays in bounds.
    tokens: Vec<(Token, usize)>,
    index: usize,
    /// Nesting of `expr` calls.
    depth: usize,
}

impl Parser<'_> {
    fn peek(&self) -> &Token {
        &self.tokens[self.index].0
    }

    fn pos(&self) -> usize {
        self.tokens[self.index].1
    }

    /// Takes the current token and moves on (staying at the final end of expression).
    fn bump(&mut self) -> (Token, usize) {
        let pos = self.pos();
        if self.index + 1 == self.tokens.len() {
            return (Token::Eof, pos);
        }
        let token = std::mem::replace(&mut self.tokens[self.index].0, Token::Eof);
        self.index += 1;
        (token, pos)
    }

    fn error(&self, pos: usize, message: String) -> CompileError {
        CompileError::at(self.src, pos, message)
    }

    fn too_deep(&self, pos: usize) -> CompileError {
        self.error(pos, format!("expression nested too deeply (more than {MAX_DEPTH} levels)"))
    }

    /// Height of a node over `children`, refusing trees higher than [`MAX_DEPTH`].
    fn height<'n>(&self, pos: usize, children: impl IntoIterator<Item = &'n Node>) -> Result<usize, CompileError> {
        let height = children.into_iter().map(|child| child.height).max().unwrap_or(0) + 1;
        if height > MAX_DEPTH {
            return Err(self.too_deep(pos));
        }
        Ok(height)
    }

    fn eat(&mut self, punct: Punct) -> bool {
        let found = *self.peek() == Token::Punct(punct);
        if found {
            self.bump();
        }
        found
    }

    fn expect(&mut self, punct: Punct) -> Result<(), CompileError> {
        if self.eat(punct) {
            return Ok(());
        }
        Err(self.error(self.pos(), format!("expected `{}`, found {}", punct.as_str(), describe(self.peek()))))
    }

    /// Parses an expression whose infix operators bind at least `min_power`.
    fn expr(&mut self, min_power: u8) -> Result<Node, CompileError> {
        if self.depth >= MAX_DEPTH {
            return Err(self.too_deep(self.pos()));
        }
        self.depth += 1;
        let node = self.expr_inner(min_power);
        self.depth -= 1;
        node
    }

    fn expr_inner(&mut self, min_power: u8) -> Result<Node, CompileError> {
        let mut lhs = self.operand()?;
        while let Some((op, left_power, right_power)) = infix(self.peek()) {
            if left_power < min_power {
                break;
            }
            let (_, pos) = self.bump();
            let start = lhs.start;
            let (kind, height) = match op {
                Infix::In => {
                    self.expect(Punct::LBracket)?;
                    let items = self.list(Punct::RBracket)?;
                    let height = self.height(pos, std::iter::once(&lhs).chain(&items))?;
                    (NodeKind::In(Box::new(lhs), items), height)
                }
                Infix::And | Infix::Or => {
                    let is_and = matches!(op, Infix::And);
                    let rhs = self.expr(right_power)?;
                    // Extends a chain of the same operator: it keeps its height unless `rhs` is higher.
                    let (mut operands, chain_height) = match lhs.kind {
                        NodeKind::And(operands) if is_and => (operands, lhs.height),
                        NodeKind::Or(operands) if !is_and => (operands, lhs.height),
                        kind => (vec![Node { kind, ..lhs }], lhs.height + 1),
                    };
                    let height = chain_height.max(rhs.height + 1);
                    if height > MAX_DEPTH {
                        return Err(self.too_deep(pos));
                    }
                    operands.push(rhs);
                    (if is_and { NodeKind::And(operands) } else { NodeKind::Or(operands) }, height)
                }
                Infix::Compare(op) => {
                    let rhs = self.expr(right_power)?;
                    let height = self.height(pos, [&lhs, &rhs])?;
                    (NodeKind::Compare(op, Box::new(lhs), Box::new(rhs)), height)
                }
                Infix::Arith(op) => {
                    let rhs = self.expr(right_power)?;
                    let height = self.height(pos, [&lhs, &rhs])?;
                    (NodeKind::Arith(op, Box::new(lhs), Box::new(rhs)), height)
                }
            };
            lhs = Node { kind, pos, start, height };
        }
        Ok(lhs)
    }

    /// Parses a literal, name, call, parenthesised expression or prefix operation.
    fn operand(&mut self) -> Result<Node, CompileError> {
        let (token, pos) = self.bump();
        let kind = match token {
            Token::Number(x) => NodeKind::Number(x),
            Token::Integer(x) => NodeKind::Integer(x),
            Token::Duration(x) => NodeKind::Duration(x),
            Token::Str(text) => NodeKind::Str(text),
            Token::Ident(name) if name == "true" || name == "false" => NodeKind::Bool(name == "true"),
            Token::Ident(name) if name == "in" => {
                return Err(self.error(pos, "expected an operand, found `in`".into()));
            }
            Token::Ident(name) if *self.peek() == Token::Punct(Punct::LParen) => {
                self.bump();
                let args = self.list(Punct::RParen)?;
                let height = self.height(pos, &args)?;
                return Ok(Node { kind: NodeKind::Call(name, args), pos, start: pos, height });
            }
            Token::Ident(name) => NodeKind::Var(name),
            Token::Punct(Punct::LParen) => {
                let inner = self.expr(0)?;
                self.expect(Punct::RParen)?;
                return Ok(Node { start: pos, ..inner });
            }
            Token::Punct(prefix @ (Punct::Bang | Punct::Minus)) => {
                let operand = self.expr(PREFIX_POWER)?;
                let height = self.height(pos, [&operand])?;
                let operand = Box::new(operand);
                let kind = if prefix == Punct::Bang { NodeKind::Not(operand) } else { NodeKind::Neg(operand) };
                return Ok(Node { kind, pos, start: pos, height });
            }
            token => return Err(self.error(pos, format!("expected an operand, found {}", describe(&token)))),
        };
        Ok(Node::leaf(kind, pos))
    }

    /// Parses a comma-separated list up to `close` (the opening bracket already taken); a trailing comma is
    /// allowed.
    fn list(&mut self, close: Punct) -> Result<Vec<Node>, CompileError> {
        let mut items = Vec::new();
        while !self.eat(close) {
            items.push(self.expr(0)?);
            if !self.eat(Punct::Comma) {
                self.expect(close)?;
                break;
            }
        }
        Ok(items)
    }
}
