namespace Conformance.Harness.Profiles;

/// <summary>SRv6 endpoint behaviors (RFC 8986 §4). Names in profiles use the RFC spelling, see <see cref="SrVocabulary"/>.</summary>
public enum SrBehavior
{
    End, EndX, EndT, EndDX2, EndDX6, EndDX4, EndDT6, EndDT4, EndDT46, EndB6Encaps, EndB6EncapsRed, EndBM,
}

/// <summary>Flavors: PSP/USP/USD (RFC 8986 §4.16), NEXT-C-SID/REPLACE-C-SID (RFC 9800).</summary>
public enum SrFlavor { Psp, Usp, Usd, NextCSid, ReplaceCSid }

/// <summary>SR source-node (headend) behaviors (RFC 8986 §5; H.Insert from the SRH-insertion draft).</summary>
public enum HeadendBehavior { HEncaps, HEncapsRed, HEncapsL2, HEncapsL2Red, HInsert }

/// <summary>HMAC algorithms for the SRH HMAC TLV (RFC 8754 §2.1.2).</summary>
public enum HmacAlgorithm { Sha1, Sha256 }

/// <summary>How the DUT is reached.</summary>
public enum TestbedKind { ReferenceLab, Ssh }

/// <summary>SR-domain edge role of the DUT interface that faces a tester port.</summary>
public enum PortRole { Internal, External }

/// <summary>Mapping between the profile spelling (RFC names) and the enums.</summary>
public static class SrVocabulary
{
    private static readonly (SrBehavior Value, string Name)[] Behaviors =
    [
        (SrBehavior.End, "End"), (SrBehavior.EndX, "End.X"), (SrBehavior.EndT, "End.T"),
        (SrBehavior.EndDX2, "End.DX2"), (SrBehavior.EndDX6, "End.DX6"), (SrBehavior.EndDX4, "End.DX4"),
        (SrBehavior.EndDT6, "End.DT6"), (SrBehavior.EndDT4, "End.DT4"), (SrBehavior.EndDT46, "End.DT46"),
        (SrBehavior.EndB6Encaps, "End.B6.Encaps"), (SrBehavior.EndB6EncapsRed, "End.B6.Encaps.Red"),
        (SrBehavior.EndBM, "End.BM"),
    ];

    private static readonly (SrFlavor Value, string Name)[] Flavors =
    [
        (SrFlavor.Psp, "PSP"), (SrFlavor.Usp, "USP"), (SrFlavor.Usd, "USD"),
        (SrFlavor.NextCSid, "NEXT-C-SID"), (SrFlavor.ReplaceCSid, "REPLACE-C-SID"),
    ];

    private static readonly (HeadendBehavior Value, string Name)[] Headends =
    [
        (HeadendBehavior.HEncaps, "H.Encaps"), (HeadendBehavior.HEncapsRed, "H.Encaps.Red"),
        (HeadendBehavior.HEncapsL2, "H.Encaps.L2"), (HeadendBehavior.HEncapsL2Red, "H.Encaps.L2.Red"),
        (HeadendBehavior.HInsert, "H.Insert"),
    ];

    private static readonly (HmacAlgorithm Value, string Name)[] HmacAlgorithms =
    [
        (HmacAlgorithm.Sha1, "sha1"), (HmacAlgorithm.Sha256, "sha256"),
    ];

    public static IReadOnlyList<string> BehaviorNames { get; } = Behaviors.Select(b => b.Name).ToArray();
    public static IReadOnlyList<string> FlavorNames { get; } = Flavors.Select(b => b.Name).ToArray();
    public static IReadOnlyList<string> HeadendNames { get; } = Headends.Select(b => b.Name).ToArray();
    public static IReadOnlyList<string> HmacAlgorithmNames { get; } = HmacAlgorithms.Select(b => b.Name).ToArray();

    public static string Name(this SrBehavior b) => Behaviors.First(x => x.Value == b).Name;
    public static string Name(this SrFlavor f) => Flavors.First(x => x.Value == f).Name;
    public static string Name(this HeadendBehavior h) => Headends.First(x => x.Value == h).Name;
    public static string Name(this HmacAlgorithm a) => HmacAlgorithms.First(x => x.Value == a).Name;

    /// <summary>Exact (case-sensitive) RFC spelling, e.g. "End.X".</summary>
    public static bool TryParseBehavior(string name, out SrBehavior value) => TryFind(Behaviors, name, out value);
    public static bool TryParseFlavor(string name, out SrFlavor value) => TryFind(Flavors, name, out value);
    public static bool TryParseHeadend(string name, out HeadendBehavior value) => TryFind(Headends, name, out value);
    public static bool TryParseHmacAlgorithm(string name, out HmacAlgorithm value) => TryFind(HmacAlgorithms, name, out value);

    public static SrBehavior ParseBehavior(string name) => TryParseBehavior(name, out var v)
        ? v : throw new ArgumentException($"unknown SRv6 behavior '{name}'; known: {string.Join(", ", BehaviorNames)}", nameof(name));
    public static SrFlavor ParseFlavor(string name) => TryParseFlavor(name, out var v)
        ? v : throw new ArgumentException($"unknown SRv6 flavor '{name}'; known: {string.Join(", ", FlavorNames)}", nameof(name));
    public static HeadendBehavior ParseHeadend(string name) => TryParseHeadend(name, out var v)
        ? v : throw new ArgumentException($"unknown headend behavior '{name}'; known: {string.Join(", ", HeadendNames)}", nameof(name));

    /// <summary>PSP, USP and USD are defined only for End, End.X and End.T (RFC 8986 §4.16).</summary>
    public static bool FlavorAppliesTo(SrFlavor flavor, SrBehavior behavior) =>
        flavor is not (SrFlavor.Psp or SrFlavor.Usp or SrFlavor.Usd)
        || behavior is SrBehavior.End or SrBehavior.EndX or SrBehavior.EndT;

    private static bool TryFind<T>((T Value, string Name)[] table, string name, out T value) where T : struct
    {
        foreach (var (v, n) in table)
        {
            if (string.Equals(n, name, StringComparison.Ordinal)) { value = v; return true; }
        }
        value = default;
        return false;
    }
}
