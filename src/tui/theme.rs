//! Colours by source and severity, or none at all when `NO_COLOR` is set.

use ratatui::style::{Color, Modifier, Style};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Theme {
    color: bool,
}

impl Theme {
    pub fn from_env() -> Theme {
        // https://no-color.org: any non-empty value turns colour off.
        let no_color = std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty());
        Theme { color: !no_color }
    }

    pub fn colored() -> Theme {
        Theme { color: true }
    }

    pub fn plain() -> Theme {
        Theme { color: false }
    }

    fn fg(&self, color: Color) -> Style {
        if self.color {
            Style::new().fg(color)
        } else {
            Style::new()
        }
    }

    pub fn source(&self, source: &str) -> Style {
        self.fg(match source {
            "guardduty" | "securityhub" => Color::LightRed,
            "cloudtrail" => Color::LightCyan,
            "config" => Color::LightMagenta,
            "k8s_audit" => Color::LightBlue,
            "vpcflow" => Color::LightGreen,
            "cwlogs" => Color::Yellow,
            _ => Color::Gray,
        })
    }

    /// High and critical stand out even without colour.
    pub fn severity(&self, severity: f32) -> Style {
        match severity {
            s if s >= 7.0 => self.fg(Color::Red).add_modifier(Modifier::BOLD),
            s if s >= 4.0 => self.fg(Color::Yellow),
            _ => self.fg(Color::Gray),
        }
    }

    pub fn failure(&self) -> Style {
        self.fg(Color::Red)
    }

    pub fn selected(&self) -> Style {
        Style::new().add_modifier(Modifier::REVERSED)
    }

    pub fn header(&self) -> Style {
        self.fg(Color::Gray).add_modifier(Modifier::BOLD)
    }

    pub fn dim(&self) -> Style {
        if self.color {
            Style::new().fg(Color::DarkGray)
        } else {
            Style::new()
        }
    }

    pub fn accent(&self) -> Style {
        self.fg(Color::Cyan).add_modifier(Modifier::BOLD)
    }

    pub fn error(&self) -> Style {
        self.fg(Color::Red).add_modifier(Modifier::BOLD)
    }

    pub fn mark(&self) -> Style {
        self.fg(Color::Yellow).add_modifier(Modifier::BOLD)
    }

    pub fn histogram(&self) -> Style {
        self.fg(Color::Cyan)
    }
}
