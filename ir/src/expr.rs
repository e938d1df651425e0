//! Expressions: typed trees with spans.

use crate::program::{MapId, VarId};
use crate::span::Span;
use crate::stmt::Stmt;
use crate::types::{AddrSpace, Type};

/// A typed expression.
#[derive(Clone, Debug, PartialEq)]
pub struct Expr {
    /// What it computes.
    pub kind: ExprKind,
    /// The type of its value.
    pub ty: Type,
    /// Its source text.
    pub span: Span,
}

/// The kinds of expression.
#[derive(Clone, Debug, PartialEq)]
pub enum ExprKind {
    /// An integer constant, stored as its 64-bit two's-complement bits; `ty` gives width and sign.
    Int(u64),
    /// A boolean constant.
    Bool(bool),
    /// A string constant. Its type is `Str` with room for the text and the NUL.
    Str(String),
    /// A scratch variable's current value.
    Var(VarId),
    /// A map entry's value, or zero when the key is absent. `key` is `None` for scalar maps.
    /// For aggregation maps this reads the combined value (count, sum, average, ...).
    MapRead { map: MapId, key: Option<Box<Expr>> },
    /// Whether the map has an entry for `key` (`has_key`).
    MapHasKey { map: MapId, key: Box<Expr> },
    /// Delete one entry; true when it existed.
    MapDelete { map: MapId, key: Option<Box<Expr>> },
    /// The number of entries of a map (`len(@m)`), counted in BPF; `uint64`. A per-CPU
    /// (aggregation) map counts each key once.
    MapLen { map: MapId },
    /// A builtin value of the running task or probe.
    Builtin(Builtin),
    /// A field of the probe's context read at a fixed byte offset (tracepoint fields; `ty` says
    /// how many bytes and how to interpret them).
    CtxField { offset: u32 },
    /// A tracepoint `__data_loc` field at `offset`: a kernel pointer to the data it locates.
    CtxDataLoc { offset: u32 },
    /// Function argument `n` from the registers (kprobe, uprobe).
    Arg(u8),
    /// The return value register (kretprobe, uretprobe).
    Retval,
    /// A unary operator.
    Unary { op: UnaryOp, operand: Box<Expr> },
    /// A binary operator. Both operands have been converted to a common type for arithmetic
    /// and comparisons; string comparisons have two `Str` operands.
    Binary {
        op: BinaryOp,
        lhs: Box<Expr>,
        rhs: Box<Expr>,
    },
    /// Short-circuit `&&` (`and: true`) or `||`.
    Logical {
        and: bool,
        lhs: Box<Expr>,
        rhs: Box<Expr>,
    },
    /// `cond ? then : otherwise`.
    Ternary {
        cond: Box<Expr>,
        then: Box<Expr>,
        otherwise: Box<Expr>,
    },
    /// A conversion of an integer to another integer type (truncation or extension).
    Cast(Box<Expr>),
    /// A tuple built from its fields; the type is `Tuple`.
    Tuple(Vec<Expr>),
    /// A record built from its fields; the type is `Record`.
    Record(Vec<Expr>),
    /// Field `index` of a tuple or record.
    Field { base: Box<Expr>, index: u32 },
    /// Read a NUL-terminated string through a pointer, at most `ty`'s size bytes; `max_len`
    /// further limits it at run time (`str(p, n)`).
    ReadStr {
        ptr: Box<Expr>,
        space: AddrSpace,
        max_len: Option<Box<Expr>>,
    },
    /// Read a value of type `ty` through a pointer.
    Deref { ptr: Box<Expr>, space: AddrSpace },
    /// A call to a function that computes a value in BPF.
    Call { func: Function, args: Vec<Expr> },
    /// Constant bytes (`pton("127.0.0.1")`); the type is an array of `uint8` of their length.
    Bytes(Vec<u8>),
    /// Statements followed by a value (a bpftrace block expression).
    Block { stmts: Vec<Stmt>, value: Box<Expr> },
}

