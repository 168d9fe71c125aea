using Microsoft.Extensions.Options;

namespace Ledger.Api.Commands;

/// <summary>
/// Decides at once whether the edge takes one more command: refused with 503 and Retry-After when
/// this edge already waits on <see cref="CommandOptions.InFlightMax"/> commands, or when the
/// command's partition writer is more than <see cref="CommandOptions.PartitionLagMax"/> behind.
/// Nothing is queued: a refused command was never produced, so it changes nothing. Reads do not
/// pass through here; they have their own PostgreSQL pool.
/// </summary>
public sealed class CommandAdmission(IOptions<CommandOptions> options, WriterLag lag)
{
    private int _inFlight;

    public int InFlight => Volatile.Read(ref _inFlight);

    /// <summary>Null when admitted (then call <see cref="Leave"/> once the command is answered); otherwise the refusal.</summary>
    public IResult? Enter(int partition, HttpContext http)
    {
        var limits = options.Value;
        if (lag.Of(partition) > limits.PartitionLagMax)
            return Overloaded(http, "ledger_overloaded",
                "This account's partition writer is too far behind; nothing was applied. Retry after the Retry-After delay with the same Idempotency-Key.");
        if (Interlocked.Increment(ref _inFlight) > limits.InFlightMax)
        {
            Interlocked.Decrement(ref _inFlight);
            return Overloaded(http, "ledger_overloaded",
                "Too many commands are waiting for a decision; nothing was applied. Retry after the Retry-After delay with the same Idempotency-Key.");
        }
        return null;
    }

    public void Leave() => Interlocked.Decrement(ref _inFlight);

    private IResult Overloaded(HttpContext http, string code, string detail)
    {
        http.Response.Headers.RetryAfter = ((int)Math.Ceiling(options.Value.OverloadRetryAfter.TotalSeconds)).ToString();
        return CommandAnswers.Problem(503, code, detail);
    }
}
