//! JaCoCo XML: `<report>` → (`<group>` →)* `<package name>` → `<sourcefile name>` →
//! `<line nr mi ci mb cb>` plus `<counter type missed covered>` summaries at every level.
//!
//! A source file's path is `<package name>/<sourcefile name>` (package names use `/`), which
//! is how JaCoCo itself locates sources. A line counts when it has instructions (`mi + ci > 0`)
//! and is covered when any ran (`ci > 0`), matching JaCoCo's own LINE counter; its branches
//! are `mb + cb`, `cb` covered. A source file without `<line>` elements (classes compiled
//! without debug information) falls back to its own LINE and BRANCH counters, and the
//! report's top-level counters are used only when there is no `<sourcefile>` at all.
//! `<class>` and `<method>` counters are ignored: they repeat the source-file data.

use quick_xml::events::BytesStart;

use crate::error::ParseError;
use crate::model::{Counts, Coverage, FileCoverage};
use crate::xml::Ctx;

/// The source file being read.
#[derive(Debug, Default)]
struct SourceFile {
    path: String,
    depth: usize,
    data: FileCoverage,
    line_counter: Counts,
    branch_counter: Counts,
}

/// JaCoCo reading state.
#[derive(Debug, Default)]
pub(crate) struct Jacoco {
    coverage: Coverage,
    package: String,
    source: Option<SourceFile>,
    saw_sourcefile: bool,
    report_lines: Counts,
    report_branches: Counts,
    saw_jacoco: bool,
}

impl Jacoco {
    pub(crate) fn open(
        &mut self,
        ctx: &Ctx<'_>,
        element: &BytesStart<'_>,
        depth: usize,
    ) -> Result<(), ParseError> {
        let name = element.local_name();
        if matches!(
            name.as_ref(),
            b"sessioninfo" | b"group" | b"package" | b"sourcefile" | b"counter"
        ) {
            self.saw_jacoco = true;
        }
        match name.as_ref() {
            b"package" => {
                self.package = ctx
                    .attr(element, "name")?
                    .map(|name| name.into_owned())
                    .unwrap_or_default();
            }
            b"sourcefile" => {
                if self.source.is_some() {
                    return Err(ctx.invalid("`<sourcefile>` inside another `<sourcefile>`".into()));
                }
                let name = ctx
                    .attr(element, "name")?
                    .ok_or_else(|| ctx.invalid("`<sourcefile>` has no `name`".into()))?;
                let path = if self.package.is_empty() {
                    name.into_owned()
                } else {
                    format!("{}/{name}", self.package)
                };
                self.saw_sourcefile = true;
                self.source = Some(SourceFile {
                    path,
                    depth,
                    ..SourceFile::default()
                });
            }
            b"line" => {
                let Some(source) = self.source.as_mut() else {
                    return Ok(());
                };
                let number = ctx.line_number(element, "nr")?;
                let missed = ctx.count(element, "mi")?.unwrap_or(0);
                let covered = ctx.count(element, "ci")?.unwrap_or(0);
                if missed.saturating_add(covered) == 0 {
                    return Ok(());
                }
                let branches_missed = ctx.count(element, "mb")?.unwrap_or(0);
                let branches_covered = ctx.count(element, "cb")?.unwrap_or(0);
                source.data.add_line(number, covered > 0);
                source.data.add_branches(
                    number,
                    Counts::new(
                        branches_missed.saturating_add(branches_covered),
                        branches_covered,
                    ),
                );
            }
            b"counter" => {
                let kind = ctx.attr(element, "type")?.unwrap_or_default();
                let missed = ctx.count(element, "missed")?.unwrap_or(0);
                let covered = ctx.count(element, "covered")?.unwrap_or(0);
                let counts = Counts::new(missed.saturating_add(covered), covered);
                let target = match &mut self.source {
                    Some(source) if source.depth + 1 == depth => {
                        Some((&mut source.line_counter, &mut source.branch_counter))
                    }
                    None if depth == 1 => Some((&mut self.report_lines, &mut self.report_branches)),
                    _ => None,
                };
                if let Some((lines, branches)) = target {
                    match kind.as_ref() {
                        "LINE" => *lines = counts,
                        "BRANCH" => *branches = counts,
                        _ => {}
                    }
                }
            }
            _ => {}
        }
        Ok(())
    }

    pub(crate) fn close(&mut self, name: &[u8], depth: usize) {
        match name {
            b"package" => self.package.clear(),
            b"sourcefile" if self.source.as_ref().is_some_and(|s| s.depth == depth) => {
                if let Some(source) = self.source.take() {
                    self.flush(source);
                }
            }
            _ => {}
        }
    }

    fn flush(&mut self, source: SourceFile) {
        let mut data = source.data;
        if data.lines.is_empty() {
            data.line_summary = source.line_counter;
            data.branch_summary = source.branch_counter;
        }
        let mut single = Coverage::default();
        *single.file_mut(&source.path) = data;
        self.coverage.merge(single);
    }

    /// The report read, or `None` when the `<report>` holds no JaCoCo element at all (other
    /// tools use the same root name).
    pub(crate) fn finish(mut self) -> Option<Coverage> {
        if !self.saw_jacoco {
            return None;
        }
        if let Some(source) = self.source.take() {
            self.flush(source);
        }
        if !self.saw_sourcefile {
            self.coverage.unattributed_lines = self.report_lines;
            self.coverage.unattributed_branches = self.report_branches;
        }
        Some(self.coverage)
    }
}
