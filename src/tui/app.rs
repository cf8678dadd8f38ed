//! The console's state and the dispatch of actions: which mode is active and what each action
//! does in it. Screens keep their own state (explorer, detail, start menu); views draw it all.

use std::path::PathBuf;
use std::sync::Arc;

use ratatui::crossterm::event::KeyEvent;

use super::action::Action;
use super::case_session::CaseSession;
use super::detail::Detail;
use super::explorer::{Explorer, Focus};
use super::input::Input;
use super::jobs::{LiveJob, LoadJob};
use super::keymap::{Key, Keymap, Lookup, Mode};
use super::live_pivot::{LivePivots, Pulled};
use super::palette;
use super::start::{StartEntry, StartMenu, recent};
use super::sweep::{SweepView, UserDirs};
use super::views::Viewport;
use crate::event::EntityKind;
use crate::load::{LoadError, Loaded};
use crate::sanitize;
use crate::text::counted;
use crate::timeline::card::EntityCard;
use crate::timeline::filter::ParseError;
use crate::timeline::pivot::{Count, Entity};

/// A line for the status bar until the next key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Notice {
    Info(String),
    Error(String),
}

/// What the one-line input is being used for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Prompt {
    Filter,
    OpenPaths,
    /// The name of a new query of the user's own, from the current filter.
    SaveQuery,
    /// Tags and a comment for the selected event: `#tag #other comment`.
    TagMark,
    /// An event no log has: `03:32 on-call paged`.
    ManualEvent,
    /// A name for the place, kept in the case.
    SaveView,
}

mod case;

pub struct App {
    pub keymap: Keymap,
    pub mode: Mode,
    /// The mode help, the palette and prompts return to.
    return_mode: Mode,
    pending: Vec<Key>,
    pub start: StartMenu,
    pub explorer: Option<Explorer>,
    pub detail: Option<Detail>,
    pub input: Input,
    pub prompt: Prompt,
    pub filter_error: Option<ParseError>,
    history: Vec<String>,
    history_at: Option<usize>,
    pub palette_selected: usize,
    pub entity_selected: usize,
    /// The card of the entity being followed, while it is shown, and how far it is scrolled.
    pub card: Option<EntityCard>,
    pub card_scroll: usize,
    /// The group-by view: which entity kind, its top values under the filter, the selection.
    pub group_kind: EntityKind,
    pub groups: Vec<Count>,
    pub group_selected: usize,
    pub help_scroll: usize,
    pub sweep: SweepView,
    pub user_dirs: UserDirs,
    pub job: Option<LoadJob>,
    /// A live pull from AWS, while it runs, and what each source did in the last one.
    pub live: Option<LiveJob>,
    pub coverage: Vec<crate::live::Entry>,
    /// In a live session, what AWS is asked about the entity pivoted on.
    pub live_pivots: LivePivots,
    /// The case open in the console, if any: marks, notes and the place are saved into it.
    pub case: Option<CaseSession>,
    pub marks_selected: usize,
    /// Notes to hand to $EDITOR (the event loop owns the terminal).
    edit_notes: Option<PathBuf>,
    /// The case was just made by a triage: it opens on the card, the sweep running.
    pub triaged: bool,
    pub notice: Option<Notice>,
    pub viewport: Viewport,
    pub quit: bool,
    /// Where the demo case is written on first use.
    demo_dir: Option<PathBuf>,
    /// A problem found before the console started (a broken keymap), shown until it is seen.
    startup_warning: Option<String>,
    now: i64,
}

impl App {
    pub fn new(
        keymap: Keymap,
        recent: Vec<Vec<PathBuf>>,
        demo_dir: Option<PathBuf>,
        now: i64,
    ) -> App {
        App {
            keymap,
            mode: Mode::Start,
            return_mode: Mode::Start,
            pending: Vec::new(),
            start: StartMenu::new(recent),
            explorer: None,
            detail: None,
            input: Input::default(),
            prompt: Prompt::Filter,
            filter_error: None,
            history: Vec::new(),
            history_at: None,
            palette_selected: 0,
            entity_selected: 0,
            card: None,
            card_scroll: 0,
            group_kind: EntityKind::Principal,
            groups: Vec::new(),
            group_selected: 0,
            help_scroll: 0,
            sweep: SweepView::default(),
            user_dirs: UserDirs::from_config(),
            job: None,
            live: None,
            coverage: Vec::new(),
            live_pivots: LivePivots::new(None, crate::live::pivot::default_cache()),
            case: None,
            marks_selected: 0,
            edit_notes: None,
            triaged: false,
            notice: None,
            viewport: Viewport::default(),
            quit: false,
            demo_dir,
            startup_warning: None,
            now,
        }
    }

