//! The state of an open case: the loaded timeline, the rows of it shown, the selection, the
//! time-window stack, the histogram and the marks. No terminal here: the views draw it and the
//! app changes it through these methods.

use std::collections::{BTreeSet, HashMap};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use polars::prelude::{IdxSize, PolarsResult};

use crate::event::EntityKind;
use crate::load::{self, LoadOptions, Loaded};
use crate::sanitize;
use crate::time::NANOS_PER_SEC;
use crate::timeline::card::{self, CardEvent, EntityCard};
use crate::timeline::filter::{self, Column, Filter, ParseError};
use crate::timeline::pivot::{self, Entity};
use crate::timeline::{EventRow, RecordRef};

/// Event counts over equal slices of a time range.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Histogram {
    pub start: i64,
    pub end: i64,
    pub counts: Vec<u64>,
}

impl Histogram {
    /// Buckets `times` (sorted) over `[start, end)` into `buckets` slices.
    pub fn build(
        times: impl Iterator<Item = i64>,
        start: i64,
        end: i64,
        buckets: usize,
    ) -> Histogram {
        let buckets = buckets.max(1);
        let mut counts = vec![0; buckets];
        let span = (end - start).max(1) as i128;
        for time in times {
            if time < start || time >= end {
                continue;
            }
            let index = ((time - start) as i128 * buckets as i128 / span) as usize;
            counts[index.min(buckets - 1)] += 1;
        }
        Histogram { start, end, counts }
    }

    /// The time range of buckets `first..=last`.
    pub fn range(&self, first: usize, last: usize) -> (i64, i64) {
        let span = (self.end - self.start) as i128;
        let buckets = self.counts.len().max(1) as i128;
        let at = |i: usize| self.start + (span * i as i128 / buckets) as i64;
        (at(first), at(last + 1))
    }
}

/// Where the cursor and an optional range anchor are on the histogram.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct HistogramCursor {
    pub at: usize,
    pub anchor: Option<usize>,
}

impl HistogramCursor {
    /// The selected buckets, first and last.
    pub fn selection(&self) -> (usize, usize) {
        let anchor = self.anchor.unwrap_or(self.at);
        (anchor.min(self.at), anchor.max(self.at))
    }
}

pub struct Explorer {
    loaded: Loaded,
    /// The paths opened, to show file names relative to them.
    roots: Vec<PathBuf>,
    /// Event times of the whole timeline, for the histogram and for finding moments.
    times: Vec<i64>,
    /// The rows of the timeline the filter and window keep, in time order. Rows are fetched
    /// from the store a screenful at a time, so a filter never copies the events it keeps.
    shown: Vec<IdxSize>,
    filter_text: String,
    filter: Filter,
    /// Zoomed time windows, innermost last.
    windows: Vec<(i64, i64)>,
    selected: usize,
    /// The first row on screen.
    offset: usize,
    /// Rows the timeline shows at once, as last laid out.
    page: usize,
    histogram: Histogram,
    pub histogram_cursor: HistogramCursor,
    marks: BTreeSet<RecordRef>,
    /// The entity being followed, if any.
    pivot: Option<Pivot>,
    /// Where each pivot was taken from, innermost last.
    stack: Vec<Place>,
    now: i64,
}

/// What a pivot follows.
#[derive(Debug, Clone, PartialEq)]
pub enum Focus {
    Entity(Entity),
    /// Every source around the moment.
    Context,
    /// What a saved query or Sigma rule found (rows of the loaded timeline).
    Hits {
        label: String,
        rows: Arc<[IdxSize]>,
    },
}

impl Focus {
    pub fn entity(&self) -> Option<&Entity> {
        match self {
            Focus::Entity(entity) => Some(entity),
            _ => None,
        }
    }
}

/// Following one entity around a moment, every source around it, or a query's hits.
#[derive(Debug, Clone, PartialEq)]
pub struct Pivot {
    pub focus: Focus,
    /// The moment the pivot was taken at.
    pub around: i64,
    /// Half-width of the window around it; `None` for the whole range.
    pub half_window: Option<i64>,
}

