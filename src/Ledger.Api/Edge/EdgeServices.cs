using FluentValidation;
using Ledger.Api.Accounts;
using Ledger.Api.Commands;
using Ledger.Api.Orders;
using Ledger.Api.Statistics;
using Ledger.Api.Transfers;

namespace Ledger.Api.Edge;

/// <summary>The edge's validators (one per request body or query), its answers to requests refused
/// before a handler runs, and its API documents.</summary>
public static class EdgeServices
{
    public static IServiceCollection AddLedgerEdge(this IServiceCollection services)
    {
        services.AddSingleton(typeof(CommandValidator<>));
        services.AddSingleton<IValidator<MoneyMovementBody>, MoneyMovementValidator>();
        services.AddSingleton<IValidator<PlaceOrderBody>, PlaceOrderValidator>();
        services.AddSingleton<IValidator<CancelOrderBody>, CancelOrderValidator>();
        services.AddSingleton<IValidator<FillBody>, FillValidator>();
        services.AddSingleton<IValidator<TransferBody>, TransferValidator>();
        services.AddSingleton<OrderPathValidator>().AddSingleton<OrderQueryValidator>().AddSingleton<TransferQueryValidator>();
        services.AddSingleton<BalancesQueryValidator>().AddSingleton<EntriesQueryValidator>().AddSingleton<AccountOrdersQueryValidator>();
        services.AddSingleton<DailyStatisticsQueryValidator>().AddSingleton<UserDailyStatisticsQueryValidator>();

        // Binding failures (bad JSON, wrong Content-Type, too large) are thrown, so BadRequestAnswers can say what was wrong.
        services.Configure<RouteHandlerOptions>(options => options.ThrowOnBadRequest = true);
        services.AddExceptionHandler<BadRequestAnswers>();
        services.AddProblemDetails(options => options.CustomizeProblemDetails = BadRequestAnswers.Explain);
        services.AddApiDocs();
        return services;
    }
}
