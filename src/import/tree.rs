//! A JSON or YAML document as a tree whose nodes remember their line and key
//! path, so that every note and error can name where a setting came from.

use saphyr::{LoadableYamlNode, MarkedYaml, Scalar, YamlData};

use super::error::{Origin, Problem};

/// One value of the document.
#[derive(Debug, Clone, PartialEq)]
pub struct Node {
    /// 1-based line of the node, or of its key for an object entry; `None`
    /// when the document came from a program's output.
    pub line: Option<usize>,
    /// Key path from the root, e.g. `apps[0].env.PORT`.
    pub path: String,
    pub value: Value,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    Null,
    Bool(bool),
    Number(f64),
    String(String),
    Array(Vec<Node>),
    /// Entries in document order; a repeated key appears twice.
    Object(Vec<(String, Node)>),
}

impl Node {
    /// The value of `key`, the last one when it is repeated (as in JavaScript).
    pub fn get(&self, key: &str) -> Option<&Node> {
        match &self.value {
            Value::Object(entries) => {
                entries.iter().rev().find(|(name, _)| name == key).map(|e| &e.1)
            }
            _ => None,
        }
    }

    pub fn entries(&self) -> &[(String, Node)] {
        match &self.value {
            Value::Object(entries) => entries,
            _ => &[],
        }
    }

    pub fn as_str(&self) -> Option<&str> {
        match &self.value {
            Value::String(text) => Some(text),
            _ => None,
        }
    }

    pub fn as_bool(&self) -> Option<bool> {
        match self.value {
            Value::Bool(flag) => Some(flag),
            _ => None,
        }
    }

    /// A number, or a string that holds one (PM2 accepts `"2"` for 2).
    pub fn as_f64(&self) -> Option<f64> {
        match &self.value {
            Value::Number(number) => Some(*number),
            Value::String(text) => text.trim().parse().ok(),
            _ => None,
        }
    }

    /// A whole non-negative number that fits in `u32`.
    pub fn as_u32(&self) -> Option<u32> {
        self.as_f64()
            .filter(|number| {
                number.fract() == 0.0 && *number >= 0.0 && *number <= f64::from(u32::MAX)
            })
            .map(|number| number as u32)
    }

    /// A string, number or boolean written as text, as it reaches a
    /// program's environment.
    pub fn scalar_text(&self) -> Option<String> {
        match &self.value {
            Value::String(text) => Some(text.clone()),
            Value::Number(number) => Some(number_text(*number)),
            Value::Bool(flag) => Some(flag.to_string()),
            _ => None,
        }
    }

    /// The value written compactly, for a "not imported" note.
    pub fn describe(&self) -> String {
        match &self.value {
            Value::Null => "null".to_string(),
            Value::Bool(flag) => flag.to_string(),
            Value::Number(number) => number_text(*number),
            Value::String(text) => format!("{text:?}"),
            Value::Array(items) => {
                let inner: Vec<String> = items.iter().map(Node::describe).collect();
                format!("[{}]", inner.join(", "))
            }
            Value::Object(entries) => {
                let inner: Vec<String> = entries
                    .iter()
                    .map(|(key, node)| format!("{key} = {}", node.describe()))
                    .collect();
                format!("{{ {} }}", inner.join(", "))
            }
        }
    }

    /// Where this node is: its line when known, else its key path.
    pub fn origin(&self, file: &str) -> Origin {
        match self.line {
            Some(line) => Origin::line(file, line),
            None => Origin { file: file.to_string(), line: None, key: Some(self.path.clone()) },
        }
    }

    /// A problem at this node, naming its key path.
    pub fn problem(&self, file: &str, message: impl std::fmt::Display) -> Problem {
        let origin = Origin { key: Some(self.path.clone()), ..self.origin(file) };
        Problem::new(origin, message.to_string())
    }
}

fn number_text(number: f64) -> String {
    if number.fract() == 0.0 && number.abs() < 1e15 {
        format!("{}", number as i64)
    } else {
        number.to_string()
    }
}

