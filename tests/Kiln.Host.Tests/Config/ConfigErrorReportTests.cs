using Kiln.Config;
using Kiln.TestKit;
using static Kiln.Tests.Config.ConfigTestHelpers;

namespace Kiln.Tests.Config;

/// <summary>
/// Issue 3's error list: a syntax error quotes the source line with a caret under the column; a missing base, a
/// <c>_base_</c> cycle, an unknown <c>{{_base_.x}}</c>, a forbidden construct and a runaway loop each give one
/// message naming the file and line (CFG-01, CFG-06, CFG-11, CFG-20).
/// </summary>
public sealed class ConfigErrorReportTests : IDisposable
{
    private readonly TempDir _dir = new();

    public void Dispose() => _dir.Dispose();

    private string Write(string name, string text)
    {
        string path = _dir.Combine(name);
        File.WriteAllText(path, text);
        return path;
    }

    private ConfigException LoadError(string name, ConfigLoadOptions? options = null) =>
        Assert.Throws<ConfigException>(() => Kiln.Config.Config.FromFile(_dir.Combine(name), options ?? Env()));

    [Fact]
    public void SyntaxError_QuotesSourceLineWithCaretUnderColumn()
    {
        // CFG-01: as Python prints a SyntaxError.
        var e = Assert.Throws<ConfigException>(() => Load("errors/syntax.py"));
        Assert.EndsWith("syntax.py:1:13: '(' was never closed\n    model = dict(type='ResNet', depth=50\n                ^", e.Message);
        Assert.Equal("model = dict(type='ResNet', depth=50", e.SourceLine);
        Assert.Equal((1, 13), (e.Line, e.Column));
    }

    [Theory]
    [InlineData("x = 1\ny = [1, 2)\n", 2, 10, "    y = [1, 2)\n             ^")]
    [InlineData("a = dict(\n    b=1,\n    c=2 3)\n", 3, 9, "    c=2 3)\n            ^")]
    [InlineData("x = 1\n\tz = 'abc\n", 2, 1, "\tz = 'abc")]
    [InlineData("x = 'a' + 1\n", 1, 9, "    x = 'a' + 1\n            ^")]
    public void FromString_PositionedError_QuotesLineAndCaret(string source, int line, int column, string quote)
    {
        // CFG-01: every error tied to a column gets the caret, evaluation errors included.
        var e = Assert.Throws<ConfigException>(() => Kiln.Config.Config.FromString(source, ".py", Env()));
        Assert.StartsWith($"<string>:{line}:", e.Message);
        Assert.Contains(quote, e.Message);
        Assert.Equal(line, e.Line);
        if (column > 1) Assert.Equal(column, e.Column);
    }

    [Fact]
    public void CaretAlignsUnderTabs()
    {
        var e = Assert.Throws<ConfigException>(() => Kiln.Config.Config.FromString("if True:\n\tx = (1 +)\n", ".py", Env()));
        Assert.EndsWith("\n    \tx = (1 +)\n    \t        ^", e.Message);
    }

    [Fact]
    public void MissingBase_NamesFileLineAndWhereItLooked()
    {
        // CFG-06
        Write("child.py", "# comment\n_base_ = ['./nope.py']\n");
        var e = LoadError("child.py");
        Assert.StartsWith(_dir.Combine("child.py") + ":2: base config './nope.py' not found (looked at " + _dir.Combine("nope.py") + ")", e.Message);
        Assert.EndsWith("\n    _base_ = ['./nope.py']", e.Message);
        Assert.Equal(2, e.Line);
    }

    [Fact]
    public void BaseCycle_NamesTheFileAndLineThatClosesIt()
    {
        // CFG-06: the chain, and the line of the _base_ that closes the loop.
        Write("a.py", "_base_ = './b.py'\nx = 1\n");
        Write("b.py", "y = 2\n_base_ = './a.py'\n");
        var e = LoadError("a.py");
        Assert.StartsWith(
            $"{_dir.Combine("b.py")}:2: circular _base_ inheritance: {_dir.Combine("a.py")} -> {_dir.Combine("b.py")} -> {_dir.Combine("a.py")}",
            e.Message);
        Assert.Equal(_dir.Combine("b.py"), e.FileName);
    }

    [Fact]
    public void SelfBase_IsACycleToo()
    {
        Write("self.py", "_base_ = 'self.py'\n");
        Assert.Contains("self.py:1: circular _base_ inheritance", LoadError("self.py").Message);
    }

    [Fact]
    public void UnknownBaseVariable_NamesLineAndTheKeysThatExist()
    {
        // CFG-11: {{_base_.x}} that the bases do not define; the quoted line is the file as written.
        Write("base.py", "model = dict(type='ResNet', depth=50)\n");
        Write("child.py", "_base_ = 'base.py'\n\ndepth = {{_base_.model.dept}}\n");
        var e = LoadError("child.py");
        Assert.Equal(
            $"{_dir.Combine("child.py")}:3: {{{{_base_.model.dept}}}} refers to 'model.dept', which the bases do not define ('model' has keys: type, depth)\n    depth = {{{{_base_.model.dept}}}}",
            e.Message);
        Assert.Equal(3, e.Line);
    }

    [Fact]
    public void UnknownBaseVariable_TopLevel_ListsBaseKeys()
    {
        Write("base.py", "a = 1\nb = 2\n");
        Write("child.py", "_base_ = 'base.py'\nc = {{_base_.z}}\n");
        Assert.Contains(":2: {{_base_.z}} refers to 'z', which the bases do not define (base keys: a, b)", LoadError("child.py").Message);
    }

