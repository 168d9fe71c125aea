using Ledger.Api.Access;
using Ledger.Api.Commands;
using Ledger.Api.ReadModel;
using Npgsql;
using Ledger.Domain.Assets;
using Ledger.Domain.Transfers;
using Ledger.Api.Edge;
using Microsoft.AspNetCore.Mvc;

namespace Ledger.Api.Transfers;

public sealed record TransferBody(string? TransferId, string? FromUserId, string? ToUserId, string? Asset, string? Amount)
    : ICommandBody<TransferBody>
{
    public static IReadOnlyList<BodyMember> Members { get; } =
    [
        new("transferId", MemberValue.Text, Optional: true), new("fromUserId", MemberValue.Text), new("toUserId", MemberValue.Text),
        new("asset", MemberValue.Text), new("amount", MemberValue.Amount),
    ];

    public static TransferBody From(string?[] values) => new(values[0], values[1], values[2], values[3], values[4]);
}

/// <summary>POST /v1/transfers: decided on the sender's partition (201 once debited); the credit
/// follows on the receiver's partition as the next step of the saga, exactly once.
/// GET /v1/transfers/{transferId}?fromUserId=: where the saga stands, from the event store
/// (transfer ids are each sender's own, so the sender is part of the key).</summary>
public static class TransfersApi
{
    public static RouteGroupBuilder MapTransfers(this IEndpointRouteBuilder routes)
    {
        var group = routes.MapGroup("/v1/transfers").WithTags("Transfers");
        group.MapPost("/", Send).WithName("transfer").RequireAuthorization(Policies.OwnAccountCommands).RequireCommandRateLimit()
            .DocumentCommand("Transfer to another user", "Decided on the sender's partition: 201 once debited; the credit follows on the "
                + "receiver's partition, exactly once. 422 insufficient_funds, same_account.");
        group.MapGet("/{transferId}", Find).WithName("getTransfer").RequireAuthorization(Policies.AccountReads)
            .DocumentRead("A transfer's saga", "Its status (debited, completed, refunding, refunded, rejected) and its events; 404 transfer_not_found.");
        return group;
    }

    private static async Task<IResult> Find(string transferId, string? fromUserId, TransferQueryValidator validator,
        NpgsqlDataSource readModel, HttpContext http, CancellationToken cancellation)
    {
        if (validator.Problem(new TransferQuery(transferId, fromUserId)) is { } invalid) return invalid;
        if (AccountAccess.Refusal(http.User, fromUserId!) is { } refusal) return refusal;

        await using var connection = await readModel.OpenConnectionAsync(cancellation);
        var steps = new List<TransferStep>();
        await using (var command = new NpgsqlCommand("""
            select sequence, type, at, rejection_code, body->>'toUserId', body->>'asset', body->>'amount'
              from events
             where body ? 'transferId' and body->>'transferId' = $1 and body->>'fromUserId' = $2
             order by case type when 'TransferCredited' then 1 when 'TransferCreditRejected' then 1
                                when 'TransferRefunded' then 2 else 0 end, sequence
            """, connection)) // the saga's order: a credit can be projected before its debit (it is delivered first)
        {
            command.Parameters.AddWithValue(transferId);
            command.Parameters.AddWithValue(fromUserId!);
            await using var reader = await command.ExecuteReaderAsync(cancellation);
            while (await reader.ReadAsync(cancellation))
                steps.Add(new TransferStep(reader.GetInt64(0), reader.GetString(1), reader.GetFieldValue<DateTimeOffset>(2),
                    Text(reader, 3), Text(reader, 4), Text(reader, 5), Text(reader, 6)));
        }
        var freshness = await Freshness.Read(connection, cancellation);
        if (steps.Count == 0)
            return CommandAnswers.Problem(404, "transfer_not_found",
                $"No transfer {transferId} from {fromUserId} is recorded (as of event {freshness.EventSequence}).");
        var types = steps.Select(step => step.EventType).ToHashSet();
        return TypedResults.Ok(new { transferId, fromUserId, status = StatusOf(types), steps, asOf = freshness });
    }

    /// <summary>One event of a transfer's saga, as the event store holds it (amounts as published).</summary>
    private sealed record TransferStep(long Sequence, string EventType, DateTimeOffset At, string? Code, string? ToUserId,
        string? Asset, string? Amount);

    private static string? Text(NpgsqlDataReader reader, int column) => reader.IsDBNull(column) ? null : reader.GetString(column);

    /// <summary>debited (credit on its way), completed, refunded (the receiver could not be credited), rejected.</summary>
    private static string StatusOf(IReadOnlySet<string> types) =>
        types.Contains(nameof(Domain.Transfers.TransferRejected)) ? "rejected"
        : types.Contains(nameof(Domain.Transfers.TransferRefunded)) ? "refunded"
        : types.Contains(nameof(Domain.Transfers.TransferCredited)) ? "completed"
        : types.Contains(nameof(Domain.Transfers.TransferCreditRejected)) ? "refunding"
        : "debited";

    private static async Task<IResult> Send(CommandBody<TransferBody> posted,
        [FromHeader(Name = CommandFields.IdempotencyKeyHeader)] string? idempotencyKey, CommandValidator<TransferBody> validator,
        AssetCatalog assets, CommandSubmission submission, HttpContext http, CancellationToken cancellation)
    {
        if (validator.Problem(idempotencyKey, posted) is { } invalid) return invalid;
        var body = posted.Value!;
        var transferId = CommandFields.ReferenceOrNew(body.TransferId);
        var (from, to) = (body.FromUserId!, body.ToUserId!);
        var asset = assets.Get(body.Asset!);
        var amount = CommandFields.ValidAmount(body.Amount, asset);

        var fingerprint = CommandFields.Fingerprint(nameof(Transfer), from, transferId, to, asset.Code, amount);
        var command = new Transfer(CommandFields.NewRequest(from, idempotencyKey!, fingerprint), transferId, from, to, asset.Code, amount);
        return await submission.Submit(command, http, cancellation, ("transferId", transferId));
    }
}
