using Ledger.Api.Commands;
using Ledger.Api.ReadModel;

namespace Ledger.Api.Edge;

/// <summary>What an endpoint answers, for the OpenAPI document: a summary, a description, and each
/// status it can give. Every 4xx is RFC 9457 problem details (application/problem+json).</summary>
public static class EndpointDocs
{
    public static RouteHandlerBuilder DocumentCommand(this RouteHandlerBuilder endpoint, string summary, string description) => endpoint
        .WithSummary(summary)
        .WithDescription(description + " Needs an Idempotency-Key; the same key with the same body answers the first outcome again "
            + "(Idempotent-Replayed: true), with another body 422 idempotency_key_reused. Amounts are decimal strings in the asset's scale.")
        .Produces<AcceptedAnswer>(StatusCodes.Status201Created)
        .Produces<PendingAnswer>(StatusCodes.Status202Accepted)
        .ProducesValidationProblem()
        .ProducesProblem(StatusCodes.Status401Unauthorized)
        .ProducesProblem(StatusCodes.Status403Forbidden)
        .ProducesProblem(StatusCodes.Status413PayloadTooLarge)
        .ProducesProblem(StatusCodes.Status415UnsupportedMediaType)
        .ProducesProblem(StatusCodes.Status422UnprocessableEntity)
        .ProducesProblem(StatusCodes.Status429TooManyRequests)
        .ProducesProblem(StatusCodes.Status503ServiceUnavailable);

    /// <summary>Every read of the read models also honours a consistency token (<see cref="ConsistentReads"/>).</summary>
    public static RouteHandlerBuilder DocumentRead(this RouteHandlerBuilder endpoint, string summary, string description) => endpoint
        .WaitsForConsistencyToken()
        .WithSummary(summary)
        .WithDescription(description)
        .Produces(StatusCodes.Status200OK, contentType: "application/json")
        .ProducesValidationProblem()
        .ProducesProblem(StatusCodes.Status401Unauthorized)
        .ProducesProblem(StatusCodes.Status403Forbidden)
        .ProducesProblem(StatusCodes.Status404NotFound);
}
