//! Pairing AWS access key ids with secret access keys within one file.
//!
//! An id (`AKIA…`, `ASIA…`) is only half a credential. It becomes an
//! `aws-access-key` leak when a secret-key shape (40 base64 characters, mixed
//! case) sits within [`NEAR`] lines before or after it, or when the file
//! assigns one to an AWS secret key name anywhere (`aws_secret_access_key =`,
//! `SecretAccessKey:`); otherwise it is an `aws-key-id`. The paired secret is
//! part of that one leak, so a generic finding for the same value is dropped.
//!
//! State is bounded: the text of the last [`NEAR`] lines (first
//! [`RING_TEXT`] bytes each), generic hits of those lines that could be
//! secrets, and about [`MAX_PENDING`] ids and assignments awaiting the end of
//! the file (plus one window's worth). Beyond that, the oldest ids are settled
//! early with what is known at that point.

use crate::detect::aws_secret_shapes;
use crate::hit::{Hit, Kind};
use crate::rules::Rules;
use crate::value::fingerprint;
use crate::window::LineIndex;
use std::collections::{HashSet, VecDeque};

/// How many lines apart an id and a secret key may be.
pub const NEAR: u64 = 5;
/// Bytes of each recent line kept to look back for a secret key.
pub const RING_TEXT: usize = 4096;
/// Ids, held generic hits and assignments kept at most per file.
pub const MAX_PENDING: usize = 4096;

#[derive(Debug)]
struct PendingId {
    hit: Hit,
    near: bool,
    near_real: bool,
}

#[derive(Debug)]
struct Held {
    hit: Hit,
    consumed: bool,
}

/// Per-file pairing state; create one per file.
#[derive(Debug, Default)]
pub struct Pairing {
    /// The last lines of earlier windows: (line, first bytes).
    ring: VecDeque<(u64, String)>,
    /// Secret keys matter up to this line (an id was seen [`NEAR`] lines before).
    active_until: Option<u64>,
    ids: VecDeque<PendingId>,
    held: VecDeque<Held>,
    assigned_fallbacks: Vec<Hit>,
    assigned_any: bool,
    assigned_real: bool,
}

impl Pairing {
    /// Settles what is too far behind a window starting at `line`; call first.
    pub fn begin_window(&mut self, line: u64, out: &mut Vec<Hit>) {
        while self
            .held
            .front()
            .is_some_and(|h| h.hit.line.saturating_add(NEAR) < line)
        {
            if let Some(held) = self.held.pop_front() {
                emit_held(held, out);
            }
        }
        // Past the cap, the oldest ids are settled now with what is known
        // (a later assignment or a shape in a later window no longer counts).
        while self.ids.len() > MAX_PENDING {
            if let Some(id) = self.ids.pop_front() {
                out.push(self.settle(id));
            }
        }
    }

    /// A generic hit whose value has the shape of a secret key: held until
    /// [`NEAR`] lines have passed, in case an id pairs with it.
    pub fn hold(&mut self, hit: Hit, out: &mut Vec<Hit>) {
        if self.held.len() >= MAX_PENDING
            && let Some(oldest) = self.held.pop_front()
        {
            emit_held(oldest, out);
        }
        self.held.push_back(Held {
            hit,
            consumed: false,
        });
    }

    /// A secret key assigned to an AWS secret key name; `fallback` is the
    /// generic hit reported instead when the file has no id at all.
    pub fn assigned(&mut self, real: bool, fallback: Option<Hit>, out: &mut Vec<Hit>) {
        self.assigned_any = true;
        self.assigned_real |= real;
        if let Some(hit) = fallback {
            if self.assigned_fallbacks.len() < MAX_PENDING {
                self.assigned_fallbacks.push(hit);
            } else {
                out.push(hit);
            }
        }
    }

    /// An AWS key id (its line is `hit.line`).
    pub fn id(&mut self, hit: Hit) {
        let until = hit.line.saturating_add(NEAR);
        self.active_until = Some(self.active_until.map_or(until, |u| u.max(until)));
        self.ids.push_back(PendingId {
            hit,
            near: false,
            near_real: false,
        });
    }

