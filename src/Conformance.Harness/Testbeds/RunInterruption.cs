using System.Runtime.InteropServices;
using Conformance.Harness.Lab;

namespace Conformance.Harness.Testbeds;

/// <summary>
/// Ctrl-C and a CI cancel for a conformance run, in the process that owns the testbed (the test host).
/// The first SIGINT, SIGTERM or SIGHUP asks the run to stop: the case under way finishes, every case not yet
/// started is reported as not run, and the run's tear-down rolls the DUT back and removes the lab as usual. The
/// signal is written to the run's marker file, which the conformance statement reads. A second signal stops at
/// once: the lab is torn down and the process exits with 128 + the signal's number.
/// </summary>
public static class RunInterruption
{
    private static readonly object Sync = new();
    private static readonly List<PosixSignalRegistration> Registrations = [];
    private static int _signals;
    private static string? _markerFile;

    /// <summary>True once <see cref="Install"/> ran: the lab's own signal hooks then leave the first signal to this class.</summary>
    public static bool Installed { get; private set; }

    /// <summary>
    /// How long the case under way may go on after the first signal before its long operations (paced streams) are
    /// aborted, so that the run stops within seconds even in its longest case (RFC 9259 rate measurements).
    /// </summary>
    public static readonly TimeSpan AbortGrace = TimeSpan.FromSeconds(3);

    private static readonly CancellationTokenSource Abort = new();

    /// <summary>Cancelled <see cref="AbortGrace"/> after the first signal: long operations of the case under way stop and the case is reported not run.</summary>
    public static CancellationToken CaseAbort => Abort.Token;

    /// <summary>"SIGINT", "SIGTERM" or "SIGHUP" once the run was asked to stop; null otherwise.</summary>
    public static string? Signal { get; private set; }

    /// <summary>Installs the handlers; <paramref name="markerFile"/> receives the signal's name (the first line) on the first signal.</summary>
    public static void Install(string markerFile)
    {
        lock (Sync)
        {
            _markerFile = markerFile;
            if (Installed) return;
            Installed = true;
            foreach (var sig in new[] { PosixSignal.SIGINT, PosixSignal.SIGTERM, PosixSignal.SIGHUP })
                Registrations.Add(PosixSignalRegistration.Create(sig, OnSignal));
        }
    }

    /// <summary>Asks the run to stop as the first signal would (for the harness's own tests and for callers that catch a signal themselves).</summary>
    public static void Request(string signal)
    {
        lock (Sync)
        {
            if (Signal is not null) return;
            // A marker the caller (run-suite.sh) wrote first names the signal the user sent: keep it.
            Signal = _markerFile is not null && File.Exists(_markerFile) && File.ReadAllText(_markerFile).Trim() is { Length: > 0 } m ? m.Split('\n')[0] : signal;
            if (_markerFile is not null)
            {
                try
                {
                    Directory.CreateDirectory(Path.GetDirectoryName(_markerFile)!);
                    File.WriteAllText(_markerFile, $"{Signal}\n{DateTimeOffset.UtcNow:O}\n");
                }
                catch (IOException) { }
            }
        }
        try { Abort.CancelAfter(AbortGrace); } catch (ObjectDisposedException) { }
        Console.Error.WriteLine($"srv6conf: {signal}: the run stops after the case under way; the DUT is rolled back and the lab torn down. Send it again to stop at once.");
    }

    /// <summary>Throws <see cref="RunAbortedException"/> when the case under way was aborted by an interruption.</summary>
    public static void ThrowIfCaseAborted()
    {
        if (Abort.IsCancellationRequested)
            throw new RunAbortedException($"the run was interrupted ({Signal}) and this case was aborted {AbortGrace.TotalSeconds:0} s later, in the middle of its traffic; it has no verdict");
    }

    private static void OnSignal(PosixSignalContext ctx)
    {
        var name = ctx.Signal switch { PosixSignal.SIGINT => "SIGINT", PosixSignal.SIGTERM => "SIGTERM", PosixSignal.SIGHUP => "SIGHUP", _ => ctx.Signal.ToString() };
        if (Interlocked.Increment(ref _signals) == 1)
        {
            ctx.Cancel = true;
            Request(name);
            return;
        }
        Console.Error.WriteLine($"srv6conf: {name} again: tearing the lab down and stopping now (the DUT is not rolled back).");
        ReferenceLab.TeardownAllLive();
        // Not cancelled: the runtime's default action ends the process with 128 + the signal's number.
    }
}

/// <summary>The case under way was aborted because the run was interrupted: it has no verdict (not run), never a fail.</summary>
public sealed class RunAbortedException(string message) : Exception(message);
