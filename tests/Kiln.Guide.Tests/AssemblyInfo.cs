// The snippets print to Console and work in relative paths: the tests redirect Console.Out and change the current
// directory, both process-wide, so this assembly runs one test at a time.
[assembly: CollectionBehavior(DisableTestParallelization = true)]
