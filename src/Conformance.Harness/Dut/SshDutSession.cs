using System.Diagnostics;
using System.Net.Sockets;
using Renci.SshNet;
using Renci.SshNet.Common;

namespace Conformance.Harness.Dut;

/// <summary>Why a DUT connection failed.</summary>
public enum DutConnectionFailure
{
    Unreachable,
    Authentication,
    HostKeyMismatch,
    ConnectionLost,
    CommandTimeout,
}

/// <summary>A DUT connection problem; a <see cref="TestbedException"/> (verdict broken, not failed).</summary>
public sealed class DutConnectionException(DutConnectionFailure failure, string message, Exception? inner = null)
    : TestbedException(message, inner)
{
    public DutConnectionFailure Failure { get; } = failure;
}

/// <summary>
/// An SSH session to a DUT (SSH.NET): pinned host key (SHA256 fingerprint), key or password auth,
/// connect timeout, keepalive, per-command timeout, a <see cref="Transcript"/> of every command, and one
/// reconnect attempt on connection loss before giving up with a <see cref="DutConnectionException"/>.
/// </summary>
public sealed class SshDutSession : IDisposable, IAsyncDisposable
{
    private readonly SshDutOptions _options;
    private readonly string _expectedFingerprint;
    private readonly SemaphoreSlim _gate = new(1, 1);
    private SshClient? _client;
    private string? _receivedFingerprint;
    private bool _disposed;

    private SshDutSession(SshDutOptions options, Transcript transcript)
    {
        _options = options;
        _expectedFingerprint = SshFingerprint.Normalize(options.HostKeySha256);
        Transcript = transcript;
    }

    public Transcript Transcript { get; }
    public SshDutOptions Options => _options;
    /// <summary>How many times the session tried to reconnect after a connection loss.</summary>
    public int ReconnectAttempts { get; private set; }
    public bool IsConnected => _client?.IsConnected == true;

    /// <summary>Connects and authenticates; throws <see cref="DutConnectionException"/> with a clear message on failure.</summary>
    public static async Task<SshDutSession> ConnectAsync(SshDutOptions options, Transcript? transcript = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(options);
        if ((options.PrivateKeyPath is null) == (options.Password is null))
            throw new ArgumentException("Set exactly one of PrivateKeyPath and Password.", nameof(options));
        transcript ??= new Transcript();
        transcript.AddSecret(options.Password);
        transcript.AddSecret(options.PrivateKeyPassphrase);
        if (options.PrivateKeyPath is not null && File.Exists(options.PrivateKeyPath))
        {
            try { transcript.AddSecretFileContent(File.ReadAllText(options.PrivateKeyPath)); }
            catch (IOException) { /* reported by the auth step */ }
        }
        var session = new SshDutSession(options, transcript);
        try
        {
            await session.ConnectCoreAsync(cancellationToken).ConfigureAwait(false);
        }
        catch
        {
            session.Dispose();
            throw;
        }
        return session;
    }

