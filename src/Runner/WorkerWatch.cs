using System.Buffers.Binary;
using System.Net;
using System.Net.NetworkInformation;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Text;

namespace LayerNet.Runner;

/// <summary>
/// Which worker of an MPI run was lost. Open MPI 4 ends a run whose worker died and names it in its own notice, but
/// the survivors cannot learn which one it was (that needs ULFM): so every worker keeps one TCP connection to worker 0
/// beside MPI, and a connection that closes without a goodbye is a lost worker (the kernel closes a killed process's
/// sockets at once, and a machine's loss resets them). Worker 0 then names the lost worker; worker 1 names worker 0
/// when worker 0 is the one lost. Where a connection cannot be made (a firewall between machines), the run trains as
/// without the watch and mpirun's notice names the worker.
/// </summary>
/// <remarks>
/// Each connection has its own background thread blocked in a one-byte receive: nothing allocates while training.
/// Messages are single bytes: <see cref="Goodbye"/> (the sender ends normally), <see cref="Failed"/> (the sender failed
/// and says why itself), <see cref="Reported"/> (worker 0 has named a lost worker: stay quiet). Worker 0 hands its
/// port, its addresses and a random token to the others over MPI's broadcast, and accepts only connections that
/// present the token.
/// </remarks>
internal sealed class WorkerWatch : IDisposable
{
    private const byte Goodbye = (byte)'B';
    private const byte Failed = (byte)'F';
    private const byte Reported = (byte)'L';
    private const byte Accepted = (byte)'A';
    private const int TokenLength = 16;
    private const int AddressBlockLength = 4096;
    private static readonly TimeSpan ConnectTime = TimeSpan.FromSeconds(2);
    private static readonly TimeSpan AcceptTime = TimeSpan.FromSeconds(30);

    private readonly int _rank;
    private readonly Action<int> _onLost;
    private readonly Socket?[] _peers;
    private readonly object _gate = new();
    private Socket? _listener;
    private int _lost = -1;
    private int _connected;
    private bool _ending;

    private WorkerWatch(int rank, int size, Action<int> onLost)
    {
        _rank = rank;
        _onLost = onLost;
        _peers = new Socket?[size];
    }

    /// <summary>The rank of the worker found lost, or -1 while none was (or once worker 0 said it named one).</summary>
    public int Lost => Volatile.Read(ref _lost);

    /// <summary>True once a loss was seen (and <see cref="Lost"/> named), here or by worker 0.</summary>
    public bool LossSeen { get; private set; }

    /// <summary>How many of the other workers this watch reaches (worker 0: the workers connected; others: 1 once connected).</summary>
    public int Connected => Volatile.Read(ref _connected);

    /// <summary>
    /// Starts the watch: worker 0 listens and broadcasts how to reach it; the others connect in the background.
    /// <paramref name="onLost"/> runs once, on a background thread, when a loss is seen: with the lost worker's rank
    /// where this worker saw it (worker 0 sees every worker, the others worker 0), or -1 where worker 0 said it has
    /// named a lost worker.
    /// </summary>
    public static WorkerWatch Start(MpiWorkers workers, Action<int> onLost)
    {
        var watch = new WorkerWatch(workers.Rank, workers.Size, onLost);
        var block = new byte[AddressBlockLength];
        if (workers.Rank == 0)
        {
            watch.Listen(block);
        }

        workers.Broadcast(block);
        if (workers.Rank != 0)
        {
            var thread = new Thread(() => watch.Connect(block)) { IsBackground = true, Name = "worker watch" };
            thread.Start();
        }

        return watch;
    }

    /// <summary>Tells the others this worker failed and says why itself: none of them names it as lost.</summary>
    public void Fail() => Close(Failed);

    /// <summary>Tells the others this worker ends normally.</summary>
    public void Dispose() => Close(Goodbye);

