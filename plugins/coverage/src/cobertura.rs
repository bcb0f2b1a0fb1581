//! Cobertura XML: `<coverage>` → `<packages>` → `<package>` → `<classes>` → `<class filename>`
//! → `<lines>` → `<line number hits [branch condition-coverage]>`.
//!
//! Writers repeat each line under `<methods>/<method>/<lines>` as well, and istanbul adds
//! method-declaration lines there that are absent from the class's own `<lines>`; so a
//! class's own `<lines>` are used, and its method lines only when it has no own lines
//! (Swift's writer puts lines under methods only). Several classes of one file (inner
//! classes, partial classes) merge by line number. Branches come from `condition-coverage`
//! (`"50% (1/2)"`). The root's `lines-valid`/`branches-valid` attributes are used only when
//! the report has no line-level data for that metric. This module keeps counts only.

use std::collections::BTreeMap;

use quick_xml::events::BytesStart;

use crate::model::{Counts, Coverage};
use crate::xml::Ctx;

/// The line data of the class being read.
#[derive(Debug, Default)]
struct Class {
    path: String,
    depth: usize,
    own: BTreeMap<u32, (bool, Option<Counts>)>,
    in_methods: BTreeMap<u32, (bool, Option<Counts>)>,
}

/// Cobertura reading state.
#[derive(Debug, Default)]
pub(crate) struct Cobertura {
    coverage: Coverage,
    root_lines: Option<Counts>,
    root_branches: Option<Counts>,
    class: Option<Class>,
    open_methods: usize,
    clover: bool,
}

impl Cobertura {
    pub(crate) fn open(
        &mut self,
        ctx: &Ctx<'_>,
        element: &BytesStart<'_>,
        depth: usize,
    ) -> Result<(), crate::error::ParseError> {
        match element.local_name().as_ref() {
            b"coverage" if depth == 0 => {
                self.clover = ctx.attr(element, "clover")?.is_some();
                self.root_lines = pair(
                    ctx.count(element, "lines-valid")?,
                    ctx.count(element, "lines-covered")?,
                );
                self.root_branches = pair(
                    ctx.count(element, "branches-valid")?,
                    ctx.count(element, "branches-covered")?,
                );
            }
            b"class" => {
                if self.class.is_some() {
                    return Err(ctx.invalid("`<class>` inside another `<class>`".into()));
                }
                let path = match ctx.attr(element, "filename")? {
                    Some(filename) => filename.into_owned(),
                    None => ctx
                        .attr(element, "name")?
                        .ok_or_else(|| {
                            ctx.invalid("`<class>` has neither `filename` nor `name`".into())
                        })?
                        .into_owned(),
                };
                self.class = Some(Class {
                    path,
                    depth,
                    ..Class::default()
                });
                self.open_methods = 0;
            }
            b"project" if depth == 1 => self.clover = true,
            b"method" if self.class.is_some() => self.open_methods += 1,
            b"line" => {
                let in_method = self.open_methods > 0;
                let Some(class) = self.class.as_mut() else {
                    return Ok(());
                };
                let number = ctx.line_number(element, "number")?;
                let covered = ctx.count(element, "hits")?.unwrap_or(0) > 0;
                let branches = ctx
                    .attr(element, "condition-coverage")?
                    .and_then(|text| condition_coverage(&text));
                let lines = if in_method {
                    &mut class.in_methods
                } else {
                    &mut class.own
                };
                let entry = lines.entry(number).or_insert((false, None));
                entry.0 |= covered;
                entry.1 = match (entry.1, branches) {
                    (Some(a), Some(b)) => {
                        Some(Counts::new(a.total.max(b.total), a.covered.max(b.covered)))
                    }
                    (a, b) => a.or(b),
                };
            }
            _ => {}
        }
        Ok(())
    }

    pub(crate) fn close(&mut self, name: &[u8], depth: usize) {
        match name {
            b"method" => self.open_methods = self.open_methods.saturating_sub(1),
            b"class" if self.class.as_ref().is_some_and(|c| c.depth == depth) => {
                if let Some(class) = self.class.take() {
                    self.flush(class);
                }
            }
            _ => {}
        }
    }

    fn flush(&mut self, class: Class) {
        let file = self.coverage.file_mut(&class.path);
        let lines = if class.own.is_empty() {
            class.in_methods
        } else {
            class.own
        };
        for (number, (covered, branches)) in lines {
            file.add_line(number, covered);
            if let Some(branches) = branches {
                file.add_branches(number, branches);
            }
        }
    }

    /// The report read, or `None` for a Clover report (root `<coverage clover=…>` with a
    /// `<project>` child), which shares Cobertura's root name but not its structure.
    pub(crate) fn finish(mut self) -> Option<Coverage> {
        if self.clover && self.coverage.files.is_empty() {
            return None;
        }
        if let Some(class) = self.class.take() {
            self.flush(class);
        }
        if !self.coverage.has_line_data() {
            self.coverage.unattributed_lines = self.root_lines.unwrap_or_default();
        }
        if !self.coverage.has_branch_data() {
            self.coverage.unattributed_branches = self.root_branches.unwrap_or_default();
        }
        Some(self.coverage)
    }
}

fn pair(total: Option<u64>, covered: Option<u64>) -> Option<Counts> {
    Some(Counts::new(total?, covered?))
}

/// Parses `condition-coverage="50% (1/2)"` into 2 branches, 1 covered.
fn condition_coverage(text: &str) -> Option<Counts> {
    let inner = text.split_once('(')?.1.split_once(')')?.0;
    let (covered, total) = inner.split_once('/')?;
    Some(Counts::new(
        total.trim().parse().ok()?,
        covered.trim().parse().ok()?,
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn condition_coverage_is_parsed() {
        assert_eq!(condition_coverage("50% (1/2)"), Some(Counts::new(2, 1)));
        assert_eq!(condition_coverage("100% (4/4)"), Some(Counts::new(4, 4)));
        assert_eq!(condition_coverage("50%"), None);
        assert_eq!(condition_coverage("(x/2)"), None);
    }
}
