using System.Runtime.InteropServices;
using Ledger.Kafka;
using Ledger.Tail;

// An example consumer of the public event stream (docs/events.md): subscribes to ledger.events with
// its own consumer group and prints one line per event, optionally starting from a point in time.
//   ./ledger tail [--from 2026-11-22T00:00:00Z] [--group NAME] [--bootstrap HOST:PORT]

var options = TailOptions.Parse(args);
if (options.Error is { } error)
{
    if (error.Length > 0) Console.Error.WriteLine($"ledger tail: {error}");
    Console.Error.WriteLine(TailOptions.Usage);
    return error.Length > 0 ? 2 : 0;
}
if (options.ResolveBootstrap(out var problem) is not { } bootstrap)
{
    Console.Error.WriteLine($"ledger tail: {problem}");
    return 2;
}

// The same deployment properties the services take (TLS, SASL: docs/deployment.md), from the same
// environment variables: Kafka__Client__<property> and Kafka__ClientSecretFiles__<property>.
var kafka = new KafkaOptions
{
    Client = FromEnvironment("Kafka__Client__"),
    ClientSecretFiles = FromEnvironment("Kafka__ClientSecretFiles__"),
};
try
{
    if (kafka.Errors().FirstOrDefault(e => e.StartsWith("Kafka:Client", StringComparison.Ordinal)) is { } refused)
        throw new InvalidOperationException(refused);
    kafka.UseClientProperties();
}
catch (InvalidOperationException refused)
{
    Console.Error.WriteLine($"ledger tail: {refused.Message}");
    return 2;
}

using var stop = new CancellationTokenSource();
using var onInt = PosixSignalRegistration.Create(PosixSignal.SIGINT, context => { context.Cancel = true; stop.Cancel(); });
using var onTerm = PosixSignalRegistration.Create(PosixSignal.SIGTERM, context => { context.Cancel = true; stop.Cancel(); });
return new EventTail(options, bootstrap, Console.Out, Console.Error).Run(stop.Token);

static Dictionary<string, string> FromEnvironment(string prefix) =>
    Environment.GetEnvironmentVariables().Cast<System.Collections.DictionaryEntry>()
        .Where(variable => ((string)variable.Key).StartsWith(prefix, StringComparison.Ordinal))
        .ToDictionary(variable => ((string)variable.Key)[prefix.Length..], variable => (string)variable.Value!, StringComparer.Ordinal);
