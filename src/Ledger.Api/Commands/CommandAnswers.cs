using Ledger.Domain;
using Ledger.Domain.Assets;
using Ledger.Domain.Idempotency;

namespace Ledger.Api.Commands;

/// <summary>The HTTP answer to a decided command: 201 with the balance after it, 422 with a code
/// for a refusal, 202 with a Location when the decision is not known yet.</summary>
public sealed class CommandAnswers(AssetCatalog assets)
{
    public const string ReplayedHeader = "Idempotent-Replayed";

    /// <param name="reference">Named ids the caller may have let the edge choose, e.g. ("orderId", "...").</param>
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
        if (decision is IRejection { Code: var code })
            return Problem(422, code, $"The ledger refused the command: {code}.", decision.Request.CommandId);

        var balance = outcome.Decision.BalancesAfter.FirstOrDefault(b => b.Asset == decision.Asset);
        var body = new Dictionary<string, object?>
        {
            ["commandId"] = decision.Request.CommandId,
            ["status"] = "accepted",
            ["eventType"] = decision.GetType().Name,
        };
        if (reference is var (name, value)) body[name] = value;
        body["balance"] = BalanceJson(balance.Asset ?? decision.Asset, balance);
        return TypedResults.Json(body, statusCode: StatusCodes.Status201Created);
    }

    public static IResult Pending(Guid commandId) => new WithLocation(
        TypedResults.Json(new { commandId, status = "pending" }, statusCode: StatusCodes.Status202Accepted),
        $"/v1/commands/{commandId}");

    public object BalanceJson(string assetCode, AssetBalance balance)
    {
        var asset = assets.Get(assetCode);
        return new
        {
            asset = asset.Code,
            available = Amount.Format(balance.Balance.Available, asset),
            held = Amount.Format(balance.Balance.Held, asset),
            total = Amount.Format(balance.Balance.Total, asset),
        };
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
