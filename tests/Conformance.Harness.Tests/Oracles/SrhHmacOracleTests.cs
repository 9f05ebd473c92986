using System.Diagnostics;
using System.Net;
using System.Text.Json;
using Conformance.Harness.Packets;
using Conformance.Harness.Profiles;
using NUnit.Framework;
using static Conformance.Harness.Tests.Oracles.OracleSupport;

namespace Conformance.Harness.Tests.Oracles;

/// <summary>
/// <see cref="SrhHmac"/> against an independent computation: Oracles/srh_hmac.py, Python's stdlib
/// hmac/hashlib over the fields it reads from the SRH's wire bytes (not scapy, whose HMAC TLV
/// length handling is wrong). SHA-1 and SHA-256, one to five segments, flags and key ids varied.
/// </summary>
public class SrhHmacOracleTests
{
    private const string Python = "/usr/bin/python3";
    private static readonly IPAddress Src = IPAddress.Parse("2001:db8:0:1::2");

    private static IEnumerable<(HmacAlgorithm Alg, byte[] Key, uint KeyId, byte Flags, IPAddress[] Segments)> Vectors()
    {
        var rng = new Random(8754);
        foreach (var alg in new[] { HmacAlgorithm.Sha1, HmacAlgorithm.Sha256 })
            for (var n = 1; n <= 5; n++)
            {
                var key = new byte[rng.Next(1, 64)];
                rng.NextBytes(key);
                var segs = Enumerable.Range(0, n).Select(i => IPAddress.Parse($"2001:db8:b:{i + 1}:{rng.Next(1, 0xffff):x}::")).ToArray();
                yield return (alg, key, (uint)rng.Next(), (byte)(n % 2 == 0 ? 0 : 0x08), segs);
            }
    }

    [Test]
    public void HmacFieldMatchesPythonHmacOverTheWireFields()
    {
        RequireTool(Python, "python3");
        var script = Path.Combine(TestContext.CurrentContext.TestDirectory, "Oracles", "srh_hmac.py");
        if (!File.Exists(script)) script = Path.Combine(AppContext.BaseDirectory, "Oracles", "srh_hmac.py");
        var psi = new ProcessStartInfo(Python) { RedirectStandardInput = true, RedirectStandardOutput = true, RedirectStandardError = true };
        psi.ArgumentList.Add(script);
        using var p = Process.Start(psi)!;
        var checker = new FieldChecker();
        var vectors = Vectors().ToList();
        var built = new List<(SegmentRoutingHeader Srh, byte[] Wire, byte[] Text)>();
        foreach (var v in vectors)
        {
            var srh = new SegmentRoutingHeader { Segments = [.. v.Segments], SegmentsLeft = (byte)(v.Segments.Length - 1), Flags = v.Flags, NextHeader = 58 };
            srh.AddHmac(v.Alg, v.Key, v.KeyId, Src);
            var wire = srh.Encode();
            built.Add((srh, wire, SrhHmac.Text(Src, srh.EffectiveLastEntry, srh.Flags, 0, v.KeyId, srh.Segments)));
            p.StandardInput.WriteLine(JsonSerializer.Serialize(new { srh = Convert.ToHexStringLower(wire), src = Src.ToString(), key = Convert.ToHexStringLower(v.Key), alg = v.Alg.Name() }));
        }
        p.StandardInput.Close();
        var lines = p.StandardOutput.ReadToEnd().Split('\n', StringSplitOptions.RemoveEmptyEntries);
        p.WaitForExit();
        Assert.That(p.ExitCode, Is.Zero, p.StandardError.ReadToEnd());
        Assert.That(lines, Has.Length.EqualTo(vectors.Count));
        for (var i = 0; i < vectors.Count; i++)
        {
            using var doc = JsonDocument.Parse(lines[i]);
            var tlv = built[i].Srh.Tlvs.OfType<HmacTlv>().Single();
            var where = $"{vectors[i].Alg.Name()} n={vectors[i].Segments.Length}";
            checker.Eq(where, "text", Convert.ToHexStringLower(built[i].Text), doc.RootElement.GetProperty("text").GetString());
            checker.Eq(where, "hmac", Convert.ToHexStringLower(tlv.Hmac), doc.RootElement.GetProperty("hmac").GetString());
            checker.Eq(where, "tlv length octet", tlv.Length, 38);
            checker.Eq(where, "srh length multiple of 8", built[i].Wire.Length % 8, 0);
        }
        checker.AssertNoFailures("python hmac/hashlib");
    }

    [Test]
    public void Sha1DigestIsPlacedInTheLowOrderOctetsAndTheRestIsZero()
    {
        var f = SrhHmac.Compute(HmacAlgorithm.Sha1, "k"u8, "text"u8);
        Assert.That(f, Has.Length.EqualTo(32));
        Assert.That(f[20..], Is.All.EqualTo(0));
        Assert.That(f[..20], Is.EqualTo(System.Security.Cryptography.HMACSHA1.HashData("k"u8, "text"u8)));
    }

    /// <summary>RFC 8754 §2.1.2.1's list, in its order, the TLV's "16 bits following Length" (D bit, Reserved) included.</summary>
    [Test]
    public void TheTextIsSourceLastEntryFlagsDAndReservedKeyIdSegmentsInThatOrder()
    {
        var segs = new[] { IPAddress.Parse("2001:db8::a"), IPAddress.Parse("2001:db8::b") };
        var t = SrhHmac.Text(Src, 1, 0x08, 0x8000, 0x01020304, segs);
        Assert.That(t, Has.Length.EqualTo(16 + 1 + 1 + 2 + 4 + 32));
        Assert.That(t[..16], Is.EqualTo(Src.GetAddressBytes()));
        Assert.That(t[16..24], Is.EqualTo(new byte[] { 1, 0x08, 0x80, 0, 1, 2, 3, 4 }));
        Assert.That(t[24..40], Is.EqualTo(segs[0].GetAddressBytes()));
        Assert.That(t[40..], Is.EqualTo(segs[1].GetAddressBytes()));
    }

    /// <summary>The D bit is part of the text: the same SRH with D set has another HMAC.</summary>
    [Test]
    public void TheDBitChangesTheHmac()
    {
        var srh = new SegmentRoutingHeader { Segments = [IPAddress.Parse("2001:db8::a")], SegmentsLeft = 0, NextHeader = 58 };
        var without = SrhHmac.Tlv(HmacAlgorithm.Sha256, "k"u8, 1, Src, srh, dFlag: false);
        var with = SrhHmac.Tlv(HmacAlgorithm.Sha256, "k"u8, 1, Src, srh, dFlag: true);
        Assert.That(with.Hmac, Is.Not.EqualTo(without.Hmac));
    }

    [Test]
    public void FieldLengthsOtherThanMultiplesOf8UpTo32AreRefused()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => SrhHmac.Compute(HmacAlgorithm.Sha256, "k"u8, "t"u8, 20));
        Assert.Throws<ArgumentOutOfRangeException>(() => SrhHmac.Compute(HmacAlgorithm.Sha256, "k"u8, "t"u8, 40));
        Assert.That(SrhHmac.Compute(HmacAlgorithm.Sha256, "k"u8, "t"u8, 16), Has.Length.EqualTo(16));
    }
}