    pub fn set_startup_warning(&mut self, warning: String) {
        self.notice = Some(Notice::Error(warning.clone()));
        self.startup_warning = Some(warning);
    }

    /// Starts loading paths in the background; the progress screen shows until it finishes.
    pub fn open(&mut self, paths: Vec<PathBuf>, title: String) {
        if let Some(job) = &self.job {
            job.cancel();
        }
        // Files opened by hand are not the case's.
        self.case = None;
        self.coverage.clear();
        self.job = Some(LoadJob::start(paths, title));
        self.return_mode = if self.explorer.is_some() {
            Mode::Timeline
        } else {
            Mode::Start
        };
        self.mode = Mode::Progress;
    }

    /// Pulls from AWS in the background; what comes back then loads like files.
    pub fn pull(&mut self, request: crate::live::LiveRequest) {
        self.return_mode = if self.explorer.is_some() {
            Mode::Timeline
        } else {
            Mode::Start
        };
        self.live_pivots =
            LivePivots::new(Some(request.clone()), crate::live::pivot::default_cache());
        self.live = Some(LiveJob::start(request));
        self.mode = Mode::Progress;
    }

    /// The entity pivoted on and the window, when a pivot follows one.
    fn followed(&self) -> Option<(Entity, Option<(i64, i64)>)> {
        let pivot = self.explorer.as_ref()?.pivot()?;
        match &pivot.focus {
            Focus::Entity(entity) => Some((entity.clone(), pivot.window())),
            _ => None,
        }
    }

    /// A new pivot asks AWS about its entity (in a live session); leaving it stops asking.
    fn pivot_changed(&mut self) {
        match self.followed() {
            Some((entity, window)) => {
                if let Some(note) = self.live_pivots.ask(&entity, window, self.now) {
                    self.notice = Some(Notice::Info(note));
                }
            }
            None => self.live_pivots.cancel(),
        }
    }

    fn tick_live_pivot(&mut self) {
        let Some(pulled) = self.live_pivots.poll() else {
            return;
        };
        let (label, loaded, coverage, cached, request) = match pulled {
            Pulled::Answered {
                label,
                loaded,
                coverage,
                cached,
                request,
            } => (label, loaded, coverage, cached, request),
            Pulled::Failed(why) => {
                self.notice = Some(Notice::Error(format!(
                    "AWS: the pivot's pull failed: {why}"
                )));
                return;
            }
        };
        let Some(explorer) = &mut self.explorer else {
            return;
        };
        match explorer.absorb(loaded) {
            Ok(added) => {
                let from = if cached {
                    "from the cache of an earlier pull".to_owned()
                } else {
                    let answered = coverage.iter().filter(|e| e.state.answered()).count();
                    format!(
                        "{answered} of {} sources answered; C shows them",
                        coverage.len()
                    )
                };
                self.notice = Some(Notice::Info(format!(
                    "AWS: {} about {label} ({from})",
                    counted(added, "new event")
                )));
                if let Some(case) = &mut self.case
                    && let Err(error) = case.pulled(&request, &coverage, cached, self.now)
                {
                    self.notice = Some(Notice::Error(format!("the case was not saved: {error}")));
                }
                if !cached {
                    self.coverage = coverage;
                }
            }
            Err(error) => {
                self.notice = Some(Notice::Error(format!(
                    "AWS: cannot merge the answers: {error}"
                )))
            }
        }
    }

    fn tick_live(&mut self) {
        let Some(result) = self.live.as_ref().and_then(LiveJob::poll) else {
            return;
        };
        let Some(live) = self.live.take() else {
            return;
        };
        match result {
            Ok(coverage) => {
                // What arrived before a cancel or a failure still loads.
                self.open(vec![live.request.spool], "AWS responses".into());
                self.coverage = coverage;
            }
            Err(error) => {
                self.notice = Some(Notice::Error(error.to_string()));
                self.mode = self.return_mode;
            }
        }
    }

    pub fn open_demo(&mut self) {
        let Some(dir) = self.demo_dir.clone() else {
            self.notice = Some(Notice::Error(
                "no cache directory to write the demo case into".into(),
            ));
            return;
        };
        match crate::demo::ensure(&dir) {
            Ok(()) => self.open(vec![dir], "demo case".into()),
            Err(error) => {
                self.notice = Some(Notice::Error(format!(
                    "could not write the demo case: {error}"
                )));
            }
        }
    }

