using Conformance.Harness.Capture;
using Conformance.Harness.Tests.Support;
using NUnit.Framework;

namespace Conformance.Harness.Tests.Capture;

public class PcapFileTests
{
    private static readonly DateTime T0 = new(2026, 11, 25, 6, 0, 0, DateTimeKind.Utc);

    private static List<Frame> SampleFrames()
    {
        var rnd = new Random(7);
        var frames = new List<Frame>();
        for (int i = 0; i < 5; i++)
        {
            var data = new byte[60 + i * 13];
            rnd.NextBytes(data);
            data[12] = 0x86; data[13] = 0xdd;
            frames.Add(new Frame(T0.AddMilliseconds(i * 1.5), data, i % 2 == 0 ? "t1" : "t2",
                i % 2 == 0 ? FrameDirection.Sent : FrameDirection.Received, $"frame {i}"));
        }
        return frames;
    }

    [TestCase("pcap")]
    [TestCase("pcapng")]
    public void WriteThenReadIsByteExactWithTimestamps(string kind)
    {
        var path = Path.Combine(TestContext.CurrentContext.WorkDirectory, $"roundtrip-{Guid.NewGuid():N}.{kind}");
        var frames = SampleFrames();
        if (kind == "pcap") PcapFile.WritePcap(path, frames); else PcapFile.WritePcapNg(path, frames);
        var back = PcapFile.Read(path);
        Assert.That(back, Has.Count.EqualTo(frames.Count));
        for (int i = 0; i < frames.Count; i++)
        {
            Assert.That(back[i].Data, Is.EqualTo(frames[i].Data), $"frame {i} bytes");
            Assert.That(back[i].TimestampUtc, Is.EqualTo(frames[i].TimestampUtc).Within(TimeSpan.FromMilliseconds(0.001)), $"frame {i} time");
        }
        File.Delete(path);
    }

    [Test]
    public void TsharkSeesPcapNgInterfacesDirectionsAndComments()
    {
        var path = Path.Combine(TestContext.CurrentContext.WorkDirectory, $"ng-{Guid.NewGuid():N}.pcapng");
        PcapFile.WritePcapNg(path, SampleFrames());
        var fields = Sh.Run("tshark", "-r", path, "-T", "fields", "-e", "frame.interface_name", "-e", "frame.comment", "-e", "frame.p2p_dir");
        var lines = fields.Trim().Split('\n');
        Assert.That(lines, Has.Length.EqualTo(5));
        Assert.That(lines[0], Does.StartWith("t1\tframe 0"));
        Assert.That(lines[1], Does.StartWith("t2\tframe 1"));
        File.Delete(path);
    }

    [Test]
    public void MissingAndNonPcapFilesGetClearErrors()
    {
        var missing = Assert.Throws<PcapFormatException>(() => PcapFile.Read("/nonexistent/x.pcap"));
        Assert.That(missing!.Message, Does.Contain("/nonexistent/x.pcap").And.Contain("no such file"));
        var text = Path.Combine(TestContext.CurrentContext.WorkDirectory, "not-a-capture.txt");
        File.WriteAllText(text, "hello, this is not a capture");
        var bad = Assert.Throws<PcapFormatException>(() => PcapFile.Read(text));
        Assert.That(bad!.Message, Does.Contain("not a pcap or pcapng file"));
    }
}