impl Pivot {
    pub const DEFAULT_HALF_WINDOW: i64 = 3600 * NANOS_PER_SEC;
    pub const CONTEXT_HALF_WINDOW: i64 = 5 * 60 * NANOS_PER_SEC;
    const SMALLEST_HALF_WINDOW: i64 = 60 * NANOS_PER_SEC;
    const LARGEST_HALF_WINDOW: i64 = 30 * 24 * 3600 * NANOS_PER_SEC;

    /// The time the pivot covers, start inclusive, end exclusive; `None` for the whole range.
    pub fn window(&self) -> Option<(i64, i64)> {
        Some(pivot::window_around(self.around, self.half_window?))
    }

    fn filter(&self) -> Filter {
        let window = self.half_window.map(|half| (self.around, half));
        let time = || {
            self.window()
                .map_or(Filter::All, |(start, end)| Filter::Time { start, end })
        };
        match &self.focus {
            Focus::Entity(entity) => pivot::pivot_filter(entity, window),
            Focus::Context => time(),
            Focus::Hits { rows, .. } => Filter::And(vec![Filter::Rows(Arc::clone(rows)), time()]),
        }
    }
}

/// Everything that makes up where the user is, so a pivot can return to it exactly.
#[derive(Debug, Clone)]
struct Place {
    filter_text: String,
    filter: Filter,
    windows: Vec<(i64, i64)>,
    selected: usize,
    offset: usize,
    histogram_cursor: HistogramCursor,
    pivot: Option<Pivot>,
}

impl Explorer {
    pub fn new(loaded: Loaded, roots: Vec<PathBuf>, now: i64) -> Explorer {
        let times = loaded
            .timeline
            .times()
            .map(|t| t.into_no_null_iter().collect())
            .unwrap_or_default();
        let shown = (0..loaded.timeline.len() as IdxSize).collect();
        let mut explorer = Explorer {
            loaded,
            roots,
            times,
            shown,
            filter_text: String::new(),
            filter: Filter::All,
            windows: Vec::new(),
            selected: 0,
            offset: 0,
            page: 20,
            histogram: Histogram::default(),
            histogram_cursor: HistogramCursor::default(),
            marks: BTreeSet::new(),
            pivot: None,
            stack: Vec::new(),
            now,
        };
        explorer.rebuild_histogram(60);
        explorer
    }

    pub fn loaded(&self) -> &Loaded {
        &self.loaded
    }

    /// Merges what a later load found (a live pivot's answers) into the timeline without losing
    /// the place: filter, windows, pivots, marks and the selected event stay. Returns how many
    /// events were new.
    pub fn absorb(&mut self, later: Loaded) -> Result<usize, crate::load::LoadError> {
        let before = self.loaded.timeline.len();
        let old_records = self.loaded.timeline.record_refs()?;
        let selected = self
            .selected_index()
            .and_then(|row| old_records.get(row as usize).copied());
        let merged = self.loaded.absorb(later, &LoadOptions::default())?;
        let new_rows: HashMap<RecordRef, IdxSize> = merged
            .timeline
            .record_refs()?
            .into_iter()
            .enumerate()
            .map(|(row, record)| (record, row as IdxSize))
            .collect();
        // Rows of query hits are positions in the old timeline: move them to the new one.
        let moved = |rows: &Arc<[IdxSize]>| -> Arc<[IdxSize]> {
            let mut moved: Vec<IdxSize> = rows
                .iter()
                .filter_map(|row| old_records.get(*row as usize))
                .filter_map(|record| new_rows.get(record).copied())
                .collect();
            moved.sort_unstable();
            moved.into()
        };
        let pivots = self.pivot.iter_mut().chain(
            self.stack
                .iter_mut()
                .filter_map(|place| place.pivot.as_mut()),
        );
        for pivot in pivots {
            if let Focus::Hits { rows, .. } = &mut pivot.focus {
                *rows = moved(rows);
            }
        }
        self.times = merged
            .timeline
            .times()
            .map(|t| t.into_no_null_iter().collect())
            .unwrap_or_default();
        self.loaded = merged;
        self.recompute();
        if let Some(row) = selected.and_then(|record| new_rows.get(&record)) {
            // Shown rows are timeline positions in time order, so sorted.
            if let Ok(position) = self.shown.binary_search(row) {
                self.select_centred(position);
            }
        }
        Ok(self.loaded.timeline.len().saturating_sub(before))
    }

