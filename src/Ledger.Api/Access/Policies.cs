namespace Ledger.Api.Access;

/// <summary>Which roles reach which endpoints. Within an endpoint, a user's token opens only that
/// user's own account (<see cref="AccountAccess"/>).</summary>
public static class Policies
{
    public const string Deposits = "deposits";
    public const string Fills = "fills";
    public const string OwnAccountCommands = "own-account-commands";
    public const string AccountReads = "account-reads";
    public const string CommandReads = "command-reads";
    public const string Statistics = "statistics";
    public const string Audit = "audit";

    public static readonly IReadOnlyDictionary<string, string[]> RolesAllowed = new Dictionary<string, string[]>
    {
        [Deposits] = [Roles.Treasury],
        [Fills] = [Roles.Engine],
        [OwnAccountCommands] = [Roles.User],
        [AccountReads] = [Roles.User, Roles.Admin],
        [CommandReads] = [Roles.User, Roles.Engine, Roles.Treasury, Roles.Admin],
        [Statistics] = [Roles.Analyst, Roles.Admin],
        [Audit] = [Roles.Admin],
    };
}
