using System.Text.Json;
using Kiln.Serve;
using Kiln.TestKit;

namespace Kiln.Tests.Serve;

/// <summary>
/// Issue 13, "Show it" 3 and 4, end to end over HTTP on loopback: the status page and its JSON (the job listed, the
/// chart's points), the logs, cancel, and bad submissions rejected at submit time with the error while the service
/// keeps serving and training.
/// </summary>
public sealed class ServeHttpTests
{
    [Fact]
    public async Task StatusPage_ListsTheJobAndItsChartHasPoints()
    {
        using var temp = new TempDir();
        await using var serve = await ServeFixture.StartAsync(temp.Combine("jobs"));
        var (status, body) = await serve.SubmitAsync(new { config = ServeFixture.ToyConfig(), format = "py" });
        Assert.Equal(201, status);
        string id = body.GetProperty("id").GetString()!;
        await serve.WaitForAsync(id, JobState.Succeeded, JobState.Failed);

        string page = await serve.Http.GetStringAsync("/");
        Assert.Contains("<canvas id=\"chart\"", page);
        Assert.Contains("fetch(\"/api/jobs\")", page);

        var jobs = JsonSerializer.Deserialize<JsonElement>(await serve.Http.GetStringAsync("/api/jobs"));
        var listed = Assert.Single(jobs.EnumerateArray());
        Assert.Equal((id, "succeeded", 12, 12), (listed.GetProperty("id").GetString(), listed.GetProperty("state").GetString(),
            listed.GetProperty("iter").GetInt32(), listed.GetProperty("maxIters").GetInt32()));

        var detail = JsonSerializer.Deserialize<JsonElement>(await serve.Http.GetStringAsync($"/api/jobs/{id}"));
        var loss = detail.GetProperty("loss").EnumerateArray().ToList();
        Assert.Equal(Enumerable.Range(1, 12), loss.Select(p => p[0].GetInt32()));
        Assert.All(loss, p => Assert.True(double.IsFinite(p[1].GetDouble())));
        // validation every 4 iterations: the toy metric at iterations 4, 8 and 12
        var metric = Assert.Single(detail.GetProperty("metrics").EnumerateObject());
        Assert.Equal([4, 8, 12], metric.Value.EnumerateArray().Select(p => p[0].GetInt32()));

        string logs = await serve.Http.GetStringAsync($"/api/jobs/{id}/logs");
        Assert.Contains("Iter(train) [12/12]", logs);
    }

    // "Show it" 4: each bad submission is a 400 with the reason; nothing is queued; the service goes on.
    [Fact]
    public async Task BadSubmissions_AreRejectedWithTheError_AndTheServiceGoesOn()
    {
        using var temp = new TempDir();
        string jobs = temp.Combine("jobs");
        File.WriteAllText(temp.Combine("outside.py"), ServeFixture.ToyConfig());
        await using var serve = await ServeFixture.StartAsync(jobs);

        async Task<string> Rejected(object request)
        {
            var (status, body) = await serve.SubmitAsync(request);
            Assert.Equal(400, status);
            return body.GetProperty("error").GetString()!;
        }
        string syntax = await Rejected(new { config = "model = dict(\n", format = "py" });
        Assert.Contains("config.py:1:", syntax);
        Assert.Contains("'(' was never closed", syntax);
        Assert.Contains("model.type: 'NoSuchModel' is not in the",
            await Rejected(new { config = ServeFixture.ToyConfig().Replace("type='ToyModel'", "type='NoSuchModel'"), format = "py" }));
        Assert.Contains("outside the jobs folder", await Rejected(new { path = temp.Combine("outside.py") }));
        Assert.Contains("outside the jobs folder", await Rejected(new { path = "../outside.py" }));
        Assert.Contains("not one Kiln reads", await Rejected(new { config = "a = 1", format = "toml" }));
        Assert.Contains("give either 'config'", await Rejected(new { format = "py" }));
        Assert.Empty(serve.Store.List());

        // a config file inside the jobs folder is fine by path, and the service still trains it
        Directory.CreateDirectory(Path.Combine(jobs, "configs"));
        File.WriteAllText(Path.Combine(jobs, "configs", "toy.py"), ServeFixture.ToyConfig());
        var (ok, job) = await serve.SubmitAsync(new { path = "configs/toy.py" });
        Assert.Equal(201, ok);
        var done = await serve.WaitForAsync(job.GetProperty("id").GetString()!, JobState.Succeeded, JobState.Failed);
        Assert.True(done.State == JobState.Succeeded, done.Error);
    }

