//! Symbolization of stack frames and symbol values, done lazily at print time.
//!
//! Decoding leaves [`Value::Stack`] frames and [`Value::Symbol`] addresses unsymbolized. Right
//! before a value, a record or a map is printed, [`resolve_values`] / [`resolve_snapshot`]
//! collect the distinct addresses it holds, ask a [`Symbolizer`] once per source (all kernel
//! addresses together; user addresses once per pid) and fill the symbols in. Nothing is
//! symbolized that is not printed, and no binary is read that no printed address lies in.
//!
//! [`BlazeSymbolizer`] is the real implementation (the `blazesym` crate: `/proc/kallsyms` for the
//! kernel, `/proc/<pid>/maps` and the mapped ELF files for processes, each parsed on first use and
//! cached for the rest of the run). Tests use a fake table through the same trait.

use std::collections::{BTreeSet, HashMap};

use crate::value::{MapEntries, MapSnapshot, Sym, Value};

/// Turns addresses into symbols. Each method returns one entry per address, in order; `None`
/// when an address is unknown.
pub trait Symbolizer {
    /// Symbols of kernel addresses.
    fn kernel(&mut self, addrs: &[u64]) -> Vec<Option<Sym>>;
    /// Symbols of addresses in process `pid`.
    fn user(&mut self, pid: u32, addrs: &[u64]) -> Vec<Option<Sym>>;
}

/// The addresses a set of values needs symbolized, by source.
#[derive(Default)]
struct Wanted {
    kernel: BTreeSet<u64>,
    user: HashMap<u32, BTreeSet<u64>>,
}

impl Wanted {
    fn add(&mut self, kernel: bool, pid: u32, addr: u64) {
        if kernel {
            self.kernel.insert(addr);
        } else {
            self.user.entry(pid).or_default().insert(addr);
        }
    }

    fn collect(&mut self, v: &Value) {
        match v {
            Value::Stack(s) if s.mode != ir::StackMode::Raw => {
                for f in s.frames.iter().filter(|f| f.sym.is_none()) {
                    self.add(s.kernel, s.pid, f.addr);
                }
            }
            Value::Symbol(s) if s.sym.is_none() => self.add(s.kernel, s.pid, s.addr),
            Value::Tuple(items) | Value::Array(items) => items.iter().for_each(|i| self.collect(i)),
            Value::Record(fields) => fields.iter().for_each(|(_, f)| self.collect(f)),
            _ => {}
        }
    }

    fn is_empty(&self) -> bool {
        self.kernel.is_empty() && self.user.is_empty()
    }
}

/// The symbols found, by (kernel, pid, address).
struct Found(HashMap<(bool, u32, u64), Sym>);

impl Found {
    fn lookup(wanted: Wanted, s: &mut dyn Symbolizer) -> Found {
        let mut found = HashMap::new();
        let mut take = |kernel: bool, pid: u32, addrs: Vec<u64>, syms: Vec<Option<Sym>>| {
            for (a, sym) in addrs.into_iter().zip(syms) {
                if let Some(sym) = sym {
                    found.insert((kernel, pid, a), sym);
                }
            }
        };
        if !wanted.kernel.is_empty() {
            let addrs: Vec<u64> = wanted.kernel.into_iter().collect();
            let syms = s.kernel(&addrs);
            take(true, 0, addrs, syms);
        }
        for (pid, addrs) in wanted.user {
            let addrs: Vec<u64> = addrs.into_iter().collect();
            let syms = s.user(pid, &addrs);
            take(false, pid, addrs, syms);
        }
        Found(found)
    }

    fn get(&self, kernel: bool, pid: u32, addr: u64) -> Option<Sym> {
        let pid = if kernel { 0 } else { pid };
        self.0.get(&(kernel, pid, addr)).cloned()
    }

    fn fill(&self, v: &mut Value) {
        match v {
            Value::Stack(s) if s.mode != ir::StackMode::Raw => {
                for f in s.frames.iter_mut().filter(|f| f.sym.is_none()) {
                    f.sym = self.get(s.kernel, s.pid, f.addr);
                }
            }
            Value::Symbol(s) if s.sym.is_none() => s.sym = self.get(s.kernel, s.pid, s.addr),
            Value::Tuple(items) | Value::Array(items) => {
                items.iter_mut().for_each(|i| self.fill(i))
            }
            Value::Record(fields) => fields.iter_mut().for_each(|(_, f)| self.fill(f)),
            _ => {}
        }
    }
}

