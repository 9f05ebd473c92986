using System.CommandLine;
using Conformance.Harness.Platforms;
using Conformance.Harness.Profiles;

namespace Conformance.Cli.Commands;

/// <summary>
/// `srv6conf platforms`: the platform packs of this checkout (dut-configs/&lt;platform&gt;/platform.yaml), each
/// validated, with how it was verified, its session driver, the intent items it has templates for and its verbs.
/// Exit 0 when every pack is valid, 1 when one is not (its errors with file:line:column).
/// </summary>
internal static class PlatformsCommand
{
    public static Command Create()
    {
        var dir = new Option<string?>("--dut-configs") { Description = "the dut-configs folder (default: the checkout's, or SRV6CONF_DUT_CONFIGS)" };
        var cmd = new Command("platforms", "List and check the platform packs: verification, session driver, intent items covered, verbs") { dir };
        cmd.SetAction(pr => Run(pr.GetValue(dir), Console.Out, Console.Error));
        return cmd;
    }

    public static int Run(string? dutConfigs, TextWriter stdout, TextWriter stderr)
    {
        string root;
        try { root = dutConfigs ?? PlatformPacks.DutConfigsDirectory; }
        catch (DirectoryNotFoundException e) { stderr.WriteLine($"srv6conf platforms: {e.Message}"); return 2; }
        if (!Directory.Exists(root)) { stderr.WriteLine($"srv6conf platforms: no folder {root}"); return 2; }
        var bad = 0;
        var behaviors = Enum.GetValues<SrBehavior>().Select(b => b.Name()).ToList();
        foreach (var d in Directory.GetDirectories(root).Order(StringComparer.Ordinal))
        {
            if (!File.Exists(Path.Combine(d, PlatformPackLoader.DescriptorName))) continue;
            PlatformPack p;
            try { p = PlatformPackLoader.Load(d); }
            catch (PlatformPackException e) { stderr.WriteLine(e.Message); bad++; continue; }
            var t = p.Templates;
            var items = new List<string>();
            if (t.Locator is not null) items.Add("locator");
            if (t.Sid.Count > 0) items.Add($"SIDs {string.Join(' ', behaviors.Where(t.Sid.ContainsKey))}");
            if (t.Headend.Count > 0) items.Add($"headends {string.Join(' ', t.Headend.Keys)}");
            if (t.Flavors.Count + t.FlavorSets.Count > 0) items.Add($"flavors {string.Join(' ', t.Flavors.Keys.Concat(t.FlavorSets.Keys).Distinct())}");
            if (t.EdgeFilter is not null) items.Add("edge filter");
            if (t.HmacKey is not null) items.Add("HMAC keys");
            if (t.OFlag is not null) items.Add("O-flag");
            stdout.WriteLine($"{p.Platform,-8} {p.Vendor} {p.Os}; verified: {Verification(p.Verification)}; session: {p.Session.Driver.ToString().ToLowerInvariant()}");
            stdout.WriteLine($"         templates: {(items.Count == 0 ? "none" : string.Join("; ", items))}");
            stdout.WriteLine($"         verbs: {(p.Verbs.Count == 0 ? "none" : string.Join(' ', p.Verbs.Keys))}");
            if (p.State?.Counters is null) stdout.WriteLine("         no per-SID counters");
        }
        stdout.WriteLine(bad == 0 ? "every pack is valid" : $"{bad} pack(s) are not valid (above)");
        return bad == 0 ? 0 : 1;
    }

    private static string Verification(PackVerification v) => v switch
    {
        PackVerification.Documentation => "from documentation only, not run on a device",
        PackVerification.ReferenceLab => "on the reference lab",
        _ => "on hardware",
    };
}
