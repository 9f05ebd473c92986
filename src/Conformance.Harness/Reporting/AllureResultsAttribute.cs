using NUnit.Framework;
using NUnit.Framework.Interfaces;

namespace Conformance.Harness.Reporting;

/// <summary>
/// Put <c>[assembly: AllureResults]</c> in a test assembly to write allure-results for every test in it, with no
/// change to the tests. Before each test it opens the evidence context; after it, it reads the NUnit outcome
/// (TestContext.CurrentContext.Result, which already holds exceptions thrown by the body and SetUp) and writes
/// <c>&lt;uuid&gt;-result.json</c>. Fixture scopes collect OneTimeSetUp/OneTimeTearDown steps into containers.
/// </summary>
[AttributeUsage(AttributeTargets.Assembly | AttributeTargets.Class, AllowMultiple = false)]
public sealed class AllureResultsAttribute : Attribute, ITestAction
{
    public ActionTargets Targets => ActionTargets.Test | ActionTargets.Suite;

    public void BeforeTest(ITest test)
    {
        try { AllureLifecycle.OnBefore(test); }
        catch (Exception ex) when (ex is not ResultStateException) { AllureLifecycle.Warn("before " + test.FullName, ex); }
    }

    public void AfterTest(ITest test)
    {
        try { AllureLifecycle.OnAfter(test); }
        catch (Exception ex) when (ex is not ResultStateException) { AllureLifecycle.Warn("after " + test.FullName, ex); }
    }
}
