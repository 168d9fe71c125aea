namespace Ledger.Domain.Assets;

/// <summary>An asset and its scale: how many decimal places its minor unit has (USD 2, BTC 8).</summary>
public sealed record Asset(string Code, int Scale)
{
    public const int ScaleMax = 18;

    public Asset Validated()
    {
        if (string.IsNullOrWhiteSpace(Code) || Code.Length > 12 || !Code.All(char.IsAsciiLetterUpper))
            throw new ArgumentException($"asset code '{Code}' must be 1 to 12 upper-case letters");
        if (Scale < 0 || Scale > ScaleMax)
            throw new ArgumentException($"asset {Code}: scale {Scale} must be between 0 and {ScaleMax}");
        return this;
    }
}
