using System.Buffers.Binary;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace Conformance.Harness.Packets;

/// <summary>The two compression flavors of RFC 9800 §4 (the RFC spells them NEXT-CSID and REPLACE-CSID).</summary>
public enum CsidFlavor
{
    /// <summary>RFC 9800 §4.1: every container is a fully formed SID, Locator-Block then C-SIDs in processing order.</summary>
    NextCsid,
    /// <summary>RFC 9800 §4.2: a fully formed first container (C-SID + index in the Argument), then packed containers.</summary>
    ReplaceCsid,
}

/// <summary>
/// A C-SID structure: flavor, Locator-Block length B (the RFC's LBL) and C-SID length C (the RFC's LNFL, "the sum of
/// the LNL and the FL of the SID. It is also referred to as the "CSID length"", RFC 9800 §2). The Argument length is
/// 128-B-C for both flavors (RFC 9800 §4.1: "The AL for NEXT-CSID flavor SIDs is equal to 128-LBL-LNFL."; §4.2: "The AL
/// for REPLACE-CSID flavor SIDs is equal to 128-LBL-LNFL.").
/// </summary>
/// <remarks>
/// Validity follows RFC 9800 §6.1 ("The LBL is not 0." / "The LNFL is not 0."). REPLACE-CSID is limited to C = 16 or 32
/// (§4.2: "This document defines the REPLACE-CSID flavor for 16-bit and 32-bit CSID lengths (LNFL).") and to
/// B ≤ 128-C-X (§4.2: "as long as it does not exceed 128-LNFL- ceiling(log_2(128/LNFL))"). C is at most 64 bits here
/// so that a C-SID fits a <see cref="ulong"/>.
/// </remarks>
public sealed record CsidStructure
{
    public CsidStructure(CsidFlavor flavor, int blockBits, int csidBits)
    {
        if (blockBits is < 1 or > 127)
            throw new ArgumentOutOfRangeException(nameof(blockBits), blockBits, "the Locator-Block length must be 1..127 bits (RFC 9800 §6.1: the LBL is not 0)");
        if (csidBits is < 1 or > 64)
            throw new ArgumentOutOfRangeException(nameof(csidBits), csidBits, "the C-SID length must be 1..64 bits (RFC 9800 §6.1: the LNFL is not 0)");
        if (blockBits + csidBits > 128)
            throw new ArgumentException($"a {blockBits}-bit block and a {csidBits}-bit C-SID do not fit 128 bits");
        if (flavor == CsidFlavor.ReplaceCsid)
        {
            if (csidBits is not (16 or 32))
                throw new ArgumentException($"REPLACE-CSID is defined for 16- and 32-bit C-SIDs only (RFC 9800 §4.2), not {csidBits}");
            int x = IndexBitsFor(csidBits);
            if (blockBits > 128 - csidBits - x)
                throw new ArgumentException($"a REPLACE-CSID block of {blockBits} bits exceeds 128-LNFL-ceiling(log_2(128/LNFL)) = {128 - csidBits - x} (RFC 9800 §4.2)");
        }
        Flavor = flavor;
        BlockBits = blockBits;
        CsidBits = csidBits;
    }

    public CsidFlavor Flavor { get; }
    /// <summary>B, the RFC's LBL.</summary>
    public int BlockBits { get; }
    /// <summary>C, the RFC's LNFL.</summary>
    public int CsidBits { get; }
    /// <summary>AL = 128-LBL-LNFL (RFC 9800 §4.1, §4.2).</summary>
    public int ArgumentBits => 128 - BlockBits - CsidBits;

    /// <summary>
    /// NEXT-CSID: C-SIDs one container holds, K = floor((128-LBL)/LNFL) (RFC 9800 §4.1).
    /// REPLACE-CSID: positions of a packed container, K = floor(128/LNFL) (RFC 9800 §4.2).
    /// </summary>
    public int K => Flavor == CsidFlavor.NextCsid ? (128 - BlockBits) / CsidBits : 128 / CsidBits;

