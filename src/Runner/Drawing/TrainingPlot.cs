using LayerNet.Errors;
using LayerNet.Files;
using ScottPlot;
using SkiaSharp;

namespace LayerNet.Runner.Drawing;

/// <summary>
/// Draws training curves with ScottPlot: train and test loss against iteration (log scale when the loss spans
/// orders of magnitude), other test outputs such as accuracy on a right axis, and the learning rate in a panel
/// below. One log: a color per curve; several logs: a color per log, the curve told by its line style.
/// </summary>
internal static class TrainingPlot
{
    /// <summary>Where a legend may go, in order of preference, with the part of the plot (as fractions of each axis) it covers.</summary>
    private static readonly (Alignment Corner, double X0, double X1, double Y0, double Y1)[] LegendPlaces =
    [
        (Alignment.UpperRight, 0.55, 1, 0.65, 1),
        (Alignment.MiddleRight, 0.55, 1, 0.3, 0.7),
        (Alignment.LowerRight, 0.55, 1, 0, 0.35),
        (Alignment.UpperCenter, 0.3, 0.7, 0.65, 1),
        (Alignment.UpperLeft, 0, 0.45, 0.65, 1),
        (Alignment.LowerLeft, 0, 0.45, 0, 0.35),
        (Alignment.MiddleCenter, 0.3, 0.7, 0.3, 0.7),
    ];

    private static readonly string[] SansSerifFonts = ["DejaVu Sans", "Liberation Sans", "Arial", "Helvetica", "Noto Sans", "FreeSans"];

    /// <summary>Draws <paramref name="logs"/> into <paramref name="path"/> (.png or .svg), <paramref name="width"/> by <paramref name="height"/> pixels; replaces the file in one step (a link is written through, a device or FIFO in place).</summary>
    /// <exception cref="LayerNetException">The file cannot be written.</exception>
    public static void Save(IReadOnlyList<TrainingCurves> logs, string path, int width, int height)
    {
        ArgumentNullException.ThrowIfNull(logs);
        ArgumentNullException.ThrowIfNull(path);
        var format = PlotFormat.Of(path) ?? throw new LayerNetException($"-o '{path}': expected a .png or .svg file");
        var bytes = format == "png" ? Png(logs, width, height) : Svg(logs, width, height);
        MessageFile.WriteAtomic(path, bytes);
    }

    /// <summary>The picture as PNG bytes.</summary>
    public static byte[] Png(IReadOnlyList<TrainingCurves> logs, int width, int height)
    {
        var multiplot = Build(logs);
        using var surface = SKSurface.Create(new SKImageInfo(width, height)) ?? throw new LayerNetException($"cannot draw a {width}x{height} picture");
        surface.Canvas.Clear(SKColors.White);
        multiplot.Render(surface.Canvas, new PixelRect(0, width, height, 0));
        using var image = surface.Snapshot();
        using var data = image.Encode(SKEncodedImageFormat.Png, 100);
        return data.ToArray();
    }

    /// <summary>The picture as SVG bytes.</summary>
    public static byte[] Svg(IReadOnlyList<TrainingCurves> logs, int width, int height)
    {
        var multiplot = Build(logs);
        using var stream = new MemoryStream();
        using (var managed = new SKManagedWStream(stream))
        using (var canvas = SKSvgCanvas.Create(new SKRect(0, 0, width, height), managed))
        {
            multiplot.Render(canvas, new PixelRect(0, width, height, 0));
        }

        return stream.ToArray();
    }

