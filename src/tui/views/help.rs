//! Help, generated from the active keymap: the current mode's bindings, then the global ones.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Clear, Paragraph};

use super::overlays::centered;
use crate::tui::app::App;
use crate::tui::keymap::Mode;
use crate::tui::theme::Theme;

pub fn lines(app: &App, theme: &Theme) -> Vec<Line<'static>> {
    let mode = app.help_mode();
    let mut lines = Vec::new();
    for section in [mode, Mode::Global] {
        if section == Mode::Global && (mode.is_input() || mode == Mode::Global) {
            continue;
        }
        lines.push(Line::from(Span::styled(
            format!("{} keys", section.name()),
            theme.header(),
        )));
        for binding in app.keymap.bindings(section) {
            lines.push(Line::from(vec![
                Span::styled(format!("  {:<12}", binding.keys_text()), theme.accent()),
                Span::raw(crate::sanitize::inline(&binding.desc)),
            ]));
        }
        lines.push(Line::default());
    }
    if mode == Mode::Timeline || mode == Mode::Filter {
        lines.push(Line::from(Span::styled("filter language", theme.header())));
        for example in [
            "  actor:*node*  action:Delete*  -outcome:success  source:guardduty",
            "  ip:203.0.113.0/24  severity>=7  time:>-2h  \"free text\"",
            "  terms are ANDed; OR and (parentheses) combine them",
        ] {
            lines.push(Line::from(example));
        }
    }
    lines
}

pub fn draw(app: &App, theme: &Theme, frame: &mut Frame, area: Rect) {
    let popup = centered(area, 72, area.height.saturating_sub(super::POPUP_MARGIN));
    let lines = lines(app, theme);
    // Two rows are the border.
    let last_start = lines
        .len()
        .saturating_sub(popup.height.saturating_sub(2) as usize);
    let scroll = app.help_scroll.min(last_start) as u16;
    let title = format!(" help: {} (esc closes) ", app.help_mode().name());
    frame.render_widget(Clear, popup);
    frame.render_widget(
        Paragraph::new(lines)
            .block(Block::bordered().title(title))
            .scroll((scroll, 0)),
        popup,
    );
}