    private async Task ConnectCoreAsync(CancellationToken ct)
    {
        _client?.Dispose();
        _client = null;
        _receivedFingerprint = null;
        var started = DateTimeOffset.UtcNow;
        var sw = Stopwatch.StartNew();
        AuthenticationMethod method;
        string methodName;
        if (_options.PrivateKeyPath is { } keyPath)
        {
            methodName = "publickey";
            try
            {
                var keyFile = _options.PrivateKeyPassphrase is null ? new PrivateKeyFile(keyPath) : new PrivateKeyFile(keyPath, _options.PrivateKeyPassphrase);
                method = new PrivateKeyAuthenticationMethod(_options.User, keyFile);
            }
            catch (Exception e) when (e is SshException or IOException or UnauthorizedAccessException or ArgumentException or InvalidOperationException)
            {
                throw Fail(DutConnectionFailure.Authentication,
                    $"Cannot load the SSH private key '{keyPath}' for {_options.User}@{_options.HostPort}: {e.Message}. " +
                    "Hint: check the key path, its format (OpenSSH/PEM) and the passphrase variable.", e, started, sw);
            }
        }
        else
        {
            methodName = "password";
            method = new PasswordAuthenticationMethod(_options.User, _options.Password!);
        }

        var info = new ConnectionInfo(_options.Host, _options.Port, _options.User, method) { Timeout = _options.ConnectTimeout };
        var client = new SshClient(info) { KeepAliveInterval = _options.KeepAliveInterval };
        client.HostKeyReceived += (_, e) =>
        {
            _receivedFingerprint = SshFingerprint.Normalize(e.FingerPrintSHA256);
            e.CanTrust = string.Equals(_receivedFingerprint, _expectedFingerprint, StringComparison.Ordinal);
        };
        using var cts = CancellationTokenSource.CreateLinkedTokenSource(ct);
        cts.CancelAfter(_options.ConnectTimeout + TimeSpan.FromSeconds(1));
        try
        {
            await client.ConnectAsync(cts.Token).ConfigureAwait(false);
        }
        catch (Exception e) when (_receivedFingerprint is not null && _receivedFingerprint != _expectedFingerprint)
        {
            client.Dispose();
            throw Fail(DutConnectionFailure.HostKeyMismatch,
                $"SSH host key mismatch for {_options.HostPort}: expected {_expectedFingerprint} (pinned), received {_receivedFingerprint}. " +
                "Connection refused. If the DUT's host key changed legitimately (reinstall, key rotation), update host_key_sha256 " +
                "in the profile to the received fingerprint after verifying it out of band (ssh-keygen -lf on the DUT's host key); " +
                "otherwise something else answers at this address.", e, started, sw);
        }
        catch (SshAuthenticationException e)
        {
            client.Dispose();
            throw Fail(DutConnectionFailure.Authentication,
                $"SSH authentication failed for user '{_options.User}' at {_options.HostPort} using {methodName}: {e.Message}. " +
                (methodName == "password"
                    ? "Hint: check the password environment variable and that the DUT's sshd allows PasswordAuthentication for this user."
                    : "Hint: check that the public key is in the user's authorized_keys on the DUT and that the key file/passphrase are right."),
                e, started, sw);
        }
        catch (Exception e) when (e is SocketException or SshOperationTimeoutException or OperationCanceledException or SshConnectionException or TimeoutException or SshException && !ct.IsCancellationRequested)
        {
            client.Dispose();
            var timeout = e is SshOperationTimeoutException or OperationCanceledException or TimeoutException;
            throw Fail(DutConnectionFailure.Unreachable,
                $"Cannot reach the DUT's sshd at {_options.HostPort} " +
                (timeout ? $"(no answer within the {_options.ConnectTimeout.TotalSeconds:0.#} s connect timeout)" : $"({e.Message})") +
                ". Hint: check the management address/port in the profile, that sshd runs and that the network path is up.",
                e, started, sw);
        }
        _client = client;
        Transcript.Record(new TranscriptEntry(started, "", null, "", "", sw.Elapsed,
            $"connected to {_options.User}@{_options.HostPort} ({methodName}, host key {_receivedFingerprint})"));
    }

    private DutConnectionException Fail(DutConnectionFailure kind, string message, Exception inner, DateTimeOffset started, Stopwatch sw)
    {
        var redacted = Transcript.Redact(message);
        Transcript.Record(new TranscriptEntry(started, "", null, "", "", sw.Elapsed, $"{kind}: {redacted}"));
        return new DutConnectionException(kind, redacted, inner);
    }

