using System.Text.Json;
using Kiln.Config;
using static Kiln.Tests.Config.ConfigTestHelpers;

namespace Kiln.Tests.Config;

/// <summary>
/// MMEngine's own config fixtures (tests/data/config of open-mmlab/mmengine, in Config/Corpus/mmengine) and the
/// expectations of its tests/test_config/test_config.py, ported. Each <c>X.expected.json</c> was written by
/// MMEngine's config.py code (tools/config-oracle). What is not ported, and why, is listed in docs/configs.md.
/// </summary>
public class MmengineCorpusTests
{
    private static readonly string Root = Path.Combine(AppContext.BaseDirectory, "Config", "Corpus", "mmengine");

    private static string F(string relative) => Path.Combine(Root, relative);

    private static Kiln.Config.Config Load(string relative, ConfigLoadOptions? options = null) =>
        Kiln.Config.Config.FromFile(F(relative), options ?? Env());

    /// <summary>Repr with dict keys sorted at every level: Python's <c>==</c> on dicts, as text.</summary>
    private static string Sorted(object? v) => v switch
    {
        ConfigDict d => "{" + string.Join(", ", d.OrderBy(kv => kv.Key, StringComparer.Ordinal).Select(kv => $"'{kv.Key}': {Sorted(kv.Value)}")) + "}",
        List<object?> l => "[" + string.Join(", ", l.Select(Sorted)) + "]",
        object?[] t => "(" + string.Join(", ", t.Select(Sorted)) + ")",
        _ => Repr(v),
    };

    public static TheoryData<string> Fixtures() => new(
        Directory.EnumerateFiles(Root, "*.expected.json", SearchOption.AllDirectories)
            .Select(e => Path.GetRelativePath(Root, e[..^".expected.json".Length]).Replace('\\', '/'))
            .Order(StringComparer.Ordinal));

    [Theory]
    [MemberData(nameof(Fixtures))]
    public void FromFile_MmengineFixture_EqualsMmengineToDict(string fixture)
    {
        // CFG-01, CFG-06..CFG-11: every fixture MMEngine loads, Kiln loads to the same dict (keys, order, types).
        var cfg = Load(fixture);
        using var expected = JsonDocument.Parse(File.ReadAllText(F(fixture) + ".expected.json"));
        Assert.Null(CorpusComparer.FirstDifference(expected.RootElement, cfg.Dict));
    }

    [Theory]
    [InlineData("py_config/test_reserved_key.py")]
    [InlineData("json_config/test_reserved_key.json")]
    [InlineData("yaml_config/test_reserved_key.yaml")]
    public void FromFile_ReservedKey_ErrorLikeMmengine(string fixture)
    {
        // test_init: KeyError 'filename is reserved for config file'.
        var e = Assert.Throws<ConfigException>(() => Load(fixture));
        Assert.Contains("'filename' is reserved for config file", e.Message);
    }

    [Fact]
    public void Constructor_EmptyDict_NoFileNoText()
    {
        // test_init: Config() has no filename, empty text, no keys.
        var cfg = new Kiln.Config.Config(new ConfigDict());
        Assert.Null(cfg.FileName);
        Assert.Equal("", cfg.Text);
        Assert.Empty(cfg.Dict);
    }

    [Theory]
    [InlineData("py_config/simple_config.py", ".py")]
    [InlineData("json_config/simple_config.json", ".json")]
    [InlineData("yaml_config/simple_config.yaml", ".yaml")]
    public void FromString_SameTextAsFile_SameDict(string fixture, string format)
    {
        // test_fromstring: fromstring(file text) == fromfile; pretty_text is not JSON/YAML; .xml is refused.
        var fromFile = Load(fixture);
        var fromString = Kiln.Config.Config.FromString(File.ReadAllText(F(fixture)), format, Env());
        Assert.Equal(Repr(fromFile.Dict), Repr(fromString.Dict));
        if (format != ".py")
            Assert.ThrowsAny<ConfigException>(() => Kiln.Config.Config.FromString(fromFile.PrettyText, format, Env()));
        Assert.Throws<ConfigException>(() => Kiln.Config.Config.FromString(File.ReadAllText(F(fixture)), ".xml", Env()));
    }

