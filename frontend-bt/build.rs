fn main() {
    // lalrpop's default lane-table construction reports spurious conflicts for this grammar (it
    // is LR(1): the expression tiers are duplicated for statement-start position); the canonical
    // LR(1) construction builds it cleanly.
    std::env::set_var("LALRPOP_LANE_TABLE", "disabled");
    lalrpop::process_root().expect("lalrpop grammar failed to build");
}
