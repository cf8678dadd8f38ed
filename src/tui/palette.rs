//! The command palette: every action, ranked by a fuzzy match on its name and description.

use nucleo_matcher::pattern::{AtomKind, CaseMatching, Normalization, Pattern};
use nucleo_matcher::{Config, Matcher, Utf32Str};

use super::action::Action;

/// Actions that only make sense inside another screen's flow are not offered.
fn offered(action: Action) -> bool {
    !matches!(
        action,
        Action::Noop
            | Action::Submit
            | Action::Back
            | Action::HistoryPrev
            | Action::HistoryNext
            | Action::Palette
            | Action::Left
            | Action::Right
            | Action::CancelJob
    )
}

/// The offered actions matching `query`, best first; all of them for an empty query.
pub fn matches(query: &str) -> Vec<Action> {
    let candidates = Action::ALL.iter().copied().filter(|a| offered(*a));
    if query.trim().is_empty() {
        return candidates.collect();
    }
    let mut matcher = Matcher::new(Config::DEFAULT);
    let pattern = Pattern::new(
        query,
        CaseMatching::Ignore,
        Normalization::Smart,
        AtomKind::Fuzzy,
    );
    let mut buffer = Vec::new();
    let mut scored: Vec<(u32, Action)> = candidates
        .filter_map(|action| {
            let text = format!("{} {}", action.name().replace('_', " "), action.about());
            let score = pattern.score(Utf32Str::new(&text, &mut buffer), &mut matcher)?;
            Some((score, action))
        })
        .collect();
    // Stable: equal scores keep the declaration order.
    scored.sort_by_key(|(score, _)| std::cmp::Reverse(*score));
    scored.into_iter().map(|(_, action)| action).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fuzzy_queries_find_their_action_first() {
        assert_eq!(matches("hist").first(), Some(&Action::Histogram));
        assert_eq!(matches("clrflt").first(), Some(&Action::ClearFilter));
        assert_eq!(matches("mark").first(), Some(&Action::ToggleMark));
        assert!(matches("zzzzqqq").is_empty());
        assert!(!matches("").contains(&Action::Noop));
    }
}
