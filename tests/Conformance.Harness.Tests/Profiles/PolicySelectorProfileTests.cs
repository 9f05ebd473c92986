using System.Net;
using Conformance.Harness.Profiles;
using NUnit.Framework;
using static Conformance.Harness.Tests.Profiles.ProfileTestSupport;

namespace Conformance.Harness.Tests.Profiles;

/// <summary>
/// capabilities.policy_selector and parameters.policy_selector (draft-yang-srv6ops-policy-selector-01): the vocabulary loads
/// into the model, bad input is an error with file:line:column and the field, and a profile without it is unchanged.
/// </summary>
[TestFixture]
public class PolicySelectorProfileTests
{
    private const string Caps = """
          policy_selector:
            supported: true
            classifiers: [dscp, source_prefix, destination_port, flow_label]
            quality_metrics: [loss, delay]
            weights: true
            wait_to_restore: true
            measurement: [loopback]
        """;

    private const string Params = """
          policy_selector:
            parent: sr-policy-1
            steer: 2001:db8:e:10::/64
            constituents:
              - name: path1
                segments: ['2001:db8:b:2:e::', '2001:db8:f:1::1']
                priority: 1
                weight: 3
                thresholds: { loss_percent: 5, delay_ms: 1000 }
                wait_to_restore_s: 10
              - name: path2
                segments: ['2001:db8:b:2:e::', '2001:db8:f:5::1']
                priority: 2
            classes:
              - name: conference
                match: { dscp: 46, source_prefix: '2001:db8:a::/64' }
                priorities: { path1: 1, path2: 2 }
              - name: crm
                match: { destination_port: [8443, 8444], flow_label: 344865 }
                priorities: { path2: 1 }
        """;

    private static string With(string caps = Caps, string parameters = Params) =>
        Mutate(Mutate(ValidSsh, "  headends: [H.Encaps]", "  headends: [H.Encaps]\n" + caps.TrimEnd()),
            "  traffic:\n    max_packets_per_case: 100", "  traffic:\n    max_packets_per_case: 100\n" + parameters.TrimEnd());

    [Test]
    public void TheSelectorLoads()
    {
        var p = ProfileLoader.Parse(With(), Source);
        var s = p.Parameters.PolicySelector!;
        Assert.Multiple(() =>
        {
            Assert.That(p.Claims("policy_selector") && p.Claims("policy_selector.weights") && p.Claims("policy_selector.wait_to_restore"), Is.True);
            Assert.That(p.Capabilities.PolicySelector.Classifiers, Has.Count.EqualTo(4));
            Assert.That((s.Parent, s.Steer.ToString()), Is.EqualTo(("sr-policy-1", "2001:db8:e:10::/64")));
            Assert.That(s.Constituents.Select(c => (c.Name, c.Priority, c.Weight, c.WaitToRestoreSeconds)), Is.EqualTo(new[] { ("path1", 1, 3, 10), ("path2", 2, 1, 0) }));
            Assert.That(s.Constituents[0].Thresholds, Is.EqualTo(new SelectorThresholds { LossPercent = 5, DelayMs = 1000 }));
            Assert.That(s.Classes[1].Match.DestinationPorts, Is.EqualTo(new[] { 8443, 8444 }));
            Assert.That(s.Classes[1].Match.FlowLabels, Is.EqualTo(new[] { 0x54321u }));
            Assert.That(s.Classes[0].Match.Matches(46, IPAddress.Parse("2001:db8:a::5"), null, 0), Is.True);
            Assert.That(s.Classes[0].Match.Matches(46, IPAddress.Parse("2001:db8:a:1::"), null, 0), Is.False, "just above the source prefix");
        });
    }

    [Test]
    public void WithoutTheSelectorNothingChanges()
    {
        var p = ProfileLoader.Parse(ValidSsh, Source);
        Assert.That((p.Claims("policy_selector"), p.Parameters.PolicySelector), Is.EqualTo((false, (PolicySelectorParameters?)null)));
    }

    [Test]
    public void AnUnknownConstituentInAClass_IsAnErrorWithItsPosition()
    {
        var yaml = With(parameters: Params.Replace("priorities: { path2: 1 }", "priorities: { pth2: 1 }"));
        var e = AssertError(ParseFails(yaml), LineOf(yaml, "pth2"), "parameters.policy_selector.classes[1].priorities.pth2", "did you mean 'path2'");
        Assert.That(e.Column, Is.GreaterThan(1));
    }

    [Test]
    public void UnclaimedOptionsAndBadValues_AreErrors()
    {
        var caps = Caps.Replace("    weights: true\n", "").Replace("quality_metrics: [loss, delay]", "quality_metrics: [loss]").Replace("flow_label]", "flow_lable]");
        var yaml = With(caps, Params.Replace("dscp: 46", "dscp: 64"));
        var e = ParseFails(yaml);
        AssertError(e, LineOf(yaml, "flow_lable"), "capabilities.policy_selector.classifiers[3]", "did you mean 'flow_label'");
        AssertError(e, LineOf(yaml, "weight: 3"), "parameters.policy_selector.constituents[0].weight", "weights is not claimed");
        AssertError(e, LineOf(yaml, "delay_ms: 1000"), "parameters.policy_selector.constituents[0].thresholds.delay_ms", "not claimed");
        AssertError(e, LineOf(yaml, "dscp: 64"), "parameters.policy_selector.classes[0].match.dscp");
        AssertError(e, LineOf(yaml, "flow_label: 344865"), "parameters.policy_selector.classes[1].match.flow_label", "not claimed");
    }

    [Test]
    public void ParametersWithoutTheClaim_AndTheClaimWithoutParameters_AreErrors()
    {
        var noClaim = With(caps: "  per_sid_counters: false\n");
        AssertError(ParseFails(noClaim), LineOf(noClaim, "parent: sr-policy-1"), "parameters.policy_selector", "not true");
        var noParams = With(parameters: "");
        AssertError(ParseFails(noParams), LineOf(noParams, "sid_block"), "parameters.policy_selector", "must describe the parent");
    }

    [Test]
    public void DuplicateNamesAndSegmentLists_AreErrors()
    {
        var yaml = With(parameters: Params.Replace("- name: path2\n        segments: ['2001:db8:b:2:e::', '2001:db8:f:5::1']", "- name: path1\n        segments: ['2001:db8:b:2:e::', '2001:db8:f:1::1']"));
        var e = ParseFails(yaml);
        Assert.That(e.Errors.Select(x => x.Message), Has.Some.Contains("duplicate constituent name 'path1'"));
    }
}
