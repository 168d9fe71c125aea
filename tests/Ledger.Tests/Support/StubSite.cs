using System.Net;
using System.Text;

namespace Ledger.Tests.Support;

/// <summary>A few fixed answers on a loopback port (HttpListener), for a page to load in a browser
/// with data the test chose; any other path is a 404.</summary>
public sealed class StubSite : IAsyncDisposable
{
    private readonly HttpListener _listener;
    private readonly Task _serving;

    private StubSite(HttpListener listener, Uri baseAddress, IReadOnlyDictionary<string, (int Status, string ContentType, string Body)> answers)
    {
        _listener = listener;
        BaseAddress = baseAddress;
        _serving = Task.Run(async () =>
        {
            while (_listener.IsListening)
            {
                HttpListenerContext context;
                try { context = await _listener.GetContextAsync(); }
                catch (Exception error) when (error is HttpListenerException or ObjectDisposedException or InvalidOperationException) { return; }
                var found = answers.TryGetValue(context.Request.Url!.AbsolutePath, out var answer);
                var (status, type, body) = found ? answer : (404, "text/plain", "not found");
                var bytes = Encoding.UTF8.GetBytes(body);
                context.Response.StatusCode = status;
                context.Response.ContentType = type;
                context.Response.ContentLength64 = bytes.Length;
                await context.Response.OutputStream.WriteAsync(bytes);
                context.Response.Close();
            }
        });
    }

    public Uri BaseAddress { get; }

    public static Task<StubSite> Start(IReadOnlyDictionary<string, (int, string, string)> answers)
    {
        // A free loopback port: bind port 0 with a socket, then listen there.
        using var probe = new System.Net.Sockets.TcpListener(IPAddress.Loopback, 0);
        probe.Start();
        var port = ((IPEndPoint)probe.LocalEndpoint).Port;
        probe.Stop();
        var listener = new HttpListener();
        var baseAddress = new Uri($"http://127.0.0.1:{port}/");
        listener.Prefixes.Add(baseAddress.ToString());
        listener.Start();
        return Task.FromResult(new StubSite(listener, baseAddress, answers.ToDictionary(a => a.Key, a => a.Value)));
    }

    public async ValueTask DisposeAsync()
    {
        _listener.Stop();
        _listener.Close();
        await _serving;
    }
}
