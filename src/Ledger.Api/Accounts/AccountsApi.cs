using System.Security.Claims;
using Ledger.Api.Access;
using Ledger.Api.Commands;
using Ledger.Api.ReadModel;
using Ledger.Domain.Accounts;
using Ledger.Api.Edge;
using Ledger.Domain.Idempotency;
using Npgsql;

namespace Ledger.Api.Accounts;

/// <summary>GET /v1/accounts/{userId}/balances, from the balance cache the projector keeps.</summary>
public static class AccountsApi
{
    public static RouteGroupBuilder MapAccounts(this IEndpointRouteBuilder routes)
    {
        var group = routes.MapGroup("/v1/accounts").WithTags("Accounts").RequireAuthorization(Policies.AccountReads);
        group.MapGet("/{userId}/balances", Balances).WithName("getBalances")
            .DocumentRead("An account's balances", "Per asset: available, held and total, from the read model, with asOf (how fresh).");
        return group;
    }

    private static async Task<IResult> Balances(string userId, BalancesQueryValidator validator, NpgsqlDataSource readModel,
        CommandAnswers answers, ClaimsPrincipal caller, CancellationToken cancellation)
    {
        if (validator.Problem(new BalancesQuery(userId)) is { } invalid) return invalid;
        if (AccountAccess.Refusal(caller, userId) is { } refusal) return refusal;

        await using var connection = await readModel.OpenConnectionAsync(cancellation);
        var balances = new List<object>();
        await using (var command = new NpgsqlCommand(
            "select asset, available, held from balances where user_id = $1 order by asset", connection))
        {
            command.Parameters.AddWithValue(userId);
            await using var reader = await command.ExecuteReaderAsync(cancellation);
            while (await reader.ReadAsync(cancellation))
            {
                var asset = reader.GetString(0);
                balances.Add(answers.BalanceJson(asset, new AssetBalance(asset, new Balance(reader.GetInt64(1), reader.GetInt64(2)))));
            }
        }
        var freshness = await Freshness.Read(connection, cancellation);
        return TypedResults.Ok(new { userId, balances, asOf = freshness });
    }
}
