using System.Globalization;
using System.Text.Json;
using Kiln.Config;

namespace Kiln.Tests.Config;

/// <summary>
/// Compares a Kiln config value with the JSON Python's <c>json.dumps(cfg.to_dict())</c> wrote: same keys in the
/// same order, ints stay ints (no '.' or exponent in the JSON), floats stay floats, tuples and lists both arrays.
/// </summary>
internal static class CorpusComparer
{
    /// <summary>The first difference as "path: expected X, got Y"; null when equal.</summary>
    public static string? FirstDifference(JsonElement expected, object? actual, string path = "$")
    {
        switch (expected.ValueKind)
        {
            case JsonValueKind.Object:
                if (actual is not ConfigDict dict) return $"{path}: expected a dict, got {Describe(actual)}";
                var expectedKeys = expected.EnumerateObject().Select(p => p.Name).ToList();
                var actualKeys = dict.Keys.ToList();
                if (!expectedKeys.SequenceEqual(actualKeys))
                {
                    var missing = expectedKeys.Except(actualKeys).ToList();
                    var extra = actualKeys.Except(expectedKeys).ToList();
                    return missing.Count > 0 || extra.Count > 0
                        ? $"{path}: keys differ; missing [{string.Join(", ", missing)}], extra [{string.Join(", ", extra)}]"
                        : $"{path}: key order differs; expected [{string.Join(", ", expectedKeys)}], got [{string.Join(", ", actualKeys)}]";
                }
                foreach (var p in expected.EnumerateObject())
                {
                    var diff = FirstDifference(p.Value, dict[p.Name], path + "." + p.Name);
                    if (diff is not null) return diff;
                }
                return null;
            case JsonValueKind.Array:
                var items = actual switch
                {
                    List<object?> l => l,
                    object?[] t => t.ToList(),
                    _ => null,
                };
                if (items is null) return $"{path}: expected a list/tuple, got {Describe(actual)}";
                int n = expected.GetArrayLength();
                if (n != items.Count) return $"{path}: expected {n} items, got {items.Count}: {Describe(actual)}";
                int i = 0;
                foreach (var e in expected.EnumerateArray())
                {
                    var diff = FirstDifference(e, items[i], $"{path}[{i}]");
                    if (diff is not null) return diff;
                    i++;
                }
                return null;
            case JsonValueKind.String:
                return actual is string s && s == expected.GetString() ? null : $"{path}: expected '{expected.GetString()}', got {Describe(actual)}";
            case JsonValueKind.True or JsonValueKind.False:
                return actual is bool b && b == expected.GetBoolean() ? null : $"{path}: expected {expected.GetBoolean()}, got {Describe(actual)}";
            case JsonValueKind.Null:
                return actual is null ? null : $"{path}: expected None, got {Describe(actual)}";
            case JsonValueKind.Number:
                string raw = expected.GetRawText();
                bool isFloat = raw.Contains('.') || raw.Contains('e') || raw.Contains('E');
                if (!isFloat)
                    return actual is long l2 && l2.ToString(CultureInfo.InvariantCulture) == raw ? null : $"{path}: expected int {raw}, got {Describe(actual)}";
                return actual is double d && d.Equals(expected.GetDouble()) ? null : $"{path}: expected float {raw}, got {Describe(actual)}";
            default:
                return $"{path}: unexpected JSON {expected.ValueKind}";
        }
    }

    private static string Describe(object? v) => $"{Kiln.Config.Python.PyOps.TypeName(v)} {ConfigFormatter.Format(v)}";
}
