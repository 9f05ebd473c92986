using System.Net.Sockets;

namespace Conformance.ReferenceNode.Runtime;

/// <summary>
/// <c>srv6-refnode cli --control PATH</c>, the SSH login shell: relays this terminal (stdin, stdout) to a CLI session
/// in the daemon over its Unix socket, so that one process holds the running and candidate configurations and the
/// commit-confirmed timer. Ends when the daemon closes the session (<c>exit</c>) or stdin ends.
/// <para>As the login shell of an SSH exec request (<c>ssh router show version</c>), sshd hands the command over in
/// <c>SSH_ORIGINAL_COMMAND</c>: then that one command runs, its output alone is printed (no banner, no prompt) and the
/// shell exits, 1 when the node rejected the line (<c>% …</c>), as routers answer an exec channel.</para>
/// </summary>
public static class CliRelay
{
    public const string OriginalCommandVariable = "SSH_ORIGINAL_COMMAND";

    public static int Run(string control)
    {
        if (Environment.GetEnvironmentVariable(OriginalCommandVariable) is { } command && !string.IsNullOrWhiteSpace(command))
        {
            using var stdout = Console.OpenStandardOutput();
            using var w = new StreamWriter(stdout, new System.Text.UTF8Encoding(false)) { AutoFlush = true };
            return RunCommand(control, command, w, Console.Error);
        }
        return RunInteractive(control);
    }

    /// <summary>Runs one command line in a session of the daemon at <paramref name="control"/> and writes its output.</summary>
    public static int RunCommand(string control, string command, TextWriter output, TextWriter error)
    {
        using var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        try { socket.Connect(new UnixDomainSocketEndPoint(control)); }
        catch (SocketException e)
        {
            error.WriteLine($"% The reference node is not running (control socket {control}: {e.Message}).");
            return 1;
        }
        using var net = new NetworkStream(socket, ownsSocket: false);
        var line = System.Text.Encoding.UTF8.GetBytes(command.ReplaceLineEndings(" ").Trim() + "\n");
        net.Write(line);
        // End of input: the daemon answers the line, prints its prompt and closes the session.
        socket.Shutdown(SocketShutdown.Send);
        using var reader = new StreamReader(net, System.Text.Encoding.UTF8);
        var text = CommandOutput(reader.ReadToEnd());
        output.Write(text);
        return text.StartsWith("% ", StringComparison.Ordinal) || text.Contains("\n% ", StringComparison.Ordinal) ? 1 : 0;
    }

    /// <summary>
    /// The output of the one line in a session transcript: <c>banner\n</c> + prompt + output + prompt, where the banner
    /// ends in <c>(hostname)</c>, the first prompt is <c>hostname#</c> and every output line ends with a newline (so the
    /// closing prompt, whatever mode the line left, is the text after the last newline).
    /// </summary>
    public static string CommandOutput(string transcript)
    {
        int nl = transcript.IndexOf('\n');
        if (nl < 0) return "";
        var banner = transcript[..nl];
        var rest = transcript[(nl + 1)..];
        int open = banner.LastIndexOf('('), close = banner.LastIndexOf(')');
        if (open >= 0 && close > open)
        {
            var prompt = banner[(open + 1)..close] + "#";
            if (rest.StartsWith(prompt, StringComparison.Ordinal)) rest = rest[prompt.Length..];
        }
        int last = rest.LastIndexOf('\n');
        return last < 0 ? "" : rest[..(last + 1)];
    }

    private static int RunInteractive(string control)
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
