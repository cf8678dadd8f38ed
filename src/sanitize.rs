//! Log data is attacker-controlled: a user agent can carry terminal escapes or bidi overrides.
//! Everything printed for a human passes through here first.

/// Makes text inert for a terminal and keeps it on one line: control characters (ESC, which
/// starts every terminal escape sequence, among them) and bidi or invisible formatting become
/// visible `\u{..}` escapes, line breaks become `⏎`. Nothing is dropped: an escape sequence in
/// a user agent is evidence, shown as text.
pub fn inline(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '\n' | '\r' => out.push('⏎'),
            '\t' => out.push(' '),
            c if is_dangerous(c) => out.push_str(&format!("\\u{{{:x}}}", c as u32)),
            c => out.push(c),
        }
    }
    out
}

/// Like [`inline`], cut to at most `max` characters with a marker saying how much was cut.
pub fn inline_truncated(text: &str, max: usize) -> String {
    let clean = inline(text);
    let count = clean.chars().count();
    if count <= max {
        return clean;
    }
    let kept: String = clean.chars().take(max.saturating_sub(1)).collect();
    format!("{kept}…")
}

/// Keys whose values are secrets wherever they appear in a record (STS credentials in
/// `responseElements.credentials`, passwords in request parameters). Compared ignoring case.
const SECRET_KEYS: &[&str] = &[
    "sessionToken",
    "secretAccessKey",
    "password",
    "masterUserPassword",
    "newPassword",
    "oldPassword",
    "privateKey",
    "x-amz-security-token",
];

pub const REDACTED: &str = "<redacted>";

/// Replaces every secret value in a record, at any depth, with [`REDACTED`].
pub fn redact_secrets(value: &mut serde_json::Value) {
    match value {
        serde_json::Value::Object(map) => {
            for (key, child) in map.iter_mut() {
                if SECRET_KEYS
                    .iter()
                    .any(|secret| key.eq_ignore_ascii_case(secret))
                    && !child.is_null()
                {
                    *child = serde_json::Value::String(REDACTED.into());
                } else {
                    redact_secrets(child);
                }
            }
        }
        serde_json::Value::Array(items) => items.iter_mut().for_each(redact_secrets),
        _ => {}
    }
}

/// A CSV cell that no spreadsheet runs: cells starting with `=`, `+`, `-`, `@`, tab or CR are
/// formulas to Excel and LibreOffice, and a leading `'` makes them text. Control characters are
/// shown as escapes, so a `cat` of the file is inert too.
pub fn csv_cell(cell: &str) -> String {
    if cell.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        format!("'{}", inline(cell))
    } else {
        inline(cell)
    }
}

/// A JSON line with every control, bidi and invisible character written as a `\uXXXX` escape:
/// the same data to a parser, inert to a terminal that `cat`s the file.
pub fn inert_json(value: &serde_json::Value) -> String {
    let text = value.to_string();
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        if is_dangerous(c) {
            let mut units = [0u16; 2];
            for unit in c.encode_utf16(&mut units) {
                out.push_str(&format!("\\u{unit:04x}"));
            }
        } else {
            out.push(c);
        }
    }
    out
}

/// Control characters (ESC among them) and bidi or invisible formatting characters.
pub fn is_dangerous(c: char) -> bool {
    c.is_control()
        || matches!(c,
            '\u{200b}'..='\u{200f}'   // zero-width and direction marks
            | '\u{202a}'..='\u{202e}' // bidi embeddings and overrides
            | '\u{2066}'..='\u{2069}' // bidi isolates
            | '\u{feff}'
        )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csv_formulas_are_neutralized() {
        assert_eq!(
            csv_cell("=HYPERLINK(\"http://x\")"),
            "'=HYPERLINK(\"http://x\")"
        );
        assert_eq!(csv_cell("@SUM(A1)"), "'@SUM(A1)");
        assert_eq!(csv_cell("\tx"), "' x");
        assert_eq!(csv_cell("a\u{1b}[2J"), "a\\u{1b}[2J");
        assert_eq!(csv_cell("GetObject"), "GetObject");
    }

    #[test]
    fn shows_terminal_escapes_as_text() {
        assert_eq!(inline("a\u{1b}[31mred"), "a\\u{1b}[31mred");
        assert_eq!(
            inline("x\u{1b}]8;;http://evil\u{7}link"),
            "x\\u{1b}]8;;http://evil\\u{7}link"
        );
        assert_eq!(inline("\u{9b}2J"), "\\u{9b}2J", "C1 CSI too");
    }

    #[test]
    fn makes_controls_and_bidi_visible() {
        assert_eq!(inline("a\u{202e}b"), "a\\u{202e}b");
        assert_eq!(inline("a\u{7}b\u{0}"), "a\\u{7}b\\u{0}");
        assert_eq!(inline("line1\nline2"), "line1⏎line2");
    }

    #[test]
    fn redacts_credentials_at_any_depth() {
        let mut record = serde_json::json!({"responseElements": {"credentials": {
            "accessKeyId": "ASIAEXAMPLE", "sessionToken": "IQoJb3JpZ2luX2VjE", "SecretAccessKey": "wJalr"}},
            "requestParameters": {"items": [{"masterUserPassword": "hunter2"}]}});
        redact_secrets(&mut record);
        let text = record.to_string();
        assert!(
            !text.contains("IQoJ") && !text.contains("wJalr") && !text.contains("hunter2"),
            "{text}"
        );
        assert!(
            text.contains("ASIAEXAMPLE"),
            "access key ids are entities, not secrets"
        );
    }

    #[test]
    fn truncates_long_text_visibly() {
        assert_eq!(inline_truncated("abcdef", 4), "abc…");
        assert_eq!(inline_truncated("abc", 4), "abc");
    }
}
