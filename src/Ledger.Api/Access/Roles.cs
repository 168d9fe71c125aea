namespace Ledger.Api.Access;

/// <summary>The roles a token's "role" claim names, and what each may do.</summary>
public static class Roles
{
    /// <summary>Moves money on, and reads, their own account only (the token's "sub" is the user id).</summary>
    public const string User = "user";

    /// <summary>The matching engine: reports fills.</summary>
    public const string Engine = "engine";

    /// <summary>Credits money arriving from outside: deposits.</summary>
    public const string Treasury = "treasury";

    /// <summary>Reads statistics.</summary>
    public const string Analyst = "analyst";

    /// <summary>Reads every account and statistics, and runs the audit. Moves no money.</summary>
    public const string Admin = "admin";

    public static readonly IReadOnlyList<string> All = [User, Engine, Treasury, Analyst, Admin];
}
