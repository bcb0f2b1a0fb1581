//! The format-neutral coverage model every parser fills and the merge of several reports.
//!
//! A report is a map from normalised source path to per-line data. Parsers keep line-level
//! data (`<line>` elements, `DA:`/`BRDA:` records) whenever the report has it, because the
//! summary attributes tools also write (`lines-valid`, `LF:`, JaCoCo counters) are often
//! inconsistent with the lines they summarise: coverlet counts a line twice when two methods
//! share it, istanbul's Cobertura writer drops branches it reports in LCOV, and hand-merged
//! reports keep stale totals. Summaries are used only where a report has no line data.
//!
//! # Merging several reports (a monorepo)
//!
//! Reports are merged file by file, keyed by the normalised path ([`normalise_path`]):
//!
//! - when line-level data exists for a file, lines are merged by line number taking the
//!   maximum: a line is covered if any report covers it, and a line's branches are the
//!   largest total and largest covered count any report gives for that line;
//! - a file for which no report has line-level data sums the summary counts of the reports
//!   that name it (there is no line identity to take a maximum over);
//! - line-level data always wins over summaries for the same file, so one report with lines
//!   and another with only totals do not count the file twice;
//! - counts a report gives only for itself as a whole (Cobertura root attributes, JaCoCo
//!   report counters) are added to the totals without belonging to any file.
//!
//! This module must stay pure: no I/O, no SDK calls.

use std::collections::BTreeMap;

/// A pair of counts: how many items exist and how many of them are covered.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Counts {
    /// Items that exist (lines or branches).
    pub total: u64,
    /// Items that are covered; never more than `total` once normalised.
    pub covered: u64,
}

impl Counts {
    /// Counts with `covered` clamped to `total`.
    pub fn new(total: u64, covered: u64) -> Self {
        Counts {
            total,
            covered: covered.min(total),
        }
    }

    /// Adds `other` to `self`, saturating.
    pub fn add(&mut self, other: Counts) {
        self.total = self.total.saturating_add(other.total);
        self.covered = self.covered.saturating_add(other.covered);
    }
}

/// Coverage of one source file.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FileCoverage {
    /// Line-level data: line number to "ran at least once".
    pub lines: BTreeMap<u32, bool>,
    /// Branch data per line number, meaningful when `has_branch_lines` is true.
    pub branches: BTreeMap<u32, Counts>,
    /// True when a report recorded branches line by line for this file (even zero of them).
    pub has_branch_lines: bool,
    /// Line totals from summaries, used only when `lines` is empty.
    pub line_summary: Counts,
    /// Branch totals from summaries, used only when `has_branch_lines` is false.
    pub branch_summary: Counts,
}

impl FileCoverage {
    /// Records one line: covered if this or any earlier record of it is covered.
    pub fn add_line(&mut self, number: u32, covered: bool) {
        *self.lines.entry(number).or_default() |= covered;
    }

    /// Records the branches of one line: the larger total and larger covered count win.
    pub fn add_branches(&mut self, number: u32, counts: Counts) {
        self.has_branch_lines = true;
        let entry = self.branches.entry(number).or_default();
        *entry = Counts::new(
            entry.total.max(counts.total),
            entry.covered.max(counts.covered),
        );
    }

    /// Merges another report's data for the same file (see the module docs).
    pub fn merge(&mut self, other: FileCoverage) {
        for (number, covered) in other.lines {
            self.add_line(number, covered);
        }
        for (number, counts) in other.branches {
            self.add_branches(number, counts);
        }
        self.has_branch_lines |= other.has_branch_lines;
        self.line_summary.add(other.line_summary);
        self.branch_summary.add(other.branch_summary);
    }

    /// Line counts: from line-level data when there is any, else from summaries.
    pub fn line_counts(&self) -> Counts {
        if self.lines.is_empty() {
            return self.line_summary;
        }
        let covered = self.lines.values().filter(|covered| **covered).count();
        Counts::new(self.lines.len() as u64, covered as u64)
    }

    /// Branch counts: from per-line branch data when a report gave any, else from summaries.
    pub fn branch_counts(&self) -> Counts {
        if !self.has_branch_lines {
            return self.branch_summary;
        }
        let mut counts = Counts::default();
        for branches in self.branches.values() {
            counts.add(*branches);
        }
        counts
    }
}

/// Coverage read from one or more reports, merged.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Coverage {
    /// Files by normalised path.
    pub files: BTreeMap<String, FileCoverage>,
    /// Line counts a report gives only as a whole (no file attached).
    pub unattributed_lines: Counts,
    /// Branch counts a report gives only as a whole (no file attached).
    pub unattributed_branches: Counts,
}