/// Symbolizes every stack frame and symbol value in `values` (one lookup per source).
pub fn resolve_values(values: &mut [Value], s: &mut dyn Symbolizer) {
    let mut wanted = Wanted::default();
    values.iter().for_each(|v| wanted.collect(v));
    if wanted.is_empty() {
        return;
    }
    let found = Found::lookup(wanted, s);
    values.iter_mut().for_each(|v| found.fill(v));
}

/// Symbolizes the keys and values of a map snapshot (one lookup per source for the whole map).
pub fn resolve_snapshot(snap: &mut MapSnapshot, s: &mut dyn Symbolizer) {
    let mut wanted = Wanted::default();
    for_each_value(snap, &mut |v| wanted.collect(v));
    if wanted.is_empty() {
        return;
    }
    let found = Found::lookup(wanted, s);
    for_each_value_mut(snap, &mut |v| found.fill(v));
}

fn for_each_value(snap: &MapSnapshot, f: &mut dyn FnMut(&Value)) {
    let keys = |k: &Option<Value>, f: &mut dyn FnMut(&Value)| {
        if let Some(k) = k {
            f(k);
        }
    };
    match &snap.entries {
        MapEntries::Values { entries, .. } => {
            for (k, v) in entries {
                keys(k, f);
                f(v);
            }
        }
        MapEntries::Avg(e) | MapEntries::Stats(e) => e.iter().for_each(|(k, _)| keys(k, f)),
        MapEntries::Hist { entries, .. } | MapEntries::Lhist { entries, .. } => {
            entries.iter().for_each(|(k, _)| keys(k, f))
        }
        MapEntries::Dist(e) => e.iter().for_each(|(k, _)| keys(k, f)),
        MapEntries::Stddev(e) => e.iter().for_each(|(k, _)| keys(k, f)),
        MapEntries::Tseries { entries, .. } => entries.iter().for_each(|(k, _)| keys(k, f)),
    }
}

fn for_each_value_mut(snap: &mut MapSnapshot, f: &mut dyn FnMut(&mut Value)) {
    match &mut snap.entries {
        MapEntries::Values { entries, .. } => {
            for (k, v) in entries {
                if let Some(k) = k {
                    f(k);
                }
                f(v);
            }
        }
        MapEntries::Avg(e) | MapEntries::Stats(e) => {
            e.iter_mut().filter_map(|(k, _)| k.as_mut()).for_each(f)
        }
        MapEntries::Hist { entries, .. } | MapEntries::Lhist { entries, .. } => entries
            .iter_mut()
            .filter_map(|(k, _)| k.as_mut())
            .for_each(f),
        MapEntries::Dist(e) => e.iter_mut().filter_map(|(k, _)| k.as_mut()).for_each(f),
        MapEntries::Stddev(e) => e.iter_mut().filter_map(|(k, _)| k.as_mut()).for_each(f),
        MapEntries::Tseries { entries, .. } => entries
            .iter_mut()
            .filter_map(|(k, _)| k.as_mut())
            .for_each(f),
    }
}

thread_local! {
    /// The run's symbolizer (runs print from one thread; created empty, filled on first use).
    static SYSTEM: std::cell::RefCell<BlazeSymbolizer> = std::cell::RefCell::new(BlazeSymbolizer::new());
}

/// [`resolve_values`] with the system's symbols ([`BlazeSymbolizer`], kept for the whole run).
pub fn resolve_values_system(values: &mut [Value]) {
    SYSTEM.with(|s| resolve_values(values, &mut *s.borrow_mut()));
}

/// [`resolve_snapshot`] with the system's symbols ([`BlazeSymbolizer`], kept for the whole run).
pub fn resolve_snapshot_system(snap: &mut MapSnapshot) {
    SYSTEM.with(|s| resolve_snapshot(snap, &mut *s.borrow_mut()));
}