    /// How many events the filter and window keep.
    pub fn shown(&self) -> usize {
        self.shown.len()
    }

    /// The time of the first and last event shown.
    pub fn shown_span(&self) -> Option<(i64, i64)> {
        Some((
            self.time_of(0)?,
            self.time_of(self.shown.len().checked_sub(1)?)?,
        ))
    }

    /// The time of the `position`-th event shown.
    fn time_of(&self, position: usize) -> Option<i64> {
        self.time_of_row(*self.shown.get(position)?)
    }

    fn time_of_row(&self, row: IdxSize) -> Option<i64> {
        self.times.get(row as usize).copied()
    }

    /// The shown events from `position` on, at most `count`, read from the store.
    fn fetch(&self, position: usize, count: usize) -> PolarsResult<Vec<EventRow>> {
        let end = (position + count).min(self.shown.len());
        let rows = self.shown.get(position..end).unwrap_or_default();
        self.loaded.timeline.take(rows)?.rows()
    }

    pub fn total(&self) -> usize {
        self.loaded.timeline.len()
    }

    pub fn filter_text(&self) -> &str {
        &self.filter_text
    }

    pub fn window(&self) -> Option<(i64, i64)> {
        self.windows.last().copied()
    }

    pub fn histogram(&self) -> &Histogram {
        &self.histogram
    }

    pub fn marks(&self) -> &BTreeSet<RecordRef> {
        &self.marks
    }

    pub fn selected(&self) -> usize {
        self.selected
    }

    pub fn offset(&self) -> usize {
        self.offset
    }

    /// Tells the explorer how much room the views have: rows of the timeline table and columns
    /// of the histogram.
    pub fn set_viewport(&mut self, rows: usize, histogram_width: usize) {
        self.page = rows.max(1);
        self.scroll_to_selection();
        if histogram_width != self.histogram.counts.len() && histogram_width > 0 {
            self.rebuild_histogram(histogram_width);
        }
    }

    pub fn page(&self) -> usize {
        self.page
    }

    /// Applies a filter typed by the user; on error nothing changes.
    pub fn set_filter(&mut self, text: &str) -> Result<(), ParseError> {
        let filter = filter::parse(text, self.now)?;
        self.filter_text = text.trim().to_owned();
        self.filter = filter;
        self.refresh();
        Ok(())
    }

    pub fn clear(&mut self) {
        self.filter_text.clear();
        self.filter = Filter::All;
        self.windows.clear();
        self.refresh();
    }

    /// Narrows the time window to the histogram selection.
    pub fn zoom_to_selection(&mut self) {
        let (first, last) = self.histogram_cursor.selection();
        let range = self.histogram.range(first, last);
        if range.1 > range.0 {
            self.windows.push(range);
            self.histogram_cursor = HistogramCursor::default();
            self.refresh();
        }
    }

    pub fn zoom_out(&mut self) -> bool {
        let popped = self.windows.pop().is_some();
        if popped {
            self.refresh();
        }
        popped
    }

    fn effective_filter(&self) -> Filter {
        let mut terms = vec![self.filter.clone()];
        terms.extend(self.pivot.as_ref().map(Pivot::filter));
        if let Some((start, end)) = self.window() {
            terms.push(Filter::Time { start, end });
        }
        match terms.len() {
            1 => terms.remove(0),
            _ => Filter::And(terms),
        }
    }

