//! Who hears about what: the audience of each kind of change, and the rule that nobody is
//! mailed about their own action.

use std::collections::BTreeSet;

use crate::domain::question::EventKind;

/// Groups of people a change may concern.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Audience {
    /// The asker and everyone following the question.
    pub followers: bool,
    /// The members of the forum the question is at after the change (it arrived there).
    pub forum_members: bool,
    /// The person the question is assigned to.
    pub assignee: bool,
}

/// The audience of a question event, by its kind (the event kinds of the lifecycle).
pub fn audience(kind: EventKind) -> Audience {
    let followers = Audience {
        followers: true,
        ..Default::default()
    };
    match kind {
        EventKind::Submitted | EventKind::Reopened => Audience {
            forum_members: true,
            ..Default::default()
        },
        EventKind::Escalated => Audience {
            followers: true,
            forum_members: true,
            assignee: false,
        },
        EventKind::Claimed
        | EventKind::InfoRequested
        | EventKind::Answered
        | EventKind::BindingStatusChanged
        | EventKind::Closed
        | EventKind::MarkedDuplicate => followers,
        EventKind::Assigned | EventKind::InfoProvided | EventKind::Withdrawn => Audience {
            assignee: true,
            ..Default::default()
        },
        _ => Audience::default(),
    }
}

/// The people to mail: the union of the groups, without the actor, each once.
pub fn select(
    audience: Audience,
    followers: &[i64],
    forum_members: &[i64],
    assignee: Option<i64>,
    actor: i64,
) -> BTreeSet<i64> {
    let mut out = BTreeSet::new();
    if audience.followers {
        out.extend(followers.iter().copied());
    }
    if audience.forum_members {
        out.extend(forum_members.iter().copied());
    }
    if audience.assignee {
        out.extend(assignee);
    }
    out.remove(&actor);
    out
}

/// Who hears that answers stopped holding: the askers and followers of their questions, the
/// askers of questions closed as duplicates of them, and the askers of questions whose answers
/// cite them; each person once, never the one who made the change.
pub fn lineage(relying: [&[i64]; 4], actor: i64) -> BTreeSet<i64> {
    let mut out: BTreeSet<i64> = relying.iter().flat_map(|g| g.iter().copied()).collect();
    out.remove(&actor);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nobody_hears_of_their_own_action_and_nobody_twice() {
        let r = select(
            audience(EventKind::Escalated),
            &[1, 2],
            &[2, 3, 4],
            Some(5),
            3,
        );
        assert_eq!(r.into_iter().collect::<Vec<_>>(), vec![1, 2, 4]);
        assert!(select(audience(EventKind::Claimed), &[7], &[], None, 7).is_empty());
    }

    #[test]
    fn each_kind_reaches_its_people() {
        assert_eq!(
            audience(EventKind::Submitted),
            Audience {
                forum_members: true,
                ..Default::default()
            }
        );
        assert!(
            audience(EventKind::Answered).followers && !audience(EventKind::Answered).forum_members
        );
        assert!(audience(EventKind::Assigned).assignee && !audience(EventKind::Assigned).followers);
        assert!(audience(EventKind::BindingStatusChanged).followers);
        assert_eq!(audience(EventKind::SignedIn), Audience::default());
    }

    #[test]
    fn lineage_reaches_each_person_of_the_four_groups_once_and_not_the_actor() {
        let askers = [1, 2];
        let followers = [2, 3, 9];
        let duplicates = [4, 1];
        let citing = [5, 3];
        let to = lineage([&askers, &followers, &duplicates, &citing], 9);
        assert_eq!(to.into_iter().collect::<Vec<_>>(), vec![1, 2, 3, 4, 5]);
    }
}
