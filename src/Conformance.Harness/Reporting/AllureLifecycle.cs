using System.Collections;
using System.Collections.Concurrent;
using System.Globalization;
using NUnit.Framework;
using NUnit.Framework.Interfaces;
using NUnit.Framework.Internal;

namespace Conformance.Harness.Reporting;

/// <summary>Something steps, attachments and parameters can be recorded on: a running test or a fixture.</summary>
internal abstract class StepOwner(AllureResultsWriter writer)
{
    public object Sync { get; } = new();
    public AllureResultsWriter Writer { get; } = writer;
    private readonly List<StepScope> _open = [];

    /// <summary>The innermost open step of this owner on the current async flow, if any.</summary>
    protected StepScope? CurrentStepOfThis()
    {
        var s = AllureLifecycle.CurrentStep.Value;
        return s is not null && s.IsOpen && ReferenceEquals(s.Parent, this) ? s : null; // ignore stale or foreign steps
    }

    public void AddStep(StepScope scope, FixturePhase phase)
    {
        var parent = CurrentStepOfThis();
        lock (Sync)
        {
            _open.Add(scope);
            if (parent is not null) parent.Step.Steps.Add(scope.Step);
            else AddRootStep(scope.Step, phase);
        }
    }

    public void AddAttachment(AllureAttachment a)
    {
        var parent = CurrentStepOfThis();
        lock (Sync)
        {
            if (parent is not null) parent.Step.Attachments.Add(a);
            else AddRootAttachment(a);
        }
    }

    public virtual void AddParameter(AllureParameter p)
    {
        var parent = CurrentStepOfThis();
        if (parent is not null) lock (Sync) parent.Step.Parameters.Add(p);
    }

    public virtual void StepClosed(StepScope scope)
    {
        lock (Sync) _open.Remove(scope);
    }

    /// <summary>Closes steps left open (innermost first) with the owner's final status.</summary>
    protected void CloseOpenSteps(AllureStatus status, string? message)
    {
        List<StepScope> open;
        lock (Sync) open = [.. _open];
        for (int i = open.Count - 1; i >= 0; i--) open[i].CloseWith(status, message);
    }

    protected abstract void AddRootStep(AllureStep step, FixturePhase phase);
    protected abstract void AddRootAttachment(AllureAttachment a);
}

internal sealed class TestScope(AllureResultsWriter writer, AllureResult result, string? purposeId) : StepOwner(writer)
{
    public AllureResult Result { get; } = result;
    public string? PurposeId { get; } = purposeId;
    public string? KnownDeviationId { get; private set; }
    public string? KnownDeviationReason { get; private set; }

    protected override void AddRootStep(AllureStep step, FixturePhase phase) => Result.Steps.Add(step);
    protected override void AddRootAttachment(AllureAttachment a) => Result.Attachments.Add(a);

    public override void AddParameter(AllureParameter p)
    {
        lock (Sync)
        {
            Result.Parameters.RemoveAll(x => x.Name == p.Name);
            Result.Parameters.Add(p);
        }
    }

    public void AddLabel(string name, string value) { lock (Sync) Result.Labels.Add(new AllureLabel(name, value)); }
    public void AddLink(AllureLink link) { lock (Sync) Result.Links.Add(link); }

    /// <summary>Why the case was not run (the run was interrupted): its result is "unknown", never pass or skip.</summary>
    public string? NotRunReason { get; private set; }

    public void MarkNotRun(string reason) { lock (Sync) NotRunReason = reason; }

    /// <summary>Why a failed case has no verdict (the DUT stopped answering): its result is broken (INCONC:), never failed.</summary>
    public string? InconclusiveReason { get; private set; }

    public void MarkInconclusive(string reason) { lock (Sync) InconclusiveReason = reason; }

    public void MarkKnown(string deviationId, string reason)
    {
        lock (Sync)
        {
            KnownDeviationId = deviationId;
            KnownDeviationReason = reason;
            Result.Labels.Add(new AllureLabel("knownDeviation", deviationId));
        }
    }

