using Ledger.Api.Access;
using Ledger.Domain;
using Ledger.Domain.Assets;
using Microsoft.AspNetCore.Mvc;

namespace Ledger.Api.Commands;

/// <summary>The body of a deposit or a withdrawal: {"userId":"alice","asset":"USD","amount":"100.00"}.</summary>
public sealed record MoneyMovementBody(string? UserId, string? Asset, string? Amount);

/// <summary>POST /v1/deposits (money arriving from outside) and POST /v1/withdrawals (money leaving,
/// refused with insufficient_funds beyond the available balance) share one shape. Deposits are the
/// treasury's; a withdrawal is its own user's.</summary>
public static class MoneyMovement
{
    public static IEndpointRouteBuilder MapMoneyMovements(this IEndpointRouteBuilder routes)
    {
        Map(routes, "/v1/deposits", "Deposits", Policies.Deposits, nameof(Deposit), (request, asset, amount) => new Deposit(request, asset, amount));
        Map(routes, "/v1/withdrawals", "Withdrawals", Policies.OwnAccountCommands, nameof(Withdraw), (request, asset, amount) => new Withdraw(request, asset, amount));
        return routes;
    }

    private static void Map(IEndpointRouteBuilder routes, string path, string tag, string policy, string commandType,
        Func<Request, string, long, Command> create) =>
        routes.MapPost(path, (
                [FromBody] MoneyMovementBody? body,
                [FromHeader(Name = "Idempotency-Key")] string? idempotencyKey,
                AssetCatalog assets, CommandSubmission submission, HttpContext http, CancellationToken cancellation) =>
            Submit(body, idempotencyKey, commandType, create, assets, submission, http, cancellation))
            .WithTags(tag).RequireAuthorization(policy).RequireRateLimiting(CommandRateLimits.Policy);

    /// <summary>Validates the body and the key, then submits the command <paramref name="create"/> makes.</summary>
    public static async Task<IResult> Submit(MoneyMovementBody? body, string? idempotencyKey, string commandType,
        Func<Request, string, long, Command> create, AssetCatalog assets, CommandSubmission submission,
        HttpContext http, CancellationToken cancellation)
    {
        var fields = new CommandFields(assets);
        var key = fields.IdempotencyKey(idempotencyKey);
        if (body is null) return TypedResults.ValidationProblem(new Dictionary<string, string[]> { ["body"] = ["a JSON object is required"] });
        var userId = fields.UserId(body.UserId);
        var asset = fields.Asset(body.Asset);
        var amount = fields.PositiveAmount(body.Amount, asset);
        if (!fields.IsValid) return fields.Invalid();

        var request = CommandFields.NewRequest(userId, key, CommandFields.Fingerprint(commandType, userId, asset!.Code, amount));
        return await submission.Submit(create(request, asset.Code, amount), http, cancellation);
    }
}
