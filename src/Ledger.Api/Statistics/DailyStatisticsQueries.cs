using FluentValidation;
using Ledger.Api.Commands;
using Ledger.Api.Edge;
using Ledger.Api.ReadModel;
using Ledger.Domain.Assets;

namespace Ledger.Api.Statistics;

/// <summary>GET /v1/stats/daily?from=&amp;to=&amp;asset=.</summary>
public sealed record DailyStatisticsQuery(string? From, string? To, string? Asset);

public sealed class DailyStatisticsQueryValidator : RequestValidator<DailyStatisticsQuery>
{
    public DailyStatisticsQueryValidator(AssetCatalog assets)
    {
        RuleFor(q => q.From).Day();
        RuleFor(q => q.To).Day().EndOfDays(q => q.From);
        RuleFor(q => q.Asset).OptionalAsset(assets);
    }
}

/// <summary>GET /v1/stats/daily/users/{userId}?from=&amp;to=.</summary>
public sealed record UserDailyStatisticsQuery(string UserId, string? From, string? To);

public sealed class UserDailyStatisticsQueryValidator : RequestValidator<UserDailyStatisticsQuery>
{
    public UserDailyStatisticsQueryValidator()
    {
        RuleFor(q => q.UserId).UserId();
        RuleFor(q => q.From).Day();
        RuleFor(q => q.To).Day().EndOfDays(q => q.From);
    }
}
