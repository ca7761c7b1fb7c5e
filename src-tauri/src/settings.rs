//! Where the app keeps its data and the user's preferences: `BREAKOUT_DATA_DIR` or the OS's app data
//! folder, with `settings.json` inside. `BREAKOUT_ENDPOINT` overrides the stored hosted endpoint.

use crate::error::AppError;
use crate::json_file;
use crate::view::{Settings, SettingsView};
use breakout_client::Endpoint;
use breakout_core::plan::RoomPlan;
use std::path::{Path, PathBuf};

/// Environment variable naming the data directory (tests, several profiles side by side).
pub const DATA_DIR_VAR: &str = "BREAKOUT_DATA_DIR";
/// Environment variable naming a hosted endpoint to use instead of the embedded one.
pub const ENDPOINT_VAR: &str = "BREAKOUT_ENDPOINT";

const SETTINGS_FILE: &str = "settings.json";
const PLAN_FILE: &str = "plan.json";

/// The preferences file of one data directory.
#[derive(Debug, Clone)]
pub struct SettingsStore {
    data_dir: PathBuf,
}

impl SettingsStore {
    /// The store in `data_dir` (created if missing).
    pub fn open(data_dir: PathBuf) -> Result<SettingsStore, AppError> {
        std::fs::create_dir_all(&data_dir).map_err(|e| {
            AppError::new(
                "storage",
                format!("cannot create {}: {e}", data_dir.display()),
            )
        })?;
        Ok(SettingsStore { data_dir })
    }

    /// Where the app keeps its data.
    pub fn data_dir(&self) -> &Path {
        &self.data_dir
    }

    /// The stored preferences; defaults when none were saved or the file is unreadable.
    pub fn load(&self) -> Settings {
        json_file::read(&self.data_dir.join(SETTINGS_FILE)).unwrap_or_default()
    }

    /// Check and store new preferences (written to a temporary file, then renamed into place).
    pub fn save(&self, settings: Settings) -> Result<Settings, AppError> {
        let settings = Settings {
            hosted_endpoint: match settings.hosted_endpoint.as_deref().map(str::trim) {
                None | Some("") => None,
                Some(address) => Some(Endpoint::parse(address)?.to_string()),
            },
            share_on_lan: settings.share_on_lan,
            library_folder: settings
                .library_folder
                .map(|folder| folder.trim().to_owned())
                .filter(|folder| !folder.is_empty()),
        };
        json_file::write(&self.data_dir.join(SETTINGS_FILE), &settings)?;
        Ok(settings)
    }

    /// The library folder: the stored one, else `library` in the data directory when that was given
    /// by `BREAKOUT_DATA_DIR` (a self-contained profile), else `Breakout` in the documents folder.
    pub fn library_folder(&self, documents: Option<PathBuf>) -> PathBuf {
        if let Some(folder) = self.load().library_folder {
            return PathBuf::from(folder);
        }
        match (std::env::var_os(DATA_DIR_VAR), documents) {
            (None, Some(documents)) => documents.join("Breakout"),
            _ => self.data_dir.join("library"),
        }
    }

    /// The stored room plan (empty when none was saved).
    pub fn plan(&self) -> RoomPlan {
        json_file::read(&self.data_dir.join(PLAN_FILE)).unwrap_or_default()
    }

    /// Check and store a room plan; a bad plan is refused and the stored one stays.
    pub fn save_plan(&self, plan: &RoomPlan) -> Result<RoomPlan, AppError> {
        let plan = plan.validated().map_err(AppError::from)?;
        json_file::write(&self.data_dir.join(PLAN_FILE), &plan)?;
        Ok(plan)
    }

    /// The preferences with what overrides them, for the settings screen.
    pub fn view(&self) -> SettingsView {
        SettingsView {
            settings: self.load(),
            endpoint_from_env: endpoint_from_env(),
            data_dir: self.data_dir.display().to_string(),
        }
    }

    /// The hosted endpoint sessions start on, if any: `BREAKOUT_ENDPOINT`, else the stored one.
    pub fn hosted_endpoint(&self) -> Result<Option<Endpoint>, AppError> {
        endpoint_from_env()
            .or(self.load().hosted_endpoint)
            .map(|address| Endpoint::parse(&address).map_err(AppError::from))
            .transpose()
    }
}

fn endpoint_from_env() -> Option<String> {
    std::env::var(ENDPOINT_VAR)
        .ok()
        .filter(|value| !value.trim().is_empty())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn saved_settings_read_back_and_bad_endpoints_change_nothing() {
        let dir = tempfile::tempdir().unwrap();
        let store = SettingsStore::open(dir.path().join("data")).unwrap();
        assert_eq!(store.load(), Settings::default());

        let saved = store
            .save(Settings {
                hosted_endpoint: Some(" https://breakout.example/ ".into()),
                share_on_lan: true,
                library_folder: None,
            })
            .unwrap();
        assert_eq!(
            saved.hosted_endpoint.as_deref(),
            Some("https://breakout.example")
        );
        assert_eq!(store.load(), saved);

        let err = store
            .save(Settings {
                hosted_endpoint: Some("breakout.example".into()),
                share_on_lan: false,
                library_folder: None,
            })
            .unwrap_err();
        assert_eq!(err.code, "invalid");
        assert_eq!(store.load(), saved, "a refused save must change nothing");

        let cleared = store.save(Settings::default()).unwrap();
        assert_eq!(cleared.hosted_endpoint, None);
    }
}
