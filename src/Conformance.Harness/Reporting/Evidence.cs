using NUnit.Framework;

namespace Conformance.Harness.Reporting;

/// <summary>Where a fixture-level step goes in the fixture's container.</summary>
public enum FixturePhase
{
    /// <summary>Before children if none has started yet, after them otherwise.</summary>
    Auto,
    /// <summary>Container <c>befores</c> (lab up, DUT configure).</summary>
    SetUp,
    /// <summary>Container <c>afters</c> (DUT rollback, lab down).</summary>
    TearDown,
}

/// <summary>
/// Evidence for the current test (or, in OneTimeSetUp/OneTimeTearDown, the current fixture): steps, attachments,
/// parameters, labels, links, known deviations. The current test is found from NUnit's execution context (which
/// flows through async code); the current step is AsyncLocal. Outside a reporting run every call is a cheap no-op,
/// and no call ever throws into test code because of reporting.
/// </summary>
/// <remarks>
/// Async bodies use <c>StepAsync</c> (a separate name so that a throwing lambda never binds to a Task overload and
/// gets silently dropped). Step status: the lambda forms (<c>Evidence.Step(name, () =&gt; ...)</c>) see exceptions and set failed (assertion),
/// skipped (Ignore), broken (anything else) and rethrow. The <c>using</c> form cannot see an exception passing
/// through <c>Dispose</c>; it is passed unless <see cref="StepScope.Fail"/>/<see cref="StepScope.Broken"/> was
/// called, and a step still open when the test ends takes the test's status.
/// </remarks>
public static class Evidence
{
    public const string PcapMime = "application/vnd.tcpdump.pcap";
    public const string TextMime = "text/plain";
    public const string JsonMime = "application/json";

    /// <summary>True when a reporting run is recording evidence for the current test or fixture.</summary>
    public static bool IsActive => AllureLifecycle.CurrentOwner() is not null;

    /// <summary>Opens a nested step; dispose it to close. See remarks about status.</summary>
    public static StepScope Step(string name) => Open(name, FixturePhase.Auto);

    /// <summary>Opens a fixture-level step (OneTimeSetUp/OneTimeTearDown) in the given container phase.</summary>
    public static StepScope FixtureStep(string name, FixturePhase phase = FixturePhase.Auto) => Open(name, phase);

    public static void Step(string name, Action body)
    {
        ArgumentNullException.ThrowIfNull(body);
        using var s = Step(name);
        try { body(); }
        catch (Exception ex) { s.FromException(ex); throw; }
    }

    public static T Step<T>(string name, Func<T> body)
    {
        ArgumentNullException.ThrowIfNull(body);
        using var s = Step(name);
        try { return body(); }
        catch (Exception ex) { s.FromException(ex); throw; }
    }

    public static async Task StepAsync(string name, Func<Task> body)
    {
        ArgumentNullException.ThrowIfNull(body);
        using var s = Step(name);
        try { await body().ConfigureAwait(false); }
        catch (Exception ex) { s.FromException(ex); throw; }
    }

    public static async Task<T> StepAsync<T>(string name, Func<Task<T>> body)
    {
        ArgumentNullException.ThrowIfNull(body);
        using var s = Step(name);
        try { return await body().ConfigureAwait(false); }
        catch (Exception ex) { s.FromException(ex); throw; }
    }

    /// <summary>Attaches bytes (pcap: <see cref="PcapMime"/>; text: redacted) to the current step, or the test.</summary>
    public static void Attach(string name, byte[] content, string mimeType) =>
        Guard(() =>
        {
            if (AllureLifecycle.CurrentOwner() is not { } owner) return;
            owner.AddAttachment(owner.Writer.WriteAttachment(name, content, mimeType));
        });

    /// <summary>Attaches a file by path (copied into the results folder).</summary>
    public static void AttachFile(string name, string path, string mimeType) =>
        Guard(() =>
        {
            if (AllureLifecycle.CurrentOwner() is not { } owner) return;
            owner.AddAttachment(owner.Writer.WriteAttachmentFile(name, path, mimeType));
        });

    /// <summary>Attaches text (transcripts, configs); redacted before it is written.</summary>
    public static void AttachText(string name, string text, string mimeType = TextMime) =>
        Attach(name, System.Text.Encoding.UTF8.GetBytes(text ?? ""), mimeType);

    /// <summary>Adds a parameter. Run-specific values (ports, timestamps) should be <paramref name="excluded"/> from history.</summary>
    public static void Parameter(string name, object? value, bool excluded = false) =>
        Guard(() => AllureLifecycle.CurrentOwner()?.AddParameter(new AllureParameter
        {
            Name = name, Value = AllureLifecycle.FormatValue(value), Excluded = excluded,
        }));

    public static void Label(string name, string value) =>
        Guard(() => AllureLifecycle.CurrentTest()?.AddLabel(name, value));

