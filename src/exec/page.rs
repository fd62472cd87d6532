//! Runs a page statement (`plan::query::page`), then its details statements for the page's rows
//! (`plan::query::Details`), into `shape`'s row types; the JSON is then shaped in Rust.

use super::jsonb::{Decoded, Undecodable};
use super::{from_uuid, spi, to_uuid};
use crate::dsl::Log;
use crate::plan::lookups::LINK_FIELDS;
use crate::plan::profile::Connections;
use crate::plan::query::{Cursor, Details, AUDIT_ROW, CONNECTION_ROW, USER_ROW};
use crate::shape::{self, AuditRow, ConnectionRow, Joined, Organization, UserRow};
use pgrx::datum::{DatumWithOid, Timestamp, TimestampWithTimeZone};
use pgrx::spi::{SpiHeapTupleData, SpiResult};
use serde_json::Value;

fn uuid(r: &SpiHeapTupleData, i: usize) -> SpiResult<Option<uuid::Uuid>> {
    Ok(r.get::<pgrx::Uuid>(i)?.map(to_uuid))
}
fn text(r: &SpiHeapTupleData, i: usize) -> SpiResult<Option<String>> {
    r.get::<String>(i)
}
fn tstz(r: &SpiHeapTupleData, i: usize) -> SpiResult<Option<i64>> {
    Ok(r.get::<TimestampWithTimeZone>(i)?.map(|t| t.into_inner()))
}
/// A jsonb column of the row `id`; a stored value that breaks jsonb's format is one error naming the row and
/// the field (XX001), so that a page renders whole or not at all. One nested deeper than Go decodes is read no
/// further (`shape::beyond_go`).
fn json_col(r: &SpiHeapTupleData, i: usize, id: uuid::Uuid, field: &str) -> SpiResult<Value> {
    match r.get::<Decoded>(i)?.map(|j| j.0) {
        None => Ok(Value::Null),
        Some(Ok(v)) => Ok(v),
        Some(Err(Undecodable::TooDeep)) => Ok(shape::beyond_go()),
        Some(Err(Undecodable::Malformed(m))) => {
            pgrx::ereport!(
                ERROR,
                pgrx::PgSqlErrorCode::ERRCODE_DATA_CORRUPTED,
                format!("audit_ext: the {field} of audit log {id} is not valid jsonb ({m})")
            );
        }
    }
}

/// A users row of the users statement (`USER_ROW`).
fn user_row(r: &SpiHeapTupleData) -> SpiResult<UserRow> {
    let c = |name| USER_ROW.at(name);
    Ok(UserRow {
        username: text(r, c("username"))?,
        name: text(r, c("name"))?,
        email: text(r, c("email"))?,
        created_at: tstz(r, c("created_at"))?,
        updated_at: tstz(r, c("updated_at"))?,
        last_seen_at: r.get::<Timestamp>(c("last_seen_at"))?.map(|t| t.into_inner()),
        status: text(r, c("status"))?,
        login_type: text(r, c("login_type"))?,
        roles: r.get::<Vec<String>>(c("rbac_roles"))?.unwrap_or_default(),
        avatar_url: text(r, c("avatar_url"))?,
    })
}

/// An audit row of the page statement (`AUDIT_ROW`).
fn audit_row(r: &SpiHeapTupleData) -> SpiResult<AuditRow> {
    let c = |name| AUDIT_ROW.at(name);
    let id = uuid(r, c("id"))?.unwrap_or_default();
    Ok(AuditRow {
        id,
        request_id: uuid(r, c("request_id"))?.unwrap_or_default(),
        time: tstz(r, c("time"))?.unwrap_or_default(),
        ip: text(r, c("ip"))?,
        user_agent: text(r, c("user_agent"))?,
        resource_type: text(r, c("resource_type"))?.unwrap_or_default(),
        resource_id: uuid(r, c("resource_id"))?.unwrap_or_default(),
        resource_target: text(r, c("resource_target"))?.unwrap_or_default(),
        resource_icon: text(r, c("resource_icon"))?.unwrap_or_default(),
        action: text(r, c("action"))?.unwrap_or_default(),
        diff: json_col(r, c("diff"), id, "diff")?,
        status_code: r.get::<i32>(c("status_code"))?.unwrap_or_default(),
        additional_fields: json_col(r, c("additional_fields"), id, "additional_fields")?,
        organization_id: uuid(r, c("organization_id"))?.unwrap_or_default(),
        user_id: uuid(r, c("user_id"))?.unwrap_or_default(),
        is_deleted: false,
        resource_link: String::new(),
    })
}

