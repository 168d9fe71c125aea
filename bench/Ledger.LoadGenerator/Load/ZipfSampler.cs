namespace Ledger.LoadGenerator.Load;

/// <summary>
/// Picks user ranks 1..N: uniformly, with Zipf's law (rank k drawn with weight 1/k^s, so rank 1 is
/// the hottest user), or always rank 1 (one single hot account). Zipf draws search a precomputed
/// cumulative table, so every draw costs O(log N) and the law is exact, not approximated.
/// </summary>
public sealed class ZipfSampler
{
    public const int UsersMax = 10_000_000;

    private readonly double[]? _cumulative; // _cumulative[k - 1] = P(rank <= k); null when uniform or hot
    private readonly bool _hot;

    public int Users { get; }
    public string Name { get; }

    private ZipfSampler(int users, double[]? cumulative, bool hot, string name)
    {
        Users = users;
        _cumulative = cumulative;
        _hot = hot;
        Name = name;
    }

    public static ZipfSampler Uniform(int users) => new(CheckUsers(users), null, false, "uniform");

    public static ZipfSampler Hot(int users) => new(CheckUsers(users), null, true, "hot");

    public static ZipfSampler Zipf(int users, double exponent)
    {
        CheckUsers(users);
        if (exponent is <= 0 or > 10) throw new ArgumentOutOfRangeException(nameof(exponent), "between 0 and 10");
        var cumulative = new double[users];
        var sum = 0.0;
        for (var k = 1; k <= users; k++)
        {
            sum += 1.0 / Math.Pow(k, exponent);
            cumulative[k - 1] = sum;
        }
        for (var i = 0; i < users; i++) cumulative[i] /= sum;
        cumulative[^1] = 1.0; // no draw may fall past the last rank through rounding
        return new ZipfSampler(users, cumulative, false, FormattableString.Invariant($"zipf s={exponent:0.##}"));
    }

    /// <summary>"uniform", "hot" or "zipf:S".</summary>
    public static ZipfSampler Parse(string text, int users) => text switch
    {
        "uniform" => Uniform(users),
        "hot" => Hot(users),
        _ when text.StartsWith("zipf:", StringComparison.Ordinal)
            && double.TryParse(text[5..], System.Globalization.CultureInfo.InvariantCulture, out var s) => Zipf(users, s),
        _ => throw new ArgumentException($"distribution '{text}' is not uniform, hot or zipf:S"),
    };

    /// <summary>A rank in 1..Users.</summary>
    public int Next(Random random)
    {
        if (_hot) return 1;
        if (_cumulative is null) return random.Next(1, Users + 1);
        var index = Array.BinarySearch(_cumulative, random.NextDouble());
        return (index >= 0 ? index : ~index) + 1;
    }

    /// <summary>The probability of rank k (for reports and tests).</summary>
    public double Probability(int rank)
    {
        if (rank < 1 || rank > Users) return 0;
        if (_hot) return rank == 1 ? 1 : 0;
        if (_cumulative is null) return 1.0 / Users;
        return _cumulative[rank - 1] - (rank == 1 ? 0 : _cumulative[rank - 2]);
    }

    private static int CheckUsers(int users) =>
        users is >= 1 and <= UsersMax ? users : throw new ArgumentOutOfRangeException(nameof(users), $"between 1 and {UsersMax}");
}
