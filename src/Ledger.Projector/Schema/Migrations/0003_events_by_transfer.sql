-- GET /v1/transfers/{transferId} finds a transfer's events (debit, credit, refund) by its id.
create index events_by_transfer on events ((body->>'transferId')) where body ? 'transferId';
