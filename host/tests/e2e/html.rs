//! `check --format html` in a real browser: headless Chromium loads the page
//! of an allowed, a denied and a hostile bundle, and the tests read the DOM it
//! built (the verdict, one row per gate, no element the bundle could have
//! injected, the hostile text shown as text, no token) and a screenshot (the
//! banner is the decision's colour). Without Chromium these tests fail: they
//! are the only check that the page works as a page.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use crate::support::{bundle, repo, stagegate, target_dir};

const PASS: &str = "junit/pytest_sqlparse-0.6.1_pass.xml";
const FAILING: &str = "junit/pytest_sqlparse-0.6.1_failures-errors-skips.xml";
/// Made up for these tests; never a valid token.
const TOKEN: &str = "ghp_R8cQ2vXb7LmN4pKs9TfW3hJd6YgZ1aEu5oCi";

/// The banner colours of the stylesheet (`--allow`, `--deny`).
const GREEN: [u8; 3] = [0x1a, 0x7f, 0x37];
const RED: [u8; 3] = [0xcf, 0x22, 0x2e];

/// A hang guard for one browser run, not a performance assertion.
const BROWSER_GUARD: Duration = Duration::from_secs(120);

/// The Chromium binary: `$CHROMIUM`, else `chromium` or `chromium-browser`
/// on `PATH`. Panics, with how to install it, when there is none.
fn chromium() -> PathBuf {
    if let Some(path) = std::env::var_os("CHROMIUM") {
        return PathBuf::from(path);
    }
    let path = std::env::var_os("PATH").unwrap_or_default();
    for dir in std::env::split_paths(&path) {
        for name in ["chromium", "chromium-browser"] {
            let candidate = dir.join(name);
            if candidate.is_file() {
                return candidate;
            }
        }
    }
    panic!(
        "the HTML report tests need Chromium and none was found on PATH: \
         apt-get install chromium (or set CHROMIUM to the browser's path)"
    );
}

/// Runs headless Chromium on `page` with `args`, in a fresh profile, and
/// returns its stdout.
fn browse(page: &Path, args: &[&str]) -> String {
    let profile = tempfile::tempdir().unwrap();
    let mut child = Command::new(chromium())
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--no-first-run",
            "--no-default-browser-check",
            "--disable-extensions",
            "--disable-sync",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-dev-shm-usage",
            "--force-device-scale-factor=1",
            "--virtual-time-budget=2000",
        ])
        .arg(format!("--user-data-dir={}", profile.path().display()))
        .args(args)
        .arg(format!("file://{}", page.display()))
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| panic!("cannot run chromium ({e}): apt-get install chromium"));
    let stdout = child.stdout.take().unwrap();
    let stderr = child.stderr.take().unwrap();
    let read_out = std::thread::spawn(move || std::io::read_to_string(stdout).unwrap());
    let read_err = std::thread::spawn(move || std::io::read_to_string(stderr).unwrap());
    let started = Instant::now();
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        if started.elapsed() > BROWSER_GUARD {
            let _ = child.kill();
            panic!("chromium {args:?} hung for {BROWSER_GUARD:?}");
        }
        std::thread::sleep(Duration::from_millis(50));
    };
    let out = read_out.join().unwrap();
    let err = read_err.join().unwrap();
    assert!(
        status.success(),
        "chromium {args:?} failed: {status}\n{err}"
    );
    out
}

/// A report page: `check BUNDLE --to prod --format html`, written to a file
/// in `dir`, with the exit code it came with.
fn page(bundle: &Path, dir: &Path, name: &str) -> (PathBuf, i32) {
    let run = stagegate(
        &[
            "check",
            bundle.to_str().unwrap(),
            "--to",
            "prod",
            "--format",
            "html",
        ],
        None,
        &[
            ("GITHUB_ACTIONS", "true"),
            ("GITHUB_SHA", "4f1c2d3e4f5a6b7c8d9e0f1a2b3c4d5e6f7a8b9c"),
            ("GITHUB_REF_NAME", "release/2.3"),
            ("GITHUB_ACTOR", "dana"),
            ("GITHUB_SERVER_URL", "https://github.example"),
            ("GITHUB_REPOSITORY", "acme/shop"),
            ("GITHUB_RUN_ID", "42"),
        ],
    );
    assert!(run.stderr.is_empty(), "{}", run.all());
    let path = dir.join(format!("{name}.html"));
    std::fs::write(&path, &run.stdout).unwrap();
    (path, run.code)
}