/// A connection row of the page statement (`CONNECTION_ROW`).
fn connection_row(r: &SpiHeapTupleData) -> SpiResult<ConnectionRow> {
    let c = |name| CONNECTION_ROW.at(name);
    Ok(ConnectionRow {
        id: uuid(r, c("id"))?.unwrap_or_default(),
        connect_time: tstz(r, c("connect_time"))?.unwrap_or_default(),
        organization_id: uuid(r, c("organization_id"))?.unwrap_or_default(),
        workspace_owner_id: uuid(r, c("workspace_owner_id"))?.unwrap_or_default(),
        workspace_id: uuid(r, c("workspace_id"))?.unwrap_or_default(),
        workspace_name: text(r, c("workspace_name"))?.unwrap_or_default(),
        agent_name: text(r, c("agent_name"))?.unwrap_or_default(),
        ip: text(r, c("ip"))?,
        kind: text(r, c("method"))?.unwrap_or_default(),
        code: r.get::<i32>(c("code"))?,
        user_agent: text(r, c("user_agent"))?,
        user_id: uuid(r, c("user_id"))?,
        slug_or_port: text(r, c("app"))?,
        connection_id: uuid(r, c("connection_id"))?,
        disconnect_time: tstz(r, c("disconnect_time"))?,
        disconnect_reason: text(r, c("disconnect_reason"))?,
        client_session_id: text(r, c("client_session_id"))?,
    })
}

fn uuids(ids: impl Iterator<Item = uuid::Uuid>) -> DatumWithOid<'static> {
    ids.map(from_uuid).collect::<Vec<_>>().into()
}

fn texts<'a>(v: impl Iterator<Item = &'a str>) -> DatumWithOid<'static> {
    v.map(str::to_owned).collect::<Vec<_>>().into()
}

/// The distinct values of `ids`, as one `uuid[]` parameter.
fn distinct(ids: impl Iterator<Item = uuid::Uuid>) -> [DatumWithOid<'static>; 1] {
    let mut v: Vec<uuid::Uuid> = ids.collect();
    v.sort_unstable();
    v.dedup();
    [uuids(v.into_iter())]
}

/// The users and organizations named by a page's rows, each looked up once (`plan::query::Details`).
fn joined(d: &Details, users: impl Iterator<Item = uuid::Uuid>, orgs: impl Iterator<Item = uuid::Uuid>) -> Joined {
    let mut j = Joined::default();
    spi::select_kept(&d.users, &distinct(users), |t| {
        for r in t {
            j.users.insert(uuid(&r, 1)?.unwrap_or_default(), user_row(&r)?);
        }
        Ok(())
    });
    spi::select_kept(&d.organizations, &distinct(orgs), |t| {
        for r in t {
            let o = Organization { name: text(&r, 2)?, display_name: text(&r, 3)?, icon: text(&r, 4)? };
            j.organizations.insert(uuid(&r, 1)?.unwrap_or_default(), o);
        }
        Ok(())
    });
    j
}

