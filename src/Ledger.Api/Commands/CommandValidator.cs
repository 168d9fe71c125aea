using FluentValidation;
using FluentValidation.Results;
using Ledger.Api.Edge;

namespace Ledger.Api.Commands;

/// <summary>What every command request carries: its Idempotency-Key header and its JSON body
/// (null when the request had none, or it was not one unambiguous body).</summary>
public sealed record CommandRequest<TBody>(string? IdempotencyKey, TBody? Body) where TBody : class;

/// <summary>Validates a command request: the Idempotency-Key, a body being there at all, and the body
/// by its own validator (e.g. <see cref="Orders.PlaceOrderValidator"/>). Errors of both come in one answer.</summary>
public sealed class CommandValidator<TBody> : RequestValidator<CommandRequest<TBody>> where TBody : class, ICommandBody<TBody>
{
    public CommandValidator(IValidator<TBody> body)
    {
        RuleFor(r => r.IdempotencyKey).IdempotencyKey();
        RuleFor(r => r.Body).NotNull().WithMessage("a JSON object is required").OverridePropertyName("body").SetValidator(body!);
    }

    /// <summary>Null when the posted command is valid; otherwise its refusal (a 415 or malformed JSON as it
    /// is) or one 400 with every error: the body's shape (unknown, repeated, mistyped members), the key,
    /// the fields, and <paramref name="others"/> (e.g. the path's). A body of the wrong shape has no
    /// fields to judge, so only its key is validated beside it.</summary>
    public IResult? Problem(string? idempotencyKey, CommandBody<TBody> posted, params ValidationResult[] others)
    {
        if (posted.Refusal is { } refusal) return refusal;
        var request = new CommandRequest<TBody>(idempotencyKey, posted.Value);
        var own = posted.Errors is null ? Validate(request)
            : this.Validate(request, options => options.IncludeProperties(CommandFields.IdempotencyKeyHeader));
        return ValidationProblems.Of(posted.Errors, [own, .. others]);
    }
}
