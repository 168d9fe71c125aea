using System.Net;
using System.Text.Json;

namespace Ledger.Tests.Support;

/// <summary>An HTTP answer read once: status, JSON body, headers.</summary>
public sealed record Answer(HttpStatusCode Status, JsonElement Body, bool Replayed)
{
    public string? Code => Body.ValueKind == JsonValueKind.Object && Body.TryGetProperty("code", out var code) ? code.GetString() : null;

    public JsonElement Balance => Body.GetProperty("balance");

    public static async Task<Answer> Read(HttpResponseMessage response)
    {
        using (response)
        {
            var text = await response.Content.ReadAsStringAsync();
            var body = text.Length == 0 ? default : JsonDocument.Parse(text).RootElement.Clone();
            var replayed = response.Headers.TryGetValues("Idempotent-Replayed", out var values) && values.Single() == "true";
            return new Answer(response.StatusCode, body, replayed);
        }
    }
}

public static class RunningLedgerCommands
{
    public static async Task<Answer> Send(this RunningLedger ledger, string path, object body, string key) =>
        await Answer.Read(await ledger.Post(path, body, key));

    /// <summary>Sends until the ledger says what it decided (201 or 422), as a careful client does:
    /// the same Idempotency-Key every time, so a retry can never apply twice.</summary>
    public static async Task<Answer> SendUntilDecided(this RunningLedger ledger, string path, object body, string key, TimeSpan deadline)
    {
        var clock = System.Diagnostics.Stopwatch.StartNew();
        var last = "no answer";
        while (true)
        {
            try
            {
                var answer = await ledger.Send(path, body, key);
                if (answer.Status is HttpStatusCode.Created or HttpStatusCode.UnprocessableEntity) return answer;
                last = $"{(int)answer.Status} {answer.Body}";
            }
            catch (HttpRequestException error) { last = error.Message; }
            catch (TaskCanceledException) { last = "timed out"; }
            if (clock.Elapsed > deadline)
                throw new TimeoutException($"{path} {key} was not decided within {deadline}; the last answer: {(last.Length > 500 ? last[..500] : last)}");
            await Task.Delay(200); // a client's back-off between retries, not a synchronisation
        }
    }
}
