using System.Net;
using LayerNet.Runner.Dashboard;

namespace LayerNet.Dashboard.Tests.Runs;

/// <summary>The New run area in memory: loading, checking and saving prototxt files, starting jobs, and what it refuses.</summary>
public sealed class NewRunEndpointTests
{
    private static void Fill(string root)
    {
        RunsFixture.CopyTwoLayer(root);
        File.WriteAllText(Path.Combine(root, "two_layer", "escape_solver.prototxt"), "net: \"../../outside/net.prototxt\"\nmax_iter: 10\n");
        File.WriteAllText(Path.Combine(root, "two_layer", "source_net.prototxt"),
            "name: 'n'\nlayer { name: 'd' type: 'HDF5Data' top: 'x' hdf5_data_param { source: '/etc/passwd' batch_size: 1 } }\n");
        File.WriteAllText(Path.Combine(root, "two_layer", "netless_solver.prototxt"), "max_iter: 10\n");
        File.WriteAllText(Path.Combine(root, "notes.txt"), "x");
    }

    [Test]
    public async Task A_solver_loads_with_its_net()
    {
        await using var host = await DashboardHost.StartAsync(Fill);
        var file = await RunsFixture.GetAsync<NewRunFile>(host.Client, "/api/new/file?path=two_layer/solver.prototxt");
        Assert.That(file.Kind, Is.EqualTo("solver"));
        Assert.That(file.Text, Does.Contain("max_iter: 2000"));
        Assert.That(file.Net, Is.EqualTo("two_layer/net.prototxt"));
        var net = await RunsFixture.GetAsync<NewRunFile>(host.Client, "/api/new/file?path=two_layer/net.prototxt");
        Assert.That(net.Kind, Is.EqualTo("net"));
        Assert.That(net.Net, Is.Null);
    }

    [TestCase("../../etc/passwd", HttpStatusCode.Forbidden)]
    [TestCase("notes.txt", HttpStatusCode.BadRequest)]
    [TestCase("two_layer/data.h5", HttpStatusCode.BadRequest)]
    [TestCase("two_layer/missing.prototxt", HttpStatusCode.BadRequest)]
    public async Task Only_prototxt_files_under_the_root_load(string path, HttpStatusCode status)
    {
        await using var host = await DashboardHost.StartAsync(Fill);
        using var response = await host.Client.GetAsync(new Uri($"/api/new/file?path={Uri.EscapeDataString(path)}", UriKind.Relative));
        Assert.That(response.StatusCode, Is.EqualTo(status));
    }

    [Test]
    public async Task A_text_the_reader_refuses_is_answered_with_its_line_and_column_and_not_saved()
    {
        await using var host = await DashboardHost.StartAsync(Fill);
        var text = "name: 'n'\nlayer {\n  name: 'a'\n  tpye: 'ReLU'\n}\n";
        using var checkedText = await RunsFixture.SendAsync(host.Client, HttpMethod.Post, "/api/new/check", new { path = "two_layer/new_net.prototxt", kind = "net", text });
        var check = await RunsFixture.ReadAsync<NewRunCheck>(checkedText);
        Assert.That(check.Ok, Is.False);
        Assert.That(check.Line, Is.EqualTo(4));
        Assert.That(check.Column, Is.EqualTo(3));
        Assert.That(check.Message, Does.StartWith("two_layer/new_net.prototxt(4,3)").And.Contain("tpye"));

        using var saved = await RunsFixture.SendAsync(host.Client, HttpMethod.Put, "/api/new/file", new { path = "two_layer/new_net.prototxt", kind = "net", text });
        Assert.That(saved.StatusCode, Is.EqualTo(HttpStatusCode.BadRequest));
        Assert.That((await RunsFixture.ReadAsync<NewRunCheck>(saved)).Line, Is.EqualTo(4));
        Assert.That(File.Exists(Path.Combine(host.Root, "two_layer", "new_net.prototxt")), Is.False);
    }

    [Test]
    public async Task A_valid_text_is_saved_under_the_root()
    {
        await using var host = await DashboardHost.StartAsync(Fill);
        var text = File.ReadAllText(Path.Combine(host.Root, "two_layer", "solver.prototxt")).Replace("max_iter: 2000", "max_iter: 50", StringComparison.Ordinal);
        using var saved = await RunsFixture.SendAsync(host.Client, HttpMethod.Put, "/api/new/file", new { path = "two_layer/short_solver.prototxt", text });
        Assert.That(saved.StatusCode, Is.EqualTo(HttpStatusCode.OK), await saved.Content.ReadAsStringAsync());
        var check = await RunsFixture.ReadAsync<NewRunCheck>(saved);
        Assert.That(check.Ok, Is.True);
        Assert.That(check.Kind, Is.EqualTo("solver"), "a file name with 'solver' in it is a solver");
        Assert.That(File.ReadAllText(Path.Combine(host.Root, "two_layer", "short_solver.prototxt")), Is.EqualTo(text));
    }