/// Builtin values.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Builtin {
    /// Process id (tgid), uint32.
    Pid,
    /// Thread id, uint32.
    Tid,
    /// User id, uint32.
    Uid,
    /// Group id, uint32.
    Gid,
    /// Monotonic nanoseconds, uint64.
    Nsecs,
    /// Nanoseconds since tracing started, uint64.
    Elapsed,
    /// The current CPU, uint32.
    Cpu,
    /// Number of CPUs, uint32.
    Ncpus,
    /// The current task's name, `Str { size: 16 }`.
    Comm,
    /// The probe that fired, `ProbeName`.
    Probe,
    /// A pseudo-random uint32.
    Rand,
    /// The cgroup v2 id of the current task, uint64.
    Cgroup,
    /// The kernel's jiffies counter (`jiffies`), uint64.
    Jiffies,
    /// The NUMA node of the current CPU (`numaid`), uint32.
    Numaid,
    /// 1 when the probe fired in user mode (`usermode`, x86_64 `pt_regs` contexts), uint8.
    Usermode,
    /// The current uid (`username`), of type [`crate::TextKind::Username`]: printed as the name.
    Username,
    /// The kernel stack (`kstack`), of type [`Type::Stack`] with `kernel: true`.
    Kstack,
    /// The user stack (`ustack`) and the pid, of type [`Type::Stack`] with `kernel: false`.
    Ustack,
    /// The traced function (`func`): the instruction pointer of a kprobe or uprobe, of type
    /// [`Type::Symbol`].
    Func,
    /// The current task (`curtask`, `bpf_get_current_task`): a kernel `struct task_struct *`.
    CurTask,
    /// D's `walltimestamp`: nanoseconds since the Unix epoch, int64.
    Walltimestamp,
    /// The program's context pointer (`ctx`), as an address; the front end gives it its
    /// pointer type (`struct bpf_iter__task *` in `iter:task`).
    Ctx,
}

impl Builtin {
    /// The name as bpftrace spells it.
    pub fn name(self) -> &'static str {
        match self {
            Builtin::Pid => "pid",
            Builtin::Tid => "tid",
            Builtin::Uid => "uid",
            Builtin::Gid => "gid",
            Builtin::Nsecs => "nsecs",
            Builtin::Elapsed => "elapsed",
            Builtin::Cpu => "cpu",
            Builtin::Ncpus => "ncpus",
            Builtin::Comm => "comm",
            Builtin::Probe => "probe",
            Builtin::Rand => "rand",
            Builtin::Cgroup => "cgroup",
            Builtin::Jiffies => "jiffies",
            Builtin::Numaid => "numaid",
            Builtin::Usermode => "usermode",
            Builtin::Username => "username",
            Builtin::Kstack => "kstack",
            Builtin::Ustack => "ustack",
            Builtin::Func => "func",
            Builtin::CurTask => "curtask",
            Builtin::Walltimestamp => "walltimestamp",
            Builtin::Ctx => "ctx",
        }
    }
}

