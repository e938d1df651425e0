//! oxtrace's intermediate representation, shared by both front ends, the backend and the runtime.
//!
//! A [`Program`] is what a front end produces and the backend compiles: probes with their Linux
//! attach points already resolved and wildcards expanded, typed expression trees with spans,
//! maps with their aggregation kinds, and a table of asynchronous [`Action`]s (printf, print,
//! exit, ...) that BPF code sends to user space.
//!
//! Invariants of a `Program` handed to the backend:
//! - every [`Expr`] carries its final [`Type`]; operands of arithmetic have been converted to a
//!   common type by the front end, so the backend never infers types;
//! - every [`MapId`], [`VarId`] and [`ActionId`] indexes an existing entry;
//! - each map has exactly one [`MapKind`] (a map used with two value types is a front-end error).
//!
//! This crate knows no LLVM and makes no system calls except in [`catalog`]'s live tracefs reader.
//! [`abi`] is the byte-level contract between generated BPF code and the runtime.

pub mod abi;
pub mod catalog;
pub mod diag;
pub mod dopts;
pub mod dump;
pub mod expr;
pub mod memory;
pub mod printf;
pub mod probe;
pub mod program;
pub mod span;
pub mod stmt;
pub mod types;
pub mod valid;

pub use expr::{BinaryOp, Builtin, Expr, ExprKind, Function, KsymBase, KsymType, UnaryOp};
pub use probe::{AttachPoint, Period, SoftwareEvent, SyscallProbe};
pub use program::{
    Action, ActionId, ActionKind, AttachSite, Config, DtraceOptions, MapDecl, MapId, MapKind,
    OutputStyle, Probe, Program, TseriesAgg, VarDecl, VarId,
};
pub use span::{SourceFile, Span};
pub use stmt::{Block, Stmt, StmtKind};
pub use types::{
    AddrSpace, AggregateKind, Bitfield, IntType, StackMode, StackType, StructField, StructLayout,
    StructType, TextKind, Type,
};
