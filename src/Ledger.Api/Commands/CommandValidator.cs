using FluentValidation;
using Ledger.Api.Edge;

namespace Ledger.Api.Commands;

/// <summary>What every command request carries: its Idempotency-Key header and its JSON body
/// (null when the request had none, or the JSON literal null).</summary>
public sealed record CommandRequest<TBody>(string? IdempotencyKey, TBody? Body) where TBody : class;

/// <summary>Validates a command request: the Idempotency-Key, a body being there at all, and the body
/// by its own validator (e.g. <see cref="Orders.PlaceOrderValidator"/>). Errors of both come in one answer.</summary>
public sealed class CommandValidator<TBody> : RequestValidator<CommandRequest<TBody>> where TBody : class
{
    public CommandValidator(IValidator<TBody> body)
    {
        RuleFor(r => r.IdempotencyKey).IdempotencyKey();
        RuleFor(r => r.Body).NotNull().WithMessage("a JSON object is required").OverridePropertyName("body").SetValidator(body!);
    }
}
