-- The SQL reference of audit_ext, generated from the database: every function and procedure in schema
-- audit_ext, by name, with its arguments (defaults included), its result, its markings and its COMMENT (the
-- one source is sql/comments.sql). This file's expected output, tests/pg_regress/expected/reference.out, is
-- the reference the README links to; `\df+ audit_ext.*` shows the same comments in psql.
-- It fails (prints a row) for a function without a comment, and for one that the README's table of
-- functions does not name (as `name(`).
\pset format unaligned
\pset tuples_only on
\pset recordsep '\n\n'
SELECT format('audit_ext.%s(%s)%s', p.proname, pg_get_function_arguments(p.oid),
              CASE p.prokind WHEN 'p' THEN '  [procedure]'
                   ELSE format(' → %s  [%s%s, parallel %s]', pg_get_function_result(p.oid),
                               CASE p.provolatile WHEN 'i' THEN 'immutable' WHEN 's' THEN 'stable' ELSE 'volatile' END,
                               CASE WHEN p.proisstrict THEN ', strict' ELSE '' END,
                               CASE p.proparallel WHEN 's' THEN 'safe' WHEN 'r' THEN 'restricted' ELSE 'unsafe' END)
              END)
       || E'\n' || coalesce(obj_description(p.oid, 'pg_proc'), '(NO COMMENT)')
FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
WHERE n.nspname = 'audit_ext'
ORDER BY p.proname, pg_get_function_identity_arguments(p.oid);
\pset format aligned
\pset tuples_only off
\pset recordsep '\n'

-- Every function and procedure has a comment (no rows).
SELECT p.proname AS without_comment
FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
WHERE n.nspname = 'audit_ext' AND coalesce(obj_description(p.oid, 'pg_proc'), '') = ''
ORDER BY 1;

-- The README's table of functions names every one of them (no rows).
\set readme `cat README.md`
SELECT p.proname AS not_in_readme
FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
WHERE n.nspname = 'audit_ext' AND :'readme' !~ ('\m' || p.proname || '\(')
ORDER BY 1;
