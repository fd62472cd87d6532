//! Coder's AI-seat question as SQL, from one of two sources:
//! - `Source::State`, Coder's current rule (`GetUserAISeatStates`, `GetActiveAISeatCount`): a user holds a
//!   seat when they have an `ai_seat_state` row and are active, not deleted and not a system user; the reason
//!   is the row's `last_event_type` (`aibridge` or `task`).
//! - `Source::Usage`, the derived rule of Coder's first AI-seat PR (#23291): a user holds a seat when they
//!   initiated AI Bridge interceptions, or own a non-deleted workspace with a build where `has_ai_task = true`
//!   (any build, or only each workspace's latest build); the reason is `aibridge`, `task` or `both`. Where
//!   Coder has dropped `workspace_builds.has_ai_task` (G2 on), AI Bridge usage alone counts.
//!
//! Every probe is a scalar subquery with `LIMIT 1` keyed by one user id, so the planner runs it per user as an
//! index lookup (the primary keys of `ai_seat_state` and `users`; `aibridge_interceptions(initiator_id)`,
//! Coder's partial index `workspaces(owner_id, …) WHERE deleted = false`, `workspace_builds(workspace_id,
//! build_number)`) and can never turn it into a hashed scan of a whole table: cost follows the number of users
//! asked about, not the size of the seat or usage tables.

use super::profile::{Profile, Table};

/// Where seats come from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Source {
    State,
    Usage { latest_build_only: bool },
}

impl Source {
    /// The source a call asked for. `None`: Coder's own, `ai_seat_state`, where it exists; but asking for
    /// `latest_build_only` (which only the usage rule has, as audit_ext 0.2.0 computed it) means usage.
    pub fn choose(asked: Option<&str>, latest_build_only: bool, profile: &Profile) -> Result<Source, String> {
        let state = profile.has(Table::AiSeatState) && profile.has(Table::Users);
        match asked {
            None if state && !latest_build_only => Ok(Source::State),
            None => Ok(Source::Usage { latest_build_only }),
            Some("state") if !state => {
                Err("source 'state' needs Coder's ai_seat_state table, which this database lacks".into())
            }
            Some("state") if latest_build_only => Err("latest_build_only applies to source => 'usage' only".into()),
            Some("state") => Ok(Source::State),
            Some("usage") => Ok(Source::Usage { latest_build_only }),
            Some(other) => Err(format!("unknown source {other:?}: use 'state' or 'usage'")),
        }
    }
}

/// Coder's rule for user `uid`: the `last_event_type` of its `ai_seat_state` row if the user is active, not
/// deleted and not a system user; NULL otherwise.
fn state_reason(p: &Profile, uid: &str) -> String {
    let s = &p.qschema;
    let system = if p.users_is_system { " AND NOT su.is_system" } else { "" };
    format!(
        "(SELECT ais.last_event_type::text FROM {s}.ai_seat_state ais JOIN {s}.users su ON su.id = ais.user_id \
         WHERE ais.user_id = {uid} AND su.status::text = 'active' AND NOT su.deleted{system} LIMIT 1)"
    )
}

/// The usage rule for user `uid`: whether it has AI Bridge usage, and whether it has AI Tasks usage (`false`
/// where Coder has no `has_ai_task`).
fn usage(p: &Profile, uid: &str, latest_build_only: bool) -> (String, String) {
    let s = &p.qschema;
    let aibridge = if p.has(Table::AibridgeInterceptions) {
        format!("coalesce((SELECT true FROM {s}.aibridge_interceptions i WHERE i.initiator_id = {uid} LIMIT 1), false)")
    } else {
        "false".to_string()
    };
    let task = match (p.has_ai_task && p.has(Table::Workspaces), latest_build_only) {
        (false, _) => "false".to_string(),
        (true, false) => format!(
            "coalesce((SELECT true FROM {s}.workspaces w JOIN {s}.workspace_builds b ON b.workspace_id = w.id \
             WHERE w.owner_id = {uid} AND w.deleted = false AND b.has_ai_task LIMIT 1), false)"
        ),
        (true, true) => format!(
            "coalesce((SELECT true FROM {s}.workspaces w WHERE w.owner_id = {uid} AND w.deleted = false \
             AND (SELECT b.has_ai_task FROM {s}.workspace_builds b WHERE b.workspace_id = w.id \
                  ORDER BY b.build_number DESC LIMIT 1) LIMIT 1), false)"
        ),
    };
    (aibridge, task)
}

/// Whether user `uid` holds a seat (the usage rule stops at its first kind of usage).
fn seat(p: &Profile, uid: &str, source: Source) -> String {
    match source {
        Source::State => format!("{} IS NOT NULL", state_reason(p, uid)),
        Source::Usage { latest_build_only } => {
            let (aibridge, task) = usage(p, uid, latest_build_only);
            format!("({aibridge} OR {task})")
        }
    }
}

/// One row `(reason text)` for user `uid`: NULL when the user holds no seat. The usage subquery is kept
/// apart (`OFFSET 0`) so that each probe runs once, however often the CASE names its result.
fn reason(p: &Profile, uid: &str, source: Source) -> String {
    match source {
        Source::State => format!("SELECT {} AS reason", state_reason(p, uid)),
        Source::Usage { latest_build_only } => {
            let (aibridge, task) = usage(p, uid, latest_build_only);
            format!(
                "SELECT CASE WHEN x.aibridge AND x.task THEN 'both' WHEN x.aibridge THEN 'aibridge' WHEN x.task THEN 'task' END AS reason \
                 FROM (SELECT {aibridge} AS aibridge, {task} AS task OFFSET 0) x"
            )
        }
    }
}

