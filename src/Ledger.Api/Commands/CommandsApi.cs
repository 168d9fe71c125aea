using System.Security.Claims;
using Ledger.Api.Access;
using Ledger.Api.Edge;
using Npgsql;

namespace Ledger.Api.Commands;

/// <summary>GET /v1/commands/{commandId}: the decision for a command answered 202, once projected.</summary>
public static class CommandsApi
{
    public static RouteGroupBuilder MapCommands(this IEndpointRouteBuilder routes)
    {
        var group = routes.MapGroup("/v1/commands").WithTags("Commands").RequireAuthorization(Policies.CommandReads);
        group.MapGet("/{commandId}", Find).WithName("getCommandDecision")
            .DocumentRead("A command's decision", "The recorded decision for a command answered 202, once projected; 404 before (or for another user's command).");
        return group;
    }

    private static async Task<IResult> Find(string commandId, NpgsqlDataSource readModel, ClaimsPrincipal caller, CancellationToken cancellation)
    {
        if (!Guid.TryParse(commandId, out var id))
            return CommandAnswers.Problem(400, "invalid_command_id", "commandId must be a UUID.");
        await using var connection = await readModel.OpenConnectionAsync(cancellation);
        await using var command = new NpgsqlCommand(
            "select type, body::text, rejection_code, user_id from events where command_id = $1 order by sequence limit 1", connection);
        command.Parameters.AddWithValue(id);
        await using var reader = await command.ExecuteReaderAsync(cancellation);
        // Another user's command is answered as unknown: its existence is not theirs to learn.
        if (!await reader.ReadAsync(cancellation) || !AccountAccess.MayUse(caller, reader.GetString(3)))
            return CommandAnswers.Problem(404, "command_not_found",
                "No decision is recorded for this command yet: it is unknown, or still being decided or projected.", id);
        var rejection = reader.IsDBNull(2) ? null : reader.GetString(2);
        return TypedResults.Ok(new
        {
            commandId = id,
            status = rejection is null ? "accepted" : "rejected",
            code = rejection,
            eventType = reader.GetString(0),
            @event = System.Text.Json.JsonDocument.Parse(reader.GetString(1)).RootElement,
        });
    }
}
