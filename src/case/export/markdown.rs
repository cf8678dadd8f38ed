//! The postmortem's timeline, in Markdown, ready to paste: the case, the marked and manual events
//! (UTC), the entities involved, the queries run, and the notes.

use std::fmt::Write;

use super::{entities, entries};
use crate::case::Case;

/// Text for a Markdown table cell or line: inert to a terminal (control and bidi characters as
/// escapes, one line), and with Markdown and HTML markup escaped, so pipes stay in their cell and
/// nothing renders as a link (bracketed or bare), an image, emphasis or a tag.
pub fn escape(text: &str) -> String {
    let mut out = String::new();
    for c in crate::sanitize::inline(text).chars() {
        match c {
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '&' => out.push_str("&amp;"),
            '\\' | '`' | '*' | '_' | '[' | ']' | '|' | '~' => {
                out.push('\\');
                out.push(c);
            }
            c => out.push(c),
        }
    }
    // Bare URLs become links in GitHub's Markdown; an escaped slash keeps them text.
    out.replace("://", ":\\/\\/").replace("www.", "www\\.")
}

pub fn render(case: &Case) -> String {
    let meta = &case.meta;
    let mut out = String::new();
    let _ = writeln!(out, "# {}\n", escape(&meta.title));
    if let Some(incident) = &meta.incident {
        let _ = writeln!(out, "- Incident: {}", escape(incident));
    }
    if let Some(page) = &meta.page {
        let _ = writeln!(out, "- Page: {}", escape(page));
    }
    let _ = writeln!(out, "- Status: {:?}", meta.status);
    if !meta.analysts.is_empty() {
        let names: Vec<String> = meta.analysts.iter().map(|a| escape(a)).collect();
        let _ = writeln!(out, "- Analysts: {}", names.join(", "));
    }
    if let Some(range) = &meta.range {
        let _ = writeln!(
            out,
            "- Investigated: {} to {} (UTC)",
            range.start, range.end
        );
    }
    let _ = writeln!(out, "\n## Timeline (UTC)\n");
    let _ = writeln!(out, "| Time | Source | What happened | Tags | Comment |");
    let _ = writeln!(out, "|---|---|---|---|---|");
    for entry in entries(case) {
        let tags: Vec<String> = entry.tags().iter().map(|t| escape(t)).collect();
        let _ = writeln!(
            out,
            "| {} | {} | {} | {} | {} |",
            escape(entry.time()),
            escape(entry.field("source").unwrap_or("")),
            escape(&entry.message()),
            tags.join(", "),
            escape(entry.comment()),
        );
    }
    let _ = writeln!(out, "\n## Entities involved\n");
    let _ = writeln!(out, "| Kind | Value | First seen | Last seen |");
    let _ = writeln!(out, "|---|---|---|---|");
    for (kind, value, first, last) in entities(case) {
        let _ = writeln!(
            out,
            "| {kind} | {} | {} | {} |",
            escape(&value),
            escape(&first),
            escape(&last)
        );
    }
    let _ = writeln!(out, "\n## Queries and pulls\n");
    for entry in &case.provenance {
        let _ = writeln!(out, "- {}", escape(&entry.describe()));
    }
    if !case.views.saved.is_empty() {
        let _ = writeln!(out, "\n## Saved views\n");
        for view in &case.views.saved {
            let path: Vec<String> = view.levels.iter().map(|l| escape(&l.describe())).collect();
            let _ = writeln!(out, "- {}: {}", escape(&view.name), path.join(" › "));
        }
    }
    if !case.notes.trim().is_empty() {
        let _ = writeln!(out, "\n## Notes\n\n{}", notes(&case.notes));
    }
    out
}

/// The analysts' own Markdown, kept as Markdown, but with raw HTML and control or bidi
/// characters made inert: notes often quote what the logs said.
fn notes(text: &str) -> String {
    text.trim_end()
        .lines()
        .map(|line| {
            crate::sanitize::inline(line)
                .replace('&', "&amp;")
                .replace('<', "&lt;")
                .replace('>', "&gt;")
        })
        .collect::<Vec<_>>()
        .join("\n")
}
