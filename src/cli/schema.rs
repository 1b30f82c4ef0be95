//! `tend schema`: prints the JSON Schema of `tend.toml`.

use super::Exit;

pub fn run() -> Exit {
    match serde_json::to_string_pretty(&crate::config::json_schema()) {
        Ok(text) => {
            println!("{text}");
            Exit::Ok
        }
        Err(error) => {
            eprintln!("tend: cannot serialize the schema: {error}");
            Exit::Failed
        }
    }
}
