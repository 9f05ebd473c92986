using System.CommandLine;
using Conformance.Harness.Intent;
using Conformance.Harness.Platforms;
using Conformance.Harness.Profiles;
using Conformance.Harness.Testbeds;

namespace Conformance.Cli.Commands;

/// <summary>`srv6conf profile check FILE`: validate a profile and say what it claims.</summary>
internal static class ProfileCommands
{
    public static Command Create()
    {
        var file = new Argument<string>("file") { Description = "a profile (YAML)" };
        var host = new Option<bool>("--host") { Description = "also check that this host can build the profile's testbed (exit 5 when it cannot, saying why)" };
        var check = new Command("check", "Validate a profile: every error with file:line:column and the field") { file, host };
        check.SetAction(pr =>
        {
            try
            {
                var known = PurposesCommand.KnownTestPurposeIds();
                var p = ProfileLoader.Load(pr.GetValue(file)!, new ProfileLoadOptions { KnownTestPurposes = known });
                if (known is null)
                    Console.Error.WriteLine("note: the cases assembly is not built, so known_deviations[].test_purposes were not checked against the suite's purposes (build first: dotnet build -c Release)");
                Console.WriteLine($"{p.SourcePath}: valid ({p.Name}, {p.Testbed.Kind}, platform {p.Testbed.Platform}, {p.Testbed.TesterPorts.Count} tester ports, {p.Parameters.Sids.Count} SIDs, sha256 {p.Sha256[..12]}…)");
                foreach (var (k, v) in ReportCommands.Pics(p)) Console.WriteLine($"  {k}: {v}");
                if (pr.GetValue(host) && ProfileDutConfig.WhyThisHostCannotBuild(p) is { } why)
                {
                    Console.Error.WriteLine($"{p.SourcePath}: valid, but this host cannot build its testbed: {why}");
                    return 5;
                }
                // What the profile claims must be configurable with its platform's pack (a router pack renders it here); on a
                // multi-DUT testbed, every DUT's with its own pack.
                IReadOnlyList<Profile> duts = p.Testbed.Topology is { IsMultiDut: true } mt ? [.. mt.DutNodes.Select(d => d.Profile)] : [p];
                foreach (var dp in duts)
                {
                    if (duts.Count > 1) Console.WriteLine($"  DUT {dp.Testbed.Topology!.DutNode}: {dp.SourcePath} ({dp.Name}, platform {dp.Testbed.Platform}, {dp.Parameters.Sids.Count} SIDs, sha256 {dp.Sha256[..12]}…)");
                    var pack = PlatformPacks.Find(dp.Testbed.Platform);
                    if (pack is null)
                    {
                        Console.Error.WriteLine($"{dp.SourcePath}: testbed.platform '{dp.Testbed.Platform}' has no platform pack (dut-configs/{dp.Testbed.Platform}/platform.yaml); `srv6conf platforms` lists them.");
                        return 1;
                    }
                    if (pack.Session.Driver == SessionDriver.Cli)
                    {
                        var r = PackRenderer.Render(pack, IntentBuilder.Build(dp));
                        if (r.NotRenderable.Count > 0)
                        {
                            // The profile is valid; the pack is what falls short. A run stops on this before connecting.
                            Console.Error.WriteLine($"warning: the pack {Path.GetRelativePath(Directory.GetCurrentDirectory(), pack.DescriptorPath)} cannot configure what {dp.SourcePath} asks, " +
                                "so a run with it stops before connecting (remove the claim from the profile or add the template to the pack):");
                            foreach (var m in r.NotRenderable) Console.Error.WriteLine($"  - {m}");
                            return 0;
                        }
                        Console.WriteLine($"  pack {pack.Platform}: renders all of it ({r.Lines.Count} lines; `srv6conf dry-run --profile` prints them)");
                    }
                }
                return 0;
            }
            catch (ProfileException e) { Console.Error.WriteLine(e.Message); return 1; }
            catch (PlatformPackException e) { Console.Error.WriteLine(e.Message); return 1; }
        });
        return new Command("profile", "Testbed and capability profiles") { check };
    }
}