    /// <summary>NEXT-CSID: the (128-B) mod C least significant bits that cannot hold a whole C-SID (0 for 32/16, 48/16, 16/16, 32/32).</summary>
    public int RemainderBits => Flavor == CsidFlavor.NextCsid ? (128 - BlockBits) % CsidBits : 128 - K * CsidBits;

    /// <summary>REPLACE-CSID: X = ceiling(log_2(128/LNFL)), the index bits at the end of the Argument (RFC 9800 §4.2); 0 for NEXT-CSID.</summary>
    public int IndexBits => Flavor == CsidFlavor.ReplaceCsid ? IndexBitsFor(CsidBits) : 0;

    private static int IndexBitsFor(int c)
    {
        // ceiling(log_2(128/LNFL)) with the real quotient: the smallest x with 2^x * LNFL >= 128.
        int x = 0;
        while ((c << x) < 128) x++;
        return x;
    }

    /// <summary>The structure RFC 9800 §4.1 makes mandatory for NEXT-CSID ("a 32-bit LBL and a 16-bit CSID length").</summary>
    public static CsidStructure F3216 { get; } = new(CsidFlavor.NextCsid, 32, 16);
    /// <summary>NEXT-CSID with the 48-bit block and 16-bit C-SIDs of RFC 9800 Figure 2.</summary>
    public static CsidStructure F4816 { get; } = new(CsidFlavor.NextCsid, 48, 16);
    public static CsidStructure Next(int blockBits, int csidBits) => new(CsidFlavor.NextCsid, blockBits, csidBits);
    public static CsidStructure Replace(int blockBits, int csidBits) => new(CsidFlavor.ReplaceCsid, blockBits, csidBits);

    /// <summary>"NEXT-CSID" or "REPLACE-CSID", the RFC's spelling.</summary>
    public string FlavorName => Flavor == CsidFlavor.NextCsid ? "NEXT-CSID" : "REPLACE-CSID";

    public override string ToString() => $"{FlavorName} {BlockBits}/{CsidBits}";
}

/// <summary>A Locator-Block (its value and length B) with the C-SID structure of the SIDs allocated from it.</summary>
public sealed record CsidBlock
{
    public CsidBlock(IPAddress prefix, CsidStructure structure)
    {
        ArgumentNullException.ThrowIfNull(prefix);
        ArgumentNullException.ThrowIfNull(structure);
        if (prefix.AddressFamily != AddressFamily.InterNetworkV6)
            throw new ArgumentException($"block {prefix} is not an IPv6 prefix");
        var v = CsidBits.ToUInt128(prefix);
        if (CsidBits.Field(v, structure.BlockBits, 128 - structure.BlockBits) != 0)
            throw new ArgumentException($"block {Rfc5952.Format(prefix)}/{structure.BlockBits} has bits set after its length");
        Value = v;
        Prefix = prefix;
        Structure = structure;
    }

    public IPAddress Prefix { get; }
    public CsidStructure Structure { get; }
    internal UInt128 Value { get; }

    public bool Contains(IPAddress address) =>
        address.AddressFamily == AddressFamily.InterNetworkV6 &&
        CsidBits.Field(CsidBits.ToUInt128(address), 0, Structure.BlockBits) == CsidBits.Field(Value, 0, Structure.BlockBits);

    /// <summary>The fully formed SID of <paramref name="csid"/> in this block: block, C-SID, Argument 0.</summary>
    public IPAddress Address(ulong csid) => CsidCodec.EncodeNext(this, [csid]);

    /// <summary>A SID of this block carrying the block's flavor (compressible, RFC 9800 §6.2).</summary>
    public CsidSid Sid(ulong csid) => new(Address(csid), this);