fn child_path(parent: &str, key: &str) -> String {
    let plain =
        !key.is_empty() && key.chars().all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-');
    match (parent.is_empty(), plain) {
        (true, true) => key.to_string(),
        (true, false) => format!("{key:?}"),
        (false, true) => format!("{parent}.{key}"),
        (false, false) => format!("{parent}.{key:?}"),
    }
}

/// Parses JSON with the relaxations PM2 files use: comments, trailing
/// commas, unquoted keys and single-quoted strings.
pub fn from_json(text: &str, file: &str) -> Result<Node, Problem> {
    let options = jsonc_parser::ParseOptions { allow_missing_commas: false, ..Default::default() };
    let parsed =
        jsonc_parser::parse_to_ast(text, &Default::default(), &options).map_err(|error| {
            let origin = Origin::line(file, error.line_display());
            Problem::new(
                origin,
                format!("invalid JSON at column {}: {}", error.column_display(), error.kind()),
            )
        })?;
    let lines = LineIndex::new(text);
    match parsed.value {
        Some(value) => Ok(json_node(&value, &lines, String::new(), None)),
        None => Err(Problem::new(Origin::line(file, 1), "the file holds no JSON value")),
    }
}

fn json_node(
    value: &jsonc_parser::ast::Value,
    lines: &LineIndex,
    path: String,
    line: Option<usize>,
) -> Node {
    use jsonc_parser::ast::Value as Json;
    use jsonc_parser::common::Ranged;
    let line = line.unwrap_or_else(|| lines.line_of(value.range().start));
    let value = match value {
        Json::NullKeyword(_) => Value::Null,
        Json::BooleanLit(flag) => Value::Bool(flag.value),
        Json::NumberLit(number) => Value::Number(number.value.parse().unwrap_or(f64::NAN)),
        Json::StringLit(text) => Value::String(text.value.to_string()),
        Json::Array(array) => Value::Array(
            array
                .elements
                .iter()
                .enumerate()
                .map(|(index, item)| json_node(item, lines, format!("{path}[{index}]"), None))
                .collect(),
        ),
        Json::Object(object) => Value::Object(
            object
                .properties
                .iter()
                .map(|property| {
                    let key = property.name.as_str().to_string();
                    let key_line = lines.line_of(property.range.start);
                    let node =
                        json_node(&property.value, lines, child_path(&path, &key), Some(key_line));
                    (key, node)
                })
                .collect(),
        ),
    };
    Node { line: Some(line), path, value }
}

/// Converts the output of a program (node's `JSON.stringify`), which has no lines.
pub fn from_serde(value: &serde_json::Value, path: String) -> Node {
    use serde_json::Value as Json;
    let value = match value {
        Json::Null => Value::Null,
        Json::Bool(flag) => Value::Bool(*flag),
        Json::Number(number) => Value::Number(number.as_f64().unwrap_or(f64::NAN)),
        Json::String(text) => Value::String(text.clone()),
        Json::Array(items) => Value::Array(
            items
                .iter()
                .enumerate()
                .map(|(index, item)| from_serde(item, format!("{path}[{index}]")))
                .collect(),
        ),
        Json::Object(map) => Value::Object(
            map.iter()
                .map(|(key, item)| (key.clone(), from_serde(item, child_path(&path, key))))
                .collect(),
        ),
    };
    Node { line: None, path, value }
}

/// Parses the first YAML document of `text` (YAML 1.2 core schema).
pub fn from_yaml(text: &str, file: &str) -> Result<Node, Problem> {
    let documents = MarkedYaml::load_from_str(text).map_err(|error| {
        let marker = error.marker();
        Problem::new(
            Origin::line(file, marker.line()),
            format!("invalid YAML at column {}: {}", marker.col() + 1, error.info()),
        )
    })?;
    match documents.first() {
        Some(document) => yaml_node(document, file, String::new(), None),
        None => Ok(Node { line: Some(1), path: String::new(), value: Value::Null }),
    }
}

