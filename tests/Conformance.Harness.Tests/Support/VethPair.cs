namespace Conformance.Harness.Tests.Support;

/// <summary>
/// A throw-away namespace with one veth for tester-port tests: the tester end stays in the root
/// namespace with IPv6 off (only the harness speaks on it); the far end sits in the namespace with
/// a documentation address. Named with the suite's prefix and removed on dispose.
/// </summary>
internal sealed class VethPair : IDisposable
{
    public string Id { get; } = Convert.ToHexString(Guid.NewGuid().ToByteArray())[..6].ToLowerInvariant();
    public string Namespace => $"s6c-{Id}-tp";
    public string TesterIf => $"s6c{Id}x";
    public string FarIf => "eth0";
    public const string FarAddress = "2001:db8:0:9::1";
    public const string TesterAddress = "2001:db8:0:9::2";

    public VethPair()
    {
        try
        {
            Sh.Run("ip", "netns", "add", Namespace);
            Sh.Run("ip", "link", "add", TesterIf, "type", "veth", "peer", "name", $"s6c{Id}y");
            Sh.Run("sysctl", "-qw", $"net.ipv6.conf.{TesterIf}.disable_ipv6=1");
            Sh.Run("ip", "link", "set", $"s6c{Id}y", "netns", Namespace);
            Ns("ip", "link", "set", $"s6c{Id}y", "name", FarIf);
            Ns("ip", "link", "set", "lo", "up");
            Ns("ip", "addr", "add", FarAddress + "/64", "dev", FarIf, "nodad");
            Ns("ip", "link", "set", FarIf, "up");
            Sh.Run("ip", "link", "set", TesterIf, "up");
        }
        catch
        {
            Dispose();
            throw;
        }
    }

    public string Ns(params string[] args) => Sh.Run("ip", new[] { "netns", "exec", Namespace }.Concat(args).ToArray());

    public string FarMac => Ns("cat", $"/sys/class/net/{FarIf}/address").Trim();

    public void Dispose()
    {
        Sh.Try("ip", "link", "del", TesterIf);
        Sh.Try("ip", "netns", "del", Namespace);
    }
}
