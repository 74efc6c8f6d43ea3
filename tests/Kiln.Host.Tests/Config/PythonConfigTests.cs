using Kiln.Config;
using static Kiln.Tests.Config.ConfigTestHelpers;

namespace Kiln.Tests.Config;

/// <summary>The .py interpreter: the Python subset real OpenMMLab configs use (CFG-01, CFG-11).</summary>
public class PythonConfigTests
{
    [Theory]
    [InlineData("x = 0x1F + 0o7 + 0b11 + 1_000", "1041")]
    [InlineData("x = 1e-3", "0.001")]
    [InlineData("x = 7 / 2, 7 // 2, -7 // 2, -7 % 3, 2 ** 10, 2 ** -1", "(3.5, 3, -4, 2, 1024, 0.5)")]
    [InlineData("x = 'a' 'b' \"c\" '''d''' r'\\n'", "'abcd\\\\n'")]
    [InlineData("x = f'{1 + 1:03d}-{0.5:.2f}-{\"s\"!r}-{{}}-{3.14159:.3}-{1234567:,}'", "\"002-0.50-'s'-{}-3.14-1,234,567\"")]
    [InlineData("n = 'w'\nx = f'{n:>4}|{n:*^5}|{10:x}|{0.25:.0%}|{12345.678:e}'", "'   w|**w**|a|25%|1.234568e+04'")]
    [InlineData("x = '%s_%03d_%.1f_%(k)s' % ('a', 7, 2.25, ) if False else '%s_%03d_%.1f' % ('a', 7, 2.25)", "'a_007_2.2'")]
    [InlineData("x = '%(k)s-%(v)d' % dict(k='a', v=3)", "'a-3'")]
    [InlineData("x = '{}-{name}-{0}'.format(1, name='n')", "'1-n-1'")]
    [InlineData("x = [i * 2 for i in range(5) if i % 2 == 0]", "[0, 4, 8]")]
    [InlineData("x = {k: v for k, v in zip(['a', 'b'], [1, 2])}", "{'a': 1, 'b': 2}")]
    [InlineData("x = [(i, j) for i in range(2) for j in 'ab']", "[(0, 'a'), (0, 'b'), (1, 'a'), (1, 'b')]")]
    [InlineData("x = [1, 2, 3, 4][1:3], 'hello'[::-1], (1, 2, 3)[-1]", "([2, 3], 'olleh', 3)")]
    [InlineData("a, (b, *c) = 1, (2, 3, 4)\nx = [a, b, c]", "[1, 2, [3, 4]]")]
    [InlineData("x = [1]\nx += [2]\nx *= 2", "[1, 2, 1, 2]")]
    [InlineData("x = 1 < 2 < 3, 1 < 2 > 3, 'a' in 'abc', 3 not in [1], None is None, not 0", "(True, False, True, True, True, True)")]
    [InlineData("x = 1 if 0 else 2, 0 or 'd', 1 and 2", "(2, 'd', 2)")]
    [InlineData("x = len([1, 2]), min(3, 1), max([1, 5]), sum([1, 2.5]), abs(-2), int('7'), float('1.5'), str(1.0), bool([]), round(2.5), round(0.125, 2)", "(2, 1, 5, 3.5, 2, 7, 1.5, '1.0', False, 2, 0.12)")]
    [InlineData("x = sorted([3, 1, 2], reverse=True), list(enumerate('ab', 1)), isinstance(1, (int, float)), isinstance(True, str)", "([3, 2, 1], [(1, 'a'), (2, 'b')], True, False)")]
    [InlineData("d = dict(a=1)\nd.update(b=2)\nd.setdefault('c', 3)\nx = [d.get('z', 0), d.pop('a'), list(d.keys()), list(d.items())]", "[0, 1, ['b', 'c'], [('b', 2), ('c', 3)]]")]
    [InlineData("l = [3, 1]\nl.append(2)\nl.extend([5])\nl.insert(0, 9)\nx = [l, l.index(1), l.pop(), l]", "[[9, 3, 1, 2], 2, 5, [9, 3, 1, 2]]")]
    [InlineData("x = '-'.join(['a', 'b']), 'a_b'.replace('_', '.'), ' a b '.split(), 'a,b'.split(','), ' x '.strip(), 'Ab'.upper(), 'Ab'.lower(), 'abc'.startswith('ab'), 'abc'.endswith(('x', 'c'))", "('a-b', 'a.b', ['a', 'b'], ['a', 'b'], 'x', 'AB', 'ab', True, True)")]
    [InlineData("x = dict(**dict(a=1), b=2), {**dict(a=1), 'c': 3}, [*[1, 2], 3], dict([('k', 1)])", "({'a': 1, 'b': 2}, {'a': 1, 'c': 3}, [1, 2, 3], {'k': 1})")]
    [InlineData("x = {1, 2, 2}", "[1, 2]")]
    [InlineData("x = [1.5e16, -1e22, 1.2345e-7, 123456789012345678.0, 0.0001, 9999999999999998.0, -0.00001]", "[1.5e+16, -1e+22, 1.2345e-07, 1.2345678901234568e+17, 0.0001, 9999999999999998.0, -1e-05]")]
    [InlineData("v = 3\nx = f'{v=}', f'{v!r:>4}', f'{\"a\" if v else \"b\"}', f'{[1, 2][0]}', f'{v:{v}d}'", "('v=3', '   3', 'a', '1', '  3')")]
    [InlineData("x = 'a%sb' % 1, '%5.1f|%-4d|%x|%%' % (3.14159, 7, 255)", "('a1b', '  3.1|7   |ff|%')")]
    [InlineData("x = '{:>6.2f}|{:,}|{!r}|{0[k]}'.format(dict(k=1), 1000, 's') if False else '{:>6.2f}|{:,}|{!r}'.format(3.14159, 1000, 's')", "\"  3.14|1,000|'s'\"")]
    [InlineData("x = 1.0, 1e16, 1e-5, 0.1 + 0.2, 3 * 1.5, 10 / 4, float('inf') > 1e308", "(1.0, 1e+16, 1e-05, 0.30000000000000004, 4.5, 2.5, True)")]
    [InlineData("x = 'a' < 'b', [1, 2] < [1, 3], (1,) == (1,), [1] == (1,), 1 == 1.0, True == 1", "(True, True, True, False, True, True)")]
    [InlineData("x = list(reversed([1, 2])), any([0, 1]), all([]), divmod(7, 2), 'x'.join('abc'), 'a,b,c'.split(',', 1), 'a b'.title()", "([2, 1], True, True, (3, 1), 'axbxc', ['a', 'b,c'], 'A B')")]
    public void FromString_Expression_EvaluatesLikePython(string source, string expected)
    {
        // CFG-01
        Assert.Equal(expected, Repr(Py(source)["x"]));
    }