    /// Checks on background work; call once per frame.
    pub fn tick(&mut self) {
        self.tick_sweep();
        self.tick_live();
        self.tick_live_pivot();
        let Some(result) = self.job.as_ref().and_then(LoadJob::poll) else {
            return;
        };
        let Some(job) = self.job.take() else {
            return;
        };
        match result {
            Ok(loaded) => {
                self.notice = match self.startup_warning.take() {
                    Some(warning) => Some(Notice::Error(warning)),
                    None => Some(load_notice(&loaded, &self.coverage)),
                };
                // The demo is always on the start screen; recent cases are the user's own.
                let is_demo = self
                    .demo_dir
                    .as_ref()
                    .is_some_and(|demo| job.paths == [demo.clone()]);
                if !is_demo {
                    recent::remember(&job.paths);
                }
                // A sweep belongs to the timeline it ran over.
                self.sweep.cancel();
                self.sweep = SweepView::default();
                let mut explorer = Explorer::new(loaded, job.paths, self.now);
                explorer.set_viewport(self.viewport.timeline_rows, self.viewport.histogram_width);
                if let Some(case) = &mut self.case
                    && let Err(error) = case.restore(&mut explorer, self.now)
                {
                    self.notice = Some(Notice::Error(format!("the case was not saved: {error}")));
                }
                self.explorer = Some(explorer);
                self.detail = None;
                self.mode = Mode::Timeline;
                if std::mem::take(&mut self.triaged) {
                    self.arrive_from_triage();
                }
            }
            Err(LoadError::Cancelled) => {
                self.notice = Some(Notice::Info("loading cancelled".into()));
                self.mode = self.return_mode;
            }
            Err(error) => {
                self.notice = Some(Notice::Error(error.to_string()));
                self.mode = self.return_mode;
            }
        }
    }

    fn tick_sweep(&mut self) {
        match self.sweep.poll() {
            Some(Ok(())) => {
                let hits = self.sweep.hits().len();
                let took = self.sweep.took.map_or(0.0, |t| t.as_secs_f64());
                self.notice = Some(Notice::Info(format!(
                    "sweep done in {took:.1} s: {hits} queries and rules with hits"
                )));
            }
            Some(Err(crate::query::run::SweepError::Cancelled)) => {
                self.notice = Some(Notice::Info("sweep cancelled".into()));
            }
            Some(Err(error)) => self.notice = Some(Notice::Error(format!("sweep failed: {error}"))),
            None => {}
        }
    }

    /// Opens the sweep screen, sweeping unless a sweep of this timeline ran already (or
    /// `again`).
    fn open_sweep(&mut self, again: bool) {
        if self.explorer.is_none() {
            return;
        }
        let swept = self.sweep.result.is_some() || self.sweep.job.is_some();
        if again || !swept {
            self.start_sweep();
        }
        self.mode = Mode::Sweep;
    }

    /// Sweeps the timeline in the background.
    fn start_sweep(&mut self) {
        if let Some(explorer) = &self.explorer {
            let loaded = explorer.loaded();
            self.sweep.start(
                &loaded.timeline,
                &loaded.files,
                self.user_dirs.clone(),
                self.now,
            );
        }
    }

    fn on_sweep(&mut self, action: Action) {
        let page = self.viewport.popup_rows.max(1) as isize;
        match action {
            Action::Down => self.sweep.move_by(1),
            Action::Up => self.sweep.move_by(-1),
            Action::PageDown => self.sweep.move_by(page),
            Action::PageUp => self.sweep.move_by(-page),
            Action::Open => {
                if let (Some(detection), Some(explorer)) = (self.sweep.chosen(), &mut self.explorer)
                {
                    // Sigma hits name the rule's author, as its license asks.
                    let by = detection
                        .author
                        .as_deref()
                        .map(|author| format!(" (Sigma, by {author})"))
                        .unwrap_or_default();
                    explorer.show_hits(
                        format!("{}{by}", detection.name),
                        Arc::from(detection.hits.rows.as_slice()),
                    );
                    self.notice = Some(Notice::Info(format!(
                        "{}{by}: {} events",
                        detection.title,
                        super::thousands(detection.hits.rows.len())
                    )));
                    self.mode = Mode::Timeline;
                }
            }
            Action::Sweep => self.open_sweep(true),
            Action::Back | Action::CancelJob => {
                if self.sweep.job.is_some() {
                    self.sweep.cancel();
                    self.notice = Some(Notice::Info("sweep cancelled".into()));
                }
                self.mode = Mode::Timeline;
            }
            _ => self.not_here(action),
        }
    }

