//! A JavaScript guest (componentize-js, SpiderMonkey) is held by the same
//! sandbox: tests/plugins/js-hostile, built inside a `plugin new --lang js`
//! project (the scaffold's pinned toolchain, its world plus wasi:sockets).

use std::path::PathBuf;
use std::process::Command;
use std::sync::OnceLock;

use crate::support::{guest_run, repo, sha256_hex, stagegate, target_dir};

/// tests/plugins/js-hostile as a component, built once per process and only
/// when its source or the scaffold changed.
fn js_hostile() -> &'static (PathBuf, String) {
    static BUILT: OnceLock<(PathBuf, String)> = OnceLock::new();
    BUILT.get_or_init(|| {
        let app = std::fs::read(repo().join("tests/plugins/js-hostile/app.js")).unwrap();
        let source = repo().join("tests/plugins/js-hostile");
        let world = std::fs::read(source.join("world.wit")).unwrap();
        let sockets = std::fs::read(source.join("wit-deps/wasi-sockets/package.wit")).unwrap();
        let scaffold = std::fs::read(repo().join("host/templates/js/build.mjs")).unwrap();
        let wit = std::fs::read(repo().join("wit/plugin.wit")).unwrap();
        let key =
            sha256_hex(&[app.clone(), world.clone(), sockets.clone(), scaffold, wit].concat());
        let out_dir = target_dir().join("test-plugins");
        std::fs::create_dir_all(&out_dir).unwrap();
        let out = out_dir.join(format!("jshostile-{}.wasm", &key[..16]));
        if !out.exists() {
            let work = tempfile::tempdir().unwrap();
            let new = stagegate(
                &["plugin", "new", "jshostile", "--lang", "js"],
                Some(work.path()),
                &[],
            );
            assert_eq!(new.code, 0, "{}", new.all());
            let project = work.path().join("jshostile");
            std::fs::write(project.join("app.js"), app).unwrap();
            std::fs::write(project.join("wit/world.wit"), world).unwrap();
            std::fs::create_dir_all(project.join("wit/deps/wasi-sockets")).unwrap();
            std::fs::write(project.join("wit/deps/wasi-sockets/package.wit"), sockets).unwrap();
            let build = stagegate(&["plugin", "build"], Some(&project), &[]);
            assert_eq!(build.code, 0, "{}", build.all());
            std::fs::copy(project.join("plugin.wasm"), &out).unwrap();
        }
        let digest = sha256_hex(&std::fs::read(&out).unwrap());
        (out, digest)
    })
}

#[test]
fn a_javascript_guest_is_held_by_the_same_sandbox() {
    assert!(
        Command::new("node")
            .arg("--version")
            .status()
            .is_ok_and(|s| s.success()),
        "node is needed for the JavaScript guest (Debian: apt-get install nodejs npm)"
    );
    let (wasm, digest) = js_hostile();
    let run = |mode: &str, extra: &str| guest_run("jshostile", wasm, digest, mode, extra, "");
    let run_with =
        |mode: &str, config: &str| guest_run("jshostile", wasm, digest, mode, "", config);

    let (code, errors) = run("ok", "");
    assert_eq!((code, errors.as_str()), (0, "[]"));

    let (code, errors) = run("loop", "timeout_ms = 2000\ntimeout_ms_per_mib = 0");
    assert_eq!(code, 2, "{errors}");
    assert!(errors.contains("exceeded its 2000 ms deadline"), "{errors}");

    let (code, errors) = run("memory", "memory_mib = 64");
    assert_eq!(code, 2, "{errors}");
    assert!(
        errors.contains("exceeded its 64 MiB memory limit"),
        "{errors}"
    );

    let (code, errors) = run("read-outside", "");
    assert_eq!(code, 2, "{errors}");
    assert!(!errors.contains("DONE"), "{errors}");
    for attempt in [
        "preopens: /bundle;",
        "read ../etc/hostname: refused",
        "read /etc/hostname: refused",
        "write planted.txt: refused",
    ] {
        assert!(errors.contains(attempt), "{attempt}: {errors}");
    }

    // The guest imports wasi:sockets and calls it: the host refuses.
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    listener.set_nonblocking(true).unwrap();
    let (code, errors) = run_with("tcp", &format!("port = {port}"));
    assert_eq!(code, 2, "{errors}");
    assert!(
        errors.contains("tcp connect: refused (access-denied)"),
        "{errors}"
    );
    assert!(listener.accept().is_err(), "the guest reached the listener");
}
