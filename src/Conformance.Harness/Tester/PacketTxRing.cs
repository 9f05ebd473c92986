using System.Diagnostics;
using System.Runtime.InteropServices;
using static Conformance.Harness.Tester.RawSocketInjector;

namespace Conformance.Harness.Tester;

/// <summary>
/// Fast transmit path for a tester port: an AF_PACKET SOCK_RAW socket bound to one interface with a
/// PACKET_TX_RING (TPACKET_V2) shared with the kernel. A batch is copied into consecutive ring
/// slots, each marked "send request", and one send() (MSG_DONTWAIT) hands the whole batch to the
/// kernel, which takes the slots in ring order and returns once it has taken every one; a slot is
/// filled again only after the kernel has freed its packet (the ring holds 16 batches). Compared with
/// <see cref="RawSocketInjector"/> (sendmmsg) there is no per-frame message header for the kernel to
/// copy in and parse.
/// </summary>
/// <remarks>
/// <para>
/// With PACKET_VNET_HDR (when the kernel accepts it) each frame is copied whole into its packet, as
/// sendmmsg does; without it the kernel copies the Ethernet header and points the packet at the
/// ring page for the rest (<see cref="CopiesFrames"/> says which).
/// </para>
/// <para>
/// Bounded in time: SO_SNDTIMEO (<see cref="StallLimit"/>) bounds each send(), and a batch that
/// makes no progress for <see cref="StallLimit"/> is abandoned with a <see cref="TestbedException"/>.
/// A frame longer than the MTU (as it was when the ring opened) plus the Ethernet header is sent
/// through a <see cref="RawSocketInjector"/> opened for it, after the ring frames before it are done
/// (the order is kept), so the kernel checks it against the MTU of now as on the sendmmsg path
/// (EMSGSIZE fails the batch). A frame the kernel refuses in the ring (TP_STATUS_WRONG_FORMAT) fails
/// the batch too, and the ring is rebuilt so that the next batch starts clean; frames after the
/// failing one in that batch are not sent (as on the sendmmsg path).
/// </para>
/// Not thread-safe: one sender at a time (TesterPort serialises under its transmit lock).
/// </remarks>
public sealed unsafe class PacketTxRing : FrameInjector
{
    /// <summary>Frames per send() (one evidence time stamp per batch on the tester port).</summary>
    public const int BatchSize = 256;
    /// <summary>Slots in the ring when a slot is 2 KiB (MTU up to 1,988): 16 batches.</summary>
    public const int MinSlots = 16 * BatchSize;
    /// <summary>How long one batch may make no progress before the send is abandoned.</summary>
    public static readonly TimeSpan StallLimit = TimeSpan.FromSeconds(2);

    // TPACKET_V2: struct tpacket2_hdr is 32 bytes (TPACKET_ALIGN'd); a TX frame's data starts right after it
    // (tp_hdrlen - sizeof(struct sockaddr_ll) = TPACKET2_HDRLEN - 20 = 32) unless PACKET_TX_HAS_OFF is set (it is not).
    private const int HdrLen = 32;
    // PACKET_VNET_HDR: each frame in a slot is preceded by a struct virtio_net_hdr (10 bytes). Its hdr_len tells the
    // kernel how much of the frame to copy into the packet's linear part: the whole frame, so the packet is built
    // like sendmmsg's (one linear buffer) instead of pointing at the ring page (page fragments that the receiving
    // stack must pull into a linear header, and that a clone held by a reader would share with the slot).
    private const int VnetHdrLen = 10;
    private const int TP_STATUS_AVAILABLE = 0, TP_STATUS_SEND_REQUEST = 1, TP_STATUS_SENDING = 2, TP_STATUS_WRONG_FORMAT = 4;

    private int _fd = -1;
    private byte* _ring;
    private nuint _ringBytes;
    private int _head; // the next slot to fill; the kernel's own head follows the same order
    private RawSocketInjector? _oversize;
    private readonly int _mtu;
    private readonly bool _wantBypass;

