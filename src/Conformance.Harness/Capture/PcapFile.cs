using System.Buffers.Binary;
using PacketDotNet;
using SharpPcap;
using SharpPcap.LibPcap;

namespace Conformance.Harness.Capture;

/// <summary>Thrown when a capture file is missing or is not a pcap/pcapng file.</summary>
public sealed class PcapFormatException(string message, Exception? inner = null) : Exception(message, inner);

/// <summary>
/// Reading and writing capture files as evidence. Reading goes through libpcap (SharpPcap), which
/// reads both pcap and pcapng. Writing: classic pcap through libpcap; pcapng (one file for several
/// tester ports, with interface names, directions and per-packet comments) is written here, since
/// libpcap does not write pcapng.
/// </summary>
public static class PcapFile
{
    /// <summary>Reads every frame of a pcap or pcapng file, in file order.</summary>
    public static IReadOnlyList<Frame> Read(string path, string port = "file")
    {
        if (!File.Exists(path))
            throw new PcapFormatException($"{path}: no such file. Give the path of a .pcap or .pcapng capture.");
        var magic = new byte[4];
        using (var fs = File.OpenRead(path))
        {
            if (fs.Read(magic, 0, 4) < 4)
                throw new PcapFormatException($"{path}: not a pcap or pcapng file (shorter than a file header).");
        }
        uint m = BinaryPrimitives.ReadUInt32LittleEndian(magic);
        bool known = m is 0xa1b2c3d4 or 0xd4c3b2a1 or 0xa1b23c4d or 0x4d3cb2a1 or 0x0a0d0d0a;
        if (!known)
            throw new PcapFormatException($"{path}: not a pcap or pcapng file (magic number 0x{m:x8}). Save the capture as pcap or pcapng.");

        var frames = new List<Frame>();
        using var dev = new CaptureFileReaderDevice(path);
        try
        {
            dev.Open(new DeviceConfiguration());
        }
        catch (Exception e)
        {
            throw new PcapFormatException($"{path}: libpcap cannot read it: {e.Message}", e);
        }
        while (true)
        {
            var status = dev.GetNextPacket(out PacketCapture pc);
            if (status != GetPacketStatus.PacketRead) break;
            var raw = pc.GetPacket();
            frames.Add(new Frame(raw.Timeval.Date.ToUniversalTime(), raw.Data, port, FrameDirection.Received));
        }
        return frames;
    }

    /// <summary>Writes frames as a classic pcap (Ethernet link type) through libpcap.</summary>
    public static void WritePcap(string path, IEnumerable<Frame> frames)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(path))!);
        using var writer = new CaptureFileWriterDevice(path, FileMode.Create);
        writer.Open(new DeviceConfiguration { LinkLayerType = LinkLayers.Ethernet, Snaplen = 65535 });
        foreach (var f in frames)
        {
            var raw = new RawCapture(LinkLayers.Ethernet, new PosixTimeval(f.TimestampUtc), f.Data);
            writer.Write(raw);
        }
    }

    /// <summary>
    /// Writes frames as pcapng: one interface description block per tester port (named after it),
    /// enhanced packet blocks with direction flags (inbound/outbound seen from the tester) and the
    /// frame's comment. Timestamps in microseconds.
    /// </summary>
    public static void WritePcapNg(string path, IEnumerable<Frame> frames)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(path))!);
        var list = frames.ToList();
        var ports = list.Select(f => f.Port).Distinct().ToList();
        using var fs = File.Create(path);
        using var w = new BinaryWriter(fs);
        // Section header block.
        WriteBlock(w, 0x0A0D0D0A, body =>
        {
            body.Write(0x1A2B3C4Du);
            body.Write((ushort)1); body.Write((ushort)0);
            body.Write(-1L);
            WriteOption(body, 4, System.Text.Encoding.UTF8.GetBytes($"srv6conf {HarnessInfo.Version}")); // shb_userappl
            WriteOption(body, 0, []);
        });
        foreach (var p in ports)
        {
            WriteBlock(w, 0x00000001, body =>
            {
                body.Write((ushort)1); // LINKTYPE_ETHERNET
                body.Write((ushort)0);
                body.Write(0); // snaplen: no limit
                WriteOption(body, 2, System.Text.Encoding.UTF8.GetBytes(p)); // if_name
                WriteOption(body, 0, []);
            });
        }
        foreach (var f in list)
        {
            WriteBlock(w, 0x00000006, body =>
            {
                body.Write((uint)ports.IndexOf(f.Port));
                long us = (f.TimestampUtc.ToUniversalTime() - DateTime.UnixEpoch).Ticks / 10;
                body.Write((uint)(us >> 32));
                body.Write((uint)(us & 0xffffffff));
                body.Write((uint)f.Data.Length);
                body.Write((uint)f.Data.Length);
                body.Write(f.Data);
                Pad(body, f.Data.Length);
                // epb_flags: direction 01 inbound, 10 outbound (as seen by the tester port)
                var flags = new byte[4];
                BinaryPrimitives.WriteUInt32LittleEndian(flags, f.Direction == FrameDirection.Received ? 1u : 2u);
                WriteOption(body, 2, flags);
                if (!string.IsNullOrEmpty(f.Comment))
                    WriteOption(body, 1, System.Text.Encoding.UTF8.GetBytes(f.Comment));
                WriteOption(body, 0, []);
            });
        }
    }

    private static void WriteBlock(BinaryWriter w, uint type, Action<BinaryWriter> writeBody)
    {
        using var ms = new MemoryStream();
        using (var body = new BinaryWriter(ms, System.Text.Encoding.UTF8, leaveOpen: true)) writeBody(body);
        var bytes = ms.ToArray();
        uint total = (uint)(12 + bytes.Length);
        w.Write(type); w.Write(total); w.Write(bytes); w.Write(total);
    }

    private static void WriteOption(BinaryWriter w, ushort code, byte[] value)
    {
        w.Write(code); w.Write((ushort)value.Length); w.Write(value); Pad(w, value.Length);
    }

    private static void Pad(BinaryWriter w, int len)
    {
        for (int i = len; i % 4 != 0; i++) w.Write((byte)0);
    }
}