    [Fact]
    public void FromString_Statements_ForIfElifElseAndContinuations()
    {
        // CFG-01
        var d = Py("""
            # a comment
            total = 0
            kinds = []
            for i in range(6):
                if i == 0:
                    continue
                elif i % 2 == 0:
                    kinds.append('even')
                else:
                    kinds.append('odd')
                if i > 4: break
                total += i
            long = 1 + \
                2
            nested = dict(a=[1,
                             2],  # inside brackets
                          b=(3,
                             4))
            txt = '''multi
            line'''
            """);
        Assert.Equal(10L, d["total"]);
        Assert.Equal("['odd', 'even', 'odd', 'even', 'odd']", Repr(d["kinds"]));
        Assert.Equal(3L, d["long"]);
        Assert.Equal("{'a': [1, 2], 'b': (3, 4)}", Repr(d["nested"]));
        Assert.Equal("multi\nline", d["txt"]);
        // A for loop binds its variable at module level, as Python does (MMEngine keeps it in the config too).
        Assert.Equal(5L, d["i"]);
    }

    [Fact]
    public void FromString_RealisticPipelineConfig_Evaluates()
    {
        // CFG-01
        var d = Py("""
            dataset_type = 'CocoDataset'
            data_root = 'data/coco/'
            img_scale = (1333, 800)
            backend_args = None
            train_pipeline = [
                dict(type='LoadImageFromFile', backend_args=backend_args),
                dict(type='LoadAnnotations', with_bbox=True),
                dict(type='Resize', scale=img_scale, keep_ratio=True),
                dict(type='RandomFlip', prob=0.5),
                dict(type='PackDetInputs'),
            ]
            train_dataloader = dict(
                batch_size=2, num_workers=2, persistent_workers=True,
                sampler=dict(type='DefaultSampler', shuffle=True),
                dataset=dict(type=dataset_type, data_root=data_root,
                             ann_file='annotations/instances_train2017.json',
                             data_prefix=dict(img='train2017/'), pipeline=train_pipeline))
            param_scheduler = [
                dict(type='LinearLR', start_factor=0.001, by_epoch=False, begin=0, end=500),
                dict(type='MultiStepLR', begin=0, end=12, by_epoch=True, milestones=[8, 11], gamma=0.1)
            ]
            work_dir = f'./work_dirs/{dataset_type.lower()}_{img_scale[0]}x{img_scale[1]}'
            """);
        Assert.Equal("./work_dirs/cocodataset_1333x800", d["work_dir"]);
        var loader = (ConfigDict)d["train_dataloader"]!;
        Assert.Same(d["train_pipeline"], ((ConfigDict)loader["dataset"]!)["pipeline"]);
        Assert.Equal("(1333, 800)", Repr(((ConfigDict)((List<object?>)d["train_pipeline"]!)[2]!)["scale"]));
    }

    [Fact]
    public void FromString_WhileDelAssert_Work()
    {
        // CFG-01
        var d = Py("""
            n = 0
            while n < 5:
                n += 1
            else:
                done = True
            tmp = dict(a=1, b=2)
            del tmp['a']
            scratch = 1
            del scratch
            assert n == 5, 'n should be 5'
            """);
        Assert.Equal(5L, d["n"]);
        Assert.Equal(true, d["done"]);
        Assert.Equal("{'b': 2}", Repr(d["tmp"]));
        Assert.False(d.ContainsKey("scratch"));
        var e = Assert.Throws<ConfigException>(() => Py("x = 1\nassert x == 2, 'x must be 2'"));
        Assert.Contains("<string>:2:1: assertion failed: x must be 2", e.Message);
    }

    [Fact]
    public void FromString_ComprehensionVariable_DoesNotLeak()
    {
        // CFG-01
        var d = Py("x = [j for j in range(3)]");
        Assert.False(d.ContainsKey("j"));
    }

    [Fact]
    public void FromString_HundredsOfLines_LoadsEveryAssignment()
    {
        // CFG-01: a config of a few hundred lines (speed is measured in benchmarks/, not asserted here).
        string source = string.Join("\n", Enumerable.Range(0, 300).Select(i =>
            $"layer{i} = dict(type='Conv', in_channels={i}, out_channels={i} * 2, name=f'conv{{{i}}}', ks=[3 for _ in range(3)])"));
        var d = Py(source);
        Assert.Equal(300, d.Count);
        Assert.Equal("{'type': 'Conv', 'in_channels': 299, 'out_channels': 598, 'name': 'conv299', 'ks': [3, 3, 3]}", Repr(d["layer299"]));
    }
}