    public override string Interface { get; }
    public int IfIndex { get; }
    public override bool QdiscBypass => _bypass;
    private bool _bypass;
    public override string Method => "tx_ring";
    public override int MaxBatch => BatchSize;
    /// <summary>Bytes one ring slot holds for a frame (the slot size less the TPACKET_V2 header).</summary>
    public int SlotCapacity => _slotBytes - HdrLen - (_vnet ? VnetHdrLen : 0);
    private readonly int _slotBytes;
    private bool _vnet;
    /// <summary>True when the kernel copies each frame whole into its packet (PACKET_VNET_HDR with hdr_len = the frame).</summary>
    public bool CopiesFrames => _vnet;
    /// <summary>The longest frame sent through the ring: the MTU when the ring opened plus the Ethernet header, at most a slot.</summary>
    public int MaxRingFrame => Math.Min(SlotCapacity, _mtu + 14);
    /// <summary>Slots in the ring.</summary>
    public int Slots { get; }
    /// <summary>send() calls made.</summary>
    public long Syscalls { get; private set; }

    private PacketTxRing(string ifname, int ifindex, int mtu, bool bypass, int slotBytes, int slots)
    {
        Interface = ifname; IfIndex = ifindex; _mtu = mtu; _wantBypass = bypass;
        _slotBytes = slotBytes; Slots = slots;
    }

    /// <summary>
    /// Opens a TX ring on <paramref name="ifname"/> in the current network namespace. Throws a
    /// <see cref="TestbedException"/> naming the interface and the step that failed (socket,
    /// TPACKET_V2, PACKET_TX_RING, mmap, bind), so the caller can fall back to
    /// <see cref="RawSocketInjector"/>; nothing is left open then.
    /// </summary>
    public static PacketTxRing Open(string ifname, bool qdiscBypass = true)
    {
        if (!OperatingSystem.IsLinux()) throw new TestbedException("a TX ring needs Linux (AF_PACKET).");
        if (string.IsNullOrEmpty(ifname) || ifname.Length > 15 || ifname.Contains('/'))
            throw new TestbedException($"'{ifname}' is not a valid interface name.");
        int ifindex = (int)Native.if_nametoindex(ifname);
        if (ifindex == 0)
            throw new TestbedException($"cannot open a TX ring on interface '{ifname}': it does not exist in this network namespace ({Errno()}).");
        int mtu = QueryMtu(ifname);
        // A slot holds the largest frame the interface takes (MTU + Ethernet header + one VLAN tag) after the header.
        // Slots stop at 16 KiB (MTU 16,324); a longer frame on an interface with a larger MTU goes through sendmmsg.
        int slot = 2048;
        while (slot - HdrLen - VnetHdrLen < mtu + 18 && slot < 16384) slot *= 2;
        // 8 MiB for 2 KiB slots (MTU up to 1,988): 4,096 slots; at most 32 MiB for larger slots.
        int slots = Math.Max(2 * BatchSize, Math.Min(MinSlots, (32 << 20) / slot));
        var ring = new PacketTxRing(ifname, ifindex, mtu, qdiscBypass, slot, slots);
        try { ring.Setup(); }
        catch { ring.Dispose(); throw; }
        return ring;
    }

