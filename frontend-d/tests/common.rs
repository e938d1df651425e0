//! Helpers shared by the corpus tests.

use std::path::{Path, PathBuf};

/// `corpus/d/<sub>` in the workspace.
pub fn corpus_dir(sub: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("..")
        .join("corpus")
        .join("d")
        .join(sub)
}

/// Every `*.d` file directly in `dir`, sorted.
pub fn d_files(dir: &Path) -> Vec<PathBuf> {
    let mut out: Vec<PathBuf> = std::fs::read_dir(dir)
        .map(|rd| rd.filter_map(|e| e.ok().map(|e| e.path())).collect())
        .unwrap_or_default();
    out.retain(|p| p.extension().is_some_and(|e| e == "d"));
    out.sort();
    out
}