fn yaml_node(
    node: &MarkedYaml,
    file: &str,
    path: String,
    line: Option<usize>,
) -> Result<Node, Problem> {
    let line = line.unwrap_or(node.span.start.line());
    let value = match &node.data {
        YamlData::Value(scalar) => scalar_value(scalar),
        YamlData::Representation(text, _, _) => Value::String(text.to_string()),
        YamlData::Tagged(_, inner) => return yaml_node(inner, file, path, Some(line)),
        YamlData::Sequence(items) => Value::Array(
            items
                .iter()
                .enumerate()
                .map(|(index, item)| yaml_node(item, file, format!("{path}[{index}]"), None))
                .collect::<Result<_, _>>()?,
        ),
        YamlData::Mapping(map) => {
            let mut entries = Vec::with_capacity(map.len());
            for (key, item) in map {
                let key_node = yaml_node(key, file, path.clone(), None)?;
                let Some(key_text) = key_node.scalar_text() else {
                    return Err(Problem::new(
                        Origin::line(file, key_node.line.unwrap_or(line)),
                        "a YAML key must be a string",
                    ));
                };
                let child = yaml_node(item, file, child_path(&path, &key_text), key_node.line)?;
                entries.push((key_text, child));
            }
            Value::Object(entries)
        }
        YamlData::Alias(_) | YamlData::BadValue => {
            return Err(Problem::new(
                Origin::line(file, line),
                "YAML aliases are not supported; write the value out",
            ));
        }
    };
    Ok(Node { line: Some(line), path, value })
}

fn scalar_value(scalar: &Scalar) -> Value {
    match scalar {
        Scalar::Null => Value::Null,
        Scalar::Boolean(flag) => Value::Bool(*flag),
        Scalar::Integer(number) => Value::Number(*number as f64),
        Scalar::FloatingPoint(number) => Value::Number(number.into_inner()),
        Scalar::String(text) => Value::String(text.to_string()),
    }
}

/// Byte offsets of line starts, to turn an offset into a 1-based line.
struct LineIndex {
    starts: Vec<usize>,
}

impl LineIndex {
    fn new(text: &str) -> Self {
        let mut starts = vec![0];
        starts.extend(text.match_indices('\n').map(|(offset, _)| offset + 1));
        LineIndex { starts }
    }

    fn line_of(&self, offset: usize) -> usize {
        self.starts.partition_point(|start| *start <= offset)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json5_keeps_lines_and_paths() {
        let text = "{\n  // comment\n  apps: [{\n    name: 'web',\n    watch: true,\n  }],\n}\n";
        let root = from_json(text, "process.json").unwrap();
        let app = &root.get("apps").unwrap();
        let Value::Array(items) = &app.value else { panic!("apps is not an array") };
        let watch = items[0].get("watch").unwrap();
        assert_eq!(watch.line, Some(5));
        assert_eq!(watch.path, "apps[0].watch");
        assert_eq!(items[0].get("name").unwrap().as_str(), Some("web"));
    }

    #[test]
    fn json_error_names_line() {
        let problem = from_json("{\n  a: 1\n  b: 2\n}", "x.json").unwrap_err();
        assert_eq!(problem.origin.line, Some(2));
        assert!(problem.message.contains("comma"), "{}", problem.message);
    }

    #[test]
    fn yaml_keeps_key_lines() {
        let text = "processes:\n  web:\n    command: run\n    restart: no\n";
        let root = from_yaml(text, "pc.yaml").unwrap();
        let web = root.get("processes").unwrap().get("web").unwrap();
        assert_eq!(web.line, Some(2));
        assert_eq!(web.get("command").unwrap().line, Some(3));
        assert_eq!(web.get("restart").unwrap().as_str(), Some("no"));
        assert_eq!(web.get("command").unwrap().path, "processes.web.command");
    }

    #[test]
    fn repeated_key_last_wins() {
        let root = from_json("{ watch: '.', watch: true }", "x.js").unwrap();
        assert_eq!(root.get("watch").unwrap().as_bool(), Some(true));
    }
}
