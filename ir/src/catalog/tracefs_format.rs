//! Parser for tracefs `format` files (`/sys/kernel/tracing/events/<category>/<name>/format`).
//!
//! Such a file gives a tracepoint's id and the layout of the record the kernel hands to a BPF
//! tracepoint program: one line per field,
//! `\tfield:<C declaration>;\toffset:<n>;\tsize:<n>;\tsigned:<0|1>;`, the `common_*` header fields
//! first, then a blank line, then the event's own fields, then `print fmt: ...`. The parser is a
//! pure function of the text so it can be tested on recorded files.

use std::fmt;

/// The parsed `format` file of one tracepoint: its id and the layout of its record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TracepointFormat {
    /// The tracepoint's category (the directory above it, e.g. `syscalls`); not in the file itself.
    pub category: String,
    /// The tracepoint's name, from the file's `name:` line (e.g. `sys_enter_openat`).
    pub name: String,
    /// The event id from the `ID:` line (what `perf_event_open` takes as `config`).
    pub id: u32,
    /// The event's own fields in file order (what bpftrace exposes as `args.<name>`); the
    /// `common_*` header fields are not here.
    pub fields: Vec<TracepointField>,
    /// The `common_*` header fields every record starts with (`common_type`, `common_pid`, ...).
    pub common_fields: Vec<TracepointField>,
}

impl TracepointFormat {
    /// The event field (not a `common_*` one) called `name`, if any.
    pub fn field(&self, name: &str) -> Option<&TracepointField> {
        self.fields.iter().find(|f| f.name == name)
    }
}

/// One field of a tracepoint record, as described by its `format` line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TracepointField {
    /// The field name (`filename`, `args`, `prev_comm`, ...).
    pub name: String,
    /// The declared C type with the name, any `[len]` and any `__data_loc`/`__rel_loc` prefix
    /// removed, whitespace normalised: `const char *`, `unsigned long` (for `unsigned long
    /// args[6]`), `char` (for `char comm[16]` and for `__data_loc char[] filename`), `pid_t`.
    ///
    /// The declared type can be narrower than the slot: syscall tracepoints declare
    /// `int dfd` with `size:8` and `signed:0` (each argument is stored as an `unsigned long`).
    pub c_type: String,
    /// Byte offset of the field from the start of the record (the `common_type` field is at 0).
    pub offset: u32,
    /// Size in bytes of the field's slot in the record, from the file (0 for a flexible array
    /// `char buf[]`; 4 for `__data_loc`/`__rel_loc` descriptors).
    pub size: u32,
    /// The file's `signed:` flag.
    pub signed: bool,
    /// What kind of value the field holds, derived from the declaration.
    pub kind: FieldKind,
}

/// The shape of a field's value, derived from its C declaration and size.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum FieldKind {
    /// An integer of `size` bytes (`int`, `u64`, `pid_t`, `bool`, an `enum`, any non-pointer
    /// typedef of size 1, 2, 4 or 8).
    Integer,
    /// A pointer (the declared type contains `*`), `size` bytes, usually into kernel or user memory.
    Pointer,
    /// A fixed `char name[len]` array, usually a NUL-padded string such as `comm`. `len` is 0 for
    /// a flexible array `char buf[]`.
    CharArray {
        /// Number of elements (bytes).
        len: u32,
    },
    /// Any other fixed array `type name[len]` (e.g. `unsigned long args[6]`, `__u8 saddr[28]`).
    /// For a flexible array (`name[]`, size 0) `len` is 0 and `elem_size` is the size of the
    /// element type when it is a well-known C type, else 0.
    Array {
        /// Size in bytes of one element.
        elem_size: u32,
        /// Number of elements.
        len: u32,
    },
    /// `__data_loc type[] name`: a `u32` whose low 16 bits are the offset of the data from the
    /// start of the record and whose high 16 bits are its length in bytes (a string's includes
    /// its NUL). The element type is in `c_type` (`char` for strings, `u64`, `cpumask_t`, ...).
    DataLoc,
    /// `__rel_loc type[] name`: like [`FieldKind::DataLoc`], but the offset is relative to the
    /// end of this 4-byte field rather than to the start of the record.
    RelLoc,
    /// Anything else (a by-value struct or union, an unusual size).
    Other,
}

