-- index_advice(): CREATE INDEX CONCURRENTLY statements for what the database lacks, each saying what it serves;
-- an equivalent index under another name counts as present; after \gexec nothing is left to advise.
SET timezone = 'UTC';
SET client_min_messages = warning;
DROP SCHEMA IF EXISTS adv CASCADE;
CREATE SCHEMA adv;
SET search_path = adv;
-- (pg_regress runs from the repository root; the fixture's DDL is not echoed)
\set ECHO none
\i tests/fixture/schema.sql
\set ECHO all
RESET client_min_messages;
SET audit_ext.coder_schema = 'adv';

SELECT audit_ext.index_advice();
-- The same columns under another name: no longer advised.
CREATE INDEX my_org_time ON adv.audit_logs (organization_id, "time" DESC);
SELECT count(*) AS advised FROM audit_ext.index_advice();
SELECT audit_ext.index_advice() \gexec
SELECT count(*) AS advised_after_gexec FROM audit_ext.index_advice();
SELECT indexrelid::regclass AS index, indisvalid FROM pg_index WHERE indexrelid::regclass::text LIKE 'adv.audit_ext%' ORDER BY 1::text;

RESET audit_ext.coder_schema;
RESET search_path;
SET client_min_messages = warning;
DROP SCHEMA adv CASCADE;
