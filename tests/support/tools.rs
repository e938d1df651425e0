//! Test specifications of the tools in `corpus/tools/` and the post-processing that turns a tool's
//! system-wide output into something a test can compare exactly (see `corpus/tools/README.md`).
//!
//! A tool `NAME.bt` stays a general tool: it traces every process. Its test lives next to it in
//! `NAME.test` (harness keys and post-processing) and `NAME.out` (the expected stdout after the
//! post-processing). `NAME.test` holds `key: value` lines (`#` starts a comment line):
//!
//! | key | meaning |
//! | --- | --- |
//! | `workload`, `args`, `stop`, `exit`, `timeout`, `flags` | as in a corpus header (`tests/support/mod.rs`) |
//! | `keep: REGEX` | only stdout lines matching REGEX are compared (default: all) |
//! | `mask: NAME REGEX` | in kept lines, each capture group of each match (the whole match when the regex has no group) becomes `<NAME>`; repeatable, applied in order |
//! | `hists: check` | every hist/lhist block is checked (label sequence, column widths, bar lengths) and replaced by the line `<hist>` |
//! | `collapse: yes` | runs of identical lines (after masking) become one line (for per-interval output whose number of lines depends on timing) |
//! | `diff: yes` or `diff: no REASON` | whether bpftrace 0.17 runs the tool too (its normalised, post-processed stdout must equal `NAME.out`) |
//!
//! Hist blocks are checked before `keep` and `mask` apply.

use super::{parse_header, Header};
use regex::Regex;
use std::path::{Path, PathBuf};

/// One mask: matches of `re` are replaced by `<name>`.
#[derive(Debug)]
pub struct Mask {
    pub name: String,
    pub re: Regex,
}

/// Whether bpftrace 0.17 runs the tool as well.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Diff {
    Yes,
    No(String),
}

/// A tool and its test specification.
#[derive(Debug)]
pub struct ToolTest {
    pub name: String,
    pub tool: PathBuf,
    pub source: String,
    pub header: Header,
    pub keep: Option<Regex>,
    pub masks: Vec<Mask>,
    pub check_hists: bool,
    pub collapse: bool,
    pub diff: Diff,
    pub expected_out: Option<String>,
}

/// Parses the text of a `NAME.test` file.
pub fn parse_spec(name: &str, tool: &Path, source: &str, spec: &str) -> Result<ToolTest, String> {
    let mut header_lines = String::new();
    let mut keep = None;
    let mut masks = Vec::new();
    let mut check_hists = false;
    let mut collapse = false;
    let mut diff = None;
    for (i, line) in spec.lines().enumerate() {
        let at = format!("{name}.test:{}: ", i + 1);
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let Some((key, value)) = line.split_once(':') else {
            return Err(format!("{at}expected 'key: value'"));
        };
        let value = value.trim();
        let regex = |s: &str| Regex::new(s).map_err(|e| format!("{at}bad regex: {e}"));
        match key.trim() {
            "workload" | "args" | "stop" | "exit" | "timeout" | "flags" => {
                header_lines.push_str(&format!("// {line}\n"));
            }
            "keep" => keep = Some(regex(value)?),
            "mask" => {
                let (mname, re) = value
                    .split_once(char::is_whitespace)
                    .ok_or_else(|| format!("{at}mask needs a NAME and a REGEX"))?;
                masks.push(Mask {
                    name: mname.to_string(),
                    re: regex(re.trim())?,
                });
            }
            "hists" => {
                if value != "check" {
                    return Err(format!("{at}hists: the only value is 'check'"));
                }
                check_hists = true;
            }
            "collapse" => {
                if value != "yes" {
                    return Err(format!("{at}collapse: the only value is 'yes'"));
                }
                collapse = true;
            }
            "diff" => {
                diff = Some(match value.split_once(char::is_whitespace) {
                    None if value == "yes" => Diff::Yes,
                    Some(("no", why)) => Diff::No(why.trim().to_string()),
                    _ => return Err(format!("{at}diff must be 'yes' or 'no REASON'")),
                })
            }
            other => return Err(format!("{at}unknown key '{other}'")),
        }
    }
    let header = parse_header(&header_lines).map_err(|e| format!("{name}.test: {e}"))?;
    Ok(ToolTest {
        name: name.to_string(),
        tool: tool.to_path_buf(),
        source: source.to_string(),
        header,
        keep,
        masks,
        check_hists,
        collapse,
        diff: diff
            .ok_or_else(|| format!("{name}.test: missing 'diff: yes' or 'diff: no REASON'"))?,
        expected_out: None,
    })
}