    /// <summary>
    /// A SID of this block without the block's flavor (e.g. End.DT6) that can end a C-SID sequence: RFC 9800 §4.1 "the
    /// last CSID in the sequence is not required to have the NEXT-CSID flavor", §4.2 "The last CSID in the CSID sequence
    /// is not required to have the REPLACE-CSID flavor". <paramref name="argumentBits"/> is its AL (NEXT-CSID §6.2 S12).
    /// </summary>
    public CsidSid LastSid(ulong csid, int argumentBits = 0) => new(Address(csid), this, HasFlavor: false, ArgumentBits: argumentBits);

    /// <summary>The block in the <c>decode --csid</c> form: "2001:db8:100::/48,16" or "2001:db8:b2::/48,32,replace".</summary>
    public override string ToString() =>
        $"{Rfc5952.Format(Prefix)}/{Structure.BlockBits},{Structure.CsidBits}{(Structure.Flavor == CsidFlavor.ReplaceCsid ? ",replace" : "")}";

    /// <summary>
    /// Parses "PREFIX/B,C[,next|replace]" (flavor NEXT-CSID by default), e.g. "2001:db8:100::/48,16",
    /// "2001:db8::/32,16,next", "2001:db8:b2::/48,32,replace".
    /// </summary>
    public static CsidBlock Parse(string spec)
    {
        ArgumentNullException.ThrowIfNull(spec);
        string Bad(string why) => $"bad C-SID block '{spec}': {why} (expected PREFIX/B,C[,next|replace], e.g. 2001:db8:100::/48,16)";
        var parts = spec.Split(',', StringSplitOptions.TrimEntries);
        if (parts.Length is < 2 or > 3) throw new FormatException(Bad("needs a prefix with its length and a C-SID length"));
        int slash = parts[0].IndexOf('/');
        if (slash < 0) throw new FormatException(Bad("the prefix has no /B length"));
        if (!IPAddress.TryParse(parts[0][..slash], out var prefix) || prefix.AddressFamily != AddressFamily.InterNetworkV6 || prefix.ScopeId != 0)
            throw new FormatException(Bad($"'{parts[0][..slash]}' is not an IPv6 address"));
        if (!int.TryParse(parts[0][(slash + 1)..], NumberStyles.None, CultureInfo.InvariantCulture, out int b))
            throw new FormatException(Bad($"'{parts[0][(slash + 1)..]}' is not a block length"));
        if (!int.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out int c))
            throw new FormatException(Bad($"'{parts[1]}' is not a C-SID length"));
        var flavor = parts.Length < 3 ? CsidFlavor.NextCsid : parts[2].ToLowerInvariant() switch
        {
            "next" or "next-csid" or "next-c-sid" => CsidFlavor.NextCsid,
            "replace" or "replace-csid" or "replace-c-sid" => CsidFlavor.ReplaceCsid,
            _ => throw new FormatException(Bad($"unknown flavor '{parts[2]}'")),
        };
        try
        {
            return new CsidBlock(prefix, new CsidStructure(flavor, b, c));
        }
        catch (ArgumentException e)
        {
            throw new FormatException(Bad(e.Message.Split(" (Parameter", 2)[0]), e);
        }
    }
}

/// <summary>
/// One SID of an uncompressed segment list as the SR source node knows it (RFC 9800 §6): its address, the block and
/// structure it was allocated from (null: structure unknown, never compressed, §6.1 "A SID with an unknown SID structure
/// is not compressible."), whether it has the block's flavor, and its Argument length when it does not.
/// </summary>
public sealed record CsidSid(IPAddress Address, CsidBlock? Block = null, bool HasFlavor = true, int ArgumentBits = 0)
{
    public static CsidSid Classic(IPAddress address) => new(address);
    public static CsidSid Classic(string address) => new(IPAddress.Parse(address));
    public static implicit operator CsidSid(IPAddress address) => new(address);
}