    /// Writes the current filter as a query of the user's own, named as typed.
    fn save_query(&mut self) {
        let (Some(explorer), Some(dir)) = (&self.explorer, &self.user_dirs.queries) else {
            return;
        };
        let name = self.input.text().trim().to_owned();
        match crate::query::save_user(dir, &name, explorer.filter_text()) {
            Ok(path) => {
                self.notice = Some(Notice::Info(format!(
                    "saved query '{name}' to {}; S sweeps with it",
                    path.display()
                )));
                self.mode = self.return_mode;
            }
            Err(error) => self.notice = Some(Notice::Error(error.to_string())),
        }
    }

    pub fn resize(&mut self, viewport: Viewport) {
        self.viewport = viewport;
        if let Some(explorer) = &mut self.explorer {
            explorer.set_viewport(viewport.timeline_rows, viewport.histogram_width);
        }
    }

    pub fn on_key(&mut self, event: KeyEvent) {
        let Some(key) = Key::from_event(event) else {
            return;
        };
        self.pending.push(key);
        match self.keymap.lookup(self.mode, &self.pending) {
            Lookup::Action(action) => {
                self.pending.clear();
                self.notice = None;
                self.perform(action);
            }
            Lookup::Pending => {}
            Lookup::Unbound => {
                let sequence = std::mem::take(&mut self.pending);
                if sequence.len() > 1 {
                    // A broken-off sequence: the last key may mean something alone.
                    return self.on_key(event);
                }
                if self.mode.is_input() {
                    self.type_key(key);
                }
            }
        }
    }

    fn type_key(&mut self, key: Key) {
        let edited = match key.typed() {
            Some(c) => {
                self.input.insert(c);
                true
            }
            None => self.input.edit(key.code()),
        };
        if edited {
            self.filter_error = None;
            self.palette_selected = 0;
            self.entity_selected = 0;
        }
    }

    pub fn perform(&mut self, action: Action) {
        let followed = self.followed();
        self.dispatch(action);
        if self.followed() != followed {
            self.pivot_changed();
        }
        self.remember_place();
    }

    fn dispatch(&mut self, action: Action) {
        match action {
            Action::Quit => self.quit = true,
            Action::Help => {
                if self.mode != Mode::Help {
                    self.return_mode = self.mode;
                    self.help_scroll = 0;
                    self.mode = Mode::Help;
                }
            }
            Action::Palette => {
                self.return_mode = self.mode;
                self.input = Input::default();
                self.palette_selected = 0;
                self.mode = Mode::Palette;
            }
            _ => match self.mode {
                Mode::Start => self.on_start(action),
                Mode::Timeline => self.on_timeline(action),
                Mode::Histogram => self.on_histogram(action),
                Mode::Detail => self.on_detail(action),
                Mode::Filter => self.on_prompt(action),
                Mode::Search => self.on_search(action),
                Mode::Palette => self.on_palette(action),
                Mode::Entities => self.on_entities(action),
                Mode::Card => self.on_card(action),
                Mode::GroupBy => self.on_group_by(action),
                Mode::Sweep => self.on_sweep(action),
                Mode::Help => self.on_help(action),
                Mode::Progress => {
                    if matches!(action, Action::CancelJob | Action::Back) {
                        self.job.iter().for_each(LoadJob::cancel);
                        self.live.iter().for_each(LiveJob::cancel);
                    }
                }
                Mode::Marks => self.on_marks(action),
                Mode::Coverage => {
                    if matches!(action, Action::Back | Action::Coverage) {
                        self.mode = Mode::Timeline;
                    }
                }
                Mode::Global => {}
            },
        }
    }

    fn on_start(&mut self, action: Action) {
        match action {
            Action::Down => self.start.move_by(1),
            Action::Up => self.start.move_by(-1),
            Action::Open => match self.start.current().cloned() {
                Some(StartEntry::Demo) => self.open_demo(),
                Some(StartEntry::OpenPath) => self.begin_prompt(Prompt::OpenPaths, ""),
                Some(StartEntry::Recent(paths)) => self.open(paths, "recent case".into()),
                None => {}
            },
            _ => self.not_here(action),
        }
    }

