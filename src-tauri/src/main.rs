fn main() {
    let _ = tauri::Builder::default().build(tauri::generate_context!());
}
