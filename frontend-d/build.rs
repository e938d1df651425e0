fn main() {
    // The canonical LR(1) construction: the C expression and declaration grammar is LR(1), and
    // lalrpop's lane-table construction can report spurious conflicts on it.
    std::env::set_var("LALRPOP_LANE_TABLE", "disabled");
    lalrpop::process_root().expect("lalrpop grammar failed to build");
}
