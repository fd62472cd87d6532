# Shared by the bench scripts (sourced): the benchmark's database, and the advised indexes, applied and dropped.
# The index functions need the array `psql` (a psql command line for the bench database, with ON_ERROR_STOP) set by
# the caller.

# The database of Coder schema generation GEN (g1 by default) that `make bench` seeded (g1) or migrated (g2, g3).
bench_db() { if [ "${GEN:-g1}" = g1 ]; then echo bench; else echo "bench_$GEN"; fi; }

# Creates every index index_advice() lists (CONCURRENTLY: ~5 minutes at 10M rows).
apply_advice() { echo 'SELECT audit_ext.index_advice() \gexec' | "${psql[@]}" >/dev/null; }

# Drops every audit_ext_… index of the database, leaving Coder's stock indexes.
drop_advice() {
  "${psql[@]}" -At -c "SELECT format('DROP INDEX %I.%I;', schemaname, indexname) FROM pg_indexes WHERE indexname LIKE 'audit\_ext\_%'" | "${psql[@]}" >/dev/null
}

# How many audit_ext_… indexes audit_logs has.
advised_on_audit_logs() {
  "${psql[@]}" -At -c "SELECT count(*) FROM pg_indexes WHERE indexname LIKE 'audit\_ext\_audit\_logs\_%'"
}
