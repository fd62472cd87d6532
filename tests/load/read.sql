-- One reader transaction: what an API layer does for one audit page view, one connection page view and an
-- AI-seat lookup for a page of users. Actors are users 1-100 of the fixture: owner, site auditor, org
-- admins, auditors and custom-role readers, members. Filters come from load_filters (load.sh creates it;
-- pgbench would read the colons of filter literals as its own variables).
\set a random(1, 100)
\set f random(1, 8)
\set o random(0, 3) * 25
SELECT audit_ext.audit_logs((SELECT q FROM load_filters WHERE log = 'audit page' AND n = :f::int),
                            md5('user' || :a::int)::uuid, 25, :o::int) IS NOT NULL;
SELECT audit_ext.count_audit_logs((SELECT q FROM load_filters WHERE log = 'audit count' AND n = :f::int),
                                  md5('user' || :a::int)::uuid);
SELECT audit_ext.connection_logs((SELECT q FROM load_filters WHERE log = 'connection page' AND n = :f::int),
                                 md5('user' || :a::int)::uuid, 25, 0) IS NOT NULL;
SELECT count(*) FROM audit_ext.get_user_ai_seat_states(
         ARRAY(SELECT md5('user' || u)::uuid FROM generate_series(:a::int, :a::int + 99) u));
