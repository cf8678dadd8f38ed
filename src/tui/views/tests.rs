//! Every screen drawn into a test terminal and compared with its snapshot
//! (`cargo insta review` to accept a change on purpose).

use ratatui::style::Color;

use crate::demo::STOLEN_KEY;
use crate::load::Progress;
use crate::tui::app::Notice;
use crate::tui::jobs::LoadJob;
use crate::tui::keymap::Mode;
use crate::tui::testing::{demo_app, render, type_keys};
use crate::tui::theme::Theme;

fn screen(app: &crate::tui::App, width: u16, height: u16) -> String {
    render(app, &Theme::colored(), width, height)
        .backend()
        .to_string()
}

#[test]
fn timeline_at_80x24() {
    let (_dir, app) = demo_app(80, 24);
    insta::assert_snapshot!(screen(&app, 80, 24));
}

#[test]
fn filtered_timeline_on_a_wide_terminal() {
    let (_dir, mut app) = demo_app(160, 40);
    type_keys(
        &mut app,
        &format!("/key:{STOLEN_KEY} -source:cloudtrail OR action:StopLogging<enter>"),
    );
    insta::assert_snapshot!(screen(&app, 160, 40));
}

#[test]
fn histogram_selection() {
    let (_dir, mut app) = demo_app(100, 30);
    type_keys(&mut app, "<tab>");
    for _ in 0..40 {
        type_keys(&mut app, "<right>");
    }
    type_keys(&mut app, "<space><right><right><right>");
    assert_eq!(app.mode, Mode::Histogram);
    insta::assert_snapshot!(screen(&app, 100, 30));
    type_keys(&mut app, "<enter>");
    assert_eq!(app.mode, Mode::Timeline);
    insta::assert_snapshot!("histogram_zoomed", screen(&app, 100, 30));
}

#[test]
fn detail_with_search() {
    let (_dir, mut app) = demo_app(80, 24);
    type_keys(&mut app, "/action:ListBuckets<enter><enter>");
    assert_eq!(app.mode, Mode::Detail);
    insta::assert_snapshot!(screen(&app, 80, 24));
    type_keys(&mut app, "/useragent<enter>");
    insta::assert_snapshot!("detail_searched", screen(&app, 80, 24));
}

#[test]
fn filter_error_points_at_its_column() {
    let (_dir, mut app) = demo_app(80, 24);
    type_keys(&mut app, "/source:cloudtrail (actor:x<enter>");
    assert_eq!(app.mode, Mode::Filter);
    insta::assert_snapshot!(screen(&app, 80, 24));
}

#[test]
fn palette_narrows_fuzzily() {
    let (_dir, mut app) = demo_app(80, 24);
    type_keys(&mut app, ":mrk");
    insta::assert_snapshot!(screen(&app, 80, 24));
    type_keys(&mut app, "<enter>");
    assert_eq!(app.explorer.as_ref().unwrap().marks().len(), 1);
}

#[test]
fn pivot_chooser_and_breadcrumbs() {
    let (_dir, mut app) = demo_app(100, 30);
    type_keys(&mut app, "/severity>=7<enter>p");
    assert_eq!(app.mode, Mode::Entities);
    insta::assert_snapshot!("pivot_chooser", screen(&app, 100, 30));
    type_keys(&mut app, "key<enter>p203<enter>");
    insta::assert_snapshot!("pivot_breadcrumbs", screen(&app, 100, 30));
    type_keys(&mut app, "c");
    assert_eq!(app.mode, Mode::Card);
    insta::assert_snapshot!("pivot_card", screen(&app, 100, 50));
    type_keys(&mut app, "<esc>");
    assert_eq!(app.mode, Mode::Timeline);
}

