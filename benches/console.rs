//! Console benchmark: how fast the timeline draws and how fast a filter (histogram included) is
//! applied and drawn, over a large synthetic CloudTrail timeline, and the memory the console adds
//! beside the store.
//!
//!     cargo bench --bench console                 # 1,000,000 events
//!     cargo bench --bench console -- 300000       # any size
//!
//! Data is written once to $BENCH_DATA (default ~/.cache/casebook-bench), as bench/load.sh does.

use std::time::Instant;

use casebook::event::EntityKind;
use casebook::load::{LoadOptions, load};
use casebook::synth::NEEDLE_KEY;
use casebook::timeline::card::card;
use casebook::timeline::pivot::Entity;
use casebook::tui::{App, Explorer, Keymap, Mode, Theme, draw, viewport};
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use ratatui::layout::Rect;

mod common;
use common::{report, rss_mb};

const WIDTH: u16 = 200;
const HEIGHT: u16 = 50;

fn main() {
    let Some((_, data)) = common::bench_data("console") else {
        return;
    };
    let rss_before = rss_mb();
    let started = Instant::now();
    let loaded = load(std::slice::from_ref(&data), &LoadOptions::default()).expect("load");
    let load_time = started.elapsed();
    let rss_store = rss_mb();
    println!(
        "loaded {} events in {:.2} s; RSS {:.0} MB before, {:.0} MB with the store",
        loaded.timeline.len(),
        load_time.as_secs_f64(),
        rss_before,
        rss_store
    );

    let mut app = App::new(Keymap::default(), Vec::new(), None, 0);
    app.explorer = Some(Explorer::new(loaded, vec![data], 0));
    app.mode = Mode::Timeline;
    app.resize(viewport(Rect::new(0, 0, WIDTH, HEIGHT)));
    let theme = Theme::colored();
    let mut terminal = Terminal::new(TestBackend::new(WIDTH, HEIGHT)).expect("terminal");

    // Frame draw while scrolling: pages spread over the whole timeline.
    let mut draws = Vec::new();
    for step in 0..300 {
        let explorer = app.explorer.as_mut().expect("explorer");
        explorer.move_by(if step % 2 == 0 { 3_331 } else { -1_000 });
        let start = Instant::now();
        terminal
            .draw(|frame| draw(&app, &theme, frame))
            .expect("draw");
        draws.push(start.elapsed());
    }
    report("frame draw (200x50, scrolling)", &mut draws);
    println!(
        "UI memory: RSS {:.0} MB with the console, {:+.0} MB over the store",
        rss_mb(),
        rss_mb() - rss_store
    );

    pivots(&mut app, &theme, &mut terminal);

    let filters = [
        format!("access_key:{NEEDLE_KEY}"),
        "action:GetObject".to_owned(),
        "actor:*app-role-3*".to_owned(),
        "ip:10.20.0.0/16".to_owned(),
        "-outcome:success".to_owned(),
        "\"orders-prod\"".to_owned(),
        "source:cloudtrail action:Get* -region:us-east-1".to_owned(),
    ];
    for filter in &filters {
        let mut times = Vec::new();
        for _ in 0..5 {
            let start = Instant::now();
            let explorer = app.explorer.as_mut().expect("explorer");
            explorer.set_filter(filter).expect("filter parses");
            terminal
                .draw(|frame| draw(&app, &theme, frame))
                .expect("draw");
            times.push(start.elapsed());
            app.explorer.as_mut().expect("explorer").clear();
        }
        let shown = {
            let explorer = app.explorer.as_mut().expect("explorer");
            explorer.set_filter(filter).expect("filter parses");
            explorer.shown()
        };
        report(
            &format!("filter + histogram + draw: {filter} ({shown} shown)"),
            &mut times,
        );
        app.explorer.as_mut().expect("explorer").clear();
        // The part that decides which rows match.
        let explorer = app.explorer.as_ref().expect("explorer");
        let parsed = casebook::timeline::filter::parse(filter, 0).expect("filter parses");
        let mut masks = Vec::new();
        for _ in 0..5 {
            let start = Instant::now();
            explorer.loaded().timeline.mask(&parsed).expect("mask");
            masks.push(start.elapsed());
        }
        report("    of which the mask", &mut masks);
    }
}

/// Pivots from the selected event (±1 h) and back, drawn each time: to an access key, and to
/// a role by the bare name GuardDuty gives it (matched against every principal ARN).
fn pivots(app: &mut App, theme: &Theme, terminal: &mut Terminal<TestBackend>) {
    let key = Entity {
        kind: EntityKind::AccessKey,
        value: NEEDLE_KEY.to_owned(),
    };
    let role = Entity {
        kind: EntityKind::Principal,
        value: "app-role-3".to_owned(),
    };
    for (entity, label) in [(&key, "an access key"), (&role, "a role by bare name")] {
        let (mut there, mut back) = (Vec::new(), Vec::new());
        for step in 0..5 {
            let explorer = app.explorer.as_mut().expect("explorer");
            explorer.move_by(150_000 + step);
            let start = Instant::now();
            explorer.pivot_to(entity.clone());
            terminal
                .draw(|frame| draw(app, theme, frame))
                .expect("draw");
            there.push(start.elapsed());
            let start = Instant::now();
            app.explorer.as_mut().expect("explorer").back();
            terminal
                .draw(|frame| draw(app, theme, frame))
                .expect("draw");
            back.push(start.elapsed());
        }
        report(&format!("pivot to {label} (±1h) + draw"), &mut there);
        report("back out of the pivot + draw", &mut back);
    }

    let timeline = &app.explorer.as_ref().expect("explorer").loaded().timeline;
    let (mut whole, mut scoped) = (Vec::new(), Vec::new());
    let around = timeline
        .span()
        .map_or(0, |(first, last)| first / 2 + last / 2);
    let hour = 3_600_000_000_000;
    for _ in 0..5 {
        let start = Instant::now();
        card(timeline, &key, None).expect("card");
        whole.push(start.elapsed());
        let start = Instant::now();
        card(timeline, &key, Some((around - hour, around + hour))).expect("card");
        scoped.push(start.elapsed());
    }
    report("entity card of an access key, whole range", &mut whole);
    let mut groups = Vec::new();
    for _ in 0..3 {
        let start = Instant::now();
        let explorer = app.explorer.as_ref().expect("explorer");
        explorer
            .top_values(EntityKind::Principal, 50)
            .expect("group by");
        groups.push(start.elapsed());
    }
    report(
        "group-by view: top 50 principals of every event",
        &mut groups,
    );
    report(
        "entity card of an access key, ±1h with baseline",
        &mut scoped,
    );
}