    fn on_timeline(&mut self, action: Action) {
        let page = self.viewport.timeline_rows.max(1) as isize;
        let Some(explorer) = &mut self.explorer else {
            return;
        };
        match action {
            Action::Down => explorer.move_by(1),
            Action::Up => explorer.move_by(-1),
            Action::PageDown => explorer.move_by(page),
            Action::PageUp => explorer.move_by(-page),
            Action::HalfPageDown => explorer.move_by(page / 2),
            Action::HalfPageUp => explorer.move_by(-page / 2),
            Action::Top => explorer.select_first(),
            Action::Bottom => explorer.select_last(),
            Action::Open => {
                if let Some(row) = explorer.selected_row() {
                    let mut lines = explorer.detail_lines(&row);
                    let flags = explorer
                        .selected_index()
                        .map(|index| self.sweep.flags(index))
                        .unwrap_or_default();
                    // After the time: what the sweep said about it comes first.
                    lines.splice(1..1, flags.into_iter().map(|f| sanitize::inline(&f)));
                    self.detail = Some(Detail::new(lines));
                    self.mode = Mode::Detail;
                }
            }
            Action::Filter => {
                let text = explorer.filter_text().to_owned();
                self.begin_prompt(Prompt::Filter, &text);
            }
            Action::Back => {
                if !explorer.back() {
                    explorer.clear();
                }
            }
            Action::ClearFilter => explorer.clear(),
            Action::Pivot => self.choose_entity(),
            Action::Context => explorer.context(),
            Action::Sweep => self.open_sweep(false),
            Action::Coverage => {
                if self.coverage.is_empty() {
                    self.notice = Some(Notice::Info(
                        "no coverage: this timeline came from files, not from AWS".into(),
                    ));
                } else {
                    self.mode = Mode::Coverage;
                }
            }
            Action::SaveQuery => {
                if explorer.filter_text().trim().is_empty() {
                    self.notice =
                        Some(Notice::Info("no filter to save: / writes one first".into()));
                } else {
                    self.begin_prompt(Prompt::SaveQuery, "");
                }
            }
            Action::GroupBy => {
                self.mode = Mode::GroupBy;
                self.group_selected = 0;
                self.refresh_groups();
            }
            Action::Card => match explorer.pivot_card() {
                Some(Ok(card)) => {
                    self.card = Some(card);
                    self.card_scroll = 0;
                    self.mode = Mode::Card;
                }
                Some(Err(error)) => self.notice = Some(Notice::Error(format!("no card: {error}"))),
                None => {
                    self.notice = Some(Notice::Info(
                        "the card is of the entity followed: p pivots on one first".into(),
                    ))
                }
            },
            Action::NarrowWindow | Action::WidenWindow | Action::WholeRange => {
                let change = match action {
                    Action::WholeRange => None,
                    other => Some(other == Action::WidenWindow),
                };
                if !explorer.change_pivot_window(change) {
                    self.notice = Some(Notice::Info(
                        "not in a pivot: p pivots on an entity of the selected event".into(),
                    ));
                }
            }
            Action::ToggleMark
            | Action::TagMark
            | Action::Marks
            | Action::AddEvent
            | Action::EditNotes
            | Action::SaveView => self.on_case_action(action),
            Action::NextMark | Action::PrevMark => {
                if !explorer.jump_to_mark(action == Action::NextMark) {
                    self.notice = Some(Notice::Info("no further marked event in this view".into()));
                }
            }
            Action::Histogram => {
                let last = explorer.histogram().counts.len().saturating_sub(1);
                explorer.histogram_cursor.at = explorer.histogram_cursor.at.min(last);
                self.mode = Mode::Histogram;
            }
            Action::ZoomOut => {
                if !explorer.zoom_out() {
                    self.notice = Some(Notice::Info("already showing the whole time range".into()));
                }
            }
            _ => self.not_here(action),
        }
    }

    fn on_histogram(&mut self, action: Action) {
        let Some(explorer) = &mut self.explorer else {
            return;
        };
        let last = explorer.histogram().counts.len().saturating_sub(1);
        let cursor = &mut explorer.histogram_cursor;
        match action {
            Action::Left => cursor.at = cursor.at.saturating_sub(1),
            Action::Right => cursor.at = (cursor.at + 1).min(last),
            Action::Top => cursor.at = 0,
            Action::Bottom => cursor.at = last,
            Action::SelectRange => {
                cursor.anchor = match cursor.anchor {
                    Some(_) => None,
                    None => Some(cursor.at),
                }
            }
            Action::Zoom => {
                explorer.zoom_to_selection();
                self.mode = Mode::Timeline;
            }
            Action::ZoomOut => {
                explorer.zoom_out();
            }
            Action::Back | Action::Histogram => {
                cursor.anchor = None;
                self.mode = Mode::Timeline;
            }
            _ => self.on_timeline(action),
        }
    }