/// How many gates the JSON report of the same bundle lists.
fn gate_count(bundle: &Path) -> usize {
    let run = stagegate(
        &[
            "check",
            bundle.to_str().unwrap(),
            "--to",
            "prod",
            "--format",
            "json",
        ],
        None,
        &[],
    );
    run.json()["gates"].as_array().unwrap().len()
}

/// A start tag: its name and attributes.
type Tag = (String, Vec<(String, String)>);

/// Every start tag of `markup` (the page, or the DOM Chromium serialized).
/// Untrusted text is escaped in both, so every `<` starts markup, and every
/// attribute value is double-quoted with `"` escaped inside it.
fn tags(markup: &str) -> Vec<Tag> {
    markup
        .split('<')
        .skip(1)
        .filter(|t| !t.starts_with('/') && !t.starts_with('!'))
        .map(|t| {
            let end = t
                .find(|c: char| c.is_whitespace() || c == '>')
                .unwrap_or(t.len());
            (t[..end].to_ascii_lowercase(), attributes(&t[end..]))
        })
        .collect()
}

/// The attributes at the start of `rest`, up to the tag's `>`.
fn attributes(mut rest: &str) -> Vec<(String, String)> {
    let mut found = Vec::new();
    loop {
        rest = rest.trim_start();
        if rest.is_empty() || rest.starts_with('>') || rest.starts_with("/>") {
            return found;
        }
        let end = rest
            .find(|c: char| c.is_whitespace() || c == '=' || c == '>')
            .unwrap_or(rest.len());
        let name = rest[..end].to_ascii_lowercase();
        rest = &rest[end..];
        let mut value = String::new();
        if let Some(quoted) = rest.strip_prefix("=\"") {
            let close = quoted.find('"').expect("an unterminated attribute value");
            value = quoted[..close].to_owned();
            rest = &quoted[close + 1..];
        } else if let Some(bare) = rest.strip_prefix('=') {
            // Unquoted (only markup the page did not write looks like this).
            let end = bare
                .find(|c: char| c.is_whitespace() || c == '>')
                .unwrap_or(bare.len());
            value = bare[..end].to_owned();
            rest = &bare[end..];
        } else if name.is_empty() {
            // A stray character: step over it.
            let step = rest.chars().next().map_or(0, char::len_utf8);
            rest = &rest[step..];
        }
        found.push((name, value));
    }
}

/// The value of attribute `name` of a tag.
fn attr<'a>(tag: &'a Tag, name: &str) -> Option<&'a str> {
    tag.1
        .iter()
        .find(|(n, _)| n == name)
        .map(|(_, v)| v.as_str())
}

/// Checks what every page must be: a CSP meta, nothing that loads or runs,
/// and no element a bundle could have injected.
fn assert_inert(html: &str, dom: &str) {
    assert!(
        html.contains(
            r#"<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'">"#
        ),
        "no CSP meta"
    );
    for tag in tags(html).into_iter().chain(tags(dom)) {
        let name = &tag.0;
        for forbidden in [
            "script", "img", "iframe", "object", "embed", "link", "base", "form", "svg", "video",
            "audio", "source", "input", "button",
        ] {
            assert_ne!(name, forbidden, "a <{name}> element: {:?}", tag.1);
        }
        for (attr, value) in &tag.1 {
            assert!(
                !attr.starts_with("on"),
                "an event handler: <{name} {attr}={value:?}>"
            );
            if ["src", "href", "action", "srcset", "poster", "formaction"].contains(&attr.as_str())
            {
                assert!(
                    value.starts_with('#'),
                    "<{name}> {attr}={value:?} can load or navigate"
                );
            }
        }
    }
    let lower = html.to_ascii_lowercase();
    assert!(!lower.contains("url("), "a url() in the style");
    assert!(!lower.contains("@import"), "an @import in the style");
}

