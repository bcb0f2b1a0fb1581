//! The decision cases of `tests/cases/provenance`, as far as this plugin decides them: each
//! case's bundle and its configuration's `[plugins.provenance.config]` (turned into JSON the
//! way the host does), through the plugin, must give the facts its `[expect.facts.provenance]`
//! names. The decisions themselves are the host's (`stagegate test tests/cases/provenance`).

#![allow(
    clippy::unwrap_used,
    clippy::panic,
    clippy::indexing_slicing,
    reason = "a test fails loudly"
)]

mod common;

use std::path::{Path, PathBuf};

use stagegate_sdk::{EvaluationExt, FactValue};

fn cases_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../tests/cases/provenance")
}

fn table(path: &Path) -> toml::Table {
    std::fs::read_to_string(path).unwrap().parse().unwrap()
}

#[test]
fn every_case_gets_the_facts_it_expects() {
    let mut cases: Vec<PathBuf> = std::fs::read_dir(cases_dir())
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.to_string_lossy().ends_with(".case.toml"))
        .collect();
    cases.sort();
    assert!(cases.len() >= 10, "{cases:?}");
    for case in &cases {
        let spec = table(case);
        let dir = case.parent().unwrap();
        let gate = table(&dir.join(spec["config"].as_str().unwrap()));
        let config = gate["plugins"]["provenance"]["config"].clone();
        let config: serde_json::Value = serde_json::to_value(&config).unwrap();
        let files: Vec<(String, Vec<u8>)> = spec["artifacts"]
            .as_table()
            .unwrap()
            .iter()
            .filter(|(dest, _)| !dest.ends_with(".xml"))
            .map(|(dest, src)| {
                (
                    dest.clone(),
                    std::fs::read(dir.join(src.as_str().unwrap())).unwrap(),
                )
            })
            .collect();
        let borrowed: Vec<(&str, Vec<u8>)> =
            files.iter().map(|(p, b)| (p.as_str(), b.clone())).collect();
        let evaluation = common::run_bytes(&borrowed, &config).unwrap();
        let expected = spec["expect"]["facts"]["provenance"].as_table().unwrap();
        for (name, value) in expected {
            let got = match evaluation.fact(name) {
                Some(FactValue::Long(n)) => *n,
                other => panic!("{}: fact `{name}` is {other:?}", case.display()),
            };
            assert_eq!(
                got,
                value.as_integer().unwrap(),
                "{}: {name} (all: {})",
                case.display(),
                common::facts(&evaluation)
            );
        }
    }
}