    private void Close(byte message)
    {
        lock (_gate)
        {
            if (_ending)
            {
                return;
            }

            _ending = true;
        }

        _listener?.Dispose();
        foreach (var peer in _peers)
        {
            if (peer is null)
            {
                continue;
            }

            try
            {
                peer.Send([message]);
                peer.Shutdown(SocketShutdown.Send);
            }
            catch (SocketException)
            {
                // That worker is gone already.
            }
            catch (ObjectDisposedException)
            {
            }
        }
    }

    /// <summary>Worker 0: listens on every address, and writes port, token and addresses into <paramref name="block"/>.</summary>
    private void Listen(byte[] block)
    {
        Socket listener;
        try
        {
            listener = new Socket(AddressFamily.InterNetworkV6, SocketType.Stream, ProtocolType.Tcp) { DualMode = true };
            listener.Bind(new IPEndPoint(IPAddress.IPv6Any, 0));
        }
        catch (SocketException)
        {
            listener = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
            listener.Bind(new IPEndPoint(IPAddress.Any, 0));
        }

        listener.Listen(_peers.Length);
        _listener = listener;
        var token = RandomNumberGenerator.GetBytes(TokenLength);
        var port = ((IPEndPoint)listener.LocalEndPoint!).Port;
        var text = new StringBuilder().Append(port).Append(' ').Append(Convert.ToHexString(token));
        foreach (var address in LocalAddresses())
        {
            var entry = " " + address;
            if (Encoding.ASCII.GetByteCount(text.ToString()) + entry.Length + 2 > block.Length)
            {
                break;
            }

            text.Append(entry);
        }

        var bytes = Encoding.ASCII.GetBytes(text.ToString());
        BinaryPrimitives.WriteUInt16LittleEndian(block, (ushort)bytes.Length);
        bytes.CopyTo(block, 2);
        var thread = new Thread(() => Accept(listener, token)) { IsBackground = true, Name = "worker watch" };
        thread.Start();
    }

    /// <summary>This machine's addresses, loopback first (workers on this machine), then every interface's unicast addresses.</summary>
    private static IEnumerable<IPAddress> LocalAddresses()
    {
        yield return IPAddress.Loopback;
        NetworkInterface[] interfaces;
        try
        {
            interfaces = NetworkInterface.GetAllNetworkInterfaces();
        }
        catch (NetworkInformationException)
        {
            yield break;
        }

        foreach (var face in interfaces)
        {
            if (face.OperationalStatus != OperationalStatus.Up || face.NetworkInterfaceType == NetworkInterfaceType.Loopback)
            {
                continue;
            }

            foreach (var unicast in face.GetIPProperties().UnicastAddresses)
            {
                var address = unicast.Address;
                if (address.AddressFamily == AddressFamily.InterNetwork || (address.AddressFamily == AddressFamily.InterNetworkV6 && !address.IsIPv6LinkLocal))
                {
                    yield return address;
                }
            }
        }
    }

    /// <summary>Worker 0: accepts the others' connections (those that present the token) for a while, then watches each.</summary>
    private void Accept(Socket listener, byte[] token)
    {
        var deadline = DateTime.UtcNow + AcceptTime;
        var expected = _peers.Length - 1;
        var hello = new byte[4 + TokenLength];
        while (Connected < expected && DateTime.UtcNow < deadline)
        {
            Socket peer;
            try
            {
                if (!listener.Poll(TimeSpan.FromMilliseconds(200), SelectMode.SelectRead))
                {
                    continue;
                }

                peer = listener.Accept();
            }
            catch (Exception exception) when (exception is SocketException or ObjectDisposedException)
            {
                return;
            }

            try
            {
                peer.ReceiveTimeout = (int)ConnectTime.TotalMilliseconds;
                if (!ReceiveAll(peer, hello) || !hello.AsSpan(4).SequenceEqual(token))
                {
                    peer.Dispose();
                    continue;
                }

                var rank = BinaryPrimitives.ReadInt32LittleEndian(hello);
                lock (_gate)
                {
                    if (rank <= 0 || rank >= _peers.Length || _peers[rank] is not null || _ending)
                    {
                        peer.Dispose();
                        continue;
                    }

                    peer.Send([Accepted]);
                    peer.ReceiveTimeout = 0;
                    _peers[rank] = peer;
                    _connected++;
                }

                var watched = rank;
                new Thread(() => Watch(peer, watched)) { IsBackground = true, Name = "worker watch" }.Start();
            }
            catch (SocketException)
            {
                peer.Dispose();
            }
        }

        listener.Dispose();
    }

