using System.Text.RegularExpressions;

namespace Kiln.Config;

/// <summary>
/// The textual passes MMEngine's <c>_file2dict</c> runs on a config before parsing it (internals §3.1 steps 2-4).
/// They work on text, not values, so they reach inside strings and affect every expression that uses them.
/// </summary>
internal static partial class ConfigTextSubstitution
{
    [GeneratedRegex(@"\{\{\s*(fileDirname|fileBasename|fileBasenameNoExtension|fileExtname)\s*\}\}")]
    private static partial Regex PredefinedPattern();

    // MMEngine's pattern, r'\{\{[\'\"]?\s*\$(\w+)\s*\:\s*(\S*?)\s*[\'\"]?\}\}', with every run bounded: unbounded, a
    // line of 40,000 unclosed '{{$a:' takes minutes to scan (each start rescans the rest of the line).
    [GeneratedRegex(@"\{\{['""]?\s{0,64}\$(\w{1,256})\s{0,64}\:\s{0,64}(\S{0,1024}?)\s{0,64}['""]?\}\}")]
    private static partial Regex EnvironmentPattern();

    [GeneratedRegex(@"\{\{\s*_base_\.([\w\.]+)\s*\}\}")]
    private static partial Regex BaseVariablePattern();

    /// <summary><c>{{fileDirname}}</c> and friends, valued from the original file; backslashes become '/'.</summary>
    public static string SubstitutePredefined(string text, string path)
    {
        string dirname = Path.GetDirectoryName(path) ?? "";
        string basename = Path.GetFileName(path);
        string ext = Path.GetExtension(path);
        string noExt = Path.GetFileNameWithoutExtension(path);
        return PredefinedPattern().Replace(text, m => (m.Groups[1].Value switch
        {
            "fileDirname" => dirname,
            "fileBasename" => basename,
            "fileBasenameNoExtension" => noExt,
            _ => ext,
        }).Replace('\\', '/'));
    }

    /// <summary>
    /// <c>{{$VAR:default}}</c>: the variable's value if set (recorded in <paramref name="used"/>), else the default;
    /// an empty result is an error. Quotes inside the braces (<c>{{'$N:80'}}</c>) are consumed, so the value lands as
    /// raw source text (an int here), which keeps the file valid Python for editors.
    /// </summary>
    public static string SubstituteEnvironment(string text, string file, Func<string, string?> getEnv, IDictionary<string, string> used)
    {
        return EnvironmentPattern().Replace(text, m =>
        {
            string name = m.Groups[1].Value;
            string value = m.Groups[2].Value;
            string? env = getEnv(name);
            if (env is not null)
            {
                value = env;
                used[name] = env;
            }
            if (value.Length == 0)
            {
                int line = text[..m.Index].Count(c => c == '\n') + 1;
                throw new ConfigException(
                    $"{file}:{line}: `{name}` cannot be found in the environment. Please set `{name}` in the environment or give a default value, e.g. {{{{${name}:value}}}}")
                { FileName = file, Line = line };
            }
            return value;
        });
    }

    /// <summary>
    /// <c>{{_base_.a.b}}</c> → a quoted placeholder string, substituted with the base value after the merge
    /// (<see cref="ReplacePlaceholders"/>). Returns placeholder → dotted path and the line it is on.
    /// </summary>
    public static string PreSubstituteBaseVariables(string text, Dictionary<string, (string Path, int Line)> placeholders)
    {
        var byPath = new Dictionary<string, string>(StringComparer.Ordinal);
        return BaseVariablePattern().Replace(text, m =>
        {
            string path = m.Groups[1].Value;
            if (!byPath.TryGetValue(path, out var placeholder))
            {
                placeholder = $"_{path}_{Guid.NewGuid().ToString("N")[..6]}";
                byPath[path] = placeholder;
                int line = 1;
                for (int i = 0; i < m.Index; i++) if (text[i] == '\n') line++;
                placeholders[placeholder] = (path, line);
            }
            return $"\"{placeholder}\"";
        });
    }

    /// <summary>
    /// MMEngine's <c>_substitute_base_vars</c>: every string that <b>equals</b> a placeholder (in dicts, lists and
    /// tuples, recursively) becomes the base value at its dotted path (dict keys only, no list indices).
    /// A placeholder inside a longer string is left as is, as in MMEngine.
    /// </summary>
    public static object? ReplacePlaceholders(object? value, IReadOnlyDictionary<string, (string Path, int Line)> placeholders, ConfigDict bases, string file)
    {
        switch (value)
        {
            case string s when placeholders.TryGetValue(s, out var at):
            {
                string path = at.Path;
                object? current = bases;
                string walked = "";
                foreach (var key in path.Split('.'))
                {
                    if (current is not ConfigDict d || !d.TryGetValue(key, out var next))
                    {
                        string known = walked.Length == 0
                            ? $"base keys: {(bases.Count == 0 ? "none; the file has no _base_" : string.Join(", ", bases.Keys))}"
                            : current is ConfigDict inner ? $"'{walked}' has keys: {string.Join(", ", inner.Keys)}"
                            : $"'{walked}' is {ConfigMerger.TypeName(current)}, not a dict";
                        throw new ConfigException(
                            $"{file}:{at.Line}: {{{{_base_.{path}}}}} refers to '{path}', which the bases do not define ({known})")
                        { FileName = file, Line = at.Line };
                    }
                    current = next;
                    walked = walked.Length == 0 ? key : walked + "." + key;
                }
                return current;
            }
            case ConfigDict d:
                foreach (var key in d.Keys.ToList()) d[key] = ReplacePlaceholders(d[key], placeholders, bases, file);
                return d;
            case List<object?> l:
                for (int i = 0; i < l.Count; i++) l[i] = ReplacePlaceholders(l[i], placeholders, bases, file);
                return l;
            case object?[] t:
                return t.Select(x => ReplacePlaceholders(x, placeholders, bases, file)).ToArray();
            default:
                return value;
        }
    }
}
