//! supervisord configs: `[program:x]` sections (with `numprocs` copies),
//! `[include]` files, and `[supervisord] environment=` for every program.
//! Groups, event listeners and the servers are listed as not imported;
//! `[fcgi-program:x]` is an error, since Tend cannot hand a socket over.

mod expand;
mod ini;
mod program;

use std::path::Path;

use super::error::{ImportError, Origin, Problem};
use super::model::Imported;
use super::names::NameTable;

use ini::Section;

/// Translates the supervisord config at `path`, whose content is `text`.
pub fn import(path: &Path, text: &str, file: &str) -> Result<Imported, ImportError> {
    let mut imported = Imported {
        source: file.to_string(),
        format: "supervisord".to_string(),
        ..Imported::default()
    };
    let mut sections = ini::parse(text, file)?;
    let included = read_includes(path, &sections, &mut imported)?;
    sections.extend(included);

    let context = program::Context::new(&sections, path);
    let mut names = NameTable::default();
    let mut problems = Vec::new();
    for section in &sections {
        let Some((kind, name)) = section.name.split_once(':') else {
            skip_section(section, &mut imported);
            continue;
        };
        match kind {
            "program" => match program::translate(section, name, &context, &mut imported) {
                Ok(components) => {
                    for mut component in components {
                        let (final_name, comment) = names.claim(&component.name);
                        component.name = final_name;
                        component.comments.extend(comment);
                        imported.components.push(component);
                    }
                }
                Err(mut found) => problems.append(&mut found),
            },
            "fcgi-program" => problems.push(Problem::new(
                section.origin(),
                format!("[{}] is not supported: Tend cannot pass a listening socket to a program; run the program as an ordinary [program:{name}] that binds its own socket", section.name),
            )),
            _ => skip_section(section, &mut imported),
        }
    }
    if problems.is_empty() { Ok(imported) } else { Err(problems.into()) }
}

/// Lists a section Tend has no counterpart for, with the reason.
fn skip_section(section: &Section, imported: &mut Imported) {
    let reason = match section.name.split_once(':').map_or(section.name.as_str(), |(kind, _)| kind)
    {
        "supervisord" => "supervisord's own settings; Tend's are in [supervisor]",
        "unix_http_server" | "inet_http_server" | "supervisorctl" | "rpcinterface"
        | "ctlplugin" => "Tend's control API is set in [api]",
        "eventlistener" => "Tend has no event listeners; it notifies on failures itself",
        "group" => "Tend has no groups; each program is imported on its own",
        "include" => return,
        _ => "unknown section",
    };
    let mut keys: Vec<&str> = section.entries.iter().map(|entry| entry.key.as_str()).collect();
    if section.name == "supervisord" {
        // environment= is applied to every program, so it is imported.
        keys.retain(|key| *key != "environment");
    }
    let listed = if keys.is_empty() { String::new() } else { format!(" {}", keys.join(", ")) };
    imported.skip(format!("[{}]{listed} ({reason})", section.name), section.origin());
}

/// Reads the files of `[include] files = ...`, globs relative to the
/// including file. Included files cannot include others, as in supervisord.
fn read_includes(
    path: &Path,
    sections: &[Section],
    imported: &mut Imported,
) -> Result<Vec<Section>, Problem> {
    let base = path.parent().unwrap_or(Path::new("."));
    let mut included = Vec::new();
    for section in sections.iter().filter(|section| section.name == "include") {
        let Some(entry) = section.get("files") else {
            return Err(Problem::new(section.origin(), "[include] needs `files = PATTERN ...`"));
        };
        for pattern in entry.value.split_whitespace() {
            let full = base.join(pattern);
            let paths = glob::glob(&full.to_string_lossy()).map_err(|error| {
                Problem::new(
                    section.origin_of(entry),
                    format!("invalid pattern {pattern:?}: {error}"),
                )
            })?;
            let mut matched = false;
            for found in paths.flatten() {
                matched = true;
                let file = found.strip_prefix(base).unwrap_or(&found).display().to_string();
                let text = std::fs::read_to_string(&found).map_err(|error| {
                    Problem::new(
                        section.origin_of(entry),
                        format!("cannot read included file {}: {error}", found.display()),
                    )
                })?;
                let parsed = ini::parse(&text, &file)?;
                if let Some(nested) = parsed.iter().find(|section| section.name == "include") {
                    return Err(Problem::new(
                        nested.origin(),
                        "an included file cannot include files itself",
                    ));
                }
                included.extend(parsed);
            }
            if !matched {
                let origin: Origin = section.origin_of(entry);
                imported.remark(format!("[include] files = {pattern} matched no file when imported ({origin}); import those files too"));
            }
        }
    }
    Ok(included)
}
