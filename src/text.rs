//! Small text helpers shared by the files casebook reads (keymaps, queries).

/// The 1-based line a byte offset falls on.
pub fn line_of(text: &str, offset: usize) -> usize {
    text[..offset.min(text.len())].matches('\n').count() + 1
}
