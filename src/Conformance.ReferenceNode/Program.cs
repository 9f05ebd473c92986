using Conformance.ReferenceNode.Runtime;

namespace Conformance.ReferenceNode;

/// <summary>Entry point: <c>srv6-refnode daemon …</c> (the node) and <c>srv6-refnode cli …</c> (the SSH login shell).</summary>
public static class Program
{
    private const string Usage = """
        usage: srv6-refnode daemon --control <unix-socket-path> --interfaces <if1,if2,...> [--config <startup-file>] [--log <file>]
               srv6-refnode cli --control <unix-socket-path>
               srv6-refnode check-config <file>     parse a configuration file and print it in canonical form
        """;

    public static int Main(string[] args)
    {
        if (args.Length == 0) { Console.Error.Write(Usage); return 2; }
        var options = new Dictionary<string, string>(StringComparer.Ordinal);
        for (var i = 1; i < args.Length; i++)
        {
            if (args[0] == "check-config" && i == 1 && !args[i].StartsWith("--", StringComparison.Ordinal)) { options["file"] = args[i]; continue; }
            if (!args[i].StartsWith("--", StringComparison.Ordinal) || i + 1 >= args.Length)
            {
                Console.Error.Write($"srv6-refnode: unexpected argument '{args[i]}'\n{Usage}");
                return 2;
            }
            options[args[i][2..]] = args[++i];
        }
        string? Opt(string name) => options.GetValueOrDefault(name);
        var allowed = args[0] switch
        {
            "daemon" => new[] { "control", "interfaces", "config", "log" },
            "cli" => ["control"],
            "check-config" => ["file"],
            _ => [],
        };
        if (allowed.Length == 0) { Console.Error.Write($"srv6-refnode: unknown command '{args[0]}'\n{Usage}"); return 2; }
        if (options.Keys.FirstOrDefault(k => !allowed.Contains(k)) is { } bad) { Console.Error.Write($"srv6-refnode: unknown option --{bad}\n{Usage}"); return 2; }
        switch (args[0])
        {
            case "daemon":
                if (Opt("control") is not { } control || Opt("interfaces") is not { } ifs) { Console.Error.Write($"srv6-refnode daemon: --control and --interfaces are required\n{Usage}"); return 2; }
                return Daemon.RunUntilSignalled(new DaemonOptions(control, [.. ifs.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)], Opt("config"), Opt("log")));
            case "cli":
                if (Opt("control") is not { } path) { Console.Error.Write($"srv6-refnode cli: --control is required\n{Usage}"); return 2; }
                return CliRelay.Run(path);
            default:
                if (Opt("file") is not { } file) { Console.Error.Write(Usage); return 2; }
                try
                {
                    var box = new Config.SecretBox();
                    Console.Write(Config.ConfigPrinter.Print(Config.ConfigEditor.Parse(File.ReadAllText(file), box), box));
                    return 0;
                }
                catch (Config.ConfigException e) { Console.Error.WriteLine($"{file}: {e.ErrorLine}"); return 1; }
        }
    }
}
