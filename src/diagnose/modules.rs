//! Missing modules and packages: Python imports, Node requires and imports,
//! Ruby requires and Java classes, distinguished from local files that are
//! merely not on the search path.

use std::path::{Path, PathBuf};
use std::sync::LazyLock;

use regex::Regex;

use super::classify::{Context, display_path, normalize};
use super::files::{FileRole, file_not_found};
use super::program::interpreter_script;
use super::suggest::{did_you_mean, similar_files};
use super::{Diagnosis, DiagnosisKind, Evidence};

fn pattern(source: &str) -> Regex {
    Regex::new(source).expect("module patterns are valid")
}

static PYTHON_MISSING: LazyLock<Regex> = LazyLock::new(|| {
    pattern(
        r"(?:ModuleNotFoundError|ImportError|python[\d.]*): No module named '?(?P<name>[\w.]+)'?",
    )
});
static PYTHON_MISSING_NAME: LazyLock<Regex> = LazyLock::new(|| {
    pattern(r"ImportError: cannot import name '(?P<item>[^']+)' from '(?P<module>[^']+)'")
});
/// A traceback frame: `  File "/app/main.py", line 3, in <module>`.
pub(crate) static PYTHON_FRAME: LazyLock<Regex> =
    LazyLock::new(|| pattern(r#"^\s*File "(?P<path>[^"]+)", line (?P<line>\d+)"#));
static NODE_MISSING: LazyLock<Regex> = LazyLock::new(|| {
    pattern(r"Cannot find (?:module|package) '(?P<name>[^']+)'(?: imported from (?P<from>\S+))?")
});
/// The first entry of node's require stack: `- /app/index.js`.
static NODE_REQUIRER: LazyLock<Regex> = LazyLock::new(|| pattern(r"^- (?P<path>/\S+)$"));
static RUBY_MISSING: LazyLock<Regex> =
    LazyLock::new(|| pattern(r"cannot load such file -- (?P<name>\S+) \(LoadError\)"));
static JAVA_MISSING: LazyLock<Regex> = LazyLock::new(|| {
    pattern(
        r"(?:ClassNotFoundException|NoClassDefFoundError): (?P<class>[\w/$.]+)|Could not find or load main class (?P<main>\S+)",
    )
});

/// Python import names whose pip package has another name.
const PIP_NAMES: &[(&str, &str)] = &[
    ("yaml", "PyYAML"),
    ("cv2", "opencv-python"),
    ("PIL", "Pillow"),
    ("sklearn", "scikit-learn"),
    ("bs4", "beautifulsoup4"),
    ("dotenv", "python-dotenv"),
    ("dateutil", "python-dateutil"),
    ("jwt", "PyJWT"),
    ("serial", "pyserial"),
    ("magic", "python-magic"),
];

/// Diagnoses a run that stopped on a module or package it could not load.
pub(crate) fn missing_module(context: &Context<'_>) -> Option<Diagnosis> {
    python(context).or_else(|| node(context)).or_else(|| ruby(context)).or_else(|| java(context))
}

fn with_lines(diagnosis: Diagnosis, context: &Context<'_>, indices: &[usize]) -> Diagnosis {
    diagnosis.with_evidence(Evidence { lines: context.evidence_of(indices), ..Evidence::default() })
}

fn python(context: &Context<'_>) -> Option<Diagnosis> {
    python_missing_name(context).or_else(|| python_missing_module(context))
}

fn python_missing_name(context: &Context<'_>) -> Option<Diagnosis> {
    let (index, found) = context.find(&PYTHON_MISSING_NAME)?;
    let (item, module) = (&found["item"], &found["module"]);
    let diagnosis = Diagnosis::new(
        DiagnosisKind::MissingModule,
        format!("cannot import {item} from Python module {module}"),
        format!(
            "the {module} that was found has no {item}: check the spelling, the installed \
             version, or a local {module}.py shadowing it"
        ),
    );
    Some(with_lines(diagnosis, context, &[index]))
}

fn python_missing_module(context: &Context<'_>) -> Option<Diagnosis> {
    let (index, found) = context.find(&PYTHON_MISSING)?;
    let name = found["name"].to_string();
    let top = name.split('.').next().unwrap_or(&name).to_string();
    let dirs = python_search_dirs(context, index);
    let mut indices = vec![index];
    indices.extend(last_frame_before(context, index));
    let cwd = &context.component.cwd;

    if let Some(dir) = dirs.iter().find(|dir| is_python_module(dir, &top)) {
        let diagnosis = Diagnosis::new(
            DiagnosisKind::MissingModule,
            format!("local Python module {top} is not on the import path"),
            format!(
                "{top} is in {}: run from that folder or set PYTHONPATH={} in the component's env",
                display_path(dir, cwd),
                dir.display()
            ),
        );
        return Some(with_lines(diagnosis, context, &indices));
    }
    let file = format!("{top}.py");
    let local: Vec<String> = dirs
        .iter()
        .flat_map(|dir| similar_files(dir, &file).into_iter().map(move |found| (dir, found)))
        .filter(|(_, found)| found.ends_with(".py") || !found.contains('.'))
        .map(|(dir, found)| display_path(&dir.join(found), cwd))
        .collect();
    let package =
        PIP_NAMES.iter().find(|(import, _)| *import == top).map_or(top.as_str(), |(_, pip)| pip);
    let hint = match did_you_mean(&local) {
        Some(question) => format!(
            "no module {top} installed or beside the script; {question} Otherwise pip install {package}"
        ),
        None => format!("pip install {package}"),
    };
    let diagnosis =
        Diagnosis::new(DiagnosisKind::MissingModule, format!("missing Python module {name}"), hint);
    Some(with_lines(diagnosis, context, &indices))
}

/// Folders where a local module would be: the cwd, the script's folder and
/// the folders of traceback frames outside installed packages.
fn python_search_dirs(context: &Context<'_>, before: usize) -> Vec<PathBuf> {
    let cwd = &context.component.cwd;
    let mut dirs = vec![cwd.clone()];
    if let Some((_, script)) = interpreter_script(&context.component.command) {
        dirs.extend(cwd.join(script).parent().map(Path::to_path_buf));
    }
    for line in &context.lines[..before] {
        let Some(frame) = PYTHON_FRAME.captures(&line.text) else { continue };
        let path = Path::new(&frame["path"]);
        let installed = frame["path"].contains("-packages/") || frame["path"].starts_with('<');
        if !installed {
            dirs.extend(cwd.join(path).parent().map(Path::to_path_buf));
        }
    }
    let mut unique: Vec<PathBuf> = Vec::new();
    for dir in dirs {
        if !unique.contains(&dir) {
            unique.push(dir);
        }
    }
    unique
}

fn is_python_module(dir: &Path, name: &str) -> bool {
    dir.join(format!("{name}.py")).is_file() || dir.join(name).join("__init__.py").is_file()
}

fn last_frame_before(context: &Context<'_>, index: usize) -> Option<usize> {
    (0..index).rev().find(|line| PYTHON_FRAME.is_match(context.line(*line)))
}

fn node(context: &Context<'_>) -> Option<Diagnosis> {
    let (index, found) = context.find(&NODE_MISSING)?;
    let name = found["name"].to_string();
    let cwd = &context.component.cwd;
    if name.starts_with('/') || name.starts_with('.') {
        let requirer = found.name("from").map(|from| from.as_str().to_string()).or_else(|| {
            context.lines[index..]
                .iter()
                .find_map(|line| NODE_REQUIRER.captures(&line.text).map(|c| c["path"].to_string()))
        });
        let base = requirer.as_deref().and_then(|path| Path::new(path).parent()).unwrap_or(cwd);
        let path = normalize(&base.join(&name));
        let is_script = interpreter_script(&context.component.command)
            .is_some_and(|(_, script)| context.absolute(script) == path);
        let role = if is_script { FileRole::Script } else { FileRole::File };
        return Some(with_lines(file_not_found(&path, cwd, role), context, &[index]));
    }
    let package = node_package(&name);
    let hint = if package_json_lists(cwd, &package) {
        format!(
            "{package} is in package.json but not installed: run `npm install` in {}",
            cwd.display()
        )
    } else {
        format!("npm install {package}")
    };
    let diagnosis = Diagnosis::new(
        DiagnosisKind::MissingModule,
        format!("missing Node module {package}"),
        hint,
    );
    Some(with_lines(diagnosis, context, &[index]))
}

/// Extracts the package from a specifier: `@scope/pkg/sub` gives `@scope/pkg`, `pkg/sub` gives `pkg`.
fn node_package(name: &str) -> String {
    let segments = if name.starts_with('@') { 2 } else { 1 };
    name.split('/').take(segments).collect::<Vec<_>>().join("/")
}

fn package_json_lists(cwd: &Path, package: &str) -> bool {
    let Ok(text) = std::fs::read_to_string(cwd.join("package.json")) else {
        return false;
    };
    let Ok(manifest) = serde_json::from_str::<serde_json::Value>(&text) else {
        return false;
    };
    ["dependencies", "devDependencies", "optionalDependencies"]
        .iter()
        .any(|section| manifest.get(section).and_then(|deps| deps.get(package)).is_some())
}

fn ruby(context: &Context<'_>) -> Option<Diagnosis> {
    let (index, found) = context.find(&RUBY_MISSING)?;
    let name = found["name"].to_string();
    let cwd = &context.component.cwd;
    if name.starts_with('/') || name.starts_with('.') {
        let path = cwd.join(format!("{name}.rb"));
        return Some(with_lines(file_not_found(&path, cwd, FileRole::File), context, &[index]));
    }
    let gem = name.split('/').next().unwrap_or(&name).to_string();
    let hint = if cwd.join("Gemfile").is_file() {
        format!(
            "bundle install (add gem \"{gem}\" to the Gemfile if it is not listed), and run it with `bundle exec`"
        )
    } else {
        format!("gem install {gem}")
    };
    let diagnosis =
        Diagnosis::new(DiagnosisKind::MissingModule, format!("missing Ruby library {name}"), hint);
    Some(with_lines(diagnosis, context, &[index]))
}

fn java(context: &Context<'_>) -> Option<Diagnosis> {
    let (index, found) = context.find(&JAVA_MISSING)?;
    let class = found.name("class").or_else(|| found.name("main"))?.as_str().replace('/', ".");
    let diagnosis = Diagnosis::new(
        DiagnosisKind::MissingModule,
        format!("missing Java class {class}"),
        format!("add the jar or folder that contains {class} to the class path (-cp or CLASSPATH)"),
    );
    // The JVM names the class twice ("Could not find…" and "Caused by…"); keep both lines.
    let mut indices = context.all(&JAVA_MISSING);
    indices.push(index);
    Some(with_lines(diagnosis, context, &indices))
}