    /// <summary>A worker other than 0: reaches worker 0 at one of its addresses, then watches that connection.</summary>
    private void Connect(byte[] block)
    {
        var length = BinaryPrimitives.ReadUInt16LittleEndian(block);
        var parts = Encoding.ASCII.GetString(block, 2, length).Split(' ');
        if (parts.Length < 3 || !int.TryParse(parts[0], out var port))
        {
            return;
        }

        var hello = new byte[4 + TokenLength];
        BinaryPrimitives.WriteInt32LittleEndian(hello, _rank);
        Convert.FromHexString(parts[1]).CopyTo(hello, 4);
        foreach (var text in parts.Skip(2))
        {
            if (!IPAddress.TryParse(text, out var address))
            {
                continue;
            }

            var socket = new Socket(address.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
            try
            {
                using (var timeout = new CancellationTokenSource(ConnectTime))
                {
                    socket.ConnectAsync(new IPEndPoint(address, port), timeout.Token).AsTask().GetAwaiter().GetResult();
                }

                socket.Send(hello);
                socket.ReceiveTimeout = (int)ConnectTime.TotalMilliseconds;
                var answer = new byte[1];
                if (socket.Receive(answer) == 1 && answer[0] == Accepted)
                {
                    socket.ReceiveTimeout = 0;
                    lock (_gate)
                    {
                        if (_ending)
                        {
                            socket.Dispose();
                            return;
                        }

                        _peers[0] = socket;
                        _connected = 1;
                    }

                    Watch(socket, 0);
                    return;
                }
            }
            catch (Exception exception) when (exception is SocketException or OperationCanceledException)
            {
                // Not reachable at that address (another machine's loopback, a firewall): try the next.
            }

            socket.Dispose();
        }
    }

    /// <summary>Blocks on the connection to <paramref name="rank"/> until it says goodbye, fails, or closes without a word (lost).</summary>
    private void Watch(Socket peer, int rank)
    {
        var message = new byte[1];
        int received;
        try
        {
            received = peer.Receive(message);
        }
        catch (Exception exception) when (exception is SocketException or ObjectDisposedException)
        {
            received = 0;
        }

        if (received == 1 && message[0] == Reported)
        {
            lock (_gate)
            {
                if (LossSeen)
                {
                    return;
                }

                LossSeen = true;
            }

            _onLost(-1);
            return;
        }

        if (received == 1 || Volatile.Read(ref _ending))
        {
            // A goodbye or a failure the worker reports itself; or this worker is ending and closed the connection.
            return;
        }

        lock (_gate)
        {
            if (LossSeen || _ending)
            {
                return;
            }

            LossSeen = true;
            _lost = rank;
        }

        if (_rank == 0)
        {
            // The others stay quiet: worker 0 has named the lost one.
            foreach (var other in _peers)
            {
                if (other is not null && other != peer)
                {
                    try
                    {
                        other.Send([Reported]);
                    }
                    catch (SocketException)
                    {
                    }
                }
            }
        }

        _onLost(rank);
    }

    private static bool ReceiveAll(Socket socket, byte[] buffer)
    {
        var read = 0;
        while (read < buffer.Length)
        {
            var count = socket.Receive(buffer, read, buffer.Length - read, SocketFlags.None);
            if (count == 0)
            {
                return false;
            }

            read += count;
        }

        return true;
    }
}
