using LayerNet.Runner;

return LayerNetCommandLine.Run(args, new StandardOutput(Console.Out), Console.Error);
