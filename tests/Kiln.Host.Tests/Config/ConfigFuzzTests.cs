using System.Text;
using Kiln.Config;

namespace Kiln.Tests.Config;

/// <summary>
/// 10,000 mutations of the real config corpus (bytes flipped, lines dropped or duplicated, brackets unbalanced,
/// truncation, stray tokens) either load or fail with a <see cref="ConfigException"/> naming a config file: never
/// another exception type, never a hang (the interpreter's step budget bounds every evaluation).
/// </summary>
public class ConfigFuzzTests
{
    private const int Mutations = 10_000;
    private const int Seed = 20261130;

    private static readonly string[] Tokens =
    [
        "(", ")", "[", "]", "{", "}", "{{", "}}", ":", ",", "=", "**", "*", ".", "'", "\"", "'''", "\\", "#", "\n",
        "    ", "\t", "_base_", "_base_.", "{{_base_.model}}", "{{$X:}}", "{{ fileDirname }}", "for x in range(9):",
        "if", "else", "lambda", "import os", "def f():", "class A:", "__import__", "open(", "1e999", "10**10**10",
        "[0] * 10**9", "'x' * 10**9", "None", "True", "f'{", "\u00e9", "\u0000", "_delete_=True", "type=", "dict(",
        "- ", ": ", "!!python/tuple", "&a", "*a", "---",
    ];

    [Fact]
    public void FromFile_TenThousandMutatedConfigs_OnlyCleanConfigErrors()
    {
        // CFG-01, issue 3 "Show it" 3: bad input gives one clear error naming the file, never a crash or a hang.
        string corpus = Path.Combine(AppContext.BaseDirectory, "Config", "Corpus");
        var seeds = Directory.EnumerateFiles(corpus, "*", SearchOption.AllDirectories)
            .Where(f => !f.EndsWith(".expected.json", StringComparison.Ordinal) && Path.GetExtension(f) is ".py" or ".json" or ".yaml" or ".yml")
            .Order(StringComparer.Ordinal)
            .Select(f => (Path: f, Text: File.ReadAllText(f)))
            .ToList();
        Assert.True(seeds.Count >= 50, $"only {seeds.Count} seed configs");

        // Work on a copy so that the mutated files sit next to the real bases they inherit from.
        using var temp = new TempCopy(corpus);
        var options = new ConfigLoadOptions { GetEnvironmentVariable = _ => null, StepBudget = 200_000 };
        int loaded = 0, rejected = 0;
        var wrong = new System.Collections.Concurrent.ConcurrentBag<(int Index, string Report)>();
        // Each mutation draws from its own Random(Seed + i), so the set of cases does not depend on scheduling.
        Parallel.For(0, Mutations, new ParallelOptions { MaxDegreeOfParallelism = 2 }, i =>
        {
            var rng = new Random(Seed + i);
            var (seedPath, text) = seeds[rng.Next(seeds.Count)];
            string mutated = Mutate(text, rng);
            string dir = Path.Combine(temp.Root, Path.GetRelativePath(corpus, Path.GetDirectoryName(seedPath)!));
            string path = Path.Combine(dir, $"__fuzz__{i}" + Path.GetExtension(seedPath));
            File.WriteAllText(path, mutated);
            try
            {
                Kiln.Config.Config.FromFile(path, options);
                Interlocked.Increment(ref loaded);
            }
            catch (ConfigException e) when (e.Message.Length > 0 && NamesAConfigFile(e.Message))
            {
                Interlocked.Increment(ref rejected);
            }
            catch (Exception e)
            {
                wrong.Add((i, $"#{i} from {Path.GetRelativePath(corpus, seedPath)}: {e.GetType().Name}: {e.Message}\n--- text ---\n{mutated}"));
            }
            finally
            {
                File.Delete(path);
            }
        });
        Assert.True(wrong.Count == 0, $"{wrong.Count} of {Mutations} mutations escaped as other errors:\n" + string.Join("\n\n", wrong.OrderBy(w => w.Index).Take(10).Select(w => w.Report)));
        Assert.Equal(Mutations, loaded + rejected);
        Assert.True(rejected > Mutations / 2, $"only {rejected} mutations were rejected; the mutator is too gentle");
    }

    [Fact]
    public void FromString_BaseLineEvaluationError_IsConfigExceptionAtTheLine()
    {
        // Found by the fuzz test: an error evaluating the `_base_ = ...` line escaped as an internal exception.
        var e = Assert.Throws<ConfigException>(() => Kiln.Config.Config.FromString("a = 1\n_base_ = 1[0]\n", ".py", new ConfigLoadOptions { GetEnvironmentVariable = _ => null }));
        Assert.Equal(2, e.Line);
        Assert.Contains("not subscriptable", e.Message);
    }