    /// Recomputes the view and histogram, keeping the selection on the same moment in time.
    fn refresh(&mut self) {
        let keep_time = self.selected_time();
        self.recompute();
        self.select_moment(keep_time);
    }

    /// Selects the first shown event at or after `time` and centres it.
    fn select_moment(&mut self, time: Option<i64>) {
        let position = time.map_or(0, |time| self.first_row_at_or_after(time));
        self.select_centred(position.min(self.shown.len().saturating_sub(1)));
    }

    /// Selects a shown position and scrolls it to the middle of the page.
    fn select_centred(&mut self, position: usize) {
        self.selected = position;
        self.offset = position.saturating_sub(self.page / 2);
        self.scroll_to_selection();
    }

    /// The shown rows and histogram for the current filter, pivot and window.
    fn recompute(&mut self) {
        // A filter that parsed can only fail on a frame without its columns, which loading
        // never builds; showing nothing is the honest fallback.
        self.shown = self
            .loaded
            .timeline
            .matching_rows(&self.effective_filter())
            .unwrap_or_default();
        let width = self.histogram.counts.len();
        self.rebuild_histogram(width);
    }

    /// Follows an entity from the selected event: everything it did within the default window
    /// around that moment. The place left is kept for [`Explorer::back`].
    pub fn pivot_to(&mut self, entity: Entity) {
        self.follow(Focus::Entity(entity), Some(Pivot::DEFAULT_HALF_WINDOW));
    }

    /// Shows only what a query found, over the whole range, from its first hit; the place left
    /// is kept for [`Explorer::back`].
    pub fn show_hits(&mut self, label: String, rows: Arc<[IdxSize]>) {
        let first = rows.first().and_then(|row| self.time_of_row(*row));
        let around = first.or_else(|| self.selected_time()).unwrap_or_default();
        self.follow_at(Focus::Hits { label, rows }, None, around);
    }

    /// Everything from every source within a few minutes of the selected event.
    pub fn context(&mut self) {
        self.follow(Focus::Context, Some(Pivot::CONTEXT_HALF_WINDOW));
    }

    /// Follows a credential chain one link back from the card: whoever made the call that
    /// issued the key (by their own key when they used one), around that call, with the call
    /// selected. False when the call names no caller.
    pub fn follow_issuer(&mut self, link: &CardEvent) -> bool {
        let entity = match (&link.access_key, &link.actor) {
            (Some(key), _) => Entity {
                kind: EntityKind::AccessKey,
                value: key.clone(),
            },
            (None, Some(actor)) => Entity {
                kind: EntityKind::Principal,
                value: actor.clone(),
            },
            (None, None) => return false,
        };
        self.follow_at(
            Focus::Entity(entity),
            Some(Pivot::DEFAULT_HALF_WINDOW),
            link.time,
        );
        // Shown rows are timeline positions in time order, so sorted.
        if let Ok(position) = self.shown.binary_search(&link.row) {
            self.select_centred(position);
        }
        true
    }

    fn follow(&mut self, focus: Focus, half_window: Option<i64>) {
        let around = self.selected_time().unwrap_or_default();
        self.follow_at(focus, half_window, around);
    }

    fn follow_at(&mut self, focus: Focus, half_window: Option<i64>, around: i64) {
        self.stack.push(Place {
            filter_text: std::mem::take(&mut self.filter_text),
            filter: std::mem::replace(&mut self.filter, Filter::All),
            windows: std::mem::take(&mut self.windows),
            selected: self.selected,
            offset: self.offset,
            histogram_cursor: std::mem::take(&mut self.histogram_cursor),
            pivot: self.pivot.take(),
        });
        self.pivot = Some(Pivot {
            focus,
            around,
            half_window,
        });
        self.recompute();
        self.select_moment(Some(around));
    }

