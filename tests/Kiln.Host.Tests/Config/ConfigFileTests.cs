using Kiln.Config;
using static Kiln.Tests.Config.ConfigTestHelpers;

namespace Kiln.Tests.Config;

/// <summary>MMEngine's tests/test_config/test_config.py expected values (internals §4.2), on our fixtures.</summary>
public class ConfigFileTests
{
    [Theory]
    [InlineData("simple_config.py")]
    [InlineData("simple_config.json")]
    [InlineData("simple_config.yaml")]
    [InlineData("simple.config.py")]
    public void FromFile_SimpleConfig_SameValuesInEveryFormat(string file)
    {
        // CFG-01
        var cfg = Load(file);
        Assert.Equal("{'item1': [1, 2], 'item2': {'a': 0}, 'item3': True, 'item4': 'test'}", Repr(cfg.Dict));
        Assert.Equal(Fixture(file), cfg.FileName);
        Assert.StartsWith(Path.GetFullPath(Fixture(file)) + "\n", cfg.Text);
    }

    [Theory]
    [InlineData("learn_read_config.py")]
    [InlineData("learn_read_config.json")]
    [InlineData("learn_read_config.yml")]
    public void ToString_LearnReadConfig_MatchesMmengineRepr(string file)
    {
        // CFG-01, CFG-02 (AE-CFG-01)
        var cfg = Load(file);
        Assert.Equal($"Config (path: {Fixture(file)}): {{'test_int': 1, 'test_list': [1, 2, 3], 'test_dict': {{'key1': 'value1', 'key2': 0.1}}}}", cfg.ToString());
    }

    [Fact]
    public void Indexer_AssignAndMutate_ChangesValues()
    {
        // CFG-03 (AE-CFG-02)
        var cfg = Load("learn_read_config.py");
        Assert.Equal(1L, cfg["test_int"]);
        cfg["test_int"] = 2L;
        Assert.Equal(2, cfg.Get<int>("test_int"));
        ((List<object?>)cfg["test_list"]!)[1] = 3L;
        Assert.Equal("[1, 3, 3]", Repr(cfg["test_list"]));
        Assert.Equal(0.1, cfg.Get<ConfigDict>("test_dict")!["key2"]);
        Assert.Equal(7, cfg.Get("missing", 7));
    }

    [Fact]
    public void FromFile_SingleBase_ChildOverridesBase()
    {
        // CFG-06, CFG-08
        var cfg = Load("test_base_single.py");
        Assert.Equal("{'item1': [2, 3], 'item2': {'a': 1}, 'item3': False, 'item4': 'test_base'}", Repr(cfg.Dict));
        Assert.Contains("base.py\nitem1 = [1, 2]", cfg.Text);
        Assert.True(cfg.Text.IndexOf("base.py\n", StringComparison.Ordinal) < cfg.Text.IndexOf("test_base_single.py\n", StringComparison.Ordinal));
    }

    [Fact]
    public void FromFile_MultipleBasesOfMixedFormats_AllKeysMerged()
    {
        // CFG-06
        var cfg = Load("test_multiple_bases.py");
        Assert.Equal("[1, 2]", Repr(cfg["item1"]));
        Assert.Equal("{'a': 0}", Repr(cfg["item2"]));
        Assert.Equal(false, cfg["item3"]);
        Assert.Equal("test", cfg["item4"]);
        Assert.Equal("{'a': 0, 'b': 1}", Repr(cfg["item5"]));
        Assert.Equal("[{'a': 0}, {'b': 1}]", Repr(cfg["item6"]));
        Assert.Equal("{'a': [0, 1, 2], 'b': {'c': [3.1, 4.2, 5.3]}}", Repr(cfg["item7"]));
    }

    [Fact]
    public void FromFile_DuplicateKeysAmongBases_ErrorNamesKeysAndBothFiles()
    {
        // CFG-06
        var e = Assert.Throws<ConfigException>(() => Load("test_multiple_error.py"));
        Assert.Contains("Duplicate key is not allowed among bases", e.Message);
        Assert.Contains("'item1'", e.Message);
        Assert.Contains("base1.py", e.Message);
        Assert.Contains("simple_config.py", e.Message);
        Assert.Contains("test_multiple_error.py:1", e.Message);
    }

    [Fact]
    public void FromFile_DeleteKey_ReplacesInsteadOfMerging()
    {
        // CFG-09
        var cfg = Load("test_delete.py");
        Assert.Equal("{'a': 0}", Repr(cfg["item1"]));
        Assert.Equal("{'a': 0, 'b': 0}", Repr(cfg["item2"]));
    }

