//! The start screen: the demo, open a path, recent cases.

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

use super::bars::{input_line, notice_line};
use crate::tui::app::{App, Prompt};
use crate::tui::keymap::Mode;
use crate::tui::theme::Theme;

pub fn draw(app: &App, theme: &Theme, frame: &mut Frame, area: Rect) {
    let [body, prompt, status] = Layout::vertical([
        Constraint::Fill(1),
        Constraint::Length(1),
        Constraint::Length(1),
    ])
    .areas(area);
    let mut lines = vec![
        Line::default(),
        Line::from(Span::styled("  casebook", theme.accent())),
        Line::from(Span::styled(
            "  one timeline of AWS security telemetry: GuardDuty, CloudTrail, Config, CloudWatch Logs",
            theme.dim(),
        )),
        Line::default(),
    ];
    for (i, entry) in app.start.entries.iter().enumerate() {
        if i == 2 {
            lines.push(Line::default());
            lines.push(Line::from(Span::styled("  recent", theme.header())));
        }
        let style = if i == app.start.selected {
            theme.selected()
        } else {
            ratatui::style::Style::new()
        };
        let text = super::cell(&entry.label(), area.width.saturating_sub(6) as usize);
        lines.push(Line::from(Span::styled(
            format!(
                "  {} {text}",
                if i == app.start.selected { "›" } else { " " }
            ),
            style,
        )));
    }
    lines.push(Line::default());
    lines.push(Line::from(Span::styled(
        "  enter opens · ? keys · : commands · q quits · or run `casebook open PATH...`",
        theme.dim(),
    )));
    frame.render_widget(Paragraph::new(lines), body);
    if app.mode == Mode::Filter && app.prompt == Prompt::OpenPaths {
        input_line(app, "open: ", theme, frame, prompt);
    }
    if let Some(notice) = &app.notice {
        notice_line(notice, theme, frame, status);
    }
}