/// Functions evaluated in BPF.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Function {
    /// `strncmp(a, b, n)`: 0 when the first `n` bytes are equal (int64).
    Strncmp,
    /// `strcontains(haystack, needle)`: bool.
    Strcontains,
    /// `strlen(s)`: the bytes before the first NUL of a string (uint64).
    Strlen,
    /// `strstr(haystack, needle[, start])`: the index of the first occurrence of `needle` at or
    /// after index `start` (int64, 0 to the haystack's length; 0 when absent), or -1 (int64).
    Strstr,
    /// `s[i]`: byte `i` of a string (`args[1]`, an integer), 0 past its end (int8).
    StrIndex,
    /// `bswap(n)`: `n` with its bytes reversed (unsigned, of `n`'s width).
    Bswap,
    /// `buf(src, len)`: up to `ty`'s size bytes copied from `src` (a pointer: read from the
    /// address space `args[2]` says, 0 kernel, 1 user; or a string/array value), into a
    /// [`crate::Type::Buffer`]; `len` (`args[1]`, an integer) limits it at run time.
    Buf,
    /// `signal(sig)` / `signal_thread(sig)`: send signal `args[0]` to the current process
    /// (`bpf_send_signal`) or thread; yields the helper's result (int64).
    Signal {
        /// `signal_thread`.
        thread: bool,
    },
    /// `ksym(addr)`: the uint64 argument as a kernel [`Type::Symbol`].
    Ksym,
    /// `usym(addr)`: the uint64 argument and the current pid as a user [`Type::Symbol`].
    Usym,
    /// `reg("name")`: the uint64 at byte offset `args[0]` (an integer constant) of the probe's
    /// `struct pt_regs` (kprobe, uprobe, and perf events, whose context starts with it).
    Reg,
    /// True when `args[0]` (an address, uint64) cannot be read: reading the first and the last
    /// byte of the `args[1]` bytes there (an integer constant, at least 1) from `space` fails.
    /// D's `invalid address` fault checks (bool).
    Unreadable {
        /// Kernel or user memory.
        space: AddrSpace,
    },
    /// D's `alloca(size)`: the address (uint64) of `size` zeroed bytes of this call's own region
    /// of the per-CPU scratch entry, ordinary kernel memory that reads through the kernel space.
    /// No arguments.
    Alloca {
        /// The region's size in bytes (at least 1).
        size: u32,
    },
    /// D's `bcopy(src, dst, size)`: copies `size` bytes from `args[0]` (in `space`) to `args[1]`
    /// (both uint64), which must lie in the per-CPU scratch entry the program's `Alloca`s
    /// carve up; true (bool) when it does not, and nothing is copied. A source that cannot be
    /// read leaves zeroes.
    Bcopy {
        /// Where the source is.
        space: AddrSpace,
        /// Bytes to copy (at least 1).
        size: u32,
    },
    /// Up to `args[2]` bytes of the string `args[0]` starting at byte `args[1]` (both int64),
    /// stopping at its NUL, as a string of `ty`'s size; a start outside the string or a count
    /// below 1 gives the empty string (D's `substr`, and the tails of `strchr`, `strstr`, ...).
    StrRange,
    /// `strjoin(a, b)`: string `args[0]` followed by string `args[1]`, truncated to `ty`'s size.
    Strjoin,
    /// The first (or with `last`, the last) index `i` in `[args[2], args[3])` (int64 bounds,
    /// clipped to the string's length) where byte `args[0][i]` equals the low byte of `args[1]`
    /// (with `not`: differs from it), or -1 (int64).
    StrFindByte {
        /// Search from the end.
        last: bool,
        /// Look for a byte that differs.
        not: bool,
    },
    /// The index of the last occurrence of string `args[1]` in string `args[0]`, or -1; the
    /// length of `args[0]` for an empty needle (int64; D's `rindex`).
    StrRstr,
    /// The string `args[0]` with ASCII letters mapped to upper case (`upper`) or lower case.
    StrCase {
        /// `toupper` rather than `tolower`.
        upper: bool,
    },
    /// The first index `i` at or after `args[2]` (int64) in string `args[0]` whose byte is (with
    /// `member`) or is not one of the bytes of string `args[1]`, or -1 (int64; D's `strtok`).
    StrFindSet {
        /// Look for a byte of the set rather than one outside it.
        member: bool,
    },
    /// `cleanpath(s)`: the path `args[0]` with `//`, `/./` and `/../` resolved as DTrace's
    /// `cleanpath` does (a string of `ty`'s size).
    Cleanpath,
    /// The `args[1]` bytes (uint64) of user memory at `args[0]` (uint64), with every NUL but the
    /// last turned into a space, as a string of `ty`'s size: a process's arguments read from
    /// `mm->arg_start` as one line (D's `curpsinfo->pr_psargs`).
    UserArgs,
    /// `lltostr(n, base)`: the int64 `args[0]` written in base `args[1]` (2..=36) as D writes it
    /// (`-` for negative decimals, `0x` before hex digits, `0` before octal ones), as a string.
    Lltostr,
    /// `percpu_kaddr("name"[, cpu])`: the address (uint64) of the per-CPU kernel variable named
    /// by the string constant `args[0]` on the current CPU, or on CPU `args[1]` (uint64; 0 when
    /// there is no such CPU). The variable is a typed ksym resolved by the loader against the
    /// kernel's BTF; `ty` is the shape of its type that the object's BTF must declare.
    PercpuKaddr {
        /// The variable's type, as far as the loader compares it.
        ty: KsymType,
    },
}

