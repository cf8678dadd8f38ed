//! One self-contained HTML report: the case, a histogram of its events over time (inline SVG),
//! the timeline, the entities, the queries run and the notes. No script, no external asset, and
//! a Content-Security-Policy that forbids both, so nothing in it can run even if escaping failed.

use std::fmt::Write;

use super::{entities, entries};
use crate::case::Case;

/// Text for HTML content or a quoted attribute.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in crate::sanitize::inline(text).chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

const STYLE: &str = "body{font:14px/1.4 system-ui,sans-serif;margin:2em;color:#222}\
table{border-collapse:collapse;width:100%;margin:1em 0}\
td,th{border:1px solid #ccc;padding:4px 6px;text-align:left;vertical-align:top}\
th{background:#f3f3f3}td.t{white-space:nowrap;font-family:monospace}\
pre{white-space:pre-wrap;background:#f7f7f7;padding:1em}.tag{background:#e8eefc;padding:0 4px;margin-right:2px}";

pub fn render(case: &Case) -> String {
    let meta = &case.meta;
    let mut out = String::new();
    let _ = write!(
        out,
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\
         <meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; \
         style-src 'unsafe-inline'; img-src data:\">\
         <title>{title}</title><style>{STYLE}</style></head><body>\n<h1>{title}</h1>\n<ul>",
        title = escape(&meta.title)
    );
    if let Some(incident) = &meta.incident {
        let _ = write!(out, "<li>Incident: {}</li>", escape(incident));
    }
    if let Some(page) = &meta.page {
        // Shown as text, not a link: a link is one click from wherever it points.
        let _ = write!(out, "<li>Page: {}</li>", escape(page));
    }
    let _ = write!(out, "<li>Status: {:?}</li>", meta.status);
    if let Some(range) = &meta.range {
        let _ = write!(
            out,
            "<li>Investigated: {} to {} (UTC)</li>",
            escape(&range.start),
            escape(&range.end)
        );
    }
    let _ = writeln!(out, "</ul>\n<h2>Events over time</h2>\n{}", histogram(case));
    let _ = writeln!(
        out,
        "<h2>Timeline (UTC)</h2>\n<table><tr><th>Time</th><th>Source</th><th>What happened</th>\
         <th>Tags</th><th>Comment</th></tr>"
    );
    for entry in entries(case) {
        let tags: String = entry
            .tags()
            .iter()
            .map(|t| format!("<span class=\"tag\">{}</span>", escape(t)))
            .collect();
        let _ = writeln!(
            out,
            "<tr><td class=\"t\">{}</td><td>{}</td><td>{}</td><td>{tags}</td><td>{}</td></tr>",
            escape(entry.time()),
            escape(entry.field("source").unwrap_or("")),
            escape(&entry.message()),
            escape(entry.comment())
        );
    }
    let _ = writeln!(
        out,
        "</table>\n<h2>Entities involved</h2>\n<table><tr><th>Kind</th><th>Value</th>\
         <th>First seen</th><th>Last seen</th></tr>"
    );
    for (kind, value, first, last) in entities(case) {
        let _ = writeln!(
            out,
            "<tr><td>{kind}</td><td>{}</td><td class=\"t\">{}</td><td class=\"t\">{}</td></tr>",
            escape(&value),
            escape(&first),
            escape(&last)
        );
    }
    let _ = writeln!(out, "</table>\n<h2>Queries and pulls</h2>\n<ul>");
    for entry in &case.provenance {
        let _ = writeln!(out, "<li>{}</li>", escape(&entry.describe()));
    }
    let _ = writeln!(out, "</ul>");
    if !case.notes.trim().is_empty() {
        let notes: Vec<String> = case.notes.lines().map(escape).collect();
        let _ = writeln!(out, "<h2>Notes</h2>\n<pre>{}</pre>", notes.join("\n"));
    }
    out.push_str("</body></html>\n");
    out
}

/// Bars of events per time bucket, as inline SVG.
fn histogram(case: &Case) -> String {
    const BUCKETS: usize = 48;
    const WIDTH: usize = 960;
    const HEIGHT: usize = 120;
    let times: Vec<i64> = entries(case)
        .iter()
        .filter_map(|e| crate::time::parse_timestamp(e.time()))
        .collect();
    let (Some(first), Some(last)) = (times.iter().min(), times.iter().max()) else {
        return "<p>No events.</p>".into();
    };
    let span = (last - first).max(1);
    let mut counts = [0usize; BUCKETS];
    for time in &times {
        let bucket = ((time - first) as i128 * BUCKETS as i128 / (span as i128 + 1)) as usize;
        counts[bucket.min(BUCKETS - 1)] += 1;
    }
    let most = counts.iter().copied().max().unwrap_or(1).max(1);
    let bar = WIDTH / BUCKETS;
    let mut svg = format!(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{WIDTH}\" height=\"{}\" \
         role=\"img\" aria-label=\"events over time\">",
        HEIGHT + 20
    );
    for (i, count) in counts.iter().enumerate() {
        let height = count * HEIGHT / most;
        let _ = write!(
            svg,
            "<rect x=\"{}\" y=\"{}\" width=\"{}\" height=\"{height}\" fill=\"#4a6fd1\">\
             <title>{count}</title></rect>",
            i * bar,
            HEIGHT - height,
            bar - 2
        );
    }
    let _ = write!(
        svg,
        "<text x=\"0\" y=\"{y}\" font-size=\"11\">{}</text>\
         <text x=\"{WIDTH}\" y=\"{y}\" font-size=\"11\" text-anchor=\"end\">{}</text></svg>",
        crate::time::format_rfc3339(*first),
        crate::time::format_rfc3339(*last),
        y = HEIGHT + 15
    );
    svg
}