/// Why a `format` text could not be parsed: the 1-based line number (0 when the problem is a
/// missing line) and what was wrong.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FormatParseError {
    /// 1-based line of the problem, 0 when a required line is missing altogether.
    pub line: usize,
    /// What was wrong, for a human.
    pub message: String,
}

impl fmt::Display for FormatParseError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.line == 0 {
            write!(f, "{}", self.message)
        } else {
            write!(f, "line {}: {}", self.line, self.message)
        }
    }
}

impl std::error::Error for FormatParseError {}

/// Parses the text of a tracefs `format` file. `category` is the directory the file was found
/// in (the file itself names only the event). Lines other than `name:`, `ID:` and `field:` lines
/// (`format:`, blank lines, `print fmt:`) are ignored; unknown `key:value` parts of a field line
/// are ignored too, so newer kernels adding keys do not break the parser.
pub fn parse_format(category: &str, text: &str) -> Result<TracepointFormat, FormatParseError> {
    let mut name: Option<String> = None;
    let mut id: Option<u32> = None;
    let mut fields = Vec::new();
    let mut common_fields = Vec::new();
    for (index, raw_line) in text.lines().enumerate() {
        let line_no = index + 1;
        let line = raw_line.trim();
        let err = |message: String| FormatParseError {
            line: line_no,
            message,
        };
        if let Some(rest) = line.strip_prefix("name:") {
            name = Some(rest.trim().to_string());
        } else if let Some(rest) = line.strip_prefix("ID:") {
            let value = rest.trim();
            id = Some(
                value
                    .parse()
                    .map_err(|_| err(format!("bad event id {value:?}")))?,
            );
        } else if line.starts_with("field:") || line.starts_with("field ") {
            let field = parse_field_line(line).map_err(err)?;
            if field.name.starts_with("common_") {
                common_fields.push(field);
            } else {
                fields.push(field);
            }
        } else if line.starts_with("print fmt:") {
            // The print format is the last section and may contain anything.
            break;
        }
    }
    let missing = |what: &str| FormatParseError {
        line: 0,
        message: format!("no `{what}` line"),
    };
    Ok(TracepointFormat {
        category: category.to_string(),
        name: name.ok_or_else(|| missing("name:"))?,
        id: id.ok_or_else(|| missing("ID:"))?,
        fields,
        common_fields,
    })
}

/// Parses one `field:<decl>;\toffset:<n>;\tsize:<n>;\tsigned:<n>;` line (already trimmed).
fn parse_field_line(line: &str) -> Result<TracepointField, String> {
    let mut parts = line.split(';').map(str::trim).filter(|p| !p.is_empty());
    let decl_part = parts.next().unwrap_or_default();
    // Very old kernels wrote `field special:`; the rest is the same.
    let decl = decl_part
        .strip_prefix("field special:")
        .or_else(|| decl_part.strip_prefix("field:"))
        .ok_or_else(|| format!("expected `field:` in {line:?}"))?
        .trim();
    let (mut offset, mut size, mut signed) = (None, None, false);
    for part in parts {
        let Some((key, value)) = part.split_once(':') else {
            continue;
        };
        let value = value.trim();
        let number = || {
            value
                .parse::<u32>()
                .map_err(|_| format!("bad {key} value {value:?} in {line:?}"))
        };
        match key.trim() {
            "offset" => offset = Some(number()?),
            "size" => size = Some(number()?),
            "signed" => signed = number()? != 0,
            _ => {}
        }
    }
    let offset = offset.ok_or_else(|| format!("no offset in {line:?}"))?;
    let size = size.ok_or_else(|| format!("no size in {line:?}"))?;
    let (name, c_type, kind) = parse_declaration(decl, size)?;
    Ok(TracepointField {
        name,
        c_type,
        offset,
        size,
        signed,
        kind,
    })
}