    fn on_detail(&mut self, action: Action) {
        let page = self.viewport.detail_rows.max(1);
        let Some(detail) = &mut self.detail else {
            self.mode = Mode::Timeline;
            return;
        };
        match action {
            Action::Down => detail.scroll_by(1, page),
            Action::Up => detail.scroll_by(-1, page),
            Action::PageDown => detail.scroll_by(page as isize, page),
            Action::PageUp => detail.scroll_by(-(page as isize), page),
            Action::HalfPageDown => detail.scroll_by(page as isize / 2, page),
            Action::HalfPageUp => detail.scroll_by(-(page as isize) / 2, page),
            Action::Top => detail.scroll = 0,
            Action::Bottom => detail.scroll_by(isize::MAX / 2, page),
            Action::Search => {
                self.input = Input::with_text(&detail.query);
                self.mode = Mode::Search;
            }
            Action::NextMatch | Action::PrevMatch => {
                if detail.matches.is_empty() {
                    self.notice = Some(Notice::Info("no search (press / to search)".into()));
                } else {
                    detail.next_match(action == Action::NextMatch, page);
                }
            }
            Action::ToggleMark => {
                if let Some(explorer) = &mut self.explorer {
                    explorer.toggle_mark();
                }
            }
            Action::Pivot => self.choose_entity(),
            Action::Back => self.mode = Mode::Timeline,
            _ => self.not_here(action),
        }
    }

    fn begin_prompt(&mut self, prompt: Prompt, text: &str) {
        self.return_mode = self.mode;
        self.prompt = prompt;
        self.input = Input::with_text(text);
        self.filter_error = None;
        self.history_at = None;
        self.mode = Mode::Filter;
    }

    fn on_prompt(&mut self, action: Action) {
        match action {
            Action::Submit => match self.prompt {
                Prompt::Filter => self.submit_filter(),
                Prompt::SaveQuery => self.save_query(),
                Prompt::TagMark => self.submit_tag(),
                Prompt::ManualEvent => self.submit_event(),
                Prompt::SaveView => self.submit_view(),
                Prompt::OpenPaths => {
                    let paths: Vec<PathBuf> = self
                        .input
                        .text()
                        .split_whitespace()
                        .map(PathBuf::from)
                        .collect();
                    if paths.is_empty() {
                        self.notice = Some(Notice::Error("type one or more paths".into()));
                    } else {
                        self.mode = self.return_mode;
                        self.open(paths, "files".into());
                    }
                }
            },
            Action::Back => {
                self.filter_error = None;
                self.mode = self.return_mode;
            }
            Action::HistoryPrev | Action::HistoryNext if !self.history.is_empty() => {
                let last = self.history.len() - 1;
                let at = match (self.history_at, action) {
                    (None, Action::HistoryPrev) => Some(last),
                    (Some(i), Action::HistoryPrev) => Some(i.saturating_sub(1)),
                    (Some(i), _) if i < last => Some(i + 1),
                    _ => None,
                };
                self.history_at = at;
                self.input = Input::with_text(at.map_or("", |i| &self.history[i]));
            }
            _ => {}
        }
    }

    fn submit_filter(&mut self) {
        let Some(explorer) = &mut self.explorer else {
            self.mode = self.return_mode;
            return;
        };
        let text = self.input.text().to_owned();
        match explorer.set_filter(&text) {
            Ok(()) => {
                self.filter_error = None;
                if !text.trim().is_empty() && self.history.last() != Some(&text) {
                    self.history.push(text);
                }
                self.mode = Mode::Timeline;
            }
            Err(error) => self.filter_error = Some(error),
        }
    }

    fn on_search(&mut self, action: Action) {
        match action {
            Action::Submit => {
                let page = self.viewport.detail_rows;
                if let Some(detail) = &mut self.detail {
                    let found = detail.search(self.input.text(), page);
                    self.notice = Some(Notice::Info(format!("{found} matching lines")));
                }
                self.mode = Mode::Detail;
            }
            Action::Back => self.mode = Mode::Detail,
            _ => {}
        }
    }

