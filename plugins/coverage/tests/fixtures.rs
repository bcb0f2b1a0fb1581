//! Every real coverage fixture, read by the plugin's parsers, with exact expected facts.
//!
//! Totals come from line-level data (see `model.rs` for why). For at least three files per
//! format the totals were computed independently with the Python one-liner written next to
//! the assertion (run inside `tests/fixtures/coverage/`); each prints
//! `lines_total lines_covered branches_total branches_covered files`.

#![allow(
    clippy::panic,
    clippy::unwrap_used,
    reason = "test helpers may fail the test"
)]

mod common;

use common::{facts, read};

fn check(name: &str, expected: &str) {
    let coverage = read(name).unwrap_or_else(|e| panic!("{name}: {e}"));
    assert_eq!(facts(&coverage, 1, "{}"), expected, "{name}");
}

// ---- Cobertura ----

#[test]
fn cobertura_java_2_1_1() {
    // python3 -c "import sys,re,xml.etree.ElementTree as E;r=E.parse(sys.argv[1]).getroot();L={};B={};[(L.__setitem__(k,max(L.get(k,0),int(l.get('hits')))),B.__setitem__(k,[int(x) for x in re.findall(r'\((\d+)/(\d+)\)',l.get('condition-coverage','(0/0)'))[0]])) for c in r.iter('class') for l in c.find('lines') for k in [(c.get('filename'),l.get('number'))]];print(len(L),sum(h>0 for h in L.values()),sum(t for c,t in B.values()),sum(c for c,t in B.values()),len({c.get('filename') for c in r.iter('class')}))" cobertura-2.1.1_java.xml
    // prints: 36 24 4 1 7
    check(
        "cobertura-2.1.1_java.xml",
        "inputs=1 line_rate=66.66 branch_rate=25.00 lines_total=36 lines_covered=24 \
         branches_total=4 branches_covered=1 lowest_file_line_rate=0.00 \
         lowest_file=test/sub/Sub.java files_below_threshold=1 files=7",
    );
}

#[test]
fn cobertura_multi_source() {
    // Same classes as the single-source file; `<source>` roots do not change the keys.
    check(
        "cobertura-2.1.1_multi-source.xml",
        "inputs=1 line_rate=66.66 branch_rate=25.00 lines_total=36 lines_covered=24 \
         branches_total=4 branches_covered=1 lowest_file_line_rate=0.00 \
         lowest_file=test/sub/Sub.java files_below_threshold=1 files=7",
    );
}

#[test]
fn cobertura_coverlet_dotnet() {
    // python3 -c "import sys,re,xml.etree.ElementTree as E;r=E.parse(sys.argv[1]).getroot();L={};B={};[(L.__setitem__(k,max(L.get(k,0),int(l.get('hits')))),B.__setitem__(k,[int(x) for x in re.findall(r'\((\d+)/(\d+)\)',l.get('condition-coverage','(0/0)'))[0]])) for c in r.iter('class') for l in c.find('lines') for k in [(c.get('filename'),l.get('number'))]];print(len(L),sum(h>0 for h in L.values()),sum(t for c,t in B.values()),sum(c for c,t in B.values()),len({c.get('filename') for c in r.iter('class')}))" cobertura_coverlet-dotnet.xml
    // prints: 255 156 14 9 18
    check(
        "cobertura_coverlet-dotnet.xml",
        "inputs=1 line_rate=61.17 branch_rate=64.28 lines_total=255 lines_covered=156 \
         branches_total=14 branches_covered=9 lowest_file_line_rate=0.00 \
         lowest_file=AnalyzerTestClass.cs files_below_threshold=4 files=18",
    );
}

