using Ledger.Api.Commands;
using Ledger.Domain.Assets;
using Ledger.Domain.Transfers;
using Microsoft.AspNetCore.Mvc;

namespace Ledger.Api.Transfers;

public sealed record TransferBody(string? TransferId, string? FromUserId, string? ToUserId, string? Asset, string? Amount);

/// <summary>POST /v1/transfers: decided on the sender's partition (201 once debited); the credit
/// follows on the receiver's partition as the next step of the saga, exactly once.</summary>
public static class TransfersApi
{
    public static RouteGroupBuilder MapTransfers(this IEndpointRouteBuilder routes)
    {
        var group = routes.MapGroup("/v1/transfers").WithTags("Transfers");
        group.MapPost("/", Send);
        return group;
    }

    private static async Task<IResult> Send([FromBody] TransferBody? body, [FromHeader(Name = "Idempotency-Key")] string? idempotencyKey,
        AssetCatalog assets, CommandSubmission submission, HttpContext http, CancellationToken cancellation)
    {
        var fields = new CommandFields(assets);
        var key = fields.IdempotencyKey(idempotencyKey);
        if (body is null)
            return TypedResults.ValidationProblem(new Dictionary<string, string[]> { ["body"] = ["a JSON object is required"] });
        var transferId = fields.ReferenceOrNew(body.TransferId, "transferId");
        var from = fields.UserId(body.FromUserId, "fromUserId");
        var to = fields.UserId(body.ToUserId, "toUserId");
        var asset = fields.Asset(body.Asset);
        var amount = fields.PositiveAmount(body.Amount, asset);
        if (!fields.IsValid) return fields.Invalid();

        var fingerprint = CommandFields.Fingerprint(nameof(Transfer), from, transferId, to, asset!.Code, amount);
        var command = new Transfer(CommandFields.NewRequest(from, key, fingerprint), transferId, from, to, asset.Code, amount);
        return await submission.Submit(command, http, cancellation, ("transferId", transferId));
    }
}
