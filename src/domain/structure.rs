//! The prövningsstöd structure: levels, forums, units and which forum a question escalates to.

use std::collections::{BTreeMap, BTreeSet};

use crate::text_enum;

/// The rungs of the ladder, lowest first; the derived order is the ladder's order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Level {
    Unit,
    RegionalGroup,
    NationalGroup,
    NationalNetwork,
    ProcessForum,
}
text_enum!(Level {
    Unit => "unit",
    RegionalGroup => "regional_group",
    NationalGroup => "national_group",
    NationalNetwork => "national_network",
    ProcessForum => "process_forum",
});

impl Level {
    /// Swedish name for the UI and mail.
    pub fn label_sv(self) -> &'static str {
        match self {
            Level::Unit => "enhet",
            Level::RegionalGroup => "regional grupp",
            Level::NationalGroup => "nationell grupp",
            Level::NationalNetwork => "nationellt nätverk",
            Level::ProcessForum => "processforum",
        }
    }

    /// The name as a heading or a table cell starts it ("Regional grupp").
    pub fn title_sv(self) -> &'static str {
        match self {
            Level::Unit => "Enhet",
            Level::RegionalGroup => "Regional grupp",
            Level::NationalGroup => "Nationell grupp",
            Level::NationalNetwork => "Nationellt nätverk",
            Level::ProcessForum => "Processforum",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Region {
    pub code: String,
    pub name: String,
}

/// A process area or a category heading: a code and its Swedish name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Named {
    pub code: String,
    pub name: String,
}

/// Any place that handles questions. A unit is a forum of level `unit` with the unit's code.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Forum {
    pub code: String,
    pub name: String,
    pub level: Level,
    /// Set where the forum handles one process only; escalation follows it.
    pub process: Option<String>,
    pub region: Option<String>,
    pub parents: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Unit {
    pub code: String,
    pub name: String,
    pub region: String,
    pub regional_group: String,
}

