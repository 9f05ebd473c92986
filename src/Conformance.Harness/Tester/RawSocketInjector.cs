using System.Diagnostics;
using System.Runtime.InteropServices;

namespace Conformance.Harness.Tester;

/// <summary>What one <see cref="RawSocketInjector.SendBatch"/> call did: frames handed to the kernel, syscalls, waits on a full queue.</summary>
public readonly record struct InjectionResult(int Sent, int Syscalls, int Waits);

/// <summary>
/// Fast transmit path for a tester port: an AF_PACKET SOCK_RAW socket bound to one interface,
/// sending whole frames (Ethernet header included) in batches with sendmmsg(2). One syscall
/// carries up to <see cref="BatchSize"/> frames, copied into one native buffer per batch, so the
/// per-frame cost is a memcpy plus the kernel's own work. The socket is opened with protocol 0:
/// it never receives, so it costs nothing on the receive path.
/// </summary>
/// <remarks>
/// With <c>qdiscBypass</c> (PACKET_QDISC_BYPASS) frames go straight to the driver: faster, but
/// they are not seen by packet taps on the sending interface (tcpdump on it will not show them)
/// and there is no queue to absorb a busy driver, so ENOBUFS is more likely (it is retried).
/// Not thread-safe: one sender at a time (TesterPort serialises under its transmit lock).
/// </remarks>
public sealed unsafe class RawSocketInjector : FrameInjector
{
    public const int BatchSize = 256;
    private const int MaxFrame = 65535;
    /// <summary>How long one batch may make no progress (queue full) before the send is abandoned.</summary>
    public static readonly TimeSpan StallLimit = TimeSpan.FromSeconds(2);

    private int _fd;
    private readonly MMsgHdr* _msgs;
    private readonly IoVec* _iov;
    private byte* _buf;
    private int _bufCap;

    public override string Interface { get; }
    public int IfIndex { get; }
    public override bool QdiscBypass { get; }
    public override string Method => "sendmmsg";
    public override int MaxBatch => BatchSize;

    private RawSocketInjector(string ifname, int fd, int ifindex, bool bypass)
    {
        Interface = ifname; _fd = fd; IfIndex = ifindex; QdiscBypass = bypass;
        _msgs = (MMsgHdr*)NativeMemory.AllocZeroed((nuint)(BatchSize * sizeof(MMsgHdr)));
        _iov = (IoVec*)NativeMemory.AllocZeroed((nuint)(BatchSize * sizeof(IoVec)));
        _bufCap = BatchSize * 256;
        _buf = (byte*)NativeMemory.Alloc((nuint)_bufCap);
        for (int i = 0; i < BatchSize; i++) { _msgs[i].Hdr.Iov = &_iov[i]; _msgs[i].Hdr.IovLen = 1; }
    }