    /// After the window's ids, held hits and assignments are in: looks for
    /// secret keys within [`NEAR`] lines of any id, in this window and in the
    /// remembered lines of earlier ones, then remembers this window's last lines.
    pub fn window(&mut self, rules: &Rules, text: &str, index: &LineIndex, id_lines: &[u64]) {
        let mut wanted: Vec<(u64, u64)> = id_lines
            .iter()
            .map(|l| (l.saturating_sub(NEAR), l.saturating_add(NEAR)))
            .collect();
        if let Some(until) = self.active_until.filter(|u| *u >= index.first()) {
            wanted.push((index.first(), until));
        }
        if !wanted.is_empty() {
            let mut shapes = Vec::new();
            for (line, remembered) in &self.ring {
                if wanted.iter().any(|(from, to)| (from..=to).contains(&line)) {
                    for (span, example) in aws_secret_shapes(rules, remembered) {
                        shapes.push((
                            *line,
                            fingerprint(remembered.get(span).unwrap_or_default()),
                            !example,
                        ));
                    }
                }
            }
            for (from, to) in merge(wanted, index.first(), index.last()) {
                let (Some(a), Some(b)) = (index.span(from), index.span(to)) else {
                    continue;
                };
                let Some(slice) = text.get(a.start..b.end) else {
                    continue;
                };
                for (span, example) in aws_secret_shapes(rules, slice) {
                    let line = index.line_of(a.start + span.start);
                    shapes.push((
                        line,
                        fingerprint(slice.get(span).unwrap_or_default()),
                        !example,
                    ));
                }
            }
            self.pair(shapes);
        }
        self.remember(text, index);
    }

    /// Keeps the first bytes of the window's last [`NEAR`] lines that start in it.
    fn remember(&mut self, text: &str, index: &LineIndex) {
        let from = index.last().saturating_sub(NEAR - 1).max(index.first());
        for line in from..=index.last() {
            let Some(span) = index.span(line).filter(|_| index.starts_here(line)) else {
                continue;
            };
            let mut end = span.end.min(span.start + RING_TEXT);
            while !text.is_char_boundary(end) {
                end -= 1;
            }
            if self.ring.len() >= NEAR as usize {
                self.ring.pop_front();
            }
            self.ring.push_back((
                line,
                text.get(span.start..end).unwrap_or_default().to_owned(),
            ));
        }
    }

    /// Secret-key shapes `(line, fingerprint, real)`: pairs every id with a
    /// shape within [`NEAR`] lines and consumes the generic hits of the shapes
    /// that paired. Sorted lookups keep this O(n log n) however many ids and
    /// shapes a window holds.
    fn pair(&mut self, mut shapes: Vec<(u64, String, bool)>) {
        shapes.sort_unstable_by_key(|(line, _, _)| *line);
        let Some(first_shape) = shapes.first().map(|(line, _, _)| *line) else {
            return;
        };
        // reals[j]: how many of the first j shapes are real (not examples).
        let reals: Vec<usize> = std::iter::once(0)
            .chain(shapes.iter().scan(0, |n, (_, _, real)| {
                *n += usize::from(*real);
                Some(*n)
            }))
            .collect();
        for id in self.ids.iter_mut().rev() {
            if id.hit.line.saturating_add(NEAR) < first_shape {
                break;
            }
            let from = shapes.partition_point(|(l, _, _)| l.saturating_add(NEAR) < id.hit.line);
            let to = shapes.partition_point(|(l, _, _)| *l <= id.hit.line.saturating_add(NEAR));
            if from < to {
                id.near = true;
                id.near_real |= reals
                    .get(to)
                    .zip(reals.get(from))
                    .is_some_and(|(t, f)| t > f);
            }
        }
        let paired: HashSet<(u64, &str)> = shapes
            .iter()
            .filter(|(line, _, _)| {
                let next = self
                    .ids
                    .partition_point(|i| i.hit.line.saturating_add(NEAR) < *line);
                self.ids
                    .get(next)
                    .is_some_and(|i| i.hit.line <= line.saturating_add(NEAR))
            })
            .map(|(line, fp, _)| (*line, fp.as_str()))
            .collect();
        if !paired.is_empty() {
            for held in &mut self.held {
                if paired.contains(&(held.hit.line, held.hit.fingerprint.as_str())) {
                    held.consumed = true;
                }
            }
        }
    }

    fn settle(&self, id: PendingId) -> Hit {
        let mut hit = id.hit;
        if id.near || self.assigned_any {
            let real_secret = id.near_real || self.assigned_real;
            hit.kind = Kind::AwsAccessKey;
            hit.example = hit.example && !real_secret;
        }
        hit
    }

    /// End of file: everything still pending is reported.
    pub fn finish(mut self, out: &mut Vec<Hit>) {
        for held in std::mem::take(&mut self.held) {
            emit_held(held, out);
        }
        if self.ids.is_empty() {
            out.append(&mut self.assigned_fallbacks);
        }
        for id in std::mem::take(&mut self.ids) {
            out.push(self.settle(id));
        }
    }
}

/// Line intervals clamped to `[first, last]`, sorted and merged.
fn merge(mut wanted: Vec<(u64, u64)>, first: u64, last: u64) -> Vec<(u64, u64)> {
    wanted.sort_unstable();
    let mut merged: Vec<(u64, u64)> = Vec::new();
    for (from, to) in wanted {
        let (from, to) = (from.max(first), to.min(last));
        if from > to {
            continue;
        }
        match merged.last_mut() {
            Some(prev) if from <= prev.1.saturating_add(1) => prev.1 = prev.1.max(to),
            _ => merged.push((from, to)),
        }
    }
    merged
}

