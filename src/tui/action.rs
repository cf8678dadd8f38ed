//! Everything a key can do. Keymaps name these actions; the palette lists them; help describes
//! them. Adding an action means adding it here and handling it in the app.

/// Defines the action enum together with its keymap names and palette descriptions, so the
/// three can never disagree.
macro_rules! actions {
    ($($variant:ident = $name:literal, $about:literal;)*) => {
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        pub enum Action {
            $($variant,)*
        }

        impl Action {
            pub const ALL: &[Action] = &[$(Action::$variant,)*];

            /// The name keymaps and the palette use.
            pub fn name(self) -> &'static str {
                match self {
                    $(Action::$variant => $name,)*
                }
            }

            /// What it does, for the palette and for bindings without their own `desc`.
            pub fn about(self) -> &'static str {
                match self {
                    $(Action::$variant => $about,)*
                }
            }

            pub fn from_name(name: &str) -> Option<Action> {
                match name {
                    $($name => Some(Action::$variant),)*
                    _ => None,
                }
            }
        }
    };
}

actions! {
    Quit = "quit", "Quit casebook";
    Help = "help", "Show the keys of the current mode";
    Palette = "palette", "Open the command palette";
    Back = "back", "Close or go back";
    Down = "down", "Next row or line";
    Up = "up", "Previous row or line";
    PageDown = "page_down", "One page down";
    PageUp = "page_up", "One page up";
    HalfPageDown = "half_page_down", "Half a page down";
    HalfPageUp = "half_page_up", "Half a page up";
    Top = "top", "First row";
    Bottom = "bottom", "Last row";
    Open = "open", "Open the selected item (event detail, start entry)";
    Filter = "filter", "Edit the filter";
    ClearFilter = "clear_filter", "Remove the filter and the time window";
    ToggleMark = "toggle_mark", "Mark or unmark the selected event";
    NextMark = "next_mark", "Jump to the next marked event";
    PrevMark = "prev_mark", "Jump to the previous marked event";
    TagMark = "tag_mark", "Case: mark the selected event with tags and a comment (#tag text)";
    Marks = "marks", "Case: the marked events, with their tags and comments";
    AddEvent = "add_event", "Case: add an event no log has (03:32 on-call paged)";
    EditNotes = "edit_notes", "Case: edit the notes (Markdown) in $EDITOR";
    SaveView = "save_view", "Case: keep this place (pivots and filters) as a named view";
    Pivot = "pivot", "Follow an entity of the selected event across every source";
    NarrowWindow = "narrow_window", "Halve the pivot's time window";
    WidenWindow = "widen_window", "Double the pivot's time window";
    WholeRange = "whole_range", "Switch the pivot between its window and the whole range";
    Context = "context", "Every source within 5 minutes of the selected event";
    GroupBy = "group_by", "Top values of an entity kind under the current filter";
    Card = "card", "Show the card of the entity being followed (counts, failures, new values, findings, chain)";
    Sweep = "sweep", "Triage sweep: every saved query (and your Sigma rules) over the timeline";
    SaveQuery = "save_query", "Save the current filter as a query of your own";
    Coverage = "coverage", "What each AWS source did in the live pull (per profile and region)";
    Histogram = "histogram", "Focus the histogram to select a time range";
    Left = "left", "Move left (histogram cursor)";
    Right = "right", "Move right (histogram cursor)";
    SelectRange = "select_range", "Start or drop a range selection on the histogram";
    Zoom = "zoom", "Zoom the time window to the selected range";
    ZoomOut = "zoom_out", "Return to the previous time window";
    Search = "search", "Search the detail pane";
    NextMatch = "next_match", "Next search match";
    PrevMatch = "prev_match", "Previous search match";
    Submit = "submit", "Accept the input";
    HistoryPrev = "history_prev", "Previous filter from history";
    HistoryNext = "history_next", "Next filter from history";
    CancelJob = "cancel_job", "Cancel the running load";
    Noop = "noop", "Do nothing (unbinds a key)";
}
