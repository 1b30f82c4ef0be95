//! The JSON Schema of `tend.toml`, for editor completion and validation.

use schemars::generate::SchemaSettings;
use serde_json::Value;

use super::raw::RawConfig;

/// Generates the schema of the raw file (draft-07, which taplo and most editors read),
/// with descriptions and defaults.
pub fn json_schema() -> Value {
    let settings = SchemaSettings::draft07().for_deserialize();
    let mut schema = settings.into_generator().into_root_schema_for::<RawConfig>().to_value();
    remove_null(&mut schema);
    schema
}

/// Drops the `null` that schemars adds for `Option` fields: TOML has no null,
/// so an optional key is simply absent.
fn remove_null(schema: &mut Value) {
    match schema {
        Value::Object(object) => {
            if let Some(Value::Array(types)) = object.get_mut("type") {
                types.retain(|kind| kind != "null");
                if types.len() == 1 {
                    let only = types.remove(0);
                    object.insert("type".to_owned(), only);
                }
            }
            if let Some(Value::Array(variants)) = object.get_mut("anyOf") {
                variants.retain(|variant| variant.get("type").is_none_or(|kind| kind != "null"));
            }
            object.values_mut().for_each(remove_null);
        }
        Value::Array(items) => items.iter_mut().for_each(remove_null),
        _ => {}
    }
}
