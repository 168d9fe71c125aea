using Ledger.Api.Accounts;
using Ledger.Api.Audit;
using Ledger.Api.Commands;
using Ledger.Api.Dashboard;
using Ledger.Api.Edge;
using Ledger.Api.Orders;
using Ledger.Api.ReadModel;
using Ledger.Api.Statistics;
using Ledger.Api.Transfers;
using Ledger.Observability;

namespace Ledger.Api.Hosting;

/// <summary>Every endpoint Ledger.Api maps, in one place: Program.cs maps these, and the test that the
/// OpenAPI document describes every endpoint builds them the same way.</summary>
public static class ApiEndpoints
{
    public static IEndpointRouteBuilder MapLedgerEndpoints(this IEndpointRouteBuilder app)
    {
        app.MapMoneyMovements();
        app.MapOrders();
        app.MapTransfers();
        app.MapAccounts();
        app.MapEntries();
        app.MapAccountOrders();
        app.MapDailyStatistics();
        app.MapProjectionLag();
        app.MapCommands();
        app.MapHealth();
        app.MapMetrics();
        app.MapDashboard();
        app.MapAudit();
        app.MapApiDocument();
        return app;
    }
}