/// Splits a C field declaration into (name, element/value type, kind).
fn parse_declaration(decl: &str, size: u32) -> Result<(String, String, FieldKind), String> {
    let (loc_kind, decl) = if let Some(rest) = decl.strip_prefix("__data_loc ") {
        (Some(FieldKind::DataLoc), rest.trim())
    } else if let Some(rest) = decl.strip_prefix("__rel_loc ") {
        (Some(FieldKind::RelLoc), rest.trim())
    } else {
        (None, decl)
    };

    // A trailing `[len]` / `[]` after the name.
    let (decl, array_len) = match decl.strip_suffix(']') {
        Some(before) => {
            let open = before
                .rfind('[')
                .ok_or_else(|| format!("unbalanced `]` in declaration {decl:?}"))?;
            let inside = before[open + 1..].trim();
            let len = if inside.is_empty() {
                Some(0)
            } else {
                inside.parse::<u32>().ok()
            };
            // `None` inside `Some`: a length that is not a number (an unexpanded macro).
            (before[..open].trim_end(), Some(len))
        }
        None => (decl, None),
    };

    let name_start = decl
        .char_indices()
        .rev()
        .take_while(|&(_, c)| c.is_ascii_alphanumeric() || c == '_')
        .last()
        .map(|(i, _)| i)
        .ok_or_else(|| format!("no field name in declaration {decl:?}"))?;
    let name = &decl[name_start..];
    let mut c_type = normalise_spaces(&decl[..name_start]);
    if c_type.is_empty() {
        return Err(format!("no type in declaration {decl:?}"));
    }

    if let Some(kind) = loc_kind {
        // `__data_loc char[] name`: keep the element type.
        if let Some(elem) = c_type.strip_suffix("[]") {
            c_type = elem.trim_end().to_string();
        }
        return Ok((name.to_string(), c_type, kind));
    }

    let kind = match array_len {
        Some(Some(len)) if c_type == "char" || c_type == "const char" => {
            FieldKind::CharArray { len }
        }
        Some(Some(0)) => FieldKind::Array {
            elem_size: scalar_size(&c_type).unwrap_or(0),
            len: 0,
        },
        Some(Some(len)) => FieldKind::Array {
            elem_size: size / len,
            len,
        },
        Some(None) => FieldKind::Other,
        None if c_type.contains('*') => FieldKind::Pointer,
        None if c_type.starts_with("struct ")
            || c_type.starts_with("union ")
            || c_type.starts_with("const struct ")
            || c_type.starts_with("const union ") =>
        {
            FieldKind::Other
        }
        None if matches!(size, 1 | 2 | 4 | 8) => FieldKind::Integer,
        None => FieldKind::Other,
    };
    Ok((name.to_string(), c_type, kind))
}