/// The audit page's `is_deleted` and `resource_link` (`plan::query::Details::resources`).
fn resource_states(rows: &mut [AuditRow], sql: &str) {
    let fields: Vec<[String; 3]> = rows.iter().map(|r| shape::link_fields(&r.additional_fields, LINK_FIELDS)).collect();
    let mut args = vec![
        uuids(rows.iter().map(|r| r.resource_id)),
        texts(rows.iter().map(|r| r.resource_type.as_str())),
        texts(rows.iter().map(|r| r.resource_target.as_str())),
    ];
    args.extend((0..LINK_FIELDS.len()).map(|k| texts(fields.iter().map(move |f| f.get(k).map_or("", String::as_str)))));
    spi::select_kept(sql, &args, |t| {
        for (row, r) in rows.iter_mut().zip(t) {
            row.is_deleted = r.get::<bool>(1)?.unwrap_or(false);
            row.resource_link = text(&r, 2)?.unwrap_or_default();
        }
        Ok(())
    })
}

/// Runs the page statement of `log` (`plan::query::page`), then, for a page with rows, its details
/// statements, and returns Coder's response object: `{"<log>_logs": [...], "count": n, "count_cap": cap}`,
/// and the cursor of the page's last row.
pub fn run(
    log: Log,
    conn: Connections,
    sql: &str,
    args: &[DatumWithOid],
    details: &Details,
    count_cap: i32,
) -> (Value, Option<Cursor>) {
    let last;
    let (count, elements) = match log {
        Log::Audit => {
            let (count, mut rows) = rows(sql, args, audit_row);
            last = rows.last().map(|r| Cursor { time: r.time, id: r.id });
            let j = if rows.is_empty() {
                Joined::default()
            } else {
                let mut j = joined(details, rows.iter().map(|r| r.user_id), rows.iter().map(|r| r.organization_id));
                j.count_uses(rows.iter().map(|r| r.user_id));
                if let Some(resources) = details.resources.as_deref() {
                    resource_states(&mut rows, resources);
                }
                j
            };
            (count, rows.into_iter().map(|r| shape::audit_log(r, &j)).collect::<Result<_, _>>())
        }
        Log::Connection => {
            let (count, rows) = rows(sql, args, connection_row);
            last = rows.last().map(|r| Cursor { time: r.connect_time, id: r.id });
            let j = if rows.is_empty() {
                Joined::default()
            } else {
                let users = rows.iter().flat_map(|r| [Some(r.workspace_owner_id), r.user_id]).flatten();
                let mut j = joined(details, users, rows.iter().map(|r| r.organization_id));
                // Only a web connection's user is shaped (an owner's username is read, not shaped).
                j.count_uses(rows.iter().filter_map(|r| r.user_id));
                j
            };
            (count, rows.into_iter().map(|r| shape::connection_log(r, conn, &j)).collect::<Result<_, _>>())
        }
    };
    let elements = elements.unwrap_or_else(|u| unrenderable(u));
    // Built by hand: `json!` would copy the elements (it serializes a `Value` argument into a new one).
    let mut response = serde_json::Map::new();
    response.insert(format!("{}_logs", log.name()), Value::Array(elements));
    response.insert("count".into(), count.into());
    response.insert("count_cap".into(), count_cap.into());
    (Value::Object(response), last)
}

/// A page holding a value Coder's JSON cannot carry fails whole, naming it (22008).
fn unrenderable(u: shape::Unrenderable) -> ! {
    pgrx::ereport!(
        ERROR,
        pgrx::PgSqlErrorCode::ERRCODE_DATETIME_FIELD_OVERFLOW,
        format!("audit_ext: {} ({}) is outside the years 0 to 9999 that Coder's JSON carries", u.what, u.value)
    );
}

/// The count (column 1) and the page's rows read by `read`; the empty page is a single row with NULLs.
fn rows<T>(sql: &str, args: &[DatumWithOid], read: fn(&SpiHeapTupleData) -> SpiResult<T>) -> (i64, Vec<T>) {
    spi::select(sql, args, |t| {
        let mut count = 0i64;
        let mut rows = Vec::new();
        for r in t {
            count = r.get::<i64>(1)?.unwrap_or(0);
            if r.get::<pgrx::Uuid>(2)?.is_some() {
                rows.push(read(&r)?);
            }
        }
        Ok((count, rows))
    })
}