/// Symbolizes with `blazesym`: kernel addresses through `/proc/kallsyms` (no vmlinux search, no
/// debug information), user addresses through the process's memory map and the ELF symbols of
/// the files mapped there. The blazesym symbolizer is created on first use and caches what it
/// parsed for the rest of the run; a process that has exited leaves its addresses unknown.
#[derive(Default)]
pub struct BlazeSymbolizer {
    inner: Option<blazesym::symbolize::Symbolizer>,
}

impl BlazeSymbolizer {
    /// A symbolizer that has not read anything yet.
    pub fn new() -> BlazeSymbolizer {
        BlazeSymbolizer::default()
    }

    fn symbolize(
        &mut self,
        src: &blazesym::symbolize::source::Source,
        addrs: &[u64],
    ) -> Vec<Option<Sym>> {
        use blazesym::symbolize::{Input, Symbolized};
        let symbolizer = self.inner.get_or_insert_with(|| {
            blazesym::symbolize::Symbolizer::builder()
                .enable_code_info(false)
                .enable_inlined_fns(false)
                .enable_demangling(true)
                .build()
        });
        match symbolizer.symbolize(src, Input::AbsAddr(addrs)) {
            Ok(syms) => syms
                .into_iter()
                .map(|s| match s {
                    Symbolized::Sym(sym) => Some(Sym {
                        name: sym.name.into_owned(),
                        offset: sym.offset as u64,
                        module: sym.module.map(|m| m.to_string_lossy().into_owned()),
                    }),
                    Symbolized::Unknown(_) => None,
                })
                .chain(std::iter::repeat(None))
                .take(addrs.len())
                .collect(),
            Err(_) => vec![None; addrs.len()],
        }
    }
}

impl Symbolizer for BlazeSymbolizer {
    fn kernel(&mut self, addrs: &[u64]) -> Vec<Option<Sym>> {
        use blazesym::symbolize::source::{Kernel, Source};
        use blazesym::MaybeDefault;
        let src = Source::Kernel(Kernel {
            kallsyms: MaybeDefault::Default,
            vmlinux: MaybeDefault::None,
            kaslr_offset: None,
            debug_syms: false,
            ..Kernel::default()
        });
        let mut syms = self.symbolize(&src, addrs);
        // Kernel frames print without a module.
        for s in syms.iter_mut().flatten() {
            s.module = None;
        }
        syms
    }

