using System.CommandLine;
using Conformance.Cli.Commands;
using Conformance.Harness;

var root = new RootCommand($"srv6conf {HarnessInfo.Version}: SRv6 conformance suite tools (decode captures, reference lab, profiles, reports)")
{
    DecodeCommand.Create(),
    LabCommands.Create(),
    ProfileCommands.Create(),
    ReportCommands.Create(),
    PingCommand.Create(),
    TracerouteCommand.Create(),
    PurposesCommand.Create(),
    ProgressCommand.Create(),
    MutateCommand.Create(),
    PlatformsCommand.Create(),
    DryRunCommand.Create(),
    DifferentialCommand.Create(),
};
return await root.Parse(args).InvokeAsync();
