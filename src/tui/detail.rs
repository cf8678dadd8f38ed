//! The detail pane's state: the selected event's lines, scroll position and search.

#[derive(Debug, Clone, Default)]
pub struct Detail {
    pub lines: Vec<String>,
    pub scroll: usize,
    pub query: String,
    /// Lines containing the query, in order.
    pub matches: Vec<usize>,
}

impl Detail {
    pub fn new(lines: Vec<String>) -> Detail {
        Detail {
            lines,
            ..Detail::default()
        }
    }

    pub fn scroll_by(&mut self, delta: isize, page: usize) {
        let last = self.lines.len().saturating_sub(page.max(1));
        self.scroll = self.scroll.saturating_add_signed(delta).min(last);
    }

    /// Finds the lines containing `query` (ignoring case) and scrolls to the first at or after
    /// the current position. Returns how many lines match.
    pub fn search(&mut self, query: &str, page: usize) -> usize {
        self.query = query.to_owned();
        let needle = query.to_lowercase();
        self.matches = if needle.is_empty() {
            Vec::new()
        } else {
            (0..self.lines.len())
                .filter(|&i| self.lines[i].to_lowercase().contains(&needle))
                .collect()
        };
        if let Some(&line) = self
            .matches
            .iter()
            .find(|&&l| l >= self.scroll)
            .or(self.matches.first())
        {
            self.show(line, page);
        }
        self.matches.len()
    }

    pub fn next_match(&mut self, forward: bool, page: usize) {
        let target = if forward {
            self.matches
                .iter()
                .find(|&&l| l > self.scroll)
                .or(self.matches.first())
        } else {
            self.matches
                .iter()
                .rev()
                .find(|&&l| l < self.scroll)
                .or(self.matches.last())
        };
        if let Some(&line) = target {
            self.show(line, page);
        }
    }

    fn show(&mut self, line: usize, page: usize) {
        self.scroll = 0;
        self.scroll_by(line as isize, page);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn search_wraps_around_and_scroll_stays_in_bounds() {
        let lines: Vec<String> = (0..100)
            .map(|i| {
                if i % 30 == 7 {
                    format!("key {i}")
                } else {
                    format!("line {i}")
                }
            })
            .collect();
        let mut detail = Detail::new(lines);
        assert_eq!(detail.search("KEY", 10), 4);
        assert_eq!(detail.scroll, 7);
        detail.next_match(true, 10);
        assert_eq!(detail.scroll, 37);
        detail.next_match(false, 10);
        assert_eq!(detail.scroll, 7);
        detail.next_match(false, 10);
        // 97 is past the last full page, so the scroll stops at the end.
        assert_eq!(detail.scroll, 90);
        detail.scroll_by(-1000, 10);
        assert_eq!(detail.scroll, 0);
    }
}
