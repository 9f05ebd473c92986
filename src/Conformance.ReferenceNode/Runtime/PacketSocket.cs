using System.Buffers.Binary;
using System.Globalization;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using Conformance.ReferenceNode.Dataplane;

namespace Conformance.ReferenceNode.Runtime;

/// <summary>Opening a data interface failed (missing interface, no CAP_NET_RAW…); the message names the interface and the errno.</summary>
public sealed class PacketSocketException(string message) : Exception(message);

/// <summary>
/// One data interface owned by the node: an AF_PACKET SOCK_RAW socket for every protocol (ETH_P_ALL), bound to the
/// interface's ifindex, in promiscuous mode (so ND's solicited-node multicast and frames for any MAC arrive, as a
/// router's port does), ignoring the frames it sends itself (PACKET_IGNORE_OUTGOING, and sll_pkttype
/// PACKET_OUTGOING where the kernel predates that option). Non-blocking: <see cref="TryReceive"/> returns 0 when
/// nothing is queued; the daemon polls all ports.
/// </summary>
public sealed unsafe class PacketSocket : IDisposable
{
    private const int AF_PACKET = 17, SOCK_RAW = 3, SOCK_NONBLOCK = 0x800, SOCK_CLOEXEC = 0x80000;
    private const ushort ETH_P_ALL = 0x0003;
    private const int SOL_PACKET = 263, PACKET_ADD_MEMBERSHIP = 1, PACKET_MR_PROMISC = 1, PACKET_IGNORE_OUTGOING = 23;
    private const int SOL_SOCKET = 1, SO_RCVBUF = 8, SO_RCVBUFFORCE = 33;
    private const byte PACKET_OUTGOING = 4;
    private const int EAGAIN = 11, EINTR = 4;

    [StructLayout(LayoutKind.Sequential)]
    private struct SockaddrLl
    {
        public ushort Family; public ushort Protocol; public int IfIndex;
        public ushort HaType; public byte PktType; public byte HaLen; public fixed byte Addr[8];
    }

    [StructLayout(LayoutKind.Sequential)]
    private struct PacketMreq { public int IfIndex; public ushort Type; public ushort ALen; public fixed byte Address[8]; }

    [StructLayout(LayoutKind.Sequential)]
    private struct IoVec { public byte* Base; public nuint Len; }

    [StructLayout(LayoutKind.Sequential)]
    private struct MsgHdr
    {
        public void* Name; public int NameLen; public IoVec* Iov; public nuint IovLen;
        public void* Control; public nuint ControlLen; public int Flags;
    }

    [StructLayout(LayoutKind.Sequential)]
    private struct MMsgHdr { public MsgHdr Hdr; public uint Len; }

    [StructLayout(LayoutKind.Sequential)]
    public struct PollFd { public int Fd; public short Events; public short REvents; }

    private static class Native
    {
        private const string Libc = "libc";
        [DllImport(Libc, SetLastError = true)] public static extern int socket(int domain, int type, int protocol);
        [DllImport(Libc, SetLastError = true)] public static extern int bind(int fd, SockaddrLl* addr, int len);
        [DllImport(Libc, SetLastError = true)] public static extern int setsockopt(int fd, int level, int name, void* val, int len);
        [DllImport(Libc, SetLastError = true)] public static extern nint recvfrom(int fd, byte* buf, nuint len, int flags, SockaddrLl* from, int* fromLen);
        [DllImport(Libc, SetLastError = true)] public static extern nint send(int fd, byte* buf, nuint len, int flags);
        [DllImport(Libc, SetLastError = true)] public static extern int recvmmsg(int fd, MMsgHdr* msgvec, uint vlen, int flags, void* timeout);
        [DllImport(Libc, SetLastError = true)] public static extern int close(int fd);
        [DllImport(Libc, SetLastError = true)] public static extern int poll(PollFd* fds, nuint n, int timeoutMs);
        [DllImport(Libc, SetLastError = true)] public static extern uint if_nametoindex([MarshalAs(UnmanagedType.LPStr)] string name);
    }

    private int _fd;
    private readonly bool _ignoresOutgoing;

    /// <summary>Frames one <see cref="ReceiveBatch"/> takes at most (one recvmmsg).</summary>
    public const int BatchSize = 32;
    /// <summary>A slot holds the largest frame a receive returns (the same bound as the single-frame buffer).</summary>
    private const int SlotSize = 65536 + 64;
    private byte[]? _slots;
    private MMsgHdr* _msgs;
    private IoVec* _iovs;
    private SockaddrLl* _names;
    private readonly int[] _lengths = new int[BatchSize];