    fn user(&mut self, pid: u32, addrs: &[u64]) -> Vec<Option<Sym>> {
        use blazesym::symbolize::source::{Process, Source};
        if pid == 0 {
            return vec![None; addrs.len()];
        }
        let mut process = Process::new(blazesym::Pid::from(pid));
        process.debug_syms = false;
        let src = Source::Process(process);
        self.symbolize(&src, addrs)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::value::{Frame, Stack, Symbol};

    /// A fake symbol table: (start, end, name) ranges, kernel and per pid; counts lookups.
    pub(crate) struct Fake {
        pub kernel: Vec<(u64, u64, &'static str)>,
        pub user: Vec<(u32, u64, u64, &'static str, &'static str)>,
        pub calls: Vec<(bool, u32, usize)>,
    }

    impl Symbolizer for Fake {
        fn kernel(&mut self, addrs: &[u64]) -> Vec<Option<Sym>> {
            self.calls.push((true, 0, addrs.len()));
            addrs
                .iter()
                .map(|a| {
                    self.kernel
                        .iter()
                        .find(|(s, e, _)| (*s..*e).contains(a))
                        .map(|(s, _, n)| Sym {
                            name: n.to_string(),
                            offset: a - s,
                            module: None,
                        })
                })
                .collect()
        }

        fn user(&mut self, pid: u32, addrs: &[u64]) -> Vec<Option<Sym>> {
            self.calls.push((false, pid, addrs.len()));
            addrs
                .iter()
                .map(|a| {
                    self.user
                        .iter()
                        .find(|(p, s, e, _, _)| *p == pid && (*s..*e).contains(a))
                        .map(|(_, s, _, n, m)| Sym {
                            name: n.to_string(),
                            offset: a - s,
                            module: Some(m.to_string()),
                        })
                })
                .collect()
        }
    }

    fn kstack(addrs: &[u64]) -> Value {
        Value::Stack(Stack {
            kernel: true,
            mode: ir::StackMode::Bpftrace,
            pid: 0,
            frames: addrs
                .iter()
                .map(|&addr| Frame { addr, sym: None })
                .collect(),
        })
    }

    #[test]
    fn one_lookup_per_source_with_distinct_addresses() {
        let mut fake = Fake {
            kernel: vec![(0x1000, 0x1100, "vfs_read")],
            user: vec![(7, 0x400000, 0x400100, "main", "/bin/x")],
            calls: vec![],
        };
        let mut values = vec![
            kstack(&[0x1010, 0x2000]),
            Value::Tuple(vec![kstack(&[0x1010]), Value::Uint(3)]),
            Value::Symbol(Symbol {
                kernel: false,
                module: false,
                pid: 7,
                addr: 0x400004,
                sym: None,
            }),
        ];
        resolve_values(&mut values, &mut fake);
        assert_eq!(fake.calls, vec![(true, 0, 2), (false, 7, 1)]);
        let Value::Stack(s) = &values[0] else {
            panic!("not a stack")
        };
        assert_eq!(
            s.frames[0].sym,
            Some(Sym {
                name: "vfs_read".into(),
                offset: 0x10,
                module: None
            })
        );
        assert_eq!(s.frames[1].sym, None);
        let Value::Symbol(u) = &values[2] else {
            panic!("not a symbol")
        };
        assert_eq!(u.sym.as_ref().map(|s| s.name.as_str()), Some("main"));
        // Raw stacks and values without addresses ask nothing.
        let mut fake2 = Fake {
            kernel: vec![],
            user: vec![],
            calls: vec![],
        };
        let mut raw = vec![Value::Stack(Stack {
            kernel: true,
            mode: ir::StackMode::Raw,
            pid: 0,
            frames: vec![Frame { addr: 1, sym: None }],
        })];
        resolve_values(&mut raw, &mut fake2);
        resolve_values(&mut [Value::Uint(1)], &mut fake2);
        assert!(fake2.calls.is_empty());
    }

    fn fake() -> Fake {
        Fake {
            kernel: vec![
                (0xffffffff81000000, 0xffffffff81000100, "vfs_read"),
                (0xffffffff81000100, 0xffffffff81000200, "ksys_read"),
            ],
            user: vec![(42, 0x401000, 0x401100, "main", "/usr/bin/prog")],
            calls: vec![],
        }
    }

    fn le_stack(pid: u32, addrs: &[u64], limit: usize) -> Vec<u8> {
        let mut b = Vec::new();
        b.extend_from_slice(&pid.to_le_bytes());
        b.extend_from_slice(&(addrs.len() as u32).to_le_bytes());
        for i in 0..limit {
            b.extend_from_slice(&addrs.get(i).copied().unwrap_or(0).to_le_bytes());
        }
        b
    }

    fn stack_type(kernel: bool, mode: ir::StackMode, limit: u16) -> ir::Type {
        ir::Type::Stack(ir::StackType {
            kernel,
            limit,
            mode,
        })
    }

    /// Decodes `bytes` as `ty`, symbolizes with the fake table and prints it with `print()`.
    fn printed(ty: &ir::Type, bytes: &[u8]) -> String {
        let v = crate::decode::decode_value(ty, bytes, &[]).unwrap_or_else(|e| panic!("{e}"));
        let mut vs = vec![v];
        resolve_values(&mut vs, &mut fake());
        crate::output::bt_text::format_value(&vs[0])
    }

    #[test]
    fn stacks_decode_with_their_frame_count() {
        let ty = stack_type(false, ir::StackMode::Bpftrace, 4);
        assert_eq!(ty.size(), 8 + 4 * 8);
        let v = crate::decode::decode_value(&ty, &le_stack(42, &[0x401004, 0x7], 4), &[]);
        assert_eq!(
            v,
            Ok(Value::Stack(Stack {
                kernel: false,
                mode: ir::StackMode::Bpftrace,
                pid: 42,
                frames: vec![
                    Frame {
                        addr: 0x401004,
                        sym: None
                    },
                    Frame {
                        addr: 0x7,
                        sym: None
                    }
                ],
            }))
        );
        // A frame count beyond the limit is clamped; a kernel stack has no pid.
        let mut b = le_stack(9, &[1, 2], 2);
        b[4] = 200;
        let Ok(Value::Stack(s)) =
            crate::decode::decode_value(&stack_type(true, ir::StackMode::Raw, 2), &b, &[])
        else {
            panic!("not a stack")
        };
        assert_eq!((s.pid, s.frames.len()), (0, 2));
        // Truncated bytes are an error, not a panic.
        assert!(crate::decode::decode_value(&ty, &b[..10], &[]).is_err());
    }

    #[test]
    fn stack_formats_match_bpftrace() {
        let k = le_stack(0, &[0xffffffff81000010, 0xffffffff81000105, 0xdead], 3);
        assert_eq!(
            printed(&stack_type(true, ir::StackMode::Bpftrace, 3), &k),
            "\n        vfs_read+16\n        ksys_read+5\n        0xdead\n"
        );
        assert_eq!(
            printed(&stack_type(true, ir::StackMode::Perf, 3), &k),
            "\n\tffffffff81000010 vfs_read+16\n\tffffffff81000105 ksys_read+5\n\tdead 0xdead\n"
        );
        assert_eq!(
            printed(&stack_type(true, ir::StackMode::Raw, 3), &k),
            "\nffffffff81000010\nffffffff81000105\ndead\n"
        );
        let u = le_stack(42, &[0x401010, 0x9000], 2);
        assert_eq!(
            printed(&stack_type(false, ir::StackMode::Bpftrace, 2), &u),
            "\n        main+16\n        0x9000\n"
        );
        assert_eq!(
            printed(&stack_type(false, ir::StackMode::Perf, 2), &u),
            "\n\t401010 main+16 (/usr/bin/prog)\n\t9000 0x9000 ([unknown])\n"
        );
        // An empty stack is just the newline.
        assert_eq!(
            printed(
                &stack_type(true, ir::StackMode::Bpftrace, 2),
                &le_stack(0, &[], 2)
            ),
            "\n"
        );
    }

    #[test]
    fn symbols_print_names_without_offsets() {
        let sym = |kernel: bool, pid: u32, addr: u64| {
            let mut b = addr.to_le_bytes().to_vec();
            b.extend_from_slice(&pid.to_le_bytes());
            b.extend_from_slice(&[0; 4]);
            printed(
                &ir::Type::Symbol {
                    kernel,
                    module: false,
                },
                &b,
            )
        };
        assert_eq!(sym(true, 0, 0xffffffff81000105), "ksys_read");
        assert_eq!(sym(true, 0, 0x1234), "0x1234");
        assert_eq!(sym(false, 42, 0x401000), "main");
        // The same address in another process is not in its maps.
        assert_eq!(sym(false, 43, 0x401000), "0x401000");
    }

    #[test]
    fn maps_keyed_by_stacks_and_printf() {
        use crate::value::{MapEntries, MapSnapshot};
        let key = |addrs: &[u64]| {
            crate::decode::decode_value(
                &stack_type(true, ir::StackMode::Bpftrace, 2),
                &le_stack(0, addrs, 2),
                &[],
            )
            .ok()
        };
        let mut snap = MapSnapshot {
            name: "@".into(),
            keyed: true,
            entries: MapEntries::Values {
                entries: vec![
                    (
                        key(&[0xffffffff81000010, 0xffffffff81000105]),
                        Value::Uint(7),
                    ),
                    (key(&[0xffffffff81000101]), Value::Uint(3)),
                ],
                sort_by_value: true,
            },
        };
        let mut f = fake();
        resolve_snapshot(&mut snap, &mut f);
        // One kernel lookup for the whole map, each distinct address once.
        assert_eq!(f.calls, vec![(true, 0, 3)]);
        assert_eq!(
            crate::output::bt_text::format_map(&snap, 0, 1),
            "@[\n        ksys_read+1\n]: 3\n@[\n        vfs_read+16\n        ksys_read+5\n]: 7\n"
        );
        let MapEntries::Values { entries, .. } = &snap.entries else {
            panic!("not values")
        };
        let segs = ir::printf::parse_format("[%s]").unwrap_or_default();
        assert_eq!(
            crate::output::printf::format(&segs, &[entries[1].0.clone().unwrap_or(Value::Uint(0))]),
            "[\n        ksys_read+1\n]"
        );
    }
}