    private static Multiplot Build(IReadOnlyList<TrainingCurves> logs)
    {
        var palette = new ScottPlot.Palettes.Category10();
        var several = logs.Count > 1;
        var losses = new Plot();
        var rates = logs.Any(log => log.LearningRate.Count > 0) ? new Plot() : null;
        foreach (var plot in rates is null ? [losses] : new[] { losses, rates })
        {
            if (SansSerifFont() is { } font)
            {
                plot.Font.Set(font);
            }

            plot.Grid.MajorLineColor = Colors.Black.WithAlpha(0.1);
        }

        var allLosses = logs.SelectMany(log => log.TrainLoss.Values.Concat(log.TestOutputs.Where(o => IsLoss(o.Key)).SelectMany(o => o.Value.Values)))
            .Where(double.IsFinite).ToList();
        var logScale = allLosses.Count > 1 && allLosses.Min() > 0 && allLosses.Max() / allLosses.Min() > 50;
        Func<double, double> lossY = logScale ? Math.Log10 : static y => y;
        var rightAxisUsed = false;
        var rightNames = new SortedSet<string>(StringComparer.Ordinal);
        var curves = new List<(double[] Xs, double[] Ys, bool Right)>();
        var curveIndex = 0;
        for (var l = 0; l < logs.Count; l++)
        {
            var log = logs[l];
            var prefix = several ? $"{log.Source}: " : string.Empty;
            Color ColorOf() => palette.GetColor(several ? l : curveIndex++);
            if (log.TrainLoss.Count > 0)
            {
                curves.Add(Points(AddCurve(losses, log.TrainLoss, lossY, ColorOf(), $"{prefix}train loss", LinePattern.Solid, markers: false), right: false));
            }

            foreach (var (name, series) in log.TestOutputs)
            {
                if (IsLoss(name))
                {
                    curves.Add(Points(AddCurve(losses, series, lossY, ColorOf(), $"{prefix}test {name}", LinePattern.Dashed, markers: true), right: false));
                }
                else
                {
                    var scatter = AddCurve(losses, series, static y => y, ColorOf(), $"{prefix}test {name}", LinePattern.Dotted, markers: true);
                    scatter.Axes.YAxis = losses.Axes.Right;
                    rightAxisUsed = true;
                    curves.Add(Points(scatter, right: true));
                    rightNames.Add(name);
                }
            }

            if (rates is not null && log.LearningRate.Count > 0)
            {
                AddCurve(rates, log.LearningRate, static y => y, several ? palette.GetColor(l) : Colors.DimGray, $"{prefix}learning rate", LinePattern.Solid, markers: false);
            }
        }

        losses.Title(several ? "Training: " + string.Join(", ", logs.Select(log => log.Source)) : $"Training: {logs[0].Source}");
        losses.YLabel(logScale ? "loss (log scale)" : "loss");
        if (logScale)
        {
            losses.Axes.Left.TickGenerator = new ScottPlot.TickGenerators.NumericAutomatic
            {
                IntegerTicksOnly = true,
                MinorTickGenerator = new ScottPlot.TickGenerators.LogMinorTickGenerator(),
                LabelFormatter = static y => FormatPower(y),
            };
        }

        if (rightAxisUsed)
        {
            losses.Axes.Right.Label.Text = rightNames.Count == 1 ? $"test {rightNames.Min}" : "test outputs";
        }

        losses.ShowLegend(QuietestCorner(curves, rightAxisUsed ? losses : null));
        if (rates is null)
        {
            losses.XLabel("iteration");
            return new Multiplot(losses);
        }

        rates.XLabel("iteration");
        rates.YLabel("learning rate");
        rates.ShowLegend(Alignment.UpperRight);
        rates.Axes.Left.TickGenerator = new ScottPlot.TickGenerators.NumericAutomatic
        {
            LabelFormatter = static y => y == 0 || Math.Abs(y) is >= 1e-3 and < 1e5
                ? y.ToString("G4", System.Globalization.CultureInfo.InvariantCulture)
                : y.ToString("0.##e0", System.Globalization.CultureInfo.InvariantCulture),
        };
        var maxRate = logs.SelectMany(log => log.LearningRate.Values).Where(double.IsFinite).DefaultIfEmpty(1).Max();
        if (maxRate > 0)
        {
            // From zero, with room above: a constant rate is a flat line near the top, not an axis around it.
            rates.Axes.SetLimitsY(0, maxRate * 1.25);
        }

        var multiplot = new Multiplot(losses);
        multiplot.AddPlot(rates);
        multiplot.SharedAxes.ShareX([losses, rates]);
        multiplot.Layout = new PlotRows(0.72f);

        // Both panels span the same iterations and line up their plotting areas, so ticks align.
        var first = logs.SelectMany(AllIterations).DefaultIfEmpty(0).Min();
        var last = logs.SelectMany(AllIterations).DefaultIfEmpty(1).Max();
        if (last > first)
        {
            losses.Axes.SetLimitsX(first, last);
            rates.Axes.SetLimitsX(first, last);
        }

        // Both panels line up their plotting areas, so the iteration ticks align.
        losses.Layout.Fixed(new PixelPadding(80, rightAxisUsed ? 80 : 30, 45, 40));
        rates.Layout.Fixed(new PixelPadding(80, rightAxisUsed ? 80 : 30, 50, 10));
        return multiplot;
    }