    /// <summary>Applies the NUnit outcome, closes open steps, computes ids and writes the result file.</summary>
    public void Finish(ResultState state, string? message, string? trace, long stop)
    {
        var verdict = NotRunReason is not null
            ? new AllureVerdict(AllureStatus.Unknown, AllureStatusMapper.NotRunPrefix, false)
            : AllureStatusMapper.Map(state, KnownDeviationId is not null);
        if (NotRunReason is not null) message = NotRunReason;
        else if (InconclusiveReason is not null && verdict.Status is AllureStatus.Failed or AllureStatus.Broken)
        {
            // The assertion's message stays as evidence, after the reason it is no verdict.
            verdict = new AllureVerdict(AllureStatus.Broken, AllureStatusMapper.InconclusivePrefix, false);
            message = InconclusiveReason + (string.IsNullOrWhiteSpace(message) ? "" : " | what the case saw: " + message.Trim());
            lock (Sync) { KnownDeviationId = null; Result.Labels.RemoveAll(l => l.Name == "knownDeviation"); }
        }
        CloseOpenSteps(verdict.Status, message);
        lock (Sync)
        {
            Result.Status = verdict.Status;
            Result.Stop = stop;
            Result.Stage = "finished";
            string? msg = message?.Trim();
            if (verdict.Known)
                msg = $"{KnownDeviationId}: {KnownDeviationReason}" + (string.IsNullOrEmpty(msg) ? "" : " | " + msg);
            if (verdict.Status != AllureStatus.Passed || !string.IsNullOrEmpty(msg))
            {
                Result.StatusDetails = new AllureStatusDetails
                {
                    Message = verdict.Status == AllureStatus.Passed ? msg : AllureStatusMapper.WithPrefix(verdict.Prefix, msg),
                    Trace = string.IsNullOrWhiteSpace(trace) ? null : trace,
                    Known = verdict.Known,
                };
            }
            Result.HistoryId = AllureIds.HistoryId(PurposeId ?? Result.FullName, Result.Parameters);
            Result.TestCaseId ??= AllureIds.TestCaseId(Result.FullName);
            Writer.WriteResult(Result);
            RunProgress.Append(Result);
        }
    }
}

internal sealed class FixtureScope(AllureResultsWriter writer, string name, long start) : StepOwner(writer)
{
    public AllureContainer Container { get; } = new() { Name = name, Start = start, Stop = start };
    public volatile bool ChildStarted;

    protected override void AddRootStep(AllureStep step, FixturePhase phase)
    {
        var after = phase == FixturePhase.TearDown || (phase == FixturePhase.Auto && ChildStarted);
        (after ? Container.Afters : Container.Befores).Add(step);
    }

    // A fixture-level attachment outside any step: wrap it in a step so it is not lost.
    protected override void AddRootAttachment(AllureAttachment a)
    {
        var now = AllureLifecycle.Now();
        var holder = new AllureStep { Name = "Attachment: " + a.Name, Start = now, Stop = now };
        holder.Attachments.Add(a);
        AddRootStep(holder, FixturePhase.Auto);
    }

    public override void StepClosed(StepScope scope)
    {
        base.StepClosed(scope);
        Flush();
    }

    public void AddChild(string uuid)
    {
        lock (Sync) Container.Children.Add(uuid);
        Flush();
    }

    public void Finish(AllureStatus status, string? message)
    {
        CloseOpenSteps(status, message);
        Flush();
    }

    /// <summary>Writes the container when it has something to show (children and fixture steps).</summary>
    public void Flush()
    {
        lock (Sync)
        {
            if (Container.Befores.Count == 0 && Container.Afters.Count == 0) return;
            Container.Stop = AllureLifecycle.Now();
            Writer.WriteContainer(Container);
        }
    }
}

/// <summary>Stable Allure identities.</summary>
public static class AllureIds
{
    /// <summary>md5(purpose id or fullName + non-excluded parameters, in order). Redacted values are hashed.</summary>
    public static string HistoryId(string purposeIdOrFullName, IEnumerable<AllureParameter> parameters)
    {
        var sb = new System.Text.StringBuilder(purposeIdOrFullName);
        foreach (var p in parameters.Where(p => !p.Excluded))
            sb.Append('\u001f').Append(SecretRedactor.Redact(p.Name)).Append('=').Append(SecretRedactor.Redact(p.Value));
        return AllureResultsWriter.Md5Hex(sb.ToString());
    }

    /// <summary>md5(fullName).</summary>
    public static string TestCaseId(string fullName) => AllureResultsWriter.Md5Hex(fullName);
}

/// <summary>Process-wide recording state driven by <see cref="AllureResultsAttribute"/>.</summary>
internal static class AllureLifecycle
{
    internal static readonly AsyncLocal<StepScope?> CurrentStep = new();
    private static readonly ConcurrentDictionary<string, TestScope> Tests = new();
    private static readonly ConcurrentDictionary<string, FixtureScope> Fixtures = new();
    private static readonly ConcurrentDictionary<string, byte> Finished = new();
    private static readonly object InitLock = new();
    private static volatile AllureResultsWriter? _writer;

    public static AllureResultsWriter? Writer => _writer;

    public static long Now() => DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();

    public static void Warn(string what, Exception ex)
    {
        try { Console.Error.WriteLine($"[allure] {what}: {ex.GetType().Name}: {SecretRedactor.Redact(ex.Message)}"); }
        catch (IOException) { }
    }

