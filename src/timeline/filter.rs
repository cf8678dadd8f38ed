//! The filter language typed in the `/` bar, saved in queries and given to `--filter`:
//!
//! ```text
//! actor:*mallory* action:Delete* -outcome:success ip:203.0.113.0/24 severity>=7
//! source:guardduty time:>-2h "free text" (region:us-east-1 OR region:eu-west-1)
//! ```
//!
//! Terms are ANDed unless joined by `OR`; `-`, `!` or `NOT` negates; parentheses group. Values
//! match case-insensitively and whole, with `*` and `?` wildcards; IP fields take CIDR blocks;
//! `severity` and `time` compare. A parse error names its column and what was expected.

use std::fmt;
use std::net::IpAddr;
use std::sync::Arc;

use ipnet::IpNet;
use polars::prelude::IdxSize;
use regex::Regex;

use crate::event::severity;
use crate::time;

/// A timeline column a filter can address.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Column {
    Time,
    Source,
    Class,
    Action,
    Outcome,
    ErrorCode,
    Severity,
    Bytes,
    Actor,
    Role,
    AccessKey,
    Account,
    Region,
    SrcIp,
    DstIp,
    UserAgent,
    Resources,
    Summary,
    Id,
}

impl Column {
    /// The column's name in the timeline frame and in jsonl output.
    pub fn name(self) -> &'static str {
        match self {
            Column::Time => "time",
            Column::Source => "source",
            Column::Class => "class",
            Column::Action => "action",
            Column::Outcome => "outcome",
            Column::ErrorCode => "error_code",
            Column::Severity => "severity",
            Column::Bytes => "bytes",
            Column::Actor => "actor",
            Column::Role => "role",
            Column::AccessKey => "access_key",
            Column::Account => "account",
            Column::Region => "region",
            Column::SrcIp => "src_ip",
            Column::DstIp => "dst_ip",
            Column::UserAgent => "user_agent",
            Column::Resources => "resources",
            Column::Summary => "summary",
            Column::Id => "id",
        }
    }

    /// The text columns free text searches.
    pub const TEXT: [Column; 15] = [
        Column::Source,
        Column::Action,
        Column::Outcome,
        Column::ErrorCode,
        Column::Actor,
        Column::Role,
        Column::AccessKey,
        Column::Account,
        Column::Region,
        Column::SrcIp,
        Column::DstIp,
        Column::UserAgent,
        Column::Resources,
        Column::Summary,
        Column::Id,
    ];
}