/// The shape of a kernel variable's type as a typed ksym declares it: libbpf accepts a local
/// type when kinds match (any struct for any struct, any integer for any integer), pointers
/// and array elements compared the same way.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct KsymType {
    /// The innermost type.
    pub base: KsymBase,
    /// How many pointers wrap `base`.
    pub pointers: u8,
    /// Whether the variable is an array of that.
    pub array: bool,
}

/// The innermost type of a [`KsymType`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum KsymBase {
    /// `void` (only behind a pointer).
    Void,
    /// An integer of `bytes` bytes.
    Int {
        /// Size in bytes.
        bytes: u8,
        /// Signedness.
        signed: bool,
    },
    /// Some struct.
    Struct,
    /// Some union.
    Union,
    /// Some enum of `bytes` bytes.
    Enum {
        /// Size in bytes.
        bytes: u8,
    },
}

/// Unary operators.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum UnaryOp {
    /// `-x`
    Neg,
    /// `!x` (logical, yields bool)
    Not,
    /// `~x`
    BitNot,
}

/// Binary operators.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum BinaryOp {
    Add,
    Sub,
    Mul,
    /// Division; by zero yields 0 rather than faulting, as the BPF instruction does.
    Div,
    /// Remainder; by zero leaves the dividend, as the BPF instruction does.
    Mod,
    BitAnd,
    BitOr,
    BitXor,
    Shl,
    /// Shift right: arithmetic for signed operands, logical for unsigned.
    Shr,
    Eq,
    Ne,
    Lt,
    Le,
    Gt,
    Ge,
}

impl BinaryOp {
    /// The operator's C spelling.
    pub fn symbol(self) -> &'static str {
        match self {
            BinaryOp::Add => "+",
            BinaryOp::Sub => "-",
            BinaryOp::Mul => "*",
            BinaryOp::Div => "/",
            BinaryOp::Mod => "%",
            BinaryOp::BitAnd => "&",
            BinaryOp::BitOr => "|",
            BinaryOp::BitXor => "^",
            BinaryOp::Shl => "<<",
            BinaryOp::Shr => ">>",
            BinaryOp::Eq => "==",
            BinaryOp::Ne => "!=",
            BinaryOp::Lt => "<",
            BinaryOp::Le => "<=",
            BinaryOp::Gt => ">",
            BinaryOp::Ge => ">=",
        }
    }

    /// True for the comparisons, which yield bool.
    pub fn is_comparison(self) -> bool {
        matches!(
            self,
            BinaryOp::Eq | BinaryOp::Ne | BinaryOp::Lt | BinaryOp::Le | BinaryOp::Gt | BinaryOp::Ge
        )
    }
}

impl Expr {
    /// A new expression.
    pub fn new(kind: ExprKind, ty: Type, span: Span) -> Expr {
        Expr { kind, ty, span }
    }

    /// An integer constant of type `ty`.
    pub fn int(value: i64, ty: Type, span: Span) -> Expr {
        Expr::new(ExprKind::Int(value as u64), ty, span)
    }
}
