using System.CommandLine;
using System.Runtime.InteropServices;
using Caffe;
using LayerNet.Errors;
using LayerNet.Files;
using LayerNet.Solvers;
using Microsoft.Extensions.DependencyInjection;

namespace LayerNet.Runner.Commands;

/// <summary><c>layernet train</c>: Caffe's <c>caffe train</c>, with its log lines, snapshots, resume and signals.</summary>
internal static class TrainCommand
{
    public static Command Create(RunnerEnvironment environment)
    {
        var solverOption = new Option<string>("--solver") { Description = "The solver file (prototxt SolverParameter).", Required = true };
        var weights = new Option<string?>("--weights") { Description = "Start from these weights (.caffemodel; comma-separated list allowed), matched by layer name: fine-tuning." };
        var snapshot = new Option<string?>("--snapshot") { Description = "Resume from this .solverstate (iteration, history and weights)." };
        var iterations = new Option<int?>("--iterations") { Description = "Train to this iteration instead of the solver's max_iter." };
        var sigint = new Option<string>("--sigint_effect") { Description = "What Ctrl+C (SIGINT) and SIGTERM do: stop (default; after the current iteration, with the final snapshot), snapshot, none.", DefaultValueFactory = _ => "stop" };
        sigint.AcceptOnlyFromAmong("stop", "snapshot", "none");
        var sighup = new Option<string>("--sighup_effect") { Description = "What SIGHUP does: snapshot (default; then go on), stop, none.", DefaultValueFactory = _ => "snapshot" };
        sighup.AcceptOnlyFromAmong("stop", "snapshot", "none");
        var gpu = GpuSelection.CreateOption();
        var plot = new Option<string?>("--plot") { Description = "Keep a picture of the training curves (.png or .svg) up to date while training, as layernet plot draws them." };
        var command = new Command("train", """
            Train a net with a solver file, as `caffe train` does (same log lines, same snapshot files).

            Examples:
              layernet train --solver models/two_layer/solver.prototxt
              layernet train --solver lenet_solver.prototxt --snapshot lenet_iter_1000.solverstate
              layernet train --solver finetune_solver.prototxt --weights pretrained.caffemodel
              layernet train --solver solver.prototxt --iterations 100 > train.log
              layernet train --solver models/two_layer/solver.prototxt --plot two_layer_loss.png
              layernet train --solver lenet_solver.prototxt --gpu 0
            """)
        {
            solverOption, weights, snapshot, iterations, sigint, sighup, plot, gpu,
        };
        command.SetAction(result =>
        {
            // Under mpirun with several workers: Open MPI's workers; otherwise null, and no MPI library is loaded.
            using var workers = MpiWorkers.FromEnvironment();
            if (workers is null)
            {
                return Train(result);
            }

            // Beside MPI, a connection to worker 0 from each worker names a worker that is lost (see WorkerWatch).
            var run = new WatchedRun(environment.Error, result.GetValue(solverOption)!);
            var watch = WorkerWatch.Start(workers, lost => run.OnLost(workers.Rank, lost));
            try
            {
                var code = Train(result, workers, run);
                watch.Dispose();
                return code;
            }
            catch (Exception exception)
            {
                // One worker failing must end them all (the others would wait in the next sum): say why, then abort.
                watch.Fail();
                var message = exception is LayerNetException ? exception.Message : $"{exception.GetType().Name}: {exception.Message}";
                WatchedRun.WriteWhole(environment.Error, LayerNetCommandLine.OneLine(workers.Rank == 0 ? message : $"worker {workers.Rank}: {message}"));
                workers.Abort(1);
                throw;
            }
        });
        return command;

        int Train(System.CommandLine.ParseResult result, MpiWorkers? workers = null, WatchedRun? run = null)
        {
            var solverFile = result.GetValue(solverOption)!;
            var weightsFiles = result.GetValue(weights);
            var resume = result.GetValue(snapshot);
            if (!string.IsNullOrEmpty(weightsFiles) && !string.IsNullOrEmpty(resume))
            {
                throw new LayerNetException("give either --weights (fine-tune from weights) or --snapshot (resume a run), not both");
            }

            using var services = environment.BuildServices(result);
            var schema = RunnerEnvironment.Schema(services);
            var document = MessageFile.ReadSolverDocument(solverFile, schema, new TrainingLog(environment.Error));
            var parameter = document.Message;
            if (result.GetValue(iterations) is { } maxIter)
            {
                if (maxIter < 0)
                {
                    throw new LayerNetException($"--iterations must be at least 0, got {maxIter}");
                }

                parameter.MaxIter = maxIter;
            }

            // --gpu N, or the solver's solver_mode GPU and device_id (the CPU, with a notice, where no device is found).
            using var device = GpuSelection.Open(result.GetValue(gpu), parameter, environment.Error);

            if (result.GetValue(plot) is { Length: > 0 } plotFile)
            {
                RequirePlotNotInput(plotFile, solverFile, parameter, weightsFiles, resume);
            }

            // Worker 0 alone logs (and shows progress) for a run spread over several workers.
            var leader = workers is null || workers.Rank == 0;
            var progress = leader && ProgressDisplay.IsTerminal && environment.Output is StandardOutput ? new ProgressDisplay(environment.Output) : null;
            var log = leader ? new TrainingLog(progress ?? environment.Output) : TrainingLog.None;
            using var livePlot = Drawing.LiveTrainingPlot.Start(log, result.GetValue(plot), environment.Error);
            var requested = SolverAction.None;
            var sigintEffect = ParseEffect(result.GetValue(sigint));
            var sighupEffect = ParseEffect(result.GetValue(sighup));
            void OnSignal(PosixSignalContext context, SolverAction effect)
            {
                // Training stops or snapshots at the end of the current iteration; the process is not killed.
                context.Cancel = true;
                if (effect != SolverAction.None)
                {
                    requested = effect;
                }
            }

            // SIGINT and SIGTERM: the first asks for the effect at the end of the iteration; a second one before the
            // solver has read the request (a layer that does not return) exits at once, naming the layer.
            using var interrupts = InterruptScope.Start(environment.Error, () => requested = sigintEffect, ignore: sigintEffect == SolverAction.None);
            using var onHangUp = PosixSignalRegistration.Create(PosixSignal.SIGHUP, c => OnSignal(c, sighupEffect));

            if (device is not null)
            {
                log.Info("caffe", $"Using GPU {(string.IsNullOrWhiteSpace(result.GetValue(gpu)) ? parameter.DeviceId : result.GetValue(gpu)!.Trim())}: {device.Name} ({device.Backend})");
                log.Info("caffe", $"Matrix products on the device: {device.Products}");
            }

            log.Info("solver", "Initializing solver from parameters: \n" + schema.Write(parameter).TrimEnd());
            var solver = services.GetRequiredService<SolverFactory>().Create(parameter, new SolverOptions
            {
                SolverFile = solverFile,
                Log = log,
                Schema = schema,
                Workers = workers,
                Device = device,
                Source = document.Source,
                RequestedAction = () =>
                {
                    interrupts.Served();
                    var action = requested;
                    requested = SolverAction.None;
                    return action;
                },
            });
            if (progress is not null)
            {
                solver.IterationCompleted += progress.Update;
            }

            // Under mpirun a SIGTERM is the launcher ending the run (a worker was lost, or mpirun was interrupted),
            // and SIGKILL follows within a second or so: worker 0 says at once where the run can resume from, unless
            // the watch has named a lost worker already.
            run?.Started(solver);
            using var launcherStop = workers is not null && leader
                ? PosixSignalRegistration.Create(PosixSignal.SIGTERM, _ => run!.OnLauncherStop())
                : null;

            if (!string.IsNullOrEmpty(weightsFiles))
            {
                // A layer the weights leave as its fillers made it is named on standard error (renamed layers are
                // normal when fine-tuning; a truncated file is not).
                var warnings = new TrainingLog(environment.Error);
                foreach (var file in weightsFiles.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
                {
                    log.Info("caffe", $"Finetuning from {file}");
                    solver.CopyWeights(file).WarnMissing(warnings);
                }
            }

            log.Info("caffe", "Starting Optimization");
            solver.Solve(resume);
            livePlot?.Finish();
            progress?.Clear();
            log.Info("caffe", "Optimization Done.");
            return 0;
        }
    }

    /// <summary>
    /// What a worker of a run over MPI says when the run ends under it: worker 0 names a lost worker (worker 1 names
    /// worker 0), or, when the launcher ends the run for another reason, worker 0 says so; each time with the
    /// iteration and the solver state to resume from. One line from one worker.
    /// </summary>
    internal sealed class WatchedRun(TextWriter error, string solverFile)
    {
        // The launcher ends every worker within a second or two of a loss (Open MPI); one that does not (srun without
        // --kill-on-bad-exit) would leave the survivors waiting in a sum forever: they end themselves after this.
        private static readonly TimeSpan Grace = TimeSpan.FromSeconds(10);

        private readonly object _gate = new();
        private Solver? _solver;
        private bool _said;

        public void Started(Solver solver) => _solver = solver;

        /// <summary>The watch saw worker <paramref name="lost"/> lost (-1: worker 0 named a lost worker).</summary>
        public void OnLost(int rank, int lost)
        {
            if (lost >= 0 && (rank == 0 || (rank == 1 && lost == 0)))
            {
                Say($"worker {lost} was lost (its connection to worker {(lost == 0 ? 1 : 0)} closed: killed, out of memory, or its machine went down)");
            }
            else
            {
                lock (_gate)
                {
                    _said = true;
                }
            }

            Thread.Sleep(Grace);
            Environment.Exit(1);
        }

        /// <summary>Worker 0 got SIGTERM from the launcher.</summary>
        public void OnLauncherStop()
        {
            // A lost worker's connection closes a second or so before the launcher's SIGTERM; where both come at once,
            // the watch's line (which names the worker) goes first.
            for (var wait = 0; wait < 30 && !Volatile.Read(ref _said); wait++)
            {
                Thread.Sleep(10);
            }

            Say("the MPI launcher is ending the run (mpirun was stopped, or it lost a worker: mpirun names it)");
        }

        private void Say(string what)
        {
            lock (_gate)
            {
                if (_said)
                {
                    return;
                }

                _said = true;
                var solver = _solver;
                var where = solver is null ? "before training started" : $"at iteration {solver.Iteration}";
                var hint = solver?.LastSnapshot is { } state
                    ? $"resume from the last snapshot with: mpirun ... layernet train --solver {solverFile} --snapshot {state}"
                    : "no snapshot was written yet; the run must start again";
                WriteWhole(error, $"{what} {where}; {hint}");
            }
        }

        /// <summary>
        /// Writes <paramref name="line"/> to standard error in one write: Open MPI's own threads print to the same
        /// stream as a run ends (a shared-memory read from the lost worker), and the console writer would hand a long
        /// line over in pieces that their text could fall between.
        /// </summary>
        public static void WriteWhole(TextWriter error, string line)
        {
            if (!ReferenceEquals(error, Console.Error))
            {
                error.WriteLine(line);
                error.Flush();
                return;
            }

            error.Flush();
            using var stream = Console.OpenStandardError();
            stream.Write(System.Text.Encoding.UTF8.GetBytes(line + "\n"));
            stream.Flush();
        }
    }

    /// <summary>Refuses a --plot picture that would replace one of the run's own files: its solver, nets, weights, snapshot or log.</summary>
    private static void RequirePlotNotInput(string plotFile, string solverFile, SolverParameter parameter, string? weightsFiles, string? resume)
    {
        OutputFile.RequireNotInput(solverFile, plotFile, "--plot", "the solver file");
        foreach (var net in new[] { parameter.Net, parameter.TrainNet }.Concat(parameter.TestNet).Where(net => net.Length > 0))
        {
            OutputFile.RequireNotInput(net, plotFile, "--plot", "the net file");
        }

        foreach (var file in (weightsFiles ?? string.Empty).Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            OutputFile.RequireNotInput(file, plotFile, "--plot", "the weights file");
        }

        if (!string.IsNullOrEmpty(resume))
        {
            OutputFile.RequireNotInput(resume, plotFile, "--plot", "the snapshot");
        }

        // Standard output redirected to a file (the training log): /proc/self/fd/1 names it.
        if (OutputFile.StandardOutputFile() is { } log)
        {
            OutputFile.RequireNotInput(log, plotFile, "--plot", "the training log (standard output)");
        }
    }

    private static SolverAction ParseEffect(string? effect) => effect switch
    {
        "snapshot" => SolverAction.Snapshot,
        "none" => SolverAction.None,
        _ => SolverAction.Stop,
    };
}
