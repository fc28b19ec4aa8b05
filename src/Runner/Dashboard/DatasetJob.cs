using LayerNet.Errors;
using LayerNet.Runner.Commands;

namespace LayerNet.Runner.Dashboard;

/// <summary>
/// One dataset made on the Datasets page, in the background: convert-imageset's conversion, then
/// compute-image-mean's mean beside the database, both the commands' own code; the page polls <see cref="Status"/>.
/// </summary>
internal sealed class DatasetJob
{
    private readonly Lock _lock = new();
    private readonly System.Text.StringBuilder _log = new();
    private readonly DashboardRoot _root;
    private readonly ConvertImagesetOptions _options;
    private readonly string _meanFile;
    private string _state = "converting";
    private int _done;
    private int _total;
    private string? _error;
    private double[]? _channelMeans;
    private volatile bool _stop;

    /// <summary>A job that converts as <paramref name="options"/> says (absolute paths) and writes the mean to <paramref name="meanFile"/>.</summary>
    public DatasetJob(DashboardRoot root, ConvertImagesetOptions options, string meanFile)
    {
        (_root, _options, _meanFile) = (root, options, meanFile);
        Id = Guid.NewGuid().ToString("N")[..12];
    }

    /// <summary>The job's id.</summary>
    public string Id { get; }

    /// <summary>The job's task (done when the job is over, whatever its end).</summary>
    public Task? Task { get; private set; }

    /// <summary>Starts the job on the thread pool.</summary>
    public void Start() => Task = System.Threading.Tasks.Task.Run(Run);

    /// <summary>Asks the conversion to stop before its next image (it then removes what it wrote).</summary>
    public void Stop() => _stop = true;

    /// <summary>Where the job stands.</summary>
    public DatasetJobStatus Status()
    {
        lock (_lock)
        {
            var steps = _total + 1;
            var finished = _state == "done" ? steps : _done;
            return new DatasetJobStatus(
                Id, _state, _done, _total, _total == 0 ? (_state == "done" ? 100 : 0) : (int)(100L * finished / steps),
                _root.Relative(_options.Database), _state == "done" ? _root.Relative(_meanFile) : null, _channelMeans, _error, _log.ToString());
        }
    }

    private void Run()
    {
        try
        {
            using var log = new JobLog(this);
            ConvertImagesetCommand.Convert(_options, log, new ImagesetProgress(Progress, () => { }, () => _stop));
            Set("computing mean");
            var mean = ComputeImageMeanCommand.Compute(_options.Database, _meanFile, log);
            var means = ComputeImageMeanCommand.ChannelMeans(mean).Select(value => (double)value).ToArray();
            lock (_lock)
            {
                _channelMeans = means;
                _state = "done";
            }
        }
        catch (OperationCanceledException stopped)
        {
            Fail("stopped", stopped.Message);
        }
        catch (LayerNetException exception)
        {
            Fail("failed", LayerNetCommandLine.OneLine(exception.Message));
        }
        catch (Exception exception) when (exception is IOException or UnauthorizedAccessException)
        {
            Fail("failed", exception.Message);
        }
    }

    private void Progress(int done, int total)
    {
        lock (_lock)
        {
            (_done, _total) = (done, total);
        }
    }

    private void Set(string state)
    {
        lock (_lock)
        {
            _state = state;
        }
    }

    private void Fail(string state, string message)
    {
        lock (_lock)
        {
            (_state, _error) = (state, message);
        }
    }

    // The log lines the commands write, kept under the job's lock so that the page can read them while they come.
    private sealed class JobLog(DatasetJob job) : TextWriter
    {
        public override System.Text.Encoding Encoding => System.Text.Encoding.UTF8;

        public override void Write(char value)
        {
            lock (job._lock)
            {
                job._log.Append(value);
            }
        }

        public override void Write(string? value)
        {
            lock (job._lock)
            {
                job._log.Append(value);
            }
        }

        public override void WriteLine(string? value)
        {
            lock (job._lock)
            {
                job._log.Append(value).Append('\n');
            }
        }
    }
}
