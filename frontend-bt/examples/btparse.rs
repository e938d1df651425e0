//! Parses a bpftrace file and prints its AST and diagnostics: `cargo run -p frontend-bt --example btparse FILE`.

fn main() {
    let Some(path) = std::env::args().nth(1) else {
        eprintln!("usage: btparse FILE");
        std::process::exit(2);
    };
    let text = match std::fs::read_to_string(&path) {
        Ok(t) => t,
        Err(e) => {
            eprintln!("{path}: {e}");
            std::process::exit(2);
        }
    };
    let file = ir::span::SourceFile::new(path, text);
    let (program, diags) = frontend_bt::parse_program(&file);
    if let Some(p) = program {
        println!("{p:#?}");
    }
    eprint!("{}", ir::diag::render_all(&file, &diags));
}
