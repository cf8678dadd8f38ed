//! Drawing. Every function here reads state and writes to the frame; none changes state.

mod bars;
mod detail;
mod help;
mod histogram;
mod overlays;

pub use help::lines as help_lines;
pub use overlays::card_height;
mod start;
mod timeline;

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};

use super::app::App;
use super::keymap::Mode;
use super::theme::Theme;

/// Rows left free above and below full-height popups.
const POPUP_MARGIN: u16 = 2;

/// How much room the screens have, for paging and histogram resolution.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Viewport {
    pub timeline_rows: usize,
    pub histogram_width: usize,
    pub detail_rows: usize,
    /// Rows inside a full-height popup (help, the entity card).
    pub popup_rows: usize,
}

/// The areas of the case screen, top to bottom.
struct CaseAreas {
    histogram: Rect,
    middle: Rect,
    filter: Rect,
    status: Rect,
}

fn case_areas(area: Rect) -> CaseAreas {
    // Short terminals give the histogram's rows to events.
    let histogram_height = if area.height >= 16 { 4 } else { 0 };
    let [histogram, middle, filter, status] = Layout::vertical([
        Constraint::Length(histogram_height),
        Constraint::Min(1),
        Constraint::Length(1),
        Constraint::Length(1),
    ])
    .areas(area);
    CaseAreas {
        histogram,
        middle,
        filter,
        status,
    }
}

pub fn viewport(area: Rect) -> Viewport {
    let areas = case_areas(area);
    let detail_middle = areas.histogram.union(areas.middle);
    Viewport {
        // One row is the table header.
        timeline_rows: areas.middle.height.saturating_sub(1) as usize,
        histogram_width: histogram::bucket_count(areas.histogram),
        // One row is the detail title.
        detail_rows: detail_middle.height.saturating_sub(1) as usize,
        popup_rows: area.height.saturating_sub(POPUP_MARGIN + 2) as usize,
    }
}

pub fn draw(app: &App, theme: &Theme, frame: &mut Frame) {
    let area = frame.area();
    match (&app.explorer, app.base_mode()) {
        (Some(explorer), mode) if mode != Mode::Start => {
            let areas = case_areas(area);
            if mode == Mode::Detail {
                if let Some(detail) = &app.detail {
                    detail::draw(
                        detail,
                        explorer,
                        theme,
                        frame,
                        areas.histogram.union(areas.middle),
                    );
                }
            } else {
                histogram::draw(
                    explorer,
                    mode == Mode::Histogram,
                    theme,
                    frame,
                    areas.histogram,
                );
                timeline::draw(explorer, theme, frame, areas.middle);
            }
            bars::filter_bar(app, explorer, theme, frame, areas.filter);
            bars::status(app, explorer, theme, frame, areas.status);
        }
        _ => start::draw(app, theme, frame, area),
    }
    match app.mode {
        Mode::Help => help::draw(app, theme, frame, area),
        Mode::Palette => overlays::palette(app, theme, frame, area),
        Mode::Entities => overlays::entities(app, theme, frame, area),
        Mode::Card => overlays::card(app, theme, frame, area),
        Mode::GroupBy => overlays::group_by(app, theme, frame, area),
        Mode::Sweep => overlays::sweep(app, theme, frame, area),
        Mode::Coverage => overlays::coverage(app, theme, frame, area),
        Mode::Marks => overlays::marks(app, theme, frame, area),
        Mode::Progress => overlays::progress(app, theme, frame, area),
        _ => {}
    }
}

/// "2026-11-18 02:47:12": a time as the console shows it (UTC, to the second).
fn clock(time: i64) -> String {
    let text = crate::time::format_rfc3339(time);
    format!("{} {}", &text[..10], &text[11..19.min(text.len())])
}

/// "11-18 02:47:12": [`clock`] without the year, where room is short.
fn short_clock(time: i64) -> String {
    clock(time)[5..].to_owned()
}

/// A list with one selected line, scrolled so the selection stays visible; `empty` stands in
/// for a list without lines. Each text is made inert and cut to the area's width.
fn selectable_list(
    texts: &[String],
    selected: usize,
    unselected: ratatui::style::Style,
    empty: &str,
    theme: &Theme,
    frame: &mut Frame,
    area: Rect,
) {
    use ratatui::text::{Line, Span};
    if texts.is_empty() {
        let line = Line::from(Span::styled(empty.to_owned(), theme.dim()));
        frame.render_widget(ratatui::widgets::Paragraph::new(line), area);
        return;
    }
    let rows = area.height as usize;
    let first = selected.saturating_sub(rows.saturating_sub(1));
    let lines: Vec<Line> = texts
        .iter()
        .enumerate()
        .skip(first)
        .take(rows)
        .map(|(i, text)| {
            let style = if i == selected {
                theme.selected()
            } else {
                unselected
            };
            Line::from(Span::styled(cell(text, area.width as usize), style))
        })
        .collect();
    frame.render_widget(ratatui::widgets::Paragraph::new(lines), area);
}

/// Log text made inert and cut to fit `width` columns.
fn cell(text: &str, width: usize) -> String {
    crate::sanitize::inline_truncated(text, width.max(1))
}

#[cfg(test)]
mod tests;
