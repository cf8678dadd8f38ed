//! Popups over the current screen: the command palette and load progress.

use std::sync::atomic::Ordering;

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Clear, Gauge, Paragraph};

use super::bars::input_line;
use crate::timeline::card::{EntityCard, SectionKind};
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
    let texts: Vec<String> = palette::matches(app.input.text())
        .iter()
        .map(|action| {
            let key = bound_key(app, *action);
            format!("{:<16} {:<44} {key}", action.name(), action.about())
        })
        .collect();
    super::selectable_list(
        &texts,
        app.palette_selected,
        theme.dim(),
        "no command matches",
        theme,
        frame,
        list,
    );
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
    let texts: Vec<String> = choices
        .iter()
        .map(|entity| {
            format!(
                "{:<11} {}",
                entity.kind.as_str().replace('_', " "),
                entity.value
            )
        })
        .collect();
    let plain = ratatui::style::Style::new();
    super::selectable_list(
        &texts,
        app.entity_selected,
        plain,
        "no entity matches",
        theme,
        frame,
        list,
    );
}

/// The key that runs an action on the screen below the palette, for learning the keys.
fn bound_key(app: &App, action: Action) -> String {
    app.keymap
        .key_for(app.base_mode(), action)
        .unwrap_or_default()
}

pub fn progress(app: &App, theme: &Theme, frame: &mut Frame, area: Rect) {
    if let Some(live) = &app.live {
        return live_progress(live, theme, frame, area);
    }
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

/// The card of the entity being followed.
pub fn card(app: &App, theme: &Theme, frame: &mut Frame, area: Rect) {
    let Some(card) = &app.card else {
        return;
    };
    let popup = centered(area, 100, area.height.saturating_sub(super::POPUP_MARGIN));
    frame.render_widget(Clear, popup);
    let keys = if card.chain.is_empty() {
        "esc closes"
    } else {
        "enter follows the chain, esc closes"
    };
    let title = format!(
        " {} ({keys}) ",
        super::cell(&crate::tui::app::entity_label(&card.entity), 60)
    );
    let block = Block::bordered().title(title);
    let inner = block.inner(popup);
    frame.render_widget(block, popup);
    let width = inner.width as usize;
    let lines = card_lines(card, theme);
    let first = app
        .card_scroll
        .min(lines.len().saturating_sub(inner.height as usize));
    let lines: Vec<Line> = lines
        .into_iter()
        .skip(first)
        .take(inner.height as usize)
        .map(|(text, style)| Line::from(Span::styled(super::cell(&text, width), style)))
        .collect();
    frame.render_widget(Paragraph::new(lines), inner);
}

/// How many lines a card takes, for scrolling.
pub fn card_height(card: &EntityCard) -> usize {
    card_lines(card, &Theme::plain()).len()
}

fn card_lines(card: &EntityCard, theme: &Theme) -> Vec<(String, ratatui::style::Style)> {
    let plain = ratatui::style::Style::new();
    let time = |t: Option<i64>| t.map_or_else(|| "-".to_owned(), crate::time::format_rfc3339);
    let mut lines = vec![
        match card.scope {
            Some((start, end)) => (
                format!("scope       {} .. {}", time(Some(start)), time(Some(end))),
                theme.dim(),
            ),
            None => ("scope       the whole range".to_owned(), theme.dim()),
        },
        (
            format!(
                "events      {} ({} succeeded, {} failed)",
                thousands(card.events),
                card.successes,
                card.failures.total
            ),
            plain,
        ),
        (format!("first seen  {}", time(card.first_seen)), plain),
        (format!("last seen   {}", time(card.last_seen)), plain),
    ];
    for section in card.count_sections() {
        let style = match section.kind {
            SectionKind::Counts => plain,
            SectionKind::Failures => theme.failure(),
            SectionKind::New => theme.accent(),
        };
        lines.push((String::new(), plain));
        lines.push((section.title.to_owned(), theme.header()));
        // The card is read at a glance: ten values per list.
        for value in section.values.iter().take(10) {
            let text = format!(
                "  {:>7}  {}",
                value.count,
                crate::sanitize::inline(&value.value)
            );
            lines.push((text, style));
        }
    }
    let mut events = |title: &str, events: &[crate::timeline::card::CardEvent]| {
        if events.is_empty() {
            return;
        }
        lines.push((String::new(), plain));
        lines.push((title.to_owned(), theme.header()));
        for event in events {
            let severity = event
                .severity
                .map(|s| format!(" [{s:.1}]"))
                .unwrap_or_default();
            let caller = event.actor.as_deref().unwrap_or("-");
            let text = format!(
                "  {}  {}{severity}  by {}",
                super::clock(event.time),
                crate::sanitize::inline(&event.action),
                crate::sanitize::inline(caller),
            );
            let style = event.severity.map_or(plain, |s| theme.severity(s));
            lines.push((text, style));
        }
    };
    events("findings naming it", &card.findings);
    events(
        "credential chain: the call that issued the key, then its caller's",
        &card.chain,
    );
    lines
}

/// Top values of one entity kind under the current filter; Enter pivots into one.
pub fn group_by(app: &App, theme: &Theme, frame: &mut Frame, area: Rect) {
    let popup = centered(area, 110, area.height.saturating_sub(super::POPUP_MARGIN));
    frame.render_widget(Clear, popup);
    // The kind alone: the list of all kinds does not fit 80 columns.
    let block = Block::bordered().title(format!(
        " group by {} (←→ other kinds, enter pivots) ",
        app.group_kind.as_str().replace('_', " ")
    ));
    let inner = block.inner(popup);
    frame.render_widget(block, popup);
    let [header, list] =
        Layout::vertical([Constraint::Length(1), Constraint::Fill(1)]).areas(inner);
    frame.render_widget(
        Paragraph::new(format!(
            "{:>9}  {:<19}  {:<19}  value",
            "events", "first seen", "last seen"
        ))
        .style(theme.header()),
        header,
    );
    let texts: Vec<String> = app
        .groups
        .iter()
        .map(|group| {
            let (first, last) = (super::clock(group.first), super::clock(group.last));
            format!(
                "{:>9}  {first}  {last}  {}",
                thousands(group.count),
                group.value
            )
        })
        .collect();
    let plain = ratatui::style::Style::new();
    super::selectable_list(
        &texts,
        app.group_selected,
        plain,
        "no values under this filter",
        theme,
        frame,
        list,
    );
}

/// The case's marked events, with their tags and comments.
pub fn marks(app: &App, theme: &Theme, frame: &mut Frame, area: Rect) {
    let popup = centered(area, 120, area.height.saturating_sub(super::POPUP_MARGIN));
    frame.render_widget(Clear, popup);
    let block = Block::bordered().title(" marked events (enter shows one, esc closes) ");
    let inner = block.inner(popup);
    frame.render_widget(block, popup);
    let marks = app
        .case
        .as_ref()
        .map(|c| c.case.marks.as_slice())
        .unwrap_or_default();
    let texts: Vec<String> = marks
        .iter()
        .map(|mark| {
            let field = |name| mark.field(name).unwrap_or("");
            let time = mark
                .time()
                .get(..19)
                .unwrap_or(mark.time())
                .replace('T', " ");
            let tags: String = mark.tags.iter().map(|t| format!("#{t} ")).collect();
            crate::sanitize::inline(&format!(
                "{time}  {:<10}  {:<28}  {tags}{}",
                field("source"),
                field("action"),
                mark.comment
            ))
        })
        .collect();
    super::selectable_list(
        &texts,
        app.marks_selected,
        ratatui::style::Style::new(),
        "no marks yet: m marks the selected event, M with tags and a comment",
        theme,
        frame,
        inner,
    );
}

/// The triage sweep: progress while it runs, then the queries and rules with hits.
pub fn sweep(app: &App, theme: &Theme, frame: &mut Frame, area: Rect) {
    let popup = centered(area, 120, area.height.saturating_sub(super::POPUP_MARGIN));
    frame.render_widget(Clear, popup);
    let view = &app.sweep;
    let title = match (&view.job, &view.result) {
        (Some(_), _) => " triage sweep: running (esc cancels) ".to_owned(),
        (None, Some(sweep)) => format!(
            " triage sweep: {} with hits, {} quiet, {} not run (enter shows, S again) ",
            view.hits().len(),
            sweep.detections.len() - view.hits().len(),
            sweep.not_run.len()
        ),
        (None, None) => " triage sweep ".to_owned(),
    };
    let block = Block::bordered().title(title);
    let inner = block.inner(popup);
    frame.render_widget(block, popup);
    if let Some(job) = &view.job {
        let progress = &job.progress;
        let load =
            |n: &std::sync::atomic::AtomicUsize| n.load(std::sync::atomic::Ordering::Relaxed);
        let mut lines = vec![format!(
            "queries      {} / {}",
            load(&progress.queries_done),
            load(&progress.queries_total)
        )];
        if load(&progress.events_total) > 0 {
            lines.push(format!(
                "Sigma rules  {} / {} CloudTrail events",
                thousands(load(&progress.events_done)),
                thousands(load(&progress.events_total))
            ));
        }
        lines.push(format!("{:.1} s", job.elapsed().as_secs_f64()));
        frame.render_widget(Paragraph::new(lines.join("\n")), inner);
        return;
    }
    let [header, list, about, footer] = Layout::vertical([
        Constraint::Length(1),
        Constraint::Fill(1),
        Constraint::Length(2),
        Constraint::Length(1),
    ])
    .areas(inner);
    // The last hit's time where there is room; the selected row's title and author below.
    let wide = inner.width >= 100;
    let when = |t: Option<i64>| t.map_or_else(|| "-".to_owned(), super::short_clock);
    frame.render_widget(
        Paragraph::new(format!(
            "{:<8}  {:>6}  {:<14}  {}query",
            "severity",
            "hits",
            "first",
            if wide {
                format!("{:<14}  ", "last")
            } else {
                String::new()
            }
        ))
        .style(theme.header()),
        header,
    );
    let hits = view.hits();
    let texts: Vec<String> = hits
        .iter()
        .map(|detection| {
            let last = if wide {
                format!("{}  ", when(detection.hits.last))
            } else {
                String::new()
            };
            format!(
                "{:<8}  {:>6}  {}  {last}{}",
                detection.severity,
                thousands(detection.hits.rows.len()),
                when(detection.hits.first),
                detection.name,
            )
        })
        .collect();
    super::selectable_list(
        &texts,
        view.selected,
        ratatui::style::Style::new(),
        "nothing found: no saved query or rule matched",
        theme,
        frame,
        list,
    );
    if let Some(detection) = hits.get(view.selected) {
        let by = detection.author.as_deref().map_or_else(
            || "saved query".to_owned(),
            |a| format!("Sigma rule by {a}"),
        );
        let lines = [
            detection.title.clone(),
            format!(
                "{by} · {} → {}",
                when(detection.hits.first),
                when(detection.hits.last)
            ),
        ];
        let width = about.width as usize;
        let lines: Vec<Line> = lines
            .iter()
            .map(|l| Line::from(Span::styled(super::cell(l, width), theme.accent())))
            .collect();
        frame.render_widget(Paragraph::new(lines), about);
    }
    let not_run = view
        .result
        .iter()
        .flat_map(|sweep| &sweep.not_run)
        .map(|n| format!("not run: {}: {}", n.name, n.reason))
        .next()
        .unwrap_or_else(|| {
            "queries: the shipped pack and ~/.config/casebook/queries · Sigma: ~/.config/casebook/sigma"
                .to_owned()
        });
    frame.render_widget(
        Paragraph::new(super::cell(&not_run, footer.width as usize)).style(theme.dim()),
        footer,
    );
}

/// A live pull while it runs: requests and events so far, and each source's state.
fn live_progress(live: &crate::tui::jobs::LiveJob, theme: &Theme, frame: &mut Frame, area: Rect) {
    let coverage = live.progress.coverage();
    let height = (coverage.len() as u16 + 5).min(area.height);
    let popup = centered(area, 96, height);
    frame.render_widget(Clear, popup);
    let block = Block::bordered().title(" pulling from AWS ");
    let inner = block.inner(popup);
    frame.render_widget(block, popup);
    let progress = &live.progress;
    let cancelling = if progress.is_cancelled() {
        "cancelling…"
    } else {
        "esc cancels (what arrived still loads)"
    };
    let mut lines = vec![
        Line::from(format!(
            "{} requests, {} events, {:.0} s",
            thousands(progress.requests.load(Ordering::Relaxed)),
            thousands(progress.events.load(Ordering::Relaxed)),
            live.started.elapsed().as_secs_f64()
        )),
        Line::default(),
    ];
    let width = inner.width as usize;
    lines.extend(
        coverage
            .iter()
            .map(|entry| Line::from(super::cell(&entry.to_string(), width))),
    );
    lines.push(Line::from(Span::styled(cancelling, theme.dim())));
    frame.render_widget(Paragraph::new(lines), inner);
}

/// What each AWS source did in the live pull behind this timeline.
pub fn coverage(app: &App, theme: &Theme, frame: &mut Frame, area: Rect) {
    let height = (app.coverage.len() as u16 + 3).min(area.height);
    let popup = centered(area, 110, height);
    frame.render_widget(Clear, popup);
    let block = Block::bordered().title(" coverage: what each source did (esc closes) ");
    let inner = block.inner(popup);
    frame.render_widget(block, popup);
    let width = inner.width as usize;
    let mut lines = vec![Line::from(Span::styled(
        super::cell(
            &format!(
                "{:<10}  {:<12}  {:<14}  state",
                "source", "profile", "region"
            ),
            width,
        ),
        theme.header(),
    ))];
    lines.extend(app.coverage.iter().map(|entry| {
        let quiet =
            entry.state.answered() || entry.state == (crate::live::State::Running { throttled: 0 });
        let style = if quiet {
            ratatui::style::Style::new()
        } else {
            theme.failure()
        };
        Line::from(Span::styled(super::cell(&entry.to_string(), width), style))
    }));
    frame.render_widget(Paragraph::new(lines), inner);
}
