//! Runs a page statement (`plan::query::page`) and reads its rows into `shape`'s row types; the JSON is
//! then shaped in Rust.

use super::{spi, to_uuid};
use crate::shape::{self, AuditRow, ConnectionRow, Organization, UserRow};
use pgrx::datum::{DatumWithOid, JsonB, Timestamp, TimestampWithTimeZone};
use pgrx::spi::{SpiHeapTupleData, SpiResult};
use serde_json::{json, Value};

fn uuid(r: &SpiHeapTupleData, i: usize) -> SpiResult<Option<uuid::Uuid>> {
    Ok(r.get::<pgrx::Uuid>(i)?.map(to_uuid))
}
fn text(r: &SpiHeapTupleData, i: usize) -> SpiResult<Option<String>> {
    r.get::<String>(i)
}
fn tstz(r: &SpiHeapTupleData, i: usize) -> SpiResult<Option<i64>> {
    Ok(r.get::<TimestampWithTimeZone>(i)?.map(|t| t.into_inner()))
}
fn json_col(r: &SpiHeapTupleData, i: usize) -> SpiResult<Value> {
    Ok(r.get::<JsonB>(i)?.map(|j| j.0).unwrap_or(Value::Null))
}

/// The ten users columns starting at `i`.
fn user_row(r: &SpiHeapTupleData, i: usize) -> SpiResult<UserRow> {
    Ok(UserRow {
        username: text(r, i)?,
        name: text(r, i + 1)?,
        email: text(r, i + 2)?,
        created_at: tstz(r, i + 3)?,
        updated_at: tstz(r, i + 4)?,
        last_seen_at: r.get::<Timestamp>(i + 5)?.map(|t| t.into_inner()),
        status: text(r, i + 6)?,
        login_type: text(r, i + 7)?,
        roles: r.get::<Vec<String>>(i + 8)?.unwrap_or_default(),
        avatar_url: text(r, i + 9)?,
    })
}

fn organization(r: &SpiHeapTupleData, i: usize) -> SpiResult<Organization> {
    Ok(Organization { id: uuid(r, i)?.unwrap_or_default(), name: text(r, i + 1)?, display_name: text(r, i + 2)?, icon: text(r, i + 3)? })
}

fn audit_row(r: &SpiHeapTupleData) -> SpiResult<AuditRow> {
    Ok(AuditRow {
        id: uuid(r, 2)?.unwrap_or_default(),
        request_id: uuid(r, 3)?.unwrap_or_default(),
        time: tstz(r, 4)?.unwrap_or_default(),
        ip: text(r, 5)?,
        user_agent: text(r, 6)?,
        resource_type: text(r, 7)?.unwrap_or_default(),
        resource_id: uuid(r, 8)?.unwrap_or_default(),
        resource_target: text(r, 9)?.unwrap_or_default(),
        resource_icon: text(r, 10)?.unwrap_or_default(),
        action: text(r, 11)?.unwrap_or_default(),
        diff: json_col(r, 12)?,
        status_code: r.get::<i32>(13)?.unwrap_or_default(),
        additional_fields: json_col(r, 14)?,
        organization: organization(r, 15)?,
        user_id: uuid(r, 19)?.unwrap_or_default(),
        user: if r.get::<bool>(20)?.unwrap_or(false) { Some(user_row(r, 21)?) } else { None },
        is_deleted: r.get::<bool>(31)?.unwrap_or(false),
        resource_link: text(r, 32)?.unwrap_or_default(),
    })
}

fn connection_row(r: &SpiHeapTupleData) -> SpiResult<ConnectionRow> {
    Ok(ConnectionRow {
        id: uuid(r, 2)?.unwrap_or_default(),
        connect_time: tstz(r, 3)?.unwrap_or_default(),
        organization: organization(r, 4)?,
        workspace_owner_id: uuid(r, 8)?.unwrap_or_default(),
        workspace_owner_username: text(r, 9)?,
        workspace_id: uuid(r, 10)?.unwrap_or_default(),
        workspace_name: text(r, 11)?.unwrap_or_default(),
        agent_name: text(r, 12)?.unwrap_or_default(),
        ip: text(r, 13)?,
        kind: text(r, 14)?.unwrap_or_default(),
        code: r.get::<i32>(15)?,
        user_agent: text(r, 16)?,
        user_id: uuid(r, 17)?,
        user: user_row(r, 18)?,
        slug_or_port: text(r, 28)?,
        connection_id: uuid(r, 29)?,
        disconnect_time: tstz(r, 30)?,
        disconnect_reason: text(r, 31)?,
    })
}

/// Runs the page statement of `log` and returns Coder's response object: `{"<log>_logs": [...], "count": n,
/// "count_cap": cap}`.
pub fn run(log: crate::dsl::Log, sql: &str, args: &[DatumWithOid], count_cap: i32) -> Value {
    let (count, elements) = spi::select(sql, args, |t| {
        let mut count = 0i64;
        let mut elements = Vec::new();
        for r in t {
            count = r.get::<i64>(1)?.unwrap_or(0);
            if r.get::<pgrx::Uuid>(2)?.is_none() {
                continue; // the empty page's single row
            }
            elements.push(match log {
                crate::dsl::Log::Audit => shape::audit_log(&audit_row(&r)?),
                crate::dsl::Log::Connection => shape::connection_log(&connection_row(&r)?),
            });
        }
        Ok((count, elements))
    });
    let key = format!("{}_logs", log.name());
    json!({ key: elements, "count": count, "count_cap": count_cap })
}
