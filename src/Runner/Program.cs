using LayerNet.Runner;

// A command that loads plugins runs in a supervised child: a plugin's stack overflow cannot be caught in-process.
if (Supervisor.IsNeeded(args))
{
    return Supervisor.Run(args);
}

Supervisor.FollowParent();
return LayerNetCommandLine.Run(args, new StandardOutput(Console.Out), Console.Error);
