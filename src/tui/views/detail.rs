//! The detail pane: the selected event's fields and original record, scrollable and searchable.

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::{Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

use crate::tui::detail::Detail;
use crate::tui::explorer::Explorer;
use crate::tui::theme::Theme;

pub fn draw(detail: &Detail, explorer: &Explorer, theme: &Theme, frame: &mut Frame, area: Rect) {
    let [title, body] = Layout::vertical([Constraint::Length(1), Constraint::Fill(1)]).areas(area);
    let position = format!(
        " event {} of {} │ lines {}-{} of {}{}",
        crate::tui::thousands(explorer.selected() + 1),
        crate::tui::thousands(explorer.shown()),
        detail.scroll + 1,
        (detail.scroll + body.height as usize).min(detail.lines.len()),
        detail.lines.len(),
        if detail.matches.is_empty() {
            String::new()
        } else {
            format!(
                " │ {} matches for '{}'",
                detail.matches.len(),
                crate::sanitize::inline(&detail.query)
            )
        },
    );
    frame.render_widget(Paragraph::new(position).style(theme.accent()), title);
    let needle = detail.query.to_lowercase();
    let width = body.width.max(1) as usize;
    let mut rows: Vec<Line> = Vec::new();
    for (i, line) in detail.lines.iter().enumerate().skip(detail.scroll) {
        if rows.len() >= body.height as usize {
            break;
        }
        let style = if !needle.is_empty() && detail.matches.binary_search(&i).is_ok() {
            theme.accent().add_modifier(Modifier::UNDERLINED)
        } else if line.starts_with("original record") {
            theme.header()
        } else {
            Style::new()
        };
        // Long values wrap rather than lose their end; absurdly long ones are cut.
        let line = super::cell(line, MAX_LINE);
        for piece in wrap(&line, width) {
            rows.push(Line::from(Span::styled(piece, style)));
        }
    }
    rows.truncate(body.height as usize);
    frame.render_widget(Paragraph::new(rows), body);
}

/// Characters of one detail line shown at most (a 50 MB request parameter stays usable).
const MAX_LINE: usize = 4000;

/// Splits a line into pieces of `width` characters.
fn wrap(line: &str, width: usize) -> Vec<String> {
    let chars: Vec<char> = line.chars().collect();
    if chars.is_empty() {
        return vec![String::new()];
    }
    chars
        .chunks(width)
        .map(|piece| piece.iter().collect())
        .collect()
}
