//! PM2 ecosystem files: an `apps` array, a bare array or a single app, in
//! JSON, JSON5-style `.json`, YAML or `ecosystem.config.js`.

mod app;
mod load;
mod values;

use std::path::Path;

use super::error::{ImportError, Problem};
use super::model::Imported;
use super::names::NameTable;
use super::tree::{Node, Value};

/// Translates the ecosystem file at `path`, whose content is `text`.
pub fn import(path: &Path, text: &str, file: &str) -> Result<Imported, ImportError> {
    let (root, read_env) = load::load(path, text, file)?;
    let mut imported =
        Imported { source: file.to_string(), format: "pm2".to_string(), ..Imported::default() };
    for name in read_env {
        imported.remark(format!(
            "the JavaScript read {name} from the environment of `tend import`; its value is written out as it was then"
        ));
    }

    let apps = app_list(&root, file, &mut imported)?;
    let mut names = NameTable::default();
    let mut problems = Vec::new();
    for node in apps {
        match app::translate(node, file, &mut imported) {
            Ok(mut component) => {
                let (name, comment) = names.claim(&component.name);
                component.name = name;
                component.comments.extend(comment);
                imported.components.push(component);
            }
            Err(mut found) => problems.append(&mut found),
        }
    }
    if problems.is_empty() { Ok(imported) } else { Err(problems.into()) }
}

/// Finds the app objects: `apps: [...]`, a top-level array, or one app object.
fn app_list<'a>(
    root: &'a Node,
    file: &str,
    imported: &mut Imported,
) -> Result<Vec<&'a Node>, Problem> {
    if let Value::Array(items) = &root.value {
        return Ok(items.iter().collect());
    }
    let Value::Object(entries) = &root.value else {
        return Err(
            root.problem(file, "expected an object with `apps`, an array of apps or one app")
        );
    };
    let Some(apps) = root.get("apps") else {
        if root.get("script").is_some() {
            return Ok(vec![root]);
        }
        return Err(
            root.problem(file, "no `apps` list and no `script`: this is not a PM2 ecosystem file")
        );
    };
    for (key, node) in entries {
        if key != "apps" {
            imported.skip(format!("{key} = {}", node.describe()), node.origin(file));
        }
    }
    match &apps.value {
        Value::Array(items) => Ok(items.iter().collect()),
        Value::Object(_) => Ok(vec![apps]),
        _ => Err(apps.problem(file, "expected `apps` to be a list of app objects")),
    }
}
