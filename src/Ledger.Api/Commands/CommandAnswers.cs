using System.Text.Json.Serialization;
using Ledger.Api.ReadModel;
using Ledger.Domain;
using Ledger.Domain.Assets;
using Ledger.Domain.Idempotency;

namespace Ledger.Api.Commands;

/// <summary>The HTTP answer to a decided command: 201 with the balance after it, 422 with a code
/// for a refusal, 202 with a Location when the decision is not known yet.</summary>
public sealed class CommandAnswers(AssetCatalog assets)
{
    public const string ReplayedHeader = "Idempotent-Replayed";

    /// <param name="reference">The id the caller may have let the edge choose: ("orderId", "...") or ("transferId", "...").</param>
    public IResult Decided(Request request, CommandOutcome outcome, HttpContext http, (string Name, string Value)? reference = null)
    {
        var decision = outcome.Decision.Event;
        if (outcome.Replayed)
        {
            if (decision.Request.Fingerprint != request.Fingerprint)
                return Problem(422, "idempotency_key_reused",
                    "This Idempotency-Key was already used for a different request.", decision.Request.CommandId);
            http.Response.Headers[ReplayedHeader] = "true";
        }
        var token = outcome.Token?.ToString();
        if (token is not null) http.Response.Headers[ConsistencyToken.Header] = token;
        if (decision is IRejection { Code: var code })
            return Problem(422, code, $"The ledger refused the command: {code}.", decision.Request.CommandId);

        var balance = outcome.Decision.BalancesAfter.FirstOrDefault(b => b.Asset == decision.Asset);
        var body = new AcceptedAnswer(decision.Request.CommandId, "accepted", decision.GetType().Name,
            OrderId: reference is ("orderId", var orderId) ? orderId : null,
            TransferId: reference is ("transferId", var transferId) ? transferId : null,
            BalanceJson(balance.Asset ?? decision.Asset, balance), token);
        return TypedResults.Json(body, statusCode: StatusCodes.Status201Created);
    }

    public static IResult Pending(Guid commandId) => new WithLocation(
        TypedResults.Json(new PendingAnswer(commandId, "pending"), statusCode: StatusCodes.Status202Accepted),
        $"/v1/commands/{commandId}");

    public BalanceAnswer BalanceJson(string assetCode, AssetBalance balance)
    {
        var asset = assets.Get(assetCode);
        return new BalanceAnswer(asset.Code, Amount.Format(balance.Balance.Available, asset),
            Amount.Format(balance.Balance.Held, asset), Amount.Format(balance.Balance.Total, asset));
    }

    public static IResult Problem(int status, string code, string detail, Guid? commandId = null) =>
        TypedResults.Problem(detail: detail, statusCode: status, title: code.Replace('_', ' '),
            extensions: new Dictionary<string, object?> { ["code"] = code, ["commandId"] = commandId });

    private sealed class WithLocation(IResult inner, string location) : IResult
    {
        public Task ExecuteAsync(HttpContext http)
        {
            http.Response.Headers.Location = location;
            return inner.ExecuteAsync(http);
        }
    }
}

/// <summary>201: a command decided and accepted, with its asset's balance after it. Commands that name
/// an order or a transfer answer its id (chosen by the edge when the caller left it out). The
/// consistency token (also in the Consistency-Token header) lets a read wait until it sees this decision.</summary>
public sealed record AcceptedAnswer(Guid CommandId, string Status, string EventType,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? OrderId,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? TransferId,
    BalanceAnswer Balance,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? ConsistencyToken);

/// <summary>202: the command is on the log but not decided yet; GET the Location for its decision.</summary>
public sealed record PendingAnswer(Guid CommandId, string Status);

/// <summary>Decimal strings in the asset's scale.</summary>
public sealed record BalanceAnswer(string Asset, string Available, string Held, string Total);
