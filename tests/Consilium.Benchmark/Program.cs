using Consilium.Benchmark;

// A program that prints measured figures (Markdown on standard output, progress on standard error); see BenchmarkOptions.Usage.
return await BenchmarkRun.RunAsync(args);