    [Fact]
    public void Access_SimpleConfig_KeysValuesGetAndMissing()
    {
        // test_magic_methods
        var cfg = Load("py_config/simple_config.py");
        Assert.Equal(4, cfg.Dict.Count);
        Assert.Equal(["item1", "item2", "item3", "item4"], cfg.Dict.Keys);
        Assert.Equal("[1, 2]", Repr(cfg["item1"]));
        Assert.Equal(0L, cfg.Get<ConfigDict>("item2")!["a"]);
        Assert.Equal(true, cfg["item3"]);
        Assert.Equal("test", cfg["item4"]);
        Assert.Null(cfg.Get<object>("not_exist"));
        Assert.Equal(0, cfg.Get("not_exist", 0));
        Assert.Throws<ConfigException>(() => cfg["not_exist"]);
        Assert.True(cfg.ContainsKey("item1"));
        Assert.False(cfg.ContainsKey("not_exist"));
    }

    [Fact]
    public void MergeFromDict_MmengineCases()
    {
        // test_merge_from_dict
        var cfg = Load("py_config/simple_config.py");
        cfg.MergeFromDict(new Dictionary<string, object?> { ["item2.a"] = 1L, ["item2.b"] = 0.1, ["item3"] = false });
        Assert.Equal("{'a': 1, 'b': 0.1}", Repr(cfg["item2"]));
        Assert.Equal(false, cfg["item3"]);

        cfg = Load("py_config/test_merge_from_dict.py");
        cfg.MergeFromDict(new Dictionary<string, object?> { ["item.0.a"] = 1L, ["item.1.b"] = 1L }, allowListKeys: true);
        Assert.Equal("[{'a': 1}, {'b': 1, 'c': 0}]", Repr(cfg["item"]));
        // allow_list_keys=False -> TypeError; overflowing index -> KeyError (both ConfigException here).
        Assert.Throws<ConfigException>(() => cfg.MergeFromDict(new Dictionary<string, object?> { ["item.0.a"] = 1L }, allowListKeys: false));
        var e = Assert.Throws<ConfigException>(() => cfg.MergeFromDict(new Dictionary<string, object?> { ["item.2.a"] = 1L }));
        Assert.Contains("Index 2 exceeds the length of list", e.Message);
    }

    [Fact]
    public void Dump_ConfigFromDict_ExactTextPerFormat()
    {
        // test_dump: Config(dict(a=1, b=2)) -> 'a = 1\nb = 2\n', '{"a": 1, "b": 2}', 'a: 1\nb: 2\n'.
        var cfg = new Kiln.Config.Config(new ConfigDict { ["a"] = 1L, ["b"] = 2L });
        Assert.Equal("a = 1\nb = 2\n", cfg.DumpToString(".py"));
        Assert.Equal("{\"a\": 1, \"b\": 2}", cfg.DumpToString(".json"));
        Assert.Equal("a: 1\nb: 2\n", cfg.DumpToString(".yaml"));
    }

    [Theory]
    [InlineData("py_config/test_merge_from_multiple_bases.py")]
    [InlineData("py_config/test_py_nested_path.py")]
    [InlineData("json_config/test_base_variables_nested.json")]
    public void PrettyText_ReloadsToSameDict(string fixture)
    {
        // test_pretty_text / test_dump: the dumped .py re-reads to an equal dict (pretty_text sorts keys, and
        // Python's dict equality ignores order, so compare with keys sorted).
        var cfg = Load(fixture);
        var again = Kiln.Config.Config.FromString(cfg.PrettyText, ".py", Env());
        Assert.Equal(Sorted(cfg.Dict), Sorted(again.Dict));
    }

