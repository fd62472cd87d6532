//! Coder's AI-seat question (`GetUserAISeatStates`, the derived form of PR #23291) as SQL: a user consumes
//! a seat when they initiated AI Bridge interceptions, or own a non-deleted workspace with a build where
//! `has_ai_task = true` (any build, or only each workspace's latest build).
//!
//! Every probe is a scalar subquery with `LIMIT 1` keyed by one user id, so the planner runs it per user as an
//! index lookup (`aibridge_interceptions(initiator_id)`, Coder's partial index `workspaces(owner_id, …) WHERE
//! deleted = false`, `workspace_builds(workspace_id, build_number)`) and can never turn it into a hashed scan of
//! a whole table: cost follows the number of users asked about, not the size of the usage tables.

/// Which builds count for AI Tasks usage.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Builds {
    Any,
    Latest,
}

/// `(aibridge, task)`: boolean expressions telling whether user `uid` has each kind of usage.
pub fn usage(s: &str, uid: &str, builds: Builds) -> (String, String) {
    let aibridge = format!("coalesce((SELECT true FROM {s}.aibridge_interceptions i WHERE i.initiator_id = {uid} LIMIT 1), false)");
    let task = match builds {
        Builds::Any => format!(
            "coalesce((SELECT true FROM {s}.workspaces w JOIN {s}.workspace_builds b ON b.workspace_id = w.id \
             WHERE w.owner_id = {uid} AND w.deleted = false AND b.has_ai_task LIMIT 1), false)"
        ),
        Builds::Latest => format!(
            "coalesce((SELECT true FROM {s}.workspaces w WHERE w.owner_id = {uid} AND w.deleted = false \
             AND (SELECT b.has_ai_task FROM {s}.workspace_builds b WHERE b.workspace_id = w.id \
                  ORDER BY b.build_number DESC LIMIT 1) LIMIT 1), false)"
        ),
    };
    (aibridge, task)
}

/// The ids of `$1` (a uuid[]; duplicates and NULLs allowed) that consume a seat, each once, in the order of
/// their first appearance.
pub fn seat_states(s: &str, builds: Builds) -> String {
    let (aibridge, task) = usage(s, "u.id", builds);
    format!(
        "SELECT u.id FROM (SELECT t.id, min(t.ord) AS ord FROM unnest($1::uuid[]) WITH ORDINALITY AS t(id, ord) \
                           WHERE t.id IS NOT NULL GROUP BY t.id) u \
         WHERE {aibridge} OR {task} ORDER BY u.ord"
    )
}

/// Per user: `(user_id, username, has_ai_seat, reason)` with reason `aibridge`, `task`, `both` or NULL, a page
/// of `$2` rows from offset `$3`. The users are the ids in `$1` that exist, in input order (`by_ids`), or every
/// non-deleted user by username.
pub fn user_seats(s: &str, builds: Builds, by_ids: bool) -> String {
    let (aibridge, task) = usage(s, "u.id", builds);
    let users = if by_ids {
        format!(
            "SELECT u.id, u.username, t.ord FROM (SELECT t.id, min(t.ord) AS ord FROM unnest($1::uuid[]) WITH ORDINALITY \
             AS t(id, ord) GROUP BY t.id) t JOIN {s}.users u ON u.id = t.id ORDER BY t.ord LIMIT $2 OFFSET $3"
        )
    } else {
        format!(
            "SELECT u.id, u.username, row_number() OVER (ORDER BY lower(u.username), u.id) AS ord FROM {s}.users u \
             WHERE u.deleted = false ORDER BY lower(u.username), u.id LIMIT $2 OFFSET $3"
        )
    };
    format!(
        "SELECT u.id, u.username, x.aibridge OR x.task, \
                CASE WHEN x.aibridge AND x.task THEN 'both' WHEN x.aibridge THEN 'aibridge' WHEN x.task THEN 'task' END \
         FROM ({users}) u CROSS JOIN LATERAL (SELECT {aibridge} AS aibridge, {task} AS task) x ORDER BY u.ord"
    )
}

/// How many non-deleted users consume a seat: one probe per user (bounded by the users table), no list
/// of ids built.
pub fn count_seats(s: &str, builds: Builds) -> String {
    let (aibridge, task) = usage(s, "u.id", builds);
    format!("SELECT count(*) FROM {s}.users u WHERE u.deleted = false AND ({aibridge} OR {task})")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn probes_are_per_user_lookups() {
        let q = seat_states("public", Builds::Any);
        assert!(q.contains("i.initiator_id = u.id LIMIT 1"), "{q}");
        assert!(q.contains("w.owner_id = u.id AND w.deleted = false AND b.has_ai_task LIMIT 1"), "{q}");
        assert!(q.ends_with("ORDER BY u.ord"));
        let latest = seat_states("public", Builds::Latest);
        assert!(latest.contains("ORDER BY b.build_number DESC LIMIT 1"), "{latest}");
        assert!(count_seats("\"s\"", Builds::Any).starts_with("SELECT count(*) FROM \"s\".users u WHERE u.deleted = false"));
        assert!(user_seats("public", Builds::Any, true).contains("unnest($1::uuid[])"));
        assert!(!user_seats("public", Builds::Any, false).contains("$1"), "$1 is bound but unused");
    }
}
