namespace Kiln.Guide.Tests;
public sealed class DumpTmp
{
    [Fact]
    public void Dump()
    {
        Directory.CreateDirectory("/tmp/snips");
        foreach (var name in typeof(SnippetAttribute).Assembly.GetTypes().SelectMany(t => t.GetMethods()).Select(m => m.GetCustomAttributes(typeof(SnippetAttribute), false).Cast<SnippetAttribute>().FirstOrDefault()).Where(a => a is not null && !File.Exists($"/tmp/snips/{a!.Name}.txt")).Select(a => a!.Name))
        {
            File.WriteAllText($"/tmp/snips/{name}.txt", "CRASHED");
            string text;
            try { text = SnippetTests.Run(name); } catch (Exception e) { text = "THREW " + e.Message; }
            File.WriteAllText($"/tmp/snips/{name}.txt", text);
        }
    }
}