/// Collapses runs of whitespace to one space and trims.
fn normalise_spaces(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// Size on x86_64 of well-known C scalar types (used only for flexible arrays, whose `size:` is 0).
fn scalar_size(c_type: &str) -> Option<u32> {
    let t = c_type.strip_prefix("const ").unwrap_or(c_type);
    if t.contains('*') {
        return Some(8);
    }
    Some(match t {
        "char" | "signed char" | "unsigned char" | "u8" | "s8" | "__u8" | "__s8" | "bool"
        | "uint8_t" | "int8_t" => 1,
        "short" | "unsigned short" | "u16" | "s16" | "__u16" | "__s16" | "uint16_t" | "int16_t" => {
            2
        }
        "int" | "unsigned" | "unsigned int" | "u32" | "s32" | "__u32" | "__s32" | "uint32_t"
        | "int32_t" | "pid_t" | "uid_t" | "gid_t" => 4,
        "long" | "unsigned long" | "long long" | "unsigned long long" | "u64" | "s64" | "__u64"
        | "__s64" | "uint64_t" | "int64_t" | "size_t" | "ssize_t" => 8,
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    // Format texts below are copied verbatim from /sys/kernel/tracing/events on the project's
    // machines (kernel 6.18, x86_64).

    const SYS_ENTER_OPENAT: &str = "name: sys_enter_openat
ID: 782
format:
\tfield:unsigned short common_type;\toffset:0;\tsize:2;\tsigned:0;
\tfield:unsigned char common_flags;\toffset:2;\tsize:1;\tsigned:0;
\tfield:unsigned char common_preempt_count;\toffset:3;\tsize:1;\tsigned:0;
\tfield:int common_pid;\toffset:4;\tsize:4;\tsigned:1;

\tfield:int __syscall_nr;\toffset:8;\tsize:4;\tsigned:1;
\tfield:int dfd;\toffset:16;\tsize:8;\tsigned:0;
\tfield:const char * filename;\toffset:24;\tsize:8;\tsigned:0;
\tfield:int flags;\toffset:32;\tsize:8;\tsigned:0;
\tfield:umode_t mode;\toffset:40;\tsize:8;\tsigned:0;

print fmt: \"dfd: 0x%08lx, filename: 0x%08lx, flags: 0x%08lx, mode: 0x%08lx\", ((unsigned long)(REC->dfd)), ((unsigned long)(REC->filename)), ((unsigned long)(REC->flags)), ((unsigned long)(REC->mode))
";

    const RAW_SYS_ENTER: &str = "name: sys_enter
ID: 443
format:
\tfield:unsigned short common_type;\toffset:0;\tsize:2;\tsigned:0;
\tfield:unsigned char common_flags;\toffset:2;\tsize:1;\tsigned:0;
\tfield:unsigned char common_preempt_count;\toffset:3;\tsize:1;\tsigned:0;
\tfield:int common_pid;\toffset:4;\tsize:4;\tsigned:1;

\tfield:long id;\toffset:8;\tsize:8;\tsigned:1;
\tfield:unsigned long args[6];\toffset:16;\tsize:48;\tsigned:0;

print fmt: \"NR %ld (%lx, %lx, %lx, %lx, %lx, %lx)\", REC->id, REC->args[0], REC->args[1], REC->args[2], REC->args[3], REC->args[4], REC->args[5]
";

    const SCHED_SWITCH: &str = "name: sched_switch
ID: 372
format:
\tfield:unsigned short common_type;\toffset:0;\tsize:2;\tsigned:0;
\tfield:unsigned char common_flags;\toffset:2;\tsize:1;\tsigned:0;
\tfield:unsigned char common_preempt_count;\toffset:3;\tsize:1;\tsigned:0;
\tfield:int common_pid;\toffset:4;\tsize:4;\tsigned:1;

\tfield:char prev_comm[16];\toffset:8;\tsize:16;\tsigned:0;
\tfield:pid_t prev_pid;\toffset:24;\tsize:4;\tsigned:1;
\tfield:int prev_prio;\toffset:28;\tsize:4;\tsigned:1;
\tfield:long prev_state;\toffset:32;\tsize:8;\tsigned:1;
\tfield:char next_comm[16];\toffset:40;\tsize:16;\tsigned:0;
\tfield:pid_t next_pid;\toffset:56;\tsize:4;\tsigned:1;
\tfield:int next_prio;\toffset:60;\tsize:4;\tsigned:1;

print fmt: \"prev_comm=%s prev_pid=%d prev_prio=%d prev_state=%s%s ==> next_comm=%s next_pid=%d next_prio=%d\", REC->prev_comm, REC->prev_pid, REC->prev_prio, (REC->prev_state & ((((0x00000000 | 0x00000001 | 0x00000002 | 0x00000004 | 0x00000008 | 0x00000010 | 0x00000020 | 0x00000040) + 1) << 1) - 1)) ? __print_flags(REC->prev_state & ((((0x00000000 | 0x00000001 | 0x00000002 | 0x00000004 | 0x00000008 | 0x00000010 | 0x00000020 | 0x00000040) + 1) << 1) - 1), \"|\", { 0x00000001, \"S\" }, { 0x00000002, \"D\" }, { 0x00000004, \"T\" }, { 0x00000008, \"t\" }, { 0x00000010, \"X\" }, { 0x00000020, \"Z\" }, { 0x00000040, \"P\" }, { 0x00000080, \"I\" }) : \"R\", REC->prev_state & (((0x00000000 | 0x00000001 | 0x00000002 | 0x00000004 | 0x00000008 | 0x00000010 | 0x00000020 | 0x00000040) + 1) << 1) ? \"+\" : \"\", REC->next_comm, REC->next_pid, REC->next_prio
";

    const SCHED_PROCESS_EXEC: &str = "name: sched_process_exec
ID: 365
format:
\tfield:unsigned short common_type;\toffset:0;\tsize:2;\tsigned:0;
\tfield:unsigned char common_flags;\toffset:2;\tsize:1;\tsigned:0;
\tfield:unsigned char common_preempt_count;\toffset:3;\tsize:1;\tsigned:0;
\tfield:int common_pid;\toffset:4;\tsize:4;\tsigned:1;

\tfield:__data_loc char[] filename;\toffset:8;\tsize:4;\tsigned:0;
\tfield:pid_t pid;\toffset:12;\tsize:4;\tsigned:1;
\tfield:pid_t old_pid;\toffset:16;\tsize:4;\tsigned:1;

print fmt: \"filename=%s pid=%d old_pid=%d\", __get_str(filename), REC->pid, REC->old_pid
";

    fn field<'a>(f: &'a TracepointFormat, name: &str) -> &'a TracepointField {
        match f.field(name) {
            Some(field) => field,
            None => panic!("no field {name} in {f:?}"),
        }
    }

    fn parse(category: &str, text: &str) -> TracepointFormat {
        match parse_format(category, text) {
            Ok(f) => f,
            Err(e) => panic!("parse failed: {e}"),
        }
    }

    #[test]
    fn syscall_enter() {
        let f = parse("syscalls", SYS_ENTER_OPENAT);
        assert_eq!(f.category, "syscalls");
        assert_eq!(f.name, "sys_enter_openat");
        assert_eq!(f.id, 782);
        let names: Vec<_> = f.common_fields.iter().map(|f| f.name.as_str()).collect();
        assert_eq!(
            names,
            [
                "common_type",
                "common_flags",
                "common_preempt_count",
                "common_pid"
            ]
        );
        let names: Vec<_> = f.fields.iter().map(|f| f.name.as_str()).collect();
        assert_eq!(names, ["__syscall_nr", "dfd", "filename", "flags", "mode"]);
        assert_eq!(
            *field(&f, "filename"),
            TracepointField {
                name: "filename".into(),
                c_type: "const char *".into(),
                offset: 24,
                size: 8,
                signed: false,
                kind: FieldKind::Pointer,
            }
        );
        // The declared type is `int`, but the slot is 8 bytes and flagged unsigned.
        let dfd = field(&f, "dfd");
        assert_eq!(
            (
                dfd.c_type.as_str(),
                dfd.offset,
                dfd.size,
                dfd.signed,
                dfd.kind
            ),
            ("int", 16, 8, false, FieldKind::Integer)
        );
        let mode = field(&f, "mode");
        assert_eq!(
            (mode.c_type.as_str(), mode.kind),
            ("umode_t", FieldKind::Integer)
        );
        let pid = &f.common_fields[3];
        assert_eq!((pid.offset, pid.size, pid.signed), (4, 4, true));
    }

    #[test]
    fn raw_syscalls_args_array() {
        let f = parse("raw_syscalls", RAW_SYS_ENTER);
        let id = field(&f, "id");
        assert_eq!(
            (id.c_type.as_str(), id.signed, id.kind),
            ("long", true, FieldKind::Integer)
        );
        let args = field(&f, "args");
        assert_eq!(args.c_type, "unsigned long");
        assert_eq!((args.offset, args.size), (16, 48));
        assert_eq!(
            args.kind,
            FieldKind::Array {
                elem_size: 8,
                len: 6
            }
        );
    }

    #[test]
    fn sched_switch_comm_and_pid_t() {
        let f = parse("sched", SCHED_SWITCH);
        assert_eq!(f.id, 372);
        let comm = field(&f, "prev_comm");
        assert_eq!(
            (comm.c_type.as_str(), comm.kind),
            ("char", FieldKind::CharArray { len: 16 })
        );
        let pid = field(&f, "next_pid");
        assert_eq!(
            (
                pid.c_type.as_str(),
                pid.offset,
                pid.size,
                pid.signed,
                pid.kind
            ),
            ("pid_t", 56, 4, true, FieldKind::Integer)
        );
        assert_eq!(f.fields.len(), 7);
    }

    #[test]
    fn data_loc_string() {
        let f = parse("sched", SCHED_PROCESS_EXEC);
        let filename = field(&f, "filename");
        assert_eq!(
            (
                filename.c_type.as_str(),
                filename.offset,
                filename.size,
                filename.kind
            ),
            ("char", 8, 4, FieldKind::DataLoc)
        );
    }

    #[test]
    fn other_declarations_seen_on_this_kernel() {
        // Single lines copied from other format files of the same machine.
        let cases: &[(&str, &str, &str, FieldKind)] = &[
            // dma/dma_map_sg
            ("\tfield:__data_loc u64[] phys_addrs;\toffset:24;\tsize:4;\tsigned:0;", "phys_addrs", "u64", FieldKind::DataLoc),
            ("\tfield:__data_loc unsigned int[] lengths;\toffset:32;\tsize:4;\tsigned:0;", "lengths", "unsigned int", FieldKind::DataLoc),
            // ipi/ipi_send_cpumask: no `[]`
            ("\tfield:__data_loc cpumask_t cpumask;\toffset:8;\tsize:4;\tsigned:0;", "cpumask", "cpumask_t", FieldKind::DataLoc),
            // ftrace/print, ftrace/function: flexible arrays with size 0
            ("\tfield:char buf[];\toffset:16;\tsize:0;\tsigned:0;", "buf", "char", FieldKind::CharArray { len: 0 }),
            ("\tfield:unsigned long args[];\toffset:24;\tsize:0;\tsigned:0;", "args", "unsigned long", FieldKind::Array { elem_size: 8, len: 0 }),
            // tcp/tcp_probe
            ("\tfield:__u8 saddr[28];\toffset:8;\tsize:28;\tsigned:0;", "saddr", "__u8", FieldKind::Array { elem_size: 1, len: 28 }),
            // percpu/percpu_alloc_percpu: an address-space qualifier
            ("\tfield:void __seg_gs * ptr;\toffset:56;\tsize:8;\tsigned:0;", "ptr", "void __seg_gs *", FieldKind::Pointer),
            // syscalls/sys_enter_get_robust_list, sys_enter_landlock_create_ruleset, btrfs/*,
            // compaction/mm_compaction_begin, skb/kfree_skb
            ("\tfield:struct robust_list_head * * head_ptr;\toffset:24;\tsize:8;\tsigned:0;", "head_ptr", "struct robust_list_head * *", FieldKind::Pointer),
            ("\tfield:const struct landlock_ruleset_attr *const attr;\toffset:16;\tsize:8;\tsigned:0;", "attr", "const struct landlock_ruleset_attr *const", FieldKind::Pointer),
            ("\tfield:const void* ip;\toffset:24;\tsize:8;\tsigned:0;", "ip", "const void*", FieldKind::Pointer),
            ("\tfield:bool sync;\toffset:40;\tsize:1;\tsigned:0;", "sync", "bool", FieldKind::Integer),
            ("\tfield:enum skb_drop_reason reason;\toffset:36;\tsize:4;\tsigned:0;", "reason", "enum skb_drop_reason", FieldKind::Integer),
            // sched/sched_stat_runtime
            ("\tfield:u64 runtime;\toffset:16;\tsize:8;\tsigned:0;", "runtime", "u64", FieldKind::Integer),
            // tracefs' own header_page writes a space after `field:`
            ("\tfield: u64 timestamp;\toffset:0;\tsize:8;\tsigned:0;", "timestamp", "u64", FieldKind::Integer),
            // Not on this kernel (no __rel_loc field exists here), same syntax as __data_loc.
            ("\tfield:__rel_loc char[] name;\toffset:8;\tsize:4;\tsigned:0;", "name", "char", FieldKind::RelLoc),
        ];
        for (line, name, c_type, kind) in cases {
            let text = format!("name: x\nID: 1\nformat:\n{line}\n");
            let f = parse("c", &text);
            assert_eq!(f.fields.len(), 1, "{line}");
            let got = &f.fields[0];
            assert_eq!(
                (got.name.as_str(), got.c_type.as_str(), got.kind),
                (*name, *c_type, *kind),
                "{line}"
            );
        }
    }

    #[test]
    fn errors() {
        let e = parse_format("c", "ID: 1\n").err();
        assert_eq!(e.map(|e| e.to_string()).as_deref(), Some("no `name:` line"));
        let e = parse_format("c", "name: x\nID: nope\n").err();
        assert_eq!(e.map(|e| e.line), Some(2));
        let e = parse_format("c", "name: x\nID: 1\n\tfield:int a;\tsize:4;\n").err();
        assert!(e.is_some_and(|e| e.message.contains("no offset")));
        let e = parse_format("c", "name: x\nID: 1\n\tfield:int;\toffset:0;\tsize:4;\n").err();
        assert!(e.is_some_and(|e| e.message.contains("no type")));
        let e = parse_format("c", "name: x\nID: 1\n\tfield:int a];\toffset:0;\tsize:4;\n").err();
        assert!(e.is_some());
    }

    #[test]
    fn print_fmt_may_contain_field_like_text() {
        let text = "name: x\nID: 1\nformat:\n\tfield:int a;\toffset:8;\tsize:4;\tsigned:1;\n\nprint fmt: \"x\"\n\tfield:int b;\toffset:0;\tsize:4;\n";
        assert_eq!(parse("c", text).fields.len(), 1);
    }
}