    [TestCase("../outside.prototxt", "name: 'n'", HttpStatusCode.Forbidden)]
    [TestCase("two_layer/net.txt", "name: 'n'", HttpStatusCode.BadRequest)]
    [TestCase("no_such_folder/net.prototxt", "name: 'n'", HttpStatusCode.BadRequest)]
    [TestCase("two_layer/copy_solver.prototxt", "net: '/etc/net.prototxt'", HttpStatusCode.BadRequest)]
    [TestCase("two_layer/copy_solver.prototxt", "net: 'net.prototxt'\nsnapshot_prefix: '../../../tmp/x'", HttpStatusCode.BadRequest)]
    [TestCase("two_layer/copy_net.prototxt", "layer { name: 'd' type: 'Data' top: 'x' data_param { source: '../../lmdb' } }", HttpStatusCode.BadRequest)]
    public async Task A_save_out_of_the_root_or_naming_files_out_of_it_is_refused(string path, string text, HttpStatusCode status)
    {
        await using var host = await DashboardHost.StartAsync(Fill);
        using var response = await RunsFixture.SendAsync(host.Client, HttpMethod.Put, "/api/new/file", new { path, text });
        Assert.That(response.StatusCode, Is.EqualTo(status), await response.Content.ReadAsStringAsync());
        Assert.That(File.Exists(Path.Combine(host.Root, path)), Is.False);
    }

    [TestCase("../../etc/passwd", HttpStatusCode.Forbidden, "not a path under")]
    [TestCase("two_layer/net.txt", HttpStatusCode.BadRequest, ".prototxt")]
    [TestCase("two_layer/escape_solver.prototxt", HttpStatusCode.BadRequest, "outside the dashboard's root")]
    [TestCase("two_layer/net.prototxt", HttpStatusCode.BadRequest, "two_layer/net.prototxt(4,1): unknown field 'name' in caffe.SolverParameter")]
    [TestCase("two_layer/netless_solver.prototxt", HttpStatusCode.BadRequest, "names no net")]
    public async Task A_start_from_a_bad_solver_is_refused(string solver, HttpStatusCode status, string message)
    {
        await using var host = await DashboardHost.StartAsync(Fill);
        using var response = await RunsFixture.SendAsync(host.Client, HttpMethod.Post, "/api/new/jobs", new { solver });
        Assert.That(response.StatusCode, Is.EqualTo(status));
        Assert.That(await response.Content.ReadAsStringAsync(), Does.Contain(message));
        Assert.That(await RunsFixture.GetAsync<List<JobsInfo>>(host.Client, "/api/new/jobs"), Is.Empty);
    }

    [Test]
    public async Task A_solver_whose_net_reads_data_from_outside_the_root_is_not_started()
    {
        await using var host = await DashboardHost.StartAsync(root =>
        {
            Fill(root);
            File.WriteAllText(Path.Combine(root, "two_layer", "source_solver.prototxt"), "net: 'source_net.prototxt'\nmax_iter: 1\n");
        });
        using var response = await RunsFixture.SendAsync(host.Client, HttpMethod.Post, "/api/new/jobs", new { solver = "two_layer/source_solver.prototxt" });
        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.BadRequest));
        Assert.That(await response.Content.ReadAsStringAsync(), Does.Contain("source '/etc/passwd' is outside"));
    }

    [Test]
    public async Task Writes_need_the_request_header_the_right_method_and_a_known_job()
    {
        await using var host = await DashboardHost.StartAsync(Fill);
        using var bare = await host.Client.PostAsync(new Uri("/api/new/jobs", UriKind.Relative), null);
        Assert.That(bare.StatusCode, Is.EqualTo(HttpStatusCode.Forbidden));
        using var get = await host.Client.GetAsync(new Uri("/api/new/jobs/1/stop", UriKind.Relative));
        Assert.That(get.StatusCode, Is.EqualTo(HttpStatusCode.MethodNotAllowed));
        using var unknown = await RunsFixture.SendAsync(host.Client, HttpMethod.Post, "/api/new/jobs/7/stop");
        Assert.That(unknown.StatusCode, Is.EqualTo(HttpStatusCode.BadRequest));
        Assert.That(await unknown.Content.ReadAsStringAsync(), Is.EqualTo("no job 7"));
        using var badName = await RunsFixture.SendAsync(host.Client, HttpMethod.Post, "/api/new/jobs", new { solver = "two_layer/solver.prototxt", name = "../x" });
        Assert.That(badName.StatusCode, Is.EqualTo(HttpStatusCode.BadRequest));
        using var badBound = await RunsFixture.SendAsync(host.Client, HttpMethod.Post, "/api/new/jobs", new { solver = "two_layer/solver.prototxt", iterations = -1 });
        Assert.That(badBound.StatusCode, Is.EqualTo(HttpStatusCode.BadRequest));
    }

    [Test]
    public async Task The_new_run_page_is_served_with_its_script()
    {
        await using var host = await DashboardHost.StartAsync(Fill);
        var page = await host.Client.GetStringAsync(new Uri("/new", UriKind.Relative));
        Assert.That(page, Does.Contain("<script src=\"/static/new.js\"></script>").And.Contain("id=\"solver-text\"").And.Contain("class=\"active\">New run"));
    }
}