    /// Returns to where the last pivot was taken: filter, window, selection and scroll as they
    /// were. False when not pivoting.
    pub fn back(&mut self) -> bool {
        let Some(place) = self.stack.pop() else {
            return false;
        };
        self.filter_text = place.filter_text;
        self.filter = place.filter;
        self.windows = place.windows;
        self.histogram_cursor = place.histogram_cursor;
        self.pivot = place.pivot;
        self.recompute();
        self.selected = place.selected.min(self.shown.len().saturating_sub(1));
        self.offset = place.offset;
        self.scroll_to_selection();
        true
    }

    pub fn pivot(&self) -> Option<&Pivot> {
        self.pivot.as_ref()
    }

    /// Where the user is, level by level, outermost first: the filter typed at each level and
    /// the pivot it is under (none at the top).
    pub fn levels(&self) -> Vec<(String, Option<Pivot>)> {
        self.stack
            .iter()
            .map(|place| (place.filter_text.clone(), place.pivot.clone()))
            .chain([(self.filter_text.clone(), self.pivot.clone())])
            .collect()
    }

    /// Goes back to levels [`Explorer::levels`] gave: each pivot taken again, each filter typed
    /// again. A filter that no longer parses is dropped; the rest stands.
    pub fn restore_levels(&mut self, levels: Vec<(String, Option<Pivot>)>) {
        for (depth, (filter, pivot)) in levels.into_iter().enumerate() {
            if let (true, Some(pivot)) = (depth > 0, pivot) {
                self.follow_at(pivot.focus, pivot.half_window, pivot.around);
            }
            if !filter.is_empty() {
                let _ = self.set_filter(&filter);
            }
        }
    }

    /// Selects an event if it is shown; false when it is not.
    pub fn select_record(&mut self, record: RecordRef) -> bool {
        let Ok(records) = self.loaded.timeline.record_refs() else {
            return false;
        };
        let Some(row) = records.iter().position(|r| *r == record) else {
            return false;
        };
        // Shown rows are timeline positions in time order, so sorted.
        match self.shown.binary_search(&(row as IdxSize)) {
            Ok(position) => {
                self.select_centred(position);
                true
            }
            Err(_) => false,
        }
    }

    pub fn set_marks(&mut self, marks: BTreeSet<RecordRef>) {
        self.marks = marks;
    }

    /// The pivots taken to get here, outermost first, ending with the current one.
    pub fn breadcrumbs(&self) -> Vec<&Pivot> {
        self.stack
            .iter()
            .filter_map(|place| place.pivot.as_ref())
            .chain(self.pivot.as_ref())
            .collect()
    }

    /// Halves (`wider` false) or doubles the pivot's window, or switches between it and the
    /// whole range (`None`). False when not pivoting.
    pub fn change_pivot_window(&mut self, change: Option<bool>) -> bool {
        let Some(pivot) = &mut self.pivot else {
            return false;
        };
        pivot.half_window = match (change, pivot.half_window) {
            (None, Some(_)) => None,
            (None, None) => Some(Pivot::DEFAULT_HALF_WINDOW),
            (Some(_), None) => None,
            (Some(true), Some(half)) => Some((half * 2).min(Pivot::LARGEST_HALF_WINDOW)),
            (Some(false), Some(half)) => Some((half / 2).max(Pivot::SMALLEST_HALF_WINDOW)),
        };
        self.refresh();
        true
    }

    /// The card of the entity being followed, over the pivot's window (or the whole range).
    pub fn pivot_card(&self) -> Option<PolarsResult<EntityCard>> {
        let pivot = self.pivot.as_ref()?;
        let entity = pivot.focus.entity()?;
        Some(card::card(&self.loaded.timeline, entity, pivot.window()))
    }

    /// The most frequent values of an entity kind among the events shown.
    pub fn top_values(&self, kind: EntityKind, limit: usize) -> PolarsResult<Vec<pivot::Count>> {
        let rows = self.shown.iter().map(|&row| row as usize);
        pivot::top_values_among(&self.loaded.timeline, rows, kind, limit)
    }

