//! Integration tests over HTTP against a real server. The same suite runs on SQLite (default)
//! and on PostgreSQL (ESKALERA_TEST_DATABASE_URL).

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

mod access;
mod api;
mod browser;
mod cli;
mod concurrency;
mod consistency;
mod demo;
mod directory;
mod fuzz;
mod index_recovery;
mod instances;
mod jobs;
mod lifecycle;
mod mail;
mod oidc;
mod operations;
mod paging;
mod personal_data;
mod policy;
mod possible;
mod publication;
mod refusals;
mod relevance;
mod reports;
mod search;
mod security;
mod store;
mod topics;
mod web;
mod wording;
mod work;
