using FluentValidation;
using FluentValidation.Results;

namespace Ledger.Api.Edge;

/// <summary>A validator of one request (a command's body and key, or a read's query). Each rule stops
/// at its field's first failure, so every bad field gets one clear message.</summary>
public abstract class RequestValidator<T> : AbstractValidator<T>
{
    protected RequestValidator() => RuleLevelCascadeMode = CascadeMode.Stop;

    /// <summary>Null when <paramref name="request"/> is valid; otherwise a 400 validation problem.</summary>
    public IResult? Problem(T request) => ValidationProblems.Of(Validate(request));
}

/// <summary>Failed validations as one 400 answer: RFC 9457 validation problem details whose
/// <c>errors</c> name every bad field as the request spells it.</summary>
public static class ValidationProblems
{
    public const string Title = "The request is not valid; nothing was applied.";
    public const string Detail = "Each field named in errors says what is wrong with it.";

    /// <summary>Null when every result is valid.</summary>
    public static IResult? Of(params ValidationResult[] results) => Of(null, results);

    /// <summary>Null when there are no <paramref name="named"/> errors (already named as the request spells
    /// them, e.g. a command body's unknown member) and every result is valid.</summary>
    public static IResult? Of(IReadOnlyDictionary<string, string[]>? named, params ValidationResult[] results)
    {
        var failures = results.SelectMany(r => r.Errors).ToList();
        if (failures.Count == 0 && named is null) return null;
        var errors = new Dictionary<string, string[]>(named ?? new Dictionary<string, string[]>());
        foreach (var field in failures.GroupBy(f => FieldName(f.PropertyName)))
            errors[field.Key] = [.. errors.GetValueOrDefault(field.Key, []), .. field.Select(f => f.ErrorMessage)];
        return Invalid(errors);
    }

    public static IResult Invalid(IEnumerable<ValidationFailure> failures) => Invalid(
        failures.GroupBy(f => FieldName(f.PropertyName)).ToDictionary(g => g.Key, g => g.Select(f => f.ErrorMessage).ToArray()));

    public static IResult Invalid(IDictionary<string, string[]> errors) =>
        TypedResults.ValidationProblem(errors, title: Title, detail: Detail, extensions: new Dictionary<string, object?> { ["code"] = "invalid_request" });

    /// <summary>A C# property path ("Body.UserId") as the JSON field the caller sent ("userId"); a name
    /// given explicitly (a header such as "Idempotency-Key") stays as it is.</summary>
    public static string FieldName(string propertyPath)
    {
        var name = propertyPath[(propertyPath.LastIndexOf('.') + 1)..];
        return name.Length > 0 && char.IsAsciiLetterUpper(name[0]) && name.All(char.IsAsciiLetterOrDigit)
            ? char.ToLowerInvariant(name[0]) + name[1..]
            : name;
    }
}
