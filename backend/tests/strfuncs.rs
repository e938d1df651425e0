//! The string, buffer and remaining BPF-side functions load (the verifier accepts their loops and
//! helper calls) and, run in BEGIN, compute what bpftrace computes: `strlen`, `strstr`, string
//! indexing, `bswap`, `buf`, constant bytes (`pton`), the text-typed values (`strerror`, `ntop`,
//! `macaddr`), the builtins `jiffies`, `numaid`, `username`, `usermode` (kprobe), and
//! `signal`/`signal_thread`.

mod common;
use common::*;
use ir::*;

fn call(func: Function, args: Vec<Expr>, ty: Type) -> Expr {
    e(ExprKind::Call { func, args }, ty)
}

fn bytes(b: &[u8]) -> Expr {
    e(
        ExprKind::Bytes(b.to_vec()),
        Type::Array {
            elem: Box::new(Type::int(8, false)),
            len: b.len() as u32,
        },
    )
}

#[test]
fn string_functions_compute_in_begin() {
    tracefs();
    let mut p = Prog::new();
    let m = p.map("@", Some(Type::U64), MapKind::Value(Type::I64));
    let s = Type::Str { size: 64 };
    let hay = cast(strlit("hello world"), s.clone());
    let results = [
        call(Function::Strlen, vec![hay.clone()], Type::U64),
        call(Function::Strlen, vec![strlit("")], Type::U64),
        call(
            Function::Strstr,
            vec![hay.clone(), strlit("world")],
            Type::I64,
        ),
        call(
            Function::Strstr,
            vec![hay.clone(), strlit("xyz")],
            Type::I64,
        ),
        call(Function::Strstr, vec![hay.clone(), strlit("")], Type::I64),
        call(
            Function::StrIndex,
            vec![hay.clone(), i64c(4)],
            Type::int(8, true),
        ),
        call(
            Function::StrIndex,
            vec![hay.clone(), i64c(1000)],
            Type::int(8, true),
        ),
        call(
            Function::Bswap,
            vec![int(0x1234_5678, Type::U32)],
            Type::U32,
        ),
        call(
            Function::Bswap,
            vec![int(0x12, Type::int(8, false))],
            Type::int(8, false),
        ),
    ];
    let body = results
        .into_iter()
        .enumerate()
        .map(|(i, r)| store(m, Some(u64c(i as u64)), cast(r, Type::I64)))
        .collect();
    p.begin(vec![], body);
    let obj = p.load();
    test_run(&obj, &abi::program_symbol(0, 0));
    let want = [11, 0, 6, -1, 0, i64::from(b'o'), 0, 0x7856_3412, 0x12];
    for (i, w) in want.iter().enumerate() {
        assert_eq!(read_i64(&obj, "m0", i as u64), Some(*w), "result {i}");
    }
}

#[test]
fn buffers_text_values_and_builtins_load() {
    tracefs();
    let mut p = Prog::new();
    let buf_t = Type::Buffer { size: 16 };
    let inet = Type::Text(TextKind::Inet);
    let mac = Type::Text(TextKind::MacAddr);
    let errno = Type::Text(TextKind::Errno);
    let user = Type::Text(TextKind::Username);
    let a = p.action(
        ActionKind::Printf {
            format: "%r %r %s %s %s %s %d %d".into(),
        },
        vec![
            buf_t.clone(),
            buf_t.clone(),
            inet.clone(),
            errno.clone(),
            user.clone(),
            mac.clone(),
            Type::U64,
            Type::U32,
        ],
    );
    let space_kernel = int(0, Type::int(8, false));
    // buf of a string value, and buf through a kernel pointer with a run-time length.
    let buf_str = call(
        Function::Buf,
        vec![strlit("abc"), u64c(3), space_kernel.clone()],
        buf_t.clone(),
    );
    let buf_ptr = call(
        Function::Buf,
        vec![
            u64c(0),
            cast(builtin(Builtin::Cpu, Type::U32), Type::U64),
            space_kernel,
        ],
        buf_t,
    );
    let v6 = tuple(vec![
        u64c(10),
        bytes(&[0xfe, 0x80, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1]),
    ]);
    let args = vec![
        buf_str,
        buf_ptr,
        cast(v6, inet),
        cast(i64c(2), errno),
        builtin(Builtin::Username, user),
        cast(bytes(&[1, 2, 3, 4, 5, 6]), mac),
        builtin(Builtin::Jiffies, Type::U64),
        builtin(Builtin::Numaid, Type::U32),
    ];
    p.begin(vec![], vec![emit(a, args)]);
    // usermode and signals in a kprobe (not run here: the kernel may lack kprobes).
    let b = p.action(
        ActionKind::Printf {
            format: "%d %d %d".into(),
        },
        vec![Type::int(8, false), Type::I64, Type::I64],
    );
    p.probe(
        AttachPoint::Kprobe {
            module: None,
            function: "do_nanosleep".into(),
            offset: 0,
        },
        vec![],
        None,
        vec![emit(
            b,
            vec![
                builtin(Builtin::Usermode, Type::int(8, false)),
                call(
                    Function::Signal { thread: false },
                    vec![int(17, Type::U32)],
                    Type::I64,
                ),
                call(
                    Function::Signal { thread: true },
                    vec![int(17, Type::U32)],
                    Type::I64,
                ),
            ],
        )],
    );
    let obj = p.load();
    test_run(&obj, &abi::program_symbol(0, 0));
}
