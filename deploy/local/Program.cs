return await Consilium.Local.Launcher.RunAsync(args);
