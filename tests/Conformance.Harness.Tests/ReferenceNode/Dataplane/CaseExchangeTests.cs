using System.Net;
using System.Net.NetworkInformation;
using Conformance.Cases.Rfc8986;
using Conformance.Harness.Packets;
using Conformance.Harness.Verdicts;
using Conformance.ReferenceNode.Config;
using NUnit.Framework;
using static Conformance.Harness.Tests.ReferenceNode.Dataplane.RefNode;

namespace Conformance.Harness.Tests.ReferenceNode.Dataplane;

/// <summary>
/// The suite's own stimuli and expectations (the public exchange builders of the cases) run through the engine, judged
/// field by field with the harness's PacketDiff and each expectation's ignored fields: what the live cases will see.
/// </summary>
[TestFixture]
public sealed class CaseExchangeTests
{
    private static byte[] Data(int i) => [(byte)i, 0x55, 0xaa];
    private static PacketBuilder OutOf(string ifc) => new PacketBuilder().Ethernet(new PhysicalAddress(MacOf(ifc)), new PhysicalAddress(TesterMac(ifc)));
    private static readonly IPAddress F = IPAddress.Parse("fc00:1::f");

    private static void Run(RefNode n, (List<byte[]> Stimuli, List<ExpectedPacket> Expected) x, string egress)
    {
        for (int i = 0; i < x.Stimuli.Count; i++)
        {
            var o = n.Exchange("t1", x.Stimuli[i]);
            Assert.That(o, Has.Count.EqualTo(1), x.Expected[i].Description);
            Assert.That(o[0].Interface, Is.EqualTo(egress));
            var diff = PacketDiff.Compare(x.Expected[i].Decoded, Decode(o[0].Frame), [.. x.Expected[i].IgnoredFields]);
            Assert.That(diff, Is.Empty, x.Expected[i].Description + ": " + string.Join("; ", diff));
        }
    }

    [Test]
    public void HeadendInsertCasesInsertExchange() =>
        Run(new RefNode(), HeadendInsertCases.InsertExchange(() => Into("t1"), () => OutOf("t2"), A,
            [IPAddress.Parse("2001:db8:e6::"), IPAddress.Parse("2001:db8:e6:ffff:ffff:ffff:ffff:ffff"), IPAddress.Parse("2001:db8:e6::1")], S2a, S2b, 7, Data), "t2");

    [Test]
    public void FlavorCasesUsdExchange() =>
        Run(new RefNode(BaseConfig([new LocalSidConfig("usd", F, Behavior.End) { Flavors = Flavors.Usd }])),
            FlavorCases.UsdExchange(() => Into("t1"), () => OutOf("t2"), A, F, N2, D, 7, Data), "t2");

    [Test]
    public void FlavorCasesUspExchange() =>
        Run(new RefNode(BaseConfig([new LocalSidConfig("usp", F, Behavior.End) { Flavors = Flavors.Usp }])),
            FlavorCases.UspExchange(() => Into("t1"), () => OutOf("t1"), A, F, N2, Data), "t1");

    /// <summary>TP-USP-BV-01 through the configuration language as the refnode pack renders it (templates/sid-end.cfg:
    /// one <c>flavor usp</c> line) rather than a typed flavor: the Port Unreachable quotes the popped packet.
    /// (A live failure quoting the packet with its SRH — payload length 88, next header 43 — came from a stale
    /// <c>bin/Release</c> node run with <c>--no-build</c>, built before the popped-context change d582f4b.)</summary>
    [Test]
    public void FlavorCasesUspExchangeWithTheSidAsThePackRendersIt()
    {
        var parsed = ConfigEditor.Parse("segment-routing srv6\n local-sid end_usp\n  sid fc00:1::f/128\n  behavior End\n  flavor usp\n", new SecretBox());
        var sid = parsed.Srv6.Sids.Single();
        Assert.That(sid.Flavors, Is.EqualTo(Flavors.Usp));
        Run(new RefNode(BaseConfig([sid])), FlavorCases.UspExchange(() => Into("t1"), () => OutOf("t1"), A, F, N2, Data), "t1");
    }

    [Test]
    public void BindingReducedCasesExchange() =>
        Run(new RefNode(), BindingReducedCases.Exchange(() => Into("t1"), () => OutOf("t2"), Src, A, D, N2, Sid("b7"), [S2a, S2b, S2c], 7, Data), "t2");

    [Test]
    public void VrfLookupCasesIpv6Exchange() =>
        Run(new RefNode(), VrfLookupCases.Ipv6Exchange(() => Into("t1"), () => OutOf("t3"), A, D, Sid("d6"), 7, Data), "t3");

    [Test]
    public void VrfLookupCasesIpv4Exchange() =>
        Run(new RefNode(), VrfLookupCases.Ipv4Exchange(() => Into("t1"), () => OutOf("t3"), A, A4, D4, Sid("d4"), 7, Data), "t3");

    [Test]
    public void L2CrossConnectCasesDx2Exchange() =>
        Run(new RefNode(), L2CrossConnectCases.Dx2Exchange(() => Into("t1"), "t3", new PhysicalAddress(MacN3), A, D, Sid("2:2"), 7, Data), "t3");
}
