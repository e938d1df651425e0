//! Parses D scripts and prints their diagnostics (or, with `--ast`, their AST).
//!
//! `cargo run -p frontend-d --example dparse -- [--ast] file.d...`

fn main() {
    let mut show_ast = false;
    let mut status = 0;
    for arg in std::env::args().skip(1) {
        if arg == "--ast" {
            show_ast = true;
            continue;
        }
        let text = match std::fs::read_to_string(&arg) {
            Ok(t) => t,
            Err(e) => {
                eprintln!("{arg}: {e}");
                status = 1;
                continue;
            }
        };
        let file = ir::span::SourceFile::new(arg.clone(), text);
        let (program, diags) = frontend_d::parse_program(&file);
        if !diags.is_empty() {
            status = 1;
        }
        eprint!("{}", ir::diag::render_all(&file, &diags));
        if show_ast {
            println!("{program:#?}");
        }
    }
    std::process::exit(status);
}