    [Fact]
    public void FromString_BasePathWithNulCharacter_ConfigException()
    {
        // Found by the fuzz test: a NUL in a base path reached Path.GetFullPath (ArgumentException).
        var e = Assert.Throws<ConfigException>(() => Kiln.Config.Config.FromString("_base_ = ['a\0.py']\n", ".py", new ConfigLoadOptions { GetEnvironmentVariable = _ => null }));
        Assert.Equal(1, e.Line);
        Assert.Contains("cannot hold", e.Message);
    }

    [Fact]
    public void FromFile_ChildDictOverBaseScalar_ErrorNamesTheChildFile()
    {
        // Found by the fuzz test: the merge error named the key but not the file.
        string file = Path.Combine(AppContext.BaseDirectory, "Config", "Corpus", "mmengine", "py_config", "test_merge_from_base_error.py");
        var e = Assert.Throws<ConfigException>(() => Kiln.Config.Config.FromFile(file, new ConfigLoadOptions { GetEnvironmentVariable = _ => null }));
        Assert.StartsWith(file + ": item3=", e.Message);
        Assert.Equal(file, e.FileName);
    }

    private static bool NamesAConfigFile(string message) =>
        message.Contains(".py", StringComparison.Ordinal) || message.Contains(".json", StringComparison.Ordinal)
        || message.Contains(".yaml", StringComparison.Ordinal) || message.Contains(".yml", StringComparison.Ordinal);

    private static string Mutate(string text, Random rng)
    {
        int edits = 1 + rng.Next(3);
        for (int e = 0; e < edits; e++)
        {
            switch (rng.Next(7))
            {
                case 0: // flip bytes: replace a few characters with random (also non-ASCII and control) ones
                {
                    var chars = text.ToCharArray();
                    for (int k = 0, n = 1 + rng.Next(4); k < n && chars.Length > 0; k++)
                        chars[rng.Next(chars.Length)] = (char)(rng.Next(4) == 0 ? rng.Next(0, 0x3000) : rng.Next(32, 127));
                    text = new string(chars);
                    break;
                }
                case 1: // drop lines
                {
                    var lines = text.Split('\n').ToList();
                    for (int k = 0, n = 1 + rng.Next(3); k < n && lines.Count > 1; k++) lines.RemoveAt(rng.Next(lines.Count));
                    text = string.Join('\n', lines);
                    break;
                }
                case 2: // unbalance brackets: drop or add one
                {
                    var positions = Enumerable.Range(0, text.Length).Where(p => "()[]{}".Contains(text[p])).ToList();
                    if (positions.Count > 0 && rng.Next(2) == 0)
                        text = text.Remove(positions[rng.Next(positions.Count)], 1);
                    else
                        text = text.Insert(rng.Next(text.Length + 1), "()[]{}"[rng.Next(6)].ToString());
                    break;
                }
                case 3: // duplicate or swap lines (duplicate keys, indentation breaks)
                {
                    var lines = text.Split('\n').ToList();
                    if (lines.Count < 2) break;
                    int a = rng.Next(lines.Count), b = rng.Next(lines.Count);
                    if (rng.Next(2) == 0) lines.Insert(b, lines[a]);
                    else (lines[a], lines[b]) = (lines[b], lines[a]);
                    text = string.Join('\n', lines);
                    break;
                }
                case 4: // truncate
                    text = text[..rng.Next(text.Length + 1)];
                    break;
                default: // insert a stray token
                    text = text.Insert(rng.Next(text.Length + 1), Tokens[rng.Next(Tokens.Length)]);
                    break;
            }
        }
        return text;
    }

    private sealed class TempCopy : IDisposable
    {
        public TempCopy(string source)
        {
            Root = Path.Combine(Path.GetTempPath(), "kiln-cfgfuzz-" + Guid.NewGuid().ToString("N"));
            foreach (string file in Directory.EnumerateFiles(source, "*", SearchOption.AllDirectories))
            {
                if (file.EndsWith(".expected.json", StringComparison.Ordinal)) continue;
                string target = Path.Combine(Root, Path.GetRelativePath(source, file));
                Directory.CreateDirectory(Path.GetDirectoryName(target)!);
                File.Copy(file, target);
            }
        }

        public string Root { get; }

        public void Dispose()
        {
            try { Directory.Delete(Root, recursive: true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
        }
    }
}