impl Coverage {
    /// Merges another report or merged set into this one (see the module docs).
    pub fn merge(&mut self, other: Coverage) {
        for (path, file) in other.files {
            match self.files.get_mut(&path) {
                Some(existing) => existing.merge(file),
                None => {
                    self.files.insert(path, file);
                }
            }
        }
        self.unattributed_lines.add(other.unattributed_lines);
        self.unattributed_branches.add(other.unattributed_branches);
    }

    /// The file entry for `path` (normalised here), created when missing.
    pub fn file_mut(&mut self, path: &str) -> &mut FileCoverage {
        self.files.entry(normalise_path(path)).or_default()
    }

    /// Lines the coverage covers (counted or not), per file and as a whole: what
    /// `lines_total` reports for it alone.
    pub fn lines_total(&self) -> u64 {
        self.files
            .values()
            .map(|f| f.line_counts().total)
            .fold(self.unattributed_lines.total, u64::saturating_add)
    }

    /// True when any file carries line-level data.
    pub fn has_line_data(&self) -> bool {
        self.files.values().any(|f| !f.lines.is_empty())
    }

    /// True when any line of any file carries branch data.
    pub fn has_branch_data(&self) -> bool {
        self.files.values().any(|f| f.has_branch_lines)
    }
}

/// Normalises a source path so that reports of the same project agree on keys:
/// `\` becomes `/`, leading `./` and inner `/./` are dropped, repeated `/` collapse.
/// Case and `..` are kept: they may be significant.
pub fn normalise_path(path: &str) -> String {
    let unified = path.trim().replace('\\', "/");
    let absolute = unified.starts_with('/');
    let parts: Vec<&str> = unified
        .split('/')
        .filter(|part| !part.is_empty() && *part != ".")
        .collect();
    let joined = parts.join("/");
    if absolute {
        format!("/{joined}")
    } else {
        joined
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_are_normalised() {
        assert_eq!(normalise_path(r"C:\temp\sub\a.cpp"), "C:/temp/sub/a.cpp");
        assert_eq!(normalise_path("./src//a/./b.js"), "src/a/b.js");
        assert_eq!(normalise_path("/abs//x.py"), "/abs/x.py");
        assert_eq!(normalise_path("../up/x.py"), "../up/x.py");
    }

    #[test]
    fn same_file_in_two_reports_takes_per_line_max() {
        let mut a = Coverage::default();
        a.file_mut("src/a.js").add_line(1, true);
        a.file_mut("src/a.js").add_branches(1, Counts::new(2, 1));
        a.file_mut("src/a.js").add_line(2, false);
        let mut b = Coverage::default();
        b.file_mut("./src/a.js").add_line(2, true);
        b.file_mut("src/a.js").add_line(1, false);
        b.file_mut("src/a.js").add_branches(1, Counts::new(2, 2));
        b.file_mut("src/a.js").add_line(3, false);
        a.merge(b);
        let file = &a.files["src/a.js"];
        assert_eq!(file.line_counts(), Counts::new(3, 2));
        assert_eq!(file.branch_counts(), Counts::new(2, 2));
    }

    #[test]
    fn summaries_add_up_and_lines_win() {
        let mut a = Coverage::default();
        a.file_mut("x").line_summary = Counts::new(10, 5);
        let mut b = Coverage::default();
        b.file_mut("x").line_summary = Counts::new(10, 7);
        a.merge(b.clone());
        assert_eq!(a.files["x"].line_counts(), Counts::new(20, 12));
        b.file_mut("x").add_line(1, true);
        a.merge(b);
        assert_eq!(a.files["x"].line_counts(), Counts::new(1, 1));
    }

    #[test]
    fn branch_lines_win_over_branch_summaries() {
        let mut file = FileCoverage {
            branch_summary: Counts::new(9, 9),
            ..FileCoverage::default()
        };
        assert_eq!(file.branch_counts(), Counts::new(9, 9));
        file.add_branches(4, Counts::new(0, 0));
        assert_eq!(file.branch_counts(), Counts::new(0, 0));
    }

    #[test]
    fn covered_never_exceeds_total() {
        assert_eq!(Counts::new(2, 5), Counts::new(2, 2));
        let mut file = FileCoverage::default();
        file.add_branches(1, Counts::new(1, 1));
        file.add_branches(1, Counts::new(3, 0));
        assert_eq!(file.branches[&1], Counts::new(3, 1));
    }
}