#[test]
fn the_card_follows_a_credential_chain_to_the_issuing_call() {
    let (_dir, mut app) = demo_app(100, 30);
    type_keys(&mut app, "/severity>=7<enter>pkey<enter>c");
    assert!(!app.card.as_ref().unwrap().chain.is_empty());
    type_keys(&mut app, "<enter>");
    assert_eq!(app.mode, Mode::Timeline);
    let explorer = app.explorer.as_ref().unwrap();
    assert_eq!(
        explorer.breadcrumbs().len(),
        2,
        "the chain is one more pivot"
    );
    let selected = explorer.selected_row().unwrap();
    assert_eq!(
        selected.get(crate::timeline::filter::Column::Action),
        Some("AssumeRole")
    );
    insta::assert_snapshot!("chain_followed", screen(&app, 100, 30));
    type_keys(&mut app, "<esc>");
    let key = app.explorer.as_ref().unwrap().pivot().unwrap();
    assert_eq!(
        key.focus.entity().map(|e| e.kind),
        Some(crate::event::EntityKind::AccessKey),
        "esc returns to the key's pivot"
    );
}

/// Ticks the app until its sweep has finished (it runs on a worker thread).
fn finish_sweep(app: &mut crate::tui::app::App) {
    let started = std::time::Instant::now();
    while app.sweep.job.is_some() {
        assert!(started.elapsed().as_secs() < 60, "the sweep did not finish");
        std::thread::sleep(std::time::Duration::from_millis(10));
        app.tick();
    }
}

#[test]
fn the_sweep_lists_hits_by_severity_and_shows_a_querys_hits() {
    let (_dir, mut app) = demo_app(120, 30);
    type_keys(&mut app, "S");
    assert_eq!(app.mode, Mode::Sweep);
    finish_sweep(&mut app);
    let notice = app.notice.take();
    assert!(
        matches!(&notice, Some(Notice::Info(text)) if text.starts_with("sweep done in")),
        "{notice:?}"
    );
    insta::assert_snapshot!("sweep_results", screen(&app, 120, 30));
    type_keys(&mut app, "<down><enter>");
    assert_eq!(app.mode, Mode::Timeline);
    let explorer = app.explorer.as_ref().unwrap();
    assert_eq!(explorer.shown(), 240, "the bulk download's hits");
    insta::assert_snapshot!("sweep_hits", screen(&app, 120, 30));
    type_keys(&mut app, "<enter>");
    let detail = app.detail.as_ref().unwrap();
    let flagged: Vec<_> = detail
        .lines
        .iter()
        .filter(|l| l.starts_with("flagged"))
        .collect();
    assert_eq!(flagged.len(), 2, "{flagged:?}");
    assert!(
        flagged
            .iter()
            .any(|l| l.contains("s3-bulk-download [high]"))
    );
    type_keys(&mut app, "<esc><esc>");
    let explorer = app.explorer.as_ref().unwrap();
    assert!(explorer.pivot().is_none());
    assert_eq!(explorer.shown(), explorer.total());
    type_keys(&mut app, "S");
    assert!(
        app.sweep.job.is_none(),
        "the sweep of this timeline is kept"
    );
}

#[test]
fn the_filter_is_saved_as_a_query_and_swept_with() {
    let (_dir, mut app) = demo_app(100, 30);
    let config = tempfile::tempdir().unwrap();
    app.user_dirs.queries = Some(config.path().join("queries"));
    type_keys(&mut app, "s");
    assert_eq!(app.mode, Mode::Timeline, "no filter, nothing to save");
    type_keys(&mut app, "/source:config<enter>s");
    assert_eq!(app.mode, Mode::Filter);
    insta::assert_snapshot!("save_query_prompt", screen(&app, 100, 30));
    type_keys(&mut app, "config-changes<enter>");
    assert_eq!(app.mode, Mode::Timeline);
    assert!(config.path().join("queries/config-changes.toml").is_file());
    type_keys(&mut app, "S");
    finish_sweep(&mut app);
    let mine = app
        .sweep
        .hits()
        .into_iter()
        .find(|d| d.name == "config-changes");
    assert_eq!(mine.map(|d| d.hits.rows.len()), Some(5));
}

