using System.CommandLine;
using Conformance.Harness.Profiles;

namespace Conformance.Cli.Commands;

/// <summary>`srv6conf profile check FILE`: validate a profile and say what it claims.</summary>
internal static class ProfileCommands
{
    public static Command Create()
    {
        var file = new Argument<string>("file") { Description = "a profile (YAML)" };
        var check = new Command("check", "Validate a profile: every error with file:line:column and the field") { file };
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
                return 0;
            }
            catch (ProfileException e) { Console.Error.WriteLine(e.Message); return 1; }
        });
        return new Command("profile", "Testbed and capability profiles") { check };
    }
}