/// A field name as users write it: a column, or an alias spanning several.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Field {
    Time,
    Severity,
    Bytes,
    /// IP columns: CIDR and address matching.
    Ip(&'static [Column]),
    Text(&'static [Column]),
    /// Principal columns: an IAM name also names the user or role ARN ending in it.
    Principal(&'static [Column]),
    /// Resources: an id also names the ARN ending in it.
    Resource,
    /// Kubernetes objects (`namespace/kind/name` resources) in one namespace.
    Namespace,
}

impl Field {
    /// The columns a value of this field is looked for in (any of them naming it is a match).
    pub fn columns(self) -> &'static [Column] {
        match self {
            Field::Ip(columns) | Field::Text(columns) | Field::Principal(columns) => columns,
            Field::Resource | Field::Namespace => &[Column::Resources],
            Field::Time | Field::Severity | Field::Bytes => &[],
        }
    }
}

/// Every field name the language knows, aliases included.
pub const FIELDS: &[(&str, Field)] = &[
    ("time", Field::Time),
    ("severity", Field::Severity),
    ("bytes", Field::Bytes),
    ("source", Field::Text(&[Column::Source])),
    ("class", Field::Text(&[Column::Class])),
    ("action", Field::Text(&[Column::Action])),
    ("outcome", Field::Text(&[Column::Outcome])),
    ("error_code", Field::Text(&[Column::ErrorCode])),
    ("error", Field::Text(&[Column::ErrorCode])),
    ("actor", Field::Principal(&[Column::Actor])),
    (
        "principal",
        Field::Principal(&[Column::Actor, Column::Role]),
    ),
    ("role", Field::Principal(&[Column::Role])),
    ("access_key", Field::Text(&[Column::AccessKey])),
    ("key", Field::Text(&[Column::AccessKey])),
    ("account", Field::Text(&[Column::Account])),
    ("region", Field::Text(&[Column::Region])),
    ("src_ip", Field::Ip(&[Column::SrcIp])),
    ("dst_ip", Field::Ip(&[Column::DstIp])),
    ("ip", Field::Ip(&[Column::SrcIp, Column::DstIp])),
    ("user_agent", Field::Text(&[Column::UserAgent])),
    ("ua", Field::Text(&[Column::UserAgent])),
    ("resource", Field::Resource),
    ("resources", Field::Resource),
    ("namespace", Field::Namespace),
    ("summary", Field::Text(&[Column::Summary])),
    ("id", Field::Text(&[Column::Id])),
];

pub fn field_named(name: &str) -> Option<Field> {
    FIELDS.iter().find(|(n, _)| *n == name).map(|(_, f)| *f)
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Comparison {
    Equal,
    NotEqual,
    Greater,
    GreaterOrEqual,
    Less,
    LessOrEqual,
}

/// A parsed filter, ready to evaluate.
#[derive(Debug, Clone)]
pub enum Filter {
    All,
    And(Vec<Filter>),
    Or(Vec<Filter>),
    Not(Box<Filter>),
    /// A value test on one or more columns (any column matching is a match).
    Match {
        columns: &'static [Column],
        matcher: Matcher,
    },
    /// A time range `[start, end)`.
    Time {
        start: i64,
        end: i64,
    },
    Severity {
        low: f32,
        high: f32,
    },
    /// Bytes moved in `[low, high)`.
    Bytes {
        low: u64,
        high: u64,
    },
    /// These rows (positions in the timeline filtered, ascending): what a query found.
    Rows(Arc<[IdxSize]>),
}

/// How a text value is compared with a column's values.
#[derive(Debug, Clone)]
pub enum Matcher {
    /// Whole value, ignoring ASCII case.
    Exact(String),
    /// Any of these whole values, ignoring ASCII case.
    AnyOf(Vec<String>),
    /// A glob with `*` / `?`, whole value, ignoring case.
    Glob(Regex),
    /// An address inside the block.
    Cidr(IpNet),
    /// Free text: a substring, ignoring case.
    Contains(Substring),
    /// A resource: the id itself, or an ARN ending in it (`i-0abc` matches
    /// `arn:aws:ec2:...:instance/i-0abc`).
    ResourceId(String),
    /// A principal as any source names it: GuardDuty and Security Hub give an IAM user or role
    /// by name (`eks-node-orders`), CloudTrail by ARN (`arn:aws:iam::1:role/eks-node-orders`).
    Principal(String),
    /// Kubernetes objects in a namespace.
    Namespace(String),
}

impl Matcher {
    pub fn matches(&self, candidate: &str) -> bool {
        match self {
            Matcher::Exact(value) => candidate.eq_ignore_ascii_case(value),
            Matcher::AnyOf(values) => values.iter().any(|v| candidate.eq_ignore_ascii_case(v)),
            Matcher::Glob(regex) => regex.is_match(candidate),
            Matcher::Contains(substring) => substring.is_in(candidate),
            Matcher::Cidr(net) => {
                // A bare IPv4 address (most values) first: a quick rejection by its first octet
                // spares parsing the rest; anything else goes through the full parser.
                if let IpNet::V4(v4) = net
                    && v4.prefix_len() >= 8
                    && let Some((first, _)) = candidate.split_once('.')
                    && first
                        .parse::<u8>()
                        .is_ok_and(|o| o != v4.network().octets()[0])
                {
                    return false;
                }
                candidate
                    .parse::<IpAddr>()
                    .is_ok_and(|ip| net.contains(&ip))
            }
            Matcher::ResourceId(id) => crate::event::names(candidate, id),
            Matcher::Principal(principal) => crate::event::same_principal(candidate, principal),
            Matcher::Namespace(namespace) => crate::event::k8s_namespace(candidate)
                .is_some_and(|n| n.eq_ignore_ascii_case(namespace)),
        }
    }

    /// A text value as users type it: exact unless it has wildcards.
    pub fn text(value: &str) -> Matcher {
        if value.contains(['*', '?']) {
            let mut pattern = String::from("(?is)^");
            for c in value.chars() {
                match c {
                    '*' => pattern.push_str(".*"),
                    '?' => pattern.push('.'),
                    c => pattern.push_str(&regex::escape(&c.to_string())),
                }
            }
            pattern.push('$');
            // An escaped glob always compiles; fall back to exact text if the size limit hits.
            Regex::new(&pattern).map_or_else(|_| Matcher::Exact(value.to_owned()), Matcher::Glob)
        } else {
            Matcher::Exact(value.to_owned())
        }
    }

    /// The matcher for a value of a field: CIDR for IP fields, ARN suffixes for resources, IAM
    /// names for principals. Wildcards make any text field a glob.
    pub fn for_field(field: Field, value: &str) -> Matcher {
        let glob = value.contains(['*', '?']);
        match field {
            Field::Ip(_) => Matcher::ip(value),
            Field::Resource if !glob => Matcher::ResourceId(value.to_owned()),
            Field::Principal(_) if !glob => Matcher::Principal(value.to_owned()),
            Field::Namespace => Matcher::Namespace(value.to_owned()),
            _ => Matcher::text(value),
        }
    }

    fn ip(value: &str) -> Matcher {
        if let Ok(net) = value.parse::<IpNet>() {
            Matcher::Cidr(net)
        } else if let Ok(ip) = value.parse::<IpAddr>() {
            Matcher::Cidr(IpNet::from(ip))
        } else {
            Matcher::text(value)
        }
    }

    fn contains(value: &str) -> Matcher {
        if value.is_ascii() {
            return Matcher::Contains(Substring::Ascii(value.to_ascii_lowercase().into_bytes()));
        }
        let pattern = format!("(?i){}", regex::escape(value));
        Regex::new(&pattern).map_or_else(
            |_| Matcher::Exact(value.to_owned()),
            |regex| Matcher::Contains(Substring::Unicode(regex)),
        )
    }
}

/// A substring search ignoring case. Free text runs over every text column of every row, so the
/// common case (ASCII text) avoids the regex engine: candidates are found by the first byte in
/// either case and compared ignoring ASCII case. Other text uses Unicode case folding.
#[derive(Debug, Clone)]
pub enum Substring {
    /// The lower-cased needle.
    Ascii(Vec<u8>),
    Unicode(Regex),
}

impl Substring {
    pub fn is_in(&self, haystack: &str) -> bool {
        let needle = match self {
            Substring::Unicode(regex) => return regex.is_match(haystack),
            Substring::Ascii(needle) => needle,
        };
        let haystack = haystack.as_bytes();
        let Some(&first) = needle.first() else {
            return true;
        };
        let Some(last_start) = haystack.len().checked_sub(needle.len()) else {
            return false;
        };
        memchr::memchr2_iter(first, first.to_ascii_uppercase(), &haystack[..=last_start])
            .any(|at| haystack[at..at + needle.len()].eq_ignore_ascii_case(needle))
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParseError {
    /// 1-based character column.
    pub column: usize,
    pub message: String,
}

impl fmt::Display for ParseError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "filter error at column {}: {}",
            self.column, self.message
        )
    }
}

impl std::error::Error for ParseError {}

/// Parses a filter; relative times (`-2h`) are taken from `now` (nanoseconds).
pub fn parse(input: &str, now: i64) -> Result<Filter, ParseError> {
    let tokens = lex(input)?;
    let mut parser = Parser {
        input,
        tokens,
        position: 0,
        now,
    };
    if parser.tokens.is_empty() {
        return Ok(Filter::All);
    }
    let filter = parser.or()?;
    if let Some(token) = parser.peek() {
        return Err(parser.error_at(token.start, format!("unexpected '{}'", token.text)));
    }
    Ok(filter)
}

#[derive(Debug, Clone)]
struct Token {
    kind: TokenKind,
    /// Byte offset in the input.
    start: usize,
    text: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum TokenKind {
    Open,
    Close,
    Word,
}

fn lex(input: &str) -> Result<Vec<Token>, ParseError> {
    let mut tokens = Vec::new();
    let mut chars = input.char_indices().peekable();
    while let Some(&(start, c)) = chars.peek() {
        match c {
            c if c.is_whitespace() => {
                chars.next();
            }
            '(' | ')' => {
                chars.next();
                let kind = if c == '(' {
                    TokenKind::Open
                } else {
                    TokenKind::Close
                };
                tokens.push(Token {
                    kind,
                    start,
                    text: c.to_string(),
                });
            }
            _ => {
                let mut text = String::new();
                let mut quote_start = None;
                while let Some(&(offset, c)) = chars.peek() {
                    if quote_start.is_none() && (c.is_whitespace() || c == '(' || c == ')') {
                        break;
                    }
                    chars.next();
                    match c {
                        '"' if quote_start.is_none() => quote_start = Some(offset),
                        '"' => quote_start = None,
                        '\\' if quote_start.is_some() => {
                            if let Some((_, escaped)) = chars.next() {
                                text.push('\\');
                                text.push(escaped);
                            }
                            continue;
                        }
                        _ => {}
                    }
                    text.push(c);
                }
                if let Some(offset) = quote_start {
                    return Err(ParseError {
                        column: column_of(input, offset),
                        message: "unterminated quote: expected a closing '\"'".into(),
                    });
                }
                tokens.push(Token {
                    kind: TokenKind::Word,
                    start,
                    text,
                });
            }
        }
    }
    Ok(tokens)
}

fn column_of(input: &str, byte_offset: usize) -> usize {
    input[..byte_offset].chars().count() + 1
}

/// Removes the quotes of a quoted value and resolves `\"` and `\\`.
fn unquote(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut chars = text.chars();
    while let Some(c) = chars.next() {
        match c {
            '"' => {}
            '\\' => out.extend(chars.next()),
            c => out.push(c),
        }
    }
    out
}

struct Parser<'a> {
    input: &'a str,
    tokens: Vec<Token>,
    position: usize,
    now: i64,
}

impl Parser<'_> {
    fn peek(&self) -> Option<&Token> {
        self.tokens.get(self.position)
    }

    fn error_at(&self, byte_offset: usize, message: String) -> ParseError {
        ParseError {
            column: column_of(self.input, byte_offset),
            message,
        }
    }

    fn end_error(&self, expected: &str) -> ParseError {
        self.error_at(
            self.input.len(),
            format!("expected {expected}, found the end of the filter"),
        )
    }

    fn is_keyword(token: &Token, keyword: &str) -> bool {
        token.kind == TokenKind::Word && token.text == keyword
    }

    fn or(&mut self) -> Result<Filter, ParseError> {
        let mut branches = vec![self.and()?];
        while self.peek().is_some_and(|t| Self::is_keyword(t, "OR")) {
            self.position += 1;
            branches.push(self.and()?);
        }
        Ok(if branches.len() == 1 {
            branches.remove(0)
        } else {
            Filter::Or(branches)
        })
    }

    fn and(&mut self) -> Result<Filter, ParseError> {
        let mut terms = vec![self.unary()?];
        loop {
            match self.peek() {
                None => break,
                Some(t) if t.kind == TokenKind::Close || Self::is_keyword(t, "OR") => break,
                Some(t) if Self::is_keyword(t, "AND") => self.position += 1,
                Some(_) => {}
            }
            terms.push(self.unary()?);
        }
        Ok(if terms.len() == 1 {
            terms.remove(0)
        } else {
            Filter::And(terms)
        })
    }

    fn unary(&mut self) -> Result<Filter, ParseError> {
        let Some(token) = self.peek().cloned() else {
            return Err(self.end_error("a term"));
        };
        match token.kind {
            TokenKind::Open => {
                self.position += 1;
                let inner = self.or()?;
                match self.peek() {
                    Some(t) if t.kind == TokenKind::Close => {
                        self.position += 1;
                        Ok(inner)
                    }
                    Some(t) => Err(self.error_at(
                        t.start,
                        format!(
                            "expected ')' to close the '(' at column {}, found '{}'",
                            column_of(self.input, token.start),
                            t.text
                        ),
                    )),
                    None => Err(self.error_at(
                        self.input.len(),
                        format!(
                            "expected ')' to close the '(' at column {}",
                            column_of(self.input, token.start)
                        ),
                    )),
                }
            }
            TokenKind::Close => {
                Err(self.error_at(token.start, "expected a term, found ')'".into()))
            }
            TokenKind::Word if token.text == "NOT" => {
                self.position += 1;
                Ok(Filter::Not(Box::new(self.unary()?)))
            }
            TokenKind::Word if token.text == "OR" || token.text == "AND" => Err(self.error_at(
                token.start,
                format!("expected a term before '{}'", token.text),
            )),
            TokenKind::Word => {
                self.position += 1;
                let negated = token.text.len() > 1
                    && (token.text.starts_with('-') || token.text.starts_with('!'));
                if negated {
                    let inner = self.term(&token.text[1..], token.start + 1)?;
                    Ok(Filter::Not(Box::new(inner)))
                } else {
                    self.term(&token.text, token.start)
                }
            }
        }
    }

    /// `field:value`, `field>=value`, `field:>value`, or free text.
    fn term(&self, text: &str, start: usize) -> Result<Filter, ParseError> {
        let name_end = text
            .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
            .unwrap_or(text.len());
        let (name, rest) = text.split_at(name_end);
        let operator = [
            (":>=", Comparison::GreaterOrEqual),
            (":<=", Comparison::LessOrEqual),
            (":>", Comparison::Greater),
            (":<", Comparison::Less),
            ("!=", Comparison::NotEqual),
            (">=", Comparison::GreaterOrEqual),
            ("<=", Comparison::LessOrEqual),
            (":", Comparison::Equal),
            ("=", Comparison::Equal),
            (">", Comparison::Greater),
            ("<", Comparison::Less),
        ]
        .into_iter()
        .find(|(symbol, _)| rest.starts_with(symbol));
        let Some((symbol, comparison)) = operator.filter(|_| !name.is_empty()) else {
            return Ok(free_text(&unquote(text)));
        };
        let Some(field) = field_named(&name.to_ascii_lowercase()) else {
            let known: Vec<&str> = FIELDS.iter().map(|(n, _)| *n).collect();
            return Err(self.error_at(
                start,
                format!("unknown field '{name}'; known fields: {}", known.join(", ")),
            ));
        };
        let value_start = start + name.len() + symbol.len();
        let value = unquote(&rest[symbol.len()..]);
        if value.is_empty() {
            return Err(self.error_at(
                value_start,
                format!("expected a value after '{name}{symbol}'"),
            ));
        }
        let filter = match field {
            Field::Time => self.time_term(&value, comparison, value_start)?,
            Field::Severity => self.severity_term(&value, comparison, value_start)?,
            Field::Bytes => {
                let bytes = parse_bytes(&value).ok_or_else(|| {
                    self.error_at(
                        value_start,
                        format!("expected a size such as 5000, 64KB or 1.5GB, found '{value}'"),
                    )
                })?;
                range_filter(
                    comparison,
                    bytes,
                    bytes.saturating_add(1),
                    0,
                    u64::MAX,
                    |low, high| Filter::Bytes { low, high },
                )
            }
            Field::Ip(_)
            | Field::Text(_)
            | Field::Principal(_)
            | Field::Resource
            | Field::Namespace => {
                if !matches!(comparison, Comparison::Equal | Comparison::NotEqual) {
                    return Err(self.error_at(
                        start + name.len(),
                        format!("'{name}' takes ':' or '!=', not '{symbol}'"),
                    ));
                }
                Filter::Match {
                    columns: field.columns(),
                    matcher: Matcher::for_field(field, &value),
                }
            }
        };
        Ok(match comparison {
            Comparison::NotEqual => Filter::Not(Box::new(filter)),
            _ => filter,
        })
    }

    fn time_term(
        &self,
        value: &str,
        comparison: Comparison,
        at: usize,
    ) -> Result<Filter, ParseError> {
        let (start, end) = time::parse_user_time(value, self.now).ok_or_else(|| {
            self.error_at(at, format!("expected a time such as -2h, 2026-11-30 or 2026-11-30T03:00:00Z, found '{value}'"))
        })?;
        Ok(range_filter(
            comparison,
            start,
            end.max(start + 1),
            i64::MIN,
            i64::MAX,
            |start, end| Filter::Time { start, end },
        ))
    }

    fn severity_term(
        &self,
        value: &str,
        comparison: Comparison,
        at: usize,
    ) -> Result<Filter, ParseError> {
        let (low, high) = match value.parse::<f32>() {
            Ok(number) => (number, number.next_up()),
            Err(_) => severity::band(value).ok_or_else(|| {
                self.error_at(at, format!("expected a severity number (0-10) or one of info, low, medium, high, critical, found '{value}'"))
            })?,
        };
        Ok(range_filter(
            comparison,
            low,
            high,
            f32::NEG_INFINITY,
            f32::INFINITY,
            |low, high| Filter::Severity { low, high },
        ))
    }
}

