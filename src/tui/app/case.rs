//! The console's case actions: marks with tags and comments, the marks view, manual events,
//! notes in $EDITOR, and the place kept as the user moves. Each change is saved at once.

use std::path::{Path, PathBuf};

use super::{App, Notice, Prompt};
use crate::tui::action::Action;
use crate::tui::case_session::CaseSession;
use crate::tui::keymap::Mode;
use crate::tui::live_pivot::LivePivots;

const NO_CASE: &str = "marks, notes and manual events are kept in a case: casebook case new DIR \
                       --title T, then casebook open DIR";

impl App {
    /// Opens a case: loads what it loaded, then restores its marks and place.
    pub fn open_case(&mut self, dir: &Path, view: Option<&str>) {
        match CaseSession::open(dir, view) {
            Ok((session, paths)) => {
                let title = format!("case: {}", crate::sanitize::inline(session.title()));
                self.open(paths, title);
                if let Some((request, cache)) = session.live_session() {
                    self.live_pivots = LivePivots::new(Some(request), cache);
                }
                self.case = Some(session);
            }
            Err(error) => self.notice = Some(Notice::Error(error.to_string())),
        }
    }

    /// After a triage: the entity's card on top, the sweep running for `S`, and the runbook.
    pub(super) fn arrive_from_triage(&mut self) {
        self.start_sweep();
        let Some(explorer) = &self.explorer else {
            return;
        };
        if let Some(Ok(card)) = explorer.pivot_card() {
            self.card = Some(card);
            self.card_scroll = 0;
            self.mode = Mode::Card;
        }
        let runbook = self
            .case
            .as_ref()
            .and_then(|c| c.case.meta.runbook.clone())
            .unwrap_or_default();
        self.notice = Some(Notice::Info(crate::sanitize::inline(&format!(
            "runbook: {runbook} · the finding is selected · S sweep hits · C coverage · ' marks"
        ))));
    }

    /// Keeps the case's copy of where the user is.
    pub(super) fn remember_place(&mut self) {
        if let (Some(case), Some(explorer)) = (&mut self.case, &self.explorer)
            && let Err(error) = case.remember_place(explorer)
        {
            self.notice = Some(Notice::Error(format!("the case was not saved: {error}")));
        }
    }

    pub(super) fn on_case_action(&mut self, action: Action) {
        let (Some(explorer), now) = (&mut self.explorer, self.now) else {
            return;
        };
        match action {
            Action::ToggleMark => {
                let Some((row, marked)) = explorer.toggle_mark() else {
                    return;
                };
                if let Some(case) = &mut self.case
                    && let Err(error) = case.toggled(explorer, &row, marked, now)
                {
                    self.notice = Some(Notice::Error(format!("the mark was not saved: {error}")));
                }
            }
            _ if self.case.is_none() => self.notice = Some(Notice::Info(NO_CASE.into())),
            Action::TagMark => self.begin_prompt(Prompt::TagMark, ""),
            Action::AddEvent => self.begin_prompt(Prompt::ManualEvent, ""),
            Action::Marks => {
                self.marks_selected = 0;
                self.mode = Mode::Marks;
            }
            Action::EditNotes => self.edit_notes = self.case.as_ref().map(|c| c.notes_path()),
            Action::SaveView => self.begin_prompt(Prompt::SaveView, ""),
            _ => {}
        }
    }

    pub(super) fn submit_tag(&mut self) {
        let (Some(case), Some(explorer)) = (&mut self.case, &mut self.explorer) else {
            return;
        };
        let Some(row) = explorer.selected_row() else {
            return;
        };
        let text = self.input.text().to_owned();
        match case.tag(explorer, &row, &text, self.now) {
            Ok(()) => {
                let mut marks = explorer.marks().clone();
                marks.insert(row.record);
                explorer.set_marks(marks);
                self.mode = self.return_mode;
            }
            Err(error) => self.notice = Some(Notice::Error(error.to_string())),
        }
    }

    pub(super) fn submit_view(&mut self) {
        let (Some(case), Some(explorer)) = (&mut self.case, &self.explorer) else {
            return;
        };
        let name = self.input.text().trim().to_owned();
        if name.is_empty() {
            self.notice = Some(Notice::Error("a view needs a name".into()));
            return;
        }
        match case.save_view(explorer, &name) {
            Ok(()) => {
                self.notice = Some(Notice::Info(format!(
                    "view '{}' kept: casebook open CASE --view NAME comes back to it",
                    crate::sanitize::inline(&name)
                )));
                self.mode = self.return_mode;
            }
            Err(error) => self.notice = Some(Notice::Error(error.to_string())),
        }
    }

    pub(super) fn submit_event(&mut self) {
        let Some(case) = &mut self.case else {
            return;
        };
        let day = self
            .explorer
            .as_ref()
            .and_then(|e| e.selected_row())
            .map(|row| row.time);
        match case.add_event(self.input.text(), day, self.now) {
            Ok(()) => {
                self.notice = Some(Notice::Info(
                    "added to the case's timeline (casebook export shows it)".into(),
                ));
                self.mode = self.return_mode;
            }
            Err(error) => self.notice = Some(Notice::Error(error)),
        }
    }

    /// The notes file to edit, once: the event loop hands the terminal to $EDITOR.
    pub fn take_notes_to_edit(&mut self) -> Option<PathBuf> {
        self.edit_notes.take()
    }

    /// After $EDITOR: the notes as written.
    pub fn notes_edited(&mut self, outcome: Result<(), String>) {
        let Some(case) = &mut self.case else {
            return;
        };
        self.notice = Some(
            match outcome.and_then(|()| case.reload_notes(self.now).map_err(|e| e.to_string())) {
                Ok(()) => Notice::Info("notes saved in the case".into()),
                Err(error) => Notice::Error(format!("notes: {error}")),
            },
        );
    }

    pub(super) fn on_marks(&mut self, action: Action) {
        let count = self.case.as_ref().map_or(0, |c| c.case.marks.len());
        match action {
            Action::Down => {
                self.marks_selected = (self.marks_selected + 1).min(count.saturating_sub(1))
            }
            Action::Up => self.marks_selected = self.marks_selected.saturating_sub(1),
            Action::Open => {
                if let (Some(case), Some(explorer)) = (&self.case, &mut self.explorer) {
                    let shown = case
                        .record_of(explorer, self.marks_selected)
                        .is_some_and(|record| explorer.select_record(record));
                    if !shown {
                        self.notice = Some(Notice::Info(
                            "that event is not in this view: Esc out of pivots and filters".into(),
                        ));
                    }
                }
                self.mode = Mode::Timeline;
            }
            Action::Back | Action::Marks => self.mode = Mode::Timeline,
            _ => {}
        }
    }
}
