using System.Net;
using System.Numerics;

namespace Conformance.Harness.Tester;

/// <summary>Where a probe address stands in the prefix under test.</summary>
public enum ProbePlace { First, Last, Random, Given, JustBelow, JustAbove }

/// <summary>One address a purpose about a prefix sends to, and whether it is inside the prefix.</summary>
public sealed record PrefixProbe(IPAddress Address, ProbePlace Place, bool Inside)
{
    public override string ToString() => $"{Address} ({Place.ToString().ToLowerInvariant()}, {(Inside ? "inside" : "just outside")})";
}

/// <summary>
/// The addresses a purpose about a prefix or range probes, so that a rule covering only part of it (5f00::/32 for
/// 5f00::/16, say) cannot pass: the first and the last address, random ones across it (seeded, so a run can be
/// repeated and the evidence names them), any the case must also reach (a SID), and as controls the addresses just
/// below and just above it, which must not be treated the same.
/// </summary>
public static class PrefixProbes
{
    public static IReadOnlyList<PrefixProbe> Across(IPNetwork prefix, int seed, int random = 3, params IPAddress[] given)
    {
        var bits = prefix.BaseAddress.AddressFamily == System.Net.Sockets.AddressFamily.InterNetworkV6 ? 128 : 32;
        var first = ToNumber(prefix.BaseAddress);
        var size = BigInteger.One << (bits - prefix.PrefixLength);
        var last = first + size - 1;
        var max = (BigInteger.One << bits) - 1;
        var probes = new List<PrefixProbe> { new(FromNumber(first, bits), ProbePlace.First, true), new(FromNumber(last, bits), ProbePlace.Last, true) };
        var rng = new Random(seed);
        for (int i = 0; i < random; i++)
        {
            var bytes = new byte[bits / 8 + 1];
            rng.NextBytes(bytes);
            bytes[^1] = 0; // non-negative
            var offset = new BigInteger(bytes) % size;
            probes.Add(new PrefixProbe(FromNumber(first + offset, bits), ProbePlace.Random, true));
        }
        foreach (var g in given)
        {
            if (!prefix.Contains(g)) throw new ArgumentException($"{g} is not inside {prefix}", nameof(given));
            probes.Add(new PrefixProbe(g, ProbePlace.Given, true));
        }
        if (first > 0) probes.Add(new PrefixProbe(FromNumber(first - 1, bits), ProbePlace.JustBelow, false));
        if (last < max) probes.Add(new PrefixProbe(FromNumber(last + 1, bits), ProbePlace.JustAbove, false));
        return [.. probes.DistinctBy(p => p.Address)];
    }

    private static BigInteger ToNumber(IPAddress a) => new(a.GetAddressBytes(), isUnsigned: true, isBigEndian: true);

    private static IPAddress FromNumber(BigInteger n, int bits)
    {
        var raw = n.ToByteArray(isUnsigned: true, isBigEndian: true);
        var bytes = new byte[bits / 8];
        Array.Copy(raw, 0, bytes, bytes.Length - raw.Length, raw.Length);
        return new IPAddress(bytes);
    }
}
