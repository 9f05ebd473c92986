using System.Net.Sockets;

namespace Conformance.ReferenceNode.Runtime;

/// <summary>
/// <c>srv6-refnode cli --control PATH</c>, the SSH login shell: relays this terminal (stdin, stdout) to a CLI session
/// in the daemon over its Unix socket, so that one process holds the running and candidate configurations and the
/// commit-confirmed timer. Ends when the daemon closes the session (<c>exit</c>) or stdin ends.
/// </summary>
public static class CliRelay
{
    public static int Run(string control)
    {
        using var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        try { socket.Connect(new UnixDomainSocketEndPoint(control)); }
        catch (SocketException e)
        {
            Console.Error.WriteLine($"% The reference node is not running (control socket {control}: {e.Message}).");
            return 1;
        }
        using var net = new NetworkStream(socket, ownsSocket: false);
        using var stdout = Console.OpenStandardOutput();
        using var stdin = Console.OpenStandardInput();
        var toTerminal = Task.Run(() =>
        {
            var buf = new byte[8192];
            try
            {
                int n;
                while ((n = net.Read(buf, 0, buf.Length)) > 0) { stdout.Write(buf, 0, n); stdout.Flush(); }
            }
            catch (IOException) { }
        });
        var toNode = new Thread(() =>
        {
            var buf = new byte[4096];
            try
            {
                int n;
                while ((n = stdin.Read(buf, 0, buf.Length)) > 0) net.Write(buf, 0, n);
                socket.Shutdown(SocketShutdown.Send);
            }
            catch (Exception e) when (e is IOException or SocketException or ObjectDisposedException) { }
        }) { IsBackground = true };
        toNode.Start();
        toTerminal.Wait();
        return 0;
    }
}
