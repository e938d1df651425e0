//! Output formatting: turns decoded [`crate::value::Value`]s and map snapshots into the exact text
//! bpftrace prints. Pure functions only (no kernel access, no I/O), so everything here is unit
//! tested against byte-exact expectations.

pub mod bt_json;
pub mod bt_text;
pub mod dtrace_bytes;
pub mod dtrace_text;
pub mod printf;
pub mod tseries;

#[cfg(test)]
mod json_tests;
#[cfg(test)]
mod tests;
