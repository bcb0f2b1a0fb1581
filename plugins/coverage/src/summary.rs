//! Turns merged coverage into the numbers a policy reads: totals, percentages, the weakest
//! file and the files under a threshold.
//!
//! Percentages are percent (0 to 100), not fractions, written with exactly two decimals and
//! rounded DOWN (`99.999…` is `"99.99"`), so a gate such as `line_rate >= decimal("100.00")`
//! never passes on rounding. Ratios are compared exactly (integer cross-multiplication),
//! never through the rounded text. Nothing here reads input or talks to the host.

use crate::model::{Counts, Coverage};

/// A percentage threshold in hundredths of a percent (`5000` is 50%).
pub type BasisPoints = u64;

/// The numbers reported as facts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Summary {
    /// All lines, merged across reports.
    pub lines: Counts,
    /// All branches, merged across reports.
    pub branches: Counts,
    /// Distinct source files.
    pub files: u64,
    /// The file with the lowest line rate among files with at least one line:
    /// `(path, counts)`; ties go to the path that sorts first.
    pub lowest: Option<(String, Counts)>,
    /// Files with at least one line whose line rate is below the threshold, with their counts,
    /// sorted by path.
    pub below_threshold: Vec<(String, Counts)>,
}

/// Summarises `coverage`, counting files whose line rate is below `threshold`.
pub fn summarise(coverage: &Coverage, threshold: BasisPoints) -> Summary {
    let mut lines = coverage.unattributed_lines;
    let mut branches = coverage.unattributed_branches;
    let mut lowest: Option<(String, Counts)> = None;
    let mut below_threshold = Vec::new();
    for (path, file) in &coverage.files {
        let file_lines = file.line_counts();
        lines.add(file_lines);
        branches.add(file.branch_counts());
        if file_lines.total == 0 {
            continue;
        }
        let is_lower = match &lowest {
            None => true,
            Some((_, best)) => ratio_less(file_lines, *best),
        };
        if is_lower {
            lowest = Some((path.clone(), file_lines));
        }
        if below(file_lines, threshold) {
            below_threshold.push((path.clone(), file_lines));
        }
    }
    Summary {
        lines,
        branches,
        files: coverage.files.len() as u64,
        lowest,
        below_threshold,
    }
}

/// `a.covered / a.total < b.covered / b.total`, exactly; both totals must be non-zero.
fn ratio_less(a: Counts, b: Counts) -> bool {
    u128::from(a.covered) * u128::from(b.total) < u128::from(b.covered) * u128::from(a.total)
}

/// True when the rate of `counts` (total > 0) is strictly below `threshold`.
pub fn below(counts: Counts, threshold: BasisPoints) -> bool {
    u128::from(counts.covered) * 10_000 < u128::from(threshold) * u128::from(counts.total)
}

/// `covered / total` as a percentage with two decimals, rounded down; `"0.00"` when
/// `total` is 0 (a policy tells "no data" apart by the matching `*_total` fact).
pub fn percent(counts: Counts) -> String {
    if counts.total == 0 {
        return "0.00".to_owned();
    }
    let covered = u128::from(counts.covered.min(counts.total));
    let hundredths = covered * 10_000 / u128::from(counts.total);
    format!("{}.{:02}", hundredths / 100, hundredths % 100)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percent_rounds_down_with_two_decimals() {
        assert_eq!(percent(Counts::new(0, 0)), "0.00");
        assert_eq!(percent(Counts::new(8, 7)), "87.50");
        assert_eq!(percent(Counts::new(3, 1)), "33.33");
        assert_eq!(percent(Counts::new(3, 2)), "66.66");
        assert_eq!(percent(Counts::new(100_000, 99_999)), "99.99");
        assert_eq!(percent(Counts::new(4, 4)), "100.00");
        assert_eq!(percent(Counts::new(u64::MAX, u64::MAX - 1)), "99.99");
    }

    #[test]
    fn threshold_comparison_is_exact() {
        assert!(below(Counts::new(3, 1), 5000));
        assert!(!below(Counts::new(2, 1), 5000));
        assert!(below(Counts::new(10_000, 4999), 5000));
        assert!(!below(Counts::new(1, 0), 0));
    }

    #[test]
    fn lowest_skips_files_without_lines_and_ties_go_to_first_path() {
        let mut coverage = Coverage::default();
        coverage.file_mut("empty.py");
        for (path, covered) in [("b.py", false), ("a.py", false), ("c.py", true)] {
            coverage.file_mut(path).add_line(1, covered);
        }
        let summary = summarise(&coverage, 5000);
        assert_eq!(summary.files, 4);
        assert_eq!(summary.lines, Counts::new(3, 1));
        assert_eq!(summary.lowest, Some(("a.py".to_owned(), Counts::new(1, 0))));
        assert_eq!(summary.below_threshold.len(), 2);
    }

    #[test]
    fn no_files_means_no_lowest() {
        let summary = summarise(&Coverage::default(), 5000);
        assert_eq!(summary.lowest, None);
        assert_eq!(summary.files, 0);
    }
}
