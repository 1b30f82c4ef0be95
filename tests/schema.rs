//! `tend schema` output validates real config files.

use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::Value;

fn schema() -> Value {
    let output = Command::new(env!("CARGO_BIN_EXE_tend")).arg("schema").output().unwrap();
    assert!(output.status.success(), "tend schema failed: {output:?}");
    serde_json::from_slice(&output.stdout).unwrap()
}

fn toml_as_json(text: &str) -> Value {
    toml::from_str(text).unwrap()
}

fn validation_errors(validator: &jsonschema::Validator, text: &str) -> Vec<String> {
    let instance = toml_as_json(text);
    validator
        .iter_errors(&instance)
        .map(|error| format!("{} at {}", error, error.instance_path))
        .collect()
}

fn collect_examples(dir: &Path, found: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else { return };
    for entry in entries.flatten() {
        let path = entry.path();
        if path.is_dir() {
            collect_examples(&path, found);
        } else if path.file_name().is_some_and(|name| name == "tend.toml") {
            found.push(path);
        }
    }
}

#[test]
fn schema_validates_full_fixture() {
    let validator = jsonschema::validator_for(&schema()).unwrap();
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/full.toml");
    let errors = validation_errors(&validator, &std::fs::read_to_string(path).unwrap());
    assert!(errors.is_empty(), "full.toml does not match the schema: {errors:#?}");
}

#[test]
fn schema_validates_examples() {
    let validator = jsonschema::validator_for(&schema()).unwrap();
    let mut examples = Vec::new();
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    collect_examples(&root.join("examples"), &mut examples);
    assert!(examples.contains(&root.join("examples/demo/tend.toml")), "found {examples:?}");
    for path in examples {
        let errors = validation_errors(&validator, &std::fs::read_to_string(&path).unwrap());
        assert!(errors.is_empty(), "{} does not match the schema: {errors:#?}", path.display());
    }
}

#[test]
fn schema_rejects_unknown_keys_and_values() {
    let validator = jsonschema::validator_for(&schema()).unwrap();
    let cases = [
        "[components.web]\ncommand = [\"a\"]\nrestrat = \"always\"\n",
        "[components.web]\ncommand = [\"a\"]\nrestart = \"sometimes\"\n",
        "[components.web]\ncommand = [\"a\"]\nbackoff = { initial = 5 }\n",
        "[supervisr]\n",
        "[components.\"bad name\"]\ncommand = [\"a\"]\n",
    ];
    for text in cases {
        assert!(!validation_errors(&validator, text).is_empty(), "schema accepted:\n{text}");
    }
}

#[test]
fn schema_shows_descriptions_and_defaults() {
    let schema = schema();
    let backoff = &schema["definitions"]["RawBackoff"]["properties"]["initial"];
    assert_eq!(backoff["default"], "500ms");
    assert!(backoff["description"].as_str().is_some_and(|text| !text.is_empty()));
    assert_eq!(schema["additionalProperties"], false);
    assert!(schema["patternProperties"]["^x-"].is_object());
}
