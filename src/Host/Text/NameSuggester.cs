namespace Kiln.Text;

/// <summary>Closest names by edit distance, for "did you mean" hints in errors.</summary>
internal static class NameSuggester
{
    public static IReadOnlyList<string> Closest(string wanted, IEnumerable<string> candidates, int max = 3)
    {
        string bare = wanted.Contains('.') ? wanted[(wanted.LastIndexOf('.') + 1)..] : wanted;
        return candidates
            .Select(c => (Name: c, Distance: Math.Min(Distance(wanted, c), Distance(bare, c[(c.LastIndexOf('.') + 1)..]))))
            .Where(c => c.Distance <= Math.Max(2, bare.Length / 2))
            .OrderBy(c => c.Distance).ThenBy(c => c.Name, StringComparer.Ordinal)
            .Take(max)
            .Select(c => c.Name)
            .ToList();
    }

    /// <summary>Case-insensitive Levenshtein distance.</summary>
    public static int Distance(string a, string b)
    {
        a = a.ToLowerInvariant();
        b = b.ToLowerInvariant();
        var prev = new int[b.Length + 1];
        var cur = new int[b.Length + 1];
        for (int j = 0; j <= b.Length; j++) prev[j] = j;
        for (int i = 1; i <= a.Length; i++)
        {
            cur[0] = i;
            for (int j = 1; j <= b.Length; j++)
                cur[j] = Math.Min(Math.Min(cur[j - 1] + 1, prev[j] + 1), prev[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1));
            (prev, cur) = (cur, prev);
        }
        return prev[b.Length];
    }
}