#[test]
fn cobertura_coverage_py() {
    // python3 -c "import sys,re,xml.etree.ElementTree as E;r=E.parse(sys.argv[1]).getroot();L={};B={};[(L.__setitem__(k,max(L.get(k,0),int(l.get('hits')))),B.__setitem__(k,[int(x) for x in re.findall(r'\((\d+)/(\d+)\)',l.get('condition-coverage','(0/0)'))[0]])) for c in r.iter('class') for l in c.find('lines') for k in [(c.get('filename'),l.get('number'))]];print(len(L),sum(h>0 for h in L.values()),sum(t for c,t in B.values()),sum(c for c,t in B.values()),len({c.get('filename') for c in r.iter('class')}))" coverage-py_sqlparse-0.6.1.cobertura.xml
    // prints: 3851 3787 696 635 32
    // right_margin.py: 11 of 28 lines = 39.28%.
    check(
        "coverage-py_sqlparse-0.6.1.cobertura.xml",
        "inputs=1 line_rate=98.33 branch_rate=91.23 lines_total=3851 lines_covered=3787 \
         branches_total=696 branches_covered=635 lowest_file_line_rate=39.28 \
         lowest_file=filters/right_margin.py files_below_threshold=1 files=32",
    );
}

#[test]
fn cobertura_istanbul_jest() {
    // python3 -c "import sys,re,xml.etree.ElementTree as E;r=E.parse(sys.argv[1]).getroot();L={};B={};[(L.__setitem__(k,max(L.get(k,0),int(l.get('hits')))),B.__setitem__(k,[int(x) for x in re.findall(r'\((\d+)/(\d+)\)',l.get('condition-coverage','(0/0)'))[0]])) for c in r.iter('class') for l in c.find('lines') for k in [(c.get('filename'),l.get('number'))]];print(len(L),sum(h>0 for h in L.values()),sum(t for c,t in B.values()),sum(c for c,t in B.values()),len({c.get('filename') for c in r.iter('class')}))" istanbul-jest_cart-service.cobertura.xml
    // prints: 20 19 15 14 2 (the root attributes claim 16/15 branches: line data wins)
    check(
        "istanbul-jest_cart-service.cobertura.xml",
        "inputs=1 line_rate=95.00 branch_rate=93.33 lines_total=20 lines_covered=19 \
         branches_total=15 branches_covered=14 lowest_file_line_rate=90.90 \
         lowest_file=src/cart.js files_below_threshold=0 files=2",
    );
}

#[test]
fn cobertura_istanbul_large_falls_back_to_branch_attributes() {
    // No line carries condition-coverage, so branches come from the root attributes
    // (branches-valid="2949" branches-covered="235"); lines from 14032 <line> elements, of
    // which 11340 are class lines: grep -c '<line ' counts method lines too.
    check(
        "cobertura_istanbul-large.xml",
        "inputs=1 line_rate=12.80 branch_rate=7.96 lines_total=11340 lines_covered=1452 \
         branches_total=2949 branches_covered=235 lowest_file_line_rate=0.00 \
         lowest_file=app/TestController.ts files_below_threshold=134 files=156",
    );
}

#[test]
fn cobertura_cppcoverage_minimal() {
    check(
        "cobertura_cppcoverage-minimal.xml",
        "inputs=1 line_rate=0.00 branch_rate=0.00 lines_total=2 lines_covered=0 \
         branches_total=0 branches_covered=0 lowest_file_line_rate=0.00 \
         lowest_file=/temp/someclass.h files_below_threshold=1 files=1",
    );
}

#[test]
fn cobertura_swift_lines_under_methods_only() {
    // Lines exist only under <method>; branches only as root attributes "1.0"/"1.0".
    check(
        "cobertura_swift.xml",
        "inputs=1 line_rate=50.00 branch_rate=100.00 lines_total=2 lines_covered=1 \
         branches_total=1 branches_covered=1 lowest_file_line_rate=50.00 \
         lowest_file=test_folder/firstTest.swift files_below_threshold=0 files=1",
    );
}

#[test]
fn cobertura_zero_coverage() {
    check(
        "nyc-18_all-files-zero-coverage.cobertura.xml",
        "inputs=1 line_rate=0.00 branch_rate=0.00 lines_total=20 lines_covered=0 \
         branches_total=15 branches_covered=0 lowest_file_line_rate=0.00 \
         lowest_file=src/cart.js files_below_threshold=2 files=2",
    );
}

// ---- LCOV ----

