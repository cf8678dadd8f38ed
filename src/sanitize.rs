//! Log data is attacker-controlled: a user agent can carry terminal escapes or bidi overrides.
//! Everything printed for a human passes through here first.

/// Makes text inert for a terminal and keeps it on one line: escape sequences (CSI, OSC, ...) are
/// removed, other control characters and bidi/invisible formatting become visible `\u{..}`
/// escapes, line breaks become `⏎`.
pub fn inline(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\u{1b}' => skip_escape_sequence(&mut chars),
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

fn is_dangerous(c: char) -> bool {
    c.is_control()
        || matches!(c,
            '\u{200b}'..='\u{200f}'   // zero-width and direction marks
            | '\u{202a}'..='\u{202e}' // bidi embeddings and overrides
            | '\u{2066}'..='\u{2069}' // bidi isolates
            | '\u{feff}'
        )
}

/// Drops the rest of an escape sequence after ESC: CSI (`ESC [ ... final`), OSC / DCS / APC / PM /
/// SOS strings (up to BEL or ESC \), or a single two-character sequence.
fn skip_escape_sequence(chars: &mut std::iter::Peekable<std::str::Chars>) {
    match chars.next() {
        Some('[') => {
            for c in chars.by_ref() {
                if ('\u{40}'..='\u{7e}').contains(&c) {
                    break;
                }
            }
        }
        Some(']' | 'P' | '_' | '^' | 'X') => {
            while let Some(c) = chars.next() {
                if c == '\u{7}' {
                    break;
                }
                if c == '\u{1b}' && chars.peek() == Some(&'\\') {
                    chars.next();
                    break;
                }
            }
        }
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn removes_terminal_escapes() {
        assert_eq!(inline("a\u{1b}[31mred\u{1b}[0m"), "ared");
        assert_eq!(
            inline("x\u{1b}]8;;http://evil\u{7}link\u{1b}]8;;\u{1b}\\y"),
            "xlinky"
        );
        assert_eq!(inline("title\u{1b}]0;pwned\u{1b}\\"), "title");
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
