using System.Runtime.InteropServices;

namespace Conformance.Harness.Tester;

/// <summary>
/// A BPF filter compiled by libpcap (same syntax as tcpdump) and evaluated in user space with
/// pcap_offline_filter. Tester captures use this rather than a kernel filter on the live handle:
/// with libpcap 1.10 on Linux, installing a kernel filter on an activated TPACKET handle loses the
/// first matching packet (measured here: 2 of 3 echo requests), which a conformance capture cannot afford.
/// </summary>
public sealed unsafe class Bpf : IDisposable
{
    private IntPtr _program; // struct bpf_program*
    public string Expression { get; }

    public Bpf(string expression)
    {
        Expression = expression;
        var dead = Native.pcap_open_dead(1 /* DLT_EN10MB */, 65535);
        if (dead == IntPtr.Zero) throw new InvalidOperationException("libpcap: pcap_open_dead failed");
        try
        {
            _program = Marshal.AllocHGlobal(16);
            if (Native.pcap_compile(dead, _program, expression, 1, 0xffffffff) != 0)
            {
                var err = Marshal.PtrToStringAnsi(Native.pcap_geterr(dead));
                Marshal.FreeHGlobal(_program); _program = IntPtr.Zero;
                throw new ArgumentException($"invalid BPF filter \"{expression}\": {err}");
            }
        }
        finally { Native.pcap_close(dead); }
    }

    public bool Matches(ReadOnlySpan<byte> frame)
    {
        var hdr = new PcapPktHdr { CapLen = (uint)frame.Length, Len = (uint)frame.Length };
        fixed (byte* p = frame) return Native.pcap_offline_filter(_program, ref hdr, p) != 0;
    }

    public void Dispose()
    {
        if (_program != IntPtr.Zero) { Native.pcap_freecode(_program); Marshal.FreeHGlobal(_program); _program = IntPtr.Zero; }
    }

    /// <summary>Restricts a live handle to inbound frames (PCAP_D_IN) without a kernel filter.</summary>
    internal static void InboundOnly(SafeHandle handle, string ifname)
    {
        if (Native.pcap_setdirection(handle.DangerousGetHandle(), 1) != 0)
            throw new TestbedException($"libpcap cannot restrict '{ifname}' to inbound frames: {Marshal.PtrToStringAnsi(Native.pcap_geterr(handle.DangerousGetHandle()))}");
    }

    [StructLayout(LayoutKind.Sequential)]
    private struct PcapPktHdr { public long Sec; public long USec; public uint CapLen; public uint Len; }

    private static class Native
    {
        private const string Lib = "libpcap.so.0.8";
        [DllImport(Lib)] public static extern IntPtr pcap_open_dead(int linktype, int snaplen);
        [DllImport(Lib)] public static extern void pcap_close(IntPtr p);
        [DllImport(Lib)] public static extern int pcap_compile(IntPtr p, IntPtr fp, [MarshalAs(UnmanagedType.LPStr)] string str, int optimize, uint netmask);
        [DllImport(Lib)] public static extern int pcap_offline_filter(IntPtr fp, ref PcapPktHdr h, byte* pkt);
        [DllImport(Lib)] public static extern void pcap_freecode(IntPtr fp);
        [DllImport(Lib)] public static extern IntPtr pcap_geterr(IntPtr p);
        [DllImport(Lib)] public static extern int pcap_setdirection(IntPtr p, int d);
    }
}
