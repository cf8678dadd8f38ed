//! casebook: one timeline of AWS security telemetry, to investigate from.
//!
//! Layers: the domain ([`event`], [`timeline`], [`time`]) knows nothing of terminals or AWS;
//! [`sources`] turn raw data into events; [`load`] runs sources over files into a timeline;
//! [`live`] pulls from the AWS APIs into files the same loaders read; [`query`] holds saved queries, the sweep and Sigma rules; [`case`] keeps an investigation and exports it; [`cli`] is the headless edge and [`tui`] the console; [`demo`] writes the bundled case.

pub mod case;
pub mod cli;
pub mod demo;
pub mod event;
pub mod live;
pub mod load;
pub mod query;
pub mod sanitize;
pub mod sources;
pub mod synth;
pub mod text;
pub mod time;
pub mod timeline;
pub mod triage;
pub mod tui;
