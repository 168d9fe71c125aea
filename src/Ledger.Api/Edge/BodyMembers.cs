using System.Text;

namespace Ledger.Api.Edge;

/// <summary>What a member of a command body holds: text (an id, an asset, a side), or an amount as a
/// decimal string in its asset's scale. Both are JSON strings; anything else is refused.</summary>
public enum MemberValue
{
    Text,
    Amount,
}

/// <summary>One member a command body may have, by its exact (case-sensitive) JSON name. Optional
/// members may be left out; a required one left out is its validator's "is required".</summary>
public sealed record BodyMember(string Name, MemberValue Value, bool Optional = false)
{
    /// <summary>The name as UTF-8, compared with the body's member names without decoding them.</summary>
    public byte[] Utf8Name { get; } = Encoding.UTF8.GetBytes(Name);

    /// <summary>What a value of another JSON type is told.</summary>
    public string TypeError => Value == MemberValue.Amount
        ? "must be a decimal string such as \"1.00\""
        : "must be a JSON string";
}

/// <summary>A command's body as <see cref="CommandBody{TBody}"/> reads it: its members, and the body
/// made from their values. <see cref="From"/> takes the values in the order of <see cref="Members"/>
/// (null for a member left out), so no reflection runs per request.</summary>
public interface ICommandBody<TSelf> where TSelf : class, ICommandBody<TSelf>
{
    static abstract IReadOnlyList<BodyMember> Members { get; }

    static abstract TSelf From(string?[] values);
}
