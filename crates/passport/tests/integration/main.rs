//! Integration tests of pfw-passport: the catalog against the reference node list, policy
//! resolution, PIN rules (tables and properties), and PIN records.

mod catalog;
mod example;
mod group_policy;
mod json;
mod records;
mod resolve;
mod rules;
mod support;