    private void Setup()
    {
        int fd = Native.socket(AF_PACKET, SOCK_RAW | SOCK_CLOEXEC, 0);
        if (fd < 0) throw new TestbedException($"cannot open an AF_PACKET socket for '{Interface}' ({Errno()}); injection needs CAP_NET_RAW.");
        _fd = fd;
        int v2 = TPACKET_V2;
        if (Native.setsockopt(fd, SOL_PACKET, PACKET_VERSION, &v2, sizeof(int)) != 0)
            throw new TestbedException($"TX ring on '{Interface}': PACKET_VERSION TPACKET_V2 refused ({Errno()}).");
        int vnet = VnetHdrLen;
        _vnet = Native.setsockopt(fd, SOL_PACKET, PACKET_VNET_HDR, &vnet, sizeof(int)) == 0; // before the ring (EBUSY after)
        int sz = 4 * 1024 * 1024;
        if (Native.setsockopt(fd, SOL_SOCKET, SO_SNDBUFFORCE, &sz, sizeof(int)) != 0)
            Native.setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &sz, sizeof(int));
        var tv = new TimeVal { Sec = (long)StallLimit.TotalSeconds, Usec = 0 };
        Native.setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(TimeVal));
        int slotBytes = _slotBytes;
        int block = Math.Max(slotBytes, 64 * 1024);
        var req = new TpacketReq
        {
            BlockSize = (uint)block,
            FrameSize = (uint)slotBytes,
            FrameNr = (uint)Slots,
            BlockNr = (uint)((long)Slots * slotBytes / block),
        };
        if (Native.setsockopt(fd, SOL_PACKET, PACKET_TX_RING, &req, sizeof(TpacketReq)) != 0)
            throw new TestbedException($"TX ring on '{Interface}': PACKET_TX_RING ({Slots} slots of {slotBytes} bytes) refused ({Errno()}).");
        _ringBytes = (nuint)((long)req.BlockSize * req.BlockNr);
        void* p = Native.mmap(null, _ringBytes, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_POPULATE, fd, 0);
        if (p == (void*)-1) { _ringBytes = 0; throw new TestbedException($"TX ring on '{Interface}': mmap of {req.BlockSize * req.BlockNr} bytes failed ({Errno()})."); }
        _ring = (byte*)p;
        _head = 0;
        var sll = new SockaddrLl { Family = AF_PACKET, Protocol = 0, IfIndex = IfIndex };
        if (Native.bind(fd, &sll, sizeof(SockaddrLl)) != 0)
            throw new TestbedException($"cannot bind an AF_PACKET socket to '{Interface}' (ifindex {IfIndex}): {Errno()}.");
        _bypass = false;
        if (_wantBypass)
        {
            int one = 1;
            _bypass = Native.setsockopt(fd, SOL_PACKET, PACKET_QDISC_BYPASS, &one, sizeof(int)) == 0;
        }
    }

    private void Teardown()
    {
        if (_ring is not null) { Native.munmap(_ring, _ringBytes); _ring = null; _ringBytes = 0; }
        if (_fd >= 0) { Native.close(_fd); _fd = -1; }
    }

    private byte* Slot(int i) => _ring + (long)i * _slotBytes;
    // The kernel may OR time-stamp flags into a released slot's status; the low bits say whether it is in use.
    private static int Status(byte* slot) => Volatile.Read(ref *(int*)slot) & (TP_STATUS_SEND_REQUEST | TP_STATUS_SENDING | TP_STATUS_WRONG_FORMAT);

    /// <summary>
    /// Sends up to <see cref="BatchSize"/> frames: fills that many slots, then send() until every one is
    /// released by the kernel. Throws when a frame is refused or no progress is made for <see cref="StallLimit"/>.
    /// </summary>
    public override InjectionResult SendBatch(IReadOnlyList<byte[]> frames, int start, int count)
    {
        ObjectDisposedException.ThrowIf(_fd < 0, this);
        if (count > BatchSize) throw new ArgumentOutOfRangeException(nameof(count), $"at most {BatchSize} frames per batch.");
        for (int i = 0; i < count; i++)
        {
            int len = frames[start + i].Length;
            if (len < 14 || len > 65535) throw new ArgumentException($"frame #{start + i} is {len} bytes; an Ethernet frame is 14..65535.");
        }
        int done = 0, calls = 0, waits = 0;
        while (done < count)
        {
            // Frames up to the MTU go through the ring; a longer one goes through sendmmsg once the ring frames
            // before it are done, so the kernel checks it against the MTU of now (EMSGSIZE, or sent if it was raised).
            int n = 0;
            int max = MaxRingFrame;
            while (done + n < count && frames[start + done + n].Length <= max) n++;
            if (n > 0)
            {
                var r = RingBatch(frames, start + done, n);
                calls += r.Syscalls; waits += r.Waits; done += n;
            }
            else
            {
                _oversize ??= RawSocketInjector.Open(Interface, _wantBypass);
                var r = _oversize.SendBatch(frames, start + done, 1);
                calls += r.Syscalls; waits += r.Waits; done += 1;
            }
        }
        return new InjectionResult(done, calls, waits);
    }

    private InjectionResult RingBatch(IReadOnlyList<byte[]> frames, int start, int count)
    {
        int first = _head, calls = 0, waits = 0;
        for (int i = 0; i < count; i++)
        {
            byte* slot = Slot((first + i) % Slots);
            // A slot of an earlier batch may still be in flight (taken by the kernel, its packet not yet freed).
            if (Status(slot) != TP_STATUS_AVAILABLE) { calls += AwaitRelease(slot); waits++; }
            var f = frames[start + i];
            byte* data = slot + HdrLen;
            int len = f.Length;
            if (_vnet)
            {
                // virtio_net_hdr: flags 0, gso_type NONE, hdr_len = the whole frame (little endian), no GSO, no checksum offload.
                new Span<byte>(data, VnetHdrLen).Clear();
                *(ushort*)(data + 2) = (ushort)f.Length;
                data += VnetHdrLen; len += VnetHdrLen;
            }
            f.AsSpan().CopyTo(new Span<byte>(data, f.Length));
            ((uint*)slot)[1] = (uint)len; // tp_len
            ((uint*)slot)[2] = (uint)len; // tp_snaplen (unused on transmit)
            Volatile.Write(ref *(int*)slot, TP_STATUS_SEND_REQUEST); // release: the kernel sees the data before the status
        }
        _head = (first + count) % Slots;

        // MSG_DONTWAIT: the kernel takes every frame requested and returns without waiting for their packets to be
        // freed, so the next batch is filled while this one is still on its way (the ring holds 16 batches).
        Stopwatch? stall = null;
        int pendingBefore = count;
        while (true)
        {
            long r = Native.send(_fd, null, 0, MSG_DONTWAIT);
            calls++;
            int errno = r < 0 ? Marshal.GetLastPInvokeError() : 0;
            // Which frames of this batch the kernel has not taken yet (the driver was busy, or the socket's send buffer
            // was full: the frame stays requested and the next send() resumes there); a refused frame fails the batch.
            int pending = 0;
            for (int i = 0; i < count; i++)
            {
                int idx = (first + i) % Slots;
                int st = Status(Slot(idx));
                if (st == TP_STATUS_WRONG_FORMAT)
                {
                    long at = FramesSent + i;
                    Rebuild();
                    throw new TestbedException($"injection on '{Interface}' failed at frame {at}: the kernel refused frame #{start + i} ({frames[start + i].Length} bytes; MTU {_mtu} when the ring opened) ({Errno(errno == 0 ? 22 : errno)}).");
                }
                if (st == TP_STATUS_SEND_REQUEST) pending++;
            }
            if (pending == 0) break;
            if (r < 0 && errno is not (EAGAIN or ENOBUFS or EINTR or ETIMEDOUT))
            {
                long at = FramesSent + count - pending;
                Rebuild();
                throw new TestbedException($"injection on '{Interface}' failed after {at} frames: {Errno(errno)}.");
            }
            if (pending < pendingBefore) { stall = null; pendingBefore = pending; }
            stall ??= Stopwatch.StartNew();
            if (stall.Elapsed > StallLimit)
            {
                Rebuild();
                throw new TestbedException($"injection on '{Interface}' made no progress for {StallLimit.TotalSeconds:0} s ({pending} of {count} frames not taken by the kernel{(r < 0 ? ", " + Errno(errno) : "")}); the interface is not draining.");
            }
            waits++;
            if (waits % 16 == 0) Thread.Sleep(1); else Thread.Yield();
        }
        FramesSent += count; Waits += waits; Syscalls += calls;
        return new InjectionResult(count, calls, waits);
    }

    /// <summary>
    /// Waits until <paramref name="slot"/> is released: a blocking send() with nothing requested returns once every
    /// packet in flight is freed (SO_SNDTIMEO bounds each call); no progress for <see cref="StallLimit"/> throws.
    /// </summary>
    private int AwaitRelease(byte* slot)
    {
        int calls = 0;
        var stall = Stopwatch.StartNew();
        while (Status(slot) != TP_STATUS_AVAILABLE)
        {
            long r = Native.send(_fd, null, 0, 0);
            calls++;
            if (Status(slot) == TP_STATUS_AVAILABLE) break;
            int errno = r < 0 ? Marshal.GetLastPInvokeError() : 0;
            if (stall.Elapsed > StallLimit)
            {
                Rebuild();
                throw new TestbedException($"injection on '{Interface}': the kernel released no ring slot for {StallLimit.TotalSeconds:0} s{(r < 0 ? " (" + Errno(errno) + ")" : "")}; the interface is not draining.");
            }
            Thread.Yield();
        }
        return calls;
    }

    /// <summary>After a failure the kernel's ring position may differ from ours: start again with a fresh socket and ring.</summary>
    private void Rebuild()
    {
        Teardown();
        try { Setup(); }
        catch { Teardown(); } // the next SendBatch reports the ring as closed
    }

    /// <summary>The interface's MTU (SIOCGIFMTU), in this network namespace.</summary>
    private static int QueryMtu(string ifname)
    {
        int fd = Native.socket(AF_PACKET, SOCK_RAW | SOCK_CLOEXEC, 0);
        if (fd < 0) throw new TestbedException($"cannot open an AF_PACKET socket for '{ifname}' ({Errno()}); injection needs CAP_NET_RAW.");
        try
        {
            var ifr = new IfReq();
            var name = System.Text.Encoding.ASCII.GetBytes(ifname);
            for (int i = 0; i < name.Length; i++) ifr.Name[i] = name[i];
            if (Native.ioctl(fd, SIOCGIFMTU, &ifr) != 0)
                throw new TestbedException($"cannot read the MTU of '{ifname}' ({Errno()}).");
            return ifr.Mtu;
        }
        finally { Native.close(fd); }
    }

    public override void Dispose()
    {
        // Let the packets still in flight be freed before the ring goes (bounded by SO_SNDTIMEO).
        if (_fd >= 0 && _ring is not null) Native.send(_fd, null, 0, 0);
        Teardown();
        _oversize?.Dispose();
        _oversize = null;
    }

    private const int PACKET_VERSION = 10, PACKET_TX_RING = 13, PACKET_VNET_HDR = 15, TPACKET_V2 = 1;
    private const int MSG_DONTWAIT = 0x40, SO_SNDTIMEO = 21, ETIMEDOUT = 110, SIOCGIFMTU = 0x8921;
    private const int PROT_READ = 1, PROT_WRITE = 2, MAP_SHARED = 1, MAP_POPULATE = 0x8000;

    [StructLayout(LayoutKind.Sequential)]
    private struct TpacketReq { public uint BlockSize, BlockNr, FrameSize, FrameNr; }

    [StructLayout(LayoutKind.Sequential)]
    private struct TimeVal { public long Sec, Usec; }

    [StructLayout(LayoutKind.Sequential, Size = 40)]
    private struct IfReq { public fixed byte Name[16]; public int Mtu; }

    private static class Native
    {
        private const string Libc = "libc";
        [DllImport(Libc, SetLastError = true)] public static extern int socket(int domain, int type, int protocol);
        [DllImport(Libc, SetLastError = true)] public static extern int bind(int fd, SockaddrLl* addr, int len);
        [DllImport(Libc, SetLastError = true)] public static extern int setsockopt(int fd, int level, int name, void* val, int len);
        [DllImport(Libc, SetLastError = true)] public static extern nint send(int fd, void* buf, nuint len, int flags);
        [DllImport(Libc, SetLastError = true)] public static extern void* mmap(void* addr, nuint len, int prot, int flags, int fd, nint off);
        [DllImport(Libc, SetLastError = true)] public static extern int munmap(void* addr, nuint len);
        [DllImport(Libc, SetLastError = true)] public static extern int ioctl(int fd, nuint request, void* arg);
        [DllImport(Libc, SetLastError = true)] public static extern int close(int fd);
        [DllImport(Libc, SetLastError = true)] public static extern uint if_nametoindex([MarshalAs(UnmanagedType.LPStr)] string name);
    }
}
