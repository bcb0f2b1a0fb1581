//! Writes a large synthetic SARIF 2.1.0 log and the counts the plugin must report for it.
//!
//! Shared by the ignored large-file test and the `sarif_facts` example (`--generate`). Two
//! runs: the first lists its tool before its results, the second after them, so both orders
//! are exercised. Each result carries a code flow as padding the parser has to skip.

use std::io::{self, Write};

/// The counts expected for a generated log.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Expected {
    pub results: u64,
    pub open: u64,
    pub suppressed: u64,
    pub errors: u64,
    pub warnings: u64,
    pub notes: u64,
    pub critical: u64,
    pub high: u64,
    pub medium: u64,
    pub low: u64,
    pub error_high: u64,
    pub new: u64,
}

const RULES: u64 = 50;

struct Counting<W> {
    inner: W,
    written: u64,
}

impl<W: Write> Write for Counting<W> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let n = self.inner.write(buf)?;
        self.written += n as u64;
        Ok(n)
    }
    fn flush(&mut self) -> io::Result<()> {
        self.inner.flush()
    }
}

fn rule_level(rule: u64) -> &'static str {
    match rule % 3 {
        0 => "error",
        1 => "warning",
        _ => "note",
    }
}

fn rule_score(rule: u64) -> Option<f64> {
    match rule % 5 {
        0 => Some(9.5),
        1 => Some(7.5),
        2 => Some(5.0),
        3 => Some(1.0),
        _ => None,
    }
}

fn tool(out: &mut impl Write, run: u64) -> io::Result<()> {
    write!(out, r#""tool":{{"driver":{{"name":"synth-{run}","rules":["#)?;
    for rule in 0..RULES {
        if rule > 0 {
            out.write_all(b",")?;
        }
        write!(
            out,
            r#"{{"id":"SYN{rule:03}","defaultConfiguration":{{"level":"{}"}},"help":{{"text":"{}"}}"#,
            rule_level(rule),
            "Explains the rule at some length. ".repeat(8)
        )?;
        if let Some(score) = rule_score(rule) {
            write!(out, r#","properties":{{"security-severity":"{score:.1}"}}"#)?;
        }
        out.write_all(b"}")?;
    }
    out.write_all(b"]}}")
}

/// Writes one result and updates `expected`.
fn result(out: &mut impl Write, index: u64, expected: &mut Expected) -> io::Result<()> {
    let rule = index % RULES;
    let level = match index % 4 {
        0 => Some("error"),
        1 => Some("warning"),
        2 => None,
        _ => Some("note"),
    };
    write!(out, r#"{{"ruleId":"SYN{rule:03}","ruleIndex":{rule},"#)?;
    if let Some(level) = level {
        write!(out, r#""level":"{level}","#)?;
    }
    write!(
        out,
        r#""message":{{"text":"Synthetic finding number {index} with \"quotes\" and unicode \u00e9 in its text."}},"locations":[{{"physicalLocation":{{"artifactLocation":{{"uri":"src/module_{}/file_{}.py"}},"region":{{"startLine":{},"snippet":{{"text":"value = compute({index})"}}}}}}}}],"#,
        index % 97,
        index % 1013,
        index % 500 + 1
    )?;
    let suppressed = index % 10 == 9;
    if suppressed {
        out.write_all(br#""suppressions":[{"kind":"inSource"}],"#)?;
    } else if index % 10 == 8 {
        out.write_all(br#""suppressions":[{"kind":"external","status":"underReview"}],"#)?;
    }
    let new = index.is_multiple_of(7);
    out.write_all(if new {
        br#""baselineState":"new","#
    } else {
        br#""baselineState":"unchanged","#
    })?;
    out.write_all(br#""codeFlows":[{"threadFlows":[{"locations":["#)?;
    for step in 0..6 {
        if step > 0 {
            out.write_all(b",")?;
        }
        write!(
            out,
            r#"{{"location":{{"physicalLocation":{{"artifactLocation":{{"uri":"src/flow/step_{step}.py"}},"region":{{"startLine":{step},"startColumn":4}}}},"message":{{"text":"tainted value flows through step {step}"}}}}}}"#
        )?;
    }
    out.write_all(
        b"]}]}],\"partialFingerprints\":{\"primaryLocationLineHash\":\"0123456789abcdef:1\"}}",
    )?;

    expected.results += 1;
    if suppressed {
        expected.suppressed += 1;
        return Ok(());
    }
    expected.open += 1;
    let effective = level.unwrap_or_else(|| rule_level(rule));
    match effective {
        "error" => expected.errors += 1,
        "warning" => expected.warnings += 1,
        _ => expected.notes += 1,
    }
    let bucket = match rule_score(rule) {
        Some(score) if score >= 9.0 => "critical",
        Some(score) if score >= 7.0 => "high",
        Some(score) if score >= 4.0 => "medium",
        Some(_) => "low",
        None => match effective {
            "error" => "high",
            "warning" => "medium",
            _ => "low",
        },
    };
    match bucket {
        "critical" => expected.critical += 1,
        "high" => expected.high += 1,
        "medium" => expected.medium += 1,
        _ => expected.low += 1,
    }
    if effective == "error" && (bucket == "critical" || bucket == "high") {
        expected.error_high += 1;
    }
    if new {
        expected.new += 1;
    }
    Ok(())
}

/// Writes a log of about `target_bytes` bytes to `out`.
pub fn write_sarif(out: impl Write, target_bytes: u64) -> io::Result<Expected> {
    let mut out = Counting {
        inner: io::BufWriter::with_capacity(1 << 20, out),
        written: 0,
    };
    let mut expected = Expected::default();
    out.write_all(b"{\"$schema\":\"https://json.schemastore.org/sarif-2.1.0.json\",\"version\":\"2.1.0\",\"runs\":[{")?;
    tool(&mut out, 1)?;
    out.write_all(b",\"results\":[")?;
    let mut index = 0u64;
    while out.written < target_bytes / 2 {
        if index > 0 {
            out.write_all(b",")?;
        }
        result(&mut out, index, &mut expected)?;
        index += 1;
    }
    out.write_all(b"]},{\"results\":[")?;
    let first = index;
    while out.written < target_bytes {
        if index > first {
            out.write_all(b",")?;
        }
        result(&mut out, index, &mut expected)?;
        index += 1;
    }
    out.write_all(b"],")?;
    tool(&mut out, 2)?;
    out.write_all(b"}]}")?;
    out.flush()?;
    Ok(expected)
}
