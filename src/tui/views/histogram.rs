//! Events over time above the timeline, following the filter and time window; focused, a cursor
//! and a range selection pick the window to zoom into.

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::{Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Sparkline, SparklineBar};

use super::clock;
use crate::tui::explorer::Explorer;
use crate::tui::theme::Theme;

/// One bucket per column, leaving room for the count label on the left.
const LABEL_WIDTH: u16 = 8;

pub fn bucket_count(area: Rect) -> usize {
    area.width.saturating_sub(LABEL_WIDTH) as usize
}

pub fn draw(explorer: &Explorer, focused: bool, theme: &Theme, frame: &mut Frame, area: Rect) {
    if area.height < 2 {
        return;
    }
    let histogram = explorer.histogram();
    let [bars_row, axis] =
        Layout::vertical([Constraint::Fill(1), Constraint::Length(1)]).areas(area);
    let [label, bars] =
        Layout::horizontal([Constraint::Length(LABEL_WIDTH), Constraint::Fill(1)]).areas(bars_row);
    let peak = histogram.counts.iter().copied().max().unwrap_or(0);
    frame.render_widget(
        Paragraph::new(format!("{peak:>6}┤")).style(theme.dim()),
        label,
    );

    let (first, last) = explorer.histogram_cursor.selection();
    let highlighted = |i: usize| focused && (first..=last).contains(&i);
    let data: Vec<SparklineBar> = histogram
        .counts
        .iter()
        .enumerate()
        .map(|(i, &count)| {
            let style = highlighted(i).then(|| theme.histogram().add_modifier(Modifier::REVERSED));
            SparklineBar::from(count).style(style)
        })
        .collect();
    frame.render_widget(
        Sparkline::default().data(data).style(theme.histogram()),
        bars,
    );

    let axis_text = if focused {
        let (start, end) = histogram.range(first, last);
        let count: u64 = histogram
            .counts
            .get(first..=last)
            .map_or(0, |c| c.iter().sum());
        format!(
            "{} → {}  {count} events   (space: range, enter: zoom, esc: back)",
            clock(start),
            clock(end)
        )
    } else {
        format!("{} → {}", clock(histogram.start), clock(histogram.end))
    };
    let axis_line = Line::from(vec![
        Span::raw(" ".repeat(LABEL_WIDTH as usize)),
        Span::styled(
            axis_text,
            if focused { theme.accent() } else { theme.dim() },
        ),
    ]);
    frame.render_widget(Paragraph::new(axis_line).style(Style::new()), axis);
}
