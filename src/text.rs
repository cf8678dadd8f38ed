//! Small text helpers shared by the files casebook reads (keymaps, queries).

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