/// Loads every `corpus/tools/NAME.bt` with its `NAME.test` and `NAME.out`, sorted by name.
/// `OXTRACE_CASES=a,b` keeps only the named tools.
pub fn load(dir: &Path) -> Vec<Result<ToolTest, (String, String)>> {
    super::selected_files(dir, &["bt"])
        .into_iter()
        .map(|(name, path)| {
            let source = std::fs::read_to_string(&path).expect("read tool");
            let Ok(spec) = std::fs::read_to_string(path.with_extension("test")) else {
                return Err((name.clone(), format!("{name}.test is missing")));
            };
            parse_spec(&name, &path, &source, &spec)
                .map(|mut t| {
                    t.expected_out = std::fs::read_to_string(path.with_extension("out")).ok();
                    t
                })
                .map_err(|e| (name, e))
        })
        .collect()
}

/// A hist/lhist bucket label as a half-open range; `None` bounds are infinite.
fn parse_label(label: &str) -> Option<(Option<i128>, Option<i128>)> {
    fn num(s: &str) -> Option<i128> {
        let s = s.trim();
        let (digits, mult) = match s.chars().last()? {
            'K' => (&s[..s.len() - 1], 1i128 << 10),
            'M' => (&s[..s.len() - 1], 1 << 20),
            'G' => (&s[..s.len() - 1], 1 << 30),
            'T' => (&s[..s.len() - 1], 1 << 40),
            'P' => (&s[..s.len() - 1], 1 << 50),
            'E' => (&s[..s.len() - 1], 1 << 60),
            _ => (s, 1),
        };
        digits.parse::<i128>().ok().map(|v| v * mult)
    }
    if let Some(rest) = label.strip_prefix("(..., ") {
        return Some((None, Some(num(rest.strip_suffix(')')?)?)));
    }
    let inner = label.strip_prefix('[')?;
    if let Some(v) = inner.strip_suffix(']') {
        let v = num(v)?;
        return Some((Some(v), Some(v + 1)));
    }
    let (lo, hi) = inner.strip_suffix(')')?.split_once(", ")?;
    let lo = num(lo)?;
    if hi == "..." {
        return Some((Some(lo), None));
    }
    Some((Some(lo), Some(num(hi)?)))
}

/// Checks one block of bucket lines; `Err` describes the first defect.
pub fn check_hist_block(lines: &[&str]) -> Result<(), String> {
    let bucket = Regex::new(r"^(.{16}) {0,7}(\d{1,8}) \|(@*) *\|$").unwrap();
    if lines.is_empty() {
        return Err("a hist header without buckets".into());
    }
    let mut rows = Vec::new();
    for l in lines {
        let c = bucket
            .captures(l)
            .ok_or_else(|| format!("not a bucket line: {l:?}"))?;
        if l.len() != 16 + 8 + 2 + 52 + 1 {
            return Err(format!("bucket line is {} columns, not 79: {l:?}", l.len()));
        }
        let label = c[1].trim_end();
        let range = parse_label(label).ok_or_else(|| format!("bad bucket label {label:?}"))?;
        let count: u64 = c[2].parse().map_err(|_| format!("bad count in {l:?}"))?;
        rows.push((label.to_string(), range, count, c[3].len()));
    }
    let max = rows.iter().map(|r| r.2).max().unwrap_or(0);
    if rows.first().is_some_and(|r| r.2 == 0) || rows.last().is_some_and(|r| r.2 == 0) {
        return Err("the first and last buckets must be non-zero".into());
    }
    for w in rows.windows(2) {
        if w[0].1 .1 != w[1].1 .0 || w[0].1 .1.is_none() {
            return Err(format!("bucket {} does not follow {}", w[1].0, w[0].0));
        }
    }
    for (label, _, count, bar) in &rows {
        let want = (*count as u128 * 52 / max as u128) as usize;
        if *bar != want {
            return Err(format!("bucket {label}: bar of {bar}, expected {want}"));
        }
    }
    Ok(())
}

/// Applies the spec's post-processing to a tool's stdout.
pub fn postprocess(t: &ToolTest, stdout: &str) -> Result<String, String> {
    let header = Regex::new(r"^@[A-Za-z0-9_]*(\[.*\])?:$").unwrap();
    let is_bucket = |l: &str| l.starts_with(['[', '(']) && l.ends_with('|');
    let lines: Vec<&str> = stdout.lines().collect();
    let mut kept = Vec::new();
    let mut i = 0;
    while i < lines.len() {
        let line = lines[i];
        if t.check_hists && header.is_match(line) && lines.get(i + 1).is_some_and(|l| is_bucket(l))
        {
            let start = i + 1;
            let mut end = start;
            while end < lines.len() && is_bucket(lines[end]) {
                end += 1;
            }
            check_hist_block(&lines[start..end]).map_err(|e| format!("{line} {e}"))?;
            kept.push(line.to_string());
            kept.push("<hist>".to_string());
            i = end;
            continue;
        }
        if t.keep.as_ref().is_none_or(|k| k.is_match(line)) {
            let mut l = line.to_string();
            for m in &t.masks {
                l = mask(&m.re, &m.name, &l);
            }
            if !(t.collapse && kept.last() == Some(&l)) {
                kept.push(l);
            }
        }
        i += 1;
    }
    Ok(kept.into_iter().map(|l| l + "\n").collect())
}

