//! The server in-process over raw `std::net::TcpStream` HTTP/1.1, so request
//! targets such as `/%2e%2e/` reach it exactly as written (no client
//! normalises them away).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::print_stderr)]

mod files;
mod gem;
mod limits;
mod listing;
mod paths;
mod shutdown;
mod support;