/// <summary>Which kind of 128-bit value a <see cref="CsidContainer"/> is.</summary>
public enum CsidContainerForm
{
    /// <summary>A NEXT-CSID container: Locator-Block, active C-SID, Argument of further C-SIDs (RFC 9800 §4.1, Figure 1).</summary>
    Next,
    /// <summary>A REPLACE-CSID container in fully formed 128-bit SID format: block, C-SID, Argument with the index (RFC 9800 §4.2, Figure 3).</summary>
    ReplaceFull,
    /// <summary>A REPLACE-CSID container in packed format: K positions of C bits, position 0 most significant (RFC 9800 §4.2, Figure 4).</summary>
    ReplacePacked,
}

/// <summary>
/// A decoded C-SID container. <see cref="Csids"/> is in processing order: for NEXT-CSID the active C-SID then the
/// Argument's C-SIDs (all K, zeros included); for a fully formed REPLACE-CSID container the one C-SID; for a packed
/// container positions K-1 down to 0. Malformation offsets are byte offsets of the container plus the base offset given
/// to the decoder; fields are "&lt;prefix&gt;csids[i]", "&lt;prefix&gt;remainder", "&lt;prefix&gt;argument".
/// </summary>
public sealed record CsidContainer
{
    public required IPAddress Address { get; init; }
    public required CsidStructure Structure { get; init; }
    public required CsidContainerForm Form { get; init; }
    /// <summary>The block of a fully formed container; null for a packed one.</summary>
    public CsidBlock? Block { get; init; }
    public required IReadOnlyList<ulong> Csids { get; init; }
    /// <summary>NEXT-CSID: the (128-B) mod C bits after the last whole C-SID (<see cref="CsidStructure.RemainderBits"/> wide).</summary>
    public ulong Remainder { get; init; }
    /// <summary>REPLACE-CSID fully formed: DA.Arg.Index, the least significant X bits of the Argument.</summary>
    public int? Index { get; init; }
    /// <summary>REPLACE-CSID fully formed: the Argument bits above the index (0 unless e.g. End.DT2M's Arg.FE2, §4.2.7).</summary>
    public UInt128 ArgumentAboveIndex { get; init; }
    public IReadOnlyList<Malformation> Malformations { get; init; } = [];

    /// <summary>The active C-SID of a fully formed container (the Locator-Node and Function of the SID).</summary>
    public ulong Active => Csids.Count > 0 ? Csids[0] : 0;

    /// <summary>The C-SIDs up to the end of the container (the first zero C-SID ends it, RFC 9800 §5).</summary>
    public IReadOnlyList<ulong> CarriedCsids
    {
        get
        {
            var list = new List<ulong>();
            int start = Form == CsidContainerForm.Next ? 1 : 0;
            if (Form != CsidContainerForm.ReplacePacked) list.Add(Active);
            for (int i = start; i < Csids.Count && Form != CsidContainerForm.ReplaceFull; i++)
            {
                if (Csids[i] == 0) break;
                list.Add(Csids[i]);
            }
            return list;
        }
    }

    public string Notation => CsidNotation.Format(this);

    public override string ToString() => Notation;
}

/// <summary>Bit fields of 128-bit values, numbered as RFC 9800 does: bit 0 is the most significant.</summary>
internal static class CsidBits
{
    public static UInt128 ToUInt128(IPAddress a)
    {
        Span<byte> b = stackalloc byte[16];
        if (!a.TryWriteBytes(b, out int n) || n != 16)
            throw new ArgumentException($"{a} is not an IPv6 address");
        return BinaryPrimitives.ReadUInt128BigEndian(b);
    }

    public static IPAddress ToAddress(UInt128 v)
    {
        var b = new byte[16];
        BinaryPrimitives.WriteUInt128BigEndian(b, v);
        return new IPAddress(b);
    }

    public static UInt128 Mask(int len) => len >= 128 ? UInt128.MaxValue : len <= 0 ? UInt128.Zero : (UInt128.One << len) - 1;

    /// <summary>The value of bits [start..start+len-1].</summary>
    public static UInt128 Field(UInt128 v, int start, int len) => len <= 0 ? 0 : (v >> (128 - start - len)) & Mask(len);

