using Ledger.Hosting;
using Ledger.Api.Audit;
using Ledger.Api.Commands;
using Ledger.Api.Edge;
using Ledger.Api.Hosting;
using Ledger.Api.Observability;

if (args is ["audit", ..]) return await AuditMode.Run(args[1..]);

var builder = WebApplication.CreateBuilder(HostArguments.With(args));
builder.AddLedgerApi();

var app = builder.Build();
app.UseExceptionHandler();
app.UseStatusCodePages();
app.UseManagementPort();
app.UseHttpObservability();
app.UseRequestHeadersLimit();
app.UseApiPage();
app.UseAuthentication();
app.UseAuthorization();
app.UseCommandRateLimits();
app.MapLedgerEndpoints();
app.Run();
return Environment.ExitCode; // non-zero when a writer stopped the process to protect money

/// <summary>Visible to tests that host the Api in-process.</summary>
public partial class Program;