/// A size as users write it: `5000`, `64KB`, `1.5GB` (binary multiples: 1 KB is 1024 bytes).
pub fn parse_bytes(text: &str) -> Option<u64> {
    let text = text.trim();
    let split = text
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .unwrap_or(text.len());
    let (number, unit) = text.split_at(split);
    let number: f64 = number.parse().ok()?;
    let power = match unit.trim().to_ascii_lowercase().as_str() {
        "" | "b" => 0,
        "k" | "kb" | "kib" => 1,
        "m" | "mb" | "mib" => 2,
        "g" | "gb" | "gib" => 3,
        "t" | "tb" | "tib" => 4,
        _ => return None,
    };
    let bytes = number * 1024f64.powi(power);
    (bytes.is_finite() && bytes >= 0.0 && bytes < u64::MAX as f64).then_some(bytes as u64)
}

/// Turns a comparison against the value range `[low, high)` into a range filter.
fn range_filter<T: Copy>(
    comparison: Comparison,
    low: T,
    high: T,
    min: T,
    max: T,
    make: impl Fn(T, T) -> Filter,
) -> Filter {
    match comparison {
        Comparison::Equal => make(low, high),
        Comparison::NotEqual => make(low, high),
        Comparison::Greater => make(high, max),
        Comparison::GreaterOrEqual => make(low, max),
        Comparison::Less => make(min, low),
        Comparison::LessOrEqual => make(min, high),
    }
}