    [Fact]
    public void ToString_SimpleConfig_MmengineRepr()
    {
        // test_repr
        var cfg = Load("py_config/simple_config.py");
        Assert.Equal($"Config (path: {F("py_config/simple_config.py")}): {{'item1': [1, 2], 'item2': {{'a': 0}}, 'item3': True, 'item4': 'test'}}", cfg.ToString());
    }

    [Fact]
    public void ParseCfgOptions_DictActionCases()
    {
        // test_dict_action
        var o = Kiln.Config.Config.ParseCfgOptions(["item2.a=a,b", "item2.b=[(a,b), [1,2], false]"]);
        Assert.Equal("['a', 'b']", Repr(o["item2.a"]));
        Assert.Equal("[('a', 'b'), [1, 2], False]", Repr(o["item2.b"]));
        Assert.Equal("[[1]]", Repr(Kiln.Config.Config.ParseCfgOptions(["item2.a=[[1]]"])["item2.a"]));
        Assert.Throws<ConfigException>(() => Kiln.Config.Config.ParseCfgOptions(["item2.a=[(a,b), [1,2], false"]));
        o = Kiln.Config.Config.ParseCfgOptions(["item2.a=1", "item2.b=0.1", "item2.c=x", "item3=false"]);
        Assert.Equal("{'item2.a': 1, 'item2.b': 0.1, 'item2.c': 'x', 'item3': False}", Repr(new ConfigDict(o)));
        var cfg = Load("py_config/simple_config.py");
        cfg.MergeFromDict(o);
        Assert.Equal("{'a': 1, 'b': 0.1, 'c': 'x'}", Repr(cfg["item2"]));
        Assert.Equal(false, cfg["item3"]);
        // Repeated --options: later values win.
        o = Kiln.Config.Config.ParseCfgOptions(["item1.a=1", "item2.a=2", "item2.a=1", "item3=false"]);
        Assert.Equal("{'item1.a': 1, 'item2.a': 1, 'item3': False}", Repr(new ConfigDict(o)));
    }

    [Theory]
    [InlineData("dict(a=1,b=2.c=3)")]
    [InlineData("[dict(a=1, b=2, c=(1, 2)]")]
    [InlineData("dict(a=1,b=2\nc=3)")]
    public void FromString_SyntaxErrors_ConfigException(string text)
    {
        // test_validate_py_syntax
        var e = Assert.Throws<ConfigException>(() => Kiln.Config.Config.FromString(text, ".py", Env()));
        Assert.True(e.Line > 0, e.Message);
    }

    [Fact]
    public void SubstitutePredefined_MmengineUnitCase()
    {
        // test_substitute_predefined_vars (CFG-13)
        string path = Path.Combine(Root, "sub", "tmp_cfg1.py");
        string text = "a={{fileDirname}}\nb={{fileBasename}}\nc={{fileBasenameNoExtension}}\nd={{fileExtname}}\n";
        string expected = $"a={Path.GetDirectoryName(path)!.Replace('\\', '/')}\nb=tmp_cfg1.py\nc=tmp_cfg1\nd=.py\n";
        Assert.Equal(expected, ConfigTextSubstitution.SubstitutePredefined(text, path));
    }

    [Fact]
    public void SubstituteEnvironment_MmengineUnitCases()
    {
        // test_substitute_environment_vars (CFG-15)
        var used = new Dictionary<string, string>();
        Assert.Throws<ConfigException>(() => ConfigTextSubstitution.SubstituteEnvironment("a={{$A:}}\n", "t.py", _ => null, used));
        Assert.Equal("a=text_A\n", ConfigTextSubstitution.SubstituteEnvironment("a={{$A:}}\n", "t.py", n => n == "A" ? "text_A" : null, used));
        Assert.Equal("b=80\n", ConfigTextSubstitution.SubstituteEnvironment("b={{$B:80}}\n", "t.py", _ => null, used));
        Assert.Equal("b=100\n", ConfigTextSubstitution.SubstituteEnvironment("b={{$B:80}}\n", "t.py", n => n == "B" ? "100" : null, used));
        Assert.Equal("c=80\n", ConfigTextSubstitution.SubstituteEnvironment("c={{\"$C:80\"}}\n", "t.py", _ => null, used));
    }

