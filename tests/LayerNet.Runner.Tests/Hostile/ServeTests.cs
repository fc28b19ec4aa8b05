using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using LayerNet.Runner.Tests.Commands;

namespace LayerNet.Runner.Tests.Hostile;

/// <summary>
/// <c>layernet serve</c> given what it cannot serve: each is one line naming the option and what is wrong, exit 1,
/// before anything listens (or, for a port taken, instead of listening).
/// </summary>
[TestFixture]
public sealed class ServeTests
{
    private string _folder = null!;

    [SetUp]
    public void CreateFolder() => _folder = Directory.CreateTempSubdirectory("layernet-serve-").FullName;

    [TearDown]
    public void DeleteFolder() => Directory.Delete(_folder, recursive: true);

    [TestCase("", "--root '': expected a folder")]
    [TestCase("missing", "no such folder")]
    [TestCase("file.txt", "no such folder")]
    [TestCase("fifo", "no such folder")]
    public void A_root_that_is_no_folder_is_one_line(string root, string expected)
    {
        File.WriteAllText(Path.Combine(_folder, "file.txt"), "x");
        using (var mkfifo = Process.Start("mkfifo", [Path.Combine(_folder, "fifo")]))
        {
            mkfifo.WaitForExit();
        }

        CommandRun.Run("serve", "--root", root.Length == 0 ? "" : Path.Combine(_folder, root)).AssertOneLineError(expected);
    }

    [TestCase("--port", "70000", "--port 70000: expected 0 to 65535")]
    [TestCase("--port", "-1", "--port -1: expected 0 to 65535")]
    [TestCase("--host", "0.0.0.0", "serve --host 0.0.0.0: listening beyond localhost needs --token")]
    public void An_address_it_must_not_take_is_one_line(string option, string value, string expected) =>
        CommandRun.Run("serve", "--root", _folder, option, value).AssertOneLineError(expected);

    [Test]
    public void A_host_name_is_refused_rather_than_listening_on_every_interface() =>
        CommandRun.Run("serve", "--root", _folder, "--host", "nonsense.invalid", "--token", "t")
            .AssertOneLineError("serve --host 'nonsense.invalid': expected an IP address (such as 127.0.0.1, 0.0.0.0 or ::) or localhost");

    [Test]
    public void A_port_in_use_is_one_line_and_the_other_listener_keeps_it()
    {
        using var taken = new TcpListener(IPAddress.Loopback, 0);
        taken.Start();
        var port = ((IPEndPoint)taken.LocalEndpoint).Port;

        CommandRun.Run("serve", "--root", _folder, "--host", "127.0.0.1", "--port", port.ToString(System.Globalization.CultureInfo.InvariantCulture))
            .AssertOneLineError($"serve: cannot listen on 127.0.0.1 port {port}: Address already in use");
        Assert.That(taken.Server.IsBound, Is.True);
    }
}
