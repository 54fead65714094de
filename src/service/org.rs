//! The organisation as the API shows it: forums, units, processes and categories (from config).

use super::views::{ForumView, NamedView, UnitView};
use super::Service;

impl Service {
    /// Every forum, units included (a unit is the forum of level `unit`).
    pub fn forums(&self) -> Vec<ForumView> {
        self.config
            .structure
            .forums
            .values()
            .map(|f| ForumView {
                code: f.code.clone(),
                name: f.name.clone(),
                level: f.level,
                parents: f.parents.clone(),
                process: f.process.clone(),
            })
            .collect()
    }

    pub fn units(&self) -> Vec<UnitView> {
        self.config
            .structure
            .units
            .values()
            .map(|u| UnitView {
                code: u.code.clone(),
                name: u.name.clone(),
                region: u.region.clone(),
                regional_group: u.regional_group.clone(),
            })
            .collect()
    }

    pub fn processes(&self) -> Vec<NamedView> {
        let s = &self.config.structure;
        s.processes
            .iter()
            .map(|p| NamedView {
                code: p.code.clone(),
                name: p.name.clone(),
            })
            .collect()
    }

    pub fn categories(&self) -> Vec<NamedView> {
        self.config
            .structure
            .categories
            .iter()
            .map(|p| NamedView {
                code: p.code.clone(),
                name: p.name.clone(),
            })
            .collect()
    }
}