    [Fact]
    public void PreSubstituteBaseVariables_CollectsReferencedNames()
    {
        // test_pre_substitute_base_vars: the placeholders name item6, item10 and item11.
        var placeholders = new Dictionary<string, (string Path, int Line)>();
        string text = ConfigTextSubstitution.PreSubstituteBaseVariables(File.ReadAllText(F("py_config/test_pre_substitute_base_vars.py")), placeholders);
        var names = placeholders.Values.Select(v => v.Path).ToList();
        Assert.Contains("item6", names);
        Assert.Contains("item10", names);
        Assert.Contains("item11", names);
        Assert.DoesNotContain("{{", text);
    }

    [Fact]
    public void FromFile_PredefinedVariables_OnAndOff()
    {
        // _predefined_vars (CFG-13)
        string dir = Path.GetDirectoryName(F("py_config/test_predefined_var.py"))!.Replace('\\', '/');
        var cfg = Load("py_config/test_predefined_var.py");
        Assert.Equal("test_predefined_var.py", cfg["item1"]);
        Assert.Equal(dir, cfg["item2"]);
        Assert.Equal("abc_test_predefined_var", cfg["item3"]);
        Assert.Equal("/unit/test", cfg["item4"]);
        var off = new ConfigLoadOptions { UsePredefinedVariables = false, GetEnvironmentVariable = _ => null };
        cfg = Load("py_config/test_predefined_var.py", off);
        Assert.Equal("{{fileBasename}}", cfg["item1"]);
        Assert.Equal("{{ fileDirname}}", cfg["item2"]);
        Assert.Equal("abc_{{ fileBasenameNoExtension }}", cfg["item3"]);
        foreach (string f in new[] { "yaml_config/test_predefined_var.yaml", "json_config/test_predefined_var.json" })
        {
            Assert.Equal("{{ fileDirname }}", Load(f, off)["item1"]);
            Assert.Equal(Path.GetDirectoryName(F(f))!.Replace('\\', '/'), Load(f)["item1"]);
        }
    }

    [Fact]
    public void FromFile_EnvironmentVariables_MmengineCases()
    {
        // _environment_vars (CFG-15)
        var e = Assert.Throws<ConfigException>(() => Load("py_config/test_environment_var.py"));
        Assert.Contains("ITEM1", e.Message);
        var cfg = Load("py_config/test_environment_var.py", Env(("ITEM1", "60")));
        Assert.Equal("'60', 'default_value', 80", $"{Repr(cfg["item1"])}, {Repr(cfg["item2"])}, {Repr(cfg["item3"])}");
        cfg = Load("py_config/test_environment_var.py", Env(("ITEM1", "60"), ("ITEM2", "new_value"), ("ITEM3", "50")));
        Assert.Equal("'60', 'new_value', 50", $"{Repr(cfg["item1"])}, {Repr(cfg["item2"])}, {Repr(cfg["item3"])}");
        Assert.Equal(new Dictionary<string, string> { ["ITEM1"] = "60", ["ITEM2"] = "new_value", ["ITEM3"] = "50" }, cfg.EnvironmentVariables);
    }

    [Fact]
    public void FromFile_MergeFromBase_ValuesAndDictOverBoolError()
    {
        // _merge_from_base (CFG-06, CFG-07)
        var cfg = Load("py_config/test_merge_from_base_single.py");
        Assert.Equal("[2, 3], 1, False, 'test_base'", $"{Repr(cfg["item1"])}, {Repr(cfg.Get<ConfigDict>("item2")!["a"])}, {Repr(cfg["item3"])}, {Repr(cfg["item4"])}");
        var e = Assert.Throws<ConfigException>(() => Load("py_config/test_merge_from_base_error.py"));
        Assert.Contains("item3 is a dict in the child config but is of type bool in base config", e.Message);
    }

