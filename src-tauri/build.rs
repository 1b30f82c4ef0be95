//! Supplies a placeholder `ui/dist/index.html` when the UI has not been built,
//! so that `cargo build` and clippy work on a fresh clone, then runs tauri-build.

use std::path::Path;

const PLACEHOLDER: &str = "<!doctype html>\n<html><head><meta charset=\"utf-8\"><title>Tend</title></head>\n<body><p>The Tend UI was not built. Run <code>make</code> (or <code>npm ci &amp;&amp; npm run build</code> in <code>ui/</code>) and rebuild tend-app.</p></body></html>\n";

fn main() {
    let dist = Path::new("../ui/dist");
    let index = dist.join("index.html");
    println!("cargo:rerun-if-changed=../ui/dist");
    let written = if index.exists() {
        Ok(())
    } else {
        std::fs::create_dir_all(dist).and_then(|()| std::fs::write(&index, PLACEHOLDER))
    };
    if let Err(error) = written {
        println!("cargo:warning=cannot write the placeholder {}: {error}", index.display());
    }
    tauri_build::build();
}