#[test]
fn lcov_coverage_py() {
    // python3 -c "import sys,re;R=[r for r in open(sys.argv[1]).read().split('end_of_record') if 'SF:' in r];S=lambda r:re.search(r'^SF:(.*)$',r,re.M)[1];D={};B={};[D.__setitem__((S(r),n),max(D.get((S(r),n),0),int(h))) for r in R for n,h in re.findall(r'^DA:(\d+),(-?\d+)',r,re.M)];[B.__setitem__((S(r),k),B.get((S(r),k),False) or t not in ('-','0')) for r in R for k,t in re.findall(r'^BRDA:(.*),(\S+)$',r,re.M)];print(len(D),sum(h>0 for h in D.values()),len(B),sum(B.values()),len({S(r) for r in R}))" coverage-py_sqlparse-0.6.1.lcov
    // prints: 3851 3787 696 635 32
    check(
        "coverage-py_sqlparse-0.6.1.lcov",
        "inputs=1 line_rate=98.33 branch_rate=91.23 lines_total=3851 lines_covered=3787 \
         branches_total=696 branches_covered=635 lowest_file_line_rate=39.28 \
         lowest_file=sqlparse/filters/right_margin.py files_below_threshold=1 files=32",
    );
}

#[test]
fn lcov_coverlet_counts_repeated_lines_once() {
    // python3 -c "import sys,re;R=[r for r in open(sys.argv[1]).read().split('end_of_record') if 'SF:' in r];S=lambda r:re.search(r'^SF:(.*)$',r,re.M)[1];D={};B={};[D.__setitem__((S(r),n),max(D.get((S(r),n),0),int(h))) for r in R for n,h in re.findall(r'^DA:(\d+),(-?\d+)',r,re.M)];[B.__setitem__((S(r),k),B.get((S(r),k),False) or t not in ('-','0')) for r in R for k,t in re.findall(r'^BRDA:(.*),(\S+)$',r,re.M)];print(len(D),sum(h>0 for h in D.values()),len(B),sum(B.values()),len({S(r) for r in R}))" lcov_coverlet-dotnet.info
    // prints: 184 118 8 5 15 (the LF/LH summaries say 199/124: they count repeated DA lines)
    check(
        "lcov_coverlet-dotnet.info",
        "inputs=1 line_rate=64.13 branch_rate=62.50 lines_total=184 lines_covered=118 \
         branches_total=8 branches_covered=5 lowest_file_line_rate=0.00 \
         lowest_file=C:/temp/AnalyzerTestClass.cs files_below_threshold=2 files=15",
    );
}

#[test]
fn lcov_cpp_gcov() {
    // python3 -c "import sys,re;R=[r for r in open(sys.argv[1]).read().split('end_of_record') if 'SF:' in r];S=lambda r:re.search(r'^SF:(.*)$',r,re.M)[1];D={};B={};[D.__setitem__((S(r),n),max(D.get((S(r),n),0),int(h))) for r in R for n,h in re.findall(r'^DA:(\d+),(-?\d+)',r,re.M)];[B.__setitem__((S(r),k),B.get((S(r),k),False) or t not in ('-','0')) for r in R for k,t in re.findall(r'^BRDA:(.*),(\S+)$',r,re.M)];print(len(D),sum(h>0 for h in D.values()),len(B),sum(B.values()),len({S(r) for r in R}))" lcov_cpp-gcov.info
    // prints: 19 17 0 0 3
    check(
        "lcov_cpp-gcov.info",
        "inputs=1 line_rate=89.47 branch_rate=0.00 lines_total=19 lines_covered=17 \
         branches_total=0 branches_covered=0 lowest_file_line_rate=81.81 \
         lowest_file=C:/temp/main.cpp files_below_threshold=0 files=3",
    );
}

#[test]
fn lcov_istanbul_jest() {
    // python3 -c "import sys,re;R=[r for r in open(sys.argv[1]).read().split('end_of_record') if 'SF:' in r];S=lambda r:re.search(r'^SF:(.*)$',r,re.M)[1];D={};B={};[D.__setitem__((S(r),n),max(D.get((S(r),n),0),int(h))) for r in R for n,h in re.findall(r'^DA:(\d+),(-?\d+)',r,re.M)];[B.__setitem__((S(r),k),B.get((S(r),k),False) or t not in ('-','0')) for r in R for k,t in re.findall(r'^BRDA:(.*),(\S+)$',r,re.M)];print(len(D),sum(h>0 for h in D.values()),len(B),sum(B.values()),len({S(r) for r in R}))" istanbul-jest_cart-service.lcov
    // prints: 20 19 16 15 2
    check(
        "istanbul-jest_cart-service.lcov",
        "inputs=1 line_rate=95.00 branch_rate=93.75 lines_total=20 lines_covered=19 \
         branches_total=16 branches_covered=15 lowest_file_line_rate=90.90 \
         lowest_file=src/cart.js files_below_threshold=0 files=2",
    );
}

