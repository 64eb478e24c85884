//! Integration tests of pfw-syncml: Microsoft's seed messages, the fixtures in
//! `tests/data/`, refusals, unknown and malformed commands, and positions.

mod commands;
mod fixtures;
mod positions;
mod refusals;
mod seeds;
mod util;
