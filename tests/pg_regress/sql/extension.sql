-- The extension's objects and their markings: schema, volatility, strictness, parallel safety, invoker
-- rights and the pinned search_path. A marking that drifts from the docs shows up here.
SET timezone = 'UTC';
SELECT extname, extversion = audit_ext.version() AS version_matches, extrelocatable, n.nspname AS schema
FROM pg_extension e JOIN pg_namespace n ON n.oid = e.extnamespace
WHERE extname = 'audit_ext';

SELECT p.proname,
       pg_get_function_identity_arguments(p.oid) AS args,
       CASE p.provolatile WHEN 'i' THEN 'immutable' WHEN 's' THEN 'stable' ELSE 'volatile' END AS volatility,
       p.proisstrict AS strict,
       CASE p.proparallel WHEN 's' THEN 'safe' WHEN 'r' THEN 'restricted' ELSE 'unsafe' END AS parallel,
       p.prosecdef AS security_definer,
       p.proconfig AS config
FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
WHERE n.nspname = 'audit_ext'
ORDER BY 1, 2;

-- No test-only objects leak into an installed extension.
SELECT count(*) AS test_schema_functions
FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace WHERE n.nspname = 'tests';
