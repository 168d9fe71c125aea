using Ledger.Api.Edge;
using Ledger.Api.Hosting;
using Ledger.Api.Observability;

var builder = WebApplication.CreateBuilder(args);
builder.AddLedgerApi();

var app = builder.Build();
app.UseExceptionHandler();
app.UseStatusCodePages();
app.UseHttpObservability();
app.UseRequestHeadersLimit();
app.UseApiPage();
app.UseAuthentication();
app.UseAuthorization();
app.UseRateLimiter();
app.MapLedgerEndpoints();
app.Run();

/// <summary>Visible to tests that host the Api in-process.</summary>
public partial class Program;