fn emit_held(held: Held, out: &mut Vec<Hit>) {
    if !held.consumed {
        out.push(held.hit);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const ID: &str = "AKIAZ7Q2LW8KD0PVB7XM";
    const SECRET: &str = "Zx9q2Lw8Kd0pVb7Xm4Rt6Yu1Io3Pa5Sd7Fg9Hj2K";

    /// Feeds `windows` (each a list of lines) and returns the settled hits.
    fn run(windows: &[&[&str]]) -> Vec<Hit> {
        let rules = Rules::new().unwrap();
        let mut p = Pairing::default();
        let mut out = Vec::new();
        let mut index = LineIndex::default();
        let mut line = 1;
        for lines in windows {
            let text: String = lines.iter().map(|l| format!("{l}\n")).collect();
            index.reset(&text, line, false);
            p.begin_window(line, &mut out);
            let mut ids = Vec::new();
            for (i, l) in lines.iter().enumerate() {
                if let Some(pos) = l.find(ID) {
                    let n = line + i as u64;
                    p.id(Hit::new(Kind::AwsKeyId, n, &l[pos..pos + 20], false, ""));
                    ids.push(n);
                }
            }
            p.window(&rules, &text, &index, &ids);
            line += lines.len() as u64;
        }
        p.finish(&mut out);
        out
    }

    fn kinds(hits: &[Hit]) -> Vec<Kind> {
        hits.iter().map(|h| h.kind).collect()
    }

    #[test]
    fn id_with_secret_after_or_before_is_a_pair_across_windows() {
        let id = format!("id={ID}");
        let sk = format!("sk={SECRET}");
        assert_eq!(kinds(&run(&[&[&id, "x", &sk]])), vec![Kind::AwsAccessKey]);
        assert_eq!(
            kinds(&run(&[&[&sk], &["x", &id]])),
            vec![Kind::AwsAccessKey]
        );
        assert_eq!(
            kinds(&run(&[&[&id], &["x"], &[&sk]])),
            vec![Kind::AwsAccessKey]
        );
    }

    #[test]
    fn id_far_from_secret_is_alone() {
        let id = format!("id={ID}");
        let far = run(&[&[&id, "1", "2", "3", "4", "5"], &["6", SECRET]]);
        assert_eq!(kinds(&far), vec![Kind::AwsKeyId]);
    }

    #[test]
    fn assignment_anywhere_pairs_and_consumes_its_fallback() {
        let rules = Rules::new().unwrap();
        let mut p = Pairing::default();
        let mut out = Vec::new();
        p.assigned(
            true,
            Some(Hit::new(Kind::GenericSecret, 1, SECRET, false, "k")),
            &mut out,
        );
        p.begin_window(40, &mut out);
        p.id(Hit::new(Kind::AwsKeyId, 40, ID, false, ""));
        let mut index = LineIndex::default();
        index.reset("x\n", 40, false);
        p.window(&rules, "x\n", &index, &[40]);
        p.finish(&mut out);
        assert_eq!(kinds(&out), vec![Kind::AwsAccessKey]);
    }

    #[test]
    fn held_generic_is_consumed_by_a_pair_and_kept_otherwise() {
        let rules = Rules::new().unwrap();
        let mut p = Pairing::default();
        let mut out = Vec::new();
        let mut index = LineIndex::default();
        let first = format!("k={SECRET}\n");
        index.reset(&first, 1, false);
        p.begin_window(1, &mut out);
        p.hold(
            Hit::new(Kind::GenericSecret, 1, SECRET, false, "k"),
            &mut out,
        );
        p.window(&rules, &first, &index, &[]);
        let second = format!("{ID}\n");
        index.reset(&second, 2, false);
        p.begin_window(2, &mut out);
        p.id(Hit::new(Kind::AwsKeyId, 2, ID, false, ""));
        p.window(&rules, &second, &index, &[2]);
        p.finish(&mut out);
        assert_eq!(kinds(&out), vec![Kind::AwsAccessKey]);

        let mut alone = Pairing::default();
        let mut out = Vec::new();
        alone.hold(
            Hit::new(Kind::GenericSecret, 1, SECRET, false, "k"),
            &mut out,
        );
        alone.finish(&mut out);
        assert_eq!(kinds(&out), vec![Kind::GenericSecret]);
    }

    #[test]
    fn intervals_merge_and_clamp() {
        assert_eq!(
            merge(vec![(8, 12), (1, 3), (2, 6), (20, 30)], 2, 25),
            vec![(2, 6), (8, 12), (20, 25)]
        );
    }
}