    [Fact]
    public void FromFile_IntermediateVariable_BindsEarlyInBase()
    {
        // CFG-07 (MMEngine test_merge_intermediate_variable)
        var cfg = Load("test_intermediate.py");
        Assert.Equal("{'cfg': {'b': 1}}", Repr(cfg["item5"]));
        Assert.Equal("{'cfg': {'b': 2}}", Repr(cfg["item6"]));
    }

    [Fact]
    public void FromFile_RecursiveBases_ResolvedInOrder()
    {
        // CFG-06
        var cfg = Load("test_recursive_bases.py");
        Assert.Equal("test_recursive_bases", cfg["item4"]);
        Assert.Equal("[1, 2]", Repr(cfg["item1"]));
    }

    [Fact]
    public void FromFile_OptimizerExamples_MatchDocs()
    {
        // CFG-06, CFG-07, CFG-08, CFG-09 (AE-CFG-04..08)
        Assert.Equal("{'type': 'SGD', 'lr': 0.02, 'momentum': 0.9, 'weight_decay': 0.0001}", Repr(Load("resnet50.py")["optimizer"]));
        var runtime = Load("resnet50_runtime.py");
        Assert.Equal(["optimizer", "gpu_ids", "model"], runtime.Dict.Keys);
        Assert.Equal("{'type': 'SGD', 'lr': 0.01, 'momentum': 0.9, 'weight_decay': 0.0001}", Repr(Load("resnet50_lr0.01.py")["optimizer"]));
        Assert.Equal("[0]", Repr(Load("resnet50_gpu.py")["gpu_ids"]));
        Assert.Equal("{'type': 'SGD', 'lr': 0.01}", Repr(Load("resnet50_delete_key.py")["optimizer"]));
    }

    [Theory]
    [InlineData("test_base_variables.py")]
    [InlineData("test_base_variables.json")]
    [InlineData("test_base_variables.yaml")]
    public void FromFile_BaseVariableReferences_SubstitutedInEveryFormat(string file)
    {
        // CFG-10, CFG-13
        var cfg = Load(file);
        Assert.Equal(file, cfg["item8"]);
        Assert.Equal("{'a': 0}", Repr(cfg["item9"]));
        Assert.Equal("[3.1, 4.2, 5.3]", Repr(cfg["item10"]));
    }

    [Fact]
    public void FromFile_NestedBaseVariables_ReachIntoContainers()
    {
        // CFG-10
        var cfg = Load("test_base_variables_nested.py");
        Assert.Equal("_base_.item8", cfg["base"]);
        Assert.Equal("test_base_variables.py", cfg["item11"]);
        Assert.Equal("[1, 2]", Repr(cfg["item14"]));
        Assert.Equal("{'a': {'b': {'a': 0}}, 'b': [False], 'c': ['test'], 'd': [[{'e': 0}], [{'a': 0}, {'b': 1}]], 'e': [1, 2]}", Repr(cfg["item15"]));
    }

    [Fact]
    public void FromFile_ReferBaseVar_CopiesBaseModel()
    {
        // CFG-10 (AE-CFG-09)
        Assert.Equal("{'type': 'ResNet', 'depth': 50}", Repr(Load("refer_base_var.py")["a"]));
    }

    [Fact]
    public void FromFile_PythonBaseReference_ReadsAndMutatesBase()
    {
        // CFG-11 (MMEngine test_py_base)
        var cfg = Load("test_py_base.py");
        Assert.Equal("{'a': 0, 'b': [5, 6]}", Repr(cfg["item2"]));
        Assert.Equal("[{'c': 0}, {'b': 1}]", Repr(cfg["item6"]));
        Assert.Equal(3.1, cfg["item9"]);
        Assert.Equal(4.2, cfg["item10"]);
        Assert.Equal(5.3, cfg["item11"]);
        Assert.Equal("[4.2, 5.3]", Repr(cfg["item12"]));
    }

    [Fact]
    public void FromFile_ModifyBaseVar_AttributeAssignmentOnBaseDict()
    {
        // CFG-11 (AE-CFG-11)
        Assert.Equal("{'type': 'MobileNet', 'depth': 50}", Repr(Load("modify_base_var.py")["a"]));
    }

    [Fact]
    public void FromFile_MutatingTextReference_ErrorExplainsWhy()
    {
        // CFG-10 (AE-CFG-10)
        var e = Assert.Throws<ConfigException>(() => Load("errors/mutate_text_ref.py"));
        Assert.Contains("mutate_text_ref.py:3:", e.Message);
        Assert.Contains("'str' object does not support item assignment", e.Message);
        Assert.Contains("_base_.xxx", e.Message);
    }

    [Fact]
    public void FromFile_PredefinedVariables_Substituted()
    {
        // CFG-13
        var cfg = Load("test_predefined_var.py");
        Assert.Equal("test_predefined_var.py", cfg["item1"]);
        Assert.Equal(Path.GetDirectoryName(Path.GetFullPath(Fixture("test_predefined_var.py")))!.Replace('\\', '/'), cfg["item2"]);
        Assert.Equal("abc_test_predefined_var", cfg["item3"]);
        Assert.Equal(".py", cfg["item4"]);
    }

