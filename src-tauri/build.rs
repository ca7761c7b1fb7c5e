//! Build script of the desktop app: checks tauri.conf.json and the capabilities, and embeds the built
//! UI (ui/dist). Rebuilds when the UI is rebuilt, since `generate_context!` cannot see new files.

fn main() {
    println!("cargo:rerun-if-changed=ui/dist");
    tauri_build::try_build(
        tauri_build::Attributes::new().capabilities_path_pattern("./src-tauri/capabilities/**/*"),
    )
    .expect("tauri.conf.json and the capabilities are valid");
}
