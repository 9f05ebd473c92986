using System.CommandLine;
using System.Text.Json;
using System.Text.Json.Nodes;
using Conformance.Harness.Capture;
using Conformance.Harness.Packets;

namespace Conformance.Cli.Commands;

/// <summary>
/// `srv6conf decode FILE [--format text|json] [--csid PREFIX/B,C[,next|replace]]...`: every packet of a pcap/pcapng file in the
/// RFC 8986 notation, with the SRH in full. The JSON form is a public contract (one object per
/// packet, in file order); change it only compatibly.
/// </summary>
internal static class DecodeCommand
{
    public static Command Create()
    {
        var file = new Argument<string>("file") { Description = "a .pcap or .pcapng capture" };
        var format = new Option<string>("--format") { Description = "text (notation and a summary per packet) or json (one object per packet)", DefaultValueFactory = _ => "text" };
        format.AcceptOnlyFromAmong("text", "json");
        var csid = new Option<string[]>("--csid")
        {
            Description = "a C-SID block, PREFIX/B,C[,next|replace] (RFC 9800; NEXT-CSID by default), e.g. 2001:db8:100::/48,16; " +
                          "repeatable: addresses in it are shown as block + C-SIDs",
            Arity = ArgumentArity.OneOrMore,
        };
        var cmd = new Command("decode", "Decode the SRv6 packets of a capture file") { file, format, csid };
        cmd.SetAction(pr => Run(pr.GetValue(file)!, pr.GetValue(format)!, Console.Out, Console.Error, pr.GetValue(csid) ?? []));
        return cmd;
    }

    public static int Run(string path, string format, TextWriter stdout, TextWriter stderr) =>
        Run(path, format, stdout, stderr, []);

    /// <summary>With <paramref name="csidBlocks"/> ("PREFIX/B,C[,next|replace]"), containers are shown as block + C-SIDs:
    /// in text, the notation line and "! csid..." lines; in JSON, added fields only (<see cref="PacketJson.ToJsonObject(DecodedPacket, int, CsidTable?)"/>).</summary>
    public static int Run(string path, string format, TextWriter stdout, TextWriter stderr, IReadOnlyList<string> csidBlocks)
    {
        CsidTable? csid = null;
        if (csidBlocks.Count > 0)
        {
            var blocks = new List<CsidBlock>();
            foreach (var spec in csidBlocks)
            {
                try
                {
                    blocks.Add(CsidBlock.Parse(spec));
                }
                catch (FormatException e)
                {
                    stderr.WriteLine($"srv6conf decode: --csid: {e.Message}");
                    return 2;
                }
            }
            csid = new CsidTable(blocks);
        }
        IReadOnlyList<Frame> frames;
        try
        {
            frames = PcapFile.Read(path);
        }
        catch (PcapFormatException e)
        {
            stderr.WriteLine($"srv6conf decode: {e.Message}");
            return 2;
        }
        if (format == "json")
        {
            var arr = new JsonArray();
            for (int i = 0; i < frames.Count; i++)
                arr.Add(PacketJson.ToJsonObject(PacketDecoder.Decode(frames[i].Data, LinkKind.Ethernet, csid), i, csid));
            stdout.WriteLine(arr.ToJsonString(new JsonSerializerOptions { WriteIndented = true }));
            return 0;
        }
        for (int i = 0; i < frames.Count; i++)
        {
            var p = PacketDecoder.Decode(frames[i].Data, LinkKind.Ethernet, csid);
            stdout.WriteLine($"{i,5}  {(csid is null ? p.Notation : csid.Format(NotationPacket.FromDecoded(p)))}");
            stdout.WriteLine($"       {Summary(p, frames[i].Length)}");
            foreach (var m in p.Malformations)
                stdout.WriteLine($"       ! {m.Layer}.{m.Field} at byte {m.Offset}: {m.Problem}");
            if (csid is not null)
                foreach (var (_, view) in csid.ReadAll(p))
                    foreach (var m in view.Malformations)
                        stdout.WriteLine($"       ! {m.Layer}.{m.Field} at byte {m.Offset}: {m.Problem}");
        }
        return 0;
    }

    /// <summary>One line: what the packet is, its hop limit, SRH state and size.</summary>
    public static string Summary(DecodedPacket p, int length)
    {
        var parts = new List<string>();
        if (p.Ipv6 is { } ip) parts.Add($"IPv6 hlim {ip.HopLimit} tc {ip.TrafficClass} fl 0x{ip.FlowLabel:x5}");
        if (p.Srh is { } srh)
            parts.Add($"SRH SL={srh.SegmentsLeft} LE={srh.LastEntry ?? (srh.Segments.Count - 1)} flags 0x{srh.Flags:x2}{(srh.OFlag ? " (O)" : "")} tag {srh.Tag}{(srh.Tlvs.Count > 0 ? $" tlvs {srh.Tlvs.Count}" : "")}");
        parts.Add(Describe(p.Inner));
        parts.Add($"{length} bytes");
        return string.Join(", ", parts);
    }

    private static string Describe(InnerLayer inner) => inner switch
    {
        Icmpv6Layer { IsEcho: true } e => $"ICMPv6 echo {(e.Type == 128 ? "request" : "reply")} id {e.EchoId} seq {e.EchoSeq}{Bad(e.ChecksumValid)}",
        Icmpv6Layer e => $"ICMPv6 {Icmpv6Name(e.Type)} type {e.Type} code {e.Code}{(e.Pointer is { } ptr ? $" pointer {ptr}" : "")}{(e.Mtu is { } mtu ? $" mtu {mtu}" : "")}{Bad(e.ChecksumValid)}",
        UdpLayer u => $"UDP {u.SrcPort} > {u.DstPort}{Bad(u.ChecksumValid)}",
        TcpLayer t => $"TCP {t.SrcPort} > {t.DstPort} [{t.Flags}]{Bad(t.ChecksumValid)}",
        Ipv6Layer => "inner IPv6",
        Ipv4Layer v4 => $"inner IPv4 {v4.Src} > {v4.Dst} ttl {v4.Ttl}{Bad(v4.ChecksumValid)}",
        EthernetLayer => "inner Ethernet (L2)",
        NoNextHeaderLayer => "no next header",
        UnknownLayer u => u.Number >= 0 ? $"next header {u.Number} (not decoded)" : "not decoded",
        _ => inner.Kind,
    };

    private static string Bad(bool valid) => valid ? "" : " BAD CHECKSUM";

    private static string Icmpv6Name(byte type) => type switch
    {
        1 => "destination unreachable",
        2 => "packet too big",
        3 => "time exceeded",
        4 => "parameter problem",
        _ => "message",
    };
}