    public static void Link(string name, string url, string type = "link") =>
        Guard(() => AllureLifecycle.CurrentTest()?.AddLink(new AllureLink(name, url, type)));

    /// <summary>Marks the running case as not run (the run was interrupted before it could give a verdict).</summary>
    public static void MarkNotRun(string reason) => Guard(() => AllureLifecycle.CurrentTest()?.MarkNotRun(reason));

    /// <summary>
    /// Marks the running case inconclusive whatever its assertions said: the testbed could not decide (e.g. the DUT
    /// stopped answering during the case, so a missing packet says nothing about its SRv6 processing). A pass is never
    /// turned into anything else by this; it is for a failure whose cause is not the DUT's behaviour under test.
    /// </summary>
    public static void MarkInconclusive(string reason) => Guard(() => AllureLifecycle.CurrentTest()?.MarkInconclusive(reason));

    /// <summary>
    /// Declares that a failure of this test is the documented deviation <paramref name="deviationId"/>: a failed verdict is
    /// reported with statusDetails.known = true and a KNOWN: message. It never turns a failure into a pass.
    /// </summary>
    public static void MarkKnownDeviation(string deviationId, string reason) =>
        Guard(() => AllureLifecycle.CurrentTest()?.MarkKnown(deviationId, reason));

    private static StepScope Open(string name, FixturePhase phase)
    {
        try
        {
            var owner = AllureLifecycle.CurrentOwner();
            return owner is null ? StepScope.Noop : new StepScope(owner, name, phase);
        }
        catch (Exception ex) when (ex is not ResultStateException)
        {
            AllureLifecycle.Warn("step", ex);
            return StepScope.Noop;
        }
    }

    private static void Guard(Action a)
    {
        try { a(); }
        catch (Exception ex) when (ex is not ResultStateException) { AllureLifecycle.Warn("evidence", ex); }
    }
}

/// <summary>An open step. Dispose closes it (passed unless marked). Nested steps go inside it.</summary>
public sealed class StepScope : IDisposable
{
    internal static readonly StepScope Noop = new();
    private readonly StepOwner? _owner;
    private readonly StepScope? _parentScope;
    private bool _closed;
    private AllureStatus? _explicit;

    private StepScope() { }

    internal StepScope(StepOwner owner, string name, FixturePhase phase)
    {
        _owner = owner;
        Step = new AllureStep { Name = name, Start = AllureLifecycle.Now(), Stage = "running" };
        _parentScope = AllureLifecycle.CurrentStep.Value;
        Parent = owner;
        owner.AddStep(this, phase);
        AllureLifecycle.CurrentStep.Value = this;
    }

    internal AllureStep Step { get; } = new();
    internal StepOwner? Parent { get; }
    internal bool IsOpen => _owner is not null && !_closed;

    /// <summary>Marks the step failed (the DUT did not behave as required).</summary>
    public StepScope Fail(string message) => Mark(AllureStatus.Failed, message, null);

    /// <summary>Marks the step broken (the test system could not do its part).</summary>
    public StepScope Broken(string message) => Mark(AllureStatus.Broken, message, null);

    /// <summary>Marks the step skipped.</summary>
    public StepScope Skip(string message) => Mark(AllureStatus.Skipped, message, null);

    /// <summary>Adds a parameter to this step.</summary>
    public StepScope Parameter(string name, object? value)
    {
        if (_owner is not null) lock (_owner.Sync) Step.Parameters.Add(new AllureParameter { Name = name, Value = AllureLifecycle.FormatValue(value) });
        return this;
    }

    internal void FromException(Exception ex)
    {
        var status = AllureStatusMapper.MapException(ex);
        Mark(status, ex.Message, ex.StackTrace);
    }

    internal void CloseWith(AllureStatus status, string? message)
    {
        if (_explicit is null) Mark(status, message, null);
        Dispose();
    }

    private StepScope Mark(AllureStatus status, string? message, string? trace)
    {
        if (_owner is null) return this;
        lock (_owner.Sync)
        {
            _explicit = status;
            Step.Status = status;
            if (message is not null || trace is not null)
                Step.StatusDetails = new AllureStatusDetails { Message = AllureStatusMapper.WithPrefix(AllureStatusMapper.PrefixFor(status), message), Trace = trace };
        }
        return this;
    }

    public void Dispose()
    {
        if (_owner is null || _closed) return;
        lock (_owner.Sync)
        {
            _closed = true;
            if (_explicit is null) Step.Status = AllureStatus.Passed;
            Step.Stop = AllureLifecycle.Now();
            Step.Stage = "finished";
        }
        _owner.StepClosed(this);
        if (ReferenceEquals(AllureLifecycle.CurrentStep.Value, this))
            AllureLifecycle.CurrentStep.Value = _parentScope is { IsOpen: true } ? _parentScope : null;
    }

    // Children of this step are added through the owner (which routes by the current AsyncLocal step).
}
