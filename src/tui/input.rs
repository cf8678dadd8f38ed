//! A one-line text input: the filter bar, the detail search, the palette, the path prompt.

use ratatui::crossterm::event::KeyCode;

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Input {
    text: String,
    /// Cursor position in characters.
    cursor: usize,
}

impl Input {
    pub fn with_text(text: &str) -> Input {
        Input {
            text: text.to_owned(),
            cursor: text.chars().count(),
        }
    }

    pub fn text(&self) -> &str {
        &self.text
    }

    pub fn cursor(&self) -> usize {
        self.cursor
    }

    pub fn insert(&mut self, c: char) {
        let at = self.byte_index(self.cursor);
        self.text.insert(at, c);
        self.cursor += 1;
    }

    /// Applies an editing key; false when the key is not one.
    pub fn edit(&mut self, code: KeyCode) -> bool {
        let len = self.text.chars().count();
        match code {
            KeyCode::Left => self.cursor = self.cursor.saturating_sub(1),
            KeyCode::Right => self.cursor = (self.cursor + 1).min(len),
            KeyCode::Home => self.cursor = 0,
            KeyCode::End => self.cursor = len,
            KeyCode::Backspace if self.cursor > 0 => {
                self.cursor -= 1;
                let at = self.byte_index(self.cursor);
                self.text.remove(at);
            }
            KeyCode::Delete if self.cursor < len => {
                let at = self.byte_index(self.cursor);
                self.text.remove(at);
            }
            KeyCode::Backspace | KeyCode::Delete => {}
            _ => return false,
        }
        true
    }

    fn byte_index(&self, chars: usize) -> usize {
        self.text
            .char_indices()
            .nth(chars)
            .map_or(self.text.len(), |(i, _)| i)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn edits_at_the_cursor_across_multibyte_characters() {
        let mut input = Input::with_text("aé");
        input.edit(KeyCode::Left);
        input.insert('x');
        assert_eq!((input.text(), input.cursor()), ("axé", 2));
        input.edit(KeyCode::Home);
        input.edit(KeyCode::Delete);
        input.edit(KeyCode::End);
        input.edit(KeyCode::Backspace);
        assert_eq!((input.text(), input.cursor()), ("x", 1));
        assert!(!input.edit(KeyCode::Enter));
    }
}
