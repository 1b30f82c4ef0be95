//! Did-you-mean helpers over names and over real folders.

use tend::diagnose::suggest::{closest, did_you_mean, similar_files, similar_paths};

#[test]
fn closest_finds_transposition() {
    let candidates = ["python3", "python3-config", "pydoc3", "perl"];
    assert_eq!(closest("pyhton3", candidates), vec!["python3".to_string()]);
}

#[test]
fn closest_rejects_distant_names() {
    assert_eq!(closest("node", ["python3", "ruby"]), Vec::<String>::new());
}

#[test]
fn did_you_mean_formats_lists() {
    assert_eq!(did_you_mean(&[]), None);
    assert_eq!(did_you_mean(&["a".into()]).as_deref(), Some("did you mean a?"));
    let three = ["a".to_string(), "b".to_string(), "c".to_string()];
    assert_eq!(did_you_mean(&three).as_deref(), Some("did you mean a, b or c?"));
}

#[test]
fn similar_files_ranks_shared_parts() {
    let dir = tempfile::tempdir().expect("temp dir");
    for name in ["patch_runner.py", "patch_runner.txt", "unrelated.py", "executor_notes.md"] {
        std::fs::write(dir.path().join(name), "").expect("write");
    }
    let found = similar_files(dir.path(), "patch_executor.py");
    assert_eq!(found.first().map(String::as_str), Some("patch_runner.py"), "{found:?}");
    assert!(!found.contains(&"unrelated.py".to_string()), "{found:?}");
}

#[test]
fn similar_files_prefers_close_spelling() {
    let dir = tempfile::tempdir().expect("temp dir");
    for name in ["server.js", "server_old.js", "sever_backup.js"] {
        std::fs::write(dir.path().join(name), "").expect("write");
    }
    let found = similar_files(dir.path(), "sever.js");
    assert_eq!(found.first().map(String::as_str), Some("server.js"), "{found:?}");
    assert!(found.contains(&"sever_backup.js".to_string()), "{found:?}");
}

#[test]
fn similar_paths_fixes_folder_typo() {
    let dir = tempfile::tempdir().expect("temp dir");
    std::fs::create_dir_all(dir.path().join("services/api")).expect("create folders");
    std::fs::write(dir.path().join("services/api/main.py"), "").expect("write");
    let found = similar_paths(&dir.path().join("service/api/main.py"));
    assert_eq!(found, vec![dir.path().join("services/api/main.py")]);
}
