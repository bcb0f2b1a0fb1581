//! Tests of the YAML reader: composition, typing and every hostile-input cap.

use super::*;

fn docs(text: &str) -> Result<Vec<Document>, YamlError> {
    docs_with(text, &Limits::default())
}

fn docs_with(text: &str, limits: &Limits) -> Result<Vec<Document>, YamlError> {
    let mut out = Vec::new();
    for_each_document(text.as_bytes(), limits, |d| {
        out.push(d);
        Ok::<(), YamlError>(())
    })?;
    Ok(out)
}

#[test]
fn multi_document_stream_with_empty_documents() {
    let d = docs("a: 1\n---\n---\nb: [x, y]\n").unwrap();
    assert_eq!(d.len(), 3);
    assert_eq!(d[0].root().get("a").unwrap().as_i64(), Some(1));
    assert!(d[1].root().is_null());
    let b: Vec<_> = d[2]
        .root()
        .get("b")
        .unwrap()
        .items()
        .map(|n| n.as_str().unwrap())
        .collect();
    assert_eq!(b, ["x", "y"]);
    assert_eq!(d[2].number(), 3);
    assert_eq!(d[2].root().get("b").unwrap().line(), 4);
}

#[test]
fn yaml_1_1_booleans_and_untyped_scalars() {
    let d = docs("a: on\nb: NO\nc: 'yes'\nd: !!str true\ne: 1.10\nf: ~\ng:\n").unwrap();
    let r = d[0].root();
    assert_eq!(r.get("a").unwrap().as_bool(), Some(true));
    assert_eq!(r.get("b").unwrap().as_bool(), Some(false));
    assert_eq!(r.get("c").unwrap().as_bool(), None);
    assert_eq!(r.get("c").unwrap().as_str(), Some("yes"));
    assert_eq!(r.get("d").unwrap().as_bool(), None);
    assert_eq!(r.get("e").unwrap().as_str(), Some("1.10"));
    assert!(r.get("f").unwrap().is_null());
    assert!(r.get("g").unwrap().is_null());
}

#[test]
fn integers_in_several_bases() {
    let d = docs("a: 0\nb: -5\nc: 0x1F\nd: 1_000\ne: '0'\n").unwrap();
    let r = d[0].root();
    assert_eq!(r.get("a").unwrap().as_i64(), Some(0));
    assert_eq!(r.get("b").unwrap().as_i64(), Some(-5));
    assert_eq!(r.get("c").unwrap().as_i64(), Some(31));
    assert_eq!(r.get("d").unwrap().as_i64(), Some(1000));
    assert_eq!(r.get("e").unwrap().as_i64(), None);
}

#[test]
fn merge_keys_and_aliases() {
    let text = "base: &b {x: 1, y: 2}\nother: &o {z: 3}\nm:\n  <<: [*b, *o]\n  y: 9\nn: *b\n";
    let d = docs(text).unwrap();
    let m = d[0].root().get("m").unwrap();
    let keys: Vec<_> = m
        .entries()
        .map(|(k, v)| (k.as_str().unwrap(), v.as_i64().unwrap()))
        .collect();
    assert_eq!(keys, [("y", 9), ("x", 1), ("z", 3)]);
    assert_eq!(
        d[0].root().get("n").unwrap().get("x").unwrap().as_i64(),
        Some(1)
    );
}

#[test]
fn json_is_read_with_lines() {
    let text =
        "{\n\t\"apiVersion\": \"v1\",\n  \"kind\":\"Pod\",\n  \"n\": [1, 2.5, true, null]\n}\n";
    let d = docs(text).unwrap();
    let r = d[0].root();
    assert_eq!(r.get("kind").unwrap().as_str(), Some("Pod"));
    assert_eq!(r.get("kind").unwrap().line(), 3);
    let n: Vec<_> = r.get("n").unwrap().items().collect();
    assert_eq!(n[2].as_bool(), Some(true));
    assert!(n[3].is_null());
}

#[test]
fn custom_tags_are_kept_and_ignored() {
    let d = docs("a: !Ref Thing\nb: !GetAtt X.Arn\n").unwrap();
    assert_eq!(
        d[0].root().get("a").unwrap().scalar().unwrap().2,
        Some("!Ref")
    );
    assert_eq!(d[0].root().get("a").unwrap().as_str(), Some("Thing"));
}

#[test]
fn billion_laughs_is_refused() {
    let bomb = "a: &a [\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\"]\n\
        b: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]\nc: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]\n\
        d: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c]\ne: &e [*d,*d,*d,*d,*d,*d,*d,*d,*d]\n\
        f: &f [*e,*e,*e,*e,*e,*e,*e,*e,*e]\ng: &g [*f,*f,*f,*f,*f,*f,*f,*f,*f]\n\
        h: &h [*g,*g,*g,*g,*g,*g,*g,*g,*g]\ni: &i [*h,*h,*h,*h,*h,*h,*h,*h,*h]\n";
    let err = docs(bomb).unwrap_err();
    assert!(err.to_string().contains("alias bomb"), "{err}");
    assert!(matches!(err, YamlError::Limit { document: 1, .. }));
}

