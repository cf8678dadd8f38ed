//! Small text helpers: for the files casebook reads (keymaps, queries), and counts in messages.

/// `1 event`, `1,234 events`: a count and its noun (plural with an s).
pub fn counted(count: usize, noun: &str) -> String {
    format!(
        "{} {noun}{}",
        thousands(count),
        if count == 1 { "" } else { "s" }
    )
}

/// 1234567 -> "1,234,567".
pub(crate) fn thousands(n: usize) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// The 1-based line a byte offset falls on.
pub fn line_of(text: &str, offset: usize) -> usize {
    text[..offset.min(text.len())].matches('\n').count() + 1
}

/// The line a TOML error points at (0 when it points nowhere) and its message, for errors that
/// name the file and line.
pub fn toml_error(text: &str, error: &toml::de::Error) -> (usize, String) {
    let line = error.span().map_or(0, |span| line_of(text, span.start));
    (line, error.message().to_owned())
}