    /// <summary>The corner of the plot where the fewest points lie, for the legend (the right axis's curves placed by their own scale).</summary>
    private static Alignment QuietestCorner(List<(double[] Xs, double[] Ys, bool Right)> curves, Plot? withRightAxis)
    {
        double Fraction(double value, double min, double max) => max > min ? (value - min) / (max - min) : 0.5;
        var xs = curves.SelectMany(c => c.Xs).DefaultIfEmpty(0).ToList();
        var (xMin, xMax) = (xs.Min(), xs.Max());
        var counts = LegendPlaces.ToDictionary(place => place.Corner, _ => 0.0);
        foreach (var side in new[] { false, true })
        {
            var ys = curves.Where(c => c.Right == side).SelectMany(c => c.Ys).ToList();
            if (ys.Count == 0 || (side && withRightAxis is null))
            {
                continue;
            }

            var (yMin, yMax) = (ys.Min(), ys.Max());
            foreach (var curve in curves.Where(c => c.Right == side))
            {
                // Each curve counts the same, however many points it has.
                var weight = 1.0 / Math.Max(1, curve.Xs.Length);
                for (var i = 0; i < curve.Xs.Length; i++)
                {
                    var (fx, fy) = (Fraction(curve.Xs[i], xMin, xMax), Fraction(curve.Ys[i], yMin, yMax));
                    foreach (var place in LegendPlaces)
                    {
                        if (fx >= place.X0 && fx <= place.X1 && fy >= place.Y0 && fy <= place.Y1)
                        {
                            counts[place.Corner] += weight;
                        }
                    }
                }
            }
        }

        // The first of the emptiest places, in order of preference.
        var least = counts.Values.Min();
        return LegendPlaces.First(place => counts[place.Corner] <= least + 1e-9).Corner;
    }

    /// <summary>A sans-serif font that is installed (ScottPlot's own choice can be a serif one on Linux), or null to keep the default.</summary>
    private static string? SansSerifFont()
    {
        foreach (var name in SansSerifFonts)
        {
            using var typeface = SKFontManager.Default.MatchFamily(name);
            if (typeface is not null && typeface.FamilyName == name)
            {
                return name;
            }
        }

        return null;
    }

    private static (double[] Xs, double[] Ys, bool Right) Points(ScottPlot.Plottables.Scatter scatter, bool right)
    {
        var points = scatter.Data.GetScatterPoints();
        return (points.Select(p => p.X).ToArray(), points.Select(p => p.Y).ToArray(), right);
    }

    private static IEnumerable<int> AllIterations(TrainingCurves log) =>
        log.TrainLoss.Keys.Concat(log.LearningRate.Keys).Concat(log.TestOutputs.Values.SelectMany(series => series.Keys));

    private static bool IsLoss(string name) => name.Contains("loss", StringComparison.OrdinalIgnoreCase);

    private static ScottPlot.Plottables.Scatter AddCurve(Plot plot, SortedList<int, double> series, Func<double, double> transform, Color color, string label, LinePattern pattern, bool markers)
    {
        var xs = new List<double>();
        var ys = new List<double>();
        foreach (var (iteration, value) in series)
        {
            var y = transform(value);
            if (double.IsFinite(y))
            {
                xs.Add(iteration);
                ys.Add(y);
            }
        }

        var scatter = plot.Add.Scatter(xs.ToArray(), ys.ToArray(), color);
        scatter.LegendText = label;
        scatter.LineWidth = 2;
        scatter.LinePattern = pattern;
        scatter.MarkerSize = markers ? 6 : 0;
        return scatter;
    }

    private static string FormatPower(double exponent)
    {
        var value = Math.Pow(10, exponent);
        return value is >= 1e-3 and < 1e5
            ? value.ToString("0.###", System.Globalization.CultureInfo.InvariantCulture)
            : value.ToString("0e0", System.Globalization.CultureInfo.InvariantCulture);
    }
}