    [Fact]
    public void FromFile_MultipleBases_ValuesAndDuplicateKeyError()
    {
        // _merge_from_multiple_bases (CFG-06)
        var cfg = Load("py_config/test_merge_from_multiple_bases.py");
        Assert.Equal("{'item1': [1, 2], 'item2': {'a': 0}, 'item3': False, 'item4': 'test', 'item5': {'a': 0, 'b': 1}, "
            + "'item6': [{'a': 0}, {'b': 1}], 'item7': {'a': [0, 1, 2], 'b': {'c': [3.1, 4.2, 5.3]}}, 'item_bool': True, 'item_float': 1.0}", Repr(cfg.Dict));
        var e = Assert.Throws<ConfigException>(() => Load("py_config/test_merge_from_multiple_error.py"));
        Assert.Contains("Duplicate key is not allowed among bases", e.Message);
    }

    [Theory]
    [InlineData("py_config/test_base_variables.py")]
    [InlineData("json_config/test_base.json")]
    [InlineData("yaml_config/test_base.yaml")]
    public void FromFile_BaseVariables_SameInEveryFormat(string fixture)
    {
        // _base_variables (CFG-10)
        var cfg = Load(fixture);
        Assert.Equal(Path.GetFileName(fixture), cfg["item8"]);
        Assert.Equal("{'a': 0}", Repr(cfg["item9"]));
        Assert.Equal("[3.1, 4.2, 5.3]", Repr(cfg["item10"]));
        Assert.Equal("{'a': 0, 'b': 1}", Repr(cfg["item5"]));
    }

    [Theory]
    [InlineData("py_config/test_base_variables_nested.py")]
    [InlineData("json_config/test_base_variables_nested.json")]
    [InlineData("yaml_config/test_base_variables_nested.yaml")]
    public void FromFile_NestedBaseVariables_SameInEveryFormat(string fixture)
    {
        // _base_variables, nested (CFG-10): a plain '_base_.item8' string is left alone.
        var cfg = Load(fixture);
        Assert.Equal("_base_.item8", cfg["base"]);
        Assert.Equal("test_base_variables.py", cfg["item11"]);
        Assert.Equal("[1, 2]", Repr(cfg["item14"]));
        Assert.Equal("{'a': {'b': {'a': 0}}, 'b': [False], 'c': ['test'], 'd': [[{'e': 0}], [{'a': 0}, {'b': 1}]], 'e': [1, 2]}", Repr(cfg["item15"]));
    }

    [Fact]
    public void FromFile_PreSubstitutedReferences_AssignedThroughVariables()
    {
        // _base_variables, reference assignment (CFG-10)
        var cfg = Load("py_config/test_pre_substitute_base_vars.py");
        Assert.Equal("test_base_variables.py", cfg["item21"]);
        Assert.Equal("test_base_variables.py", cfg["item22"]);
        Assert.Equal("[3.1, 4.2, 5.3]", Repr(cfg["item24"]));
        Assert.Equal("{'a': {'b': [3.1, 4.2, 5.3]}, 'b': [[3.1, 4.2, 5.3]], 'c': [[{'e': 'test_base_variables.py'}], [{'a': 0}, {'b': 1}]], 'e': 'test_base_variables.py'}", Repr(cfg["item25"]));
    }

    [Fact]
    public void FromFile_PythonBaseReferences_MutationAndUnpacking()
    {
        // _base_variables, test_py_base / test_py_nested_path (CFG-11)
        var cfg = Load("py_config/test_py_base.py");
        Assert.Equal(F("py_config/test_py_base.py"), cfg.FileName);
        Assert.Equal("{'a': 0, 'b': [5, 6]}", Repr(cfg["item2"]));
        Assert.Equal("[{'c': 0}, {'b': 1}]", Repr(cfg["item6"]));
        Assert.Equal("test_py_base.py, 3.1, 4.2, 5.3", $"{cfg["item8"]}, {Repr(cfg["item9"])}, {Repr(cfg["item10"])}, {Repr(cfg["item11"])}");
        cfg = Load("py_config/test_py_nested_path.py");
        Assert.Equal("test_py_base.py", cfg["item12"]);
        Assert.Equal(3.1, cfg["item13"]);
        Assert.Equal("{'a': {'b': {'a': 0, 'b': [5, 6]}}, 'b': [False], 'c': ['test'], 'd': [[{'e': 0}], [{'c': 0}, {'b': 1}]], 'e': [1, 2]}", Repr(cfg["item15"]));
    }