    fn on_palette(&mut self, action: Action) {
        let choices = palette::matches(self.input.text());
        match action {
            Action::Down => {
                self.palette_selected =
                    (self.palette_selected + 1).min(choices.len().saturating_sub(1))
            }
            Action::Up => self.palette_selected = self.palette_selected.saturating_sub(1),
            Action::Submit => {
                self.mode = self.return_mode;
                if let Some(&chosen) = choices.get(self.palette_selected) {
                    // The detail pane knows only its own actions; the rest act on the timeline.
                    if self.mode == Mode::Detail && !DETAIL_ACTIONS.contains(&chosen) {
                        self.mode = Mode::Timeline;
                    }
                    self.perform(chosen);
                }
            }
            Action::Back => self.mode = self.return_mode,
            _ => {}
        }
    }

    /// Opens the list of the selected event's entities to pivot on.
    fn choose_entity(&mut self) {
        let has_entities = self
            .explorer
            .as_ref()
            .is_some_and(|e| !e.selected_entities().is_empty());
        if !has_entities {
            self.notice = Some(Notice::Info(
                "this event names no entity to pivot on".into(),
            ));
            return;
        }
        self.return_mode = self.mode;
        self.input = Input::default();
        self.entity_selected = 0;
        self.mode = Mode::Entities;
    }

    /// The selected event's entities whose kind or value contains what was typed.
    pub fn entity_choices(&self) -> Vec<Entity> {
        let typed = self.input.text().to_lowercase();
        let entities = self
            .explorer
            .as_ref()
            .map(Explorer::selected_entities)
            .unwrap_or_default();
        entities
            .into_iter()
            .filter(|e| typed.is_empty() || entity_label(e).to_lowercase().contains(&typed))
            .collect()
    }

    fn on_entities(&mut self, action: Action) {
        let choices = self.entity_choices();
        match action {
            Action::Down => {
                self.entity_selected =
                    (self.entity_selected + 1).min(choices.len().saturating_sub(1))
            }
            Action::Up => self.entity_selected = self.entity_selected.saturating_sub(1),
            Action::Submit => {
                if let (Some(chosen), Some(explorer)) =
                    (choices.get(self.entity_selected), &mut self.explorer)
                {
                    explorer.pivot_to(chosen.clone());
                    self.detail = None;
                    self.mode = Mode::Timeline;
                }
            }
            Action::Back => self.mode = self.return_mode,
            _ => {}
        }
    }

    fn refresh_groups(&mut self) {
        let Some(explorer) = &self.explorer else {
            return;
        };
        match explorer.top_values(self.group_kind, GROUPS) {
            Ok(groups) => self.groups = groups,
            Err(error) => self.notice = Some(Notice::Error(format!("cannot count: {error}"))),
        }
        self.group_selected = self.group_selected.min(self.groups.len().saturating_sub(1));
    }

    fn on_group_by(&mut self, action: Action) {
        let kinds = EntityKind::ALL;
        let at = kinds
            .iter()
            .position(|k| *k == self.group_kind)
            .unwrap_or(0);
        match action {
            Action::Down => {
                self.group_selected =
                    (self.group_selected + 1).min(self.groups.len().saturating_sub(1))
            }
            Action::Up => self.group_selected = self.group_selected.saturating_sub(1),
            Action::Left | Action::Right => {
                let step = if action == Action::Right {
                    1
                } else {
                    kinds.len() - 1
                };
                self.group_kind = kinds[(at + step) % kinds.len()];
                self.group_selected = 0;
                self.refresh_groups();
            }
            Action::Open => {
                if let (Some(group), Some(explorer)) =
                    (self.groups.get(self.group_selected), &mut self.explorer)
                {
                    explorer.pivot_whole_range(Entity {
                        kind: self.group_kind,
                        value: group.value.clone(),
                    });
                    self.mode = Mode::Timeline;
                }
            }
            Action::Back | Action::GroupBy => self.mode = Mode::Timeline,
            _ => {}
        }
    }

    fn on_card(&mut self, action: Action) {
        let page = self.viewport.popup_rows.max(1);
        let last = self
            .card
            .as_ref()
            .map_or(0, |c| super::views::card_height(c).saturating_sub(page));
        match action {
            Action::Down => self.card_scroll = (self.card_scroll + 1).min(last),
            Action::Up => self.card_scroll = self.card_scroll.saturating_sub(1),
            Action::PageDown => self.card_scroll = (self.card_scroll + page).min(last),
            Action::PageUp => self.card_scroll = self.card_scroll.saturating_sub(page),
            Action::Back | Action::Card => {
                self.card = None;
                self.mode = Mode::Timeline;
            }
            Action::Open => self.follow_chain(),
            _ => {}
        }
    }