/// The verdict element's `data-decision` and the rows of `#gates`.
fn verdict_and_gate_rows(dom: &str) -> (String, usize) {
    let tags = tags(dom);
    let verdict = tags
        .iter()
        .find(|t| attr(t, "id") == Some("verdict"))
        .expect("no #verdict element");
    let decision = attr(verdict, "data-decision").unwrap().to_owned();
    let gates = dom
        .split(r#"<section id="gates">"#)
        .nth(1)
        .expect("no #gates section");
    let gates = &gates[..gates.find("</section>").unwrap()];
    let rows = rows(gates, |status| status.is_some());
    (decision, rows)
}

/// How many `<tr>` of `markup` have a `data-status` that `wanted` accepts.
fn rows(markup: &str, wanted: impl Fn(Option<&str>) -> bool) -> usize {
    tags(markup)
        .iter()
        .filter(|t| {
            t.0 == "tr" && attr(t, "data-status").is_some() && wanted(attr(t, "data-status"))
        })
        .count()
}

/// A screenshot of `page`, decoded: (width, height, RGB rows). It is also
/// kept in `target/html-screenshots/NAME.png` for a person to look at.
fn screenshot(page: &Path, name: &str) -> (u32, u32, Vec<u8>) {
    let shots = tempfile::tempdir().unwrap();
    let shot = shots.path().join(format!("{name}.png"));
    browse(
        page,
        &[
            "--hide-scrollbars",
            "--window-size=1200,900",
            &format!("--screenshot={}", shot.display()),
        ],
    );
    let kept = target_dir().join("html-screenshots");
    std::fs::create_dir_all(&kept).unwrap();
    std::fs::copy(&shot, kept.join(format!("{name}.png"))).unwrap();

    let decoder = png::Decoder::new(std::io::BufReader::new(std::fs::File::open(&shot).unwrap()));
    let mut reader = decoder.read_info().unwrap();
    let mut buf = vec![0; reader.output_buffer_size().unwrap()];
    let info = reader.next_frame(&mut buf).unwrap();
    let channels = info.color_type.samples();
    assert!(channels >= 3, "a {:?} screenshot", info.color_type);
    let rgb = buf[..info.buffer_size()]
        .chunks(channels)
        .flat_map(|px| [px[0], px[1], px[2]])
        .collect();
    (info.width, info.height, rgb)
}

/// The share of pixels in the top `rows` rows within a small distance of
/// `colour`.
fn share_of(rgb: &[u8], width: u32, rows: u32, colour: [u8; 3]) -> f64 {
    let pixels = (width * rows) as usize;
    let close = rgb
        .chunks(3)
        .take(pixels)
        .filter(|px| {
            px.iter()
                .zip(colour)
                .all(|(&a, b)| (i16::from(a) - i16::from(b)).abs() <= 24)
        })
        .count();
    close as f64 / pixels as f64
}

#[test]
fn allowed_and_denied_pages_in_a_browser() {
    let dir = tempfile::tempdir().unwrap();
    let example = repo().join("tests/bundles/example");
    let deny = bundle(&[(PASS, "a/results.xml"), (FAILING, "b/results.xml")]);

    for (name, bundle, code, decision, colour) in [
        ("allow", example.as_path(), 0, "allow", GREEN),
        ("deny", deny.path(), 1, "deny", RED),
    ] {
        let (path, exit) = page(bundle, dir.path(), name);
        assert_eq!(exit, code, "{name}");
        let html = std::fs::read_to_string(&path).unwrap();
        let dom = browse(&path, &["--dump-dom"]);
        assert_inert(&html, &dom);

        let (shown, gate_rows) = verdict_and_gate_rows(&dom);
        assert_eq!(shown, decision, "{name}: data-decision");
        let gates = gate_count(bundle);
        assert!(gates > 10, "{name}: {gates} gates");
        assert_eq!(gate_rows, gates, "{name}: one row per gate");
        for id in ["findings", "facts", "waivers", "plugins", "artifacts"] {
            assert!(
                dom.contains(&format!(r#"<section id="{id}""#)),
                "{name}: #{id}"
            );
        }
        // The change, with the run URL as text and not as a link.
        assert!(
            dom.contains("4f1c2d3e4f5a6b7c8d9e0f1a2b3c4d5e6f7a8b9c"),
            "{name}"
        );
        assert!(dom.contains("release/2.3"), "{name}");
        assert!(
            dom.contains("https://github.example/acme/shop/actions/runs/42"),
            "{name}: the run URL"
        );
        if name == "deny" {
            let failed = rows(&dom, |s| s == Some("failed"));
            assert!(failed >= 1, "a failed gate row");
            assert!(dom.contains("tests-pass"), "the deciding policy");
            assert!(dom.contains("junit/failure") || dom.contains("junit/</span>failure"));
        }

        let (width, height, rgb) = screenshot(&path, name);
        assert_eq!((width, height), (1200, 900), "{name}: screenshot size");
        let share = share_of(&rgb, width, 110, colour);
        assert!(
            share > 0.6,
            "{name}: only {:.0}% of the banner is {colour:02x?}",
            share * 100.0
        );
        // Below the banner the page is not that colour.
        let body = &rgb[(width * 400 * 3) as usize..];
        assert!(
            share_of(body, width, 400, colour) < 0.1,
            "{name}: page body"
        );
    }
}

/// A JUnit report whose failing test tries to close a cell and open a
/// script, add an image with an event handler, recolour a terminal, reverse
/// the text and leak a token, in its name, message and file name.
#[test]
fn a_hostile_bundle_shows_its_text_as_text() {
    let dir = tempfile::tempdir().unwrap();
    let b = tempfile::tempdir().unwrap();
    let name = format!("test_x[</td><script>alert(1)</script>{TOKEN}]");
    let message = r#""><img src=x onerror=alert(1)> &#x1b;[31mRED &#x202e;txt.exe"#;
    let junit = format!(
        r#"<?xml version="1.0"?>
<testsuites><testsuite name="s" tests="2" failures="1">
<testcase classname="tests.evil" name="{}"><failure message="{}">{}</failure></testcase>
<testcase classname="tests.evil" name="test_ok"/>
</testsuite></testsuites>"#,
        escape(&name),
        message
            .replace('"', "&quot;")
            .replace('<', "&lt;")
            .replace('>', "&gt;"),
        escape(&format!("token = {TOKEN}"))
    );
    // The junit plugin blanks control characters in messages itself; a file
    // name reaches the page as it is.
    std::fs::write(
        b.path()
            .join("x\"><img src=x onerror=alert(1)>\u{1b}[31mRED\u{202e}lmx.xml"),
        junit,
    )
    .unwrap();

    let (path, exit) = page(b.path(), dir.path(), "hostile");
    assert_eq!(exit, 1);
    let html = std::fs::read_to_string(&path).unwrap();
    assert!(!html.contains(TOKEN), "the token is in the page");
    assert!(!html.contains('\u{1b}') && !html.contains('\u{202e}'));
    let dom = browse(&path, &["--dump-dom"]);
    assert_inert(&html, &dom);
    assert!(!dom.contains(TOKEN), "the token is in the DOM");
    let (decision, _) = verdict_and_gate_rows(&dom);
    assert_eq!(decision, "deny");
    // The browser shows the markup as text, escapes visible, the token as
    // its fingerprint.
    for shown in [
        "&lt;/td&gt;&lt;script&gt;alert(1)&lt;/script&gt;",
        "\"&gt;&lt;img src=x onerror=alert(1)&gt;",
        "\\u{1b}[31mRED\\u{202e}lmx.xml",
        "\\u{202e}txt.exe",
        "ghp_…",
    ] {
        assert!(dom.contains(shown), "{shown:?} is not shown as text");
    }
    let (width, height, rgb) = screenshot(&path, "hostile");
    assert_eq!((width, height), (1200, 900));
    assert!(share_of(&rgb, width, 110, RED) > 0.6, "the banner is red");
}

fn escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}