    /// <summary>
    /// Opens an injector on <paramref name="ifname"/> in the current network namespace. Throws a
    /// <see cref="TestbedException"/> naming the interface when it does not exist or the socket
    /// cannot be opened (AF_PACKET needs CAP_NET_RAW).
    /// </summary>
    public static RawSocketInjector Open(string ifname, bool qdiscBypass = true, int sendBuffer = 4 * 1024 * 1024)
    {
        if (!OperatingSystem.IsLinux()) throw new TestbedException("raw socket injection needs Linux (AF_PACKET).");
        if (string.IsNullOrEmpty(ifname) || ifname.Length > 15 || ifname.Contains('/'))
            throw new TestbedException($"'{ifname}' is not a valid interface name.");
        int ifindex = (int)Native.if_nametoindex(ifname);
        if (ifindex == 0)
            throw new TestbedException($"cannot inject on interface '{ifname}': it does not exist in this network namespace ({Errno()}).");
        int fd = Native.socket(AF_PACKET, SOCK_RAW | SOCK_CLOEXEC, 0);
        if (fd < 0) throw new TestbedException($"cannot open an AF_PACKET socket for '{ifname}' ({Errno()}); injection needs CAP_NET_RAW.");
        try
        {
            var sll = new SockaddrLl { Family = AF_PACKET, Protocol = 0, IfIndex = ifindex };
            if (Native.bind(fd, &sll, sizeof(SockaddrLl)) != 0)
                throw new TestbedException($"cannot bind an AF_PACKET socket to '{ifname}' (ifindex {ifindex}): {Errno()}.");
            int sz = sendBuffer;
            // SO_SNDBUFFORCE (root) ignores wmem_max; fall back to SO_SNDBUF.
            if (Native.setsockopt(fd, SOL_SOCKET, SO_SNDBUFFORCE, &sz, sizeof(int)) != 0)
                Native.setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &sz, sizeof(int));
            bool bypass = false;
            if (qdiscBypass)
            {
                int one = 1;
                bypass = Native.setsockopt(fd, SOL_PACKET, PACKET_QDISC_BYPASS, &one, sizeof(int)) == 0;
            }
            return new RawSocketInjector(ifname, fd, ifindex, bypass);
        }
        catch
        {
            Native.close(fd);
            throw;
        }
    }

    /// <summary>
    /// Opens an injector on an interface inside the named network namespace (/var/run/netns/NAME):
    /// a dedicated thread enters the namespace, opens and binds the socket, and the thread is then
    /// discarded (it never returns to the pool). The socket stays tied to that namespace.
    /// </summary>
    public static RawSocketInjector OpenInNamespace(string netns, string ifname, bool qdiscBypass = true)
    {
        var path = $"/var/run/netns/{netns}";
        if (!File.Exists(path)) throw new TestbedException($"network namespace '{netns}' does not exist ({path}).");
        RawSocketInjector? result = null;
        Exception? error = null;
        var t = new Thread(() =>
        {
            try
            {
                int nsfd = Native.open(path, O_RDONLY | O_CLOEXEC);
                if (nsfd < 0) throw new TestbedException($"cannot open {path}: {Errno()}");
                try
                {
                    if (Native.setns(nsfd, CLONE_NEWNET) != 0) throw new TestbedException($"setns({netns}) failed: {Errno()}");
                }
                finally { Native.close(nsfd); }
                result = Open(ifname, qdiscBypass);
            }
            catch (Exception e) { error = e; }
        }) { IsBackground = true, Name = $"netns-{netns}" };
        t.Start();
        if (!t.Join(TimeSpan.FromSeconds(10))) throw new TestbedException($"opening an injector in '{netns}' timed out.");
        if (error is not null) throw error is TestbedException ? error : new TestbedException(error.Message, error);
        return result!;
    }

    /// <summary>
    /// Sends up to <see cref="BatchSize"/> frames with sendmmsg, resuming after partial sends and
    /// waiting briefly on EAGAIN/ENOBUFS/EINTR. Throws when no progress is made for <see cref="StallLimit"/>.
    /// </summary>
    public override InjectionResult SendBatch(IReadOnlyList<byte[]> frames, int start, int count)
    {
        ObjectDisposedException.ThrowIf(_fd < 0, this);
        if (count > BatchSize) throw new ArgumentOutOfRangeException(nameof(count), $"at most {BatchSize} frames per batch.");
        // Copy the batch into the native buffer (grown as needed) and point the iovecs at it.
        long total = 0;
        for (int i = 0; i < count; i++)
        {
            int len = frames[start + i].Length;
            if (len < 14 || len > MaxFrame) throw new ArgumentException($"frame #{start + i} is {len} bytes; an Ethernet frame is 14..{MaxFrame}.");
            total += len;
        }
        if (total > _bufCap)
        {
            NativeMemory.Free(_buf);
            _bufCap = (int)Math.Max(total, _bufCap * 2L);
            _buf = (byte*)NativeMemory.Alloc((nuint)_bufCap);
        }
        byte* p = _buf;
        for (int i = 0; i < count; i++)
        {
            var f = frames[start + i];
            f.AsSpan().CopyTo(new Span<byte>(p, f.Length));
            _iov[i].Base = p; _iov[i].Len = (nuint)f.Length;
            p += f.Length;
        }

        int done = 0, calls = 0, waits = 0;
        Stopwatch? stall = null;
        while (done < count)
        {
            int r = Native.sendmmsg(_fd, _msgs + done, (uint)(count - done), 0);
            calls++;
            if (r > 0) { done += r; stall = null; continue; }
            int errno = r < 0 ? Marshal.GetLastPInvokeError() : EAGAIN;
            if (errno is not (EAGAIN or ENOBUFS or EINTR))
                throw new TestbedException($"injection on '{Interface}' failed after {FramesSent + done} frames: {Errno(errno)}.");
            stall ??= Stopwatch.StartNew();
            if (stall.Elapsed > StallLimit)
                throw new TestbedException($"injection on '{Interface}' made no progress for {StallLimit.TotalSeconds:0} s ({Errno(errno)}); the interface is not draining.");
            waits++;
            if (waits % 16 == 0) Thread.Sleep(1); else Thread.Yield();
        }
        FramesSent += done; Waits += waits;
        return new InjectionResult(done, calls, waits);
    }

    public override void Dispose()
    {
        if (_fd < 0) return;
        Native.close(_fd);
        _fd = -1;
        NativeMemory.Free(_msgs);
        NativeMemory.Free(_iov);
        NativeMemory.Free(_buf);
        _buf = null;
    }

    internal static string Errno(int? errno = null)
    {
        int e = errno ?? Marshal.GetLastPInvokeError();
        return $"errno {e}: {Marshal.GetPInvokeErrorMessage(e)}";
    }

    internal const int AF_PACKET = 17, SOCK_RAW = 3, SOCK_CLOEXEC = 0x80000;
    internal const int SOL_SOCKET = 1, SO_SNDBUF = 7, SO_SNDBUFFORCE = 32;
    internal const int SOL_PACKET = 263, PACKET_QDISC_BYPASS = 20;
    internal const int EINTR = 4, EAGAIN = 11, ENOBUFS = 105;
    private const int O_RDONLY = 0, O_CLOEXEC = 0x80000, CLONE_NEWNET = 0x40000000;

    [StructLayout(LayoutKind.Sequential)]
    internal struct SockaddrLl
    {
        public ushort Family; public ushort Protocol; public int IfIndex;
        public ushort HaType; public byte PktType; public byte HaLen; public fixed byte Addr[8];
    }

    [StructLayout(LayoutKind.Sequential)]
    internal struct IoVec { public byte* Base; public nuint Len; }

    [StructLayout(LayoutKind.Sequential)]
    internal struct MsgHdr
    {
        public void* Name; public uint NameLen; public IoVec* Iov; public nuint IovLen;
        public void* Control; public nuint ControlLen; public int Flags;
    }

    [StructLayout(LayoutKind.Sequential)]
    internal struct MMsgHdr { public MsgHdr Hdr; public uint Len; }

    internal static class Native
    {
        private const string Libc = "libc";
        [DllImport(Libc, SetLastError = true)] public static extern int socket(int domain, int type, int protocol);
        [DllImport(Libc, SetLastError = true)] public static extern int bind(int fd, SockaddrLl* addr, int len);
        [DllImport(Libc, SetLastError = true)] public static extern int setsockopt(int fd, int level, int name, void* val, int len);
        [DllImport(Libc, SetLastError = true)] public static extern int sendmmsg(int fd, MMsgHdr* msgs, uint vlen, int flags);
        [DllImport(Libc, SetLastError = true)] public static extern int close(int fd);
        [DllImport(Libc, SetLastError = true)] public static extern uint if_nametoindex([MarshalAs(UnmanagedType.LPStr)] string name);
        [DllImport(Libc, SetLastError = true)] public static extern int open([MarshalAs(UnmanagedType.LPStr)] string path, int flags);
        [DllImport(Libc, SetLastError = true)] public static extern int setns(int fd, int nstype);
    }
}