/// Replaces each capture group (or the whole match) of `re` in `line` by `<name>`. The padding
/// that follows a masked value (left-aligned columns) shrinks to one space, so the result does
/// not depend on the masked value's width.
fn mask(re: &Regex, name: &str, line: &str) -> String {
    let mut out = String::new();
    let mut last = 0;
    for c in re.captures_iter(line) {
        let groups: Vec<_> = if c.len() > 1 {
            c.iter().skip(1).flatten().collect()
        } else {
            c.get(0).into_iter().collect()
        };
        for g in groups {
            if g.start() < last {
                continue;
            }
            out.push_str(&line[last..g.start()]);
            out.push_str(&format!("<{name}>"));
            last = g.end();
            let pad = line[last..].len() - line[last..].trim_start_matches(' ').len();
            if pad > 0 && last + pad < line.len() {
                out.push(' ');
                last += pad;
            }
        }
    }
    out.push_str(&line[last..]);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spec(text: &str) -> ToolTest {
        parse_spec("t", Path::new("t.bt"), "", text).unwrap()
    }

    #[test]
    fn keep_and_mask() {
        let t = spec("keep: ^PID|oxtwl\nmask: PID ^(\\d+)\nmask: N n=(\\d+) m=(\\d+)\ndiff: yes\n");
        let out = "PID COMM\n12 bash\n345 oxtwl n=1 m=22\n";
        assert_eq!(
            postprocess(&t, out).unwrap(),
            "PID COMM\n<PID> oxtwl n=<N> m=<N>\n"
        );
    }

    #[test]
    fn collapse_runs() {
        let t = spec("collapse: yes\nmask: N (\\d+)\ndiff: yes\n");
        assert_eq!(
            postprocess(&t, "a 1\na 22\nb 3\na 4\n").unwrap(),
            "a <N>\nb <N>\na <N>\n"
        );
    }

    #[test]
    fn spec_errors() {
        let p = |s: &str| parse_spec("t", Path::new("t.bt"), "", s);
        assert!(p("keep: x\n").is_err(), "diff is required");
        assert!(p("kepe: x\ndiff: yes\n").is_err());
        assert!(p("mask: onlyname\ndiff: yes\n").is_err());
        assert!(p("stop: later\ndiff: yes\n").is_err());
        assert!(p("diff: no\n").is_err(), "a reason is required");
        assert_eq!(
            p("diff: no needs has_key\n").unwrap().diff,
            Diff::No("needs has_key".into())
        );
    }

    #[test]
    fn hist_blocks_are_checked() {
        let t = spec("hists: check\ndiff: yes\n");
        let bar = |n: usize| format!("|{:<52}|", "@".repeat(n));
        let good = format!(
            "@usecs:\n{:<16}{:>8} {}\n{:<16}{:>8} {}\n{:<16}{:>8} {}\n\nafter\n",
            "[512, 1K)",
            2,
            bar(52),
            "[1K, 2K)",
            0,
            bar(0),
            "[2K, 4K)",
            1,
            bar(26)
        );
        assert_eq!(
            postprocess(&t, &good).unwrap(),
            "@usecs:\n<hist>\n\nafter\n"
        );
        let gap = good.replace("[1K, 2K)", "[1K, 3K)");
        assert!(postprocess(&t, &gap).is_err(), "labels must be consecutive");
        let badbar = good.replace(&bar(26), &bar(25));
        assert!(postprocess(&t, &badbar).is_err(), "bars are proportional");
        let lhist = format!(
            "@l:\n{:<16}{:>8} {}\n{:<16}{:>8} {}\n{:<16}{:>8} {}\n",
            "(..., 0)",
            1,
            bar(52),
            "[0, 1)",
            1,
            bar(52),
            "[1, ...)",
            1,
            bar(52)
        );
        assert_eq!(postprocess(&t, &lhist).unwrap(), "@l:\n<hist>\n");
        let single = format!(
            "@h:\n{:<16}{:>8} {}\n{:<16}{:>8} {}\n",
            "[0]",
            3,
            bar(52),
            "[1]",
            3,
            bar(52)
        );
        assert_eq!(postprocess(&t, &single).unwrap(), "@h:\n<hist>\n");
    }
}
