using Kiln.Checkpoints;
using Kiln.Serve;
using Kiln.TestKit;
using Kiln.TestKit.Toy;
using TorchSharp;

namespace Kiln.Tests.Serve;

/// <summary>
/// Issue 13, "Show it" 2: a job is submitted, the service is stopped (as SIGTERM stops it) in the middle of training,
/// a new service starts on the same jobs folder, the job resumes from the checkpoint the stop wrote and finishes with
/// the same final weights, bit for bit, as the same config trained without a stop (RUN-08, CKPT-02).
/// </summary>
public sealed class ServeResumeTests
{
    private static async Task<string> InterruptedThenResumed(TempDir temp, bool byEpoch, int stopAfterIter)
    {
        string jobs = temp.Combine("jobs");
        string id;
        await using (var serve = await ServeFixture.StartAsync(jobs))
        {
            // The stop comes from the training thread right after iteration stopAfterIter, so where it lands is fixed.
            serve.Progress.IterationDone += (_, iter) => { if (iter == stopAfterIter) serve.App.Lifetime.StopApplication(); };
            var (status, body) = await serve.SubmitAsync(new { config = ServeFixture.ToyConfig(byEpoch), format = "py" });
            Assert.Equal(201, status);
            id = body.GetProperty("id").GetString()!;
            await serve.WaitForAsync(id, JobState.Interrupted, JobState.Failed, JobState.Succeeded);
            await serve.StopAsync();
            var job = serve.Store.Get(id)!;
            Assert.Equal(JobState.Interrupted, job.State);
            Assert.Equal(Path.Combine(job.WorkDir, $"iter_{stopAfterIter}.pth"), job.ResumeFrom);
            Assert.Equal(job.ResumeFrom, File.ReadAllText(Path.Combine(job.WorkDir, "last_checkpoint")));
        }
        Assert.Contains("\"state\": \"interrupted\"", File.ReadAllText(Path.Combine(jobs, id, "job.json"))); // what the restart reads
        await using (var serve = await ServeFixture.StartAsync(jobs))
        {
            var job = await serve.WaitForAsync(id, JobState.Succeeded, JobState.Failed);
            Assert.True(job.State == JobState.Succeeded, job.Error);
            Assert.Contains($"resumed epoch: {(byEpoch ? 1 : 0)}, iter: {stopAfterIter}", File.ReadAllText(JobStore.LatestLog(job)!));
            return job.WorkDir;
        }
    }

    private static void TrainStraight(string workDir, bool byEpoch)
    {
        using var toy = new ToyRunner();
        var cfg = global::Kiln.Config.Config.FromString(ServeFixture.ToyConfig(byEpoch), ".py").Dict;
        cfg["work_dir"] = workDir;
        using var runner = toy.Create(cfg);
        runner.Train();
    }

    private static void AssertSameWeights(string expected, string actual)
    {
        var a = (PyDict)CheckpointFile.Load(expected)!;
        var b = (PyDict)CheckpointFile.Load(actual)!;
        try
        {
            Assert.Equal(((PyDict)a["meta"]!)["iter"], ((PyDict)b["meta"]!)["iter"]);
            var (wa, wb) = ((PyDict)a["state_dict"]!, (PyDict)b["state_dict"]!);
            Assert.Equal(wa.Keys, wb.Keys);
            foreach (var key in wa.Keys)
                Assert.True(((torch.Tensor)wa[key]!).eq((torch.Tensor)wb[key]!).all().item<bool>(), $"{key} differs between the interrupted-and-resumed job and the straight run");
        }
        finally
        {
            CheckpointValue.DisposeTensors(a);
            CheckpointValue.DisposeTensors(b);
        }
    }

    // Iteration-based training resumes mid-pass exactly (IterBasedTrainLoop skips the batches already consumed).
    [Fact]
    public async Task StopMidPass_IterBased_ResumesToTheSameWeights()
    {
        using var temp = new TempDir();
        string served = await InterruptedThenResumed(temp, byEpoch: false, stopAfterIter: 6);
        TrainStraight(temp.Combine("straight"), byEpoch: false);
        AssertSameWeights(temp.Combine("straight", "iter_12.pth"), Path.Combine(served, "iter_12.pth"));
    }

    // Epoch-based training stopped mid-epoch (iteration 6 = epoch 2, batch 2 of 4): the epoch loop skips the epoch's
    // consumed batches on resume (issue 9's exact mid-epoch resume), so the run ends at iteration 12 with the same weights.
    [Fact]
    public async Task StopMidEpoch_EpochBased_ResumesToTheSameWeights()
    {
        using var temp = new TempDir();
        string served = await InterruptedThenResumed(temp, byEpoch: true, stopAfterIter: 6);
        TrainStraight(temp.Combine("straight"), byEpoch: true);
        AssertSameWeights(temp.Combine("straight", "epoch_3.pth"), Path.Combine(served, "epoch_3.pth"));
    }
}
