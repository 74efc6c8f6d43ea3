// libtorch's default random generator is process-wide and the tutorials seed it: one test at a time.
[assembly: CollectionBehavior(DisableTestParallelization = true)]
