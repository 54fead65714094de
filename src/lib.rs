//! eskalera: questions climb Migrationsverket's prövningsstöd structure, every answer states
//! how binding it is, and everyone can see where a question is and how long it has waited.

pub mod cli;
pub mod clock;
pub mod config;
pub mod domain;
pub mod files;
pub mod jobs;
pub mod notify;
pub mod observe;
pub mod search;
pub mod service;
pub mod store;
pub mod web;