    public InterfaceInfo Info { get; }
    public int IfIndex { get; }
    public int Fd => _fd;

    private PacketSocket(InterfaceInfo info, int ifindex, int fd, bool ignoresOutgoing)
    {
        Info = info; IfIndex = ifindex; _fd = fd; _ignoresOutgoing = ignoresOutgoing;
    }

    private static string Errno() { var e = Marshal.GetLastPInvokeError(); return $"errno {e}: {Marshal.GetPInvokeErrorMessage(e)}"; }

    public static PacketSocket Open(string name)
    {
        if (!OperatingSystem.IsLinux()) throw new PacketSocketException("the reference node owns its interfaces through AF_PACKET, which needs Linux.");
        if (name.Length is 0 or > 15 || name.Contains('/')) throw new PacketSocketException($"'{name}' is not an interface name.");
        var ifindex = (int)Native.if_nametoindex(name);
        if (ifindex == 0) throw new PacketSocketException($"interface {name} does not exist in this network namespace ({Errno()}).");
        var fd = Native.socket(AF_PACKET, SOCK_RAW | SOCK_NONBLOCK | SOCK_CLOEXEC, BinaryPrimitives.ReverseEndianness(ETH_P_ALL));
        if (fd < 0) throw new PacketSocketException($"cannot open an AF_PACKET socket for {name} ({Errno()}); the node needs CAP_NET_RAW.");
        try
        {
            var sll = new SockaddrLl { Family = AF_PACKET, Protocol = BinaryPrimitives.ReverseEndianness(ETH_P_ALL), IfIndex = ifindex };
            if (Native.bind(fd, &sll, sizeof(SockaddrLl)) != 0) throw new PacketSocketException($"cannot bind the AF_PACKET socket to {name} (ifindex {ifindex}): {Errno()}.");
            var one = 1;
            var ignores = Native.setsockopt(fd, SOL_PACKET, PACKET_IGNORE_OUTGOING, &one, sizeof(int)) == 0;
            var mreq = new PacketMreq { IfIndex = ifindex, Type = PACKET_MR_PROMISC };
            if (Native.setsockopt(fd, SOL_PACKET, PACKET_ADD_MEMBERSHIP, &mreq, sizeof(PacketMreq)) != 0)
                throw new PacketSocketException($"cannot put {name} in promiscuous mode: {Errno()}.");
            var buf = 4 * 1024 * 1024;
            if (Native.setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &buf, sizeof(int)) != 0) Native.setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &buf, sizeof(int));
            return new PacketSocket(new InterfaceInfo(name, ReadMac(name), ReadMtu(name)), ifindex, fd, ignores);
        }
        catch
        {
            Native.close(fd);
            throw;
        }
    }

    private static byte[] ReadMac(string name)
    {
        var path = $"/sys/class/net/{name}/address";
        if (!File.Exists(path)) return new byte[6];
        var text = File.ReadAllText(path).Trim();
        return [.. text.Split(':').Select(h => byte.Parse(h, NumberStyles.HexNumber, CultureInfo.InvariantCulture))];
    }

    private static int ReadMtu(string name)
    {
        var path = $"/sys/class/net/{name}/mtu";
        return File.Exists(path) && int.TryParse(File.ReadAllText(path).Trim(), CultureInfo.InvariantCulture, out var m) ? m : 1500;
    }

    /// <summary>Reads one frame into <paramref name="buffer"/>: its length, 0 when none is queued (frames the node sent itself are skipped).</summary>
    public int TryReceive(Span<byte> buffer)
    {
        while (true)
        {
            SockaddrLl from;
            var len = sizeof(SockaddrLl);
            nint n;
            fixed (byte* b = buffer) n = Native.recvfrom(_fd, b, (nuint)buffer.Length, 0, &from, &len);
            if (n < 0)
            {
                var e = Marshal.GetLastPInvokeError();
                if (e == EINTR) continue;
                if (e == EAGAIN) return 0;
                throw new PacketSocketException($"receive on {Info.Name} failed: errno {e}: {Marshal.GetPInvokeErrorMessage(e)}.");
            }
            if (!_ignoresOutgoing && from.PktType == PACKET_OUTGOING) continue;
            return (int)n;
        }
    }

    /// <summary>
    /// Reads up to <see cref="BatchSize"/> queued frames with one recvmmsg (0 when none is queued; frames the node sent
    /// itself are skipped). Frame i is <see cref="Frame"/>(i), valid until the next call. One syscall for a burst
    /// instead of one per frame.
    /// </summary>
    public int ReceiveBatch()
    {
        if (_slots is null)
        {
            _slots = GC.AllocateUninitializedArray<byte>(BatchSize * SlotSize, pinned: true);
            _msgs = (MMsgHdr*)NativeMemory.AllocZeroed((nuint)(BatchSize * sizeof(MMsgHdr)));
            _iovs = (IoVec*)NativeMemory.AllocZeroed((nuint)(BatchSize * sizeof(IoVec)));
            _names = (SockaddrLl*)NativeMemory.AllocZeroed((nuint)(BatchSize * sizeof(SockaddrLl)));
            var basePtr = (byte*)Unsafe.AsPointer(ref MemoryMarshal.GetArrayDataReference(_slots));
            for (var i = 0; i < BatchSize; i++)
            {
                _iovs[i] = new IoVec { Base = basePtr + (nint)i * SlotSize, Len = SlotSize };
                _msgs[i].Hdr.Iov = &_iovs[i];
                _msgs[i].Hdr.IovLen = 1;
                _msgs[i].Hdr.Name = &_names[i];
            }
        }
        while (true)
        {
            for (var i = 0; i < BatchSize; i++) { _msgs[i].Hdr.NameLen = sizeof(SockaddrLl); _msgs[i].Hdr.Flags = 0; }
            var n = Native.recvmmsg(_fd, _msgs, BatchSize, 0x40 /* MSG_DONTWAIT */, null);
            if (n < 0)
            {
                var e = Marshal.GetLastPInvokeError();
                if (e == EINTR) continue;
                if (e == EAGAIN) return 0;
                throw new PacketSocketException($"receive on {Info.Name} failed: errno {e}: {Marshal.GetPInvokeErrorMessage(e)}.");
            }
            var kept = 0;
            for (var i = 0; i < n; i++)
            {
                if (!_ignoresOutgoing && _names[i].PktType == PACKET_OUTGOING) continue;
                if (kept != i) Buffer.BlockCopy(_slots, i * SlotSize, _slots, kept * SlotSize, (int)_msgs[i].Len);
                _lengths[kept++] = (int)_msgs[i].Len;
            }
            if (kept == 0 && n > 0) continue;
            return kept;
        }
    }

    /// <summary>Frame <paramref name="i"/> of the last <see cref="ReceiveBatch"/>.</summary>
    public ReadOnlySpan<byte> Frame(int i) => _slots.AsSpan(i * SlotSize, _lengths[i]);

    public void Send(ReadOnlySpan<byte> frame)
    {
        for (var attempt = 0; attempt < 100; attempt++)
        {
            nint n;
            fixed (byte* b = frame) n = Native.send(_fd, b, (nuint)frame.Length, 0);
            if (n >= 0) return;
            var e = Marshal.GetLastPInvokeError();
            if (e is EAGAIN or EINTR or 105 /* ENOBUFS */) { Thread.SpinWait(50); continue; }
            return; // a frame the interface refuses (e.g. larger than its MTU) is dropped, as a port would
        }
    }

    /// <summary>Waits until one of <paramref name="sockets"/> has a frame or <paramref name="timeoutMs"/> passes; the ready ones.</summary>
    public static List<PacketSocket> Poll(IReadOnlyList<PacketSocket> sockets, int timeoutMs)
    {
        var fds = stackalloc PollFd[sockets.Count];
        for (var i = 0; i < sockets.Count; i++) fds[i] = new PollFd { Fd = sockets[i]._fd, Events = 1 /* POLLIN */ };
        var r = Native.poll(fds, (nuint)sockets.Count, timeoutMs);
        var ready = new List<PacketSocket>();
        if (r <= 0) return ready;
        for (var i = 0; i < sockets.Count; i++) if (fds[i].REvents != 0) ready.Add(sockets[i]);
        return ready;
    }

    public void Dispose()
    {
        var fd = Interlocked.Exchange(ref _fd, -1);
        if (fd >= 0) Native.close(fd);
        if (_msgs is not null) { NativeMemory.Free(_msgs); NativeMemory.Free(_iovs); NativeMemory.Free(_names); _msgs = null; _iovs = null; _names = null; }
    }
}