#[test]
fn merge_key_bomb_is_refused() {
    let mut text = String::from("a0: &a0 {k0: 1, k1: 2, k2: 3, k3: 4}\n");
    for i in 1..40 {
        text.push_str(&format!("a{i}: &a{i} [*a{p}, *a{p}, *a{p}]\n", p = i - 1));
    }
    let err = docs(&text).unwrap_err();
    assert!(err.to_string().contains("alias bomb"), "{err}");
}

#[test]
fn recursive_alias_is_refused() {
    let err = docs("a: &a [1, *a]\n").unwrap_err();
    assert_eq!(
        err.to_string(),
        "document 1 is refused at line 1: an alias refers to its own enclosing node (a recursive alias)"
    );
}

#[test]
fn deep_nesting_is_refused_without_crashing() {
    let deep = format!("{}{}", "[".repeat(10_000), "]".repeat(10_000));
    // The scanner's own flow-level guard answers first for flow collections.
    let err = docs(&deep).unwrap_err();
    let text = err.to_string();
    assert!(
        text.contains("recursion limit") || text.contains("nesting deeper"),
        "{err}"
    );
    let block = format!("{}x\n", "- ".repeat(10_000));
    let err = docs(&block).unwrap_err();
    assert!(
        err.to_string().contains("nesting deeper than 128 levels"),
        "{err}"
    );
    let mut block = String::new();
    for i in 0..300 {
        block.push_str(&" ".repeat(i));
        block.push_str("k:\n");
    }
    let err = docs(&block).unwrap_err();
    assert!(err.to_string().contains("nesting deeper"), "{err}");
}

#[test]
fn size_caps() {
    let limits = Limits {
        max_scalar_bytes: 10,
        ..Limits::default()
    };
    let err = docs_with("a: 0123456789abc\n", &limits).unwrap_err();
    assert!(
        err.to_string().contains("scalar longer than 10 bytes"),
        "{err}"
    );
    let limits = Limits {
        max_file_bytes: 8,
        ..Limits::default()
    };
    assert_eq!(
        docs_with("a: 0123456789abc\n", &limits).unwrap_err(),
        YamlError::TooLarge(8)
    );
    let limits = Limits {
        max_nodes: 5,
        ..Limits::default()
    };
    assert!(
        docs_with("[1, 2, 3, 4, 5, 6]", &limits)
            .unwrap_err()
            .to_string()
            .contains("more than 5 nodes")
    );
    let limits = Limits {
        max_document_chars: 20,
        ..Limits::default()
    };
    let err = docs_with("a: 1\n---\nb: 0123456789012345678901234\n", &limits).unwrap_err();
    assert!(matches!(err, YamlError::Limit { document: 2, .. }), "{err}");
}

#[test]
fn malformed_inputs_have_positions() {
    let err = docs("a: [1, 2\nb: 3\n").unwrap_err();
    assert!(matches!(err, YamlError::Syntax { .. }), "{err}");
    let err = docs("spec:\n  a: 1\n  {{- toYaml .Values.x | nindent 4 }}\n").unwrap_err();
    assert!(err.to_string().contains("helm template"), "{err}");
    // `{{ x }}` alone is valid YAML (a flow mapping used as a key): readers see the flag.
    let d = docs("a: {{ .Values.x }}\n").unwrap();
    assert!(d[0].saw_template());
    assert_eq!(
        docs_with_bytes(b"a: \xff\n").unwrap_err(),
        YamlError::NotUtf8(3)
    );
}

fn docs_with_bytes(bytes: &[u8]) -> Result<Vec<Document>, YamlError> {
    let mut out = Vec::new();
    for_each_document(bytes, &Limits::default(), |d| {
        out.push(d);
        Ok::<(), YamlError>(())
    })?;
    Ok(out)
}

/// A chain of anchors, each a one-item list of the previous alias: shallow as
/// written, `n + 1` levels deep once the aliases are expanded.
fn alias_chain(n: usize) -> String {
    let mut text = String::from("a0: &a0 [x]\n");
    for i in 1..n {
        text.push_str(&format!("a{i}: &a{i} [*a{p}]\n", p = i - 1));
    }
    text
}

#[test]
fn nesting_through_aliases_counts_against_the_depth_limit() {
    // Found while writing the `yaml` fuzz target's depth invariant: each alias added one
    // level the depth check never saw, so a 3,000-anchor chain handed plugins
    // a tree 3,000 levels deep to recurse through.
    let limits = Limits::default();
    let ok = docs(&alias_chain(limits.max_depth - 1)).unwrap();
    assert_eq!(ok.len(), 1);
    let err = docs(&alias_chain(3000)).unwrap_err();
    assert!(
        err.to_string()
            .contains("nesting deeper than 128 levels once aliases are expanded"),
        "{err}"
    );
}