/// The distinct non-NULL ids of `$1` (a uuid[]) with the position of their first appearance.
const DISTINCT_IDS: &str =
    "SELECT t.id, min(t.ord) AS ord FROM unnest($1::uuid[]) WITH ORDINALITY AS t(id, ord) WHERE t.id IS NOT NULL GROUP BY t.id";

/// The ids of `$1` (a uuid[]; duplicates and NULLs allowed) that hold a seat, each once, in the order of
/// their first appearance.
pub fn seat_states(p: &Profile, source: Source) -> String {
    format!("SELECT u.id FROM ({DISTINCT_IDS}) u WHERE {} ORDER BY u.ord", seat(p, "u.id", source))
}

/// Per user: `(user_id, username, has_ai_seat, reason)`, a page of `$2` rows from offset `$3`. The users are
/// the ids in `$1` that exist, in input order (`by_ids`), or every non-deleted user by username.
pub fn user_seats(p: &Profile, source: Source, by_ids: bool) -> String {
    let s = &p.qschema;
    let users = if by_ids {
        format!("SELECT u.id, u.username, t.ord FROM ({DISTINCT_IDS}) t JOIN {s}.users u ON u.id = t.id ORDER BY t.ord LIMIT $2 OFFSET $3")
    } else {
        format!(
            "SELECT u.id, u.username, row_number() OVER (ORDER BY lower(u.username), u.id) AS ord FROM {s}.users u \
             WHERE u.deleted = false ORDER BY lower(u.username), u.id LIMIT $2 OFFSET $3"
        )
    };
    format!(
        "SELECT u.id, u.username, x.reason IS NOT NULL, x.reason FROM ({users}) u CROSS JOIN LATERAL ({}) x ORDER BY u.ord",
        reason(p, "u.id", source)
    )
}

/// How many users hold a seat. From `ai_seat_state`, Coder's `GetActiveAISeatCount` (one join, no list of
/// ids built); from usage, one probe per non-deleted user.
pub fn count_seats(p: &Profile, source: Source) -> String {
    let s = &p.qschema;
    match source {
        Source::State => {
            let system = if p.users_is_system { " AND NOT u.is_system" } else { "" };
            format!(
                "SELECT count(*) FROM {s}.ai_seat_state ais JOIN {s}.users u ON ais.user_id = u.id \
                 WHERE u.status::text = 'active' AND NOT u.deleted{system}"
            )
        }
        Source::Usage { .. } => {
            format!("SELECT count(*) FROM {s}.users u WHERE u.deleted = false AND {}", seat(p, "u.id", source))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn g(n: u8) -> Profile {
        Profile::generation_for_tests("public", n)
    }

    #[test]
    fn coders_own_source_where_it_exists() {
        assert_eq!(Source::choose(None, false, &g(1)), Ok(Source::State));
        assert_eq!(Source::choose(Some("usage"), true, &g(1)), Ok(Source::Usage { latest_build_only: true }));
        assert_eq!(Source::choose(None, true, &g(1)), Ok(Source::Usage { latest_build_only: true }));
        assert!(Source::choose(Some("state"), true, &g(1)).unwrap_err().contains("source => 'usage'"));
        assert!(Source::choose(Some("nope"), false, &g(1)).is_err());
        let no_state = Profile::read("public".into(), &|t, c| t != "ai_seat_state" && c != "connection_method");
        assert_eq!(Source::choose(None, false, &no_state), Ok(Source::Usage { latest_build_only: false }));
        assert!(Source::choose(Some("state"), false, &no_state).is_err());
    }

    #[test]
    fn probes_are_per_user_lookups() {
        let q = seat_states(&g(1), Source::State);
        assert!(q.contains("WHERE ais.user_id = u.id AND su.status::text = 'active' AND NOT su.deleted AND NOT su.is_system LIMIT 1"), "{q}");
        assert!(q.ends_with("LIMIT 1) IS NOT NULL ORDER BY u.ord"), "{q}");
        let q = seat_states(&g(1), Source::Usage { latest_build_only: false });
        assert!(q.contains("i.initiator_id = u.id LIMIT 1"), "{q}");
        assert!(q.contains("w.owner_id = u.id AND w.deleted = false AND b.has_ai_task LIMIT 1"), "{q}");
        let latest = seat_states(&g(1), Source::Usage { latest_build_only: true });
        assert!(latest.contains("ORDER BY b.build_number DESC LIMIT 1"), "{latest}");
        // Without has_ai_task (Coder G2 on), AI Bridge usage alone; the column is never named.
        let g2 = seat_states(&g(2), Source::Usage { latest_build_only: true });
        assert!(!g2.contains("has_ai_task") && g2.contains("aibridge_interceptions"), "{g2}");
        assert_eq!(
            count_seats(&g(2), Source::State),
            "SELECT count(*) FROM public.ai_seat_state ais JOIN public.users u ON ais.user_id = u.id WHERE u.status::text = 'active' AND NOT u.deleted AND NOT u.is_system"
        );
        assert!(count_seats(&g(1), Source::Usage { latest_build_only: false })
            .starts_with("SELECT count(*) FROM public.users u"));
        assert!(user_seats(&g(1), Source::State, true).contains("unnest($1::uuid[])"));
        assert!(!user_seats(&g(1), Source::State, false).contains("$1"), "$1 is bound but unused");
    }
}
