//! Helpers shared by the corpus tests.

use std::path::{Path, PathBuf};

/// `corpus/bt` in the workspace.
pub fn corpus_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("..")
        .join("corpus")
        .join("bt")
}

/// Every `*.bt` file under `dir`, recursively, sorted.
pub fn bt_files(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        let Ok(entries) = std::fs::read_dir(&d) else {
            continue;
        };
        for entry in entries.flatten() {
            let path = entry.path();
            if path.is_dir() {
                stack.push(path);
            } else if path.extension().is_some_and(|e| e == "bt") {
                out.push(path);
            }
        }
    }
    out.sort();
    out
}
