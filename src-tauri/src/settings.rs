//! Where the app keeps its data and the user's preferences: `BREAKOUT_DATA_DIR` or the OS's app data
//! folder, with `settings.json` inside. `BREAKOUT_ENDPOINT` overrides the stored hosted endpoint.
//! The key for creating sessions on a hosted endpoint is a secret: it lives in its own file, readable
//! by this user only, and never appears in a view or a log.

use crate::error::AppError;
use crate::json_file;
use crate::view::{Settings, SettingsView};
use breakout_client::Endpoint;
use breakout_core::plan::RoomPlan;
use std::io::Write;
use std::path::{Path, PathBuf};

/// Environment variable naming the data directory (tests, several profiles side by side).
pub const DATA_DIR_VAR: &str = "BREAKOUT_DATA_DIR";
/// Environment variable naming a hosted endpoint to use instead of the embedded one.
pub const ENDPOINT_VAR: &str = "BREAKOUT_ENDPOINT";

const SETTINGS_FILE: &str = "settings.json";
const PLAN_FILE: &str = "plan.json";
const CREATE_KEY_FILE: &str = "create-key";

/// Where sessions start when a hosted endpoint is set.
#[derive(Debug, Clone)]
pub struct Hosted {
    /// The endpoint, trusting the configured CA file too.
    pub endpoint: Endpoint,
    /// The operator's key for creating sessions there, if one is stored.
    pub create_key: Option<String>,
}

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
        let trimmed =
            |value: Option<String>| value.map(|v| v.trim().to_owned()).filter(|v| !v.is_empty());
        let ca_file = trimmed(settings.ca_file);
        if let Some(path) = &ca_file {
            breakout_client::check_ca_file(Path::new(path))?;
        }
        let settings = Settings {
            hosted_endpoint: match trimmed(settings.hosted_endpoint) {
                None => None,
                Some(address) => Some(Endpoint::parse(&address)?.to_string()),
            },
            share_on_lan: settings.share_on_lan,
            library_folder: trimmed(settings.library_folder),
            ca_file,
        };
        json_file::write(&self.data_dir.join(SETTINGS_FILE), &settings)?;
        Ok(settings)
    }

    /// Store (or with `""` remove) the key for creating sessions on the hosted endpoint. The file is
    /// created readable and writable by this user only.
    pub fn save_create_key(&self, key: &str) -> Result<(), AppError> {
        let path = self.data_dir.join(CREATE_KEY_FILE);
        let failed = |e: std::io::Error| {
            AppError::new(
                "storage",
                format!("cannot save the key in {}: {e}", path.display()),
            )
        };
        let key = key.trim();
        if key.is_empty() {
            return match std::fs::remove_file(&path) {
                Err(e) if e.kind() != std::io::ErrorKind::NotFound => Err(failed(e)),
                _ => Ok(()),
            };
        }
        if key.len() > 512 || key.chars().any(char::is_control) {
            return Err(AppError::new(
                "invalid",
                "a key is one line of at most 512 characters",
            ));
        }
        let temporary = path.with_extension("tmp");
        let mut options = std::fs::OpenOptions::new();
        options.write(true).create(true).truncate(true);
        #[cfg(unix)]
        std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
        options
            .open(&temporary)
            .and_then(|mut file| file.write_all(key.as_bytes()))
            .and_then(|()| std::fs::rename(&temporary, &path))
            .map_err(failed)
    }

    fn create_key(&self) -> Option<String> {
        std::fs::read_to_string(self.data_dir.join(CREATE_KEY_FILE))
            .ok()
            .map(|key| key.trim().to_owned())
            .filter(|key| !key.is_empty())
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
            has_create_key: self.create_key().is_some(),
        }
    }

    /// The hosted endpoint sessions start on, if any: `BREAKOUT_ENDPOINT`, else the stored one;
    /// trusting the stored CA file (and `BREAKOUT_CA_FILE`) besides the system's roots.
    pub fn hosted(&self) -> Result<Option<Hosted>, AppError> {
        let settings = self.load();
        let Some(address) = endpoint_from_env().or(settings.hosted_endpoint) else {
            return Ok(None);
        };
        Ok(Some(Hosted {
            endpoint: self.trusting_ca_file(Endpoint::parse(&address)?)?,
            create_key: self.create_key(),
        }))
    }

    /// `endpoint`, also trusting the CA file from the settings (an invite to a private deployment
    /// is joined the same way its sessions are started).
    pub fn trusting_ca_file(&self, endpoint: Endpoint) -> Result<Endpoint, AppError> {
        match self.load().ca_file {
            Some(ca_file) => Ok(endpoint.with_ca_file(Path::new(&ca_file))?),
            None => Ok(endpoint),
        }
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
                ca_file: None,
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
                ca_file: None,
            })
            .unwrap_err();
        assert_eq!(err.code, "invalid");
        assert_eq!(store.load(), saved, "a refused save must change nothing");

        let not_pem = dir.path().join("not-a-ca.pem");
        std::fs::write(&not_pem, "hello").unwrap();
        let err = store
            .save(Settings {
                ca_file: Some(not_pem.display().to_string()),
                ..saved.clone()
            })
            .unwrap_err();
        assert_eq!(err.code, "invalid");
        assert_eq!(store.load(), saved, "a refused CA file must change nothing");

        let cleared = store.save(Settings::default()).unwrap();
        assert_eq!(cleared.hosted_endpoint, None);
    }

    #[test]
    fn the_create_key_is_private_and_never_shown() {
        let dir = tempfile::tempdir().unwrap();
        let store = SettingsStore::open(dir.path().to_owned()).unwrap();
        assert!(!store.view().has_create_key);
        store.save_create_key(" s3cret-key \n").unwrap();
        let view = store.view();
        assert!(view.has_create_key);
        assert!(!serde_json::to_string(&view).unwrap().contains("s3cret"));
        assert_eq!(store.create_key().as_deref(), Some("s3cret-key"));
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(dir.path().join(CREATE_KEY_FILE))
                .unwrap()
                .permissions()
                .mode();
            assert_eq!(mode & 0o777, 0o600);
        }
        let err = store.save_create_key("two\nlines").unwrap_err();
        assert_eq!(err.code, "invalid");
        assert_eq!(store.create_key().as_deref(), Some("s3cret-key"));
        store.save_create_key("").unwrap();
        assert!(!store.view().has_create_key);
    }
}