/// The whole organisation, validated: every reference resolves and parents sit higher up.
#[derive(Debug, Clone, Default)]
pub struct Structure {
    pub regions: Vec<Region>,
    pub processes: Vec<Named>,
    pub categories: Vec<Named>,
    pub forums: BTreeMap<String, Forum>,
    pub units: BTreeMap<String, Unit>,
}

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum StructureError {
    #[error("{kind} '{code}' is defined twice")]
    Duplicate { kind: &'static str, code: String },
    #[error("forum '{forum}' names unknown parent '{parent}'")]
    UnknownParent { forum: String, parent: String },
    #[error("forum '{forum}' has parent '{parent}' at level {parent_level}, which is not above its own level {level} (this would allow a cycle)")]
    ParentNotAbove {
        forum: String,
        parent: String,
        level: Level,
        parent_level: Level,
    },
    #[error("unit '{unit}' has no regional group (regional_group is empty)")]
    UnitWithoutGroup { unit: String },
    #[error("unit '{unit}' names regional group '{group}', which is not a forum of level regional_group")]
    BadRegionalGroup { unit: String, group: String },
    #[error("{kind} '{code}' names unknown region '{region}'")]
    UnknownRegion {
        kind: &'static str,
        code: String,
        region: String,
    },
    #[error("forum '{forum}' names unknown process '{process}'")]
    UnknownProcess { forum: String, process: String },
    #[error("forum '{forum}' is declared with level unit: units are declared under [[units]]")]
    UnitAsForum { forum: String },
    #[error("code '{code}' may only hold lowercase letters a-z, digits, '-' and '_'")]
    BadCode { code: String },
}

/// What escalation from a forum can do for a question of a given process.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum EscalationTarget<'a> {
    One(&'a Forum),
    Choice(Vec<&'a Forum>),
    Top,
}

fn valid_code(code: &str) -> bool {
    !code.is_empty()
        && code
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-' || c == '_')
}

impl Structure {
    /// Builds the structure from its parts, adding each unit as a forum of level `unit`, and
    /// validates every reference.
    pub fn new(
        regions: Vec<Region>,
        processes: Vec<Named>,
        categories: Vec<Named>,
        forums: Vec<Forum>,
        units: Vec<Unit>,
    ) -> Result<Self, StructureError> {
        let mut s = Structure {
            regions,
            processes,
            categories,
            ..Default::default()
        };
        let mut seen = BTreeSet::new();
        for (kind, code) in s
            .regions
            .iter()
            .map(|r| ("region", &r.code))
            .chain(s.processes.iter().map(|p| ("process", &p.code)))
            .chain(s.categories.iter().map(|c| ("category", &c.code)))
        {
            if !valid_code(code) {
                return Err(StructureError::BadCode { code: code.clone() });
            }
            if !seen.insert((kind, code.clone())) {
                return Err(StructureError::Duplicate {
                    kind,
                    code: code.clone(),
                });
            }
        }
        for f in forums {
            if f.level == Level::Unit {
                return Err(StructureError::UnitAsForum { forum: f.code });
            }
            if !valid_code(&f.code) {
                return Err(StructureError::BadCode { code: f.code });
            }
            if s.forums.contains_key(&f.code) {
                return Err(StructureError::Duplicate {
                    kind: "forum",
                    code: f.code,
                });
            }
            s.forums.insert(f.code.clone(), f);
        }
        for u in units {
            if !valid_code(&u.code) {
                return Err(StructureError::BadCode { code: u.code });
            }
            if u.regional_group.is_empty() {
                return Err(StructureError::UnitWithoutGroup { unit: u.code });
            }
            if s.forums.contains_key(&u.code) {
                return Err(StructureError::Duplicate {
                    kind: "forum or unit",
                    code: u.code,
                });
            }
            s.forums.insert(
                u.code.clone(),
                Forum {
                    code: u.code.clone(),
                    name: u.name.clone(),
                    level: Level::Unit,
                    process: None,
                    region: Some(u.region.clone()),
                    parents: vec![u.regional_group.clone()],
                },
            );
            s.units.insert(u.code.clone(), u);
        }
        s.validate()?;
        Ok(s)
    }

    fn validate(&self) -> Result<(), StructureError> {
        let region_known = |r: &str| self.regions.iter().any(|x| x.code == r);
        for u in self.units.values() {
            match self.forums.get(&u.regional_group) {
                Some(g) if g.level == Level::RegionalGroup => {}
                _ => {
                    return Err(StructureError::BadRegionalGroup {
                        unit: u.code.clone(),
                        group: u.regional_group.clone(),
                    })
                }
            }
            if !region_known(&u.region) {
                return Err(StructureError::UnknownRegion {
                    kind: "unit",
                    code: u.code.clone(),
                    region: u.region.clone(),
                });
            }
        }
        for f in self.forums.values() {
            if let Some(r) = &f.region {
                if !region_known(r) {
                    return Err(StructureError::UnknownRegion {
                        kind: "forum",
                        code: f.code.clone(),
                        region: r.clone(),
                    });
                }
            }
            if let Some(p) = &f.process {
                if !self.processes.iter().any(|x| &x.code == p) {
                    return Err(StructureError::UnknownProcess {
                        forum: f.code.clone(),
                        process: p.clone(),
                    });
                }
            }
            for p in &f.parents {
                let Some(parent) = self.forums.get(p) else {
                    return Err(StructureError::UnknownParent {
                        forum: f.code.clone(),
                        parent: p.clone(),
                    });
                };
                // Requiring every parent to sit strictly higher rules out cycles without a graph walk.
                if parent.level <= f.level {
                    return Err(StructureError::ParentNotAbove {
                        forum: f.code.clone(),
                        parent: p.clone(),
                        level: f.level,
                        parent_level: parent.level,
                    });
                }
            }
        }
        Ok(())
    }

    pub fn forum(&self, code: &str) -> Option<&Forum> {
        self.forums.get(code)
    }

    pub fn region(&self, code: &str) -> Option<&Region> {
        self.regions.iter().find(|r| r.code == code)
    }

    pub fn process(&self, code: &str) -> Option<&Named> {
        self.processes.iter().find(|p| p.code == code)
    }

    pub fn category(&self, code: &str) -> Option<&Named> {
        self.categories.iter().find(|p| p.code == code)
    }

    /// Where a question of `process` at `forum` may go next: parents that handle every process
    /// or exactly this one. A level the process lacks is skipped because the structure links past it.
    pub fn escalation_target(&self, forum: &str, process: &str) -> EscalationTarget<'_> {
        let candidates: Vec<&Forum> = self
            .forums
            .get(forum)
            .map(|f| {
                f.parents
                    .iter()
                    .filter_map(|p| self.forums.get(p))
                    .filter(|p| p.process.as_deref().is_none_or(|pp| pp == process))
                    .collect()
            })
            .unwrap_or_default();
        match candidates.len() {
            0 => EscalationTarget::Top,
            1 => candidates
                .first()
                .map_or(EscalationTarget::Top, |f| EscalationTarget::One(f)),
            _ => EscalationTarget::Choice(candidates),
        }
    }

    /// The forum at the top of `forum`'s ladder for `process`: where a divergence between
    /// answers is settled. Where the ladder forks, the first parent is followed (the forks of
    /// the structure meet again at the same top). None when `forum` is unknown.
    pub fn top_forum(&self, forum: &str, process: &str) -> Option<&Forum> {
        let mut here = self.forums.get(forum)?;
        // Parents sit higher, so the walk ends within the number of levels.
        for _ in 0..<Level as crate::domain::Code>::ALL.len() {
            here = match self.escalation_target(&here.code, process) {
                EscalationTarget::Top => return Some(here),
                EscalationTarget::One(f) => f,
                EscalationTarget::Choice(v) => v.first().copied()?,
            };
        }
        Some(here)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::Code;

    fn forum(code: &str, level: Level, process: Option<&str>, parents: &[&str]) -> Forum {
        Forum {
            code: code.into(),
            name: code.into(),
            level,
            process: process.map(Into::into),
            region: None,
            parents: parents.iter().map(|p| p.to_string()).collect(),
        }
    }

    fn sample(extra: Vec<Forum>) -> Result<Structure, StructureError> {
        let mut forums = vec![
            forum(
                "rg",
                Level::RegionalGroup,
                None,
                &["ng-a", "ng-b", "nn-med"],
            ),
            forum(
                "ng-a",
                Level::NationalGroup,
                Some("asyl_a"),
                &["nn-1", "nn-2"],
            ),
            forum("ng-b", Level::NationalGroup, Some("asyl_b"), &["nn-1"]),
            forum("nn-1", Level::NationalNetwork, None, &["pf"]),
            forum("nn-2", Level::NationalNetwork, None, &["pf"]),
            forum("nn-med", Level::NationalNetwork, Some("med"), &["pf"]),
            forum("pf", Level::ProcessForum, None, &[]),
        ];
        forums.extend(extra);
        Structure::new(
            vec![Region {
                code: "nord".into(),
                name: "Nord".into(),
            }],
            ["asyl_a", "asyl_b", "med"]
                .iter()
                .map(|c| Named {
                    code: c.to_string(),
                    name: c.to_string(),
                })
                .collect(),
            vec![],
            forums,
            vec![Unit {
                code: "u1".into(),
                name: "Enhet 1".into(),
                region: "nord".into(),
                regional_group: "rg".into(),
            }],
        )
    }

    fn codes(t: EscalationTarget<'_>) -> Vec<String> {
        match t {
            EscalationTarget::One(f) => vec![f.code.clone()],
            EscalationTarget::Choice(v) => v.iter().map(|f| f.code.clone()).collect(),
            EscalationTarget::Top => vec![],
        }
    }

    #[test]
    fn unit_escalates_to_its_regional_group() {
        let s = sample(vec![]).unwrap();
        assert!(
            matches!(s.escalation_target("u1", "med"), EscalationTarget::One(f) if f.code == "rg")
        );
        assert_eq!(s.forum("u1").unwrap().level, Level::Unit);
    }

    #[test]
    fn regional_group_follows_the_process() {
        let s = sample(vec![]).unwrap();
        assert_eq!(codes(s.escalation_target("rg", "asyl_a")), vec!["ng-a"]);
        assert_eq!(codes(s.escalation_target("rg", "asyl_b")), vec!["ng-b"]);
        // A process without a national group skips that level.
        assert_eq!(codes(s.escalation_target("rg", "med")), vec!["nn-med"]);
    }

    #[test]
    fn several_parents_need_a_choice_and_the_top_has_none() {
        let s = sample(vec![]).unwrap();
        assert!(
            matches!(s.escalation_target("ng-a", "asyl_a"), EscalationTarget::Choice(v) if v.len() == 2)
        );
        assert_eq!(s.escalation_target("pf", "asyl_a"), EscalationTarget::Top);
        assert_eq!(s.escalation_target("nope", "asyl_a"), EscalationTarget::Top);
    }

    #[test]
    fn the_top_of_every_ladder_is_the_process_forum() {
        let s = sample(vec![]).unwrap();
        for (from, process) in [
            ("u1", "asyl_a"),
            ("u1", "med"),
            ("nn-2", "asyl_a"),
            ("pf", "med"),
        ] {
            assert_eq!(
                s.top_forum(from, process).map(|f| f.code.as_str()),
                Some("pf")
            );
        }
        assert!(s.top_forum("nope", "med").is_none());
    }

    #[test]
    fn unknown_parent_is_named() {
        let err = sample(vec![forum(
            "nn-x",
            Level::NationalNetwork,
            None,
            &["pf-missing"],
        )])
        .unwrap_err();
        assert_eq!(
            err,
            StructureError::UnknownParent {
                forum: "nn-x".into(),
                parent: "pf-missing".into()
            }
        );
        assert!(err.to_string().contains("pf-missing"));
    }

    #[test]
    fn cycles_are_refused_because_parents_must_be_higher() {
        let err = sample(vec![
            forum("nn-x", Level::NationalNetwork, None, &["nn-y"]),
            forum("nn-y", Level::NationalNetwork, None, &["nn-x"]),
        ])
        .unwrap_err();
        assert!(
            matches!(err, StructureError::ParentNotAbove { .. }),
            "{err}"
        );
        let err = sample(vec![forum("pf-2", Level::ProcessForum, None, &["pf-2"])]).unwrap_err();
        assert!(matches!(err, StructureError::ParentNotAbove { .. }));
    }

    #[test]
    fn unit_without_group_or_with_a_wrong_one() {
        let mk = |group: &str| {
            Structure::new(
                vec![Region {
                    code: "nord".into(),
                    name: "Nord".into(),
                }],
                vec![],
                vec![],
                vec![forum("pf", Level::ProcessForum, None, &[])],
                vec![Unit {
                    code: "u1".into(),
                    name: "x".into(),
                    region: "nord".into(),
                    regional_group: group.into(),
                }],
            )
        };
        assert_eq!(
            mk("").unwrap_err(),
            StructureError::UnitWithoutGroup { unit: "u1".into() }
        );
        assert!(matches!(
            mk("pf").unwrap_err(),
            StructureError::BadRegionalGroup { .. }
        ));
    }

    #[test]
    fn unknown_process_region_and_bad_codes() {
        let mut f = forum("nn-x", Level::NationalNetwork, Some("nope"), &["pf"]);
        assert!(matches!(
            sample(vec![f.clone()]).unwrap_err(),
            StructureError::UnknownProcess { .. }
        ));
        f.process = None;
        f.region = Some("mars".into());
        assert!(matches!(
            sample(vec![f.clone()]).unwrap_err(),
            StructureError::UnknownRegion { .. }
        ));
        assert!(matches!(
            sample(vec![forum("NN X", Level::NationalNetwork, None, &["pf"])]).unwrap_err(),
            StructureError::BadCode { .. }
        ));
        assert!(matches!(
            sample(vec![forum("pf", Level::ProcessForum, None, &[])]).unwrap_err(),
            StructureError::Duplicate { .. }
        ));
    }

    #[test]
    fn levels_parse_and_order() {
        assert_eq!(
            Level::parse("national_network"),
            Some(Level::NationalNetwork)
        );
        assert_eq!(Level::parse("nope"), None);
        assert!(Level::Unit < Level::ProcessForum);
        assert_eq!(Level::ALL.len(), 5);
    }
}
