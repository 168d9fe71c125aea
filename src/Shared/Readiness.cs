using Npgsql;

namespace Ledger.Hosting;

/// <summary>How both hosts answer /health/ready: every named check, 200 when all pass, 503 when one
/// does not. Compiled into each host (Ledger.Api, Ledger.Projector) from src/Shared.</summary>
internal static class Readiness
{
    private static readonly TimeSpan PostgresProbeTimeout = TimeSpan.FromSeconds(2);

    public static IResult Answer(IReadOnlyDictionary<string, bool> checks)
    {
        var ready = checks.Values.All(ok => ok);
        return TypedResults.Json(new { status = ready ? "ready" : "not_ready", checks },
            statusCode: ready ? StatusCodes.Status200OK : StatusCodes.Status503ServiceUnavailable);
    }

    /// <summary>True when PostgreSQL runs <paramref name="probe"/> within the probe timeout.</summary>
    public static async Task<bool> PostgresAnswers(NpgsqlDataSource database, string probe, CancellationToken cancellation)
    {
        try
        {
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellation);
            timeout.CancelAfter(PostgresProbeTimeout);
            await using var command = database.CreateCommand(probe);
            await command.ExecuteScalarAsync(timeout.Token);
            return true;
        }
        catch (Exception error) when (error is NpgsqlException or PostgresException or TimeoutException or OperationCanceledException
            && !cancellation.IsCancellationRequested)
        {
            return false;
        }
    }
}
