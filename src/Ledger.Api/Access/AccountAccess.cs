using System.Security.Claims;
using Ledger.Api.Commands;

namespace Ledger.Api.Access;

/// <summary>A user's token names its user in "sub": it may move money on, and read, that account only.
/// Other roles have already been limited to their endpoints by <see cref="Policies"/>.</summary>
public static class AccountAccess
{
    public const string SubjectClaim = "sub";

    /// <summary>Null when the caller may use <paramref name="userId"/>'s account; otherwise a 403 to answer.</summary>
    public static IResult? Refusal(ClaimsPrincipal caller, string userId) =>
        MayUse(caller, userId) ? null
            : CommandAnswers.Problem(403, "not_your_account", "This token may only act on and read its own account (its sub claim).");

    public static bool MayUse(ClaimsPrincipal caller, string userId) =>
        !caller.IsInRole(Roles.User) || caller.IsInRole(Roles.Admin) || caller.FindFirstValue(SubjectClaim) == userId;
}
