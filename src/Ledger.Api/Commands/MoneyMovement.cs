using Ledger.Api.Access;
using Ledger.Domain;
using Ledger.Domain.Assets;
using Ledger.Api.Edge;
using Microsoft.AspNetCore.Mvc;

namespace Ledger.Api.Commands;

/// <summary>The body of a deposit or a withdrawal: {"userId":"alice","asset":"USD","amount":"100.00"}.</summary>
public sealed record MoneyMovementBody(string? UserId, string? Asset, string? Amount) : ICommandBody<MoneyMovementBody>
{
    public static IReadOnlyList<BodyMember> Members { get; } =
        [new("userId", MemberValue.Text), new("asset", MemberValue.Text), new("amount", MemberValue.Amount)];

    public static MoneyMovementBody From(string?[] values) => new(values[0], values[1], values[2]);
}

/// <summary>POST /v1/deposits (money arriving from outside) and POST /v1/withdrawals (money leaving,
/// refused with insufficient_funds beyond the available balance) share one shape. Deposits are the
/// treasury's; a withdrawal is its own user's.</summary>
public static class MoneyMovement
{
    public static IEndpointRouteBuilder MapMoneyMovements(this IEndpointRouteBuilder routes)
    {
        Map(routes, "/v1/deposits", "Deposits", Policies.Deposits, nameof(Deposit), (request, asset, amount) => new Deposit(request, asset, amount))
            .WithName("deposit")
            .DocumentCommand("Deposit money arriving from outside", "The treasury credits a user's account. 201 with the balance after it.");
        Map(routes, "/v1/withdrawals", "Withdrawals", Policies.OwnAccountCommands, nameof(Withdraw), (request, asset, amount) => new Withdraw(request, asset, amount))
            .WithName("withdraw")
            .DocumentCommand("Withdraw money to outside", "A user takes money out of their own account; 422 insufficient_funds beyond the available balance.");
        return routes;
    }

    private static RouteHandlerBuilder Map(IEndpointRouteBuilder routes, string path, string tag, string policy, string commandType,
        Func<Request, string, long, Command> create) =>
        routes.MapPost(path, (
                CommandBody<MoneyMovementBody> body,
                [FromHeader(Name = CommandFields.IdempotencyKeyHeader)] string? idempotencyKey,
                CommandValidator<MoneyMovementBody> validator, AssetCatalog assets, CommandSubmission submission,
                HttpContext http, CancellationToken cancellation) =>
            Submit(idempotencyKey, body, commandType, create, validator, assets, submission, http, cancellation))
            .WithTags(tag).RequireAuthorization(policy).RequireCommandRateLimit();

    /// <summary>Validates the body and the key, then submits the command <paramref name="create"/> makes.</summary>
    public static async Task<IResult> Submit(string? idempotencyKey, CommandBody<MoneyMovementBody> posted, string commandType,
        Func<Request, string, long, Command> create, CommandValidator<MoneyMovementBody> validator, AssetCatalog assets,
        CommandSubmission submission, HttpContext http, CancellationToken cancellation)
    {
        if (validator.Problem(idempotencyKey, posted) is { } invalid) return invalid;
        var body = posted.Value!;
        var asset = assets.Get(body.Asset!);
        var amount = CommandFields.ValidAmount(body.Amount, asset);

        var request = CommandFields.NewRequest(body.UserId!, idempotencyKey!,
            CommandFields.Fingerprint(commandType, body.UserId!, asset.Code, amount));
        return await submission.Submit(create(request, asset.Code, amount), http, cancellation);
    }
}