    /// <summary><paramref name="v"/> with bits [start..start+len-1] replaced by <paramref name="value"/>.</summary>
    public static UInt128 With(UInt128 v, int start, int len, UInt128 value)
    {
        if (len <= 0) return v;
        if ((value & ~Mask(len)) != 0)
            throw new ArgumentOutOfRangeException(nameof(value), $"0x{value:x} does not fit {len} bits");
        int shift = 128 - start - len;
        return (v & ~(Mask(len) << shift)) | (value << shift);
    }

    public static string Hex(UInt128 v, int bits) => v.ToString("x" + ((bits + 3) / 4).ToString(CultureInfo.InvariantCulture), CultureInfo.InvariantCulture);
}

/// <summary>Encodes and decodes C-SID containers (RFC 9800 §4.1, §4.2).</summary>
public static class CsidCodec
{
    private const string Layer = "csid";

    /// <summary>
    /// A NEXT-CSID container: the block, then <paramref name="csids"/> in processing order from bit B on ("The second CSID
    /// is encoded in the most significant bits of the CSID container Argument. The third CSID is encoded in the bits of the
    /// Argument that immediately follow the second CSID, and so on.", RFC 9800 §4.1); unused bits are zero (§6.3 rule 4).
    /// <paramref name="remainder"/> fills the (128-B) mod C bits after the K-th C-SID (deliberately malformed stimuli).
    /// </summary>
    public static IPAddress EncodeNext(CsidBlock block, IReadOnlyList<ulong> csids, ulong remainder = 0)
    {
        ArgumentNullException.ThrowIfNull(block);
        var s = block.Structure;
        if (csids.Count > s.K)
            throw new ArgumentException($"{csids.Count} C-SIDs do not fit a {s} container (K = {s.K})");
        UInt128 v = block.Value;
        for (int i = 0; i < csids.Count; i++)
            v = CsidBits.With(v, s.BlockBits + i * s.CsidBits, s.CsidBits, csids[i]);
        if (remainder != 0)
            v = CsidBits.With(v, 128 - s.RemainderBits, s.RemainderBits, remainder);
        return CsidBits.ToAddress(v);
    }

    /// <summary>A REPLACE-CSID container in fully formed format: block, C-SID, Argument with the index in its X least
    /// significant bits (RFC 9800 §4.2; "The Argument value is initially 0.").</summary>
    public static IPAddress EncodeReplaceFull(CsidBlock block, ulong csid, int index = 0)
    {
        ArgumentNullException.ThrowIfNull(block);
        var s = block.Structure;
        if (s.Flavor != CsidFlavor.ReplaceCsid) throw new ArgumentException($"block {block} is not a REPLACE-CSID block");
        if (index < 0 || index >= s.K) throw new ArgumentOutOfRangeException(nameof(index), index, $"the index is 0..{s.K - 1}");
        var v = CsidBits.With(block.Value, s.BlockBits, s.CsidBits, csid);
        v = CsidBits.With(v, 128 - s.IndexBits, s.IndexBits, (UInt128)index);
        return CsidBits.ToAddress(v);
    }

    /// <summary>
    /// A REPLACE-CSID container in packed format, <paramref name="csids"/> in processing order: "The second CSID in the CSID
    /// sequence is encoded in the least significant bit position of the first CSID container in packed format (position
    /// K-1), the third CSID is encoded in position K-2, and so on." (RFC 9800 §4.2). Position p is bits
    /// [p*LNFL..(p+1)*LNFL-1] (§4.2.1 notes); unused positions are 0 (§6.2 S11).
    /// </summary>
    public static IPAddress EncodePacked(CsidStructure structure, IReadOnlyList<ulong> csids)
    {
        ArgumentNullException.ThrowIfNull(structure);
        if (structure.Flavor != CsidFlavor.ReplaceCsid) throw new ArgumentException($"{structure} is not a REPLACE-CSID structure");
        if (csids.Count > structure.K)
            throw new ArgumentException($"{csids.Count} C-SIDs do not fit a packed {structure} container (K = {structure.K})");
        UInt128 v = 0;
        for (int i = 0; i < csids.Count; i++)
            v = CsidBits.With(v, (structure.K - 1 - i) * structure.CsidBits, structure.CsidBits, csids[i]);
        return CsidBits.ToAddress(v);
    }