    /// From the card, a pivot on whoever issued the key: the first link of its chain.
    fn follow_chain(&mut self) {
        let (Some(card), Some(explorer)) = (&self.card, &mut self.explorer) else {
            return;
        };
        let Some(link) = card.chain.first() else {
            self.notice = Some(Notice::Info(
                "no credential chain: no call in the loaded data issued this key".into(),
            ));
            return;
        };
        if explorer.follow_issuer(link) {
            self.card = None;
            self.mode = Mode::Timeline;
        } else {
            self.notice = Some(Notice::Info("the issuing call names no caller".into()));
        }
    }

    fn on_help(&mut self, action: Action) {
        let page = self.viewport.popup_rows.max(1);
        let lines = super::views::help_lines(self, &super::Theme::plain()).len();
        let last = lines.saturating_sub(page);
        match action {
            Action::Down => self.help_scroll = (self.help_scroll + 1).min(last),
            Action::Up => self.help_scroll = self.help_scroll.saturating_sub(1),
            Action::PageDown => self.help_scroll = (self.help_scroll + page).min(last),
            Action::PageUp => self.help_scroll = self.help_scroll.saturating_sub(page),
            Action::Back => self.mode = self.return_mode,
            _ => {}
        }
    }

    fn not_here(&mut self, action: Action) {
        self.notice = Some(Notice::Info(format!(
            "'{}' does nothing here",
            action.name()
        )));
    }

    /// The mode the screen below an overlay (help, palette, prompt) shows.
    pub fn base_mode(&self) -> Mode {
        match self.mode {
            Mode::Card | Mode::GroupBy | Mode::Sweep | Mode::Coverage => Mode::Timeline,
            Mode::Help | Mode::Palette | Mode::Filter | Mode::Entities => match self.return_mode {
                Mode::Help | Mode::Palette | Mode::Filter | Mode::Entities => Mode::Timeline,
                other => other,
            },
            Mode::Search => Mode::Detail,
            other => other,
        }
    }

    /// The mode whose keys help lists.
    pub fn help_mode(&self) -> Mode {
        if self.mode == Mode::Help {
            self.return_mode
        } else {
            self.mode
        }
    }
}

/// How many values the group-by view lists.
const GROUPS: usize = 50;

/// An entity as lists and breadcrumbs show it: `access key ASIA…`.
pub fn entity_label(entity: &Entity) -> String {
    let kind = entity.kind.as_str().replace('_', " ");
    format!("{kind} {}", crate::sanitize::inline(&entity.value))
}

/// What the detail pane does itself; other actions chosen there apply to the timeline.
const DETAIL_ACTIONS: [Action; 14] = [
    Action::Down,
    Action::Up,
    Action::PageDown,
    Action::PageUp,
    Action::HalfPageDown,
    Action::HalfPageUp,
    Action::Top,
    Action::Bottom,
    Action::Search,
    Action::NextMatch,
    Action::PrevMatch,
    Action::ToggleMark,
    Action::Pivot,
    Action::Back,
];

/// What loading found, in one status line.
fn load_notice(loaded: &Loaded, coverage: &[crate::live::Entry]) -> Notice {
    let files = loaded.files.len();
    let failed = loaded.files.iter().filter(|f| f.error.is_some()).count();
    let skipped: usize = loaded.files.iter().map(|f| f.skipped.total).sum();
    let mut text = format!(
        "loaded {} from {}",
        counted(loaded.timeline.len(), "event"),
        counted(files, "file")
    );
    if loaded.duplicates > 0 {
        text.push_str(&format!(", {} duplicates dropped", loaded.duplicates));
    }
    let unanswered = coverage.iter().filter(|e| !e.state.answered()).count();
    if !coverage.is_empty() {
        text.push_str(&format!(
            "; AWS: {} of {} sources answered (C shows the coverage)",
            coverage.len() - unanswered,
            coverage.len()
        ));
    }
    if failed > 0 || skipped > 0 || !loaded.missing.is_empty() {
        text.push_str(&format!(
            "; {failed} files unreadable, {skipped} records skipped, {} paths missing (casebook stats PATH lists them)",
            loaded.missing.len()
        ));
        Notice::Error(text)
    } else if unanswered > 0 {
        Notice::Error(text)
    } else {
        Notice::Info(text)
    }
}
