//! Search: the tantivy index (Swedish analysis, queries, facets, snippets) and its folders.
//! The database is the source of truth; the service's indexer keeps this derived copy fresh.

pub mod abbreviations;
pub mod analyzer;
pub mod index;
pub mod rarity;

use std::path::{Path, PathBuf};
use std::sync::{Arc, RwLock};

pub use index::{Filters, QuestionDoc, Ranking, SearchIndex, SearchResults};

#[derive(Debug, thiserror::Error)]
pub enum SearchError {
    #[error("search index: {0}")]
    Index(String),
    #[error("search index folder: {0}")]
    Io(String),
}

impl From<tantivy::TantivyError> for SearchError {
    fn from(e: tantivy::TantivyError) -> Self {
        SearchError::Index(e.to_string())
    }
}

const POINTER: &str = "CURRENT";

/// The index generations under `<data dir>/index`: `CURRENT` names the folder in use, so a
/// rebuilt index replaces the old one with one atomic rename.
pub struct IndexRoot {
    root: PathBuf,
    current: RwLock<(String, Arc<SearchIndex>)>,
    ranking: Ranking,
}

impl IndexRoot {
    pub fn open(root: &Path) -> Result<IndexRoot, SearchError> {
        Self::open_ranked(root, Ranking::default())
    }

    /// Opens the generations under `root`; every index handed out scores by `ranking`.
    pub fn open_ranked(root: &Path, ranking: Ranking) -> Result<IndexRoot, SearchError> {
        let open = |dir: &Path| SearchIndex::open(dir).map(|i| i.with_ranking(ranking));
        crate::files::private_dir(root)
            .map_err(|e| SearchError::Io(format!("{}: {e}", root.display())))?;
        let name = match read_pointer(root) {
            Some(n) => n,
            None => {
                let n = new_generation_name();
                write_pointer(root, &n)?;
                n
            }
        };
        let (name, index) = match open(&root.join(&name)) {
            Ok(index) => (name, index),
            // An index this version cannot open (written with another schema, or damaged) is
            // replaced by an empty generation: the indexer rebuilds it from the change log.
            Err(e) => {
                log::warn!("search index {name} cannot be opened ({e}); starting a new one, rebuilt from the database");
                let fresh = new_generation_name();
                let index = open(&root.join(&fresh))?;
                write_pointer(root, &fresh)?;
                if let Err(err) = std::fs::remove_dir_all(root.join(&name)) {
                    log::warn!("could not remove the unreadable index {name}: {err}");
                }
                (fresh, index)
            }
        };
        // Other generations are left alone here: one may be a rebuild that `eskalera reindex`
        // is writing right now; the server removes them when it switches.
        Ok(IndexRoot {
            root: root.to_path_buf(),
            current: RwLock::new((name, Arc::new(index))),
            ranking,
        })
    }

    pub fn current(&self) -> Arc<SearchIndex> {
        match self.current.read() {
            Ok(g) => g.1.clone(),
            Err(poisoned) => poisoned.into_inner().1.clone(),
        }
    }

    pub fn current_name(&self) -> String {
        match self.current.read() {
            Ok(g) => g.0.clone(),
            Err(poisoned) => poisoned.into_inner().0.clone(),
        }
    }

    /// Switches to the generation `CURRENT` names if it changed (after `eskalera reindex`);
    /// returns true when it did. Old generations are removed.
    pub fn follow_pointer(&self) -> Result<bool, SearchError> {
        let Some(name) = read_pointer(&self.root) else {
            return Ok(false);
        };
        if name == self.current_name() {
            return Ok(false);
        }
        let index = SearchIndex::open(&self.root.join(&name))?.with_ranking(self.ranking);
        match self.current.write() {
            Ok(mut g) => *g = (name, Arc::new(index)),
            Err(poisoned) => *poisoned.into_inner() = (name, Arc::new(index)),
        }
        self.remove_old_generations();
        Ok(true)
    }

    /// Removes every generation folder but the current one.
    pub fn remove_old_generations(&self) {
        let keep = self.current_name();
        let Ok(entries) = std::fs::read_dir(&self.root) else {
            return;
        };
        for e in entries.flatten() {
            let name = e.file_name().to_string_lossy().to_string();
            // file_type does not follow symlinks: only our own folders are removed.
            if is_generation_name(&name) && name != keep && e.file_type().is_ok_and(|t| t.is_dir())
            {
                if let Err(err) = std::fs::remove_dir_all(e.path()) {
                    log::warn!("could not remove old index {name}: {err}");
                }
            }
        }
    }

    /// A new, empty generation folder (not yet current).
    pub fn create_generation(&self) -> Result<(String, SearchIndex), SearchError> {
        let name = new_generation_name();
        let index = SearchIndex::open(&self.root.join(&name))?.with_ranking(self.ranking);
        Ok((name, index))
    }

    /// Makes `name` the current generation for every process that follows the pointer.
    pub fn publish(&self, name: &str) -> Result<(), SearchError> {
        write_pointer(&self.root, name)
    }

    pub fn path(&self) -> &Path {
        &self.root
    }
}

/// The generation `CURRENT` names, if it is one of ours: a plain `gen-…` folder name directly
/// under the root. Anything else (`../..`, an absolute path, a symlink) is ignored, because the
/// server removes the folder it cannot open.
fn read_pointer(root: &Path) -> Option<String> {
    let s = std::fs::read_to_string(root.join(POINTER)).ok()?;
    let s = s.trim();
    if !is_generation_name(s) {
        if !s.is_empty() {
            log::warn!("{} does not name an index generation; ignored", POINTER);
        }
        return None;
    }
    let meta = std::fs::symlink_metadata(root.join(s)).ok()?;
    meta.is_dir().then(|| s.to_string())
}

fn is_generation_name(s: &str) -> bool {
    s.strip_prefix("gen-").is_some_and(|rest| {
        !rest.is_empty() && rest.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
    })
}

fn write_pointer(root: &Path, name: &str) -> Result<(), SearchError> {
    let tmp = root.join(format!("{POINTER}.tmp"));
    std::fs::write(&tmp, name).map_err(|e| SearchError::Io(format!("{}: {e}", tmp.display())))?;
    std::fs::rename(&tmp, root.join(POINTER))
        .map_err(|e| SearchError::Io(format!("{}: {e}", root.display())))
}

fn new_generation_name() -> String {
    let now = chrono::Utc::now();
    let mut b = [0u8; 3];
    let _ = getrandom::fill(&mut b);
    format!("gen-{}-{}", now.format("%Y%m%d%H%M%S"), hex::encode(b))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_pointer_names_only_a_generation_folder_under_the_root() {
        let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
        let root = dir.path().join("index");
        let victim = dir.path().join("victim");
        std::fs::create_dir_all(root.join("gen-1")).unwrap_or_else(|e| panic!("{e}"));
        std::fs::create_dir_all(&victim).unwrap_or_else(|e| panic!("{e}"));
        for bad in ["../victim", "/etc", "gen-1/../../victim", "gen-", "x", ""] {
            std::fs::write(root.join(POINTER), bad).unwrap_or_else(|e| panic!("{e}"));
            assert_eq!(read_pointer(&root), None, "{bad:?}");
        }
        std::fs::write(root.join(POINTER), "gen-1\n").unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(read_pointer(&root).as_deref(), Some("gen-1"));
        // Opening the root with a hostile pointer leaves the folder it names alone.
        std::fs::write(root.join(POINTER), "../victim").unwrap_or_else(|e| panic!("{e}"));
        let opened = IndexRoot::open(&root);
        assert!(opened.is_ok());
        assert!(victim.is_dir());
    }
}
