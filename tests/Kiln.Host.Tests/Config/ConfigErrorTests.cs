using Kiln.Config;
using static Kiln.Tests.Config.ConfigTestHelpers;

namespace Kiln.Tests.Config;

/// <summary>Every error names file:line:column, the offending token or name, and what would be valid.</summary>
public class ConfigErrorTests
{
    private static ConfigException PyError(string source) =>
        Assert.Throws<ConfigException>(() => Kiln.Config.Config.FromString(source, ".py", Env()));

    [Fact]
    public void FromFile_Import_ErrorNamesFileAndLine()
    {
        // CFG-20
        var e = Assert.Throws<ConfigException>(() => Load("errors/import.py"));
        Assert.Contains("import.py:3:1:", e.Message);
        Assert.Contains("imports are not allowed", e.Message);
        Assert.Equal(3, e.Line);
    }

    [Fact]
    public void FromFile_UnknownName_ErrorSuggestsCloseNames()
    {
        // CFG-01
        var e = Assert.Throws<ConfigException>(() => Load("errors/unknown_name.py"));
        Assert.Contains("unknown_name.py:3:21:", e.Message);
        Assert.Contains("name 'learning_rte' is not defined", e.Message);
        Assert.Contains("did you mean: learning_rate", e.Message);
    }

    [Fact]
    public void FromFile_UnclosedParenthesis_ErrorNamesPlace()
    {
        // CFG-01
        var e = Assert.Throws<ConfigException>(() => Load("errors/syntax.py"));
        Assert.Contains("syntax.py:1:13:", e.Message);
        Assert.Contains("'(' was never closed", e.Message);
    }

    [Fact]
    public void FromFile_DictOverNonDict_ErrorNamesKeyAndSuggestsDelete()
    {
        // CFG-09
        var e = Assert.Throws<ConfigException>(() => Load("errors/merge_type.py"));
        Assert.Contains("item3={'a': 1} in child config cannot inherit from base because item3 is a dict in the child config but is of type bool in base config", e.Message);
        Assert.Contains("_delete_=True", e.Message);
    }

    [Fact]
    public void FromFile_MissingKeyOnBase_ErrorListsKeys()
    {
        // CFG-11
        var e = Assert.Throws<ConfigException>(() => Load("errors/missing_key.py"));
        Assert.Contains("missing_key.py:2:", e.Message);
        Assert.Contains("'b'", e.Message);
        Assert.Contains("'a'", e.Message);
    }

    [Fact]
    public void FromFile_CircularBases_ErrorShowsChain()
    {
        // CFG-06
        var e = Assert.Throws<ConfigException>(() => Load("errors/cycle_a.py"));
        Assert.Contains("circular _base_ inheritance", e.Message);
        Assert.Contains("cycle_a.py -> ", e.Message);
        Assert.Contains("cycle_b.py -> ", e.Message);
    }

    [Fact]
    public void FromString_UnknownNameWithoutCloseMatch_ListsDefinedNames()
    {
        // CFG-01
        var e = Assert.Throws<ConfigException>(() => Kiln.Config.Config.FromString("alpha = 1\nbeta = 2\nx = zzzzzzzz", ".py", Env()));
        Assert.Contains("<string>:3:5: name 'zzzzzzzz' is not defined; defined names: _base_, alpha, beta", e.Message);
    }

    [Theory]
    [InlineData("def f():\n    pass", "functions ('def') are not allowed", 1, 1)]
    [InlineData("class A:\n    pass", "classes are not allowed", 1, 1)]
    [InlineData("x = lambda a: a", "'lambda' is not allowed", 1, 5)]
    [InlineData("from os import path", "imports are not allowed", 1, 1)]
    [InlineData("with read_base():\n    pass", "read_base", 1, 1)]
    [InlineData("x = 1\ny = 'abc", "unterminated string literal", 2, 5)]
    [InlineData("x = (1, 2]", "closing ']' does not match opening '(' at line 1, column 5", 1, 10)]
    [InlineData("x = [dict(a=1,\n          b=2]", "closing ']' does not match opening '('", 2, 14)]
    [InlineData("x = 1 +", "expected an expression", 1, 8)]
    [InlineData("x = f'{1 +}'", "in f-string expression '1 +'", 1, 11)]
    [InlineData("x = 1\n  y = 2", "unexpected indent", 2, 3)]
    [InlineData("x = 08", "leading zeros", 1, 5)]
    [InlineData("x = [1][5]", "list index 5 out of range", 1, 8)]
    [InlineData("x = 1 + 'a'", "unsupported operand type(s) for +: 'int' and 'str'", 1, 7)]
    [InlineData("x = {1: 2}", "string keys only", 1, 6)]
    [InlineData("x = true", "Python spells it True", 1, 5)]
    [InlineData("x = (1, 2)\nx[0] = 3", "'tuple' object does not support item assignment", 2, 2)]
    [InlineData("x = 'a'.nope()", "'str' object has no attribute 'nope'", 1, 9)]
    [InlineData("x = 1 / 0", "division by zero", 1, 7)]
    [InlineData("x = len", "", 0, 0)]
    public void FromString_InvalidConfig_ErrorWithPlace(string source, string message, int line, int column)
    {
        // CFG-01, CFG-20
        if (message.Length == 0)
        {
            // A bare builtin is not data: MMEngine drops functions from the result, and so do we.
            Assert.False(Py(source).ContainsKey("x"));
            return;
        }
        var e = PyError(source);
        Assert.Contains(message, e.Message);
        Assert.StartsWith($"<string>:{line}:{column}:", e.Message);
    }

    [Fact]
    public void FromString_EndlessLoop_StopsAtStepBudget()
    {
        // CFG-01: a config can never hang the host.
        var e = Assert.Throws<ConfigException>(() =>
            Kiln.Config.Config.FromString("x = 0\nwhile True:\n    x += 1", ".py", new ConfigLoadOptions { StepBudget = 10_000 }));
        Assert.Contains("evaluation budget of 10,000 steps", e.Message);
    }
}