#[test]
fn lcov_zero_coverage() {
    check(
        "nyc-18_all-files-zero-coverage.lcov",
        "inputs=1 line_rate=0.00 branch_rate=0.00 lines_total=20 lines_covered=0 \
         branches_total=16 branches_covered=0 lowest_file_line_rate=0.00 \
         lowest_file=src/cart.js files_below_threshold=2 files=2",
    );
}

// ---- JaCoCo ----

#[test]
fn jacoco_0_8_3() {
    // python3 -c "import sys,xml.etree.ElementTree as E;r=E.parse(sys.argv[1]).getroot();S=list(r.iter('sourcefile'));L=[l for s in S for l in s.iter('line') if int(l.get('mi'))+int(l.get('ci'))>0];C=lambda t,a:sum(int(c.get(a)) for s in S if s.find('line') is None for c in s.findall('counter') if c.get('type')==t);print(len(L)+C('LINE','missed')+C('LINE','covered'),sum(int(l.get('ci'))>0 for l in L)+C('LINE','covered'),sum(int(l.get('mb'))+int(l.get('cb')) for l in L)+C('BRANCH','missed')+C('BRANCH','covered'),sum(int(l.get('cb')) for l in L)+C('BRANCH','covered'),len(S))" jacoco-0.8.3_java.xml
    // prints: 38 26 4 1 7 (the report's LINE counter agrees: missed 12, covered 26)
    check(
        "jacoco-0.8.3_java.xml",
        "inputs=1 line_rate=68.42 branch_rate=25.00 lines_total=38 lines_covered=26 \
         branches_total=4 branches_covered=1 lowest_file_line_rate=0.00 \
         lowest_file=test/sub/Sub.java files_below_threshold=1 files=7",
    );
}

#[test]
fn jacoco_groups_and_counter_fallback() {
    // python3 -c "import sys,xml.etree.ElementTree as E;r=E.parse(sys.argv[1]).getroot();S=list(r.iter('sourcefile'));L=[l for s in S for l in s.iter('line') if int(l.get('mi'))+int(l.get('ci'))>0];C=lambda t,a:sum(int(c.get(a)) for s in S if s.find('line') is None for c in s.findall('counter') if c.get('type')==t);print(len(L)+C('LINE','missed')+C('LINE','covered'),sum(int(l.get('ci'))>0 for l in L)+C('LINE','covered'),sum(int(l.get('mb'))+int(l.get('cb')) for l in L)+C('BRANCH','missed')+C('BRANCH','covered'),sum(int(l.get('cb')) for l in L)+C('BRANCH','covered'),len(S))" jacoco_handmade_groups.xml
    // prints: 15 6 8 4 3 (the report counters' 1000 lines are ignored: source files exist)
    check(
        "jacoco_handmade_groups.xml",
        "inputs=1 line_rate=40.00 branch_rate=50.00 lines_total=15 lines_covered=6 \
         branches_total=8 branches_covered=4 lowest_file_line_rate=25.00 \
         lowest_file=com/example/a/Generated.java files_below_threshold=2 files=3",
    );
}

#[test]
fn jacoco_report_counters_only() {
    // python3 -c "import sys,xml.etree.ElementTree as E;print({c.get('type'):(int(c.get('missed'))+int(c.get('covered')),int(c.get('covered'))) for c in E.parse(sys.argv[1]).getroot().findall('counter')})" jacoco_handmade_counters-only.xml
    // prints: {'INSTRUCTION': (40, 30), 'BRANCH': (10, 6), 'LINE': (20, 15)}
    check(
        "jacoco_handmade_counters-only.xml",
        "inputs=1 line_rate=75.00 branch_rate=60.00 lines_total=20 lines_covered=15 \
         branches_total=10 branches_covered=6 lowest_file_line_rate=100.00 \
         lowest_file= files_below_threshold=0 files=0",
    );
}
