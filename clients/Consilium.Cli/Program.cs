using Consilium.Cli;

return await CliApp.RunAsync(args);