    /// <summary>
    /// Decodes a fully formed container of <paramref name="block"/> (NEXT-CSID, or REPLACE-CSID in full format).
    /// Findings (errors unless noted):
    /// <list type="bullet">
    /// <item>NEXT-CSID "csids[i]": a non-zero C-SID after a zero one. RFC 9800 §5: "The CSID value of 0 is reserved. It is
    /// used to indicate the end of a CSID container."; §6.3 rule 4: "When the Argument of a NEXT-CSID container is not used
    /// to full capacity, the remaining least significant bits of that Argument MUST be set to 0."</item>
    /// <item>NEXT-CSID "remainder": the Argument is not a whole number of C-SIDs and its (128-B) mod C bits left over are not
    /// zero. §4.1: "When all CSIDs have the same length, a CSID container can carry up to K CSIDs, where K is computed as
    /// floor((128-LBL)/LNFL)", so under the block's structure those bits are unused and §6.3 rule 4 requires them to be 0.
    /// (Only a last SID whose Locator-Node, Function and Argument are longer than C, §6.2 S12–S13, may use them; such a
    /// SID has another structure than the one given.)</item>
    /// <item>Note "csids[0]": the active C-SID is the reserved value 0 (§5).</item>
    /// <item>REPLACE-CSID, note "argument": Argument bits above the index are not 0 (§4.2: "The Argument value is initially
    /// 0."; only End.DT2M's Arg.FE2 uses them, §4.2.7).</item>
    /// </list>
    /// </summary>
    public static CsidContainer Decode(IPAddress address, CsidBlock block, int baseOffset = 0, string fieldPrefix = "")
    {
        ArgumentNullException.ThrowIfNull(address);
        ArgumentNullException.ThrowIfNull(block);
        if (!block.Contains(address))
            throw new ArgumentException($"{Rfc5952.Format(address)} is not in block {block}");
        var s = block.Structure;
        var v = CsidBits.ToUInt128(address);
        var mal = new List<Malformation>();
        int At(int bit) => baseOffset + bit / 8;
        if (s.Flavor == CsidFlavor.NextCsid)
        {
            var csids = new ulong[s.K];
            for (int i = 0; i < s.K; i++)
                csids[i] = (ulong)CsidBits.Field(v, s.BlockBits + i * s.CsidBits, s.CsidBits);
            ulong rem = (ulong)CsidBits.Field(v, 128 - s.RemainderBits, s.RemainderBits);
            if (csids[0] == 0)
                mal.Add(Note(fieldPrefix + "csids[0]", At(s.BlockBits), "the active C-SID is 0, a reserved value (RFC 9800 §5)"));
            int firstZero = Array.IndexOf(csids, 0UL, 1);
            if (firstZero > 0)
                for (int i = firstZero + 1; i < s.K; i++)
                    if (csids[i] != 0)
                        mal.Add(new Malformation(Layer, $"{fieldPrefix}csids[{i}]", At(s.BlockBits + i * s.CsidBits),
                            $"non-zero C-SID {CsidBits.Hex(csids[i], s.CsidBits)} after the zero C-SID at position {firstZero} that ends the container " +
                            "(RFC 9800 §5; §6.3 rule 4: the remaining bits of the Argument MUST be 0)"));
            if (rem != 0)
                mal.Add(new Malformation(Layer, fieldPrefix + "remainder", At(128 - s.RemainderBits),
                    $"the Argument is not a whole number of {s.CsidBits}-bit C-SIDs: the {s.RemainderBits} bits left over after {s.K} C-SIDs are " +
                    $"{CsidBits.Hex(rem, s.RemainderBits)}, not 0 (RFC 9800 §4.1 K = floor((128-LBL)/LNFL); §6.3 rule 4)"));
            return new CsidContainer
            {
                Address = address, Structure = s, Form = CsidContainerForm.Next, Block = block, Csids = csids, Remainder = rem,
                Malformations = mal,
            };
        }
        ulong csid = (ulong)CsidBits.Field(v, s.BlockBits, s.CsidBits);
        int index = (int)CsidBits.Field(v, 128 - s.IndexBits, s.IndexBits);
        var above = CsidBits.Field(v, s.BlockBits + s.CsidBits, s.ArgumentBits - s.IndexBits);
        if (csid == 0)
            mal.Add(Note(fieldPrefix + "csids[0]", At(s.BlockBits), "the active C-SID is 0, a reserved value (RFC 9800 §5)"));
        if (above != 0)
            mal.Add(Note(fieldPrefix + "argument", At(s.BlockBits + s.CsidBits),
                $"Argument bits above the {s.IndexBits}-bit index are {CsidBits.Hex(above, s.ArgumentBits - s.IndexBits)}, not 0 " +
                "(RFC 9800 §4.2: the Argument value is initially 0; only End.DT2M's Arg.FE2 uses them, §4.2.7)"));
        return new CsidContainer
        {
            Address = address, Structure = s, Form = CsidContainerForm.ReplaceFull, Block = block, Csids = [csid], Index = index,
            ArgumentAboveIndex = above, Malformations = mal,
        };
    }