    public static AllureResultsWriter EnsureInitialized()
    {
        if (_writer is { } w) return w;
        lock (InitLock)
        {
            if (_writer is null)
            {
                var dir = AllureResultsLocator.ResolveResultsDirectory(AppContext.BaseDirectory);
                var writer = new AllureResultsWriter(dir);
                if (!File.Exists(Path.Combine(dir, "categories.json"))) writer.WriteCategories(RunReport.Categories);
                _writer = writer;
            }
            return _writer;
        }
    }

    /// <summary>Test or fixture currently executing, if it is being recorded.</summary>
    public static StepOwner? CurrentOwner()
    {
        if (_writer is null) return null;
        var current = TestExecutionContext.CurrentContext.CurrentTest;
        if (current is null) return null;
        if (Tests.TryGetValue(current.Id, out var t)) return t;
        if (Fixtures.TryGetValue(current.Id, out var f)) return f;
        if (current.IsSuite && IsFixtureScope(current))
            return Fixtures.GetOrAdd(current.Id, _ => new FixtureScope(_writer, current.FullName, Now()));
        return null;
    }

    public static TestScope? CurrentTest() => CurrentOwner() as TestScope;

    public static void OnBefore(ITest test)
    {
        var writer = EnsureInitialized();
        if (test.IsSuite)
        {
            if (IsFixtureScope(test)) Fixtures.GetOrAdd(test.Id, _ => new FixtureScope(writer, test.FullName, Now()));
            return;
        }
        foreach (var f in AncestorFixtures(test)) f.ChildStarted = true;
        Tests[test.Id] = CreateScope(writer, test, Now());
        CurrentStep.Value = null;
    }

    public static void OnAfter(ITest test)
    {
        var writer = EnsureInitialized();
        var result = TestContext.CurrentContext.Result;
        if (!test.IsSuite)
        {
            if (!Tests.TryRemove(test.Id, out var scope)) return;
            scope.Finish(result.Outcome, result.Message, result.StackTrace, Now());
            Finished[test.Id] = 0;
            foreach (var f in AncestorFixtures(test)) f.AddChild(scope.Result.Uuid);
            CurrentStep.Value = null;
            return;
        }

        // An assembly-level action gets suite events for the assembly only (not per fixture). At the end of the
        // assembly: report the tests NUnit never ran because a OneTimeSetUp above them failed (they must show up as
        // broken, not be absent), and close the fixture containers with their fixtures' outcomes.
        var resultTree = TestExecutionContext.CurrentContext.CurrentResult;
        if (test.IsSuite && test.Parent is null || test.TestType is "Assembly" or "TestAssembly")
            SweepAtAssemblyEnd(writer, resultTree);
        else if (Fixtures.TryRemove(test.Id, out var fixture))
            fixture.Finish(StepStatusFor(result.Outcome), result.Message);
    }

    private static AllureStatus StepStatusFor(ResultState outcome)
    {
        var v = AllureStatusMapper.Map(outcome);
        return v.Status == AllureStatus.Failed ? AllureStatus.Broken : v.Status;
    }

    private static void SweepAtAssemblyEnd(AllureResultsWriter writer, ITestResult root)
    {
        var byId = new Dictionary<string, ITestResult>(StringComparer.Ordinal);
        var stack = new Stack<ITestResult>();
        stack.Push(root);
        while (stack.Count > 0)
        {
            var r = stack.Pop();
            byId[r.Test.Id] = r;
            foreach (var c in r.Children) stack.Push(c);
        }
        foreach (var r in byId.Values.Where(r => !r.Test.IsSuite && !Finished.ContainsKey(r.Test.Id)).OrderBy(r => r.Test.FullName, StringComparer.Ordinal))
        {
            // Never executed. Statically ignored/explicit tests write nothing (as the official adapter); tests cut
            // off by a failed OneTimeSetUp (or cancelled) are reported with the outcome NUnit gave them.
            if (r.ResultState.Status is TestStatus.Skipped or TestStatus.Passed) continue;
            var scope = CreateScope(writer, r.Test, r.StartTime == default ? Now() : new DateTimeOffset(r.StartTime).ToUnixTimeMilliseconds());
            scope.Finish(r.ResultState.Site == FailureSite.Test ? r.ResultState.WithSite(FailureSite.Parent) : r.ResultState, r.Message, r.StackTrace, Now());
            Finished[r.Test.Id] = 0;
            foreach (var f in AncestorFixtures(r.Test)) f.AddChild(scope.Result.Uuid);
        }
        foreach (var id in Fixtures.Keys.ToList())
        {
            if (!Fixtures.TryRemove(id, out var f)) continue;
            var outcome = byId.TryGetValue(id, out var fr) ? fr.ResultState : ResultState.Success;
            f.Finish(StepStatusFor(outcome), fr?.Message);
        }
    }

    private static bool IsFixtureScope(ITest t) =>
        t.IsSuite && t.TypeInfo is not null && t.TestType is not ("ParameterizedMethod" or "Theory" or "GenericMethod" or "Assembly");