    [Fact]
    public void FromFile_PredefinedVariablesOff_RawTextKept()
    {
        // CFG-13
        var cfg = Load("test_predefined_var.py", new ConfigLoadOptions { UsePredefinedVariables = false });
        Assert.Equal("{{ fileBasename }}", cfg["item1"]);
    }

    [Fact]
    public void FromFile_EnvironmentVariableUnsetWithoutDefault_ErrorNamesVariable()
    {
        // CFG-15
        var e = Assert.Throws<ConfigException>(() => Load("test_env.py"));
        Assert.Contains("ITEM1", e.Message);
        Assert.Contains("test_env.py:1", e.Message);
    }

    [Fact]
    public void FromFile_EnvironmentVariables_SubstitutedAsText()
    {
        // CFG-15
        var cfg = Load("test_env.py", Env(("ITEM1", "60")));
        Assert.Equal("60", cfg["item1"]);
        Assert.Equal("default_value", cfg["item2"]);
        Assert.Equal(80L, cfg["item3"]);
        Assert.Equal("60", cfg.EnvironmentVariables["ITEM1"]);
        cfg = Load("test_env.py", Env(("ITEM1", "60"), ("ITEM2", "new_value"), ("ITEM3", "50")));
        Assert.Equal("new_value", cfg["item2"]);
        Assert.Equal(50L, cfg["item3"]);
    }

    [Fact]
    public void FromFile_EnvironmentVariable_AffectsDerivedFieldsUnlikeCfgOptions()
    {
        // CFG-15, CFG-14 (AE-CFG-15)
        var cfg = Load("replace_data_root.py");
        Assert.Equal($"Config (path: {Fixture("replace_data_root.py")}): {{'dataset_type': 'CocoDataset', 'data_root': '/data/coco/', 'dataset': {{'ann_file': '/data/coco/train.json'}}}}", cfg.ToString());
        cfg = Load("replace_data_root.py", Env(("DATASET", "/new/dataset/path/")));
        Assert.Equal("{'ann_file': '/new/dataset/path/train.json'}", Repr(cfg["dataset"]));
        cfg = Load("replace_data_root.py");
        cfg.MergeFromDict(Kiln.Config.Config.ParseCfgOptions(["data_root='/new/dataset/path/'"]));
        Assert.Equal("{'dataset_type': 'CocoDataset', 'data_root': '/new/dataset/path/', 'dataset': {'ann_file': '/data/coco/train.json'}}", Repr(cfg.Dict));
        Assert.Equal("{'model': {'bbox_head': {'num_classes': 80}}}", Repr(Load("replace_num_classes.py").Dict));
        Assert.Equal("{'model': {'bbox_head': {'num_classes': 20}}}", Repr(Load("replace_num_classes.py", Env(("NUM_CLASSES", "20"))).Dict));
    }

    [Fact]
    public void FromFile_Deprecation_WarnsAndDropsKey()
    {
        // CFG-06 (MMEngine test_deprecation)
        var warnings = new List<string>();
        var cfg = Load("test_deprecated.py", new ConfigLoadOptions { Warning = warnings.Add });
        Assert.Equal("[1, 2]", Repr(cfg["item1"]));
        Assert.False(cfg.ContainsKey("_deprecation_"));
        Assert.Contains(warnings, w => w.Contains("will be deprecated") && w.Contains("Please use simple_config.py"));
    }

    [Fact]
    public void FromFile_ReservedKey_Error()
    {
        // CFG-20
        var e = Assert.Throws<ConfigException>(() => Load("reserved.py"));
        Assert.Contains("'filename' is reserved for config file", e.Message);
    }

    [Fact]
    public void FromFile_BadExtensionOrMissingFile_Error()
    {
        // CFG-01
        Assert.Contains("only py/yml/yaml/json", Assert.Throws<ConfigException>(() => Kiln.Config.Config.FromFile("x.xml")).Message);
        Assert.Contains("not found", Assert.Throws<ConfigException>(() => Load("no_such_file.py")).Message);
    }

    [Fact]
    public void Constructor_Dict_WrapsIt()
    {
        // CFG-04
        var cfg = new Kiln.Config.Config(new ConfigDict { ["a"] = 1L, ["b"] = 2L });
        Assert.Equal("Config (path: None): {'a': 1, 'b': 2}", cfg.ToString());
        Assert.Null(cfg.FileName);
        Assert.Throws<ConfigException>(() => new Kiln.Config.Config(new ConfigDict { ["text"] = "x" }));
    }
}