    /// <summary>
    /// Decodes a REPLACE-CSID container in packed format. Errors: "csids[i]" a non-zero C-SID after a zero one in processing
    /// order (RFC 9800 §4.2: "The CSID sequence ends [...] with the special CSID value 0"; R06–R09 of §4.2.1 then take the
    /// next Segment List entry, so later positions are never read; §6.2 S11 initializes a container "with all bits set to
    /// 0"); "csids" an empty container (§6.4 rule 3: a packed container "carrying at least one CSID").
    /// </summary>
    public static CsidContainer DecodePacked(IPAddress address, CsidStructure structure, int baseOffset = 0, string fieldPrefix = "")
    {
        ArgumentNullException.ThrowIfNull(address);
        ArgumentNullException.ThrowIfNull(structure);
        if (structure.Flavor != CsidFlavor.ReplaceCsid) throw new ArgumentException($"{structure} is not a REPLACE-CSID structure");
        var v = CsidBits.ToUInt128(address);
        var csids = new ulong[structure.K];
        for (int i = 0; i < structure.K; i++)
            csids[i] = (ulong)CsidBits.Field(v, (structure.K - 1 - i) * structure.CsidBits, structure.CsidBits);
        var mal = new List<Malformation>();
        int At(int processingIndex) => baseOffset + (structure.K - 1 - processingIndex) * structure.CsidBits / 8;
        if (csids.All(c => c == 0))
            mal.Add(new Malformation(Layer, fieldPrefix + "csids", baseOffset,
                "packed container carries no C-SID (RFC 9800 §6.4 rule 3: a packed container carrying at least one CSID)"));
        else
        {
            int firstZero = Array.IndexOf(csids, 0UL);
            if (firstZero >= 0)
                for (int i = firstZero + 1; i < csids.Length; i++)
                    if (csids[i] != 0)
                        mal.Add(new Malformation(Layer, $"{fieldPrefix}csids[{i}]", At(i),
                            $"non-zero C-SID {CsidBits.Hex(csids[i], structure.CsidBits)} at position {structure.K - 1 - i} after the zero C-SID at position " +
                            $"{structure.K - 1 - firstZero} that ends the sequence (RFC 9800 §4.2; §4.2.1 R06–R09 never read it)"));
        }
        return new CsidContainer
        {
            Address = address, Structure = structure, Form = CsidContainerForm.ReplacePacked, Csids = csids, Malformations = mal,
        };
    }

    private static Malformation Note(string field, int offset, string problem) =>
        new(Layer, field, offset, "note: " + problem) { IsNote = true };
}
