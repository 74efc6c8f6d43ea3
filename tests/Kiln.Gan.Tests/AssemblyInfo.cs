// libtorch's default random generator is process-wide: tests that seed it and then draw from it would see each
// other's draws if they ran in parallel, so the tests in this assembly run one at a time.
[assembly: CollectionBehavior(DisableTestParallelization = true)]
