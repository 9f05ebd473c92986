using Conformance.Cases.Support;
using Conformance.Harness;
using Conformance.Harness.Intent;
using Conformance.Harness.Platforms;
using Conformance.Harness.Profiles;
using Conformance.Harness.Reporting;
using Conformance.Harness.Verdicts;
using NUnit.Framework;

namespace Conformance.Cases.Rfc9800;

/// <summary>
/// The configuration read-back of the flavored SIDs (issue #16): a DUT that accepts a flavor in its configuration and
/// installs the SID without it (Linux 6.12 does so for End.T, End.DT6 and End.B6.Encaps with <c>flavors next-csid</c> or
/// <c>flavors psp</c>: the route is there, the flavor is not) answers as another behaviour than the one configured
/// (RFC 8986 §4.16.1.1: flavored and unflavored SIDs have different behavior IDs). After the suite's configuration, the
/// DUT's SID table is read through the platform pack's <c>state.sid_table</c> (the node's <c>show srv6 sid | json</c>,
/// Linux's <c>ip -6 route show table all</c>) and every SID of the profile that carries a flavor (PSP, USP, USD, or a
/// C-SID structure with NEXT-C-SID / REPLACE-C-SID) must be in it with its behaviour, each flavor and its Locator-Block
/// and C-SID lengths as configured (<see cref="SidReadBack"/>). The purpose judges the SIDs the profile configures:
/// what it claims.
/// </summary>
[TestFixture, Category("C-SID")]
public sealed class CsidConfigurationCases : ConformanceCase
{
    [Test]
    [NegativeControl("CsidNextVariantsWrong", Why = "end_csid_psp is installed without PSP, end_csid_f3232 with nflen 16, end_csid_f4816 with lblen 32 nflen 32: the SID table shows them so")]
    [NegativeControl("NodeSrhMishandled", Profile = "reference-node.yaml", Why = "defect flavors-dropped-except-end-and-end-x: the REPLACE-C-SID End.T end_t_rcsid is accepted but installed without its flavor and C-SID structure, and reads back as a plain End.T")]
    [TestPurpose(Id = "TP-CSID-BV-20", Feature = "C-SID",
        Title = "Configuration read-back: every SID configured with a flavor (PSP, USP, USD, NEXT-C-SID, REPLACE-C-SID) is in the DUT's SID table with its behaviour, every flavor and its Locator-Block and C-SID lengths as configured; a flavor accepted and silently dropped fails",
        Requirements = new[] { "RFC9800-4-FLAVORED-SIDS", "RFC8986-4.16.1.1-FLAVORED-BEHAVIOR-IDS" },
        Stimulus = "no packet: after the suite's configuration, the pack's state.sid_table command (the node: show srv6 sid | json; Linux: ip -6 route show table all), read with the pack's fields (the node) or the seg6local reader (Linux: action, flavors, lblen, nflen)",
        Expected = "for every parameters.sids entry with flavors or a csid structure: a row with its address and prefix length, its behaviour, exactly its flavors (the C-SID structure's NEXT-C-SID / REPLACE-C-SID included; none dropped, none added) and, for a C-SID SID, its block_bits and csid_bits")]
    public async Task FlavoredSidsReadBackAsConfigured()
    {
        var configured = SidReadBack.Flavored(IntentBuilder.Build(Profile).Sids);
        if (configured.Count == 0)
            Assert.Ignore($"N/A: the profile {Profile.Name} configures no SID with a flavor or a C-SID structure (parameters.sids).");
        if (Testbed.Pack.State?.SidTable is not { } table)
            throw new TestbedException($"the {Profile.Testbed.Platform} pack ({Testbed.Pack.DescriptorPath}) has no state.sid_table reader: the suite cannot read the DUT's SID table back, so the purpose cannot be decided.");
        var output = await Evidence.StepAsync($"Read the DUT's SID table: {table.Command}", () => Testbed.RunVerbCommandAsync(table.Command));
        Evidence.AttachText("SID table (DUT output)", $"$ {table.Command}\n{output}");
        SidTableReadBack readBack;
        try { readBack = SidReadBack.Read(table, output); }
        catch (PackOutputException e) { throw new TestbedException($"the DUT's SID table could not be read ({e.Message})"); }
        var unjudged = new List<string>();
        if (!readBack.ShowsBehavior) unjudged.Add("behaviour");
        if (!readBack.ShowsFlavors) unjudged.Add("flavors");
        if (!readBack.ShowsCsidLengths && configured.Any(s => s.Csid is not null)) unjudged.Add("C-SID lengths");
        if (unjudged.Count > 0)
            throw new TestbedException($"the {Profile.Testbed.Platform} pack's state.sid_table ({table.DeclaredAt}) does not read the SIDs' {string.Join(", ", unjudged)}: the read-back cannot be judged.");
        Evidence.AttachText("Configured flavored SIDs and what the table shows", string.Join('\n', configured.Select(s =>
            $"{s.Name} {s.Address}/{s.PrefixLength} {s.Behavior.Name()} flavors {string.Join(",", s.Flavors.Order().Select(f => f.Name()))}" +
            $"{(s.Csid is { } c ? $", Locator-Block {c.BlockBits} bits, C-SID {c.CsidBits} bits" : "")}\n  shown: " +
            string.Join(" | ", readBack.Rows.Where(r => r.Sid.Equals(s.Address)).Select(r => r.Shown).DefaultIfEmpty("(no row)")))));
        var problems = SidReadBack.Judge(configured, readBack, Testbed.Pack.Templates.Flavors);
        if (problems.Count > 0)
            Fail($"The DUT's SID table does not show {problems.Count} of the {configured.Count} flavored SIDs as configured (a flavored SID is another behaviour than the unflavored one, RFC 8986 §4.16.1.1; RFC 9800 §4):\n" +
                string.Join('\n', problems));
    }
}
