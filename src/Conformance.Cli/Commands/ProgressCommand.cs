using System.CommandLine;
using System.Diagnostics;
using System.Globalization;

namespace Conformance.Cli.Commands;

/// <summary>
/// `srv6conf progress`: the live console of a conformance run. It follows the progress file the test host appends to
/// (one line per finished case, see Harness.Reporting.RunProgress) and prints one line per case: verdict, test purpose,
/// duration, and the known deviation or the first line of a failure. On a terminal the verdicts are coloured and a
/// progress line with the ETA stays at the bottom; elsewhere (CI) the lines are plain. It ends when the process it
/// watches has ended and every line is printed.
/// </summary>
internal static class ProgressCommand
{
    public static Command Create()
    {
        var file = new Option<string>("--file") { Description = "the progress file of the run", Required = true };
        var total = new Option<int>("--total") { Description = "how many cases the run will report (0: unknown)" };
        var pid = new Option<int>("--pid") { Description = "stop once this process has ended and the file is read" };
        var color = new Option<string>("--color") { Description = "auto (on a terminal), always or never", DefaultValueFactory = _ => "auto" };
        var cmd = new Command("progress", "Follow a run's progress file: one line per case, a progress line with ETA on a terminal") { file, total, pid, color };
        cmd.SetAction(async (pr, ct) =>
        {
            var c = pr.GetValue(color) switch { "always" => true, "never" => false, _ => !Console.IsOutputRedirected };
            await FollowAsync(pr.GetValue(file)!, pr.GetValue(total), pr.GetValue(pid), c, Console.Out, ct);
            return 0;
        });
        return cmd;
    }

    public static async Task FollowAsync(string path, int total, int pid, bool terminal, TextWriter o, CancellationToken ct)
    {
        var clock = Stopwatch.StartNew();
        int done = 0;
        long offset = 0;
        var partial = "";
        bool statusShown = false;
        while (!ct.IsCancellationRequested)
        {
            bool alive = pid <= 0 || IsAlive(pid);
            if (File.Exists(path))
            {
                using var fs = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
                fs.Seek(offset, SeekOrigin.Begin);
                using var r = new StreamReader(fs);
                var text = partial + await r.ReadToEndAsync(ct);
                offset = fs.Position;
                var lines = text.Split('\n');
                partial = lines[^1];
                foreach (var line in lines[..^1])
                {
                    if (line.Length == 0) continue;
                    if (statusShown) { o.Write("\r\u001b[K"); statusShown = false; }
                    o.WriteLine(Format(line, terminal));
                    done++;
                }
            }
            if (terminal)
            {
                o.Write("\r\u001b[K" + Status(done, total, clock.Elapsed));
                statusShown = true;
            }
            o.Flush();
            if (!alive) break;
            try { await Task.Delay(250, ct); } catch (TaskCanceledException) { break; }
        }
        if (statusShown) o.Write("\r\u001b[K");
        o.Flush();
    }

    /// <summary>"[ 37/87] 1:12 elapsed, about 1:30 left".</summary>
    public static string Status(int done, int total, TimeSpan elapsed)
    {
        static string T(TimeSpan t) => t.TotalHours >= 1 ? t.ToString(@"h\:mm\:ss", CultureInfo.InvariantCulture) : t.ToString(@"m\:ss", CultureInfo.InvariantCulture);
        if (total <= 0) return $"[{done,3}] {T(elapsed)} elapsed";
        var left = done == 0 ? "estimating" : $"about {T(TimeSpan.FromTicks(elapsed.Ticks / done * Math.Max(0, total - done)))} left";
        return $"[{done,3}/{total}] {T(elapsed)} elapsed, {left}";
    }

    /// <summary>One case's line: verdict, purpose, duration, then the deviation (KNOWN) or the first line of the message (FAIL, INCONC).</summary>
    public static string Format(string line, bool color)
    {
        var f = line.Split('\t');
        if (f.Length < 6) return line;
        var (verdict, id, ms, known, name, message) = (f[0], f[1], f[2], f[3], f[4], f[5]);
        var secs = double.TryParse(ms, NumberStyles.Integer, CultureInfo.InvariantCulture, out var m) ? $"{m / 1000:0.0} s" : "";
        var tag = verdict switch { "KNOWN" => $"KNOWN {known}", _ => verdict };
        var extra = verdict switch
        {
            "FAIL" or "INCONC" => "\n          " + Trim(message.Replace("FAIL: ", "").Replace("INCONC: ", ""), 150),
            "N/A" => "  (" + Trim(message.Replace("N/A: ", ""), 90) + ")",
            _ => "",
        };
        var title = name.StartsWith(id + ": ", StringComparison.Ordinal) ? name[(id.Length + 2)..] : name;
        var text = $"  {tag,-20} {id,-17} {secs,7}  {Trim(title, 80)}{extra}";
        if (!color) return text;
        var c = verdict switch { "PASS" => "32", "FAIL" => "31;1", "INCONC" => "35", "KNOWN" => "33", _ => "2" };
        return $"\u001b[{c}m{text}\u001b[0m";
    }

    private static string Trim(string s, int n) => s.Length <= n ? s : s[..(n - 1)] + "…";

    private static bool IsAlive(int pid)
    {
        try { using var p = Process.GetProcessById(pid); return !p.HasExited; }
        catch (ArgumentException) { return false; }
        catch (InvalidOperationException) { return false; }
    }
}