    /// <summary>
    /// An interactive shell channel on the same authenticated connection (host key verified), for a router CLI
    /// (<see cref="CliSession"/>): a wide terminal so that the router does not wrap lines.
    /// </summary>
    public ShellStream OpenShell()
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        var client = _client ?? throw new InvalidOperationException("not connected");
        return client.CreateShellStream("vt100", 512, 200, 0, 0, 1 << 16);
    }

    /// <summary>
    /// Runs a shell command on the DUT. A non-zero exit code is a normal result (not an exception).
    /// On connection loss: one reconnect and one retry, then <see cref="DutConnectionException"/> (ConnectionLost).
    /// </summary>
    public async Task<CommandResult> RunAsync(string command, TimeSpan? timeout = null, CancellationToken cancellationToken = default)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            var reconnected = false;
            while (true)
            {
                if (_client is not { IsConnected: true })
                {
                    if (reconnected) throw Lost(command, null);
                    await ReconnectAsync(command, null, cancellationToken).ConfigureAwait(false);
                    reconnected = true;
                }
                try
                {
                    return await ExecuteAsync(_client!, command, timeout ?? _options.CommandTimeout, cancellationToken).ConfigureAwait(false);
                }
                catch (Exception e) when (IsConnectionLoss(e) && !cancellationToken.IsCancellationRequested)
                {
                    if (reconnected) throw Lost(command, e);
                    await ReconnectAsync(command, e, cancellationToken).ConfigureAwait(false);
                    reconnected = true;
                }
            }
        }
        finally
        {
            _gate.Release();
        }
    }

    private async Task ReconnectAsync(string command, Exception? cause, CancellationToken ct)
    {
        ReconnectAttempts++;
        Transcript.Note($"connection to {_options.HostPort} lost{(cause is null ? "" : $" ({cause.Message})")}; reconnecting once");
        try
        {
            await ConnectCoreAsync(ct).ConfigureAwait(false);
        }
        catch (DutConnectionException e)
        {
            throw new DutConnectionException(DutConnectionFailure.ConnectionLost,
                $"Lost the SSH connection to {_options.HostPort} while running '{Transcript.Redact(command)}' and the one reconnect attempt failed: {e.Message}",
                e);
        }
    }

    private DutConnectionException Lost(string command, Exception? e) =>
        new(DutConnectionFailure.ConnectionLost,
            $"Lost the SSH connection to {_options.HostPort} again after reconnecting, while running '{Transcript.Redact(command)}'.", e);

    private static bool IsConnectionLoss(Exception e) =>
        e is SshConnectionException or SocketException or ObjectDisposedException or IOException
        || (e is SshException && e is not SshOperationTimeoutException)
        || (e is InvalidOperationException && e.Message.Contains("not connected", StringComparison.OrdinalIgnoreCase));

    private async Task<CommandResult> ExecuteAsync(SshClient client, string command, TimeSpan timeout, CancellationToken ct)
    {
        var started = DateTimeOffset.UtcNow;
        var sw = Stopwatch.StartNew();
        using var cmd = client.CreateCommand(command);
        cmd.CommandTimeout = timeout;
        try
        {
            await cmd.ExecuteAsync(ct).ConfigureAwait(false);
        }
        catch (SshOperationTimeoutException e)
        {
            Transcript.Record(new TranscriptEntry(started, command, null, cmd.Result, cmd.Error, sw.Elapsed, $"timed out after {timeout.TotalSeconds:0.#} s"));
            throw new DutConnectionException(DutConnectionFailure.CommandTimeout,
                $"Command '{Transcript.Redact(command)}' on {_options.HostPort} did not finish within {timeout.TotalSeconds:0.#} s.", e);
        }
        catch (Exception e) when (IsConnectionLoss(e))
        {
            Transcript.Record(new TranscriptEntry(started, command, null, "", "", sw.Elapsed, $"connection lost: {e.Message}"));
            throw;
        }
        var exit = cmd.ExitStatus ?? -1;
        var result = new CommandResult(exit, cmd.Result, cmd.Error, sw.Elapsed);
        Transcript.Record(new TranscriptEntry(started, command, exit, result.Stdout, result.Stderr, result.Duration,
            cmd.ExitStatus is null ? $"no exit status (signal {cmd.ExitSignal})" : null));
        return result;
    }

    /// <summary>Runs a command and throws <see cref="TestbedException"/> when it exits non-zero.</summary>
    public async Task<CommandResult> RunCheckedAsync(string command, TimeSpan? timeout = null, CancellationToken cancellationToken = default)
    {
        var r = await RunAsync(command, timeout, cancellationToken).ConfigureAwait(false);
        if (r.ExitCode != 0)
            throw new TestbedException($"DUT command '{Transcript.Redact(command)}' failed with exit code {r.ExitCode}: {Transcript.Redact(r.Stderr.Trim())}");
        return r;
    }

    public void Dispose()
    {
        if (_disposed) return;
        _disposed = true;
        try { _client?.Disconnect(); }
        catch (Exception e) when (e is SshException or SocketException or ObjectDisposedException or InvalidOperationException) { }
        _client?.Dispose();
        _gate.Dispose();
    }

    public ValueTask DisposeAsync()
    {
        Dispose();
        return ValueTask.CompletedTask;
    }
}
