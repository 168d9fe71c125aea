-- The event store: every event of ledger.events, appended once, never changed.
-- sequence is the global order; (kafka_partition, kafka_offset) says where it came from and
-- makes a second copy of the same record impossible.
create table events (
    sequence         bigint generated always as identity primary key,
    kafka_partition  integer     not null,
    kafka_offset     bigint      not null,
    command_id       uuid        not null,
    user_id          text        not null,
    idempotency_key  text        not null,
    type             text        not null,
    asset            text        not null,
    rejection_code   text,
    at               timestamptz not null,
    body             jsonb       not null,
    projected_at     timestamptz not null default now(),
    constraint events_once_per_kafka_record unique (kafka_partition, kafka_offset)
);
-- A user's stream, in order.
create index events_by_user on events (user_id, sequence);
create index events_by_command on events (command_id);

-- The balance cache: per (user, asset), equal to a replay of the events up to the stored offsets.
create table balances (
    user_id              text        not null,
    asset                text        not null,
    available            bigint      not null check (available >= 0),
    held                 bigint      not null check (held >= 0),
    last_event_partition integer     not null,
    last_event_offset    bigint      not null,
    updated_at           timestamptz not null,
    primary key (user_id, asset)
);

-- Where the projector is in each partition. Written in the same transaction as the rows above,
-- so every event takes effect exactly once.
create table projector_offsets (
    topic           text        not null,
    kafka_partition integer     not null,
    next_offset     bigint      not null,
    updated_at      timestamptz not null,
    primary key (topic, kafka_partition)
);