    // A config dropped into queue/ becomes a job; one that does not validate is recorded as rejected, with the reason.
    [Fact]
    public async Task QueueFolder_ValidFileRuns_BadFileIsRecordedAsRejected()
    {
        using var temp = new TempDir();
        string jobs = temp.Combine("jobs");
        Directory.CreateDirectory(Path.Combine(jobs, "queue"));
        File.WriteAllText(Path.Combine(jobs, "queue", "a_bad.py"), "model = dict(type='NoSuchModel')\n");
        File.WriteAllText(Path.Combine(jobs, "queue", "b_good.py"), ServeFixture.ToyConfig());
        await using var serve = await ServeFixture.StartAsync(jobs);

        var bad = await serve.WaitForAsync("000001", JobState.Rejected);
        Assert.Equal("queue/a_bad.py", bad.Source);
        Assert.Contains("'NoSuchModel' is not in the", bad.Error);
        var good = await serve.WaitForAsync("000002", JobState.Succeeded, JobState.Failed);
        Assert.True(good.State == JobState.Succeeded, good.Error);
        Assert.Empty(Directory.GetFiles(Path.Combine(jobs, "queue")));
    }

    [Fact]
    public async Task Cancel_QueuedJob_IsCancelledAndNeverRuns_UnknownJobIs404()
    {
        using var temp = new TempDir();
        await using var serve = await ServeFixture.StartAsync(temp.Combine("jobs"));
        // hold the training thread on the first job until the second is cancelled
        var release = new ManualResetEventSlim();
        serve.Progress.IterationDone += (_, _) => release.Wait(TimeSpan.FromMinutes(1));
        var (_, first) = await serve.SubmitAsync(new { config = ServeFixture.ToyConfig(), format = "py" });
        var (_, second) = await serve.SubmitAsync(new { config = ServeFixture.ToyConfig(), format = "py" });
        string secondId = second.GetProperty("id").GetString()!;

        using var cancel = await serve.Http.PostAsync($"/api/jobs/{secondId}/cancel", null);
        Assert.Equal(200, (int)cancel.StatusCode);
        release.Set();
        await serve.WaitForAsync(first.GetProperty("id").GetString()!, JobState.Succeeded);
        Assert.Equal(JobState.Cancelled, serve.Store.Get(secondId)!.State);
        Assert.False(Directory.Exists(serve.Store.Get(secondId)!.WorkDir));

        using var missing = await serve.Http.PostAsync("/api/jobs/999999/cancel", null);
        Assert.Equal(404, (int)missing.StatusCode);
        using var again = await serve.Http.PostAsync($"/api/jobs/{secondId}/cancel", null);
        Assert.Equal(409, (int)again.StatusCode);
    }

    [Fact]
    public async Task Cancel_RunningJob_StopsAfterTheCurrentIteration()
    {
        using var temp = new TempDir();
        await using var serve = await ServeFixture.StartAsync(temp.Combine("jobs"));
        string? id = null;
        serve.Progress.IterationDone += (job, iter) => { if (iter == 3) serve.Store.Cancel(job); };
        var (_, body) = await serve.SubmitAsync(new { config = ServeFixture.ToyConfig(), format = "py" });
        id = body.GetProperty("id").GetString()!;
        var job = await serve.WaitForAsync(id, JobState.Cancelled, JobState.Succeeded, JobState.Failed);
        Assert.Equal((JobState.Cancelled, 3), (job.State, job.Iter));
    }
}
