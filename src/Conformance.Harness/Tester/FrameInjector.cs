namespace Conformance.Harness.Tester;

/// <summary>
/// A fast transmit path bound to one interface: sends whole Ethernet frames in batches, in order,
/// and returns when every frame of the batch was handed to the kernel. Two implementations:
/// <see cref="RawSocketInjector"/> (sendmmsg, the tester port's default) and
/// <see cref="PacketTxRing"/> (PACKET_TX_RING, with S6C_TX_RING=1). Not thread-safe.
/// </summary>
public abstract class FrameInjector : IDisposable
{
    /// <summary>The interface the injector sends on.</summary>
    public abstract string Interface { get; }
    /// <summary>True when frames go straight to the driver (PACKET_QDISC_BYPASS).</summary>
    public abstract bool QdiscBypass { get; }
    /// <summary>How frames are handed to the kernel: "tx_ring" or "sendmmsg".</summary>
    public abstract string Method { get; }
    /// <summary>The most frames one <see cref="SendBatch"/> call accepts.</summary>
    public abstract int MaxBatch { get; }
    /// <summary>Frames handed to the kernel since the injector opened.</summary>
    public long FramesSent { get; protected set; }
    /// <summary>Times a send found the queue or ring full (or the driver busy) and waited.</summary>
    public long Waits { get; protected set; }

    /// <summary>Sends frames[start..start+count) (at most <see cref="MaxBatch"/>); throws a <see cref="TestbedException"/> on failure.</summary>
    public abstract InjectionResult SendBatch(IReadOnlyList<byte[]> frames, int start, int count);

    /// <summary>Sends all frames, batching them; returns when every frame was handed to the kernel.</summary>
    public InjectionResult Send(IReadOnlyList<byte[]> frames, int start = 0, int count = -1)
    {
        if (count < 0) count = frames.Count - start;
        int sent = 0, calls = 0, waits = 0;
        while (sent < count)
        {
            int n = Math.Min(MaxBatch, count - sent);
            var r = SendBatch(frames, start + sent, n);
            sent += r.Sent; calls += r.Syscalls; waits += r.Waits;
        }
        return new InjectionResult(sent, calls, waits);
    }

    public abstract void Dispose();
}
