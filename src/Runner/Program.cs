using LayerNet.Runner;

return LayerNetCommandLine.Run(args, Console.Out, Console.Error);
