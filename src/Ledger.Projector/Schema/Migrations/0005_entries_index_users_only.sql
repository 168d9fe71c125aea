-- The entries index serves one query: a user's entries in order (GET /v1/accounts/{userId}/entries).
-- The ledger's own books ("@ledger") are never read by owner, and they are about a third of the
-- rows: indexing only users' rows spares every batch those insertions (docs/benchmarks.md).
drop index ledger_entries_by_owner;
create index ledger_entries_of_users on ledger_entries (owner_id, sequence, leg) where owner_id <> '@ledger';
