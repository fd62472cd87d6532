-- The benchmark scenarios: each runs Coder's query shapes (capped count + page) and audit_ext's one call, in the
-- same database and session, and reports median times and whether the answers agree.
\set ON_ERROR_STOP on
\pset footer off
SET search_path = public, bench;

\ir scenarios.sql
-- `make bench ONLY=regex`: the scenarios whose "log: name" matches.
\if :{?only}
DELETE FROM scenario WHERE NOT (log || ': ' || name) ~ :'only';
\endif

CREATE TEMP TABLE result AS
SELECT s.n, s.log, s.name, s.q, s.off, s.orgs IS NULL AS site_wide,
       bench.median_ms(c.count_sql, :runs) + bench.median_ms(c.page_sql, :runs) AS coder_ms,
       CASE s.log WHEN 'audit' THEN bench.median_ms(format('SELECT bench.coder_audit_lookups(%L)', c.page_sql), :runs) ELSE 0 END AS lookups_ms,
       bench.median_ms(o.call, :runs) AS ours_ms,
       c.count_sql, c.page_sql, o.call
FROM scenario s
CROSS JOIN LATERAL (SELECT CASE s.log WHEN 'audit' THEN bench.coder_audit('count', s.coder, s.orgs, 100, s.off, 2000)
                                      ELSE bench.coder_connection('count', s.coder, s.orgs, 100, s.off, 2000) END AS count_sql,
                           CASE s.log WHEN 'audit' THEN bench.coder_audit('page', s.coder, s.orgs, 100, s.off, 2000)
                                      ELSE bench.coder_connection('page', s.coder, s.orgs, 100, s.off, 2000) END AS page_sql) c
CROSS JOIN LATERAL (SELECT format('SELECT audit_ext.%s_logs(%L, %L, 100, %s)', s.log, s.q, s.actor, s.off) AS call) o
ORDER BY s.n;

-- Do the answers agree? Count, and the page's ids (as a set: Coder's order has no tiebreaker).
CREATE OR REPLACE FUNCTION pg_temp.agree(count_sql text, page_sql text, call text, log text) RETURNS text
LANGUAGE plpgsql AS $$
DECLARE cc bigint; oc bigint; cp uuid[]; op uuid[];
BEGIN
  EXECUTE count_sql INTO cc;
  EXECUTE format('SELECT array_agg(id ORDER BY id) FROM (%s) p', page_sql) INTO cp;
  EXECUTE format('SELECT r->''count'', (SELECT array_agg((e->>''id'')::uuid ORDER BY (e->>''id'')::uuid) FROM jsonb_array_elements(r->%L) e) FROM (%s) x(r)',
                 log || '_logs', call) INTO oc, op;
  RETURN CASE WHEN cc = oc AND cp IS NOT DISTINCT FROM op THEN 'yes'
              ELSE format('NO (count %s vs %s)', cc, oc) END;
END $$;

SELECT log, name AS scenario, coder_ms AS "Coder SQL ms", coder_ms + lookups_ms AS "Coder page ms",
       ours_ms AS "audit_ext ms", round((coder_ms + lookups_ms) / greatest(ours_ms, 0.01), 1) || 'x' AS speedup,
       (SELECT round(r.ours_ms / greatest(o.ours_ms, 0.01), 1) || 'x' FROM result o
         WHERE NOT r.site_wide AND o.site_wide AND (o.log, o.q, o.off) = (r.log, r.q, r.off)) AS "vs owner",
       pg_temp.agree(count_sql, page_sql, call, log) AS "same answer"
FROM result r ORDER BY log, n;

-- AI seats for a page of 100 users: Coder's rule (ai_seat_state, audit_ext's default) and the usage rule, each
-- against Coder's query of the database's generation.
CREATE OR REPLACE FUNCTION pg_temp.ids(sql text) RETURNS uuid[] LANGUAGE plpgsql AS $$
DECLARE r uuid[];
BEGIN
  EXECUTE format('SELECT array_agg(x ORDER BY x) FROM (%s) s(x)', sql) INTO r;
  RETURN r;
END $$;
SELECT array_agg(id ORDER BY id)::text AS seat_ids FROM (SELECT id FROM users ORDER BY id LIMIT 100) u \gset
SELECT 'ai seats' AS log, s.scenario, bench.median_ms(s.coder, :runs) AS "Coder ms",
       bench.median_ms(s.ours, :runs) AS "audit_ext ms",
       pg_temp.ids(s.coder) IS NOT DISTINCT FROM pg_temp.ids(s.ours) AS "same answer"
FROM (VALUES
  ('get_user_ai_seat_states, 100 users', bench.coder_ai_seats(:'seat_ids'),
   format('SELECT * FROM audit_ext.get_user_ai_seat_states(%L)', :'seat_ids')),
  ('the same, source => usage', bench.coder_ai_seats_usage(:'seat_ids'),
   format('SELECT * FROM audit_ext.get_user_ai_seat_states(%L, source => %L)', :'seat_ids', 'usage'))
) s(scenario, coder, ours);
