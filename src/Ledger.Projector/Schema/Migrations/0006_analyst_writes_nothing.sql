-- ledger_analyst selects from the analytics views and nothing else (migration 0002, docs/analytics.md).
-- PostgreSQL grants every role (PUBLIC) two ways to write regardless: temporary tables (TEMP on the
-- database) and large objects (EXECUTE on lo_create and the other large-object functions; an
-- analyst's "select lo_create(0)" persisted one). Both are revoked from PUBLIC here. The ledger's
-- own services use neither; the database's owner keeps TEMP, as an owner does.
do $$
begin
    execute format('revoke temporary on database %I from public', current_database());
end $$;

-- The large-object functions belong to the bootstrap superuser, so only a superuser can revoke them
-- (docker-compose's role "ledger" is one; ./ledger up runs this file as one before the projector
-- migrates). Any other migrator leaves them as they are, with a warning saying so: it cannot do more.
do $$
begin
    if not has_function_privilege('public', 'pg_catalog.lo_create(oid)', 'execute') then
        return; -- revoked already
    end if;
    if not (select rolsuper from pg_roles where rolname = current_user) then
        raise warning 'every role, ledger_analyst too, may still create large objects in database %: only a superuser can revoke '
            'EXECUTE on the large-object functions; run src/Ledger.Projector/Schema/Migrations/0006_analyst_writes_nothing.sql as one '
            '(docs/analytics.md)', current_database();
        return;
    end if;
    revoke execute on function
        pg_catalog.lo_creat(integer), pg_catalog.lo_create(oid), pg_catalog.lo_from_bytea(oid, bytea),
        pg_catalog.lo_import(text), pg_catalog.lo_import(text, oid), pg_catalog.lo_export(oid, text),
        pg_catalog.lo_open(oid, integer), pg_catalog.lowrite(integer, bytea), pg_catalog.lo_put(oid, bigint, bytea),
        pg_catalog.lo_truncate(integer, integer), pg_catalog.lo_truncate64(integer, bigint), pg_catalog.lo_unlink(oid)
        from public;
end $$;
