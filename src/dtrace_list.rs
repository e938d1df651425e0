//! DTrace's listing and stability-report text: `dtrace -l` (`   ID   PROVIDER ... NAME` and one
//! line per probe), `-lv` (attributes and argument types after each probe), and `-v`'s
//! "Stability attributes for script X" report.

use frontend_d::catalog::{Attr, ListedProbe};

/// The `-l` header line.
pub fn header() -> String {
    format!(
        "{:>5} {:>10} {:>17} {:>33} {}\n",
        "ID", "PROVIDER", "MODULE", "FUNCTION", "NAME"
    )
}

/// One `-l` line.
pub fn probe_line(p: &ListedProbe) -> String {
    format!(
        "{:>5} {:>10} {:>17} {:>33} {}\n",
        p.id, p.provider, p.module, p.function, p.name
    )
}

fn attr_lines(title: &str, a: Attr) -> String {
    format!(
        "\n\t{title}\n\t\tIdentifier Names: {}\n\t\tData Semantics:   {}\n\t\tDependency Class: {}\n",
        a.names.name(),
        a.data.name(),
        a.class.name()
    )
}

/// `-v`'s block after a probe: description and argument attributes, then the argument types.
pub fn probe_info(desc: Attr, args: Attr, types: &[String]) -> String {
    let mut s = attr_lines("Probe Description Attributes", desc);
    s.push_str(&attr_lines("Argument Attributes", args));
    s.push_str("\n\tArgument Types\n");
    for (i, t) in types.iter().enumerate() {
        s.push_str(&format!("\t\targs[{i}]: {t}\n"));
    }
    if types.is_empty() {
        s.push_str("\t\tNone\n");
    }
    s.push('\n');
    s
}

/// `-v`'s report for one program (`kind` is `script` or `description`), without the part that
/// follows it (a newline when enabling, the statements with `-e`).
pub fn stability_report(kind: &str, name: &str, desc: Attr, stmt: Attr) -> String {
    let mut s = format!("\nStability attributes for {kind} {name}:\n");
    s.push_str(&attr_lines("Minimum Probe Description Attributes", desc));
    s.push_str(&attr_lines("Minimum Statement Attributes", stmt));
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn layout_is_dtrace_s() {
        assert_eq!(
            header(),
            "   ID   PROVIDER            MODULE                          FUNCTION NAME\n"
        );
        let begin = &frontend_d::catalog::static_probes()[0];
        assert_eq!(
            probe_line(begin),
            format!("    1     dtrace {:>17} {:>33} BEGIN\n", "", "")
        );
        let (d, a) = begin.attributes();
        assert_eq!(
            probe_info(d, a, &[]),
            "\n\tProbe Description Attributes\n\t\tIdentifier Names: Stable\n\t\tData Semantics:   Stable\n\t\tDependency Class: Common\n\
             \n\tArgument Attributes\n\t\tIdentifier Names: Stable\n\t\tData Semantics:   Stable\n\t\tDependency Class: Common\n\
             \n\tArgument Types\n\t\tNone\n\n"
        );
    }
}