    private static IEnumerable<FixtureScope> AncestorFixtures(ITest test)
    {
        for (var p = test.Parent; p is not null; p = p.Parent)
        {
            if (!IsFixtureScope(p)) continue;
            var writer = _writer!;
            var parent = p;
            yield return Fixtures.GetOrAdd(p.Id, _ => new FixtureScope(writer, parent.FullName, Now()));
        }
    }

    private static IEnumerable<ITest> Leaves(ITest t) => t.IsSuite ? t.Tests.SelectMany(Leaves) : [t];

    internal static TestScope CreateScope(AllureResultsWriter writer, ITest test, long start)
    {
        var method = test.Method;
        var tp = method?.GetCustomAttributes<TestPurposeAttribute>(true).FirstOrDefault();
        var className = test.ClassName ?? test.TypeInfo?.FullName ?? "";
        var methodName = test.MethodName ?? test.Name;
        var shortClass = className.Contains('.') ? className[(className.LastIndexOf('.') + 1)..] : className;
        var ns = className.Contains('.') ? className[..className.LastIndexOf('.')] : "";
        var assembly = test.TypeInfo?.Assembly.GetName().Name ?? "tests";
        bool parameterized = test.Parent?.TestType == "ParameterizedMethod" || test.Arguments.Length > 0;
        var argSuffix = test.Name.StartsWith(methodName, StringComparison.Ordinal) ? test.Name[methodName.Length..] : "";
        var title = tp?.Title ?? methodName;

        var r = new AllureResult
        {
            Name = (tp is not null && tp.Id.Length > 0 ? tp.Id + ": " : "") + title + argSuffix,
            FullName = string.IsNullOrEmpty(className) ? test.FullName : $"{className}.{methodName}",
            Start = start,
            Stage = "running",
        };
        r.TestCaseId = AllureIds.TestCaseId(r.FullName);
        r.TitlePath.AddRange(parameterized ? [assembly, shortClass, methodName] : [assembly, shortClass]);

        // Parameters named after the method's parameters.
        var names = method?.GetParameters().Select(p => p.ParameterInfo.Name ?? "arg").ToArray() ?? [];
        for (int i = 0; i < test.Arguments.Length; i++)
            r.Parameters.Add(new AllureParameter { Name = i < names.Length ? names[i] : $"arg{i}", Value = FormatValue(test.Arguments[i]) });

        var L = r.Labels;
        L.Add(new("parentSuite", assembly));
        L.Add(new("suite", shortClass));
        if (parameterized) L.Add(new("subSuite", methodName));
        L.Add(new("host", Environment.MachineName));
        L.Add(new("thread", $"{Environment.ProcessId}-{Environment.CurrentManagedThreadId}"));
        L.Add(new("framework", "nunit"));
        L.Add(new("language", "csharp"));
        if (ns.Length > 0) L.Add(new("package", ns));
        L.Add(new("testClass", className));
        L.Add(new("testMethod", methodName));
        foreach (var cat in Categories(test)) L.Add(new("tag", cat));

        if (tp is not null)
        {
            if (tp.Rfc.Length > 0) L.Add(new("epic", tp.Rfc));
            if (tp.Feature.Length > 0) L.Add(new("feature", tp.Feature));
            L.Add(new("story", $"{tp.Id} {title}".Trim()));
            L.Add(new("severity", tp.Level.ToAllureSeverity()));
            L.Add(new("testPurposeId", tp.Id));
            L.Add(new("requirementLevel", tp.Level.ToKeyword()));
            L.Add(new("levelSource", tp.Level.Source()));
            foreach (var id in tp.Requirements) L.Add(new("requirement", id));
            if (tp.Section.Length > 0) L.Add(new("rfcSection", tp.Section));
            r.Description = tp.ToMarkdown();
            foreach (var req in tp.Cited.DistinctBy(q => q.Url))
                r.Links.Add(new AllureLink(req.Citation, req.Url));
        }
        else if (test.Properties.Get(PropertyNames.Description) is string d)
        {
            r.Description = d;
        }
        return new TestScope(writer, r, tp?.Id);
    }

    private static IEnumerable<string> Categories(ITest test)
    {
        var seen = new HashSet<string>(StringComparer.Ordinal);
        for (var t = test; t is not null; t = t.Parent)
            foreach (var c in t.Properties[PropertyNames.Category].OfType<string>())
                if (seen.Add(c)) yield return c;
    }

    public static string FormatValue(object? value) => value switch
    {
        null => "null",
        string s => s,
        IFormattable f => f.ToString(null, CultureInfo.InvariantCulture),
        IEnumerable e => "[" + string.Join(", ", e.Cast<object?>().Select(FormatValue)) + "]",
        _ => value.ToString() ?? "",
    };
}
