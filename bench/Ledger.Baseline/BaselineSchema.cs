using Npgsql;

namespace Ledger.Baseline;

/// <summary>The lock-based ledger's tables: balances are rows updated in place under row locks;
/// entries, orders, fills, transfers and the idempotency answers sit beside them.</summary>
public static class BaselineSchema
{
    public static async Task Create(NpgsqlDataSource database)
    {
        await using var command = database.CreateCommand("""
            create table if not exists balances (
                user_id text not null, asset text not null,
                available bigint not null default 0 check (available >= 0),
                held bigint not null default 0 check (held >= 0),
                primary key (user_id, asset));
            create table if not exists entries (
                id bigint generated always as identity primary key,
                command_id uuid not null, user_id text not null, asset text not null, amount bigint not null,
                kind text not null, at timestamptz not null default now());
            create table if not exists commands (
                user_id text not null, idempotency_key text not null, command_id uuid not null,
                status int not null, answer text not null,
                primary key (user_id, idempotency_key));
            create table if not exists orders (
                user_id text not null, order_id text not null, market text not null, side text not null,
                price bigint not null, quantity bigint not null, filled bigint not null, held_remaining bigint not null,
                status text not null, primary key (user_id, order_id));
            create table if not exists fills (
                user_id text not null, order_id text not null, fill_id text not null,
                primary key (user_id, order_id, fill_id));
            create table if not exists transfers (
                from_user_id text not null, transfer_id text not null, to_user_id text not null,
                asset text not null, amount bigint not null, primary key (from_user_id, transfer_id));
            """);
        await command.ExecuteNonQueryAsync();
    }
}