    [Fact]
    public void FromFile_ModifyKeyWithoutBase()
    {
        // _base_variables, test_py_modify_key
        Assert.Equal("{'item1': {'a': 1}}", Repr(Load("py_config/test_py_modify_key.py").Dict));
    }

    [Fact]
    public void FromFile_RecursiveDeleteAndIntermediate()
    {
        // _merge_recursive_bases, _merge_delete, _merge_intermediate_variable (CFG-06, CFG-09)
        var cfg = Load("py_config/test_merge_recursive_bases.py");
        Assert.Equal("{'item1': [2, 3], 'item2': {'a': 1}, 'item3': False, 'item4': 'test_recursive_bases'}", Repr(cfg.Dict));
        cfg = Load("py_config/test_merge_delete.py");
        Assert.Equal("{'item1': {'a': 0}, 'item2': {'a': 0, 'b': 0}, 'item3': True, 'item4': 'test'}", Repr(cfg.Dict));
        cfg = Load("py_config/test_merge_intermediate_variable_child.py");
        Assert.Equal("{'b': 2}", Repr(cfg["item_cfg"]));
        Assert.Equal("{'cfg': {'b': 1}}", Repr(cfg["item5"]));
        Assert.Equal("{'cfg': {'b': 2}}", Repr(cfg["item6"]));
    }

    [Theory]
    [InlineData("py_config/test_deprecated.py")]
    [InlineData("py_config/test_deprecated_base.py")]
    public void FromFile_Deprecated_WarnsAndLoadsBase(string fixture)
    {
        // _deprecation: a DeprecationWarning (here: the Warning callback) and item1 == [1, 2].
        var warnings = new List<string>();
        var cfg = Load(fixture, new ConfigLoadOptions { GetEnvironmentVariable = _ => null, Warning = warnings.Add });
        Assert.Single(warnings);
        Assert.Contains("will be deprecated in the future. Please use tests/data/config/py_config/base.py instead.", warnings[0]);
        Assert.Equal("[1, 2]", Repr(cfg["item1"]));
        Assert.False(cfg.ContainsKey("_deprecation_"));
    }

    [Fact]
    public void FromFile_MissingOrUnsupported_Errors()
    {
        // test_file2dict: .xml -> IOError, missing file -> FileNotFoundError.
        string xml = Path.Combine(Path.GetTempPath(), $"kiln-{Guid.NewGuid():N}.xml");
        File.WriteAllText(xml, "exist");
        try
        {
            Assert.Contains("only py/yml/yaml/json", Assert.Throws<ConfigException>(() => Kiln.Config.Config.FromFile(xml)).Message);
        }
        finally
        {
            File.Delete(xml);
        }
        Assert.Contains("not found", Assert.Throws<ConfigException>(() => Kiln.Config.Config.FromFile("no_such_file.py")).Message);
    }

    [Theory]
    [InlineData("py_config/test_py_function_global_var.py", 5, "'def'")]
    [InlineData("py_config/test_custom_class.py", 2, "classes are not allowed")]
    [InlineData("py_config/test_code_in_config.py", 2, "import")]
    [InlineData("py_config/test_dump_pickle_support.py", 3, "import")]
    public void FromFile_FixturesNeedingPythonCode_CleanErrorAtTheLine(string fixture, int line, string construct)
    {
        // Kiln's config language is data only (DESIGN.md): MMEngine runs these, Kiln refuses them with file:line.
        var e = Assert.Throws<ConfigException>(() => Load(fixture));
        Assert.Equal(line, e.Line);
        Assert.Contains(construct, e.Message);
        Assert.Contains(Path.GetFileName(fixture), e.Message);
    }
}