fn free_text(text: &str) -> Filter {
    Filter::Match {
        columns: &Column::TEXT,
        matcher: Matcher::contains(text),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const NOW: i64 = 1_764_471_600 * time::NANOS_PER_SEC;

    fn error(input: &str) -> ParseError {
        parse(input, NOW).unwrap_err()
    }

    #[test]
    fn free_text_ignores_case_ascii_fast_and_unicode_folded() {
        let ascii = Matcher::contains("Orders-PROD");
        assert!(matches!(ascii, Matcher::Contains(Substring::Ascii(_))));
        for (text, found) in [
            ("arn:aws:s3:::acme-orders-prod/x", true),
            ("ORDERS-PROD", true),
            ("orders-pro", false),
            ("ordersxprod orders-prod", true),
            ("", false),
            ("ééé orders-prodé", true),
        ] {
            assert_eq!(ascii.matches(text), found, "{text}");
        }
        let unicode = Matcher::contains("Ärger");
        assert!(unicode.matches("großer ärger") && !unicode.matches("arger"));
    }

    #[test]
    fn cidr_matching_with_its_quick_rejection() {
        let matcher = Matcher::ip("10.20.0.0/16");
        for (ip, inside) in [
            ("10.20.3.4", true),
            ("10.21.3.4", false),
            ("11.20.3.4", false),
            ("010.20.3.4", false),
            ("10.20.3", false),
            ("::ffff:10.20.0.1", false),
            ("not an ip", false),
        ] {
            assert_eq!(matcher.matches(ip), inside, "{ip}");
        }
        let v6 = Matcher::ip("2001:db8::/32");
        assert!(v6.matches("2001:db8::1") && !v6.matches("10.20.3.4"));
        assert!(Matcher::ip("0.0.0.0/0").matches("203.0.113.66"));
    }

    #[test]
    fn parses_the_sketch_from_the_architecture_notes() {
        let filter = parse(r#"actor:*mallory* action:Delete* -outcome:success ip:203.0.113.0/24 severity>=7 source:guardduty time:>-2h "free text""#, NOW).unwrap();
        let Filter::And(terms) = filter else {
            panic!("expected AND")
        };
        assert_eq!(terms.len(), 8);
        assert!(matches!(&terms[2], Filter::Not(_)));
        assert!(matches!(
            &terms[3],
            Filter::Match {
                matcher: Matcher::Cidr(_),
                ..
            }
        ));
        assert!(matches!(terms[4], Filter::Severity { low, .. } if low == 7.0));
        assert!(
            matches!(terms[6], Filter::Time { start, .. } if start == NOW - 7200 * time::NANOS_PER_SEC + 1)
        );
    }

    #[test]
    fn or_binds_looser_than_and_and_parentheses_group() {
        let filter = parse("a b OR c", NOW).unwrap();
        assert!(matches!(&filter, Filter::Or(branches) if matches!(branches[0], Filter::And(_))));
        let filter = parse("a (b OR c)", NOW).unwrap();
        assert!(matches!(&filter, Filter::And(terms) if matches!(terms[1], Filter::Or(_))));
        assert!(matches!(parse("NOT a", NOW).unwrap(), Filter::Not(_)));
        assert!(matches!(parse("", NOW).unwrap(), Filter::All));
    }

    #[test]
    fn wildcards_and_case() {
        let m = Matcher::text("Delete*");
        assert!(m.matches("DeleteTrail") && m.matches("deletebucket") && !m.matches("xDelete"));
        assert!(Matcher::text("GetObject").matches("getobject"));
        assert!(!Matcher::text("GetObject").matches("GetObjectAcl"));
        assert!(Matcher::ip("10.0.0.0/8").matches("10.2.3.4"));
        assert!(!Matcher::ip("10.0.0.0/8").matches("not-an-ip"));
        assert!(Matcher::ip("2001:db8::/32").matches("2001:db8:1234:a100:8d6e:3477:df66:f105"));
    }

    #[test]
    fn quoted_values_keep_spaces() {
        let Filter::Match {
            matcher: Matcher::Exact(value),
            ..
        } = parse(r#"ua:"aws cli \"x\"""#, NOW).unwrap()
        else {
            panic!()
        };
        assert_eq!(value, r#"aws cli "x""#);
    }

    #[test]
    fn errors_name_the_column_and_what_was_expected() {
        assert_eq!(
            error("actor:"),
            ParseError {
                column: 7,
                message: "expected a value after 'actor:'".into()
            }
        );
        assert_eq!(error("a (b").column, 5);
        assert!(
            error("a (b")
                .message
                .contains("expected ')' to close the '(' at column 3")
        );
        assert_eq!(error("x:\"open").column, 3);
        let unknown = error("source:x colour:red");
        assert_eq!(unknown.column, 10);
        assert!(unknown.message.starts_with("unknown field 'colour'"));
        assert!(error("time:>yesterday").message.contains("expected a time"));
        assert!(
            error("severity>=urgent")
                .message
                .contains("expected a severity")
        );
        assert!(
            error("OR a")
                .message
                .contains("expected a term before 'OR'")
        );
        assert!(
            error("a OR")
                .message
                .contains("found the end of the filter")
        );
        assert!(error("a )").message.contains("unexpected ')'"));
        assert!(error("actor>x").message.contains("takes ':' or '!='"));
    }
}