    /// Follows a value from the group-by view over the whole range.
    pub fn pivot_whole_range(&mut self, entity: Entity) {
        self.follow(Focus::Entity(entity), None);
    }

    /// The entities the selected event names, to pivot on.
    pub fn selected_entities(&self) -> Vec<Entity> {
        self.selected_row()
            .map(|row| pivot::entities_of(&row))
            .unwrap_or_default()
    }

    fn selected_time(&self) -> Option<i64> {
        self.time_of(self.selected)
    }

    fn first_row_at_or_after(&self, time: i64) -> usize {
        // Shown rows are in time order.
        self.shown
            .partition_point(|&row| self.times.get(row as usize).is_some_and(|t| *t < time))
    }

    fn rebuild_histogram(&mut self, buckets: usize) {
        // The zoomed window, else the pivot's window, else everything loaded.
        let pivot_window = self.pivot.as_ref().and_then(Pivot::window);
        let (start, end) = self
            .window()
            .or(pivot_window)
            .or_else(|| {
                self.loaded
                    .timeline
                    .span()
                    .map(|(first, last)| (first, last + 1))
            })
            .unwrap_or((0, 1));
        let times = self
            .shown
            .iter()
            .filter_map(|&row| self.times.get(row as usize).copied());
        self.histogram = Histogram::build(times, start, end, buckets);
        let last = self.histogram.counts.len().saturating_sub(1);
        self.histogram_cursor.at = self.histogram_cursor.at.min(last);
    }

    pub fn move_by(&mut self, delta: isize) {
        let last = self.shown.len().saturating_sub(1);
        self.selected = self.selected.saturating_add_signed(delta).min(last);
        self.scroll_to_selection();
    }

    pub fn select_first(&mut self) {
        self.selected = 0;
        self.scroll_to_selection();
    }

    pub fn select_last(&mut self) {
        self.selected = self.shown.len().saturating_sub(1);
        self.scroll_to_selection();
    }

    fn scroll_to_selection(&mut self) {
        if self.selected < self.offset {
            self.offset = self.selected;
        } else if self.selected >= self.offset + self.page {
            self.offset = self.selected + 1 - self.page;
        }
        let last_page_start = self.shown.len().saturating_sub(self.page);
        self.offset = self.offset.min(last_page_start);
    }

    /// The rows on screen, from the current offset.
    pub fn visible_rows(&self) -> PolarsResult<Vec<EventRow>> {
        self.fetch(self.offset, self.page)
    }

    /// The selected event's position in the loaded timeline.
    pub fn selected_index(&self) -> Option<IdxSize> {
        self.shown.get(self.selected).copied()
    }

    pub fn selected_row(&self) -> Option<EventRow> {
        self.fetch(self.selected, 1).ok()?.pop()
    }

    /// Marks the selected event, or unmarks it; the event and whether it is now marked.
    pub fn toggle_mark(&mut self) -> Option<(EventRow, bool)> {
        let row = self.selected_row()?;
        let marked = !self.marks.remove(&row.record);
        if marked {
            self.marks.insert(row.record);
        }
        Some((row, marked))
    }

    /// Moves to the next (or previous) marked event in the view; false when there is none.
    pub fn jump_to_mark(&mut self, forward: bool) -> bool {
        if self.marks.is_empty() {
            return false;
        }
        let Ok(records) = self.loaded.timeline.record_refs() else {
            return false;
        };
        let marked = |position: &usize| {
            let row = self.shown[*position] as usize;
            records.get(row).is_some_and(|r| self.marks.contains(r))
        };
        let found = if forward {
            (self.selected + 1..self.shown.len()).find(marked)
        } else {
            (0..self.selected).rev().find(marked)
        };
        if let Some(row) = found {
            self.selected = row;
            self.scroll_to_selection();
        }
        found.is_some()
    }