#[test]
fn group_by_then_pivot_and_context() {
    let (_dir, mut app) = demo_app(110, 30);
    type_keys(&mut app, "/outcome:failure<enter>t<right><right>");
    assert_eq!(app.mode, Mode::GroupBy);
    insta::assert_snapshot!("group_by_ips_of_failures", screen(&app, 110, 30));
    type_keys(&mut app, "<enter>");
    let explorer = app.explorer.as_ref().unwrap();
    let pivot = explorer.pivot().unwrap();
    assert_eq!(
        pivot.focus.entity().map(|e| e.value.as_str()),
        Some(app.groups[0].value.as_str())
    );
    assert_eq!(
        pivot.half_window, None,
        "a group is followed over the whole range"
    );
    type_keys(&mut app, "<esc>x");
    insta::assert_snapshot!("context_around_an_event", screen(&app, 110, 30));
    let explorer = app.explorer.as_ref().unwrap();
    let (first, last) = explorer.shown_span().unwrap();
    assert!(last - first <= 10 * 60 * 1_000_000_000, "±5 minutes");
}

#[test]
fn help_lists_the_keymap() {
    let (_dir, mut app) = demo_app(80, 40);
    type_keys(&mut app, "?");
    insta::assert_snapshot!(screen(&app, 80, 40));
}

#[test]
fn progress_while_loading() {
    let (_dir, mut app) = demo_app(80, 24);
    let progress = Progress::default();
    progress
        .files_total
        .store(600, std::sync::atomic::Ordering::Relaxed);
    progress
        .files_done
        .store(150, std::sync::atomic::Ordering::Relaxed);
    progress
        .events
        .store(75_000, std::sync::atomic::Ordering::Relaxed);
    progress
        .bytes
        .store(83_000_000, std::sync::atomic::Ordering::Relaxed);
    app.job = Some(LoadJob::watching(progress, "3 folders".into()));
    app.mode = Mode::Progress;
    let text = screen(&app, 80, 24);
    insta::with_settings!({ filters => vec![(r"\d+\.\d s", "[elapsed]")] }, {
        insta::assert_snapshot!(text);
    });
}

#[test]
fn start_screen() {
    let mut app = crate::tui::App::new(
        crate::tui::Keymap::default(),
        vec![vec!["/srv/incidents/2026-11-18".into()]],
        None,
        0,
    );
    app.resize(super::viewport(ratatui::layout::Rect::new(0, 0, 80, 24)));
    insta::assert_snapshot!(screen(&app, 80, 24));
}

/// An attacker's user agent that sets the window title, clears the screen and reverses text is
/// drawn as visible escapes: no cell holds a control character or a bidi override.
#[test]
fn hostile_text_is_drawn_inert() {
    let (_dir, mut app) = demo_app(200, 30);
    type_keys(&mut app, "/action:ListBuckets<enter>");
    for (view, keys) in [("timeline", ""), ("detail", "<enter>")] {
        type_keys(&mut app, keys);
        let terminal = render(&app, &Theme::colored(), 200, 30);
        let buffer = terminal.backend().buffer();
        for cell in buffer.content() {
            assert!(
                !cell.symbol().chars().any(|c| c.is_control()
                    || ('\u{202a}'..='\u{202e}').contains(&c)
                    || ('\u{2066}'..='\u{2069}').contains(&c)),
                "{view}: raw {:?} drawn",
                cell.symbol()
            );
        }
        let text = terminal.backend().to_string();
        if view == "detail" {
            assert!(
                text.contains("\\u{1b}]0;all clear\\u{7}\\u{1b}[2J\\u{202e}"),
                "{text}"
            );
        }
    }
}

#[test]
fn no_color_draws_without_colours() {
    let (_dir, app) = demo_app(100, 30);
    let terminal = render(&app, &Theme::plain(), 100, 30);
    assert!(
        terminal
            .backend()
            .buffer()
            .content()
            .iter()
            .all(|cell| cell.fg == Color::Reset && cell.bg == Color::Reset)
    );
    let colored = render(&app, &Theme::colored(), 100, 30);
    assert!(
        colored
            .backend()
            .buffer()
            .content()
            .iter()
            .any(|cell| cell.fg != Color::Reset)
    );
}
