//! The timeline table: only the rows on screen are read from the store, so it scrolls through
//! millions of events at the cost of one screenful.

use ratatui::Frame;
use ratatui::layout::{Constraint, Rect};
use ratatui::style::Style;
use ratatui::text::Span;
use ratatui::widgets::{Cell, Paragraph, Row, Table};

use super::cell;
use crate::timeline::EventRow;
use crate::timeline::filter::Column;
use crate::tui::explorer::Explorer;
use crate::tui::theme::Theme;

/// Column widths for a terminal width: narrow terminals drop the target column and shorten time.
struct Widths {
    time: usize,
    source: usize,
    actor: usize,
    action: usize,
    target: usize,
}

impl Widths {
    fn for_width(width: u16) -> Widths {
        let width = width as usize;
        // Fixed columns take 134, 102 and 71 cells with their spacing; summary gets the rest.
        if width >= 150 {
            Widths {
                time: 19,
                source: 11,
                actor: 30,
                action: 28,
                target: 34,
            }
        } else if width >= 115 {
            Widths {
                time: 14,
                source: 10,
                actor: 22,
                action: 22,
                target: 22,
            }
        } else {
            Widths {
                time: 14,
                source: 10,
                actor: 18,
                action: 18,
                target: 0,
            }
        }
    }
}

pub fn draw(explorer: &Explorer, theme: &Theme, frame: &mut Frame, area: Rect) {
    let widths = Widths::for_width(area.width);
    let rows = match explorer.visible_rows() {
        Ok(rows) => rows,
        Err(error) => {
            frame.render_widget(
                Paragraph::new(format!("cannot read the timeline: {error}")).style(theme.error()),
                area,
            );
            return;
        }
    };
    if rows.is_empty() {
        let text = if explorer.total() == 0 {
            "No events loaded. Press : and choose quit, or check what was skipped with `casebook stats PATH`."
        } else {
            "No event matches the filter. Press / to change it or Esc to clear it."
        };
        frame.render_widget(Paragraph::new(text).style(theme.dim()), area);
        return;
    }
    let marks = explorer.marks();
    let selected = explorer.selected().checked_sub(explorer.offset());
    let table_rows = rows.iter().enumerate().map(|(i, row)| {
        let marked = marks.contains(&row.record);
        let style = if Some(i) == selected {
            theme.selected()
        } else {
            Style::new()
        };
        event_row(row, marked, &widths, theme).style(style)
    });
    let mut constraints = vec![
        Constraint::Length(1),
        Constraint::Length(widths.time as u16),
        Constraint::Length(widths.source as u16),
        Constraint::Length(4),
        Constraint::Length(widths.actor as u16),
        Constraint::Length(widths.action as u16),
    ];
    let mut header = vec!["", "time", "source", "sev", "actor", "action"];
    if widths.target > 0 {
        constraints.push(Constraint::Length(widths.target as u16));
        header.push("target");
    }
    constraints.push(Constraint::Fill(1));
    header.push("summary");
    let table = Table::new(table_rows, constraints)
        .header(Row::new(header).style(theme.header()))
        .column_spacing(1);
    frame.render_widget(table, area);
}

fn event_row<'a>(row: &EventRow, marked: bool, widths: &Widths, theme: &Theme) -> Row<'a> {
    let time = if widths.time < 19 {
        super::short_clock(row.time)
    } else {
        super::clock(row.time)
    };
    let source = row.get(Column::Source).unwrap_or_default();
    let severity = row.severity.map_or(Span::raw(""), |s| {
        Span::styled(format!("{s:.1}"), theme.severity(s))
    });
    let action = row.get(Column::Action).unwrap_or_default();
    let action_style = if row.get(Column::Outcome) == Some("failure") {
        theme.failure()
    } else {
        Style::new()
    };
    let mut cells = vec![
        Cell::from(Span::styled(if marked { "●" } else { " " }, theme.mark())),
        Cell::from(time),
        Cell::from(Span::styled(
            cell(source, widths.source),
            theme.source(source),
        )),
        Cell::from(severity),
        Cell::from(cell(&short_actor(row), widths.actor)),
        Cell::from(Span::styled(cell(action, widths.action), action_style)),
    ];
    if widths.target > 0 {
        cells.push(Cell::from(cell(&target(row), widths.target)));
    }
    cells.push(Cell::from(cell(
        row.get(Column::Summary).unwrap_or_default(),
        300,
    )));
    Row::new(cells)
}

/// The principal as people say it: `role/session` for a role session, the user name otherwise.
pub fn short_actor(row: &EventRow) -> String {
    let Some(actor) = row.get(Column::Actor) else {
        return row.get(Column::SrcIp).unwrap_or_default().to_owned();
    };
    for marker in [":assumed-role/", ":user/", ":role/", ":federated-user/"] {
        if let Some((_, rest)) = actor.split_once(marker) {
            return rest.to_owned();
        }
    }
    actor
        .rsplit_once(":root")
        .map_or(actor.to_owned(), |_| "root".to_owned())
}

/// What the event touched, shortened: the first resource without its ARN prefix, else the
/// destination address.
fn target(row: &EventRow) -> String {
    match row.resources().next() {
        Some(resource) => {
            let resource = resource.strip_prefix("arn:aws:s3:::").unwrap_or(resource);
            match resource.strip_prefix("arn:aws:") {
                // arn:aws:service:region:account:rest -> rest
                Some(arn) => arn.splitn(4, ':').nth(3).unwrap_or(arn).to_owned(),
                None => resource.to_owned(),
            }
        }
        None => row.get(Column::DstIp).unwrap_or_default().to_owned(),
    }
}