    [Theory]
    [InlineData("x = open('secrets.txt')", 1, 5, "'open' is not available in Kiln configs: a config cannot read files, run code or reach Python internals")]
    [InlineData("y = 1\nexec('y = 2')", 2, 1, "'exec' is not available in Kiln configs")]
    [InlineData("x = eval('1 + 1')", 1, 5, "'eval' is not available")]
    [InlineData("x = getattr(dict(a=1), 'a')", 1, 5, "'getattr' is not available")]
    [InlineData("x = globals()", 1, 5, "'globals' is not available")]
    [InlineData("x = __import__('os')", 1, 5, "'__import__': dunder names are not allowed in Kiln configs")]
    [InlineData("__builtins__ = None", 1, 1, "'__builtins__': dunder names are not allowed")]
    [InlineData("x = ().__class__.__bases__", 1, 8, "'.__class__': attributes with dunder names are not allowed in Kiln configs")]
    [InlineData("d = dict(a=1)\nx = d.__dict__", 2, 7, "'.__dict__': attributes with dunder names are not allowed")]
    [InlineData("import os", 1, 1, "imports are not allowed in Kiln configs")]
    [InlineData("x = 1\nfrom os import path", 2, 1, "imports are not allowed in Kiln configs")]
    [InlineData("x = [1].nope", 1, 9, "'list' object has no attribute 'nope'")]
    public void ForbiddenConstruct_OneMessageNamingLineAndColumn(string source, int line, int column, string message)
    {
        // CFG-20: a config can never run code, touch files or reach Python internals.
        var e = Assert.Throws<ConfigException>(() => Kiln.Config.Config.FromString(source, ".py", Env()));
        Assert.StartsWith($"<string>:{line}:{column}: ", e.Message);
        Assert.Contains(message, e.Message);
        Assert.EndsWith("^", e.Message);
    }

    [Fact]
    public void ForbiddenBuiltinName_IsStillUsableAsAVariable()
    {
        // Only an undefined 'open' is refused; a config may name its own variable 'type' or 'input'.
        var d = Py("input = dict(size=3)\ntype = 'x'\ny = input['size']");
        Assert.Equal(3L, d["y"]);
    }

    [Theory]
    [InlineData("x = 0\nwhile True:\n    x += 1", 2, 3)]
    [InlineData("x = 0\nfor i in range(1000000):\n    pass", 2, 2)]
    [InlineData("x = [list(range(1000)) for _ in range(1000)]", 1, 1)]
    [InlineData("x = [0] * 1000\ny = [x + x for _ in range(1000)]", 2, 2)]
    [InlineData("x = list(range(1000))\ny = [999 in x for _ in range(1000)]", 2, 2)]
    public void RunawayWork_StopsAtStepBudgetNamingFileAndLine(string source, int firstLine, int lastLine)
    {
        // CFG-20: loops and the work builtins do inside one step both count, so nothing runs for hours.
        string path = Write("loop.py", source);
        var e = Assert.Throws<ConfigException>(() => Kiln.Config.Config.FromFile(path, new ConfigLoadOptions { StepBudget = 100_000, GetEnvironmentVariable = _ => null }));
        Assert.InRange(e.Line, firstLine, lastLine);
        Assert.StartsWith($"{path}:{e.Line}:", e.Message);
        Assert.Contains("exceeded its evaluation budget of 100,000 steps", e.Message);
    }

    [Fact]
    public void SameWork_UnderTheBudget_Loads()
    {
        var cfg = Kiln.Config.Config.FromString("x = [list(range(100)) for _ in range(100)]\ny = sum(len(r) for r in x)", ".py",
            new ConfigLoadOptions { StepBudget = 100_000, GetEnvironmentVariable = _ => null });
        Assert.Equal(10_000L, cfg["y"]);
    }

    [Fact]
    public void HugeExpansion_RefusedNamingFileAndVariable()
    {
        // CFG-20: 100 references to one 1 MB string would dump as 100 MB.
        var e = Assert.Throws<ConfigException>(() => Kiln.Config.Config.FromString("x = 'a' * 1000000\ny = [x] * 100", ".py", Env()));
        Assert.Equal("<string>: variable 'y': the config's values expand to more than 50,000,000 items and characters when written out (a value repeated many times?)", e.Message);
    }

    [Fact]
    public void YamlNestedAliases_RefusedInsteadOfExhaustingTheHost()
    {
        // CFG-20: a "billion laughs" file: nine levels of nine aliases would expand to 387 million strings.
        var lines = new List<string> { "a: &a [lol, lol, lol, lol, lol, lol, lol, lol, lol]" };
        string previous = "a";
        foreach (char n in "bcdefghi")
        {
            lines.Add($"{n}: &{n} [{string.Join(", ", Enumerable.Repeat("*" + previous, 9))}]");
            previous = n.ToString();
        }
        string path = Write("laughs.yaml", string.Join("\n", lines) + "\n");
        var e = LoadError("laughs.yaml");
        Assert.StartsWith(path + ":7:1: the YAML expands to more than 10,000,000 items and characters once its aliases are copied", e.Message);
    }

    [Fact]
    public void YamlAliases_WithinTheLimit_AreCopies()
    {
        // As MMEngine's ConfigDict conversion: an alias is a copy, so changing one does not change the other.
        Write("anchors.yaml", "base: &b {x: 1}\nother: *b\n");
        Write("child.py", "_base_ = 'anchors.yaml'\n_base_.other.x = 2\n");
        var cfg = Kiln.Config.Config.FromFile(_dir.Combine("child.py"), Env());
        Assert.Equal("{'x': 1}", Repr(cfg["base"]));
        Assert.Equal("{'x': 2}", Repr(cfg["other"]));
    }
}
