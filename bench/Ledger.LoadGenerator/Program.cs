using System.Text.Json;
using Ledger.LoadGenerator;
using Ledger.LoadGenerator.Broker;
using Ledger.LoadGenerator.Load;
using Ledger.LoadGenerator.Report;

// The benchmark's load generator, the broker's raw rate, and the report. `./ledger bench` drives it:
//   fund    --url U --users N --signing-key-file F                  deposits to every user (not measured)
//   http    --url U --target ledger|baseline --scenario NAME --users N --distribution uniform|zipf:S|hot
//           (--callers C | --rate R [--in-flight-max M]) --warmup S --seconds S --signing-key-file F
//           --partitions P --results FILE [--watch NAME=PID ...] [--seed N]
//           [--floor-path PATH: GET PATH instead of the mix (the HTTP floor), with --callers]
//   broker  --bootstrap-file F --topic T --partitions P --records N --results FILE
//   transactions --bootstrap-file F --library bundled|system --topic T --partitions P --transactions N
//           --offsets-topic T --results FILE [--settings writer|background-poll] [--spread all|one]
//           [--kafka-pid PID: also the CPU per transaction of this client and of that local Kafka]
//   report  --results DIR --out FILE
// Socket completions run on the socket engine's own thread instead of hopping to a thread pool worker
// per answer: the generator's work is small and never blocks, and each hop cost a thread wake-up.
// Read by .NET when the first socket is made, so it is set before anything else.
Environment.SetEnvironmentVariable("DOTNET_SYSTEM_NET_SOCKETS_INLINE_COMPLETIONS", "1");

