//! The operator's keys for creating sessions (`--create-keys-file`): a hosted endpoint creates
//! sessions only for requests carrying one of them as `Authorization: Bearer`. The file holds one key
//! per line (blank lines and `#` comments ignored); [`CreateKeys::reload`] reads it again (the binary
//! calls it on SIGHUP) and keeps the old keys if the new file is unusable. Keys are compared in
//! constant time and never logged.

use std::path::{Path, PathBuf};
use std::sync::RwLock;
use subtle::ConstantTimeEq;

/// Why a keys file cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum KeysError {
    /// The file could not be read.
    #[error("cannot read the create-keys file {path}: {source}")]
    Read {
        /// The file.
        path: PathBuf,
        /// Why.
        source: std::io::Error,
    },
    /// The file has no key in it (which would lock everyone out).
    #[error("the create-keys file {0} holds no key (one key per line; # starts a comment)")]
    Empty(PathBuf),
}

/// The keys that may create sessions, re-readable from their file.
#[derive(Debug)]
pub struct CreateKeys {
    path: PathBuf,
    keys: RwLock<Vec<Vec<u8>>>,
}

impl CreateKeys {
    /// Read the keys in `path`.
    pub fn load(path: impl Into<PathBuf>) -> Result<CreateKeys, KeysError> {
        let path = path.into();
        let keys = read(&path)?;
        Ok(CreateKeys {
            path,
            keys: RwLock::new(keys),
        })
    }

    /// Read the file again; on error the keys in use stay as they are. Returns how many keys are in
    /// use now.
    pub fn reload(&self) -> Result<usize, KeysError> {
        let keys = read(&self.path)?;
        let count = keys.len();
        *self.keys.write().unwrap_or_else(|e| e.into_inner()) = keys;
        Ok(count)
    }

    /// The file the keys come from.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Is `presented` one of the keys? Every key is compared, each in constant time.
    pub fn allows(&self, presented: &str) -> bool {
        let keys = self.keys.read().unwrap_or_else(|e| e.into_inner());
        keys.iter()
            .fold(subtle::Choice::from(0), |found, key| {
                found | key.as_slice().ct_eq(presented.as_bytes())
            })
            .into()
    }
}

fn read(path: &Path) -> Result<Vec<Vec<u8>>, KeysError> {
    let text = std::fs::read_to_string(path).map_err(|source| KeysError::Read {
        path: path.to_owned(),
        source,
    })?;
    let keys: Vec<Vec<u8>> = text
        .lines()
        .map(str::trim)
        .filter(|line| !line.is_empty() && !line.starts_with('#'))
        .map(|line| line.as_bytes().to_vec())
        .collect();
    if keys.is_empty() {
        return Err(KeysError::Empty(path.to_owned()));
    }
    Ok(keys)
}

#[cfg(test)]
mod tests {
    use super::{CreateKeys, KeysError};

    #[test]
    fn keys_are_read_reloaded_and_kept_when_the_new_file_is_unusable() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("keys");
        std::fs::write(&path, "# operators\n\n  alpha-key  \nbeta-key\n").unwrap();
        let keys = CreateKeys::load(&path).unwrap();
        assert!(keys.allows("alpha-key") && keys.allows("beta-key"));
        assert!(!keys.allows("alpha") && !keys.allows("") && !keys.allows("# operators"));

        std::fs::write(&path, "gamma-key\n").unwrap();
        assert_eq!(keys.reload().unwrap(), 1);
        assert!(keys.allows("gamma-key") && !keys.allows("alpha-key"));

        std::fs::write(&path, "# nothing here\n").unwrap();
        assert!(matches!(keys.reload(), Err(KeysError::Empty(_))));
        std::fs::remove_file(&path).unwrap();
        assert!(matches!(keys.reload(), Err(KeysError::Read { .. })));
        assert!(
            keys.allows("gamma-key"),
            "a failed reload keeps the keys in use"
        );
    }

    #[test]
    fn an_unusable_file_is_an_error_at_start() {
        let dir = tempfile::tempdir().unwrap();
        assert!(matches!(
            CreateKeys::load(dir.path().join("missing")),
            Err(KeysError::Read { .. })
        ));
        std::fs::write(dir.path().join("empty"), "\n").unwrap();
        assert!(matches!(
            CreateKeys::load(dir.path().join("empty")),
            Err(KeysError::Empty(_))
        ));
    }
}