    /// A file's path as the user knows it: relative to the folder they opened.
    pub fn display_path(&self, path: &Path) -> String {
        let relative = self
            .roots
            .iter()
            .filter(|root| root.is_dir())
            .find_map(|root| path.strip_prefix(root).ok())
            .unwrap_or(path);
        relative.display().to_string()
    }

    /// The lines of the detail pane for a row: its fields, where it came from, and its original
    /// record as pretty JSON with secrets redacted. Every line is made inert for the terminal.
    pub fn detail_lines(&self, row: &EventRow) -> Vec<String> {
        let mut lines = vec![format!(
            "time         {}",
            crate::time::format_rfc3339(row.time)
        )];
        for column in [
            Column::Source,
            Column::Class,
            Column::Action,
            Column::Outcome,
            Column::ErrorCode,
        ] {
            if let Some(value) = row.get(column) {
                lines.push(format!("{:<12} {}", column.name(), sanitize::inline(value)));
            }
        }
        if let Some(severity) = row.severity {
            let label = crate::event::severity::label(severity);
            lines.push(format!("{:<12} {severity} ({label})", "severity"));
        }
        if let Some(bytes) = row.bytes {
            lines.push(format!(
                "{:<12} {}",
                "bytes",
                super::thousands(bytes as usize)
            ));
        }
        for column in [
            Column::Actor,
            Column::Role,
            Column::AccessKey,
            Column::Account,
            Column::Region,
            Column::SrcIp,
            Column::DstIp,
            Column::UserAgent,
        ] {
            if let Some(value) = row.get(column) {
                lines.push(format!("{:<12} {}", column.name(), sanitize::inline(value)));
            }
        }
        for resource in row.resources() {
            lines.push(format!("{:<12} {}", "resource", sanitize::inline(resource)));
        }
        if let Some(summary) = row.get(Column::Summary) {
            lines.push(format!("{:<12} {}", "summary", sanitize::inline(summary)));
        }
        if let Some(id) = row.get(Column::Id) {
            lines.push(format!("{:<12} {}", "id", sanitize::inline(id)));
        }
        let file = self.loaded.files.get(row.record.file as usize);
        if let Some(file) = file {
            let path = sanitize::inline(&self.display_path(&file.path));
            lines.push(format!(
                "{:<12} {path} (event {})",
                "file",
                row.record.ordinal + 1
            ));
        }
        lines.push(String::new());
        lines.push("original record".to_owned());
        let originals = load::original_records(
            &self.loaded.files,
            &[(row.record, row.time)],
            &LoadOptions::default(),
        );
        match originals.get(&row.record) {
            Some(original) => {
                let mut original = original.clone();
                sanitize::redact_secrets(&mut original);
                let pretty = serde_json::to_string_pretty(&original).unwrap_or_default();
                lines.extend(pretty.lines().map(sanitize::inline));
            }
            None => lines.push(
                "(the file can no longer be read, or has changed since it was loaded)".to_owned(),
            ),
        }
        lines
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tui::testing::demo_explorer;

    #[test]
    fn filter_keeps_the_selected_moment_and_zoom_narrows_time() {
        let (_dir, mut explorer) = demo_explorer();
        explorer.set_viewport(20, 60);
        let total = explorer.total();
        explorer.move_by(2000);
        let before = explorer.selected_row().unwrap().time;
        explorer.set_filter("source:cloudtrail").unwrap();
        assert!(explorer.shown() < total);
        let after = explorer.selected_row().unwrap().time;
        assert!(
            after >= before,
            "selection stays at or just after the same time"
        );
        assert!(explorer.set_filter("actor:(").is_err());
        assert_eq!(explorer.filter_text(), "source:cloudtrail");

        let full: u64 = explorer.histogram().counts.iter().sum();
        assert_eq!(full as usize, explorer.shown());
        explorer.histogram_cursor = HistogramCursor {
            at: 29,
            anchor: Some(20),
        };
        let (start, end) = explorer.histogram().range(20, 29);
        explorer.zoom_to_selection();
        assert_eq!(explorer.window(), Some((start, end)));
        let (first, last) = explorer.shown_span().unwrap();
        assert!(start <= first && last < end);
        let zoomed: u64 = explorer.histogram().counts.iter().sum();
        assert_eq!(zoomed as usize, explorer.shown());
        assert!(explorer.zoom_out());
        assert_eq!(explorer.window(), None);
    }

    #[test]
    fn pivots_stack_and_back_returns_exactly() {
        let (_dir, mut explorer) = demo_explorer();
        explorer.set_viewport(20, 60);
        explorer.set_filter("severity>=7").unwrap();
        explorer.move_by(1);
        let (selected, offset) = (explorer.selected(), explorer.offset());
        let finding = explorer.selected_row().unwrap();
        let key = explorer
            .selected_entities()
            .into_iter()
            .find(|e| e.kind == crate::event::EntityKind::AccessKey)
            .unwrap();
        assert_eq!(key.value, crate::demo::STOLEN_KEY);
        explorer.pivot_to(key);
        // ±1h around the second finding (02:55): the key's API calls from 02:47 on, and findings.
        assert_eq!(explorer.filter_text(), "");
        assert!(explorer.shown() > 200);
        assert_eq!(explorer.selected_row().unwrap().time, finding.time);
        for _ in 0..4 {
            explorer.change_pivot_window(Some(false));
        }
        // ±3m45s around 02:55 leaves out the recon before and the changes after.
        let narrow = explorer.shown();
        explorer.change_pivot_window(None);
        assert!(explorer.shown() > narrow);
        assert_eq!(explorer.pivot().unwrap().half_window, None);

        let ip = explorer
            .selected_entities()
            .into_iter()
            .find(|e| e.kind == crate::event::EntityKind::Ip)
            .unwrap();
        explorer.pivot_to(ip);
        assert_eq!(explorer.breadcrumbs().len(), 2);
        assert!(explorer.back());
        assert_eq!(
            explorer.pivot().unwrap().half_window,
            None,
            "the window as it was left"
        );
        assert!(explorer.back());
        assert_eq!((explorer.selected(), explorer.offset()), (selected, offset));
        assert_eq!(explorer.filter_text(), "severity>=7");
        assert_eq!(explorer.selected_row().unwrap(), finding);
        assert!(!explorer.back());
    }

    #[test]
    fn marks_are_found_forward_and_back_and_the_page_follows() {
        let (_dir, mut explorer) = demo_explorer();
        explorer.set_viewport(10, 60);
        explorer.move_by(5);
        explorer.toggle_mark();
        explorer.move_by(300);
        explorer.toggle_mark();
        assert_eq!(explorer.offset(), 305 + 1 - 10);
        explorer.select_first();
        assert!(explorer.jump_to_mark(true));
        assert_eq!(explorer.selected(), 5);
        assert!(explorer.jump_to_mark(true));
        assert_eq!(explorer.selected(), 305);
        assert!(!explorer.jump_to_mark(true));
        assert!(explorer.jump_to_mark(false));
        assert_eq!(explorer.selected(), 5);
        explorer.toggle_mark();
        assert_eq!(explorer.marks().len(), 1);
    }

    #[test]
    fn detail_shows_the_original_record_inert_and_redacted() {
        let (_dir, mut explorer) = demo_explorer();
        explorer.set_filter("action:ListBuckets").unwrap();
        let row = explorer.selected_row().unwrap();
        let lines = explorer.detail_lines(&row);
        let text = lines.join("\n");
        assert!(!text.contains('\u{1b}') && !text.contains('\u{202e}'));
        assert!(
            text.contains("\\u{1b}]0;all clear\\u{7}\\u{1b}[2J\\u{202e}"),
            "{text}"
        );
        assert!(text.contains("\"eventName\": \"ListBuckets\""));
        assert!(
            text.contains("file         AWSLogs/444455556666/CloudTrail/us-east-1/2026/11/18/")
        );
    }
}
