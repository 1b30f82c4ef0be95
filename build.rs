//! Points `TEND_UI_DIR` at the built web UI (`ui/dist`), or at a placeholder
//! page in OUT_DIR when the UI has not been built, so that a bare
//! `cargo build` works on a fresh clone.

use std::path::PathBuf;

const PLACEHOLDER: &str = r#"<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><title>Tend</title></head>
<body>
<h1>Tend</h1>
<p>This build has no dashboard: the web UI was not built before the supervisor.
Run <code>make</code> (it builds <code>ui/dist</code> first) and rebuild.</p>
<p>The API answers under <code>/v1/</code>, for example <code>/v1/components</code>.</p>
</body>
</html>
"#;

fn main() {
    let manifest_dir = PathBuf::from(std::env::var_os("CARGO_MANIFEST_DIR").expect("set by cargo"));
    let dist = manifest_dir.join("ui").join("dist");

    // Cargo reruns a build script on every build while a watched path is
    // missing, so only existing folders are watched: `ui/dist`, else `ui`
    // (which sees `dist` appear).
    println!("cargo:rerun-if-changed=build.rs");
    if dist.is_dir() {
        println!("cargo:rerun-if-changed=ui/dist");
    } else if manifest_dir.join("ui").is_dir() {
        println!("cargo:rerun-if-changed=ui");
    }
    let dir = if dist.join("index.html").is_file() {
        dist
    } else {
        let out_dir = PathBuf::from(std::env::var_os("OUT_DIR").expect("set by cargo"));
        let placeholder = out_dir.join("ui-placeholder");
        std::fs::create_dir_all(&placeholder).expect("create the placeholder folder in OUT_DIR");
        std::fs::write(placeholder.join("index.html"), PLACEHOLDER)
            .expect("write the placeholder page in OUT_DIR");
        placeholder
    };
    println!("cargo:rustc-env=TEND_UI_DIR={}", dir.display());
}
