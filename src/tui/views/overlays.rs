//! Popups over the current screen: the command palette and load progress.

use std::sync::atomic::Ordering;

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Clear, Gauge, Paragraph};

use super::bars::input_line;
use crate::tui::action::Action;
use crate::tui::app::App;
use crate::tui::keymap::Mode;
use crate::tui::palette;
use crate::tui::theme::Theme;
use crate::tui::thousands;

/// A rectangle of at most `width` × `height`, centred in `area`.
pub fn centered(area: Rect, width: u16, height: u16) -> Rect {
    let width = width.min(area.width);
    let height = height.min(area.height);
    Rect::new(
        area.x + (area.width - width) / 2,
        area.y + (area.height - height) / 2,
        width,
        height,
    )
}

pub fn palette(app: &App, theme: &Theme, frame: &mut Frame, area: Rect) {
    let popup = centered(area, 70, 16);
    frame.render_widget(Clear, popup);
    let block = Block::bordered().title(" commands (type to narrow, enter runs) ");
    let inner = block.inner(popup);
    frame.render_widget(block, popup);
    let [input, list] = Layout::vertical([Constraint::Length(1), Constraint::Fill(1)]).areas(inner);
    input_line(app, ": ", theme, frame, input);
    let choices = palette::matches(app.input.text());
    let height = list.height as usize;
    let first = app
        .palette_selected
        .saturating_sub(height.saturating_sub(1));
    let lines: Vec<Line> = choices
        .iter()
        .enumerate()
        .skip(first)
        .take(height)
        .map(|(i, action)| {
            let key = bound_key(app, *action);
            let text = format!("{:<16} {:<44} {key}", action.name(), action.about());
            let style = if i == app.palette_selected {
                theme.selected()
            } else {
                theme.dim()
            };
            Line::from(Span::styled(text, style))
        })
        .collect();
    let lines = if lines.is_empty() {
        vec![Line::from(Span::styled("no command matches", theme.dim()))]
    } else {
        lines
    };
    frame.render_widget(Paragraph::new(lines), list);
}

/// The entities of the selected event, to pivot on; typing narrows the list.
pub fn entities(app: &App, theme: &Theme, frame: &mut Frame, area: Rect) {
    let choices = app.entity_choices();
    let height = (choices.len() as u16 + 3).clamp(5, 18);
    let popup = centered(area, 96, height);
    frame.render_widget(Clear, popup);
    let block = Block::bordered().title(" pivot on (type to narrow, enter follows) ");
    let inner = block.inner(popup);
    frame.render_widget(block, popup);
    let [input, list] = Layout::vertical([Constraint::Length(1), Constraint::Fill(1)]).areas(inner);
    input_line(app, "> ", theme, frame, input);
    let rows = list.height as usize;
    let first = app.entity_selected.saturating_sub(rows.saturating_sub(1));
    let width = list.width as usize;
    let lines: Vec<Line> = choices
        .iter()
        .enumerate()
        .skip(first)
        .take(rows)
        .map(|(i, entity)| {
            let style = if i == app.entity_selected {
                theme.selected()
            } else {
                ratatui::style::Style::new()
            };
            let text = format!(
                "{:<11} {}",
                entity.kind.as_str().replace('_', " "),
                entity.value
            );
            Line::from(Span::styled(super::cell(&text, width), style))
        })
        .collect();
    frame.render_widget(Paragraph::new(lines), list);
}

/// The key that runs an action on the screen below the palette, for learning the keys.
fn bound_key(app: &App, action: Action) -> String {
    app.keymap
        .key_for(app.base_mode(), action)
        .unwrap_or_default()
}

pub fn progress(app: &App, theme: &Theme, frame: &mut Frame, area: Rect) {
    let Some(job) = &app.job else {
        return;
    };
    let popup = centered(area, 64, 7);
    frame.render_widget(Clear, popup);
    let title = format!(" loading {} ", crate::sanitize::inline(&job.title));
    let block = Block::bordered().title(title);
    let inner = block.inner(popup);
    frame.render_widget(block, popup);
    let [gauge, counts, hint] = Layout::vertical([
        Constraint::Length(1),
        Constraint::Length(2),
        Constraint::Length(1),
    ])
    .areas(inner);
    let progress = &job.progress;
    let total = progress.files_total.load(Ordering::Relaxed);
    let done = progress.files_done.load(Ordering::Relaxed);
    let ratio = if total == 0 {
        0.0
    } else {
        done as f64 / total as f64
    };
    frame.render_widget(
        Gauge::default()
            .ratio(ratio.clamp(0.0, 1.0))
            .gauge_style(theme.histogram())
            .label(format!("{done} / {total} files")),
        gauge,
    );
    let events = progress.events.load(Ordering::Relaxed);
    let megabytes = progress.bytes.load(Ordering::Relaxed) as f64 / 1e6;
    let elapsed = job.started.elapsed().as_secs_f64();
    let text = format!(
        "{} events, {megabytes:.1} MB parsed, {elapsed:.1} s",
        thousands(events)
    );
    frame.render_widget(Paragraph::new(text), counts);
    let cancel = app
        .keymap
        .key_for(Mode::Progress, Action::CancelJob)
        .unwrap_or_default();
    let text = if progress.is_cancelled() {
        "cancelling…".to_owned()
    } else {
        format!("{cancel} cancels")
    };
    frame.render_widget(Paragraph::new(text).style(theme.dim()), hint);
}