if (args.Length == 0)
{
    Console.Error.WriteLine("usage: Ledger.LoadGenerator fund|http|broker|report --name value ...");
    return 2;
}
var options = new Arguments(args[1..]);
switch (args[0])
{
    case "fund":
    {
        var users = options.Int("users");
        using var http = LoadRun.Client(new Uri(options.Text("url")), 64);
        var tokens = MakeTokens(options, users);
        var started = System.Diagnostics.Stopwatch.StartNew();
        var failed = await Funding.Run(http, tokens, users, options.Int("callers", 64));
        Console.WriteLine($"funded {users} users in {started.Elapsed.TotalSeconds:0.0} s; {failed} deposits not accepted");
        return failed == 0 ? 0 : 1;
    }
    case "http":
    {
        var users = options.Int("users");
        var sampler = ZipfSampler.Parse(options.Text("distribution"), users);
        var callers = options.Optional("callers") is null ? 0 : options.Int("callers");
        var rate = options.Optional("rate") is null ? 0 : options.Double("rate");
        var inFlightMax = options.Int("in-flight-max", 4_000);
        using var http = LoadRun.Client(new Uri(options.Text("url")), Math.Max(callers, inFlightMax));
        var mix = new CommandMix(MakeTokens(options, users), users, Guid.NewGuid().ToString("N")[..8]);
        var run = new LoadRun(http, mix, sampler, options.Int("seed", 1));
        var cpu = ProcessCpu.Parse(options.All("watch"));
        var warmup = TimeSpan.FromSeconds(options.Double("warmup"));
        var measured = TimeSpan.FromSeconds(options.Double("seconds"));

        // Sampled by a task beside the run: CPU and the Api's metrics at the window's edges, threads
        // also in between (so a thread that ends in the window keeps most of its time).
        (Dictionary<string, double> Seconds, Dictionary<string, ThreadBreakdown> Threads)? window = null;
        WriterProfile? profileBefore = null, profileAfter = null;
        using var probes = LoadRun.Client(new Uri(options.Text("url")), 2);
        var sampling = Task.Run(async () =>
        {
            await Task.Delay(warmup);
            var started = System.Diagnostics.Stopwatch.StartNew();
            var cpuWindow = cpu.Start();
            profileBefore = await WriterProfile.Read(probes);
            while (measured - started.Elapsed > ProcessCpu.ThreadSampleInterval)
            {
                await Task.Delay(ProcessCpu.ThreadSampleInterval);
                cpuWindow.Sample();
            }
            await Task.Delay(TimeSpan.FromTicks(Math.Max(0, (measured - started.Elapsed).Ticks)));
            window = cpuWindow.Finish();
            profileAfter = await WriterProfile.Read(probes);
        });
        var floorPath = options.Optional("floor-path");
        var counts = floorPath is not null ? await run.ClosedFloor(callers, warmup, measured, floorPath)
            : callers > 0 ? await run.Closed(callers, warmup, measured)
            : await run.Open(rate, inFlightMax, warmup, measured);
        await sampling;

        var result = new ScenarioResult(options.Text("target"), options.Text("scenario"), sampler.Name, users,
            options.Int("partitions"), callers > 0 ? "closed" : "open", callers, rate, counts,
            window!.Value.Seconds,
            profileBefore is not null && profileAfter is not null ? profileAfter.Minus(profileBefore) : null,
            string.Join(' ', File.ReadAllText("/proc/loadavg").Split(' ').Take(3)),
            window.Value.Threads);
        await File.AppendAllTextAsync(options.Text("results"), JsonSerializer.Serialize(result, ScenarioResult.Json) + "\n");
        Console.WriteLine(result.Line());
        return counts.Accepted + counts.Rejected > 0 ? 0 : 1;
    }
    case "broker":
    {
        var bootstrap = File.ReadAllText(options.Text("bootstrap-file")).Trim();
        var result = BrokerRate.Measure(bootstrap, options.Text("topic"), options.Int("partitions"), options.Int("records"),
            options.Int("record-bytes", BrokerRate.CommandRecordBytes()), TimeSpan.FromMinutes(2));
        await File.WriteAllTextAsync(options.Text("results"), JsonSerializer.Serialize(result) + "\n");
        Console.WriteLine($"broker: {result.Records} records of {result.RecordBytes} B over {result.Partitions} partitions: " +
            $"{result.RecordsPerSecond:0} produced-and-consumed/s ({result.ProducedPerSecond:0} produced/s)");
        return 0;
    }
    case "transactions":
    {
        var bootstrap = File.ReadAllText(options.Text("bootstrap-file")).Trim();
        var onePartition = options.Text("spread", "all") switch
        {
            "all" => false,
            "one" => true,
            var other => throw new ArgumentException($"--spread is all (one record per partition) or one (every record on partition 0), not '{other}'"),
        };
        var kafkaPid = options.Int("kafka-pid", 0);
        var result = TransactionCommit.Measure(bootstrap, options.Text("library"), options.Text("topic"), options.Int("partitions"),
            options.Int("transactions"), options.Text("offsets-topic"), options.Text("settings", "writer") == "background-poll",
            onePartition, kafkaPid > 0 ? kafkaPid : null);
        var settings = result.BackgroundPoll ? "the settings before (delivery reports on Confluent.Kafka's poll thread, linger 1 ms)" : "the writer's settings";
        var spread = result.OnePartition ? "all on partition 0" : "one per partition";
        var cpu = kafkaPid > 0
            ? $"; CPU per transaction: this client {result.ClientCpuMs:0.00} ms, the local Kafka {result.KafkaCpuMs:0.00} ms"
            : "";
        var line = $"mock cluster in librdkafka {result.Library}, {settings}: {result.Transactions} transactions of {result.Partitions} records ({spread}): " +
            $"produce {result.ProduceMs:0.00} ms, send offsets {result.SendOffsetsMs:0.00} ms, commit {result.CommitMs:0.00} ms per transaction{cpu}";
        await File.AppendAllTextAsync(options.Text("results"), line + "\n");
        Console.WriteLine(line);
        return 0;
    }
    case "report":
        BenchmarkReport.Write(options.Text("results"), options.Text("out"));
        return 0;
    default:
        Console.Error.WriteLine($"unknown verb '{args[0]}'");
        return 2;
}

static Tokens MakeTokens(Arguments options, int users)
{
    var key = Convert.FromBase64String(File.ReadAllText(options.Text("signing-key-file")).Trim());
    return new Tokens(key, users, CommandMix.UserId, TimeSpan.FromHours(2), DateTimeOffset.UtcNow);
}
