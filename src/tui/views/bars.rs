//! The filter bar and the status line at the bottom of the case screen.

use ratatui::Frame;
use ratatui::layout::{Position, Rect};
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

use crate::sanitize;
use crate::tui::action::Action;
use crate::tui::app::{App, Notice, Prompt, entity_label};
use crate::tui::explorer::{Explorer, Focus};
use crate::tui::keymap::Mode;
use crate::tui::theme::Theme;
use crate::tui::thousands;

pub fn filter_bar(app: &App, explorer: &Explorer, theme: &Theme, frame: &mut Frame, area: Rect) {
    let prompt = (app.mode == Mode::Filter).then_some(app.prompt);
    let prefix = match prompt {
        Some(Prompt::Filter) => Some("/ "),
        Some(Prompt::SaveQuery) => Some("save the filter as query named: "),
        Some(Prompt::TagMark) => Some("mark with #tags and a comment: "),
        Some(Prompt::ManualEvent) => Some("manual event (03:32 on-call paged): "),
        Some(Prompt::SaveView) => Some("keep this place as the view named: "),
        _ if app.mode == Mode::Search => Some("search: "),
        _ => None,
    };
    if let Some(prefix) = prefix {
        input_line(app, prefix, theme, frame, area);
        return;
    }
    let mut spans = breadcrumbs(explorer, theme);
    spans.push(Span::styled("/ ", theme.accent()));
    if explorer.filter_text().is_empty() && explorer.pivot().is_some() {
        spans.push(Span::styled("no filter", theme.dim()));
    } else if explorer.filter_text().is_empty() {
        let key = app
            .keymap
            .key_for(Mode::Timeline, Action::Filter)
            .unwrap_or_else(|| "/".into());
        spans.push(Span::styled(
            format!(
                "no filter ({key} to filter, e.g. actor:*node* -outcome:success ip:203.0.113.0/24)"
            ),
            theme.dim(),
        ));
    } else {
        spans.push(Span::raw(super::cell(
            explorer.filter_text(),
            area.width as usize,
        )));
    }
    if let Some((start, end)) = explorer.window() {
        spans.push(Span::styled(
            format!(
                "  window {} → {}",
                super::short_clock(start),
                super::short_clock(end)
            ),
            theme.accent(),
        ));
    }
    frame.render_widget(Paragraph::new(Line::from(spans)), area);
}

/// `timeline › access key ASIA… › ip 203.0.113.66 ±1h │ ` while following entities.
fn breadcrumbs(explorer: &Explorer, theme: &Theme) -> Vec<Span<'static>> {
    let crumbs = explorer.breadcrumbs();
    let Some(current) = crumbs.last() else {
        return Vec::new();
    };
    let mut spans = vec![Span::styled("timeline", theme.dim())];
    for (i, pivot) in crumbs.iter().enumerate() {
        spans.push(Span::styled(" › ", theme.dim()));
        // The current entity in full (nearly); the way here in short, leaving room for the filter.
        let (style, width) = if i + 1 == crumbs.len() {
            (theme.accent(), 64)
        } else {
            (theme.dim(), 20)
        };
        spans.push(Span::styled(
            super::cell(
                &match &pivot.focus {
                    Focus::Entity(entity) => entity_label(entity),
                    Focus::Context => "context (all sources)".to_owned(),
                    Focus::Hits { label, .. } => format!("hits of {}", sanitize::inline(label)),
                },
                width,
            ),
            style,
        ));
    }
    let window = match current.half_window {
        Some(half) => format!(" ±{} ", duration(half)),
        None => " whole range ".to_owned(),
    };
    spans.push(Span::styled(window, theme.accent()));
    spans.push(Span::styled("│ ", theme.dim()));
    spans
}

/// "1h", "30m", "2d" for a window's half-width.
fn duration(nanos: i64) -> String {
    let minutes = nanos / crate::time::NANOS_PER_SEC / 60;
    match minutes {
        m if m >= 1440 && m % 1440 == 0 => format!("{}d", m / 1440),
        m if m >= 60 && m % 60 == 0 => format!("{}h", m / 60),
        m => format!("{m}m"),
    }
}

/// The input being typed, with the cursor, and the character a filter error points at marked.
pub fn input_line(app: &App, prefix: &str, theme: &Theme, frame: &mut Frame, area: Rect) {
    let text = crate::sanitize::inline(app.input.text());
    let error_at = app
        .filter_error
        .as_ref()
        .map(|e| e.column.saturating_sub(1));
    let mut spans = vec![Span::styled(prefix.to_owned(), theme.accent())];
    for (i, c) in text.chars().enumerate() {
        let style = if Some(i) == error_at {
            theme
                .error()
                .add_modifier(ratatui::style::Modifier::REVERSED)
        } else {
            Style::new()
        };
        spans.push(Span::styled(c.to_string(), style));
    }
    if error_at.is_some_and(|at| at >= text.chars().count()) {
        spans.push(Span::styled(
            " ",
            theme
                .error()
                .add_modifier(ratatui::style::Modifier::REVERSED),
        ));
    }
    frame.render_widget(Paragraph::new(Line::from(spans)), area);
    let x = area.x + (prefix.chars().count() + app.input.cursor()) as u16;
    frame.set_cursor_position(Position::new(x.min(area.right().saturating_sub(1)), area.y));
}

pub fn status(app: &App, explorer: &Explorer, theme: &Theme, frame: &mut Frame, area: Rect) {
    if let Some(error) = &app.filter_error {
        let text = format!("filter error at column {}: {}", error.column, error.message);
        frame.render_widget(
            Paragraph::new(super::cell(&text, area.width as usize)).style(theme.error()),
            area,
        );
        return;
    }
    if let Some(notice) = &app.notice {
        return notice_line(notice, theme, frame, area);
    }
    if let Some(status) = app.live_pivots.status() {
        return notice_line(&Notice::Info(status), theme, frame, area);
    }
    let span = match explorer.shown_span() {
        Some((first, last)) => format!(
            "{} → {}",
            super::short_clock(first),
            super::short_clock(last)
        ),
        None => "no events".to_owned(),
    };
    let help = app
        .keymap
        .key_for(app.mode, Action::Help)
        .unwrap_or_else(|| "?".into());
    let palette = app
        .keymap
        .key_for(app.mode, Action::Palette)
        .unwrap_or_else(|| ":".into());
    let line = Line::from(vec![
        Span::styled(
            format!(
                " {} / {} events ",
                thousands(explorer.shown()),
                thousands(explorer.total())
            ),
            theme.accent(),
        ),
        Span::raw(format!("│ {span} │ {} marked │ ", explorer.marks().len())),
        Span::raw(
            app.case
                .as_ref()
                .and_then(|c| c.case.meta.runbook.as_deref())
                .map(|runbook| format!("runbook {} │ ", sanitize::inline(runbook)))
                .unwrap_or_default(),
        ),
        Span::styled(format!("{help} help  {palette} commands"), theme.dim()),
    ]);
    frame.render_widget(Paragraph::new(line), area);
}

/// A notice in one line: information in the accent colour, problems as errors.
pub fn notice_line(notice: &Notice, theme: &Theme, frame: &mut Frame, area: Rect) {
    let (text, style) = match notice {
        Notice::Info(text) => (text, theme.accent()),
        Notice::Error(text) => (text, theme.error()),
    };
    frame.render_widget(
        Paragraph::new(super::cell(text, area.width as usize)).style(style),
        area,
    );
}
