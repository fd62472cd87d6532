-- A long transaction's memory stays flat: the values audit_ext reads from its statements are freed with each
-- statement, not kept in the transaction's memory context until commit. (pgrx converts each value it reads in
-- the parent of the current context, the transaction's inside SPI; until exec::spi read them in a scratch context,
-- a page of 1,000 rows left its users' texts and arrays there, ~30 KB at 10M rows, and an export of 10M rows grew
-- its backend by ~300 MB.) On the 10,000-row fixture: 40 pages of 1,000 audit rows and of 1,000 connection rows,
-- counts, parses and an export of every audit row, all in one transaction; the transaction's context grows by
-- less than 8 kB (it grew by 193,480 bytes without the scratch context).
BEGIN;
SELECT total_bytes - free_bytes AS before FROM pg_backend_memory_contexts WHERE name = 'TopTransactionContext' \gset
DO $$
DECLARE p jsonb; n bigint;
BEGIN
  FOR i IN 1..40 LOOP
    p := audit_ext.audit_logs('', NULL, 1000, (i % 10) * 1000);
    p := audit_ext.connection_logs('', NULL, 1000, 0);
    n := audit_ext.count_audit_logs('action:delete', md5('user8')::uuid, 0);
    p := audit_ext.parse_audit_query('action:create,delete -resource_type:workspace', 'extended');
  END LOOP;
  SELECT count(*) INTO n FROM audit_ext.export_audit_logs();
END $$;
SELECT (total_bytes - free_bytes) - :before < 8192 AS transaction_memory_flat
FROM pg_backend_memory_contexts WHERE name = 'TopTransactionContext';
COMMIT;
