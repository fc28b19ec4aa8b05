namespace LayerNet.Runner.Dashboard;

/// <summary>Where a dataset job stands, as the page's progress bar polls it.</summary>
/// <param name="Id">The job's id.</param>
/// <param name="State">converting, computing mean, done, failed or stopped.</param>
/// <param name="Done">Images written.</param>
/// <param name="Total">Images in the list (0 until it is read).</param>
/// <param name="Percent">0 to 100 over the conversion and the mean (the mean counts as the last step).</param>
/// <param name="Database">The LMDB folder, relative to the root.</param>
/// <param name="Mean">The mean file, relative to the root, once written.</param>
/// <param name="ChannelMeans">The mean of each channel, once computed (for mean_value).</param>
/// <param name="Error">Why the job failed, or null.</param>
/// <param name="Log">convert-imageset's and compute-image-mean's log lines.</param>
internal sealed record DatasetJobStatus(
    string Id, string State, int Done, int Total, int Percent, string Database, string? Mean, IReadOnlyList<double>? ChannelMeans, string? Error, string Log);
