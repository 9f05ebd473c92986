using System.Diagnostics;
using System.Net;
using Conformance.Harness.Dut;
using Conformance.Harness.Lab;
using Conformance.Harness.Tester;
using NUnit.Framework;

namespace Conformance.Harness.Tests.Lab;

/// <summary>
/// The Linux reference DUT in a qemu VM (<see cref="DutVm"/>), for hosts whose kernel has no SRv6: opt-in
/// (SRV6CONF_LINUX_DUT_VM=1, qemu and the cached kernel of scripts/setup-dut-vm.sh), so it is skipped with the reason
/// everywhere else, CI included. One lab (about a minute under TCG) for everything: the DUT is the VM's kernel, driven
/// over SSH on the management address; an End SID forwards a packet from tester port t1 to t2 through the taps; teardown
/// and the leftover cleanup after a dead owner remove qemu, the taps' namespace, the state file and the run directory.
/// </summary>
[TestFixture, Category("Lab"), NonParallelizable]
public class DutVmTests
{
    private static void RequireVm()
    {
        LabTestSupport.RequireLab();
        if (HostKernel.WhyNoLinuxReferenceDut is null)
            Assert.Ignore($"not run on this host: its kernel ({HostKernel.Release}) has SRv6, so the Linux DUT runs in its namespace, never in the VM");
        if (!DutVm.Requested)
            Assert.Ignore($"not run: the Linux DUT's VM is opt-in ({DutVm.EnableVariable}=1, after scripts/setup.sh with it set)");
        if (DutVm.WhyUnavailable is { } why) Assert.Ignore($"not run on this host: {why}");
    }

    [Test]
    public async Task TheLinuxDutRunsInTheVm_ForwardsAsAnEndSid_AndNothingIsLeftAfterTeardownOrAfterItsOwnerDied()
    {
        RequireVm();
        var sw = Stopwatch.StartNew();
        // The default spec names the DUT interfaces eth1..eth3: the VM's own NICs are eth0..eth3 before they are renamed.
        var lab = await ReferenceLab.StartAsync(ReferenceLabSpec.CreateDefault(staticNeighbours: true));
        var up = sw.Elapsed;
        var runId = lab.RunId;
        int? qemu = lab.QemuPid;
        try
        {
            Assert.That(lab.DutInVm, Is.True);
            Assert.That(qemu, Is.Not.Null);
            var state = LabState.FromJson(File.ReadAllText(lab.StateFile))!;
            Assert.That(state.Vm?.QemuPid, Is.EqualTo(qemu), "qemu is in the state file");
            Assert.That(state.Vm!.Taps, Is.EqualTo(new[] { "vmm", "vmt1", "vmt2", "vmt3" }));

            await using var ssh = await SshDutSession.ConnectAsync(lab.CreateSshOptions());
            var identity = await new LinuxPlatform(ssh).ReadIdentityAsync();
            Assert.That(identity.KernelRelease, Is.EqualTo(DutVm.KernelRelease), "the DUT is the VM's kernel, not the host's");
            Assert.That(identity.Hostname, Is.EqualTo("dut"));
            var routes = await ssh.RunAsync("ip -6 route show");
            Assert.That(routes.Stdout, Does.Contain("2001:db8:100::1 ").And.Contain("encap seg6local action End "), routes.Stderr);
            var links = await ssh.RunAsync("ip -o link show");
            foreach (var p in lab.Ports)
                Assert.That(links.Stdout, Does.Contain($": {p.DutInterface}: ").And.Contain(p.DutMac), "each NIC has the DUT interface's name and MAC");
            Assert.That(lab.Exec("nft", "list", "table", "inet", "s6c_mgmt").Stdout, Does.Contain("iifname \"mgmt0\" drop"));

            // End: t1 → SID 2001:db8:100::1 with D (2001:db8:d::1, routed via t2) next; out of t2 with SL 0, DA D, hop limit 63.
            using var t1 = TesterPort.Open(new TesterPortBinding("t1", lab.Ports[0].TesterInterface, [IPAddress.Parse("2001:db8:0:1::2")], Dedicated: true));
            using var t2 = TesterPort.Open(new TesterPortBinding("t2", lab.Ports[1].TesterInterface, [IPAddress.Parse("2001:db8:0:2::2")], Dedicated: true));
            using var capture = t2.StartCapture("ip6 and ip6[6] == 43");
            t1.Send(EndFrame(lab.Ports[0].DutMac, lab.Ports[0].TesterMac), "End via the VM");
            var seen = await capture.WaitAsync(f => f.Count > 0, TimeSpan.FromSeconds(10));
            Assert.That(seen, Is.True, "the End SID forwarded the packet out of t2");
            var ip = capture.Frames[0].Data.AsSpan(14);
            Assert.That(new IPAddress(ip.Slice(24, 16)), Is.EqualTo(IPAddress.Parse("2001:db8:d::1")), "DA = the next segment");
            Assert.That(ip[7], Is.EqualTo(63), "hop limit decremented");
            Assert.That(ip[40 + 3], Is.EqualTo(0), "Segments Left decremented");

            // A dead owner: the next cleanup removes the lab, qemu included.
            using var sleeper = Process.Start("sleep", "60")!;
            var deadPid = sleeper.Id;
            sleeper.Kill();
            sleeper.WaitForExit();
            File.WriteAllText(lab.StateFile, (LabState.FromJson(File.ReadAllText(lab.StateFile))! with { OwnerPid = deadPid, OwnerStartTime = 1 }).ToJson());
            ReferenceLab.ForgetLive(lab);
            Assert.That(ReferenceLab.CleanupLeftovers(), Does.Contain(runId));
            LabTestSupport.AssertNothingLeft(runId);
            Assert.That(Process.GetProcesses().Any(p => p.Id == qemu), Is.False, "qemu is gone");
        }
        finally
        {
            lab.Dispose();
            TestContext.Out.WriteLine($"DUT VM lab up in {up.TotalSeconds:0.0} s; kernel {DutVm.KernelRelease}");
        }
        LabTestSupport.AssertNothingLeft(runId);
    }

    /// <summary>Ethernet + IPv6 (A → the End SID, hop limit 64) + SRH [D, SID] with Segments Left 1, no next header, 8 octets of payload.</summary>
    private static byte[] EndFrame(string dutMac, string testerMac)
    {
        static byte[] Mac(string m) => Convert.FromHexString(m.Replace(":", "").Replace("-", ""));
        var srh = new byte[8 + 32];
        srh[0] = 59; srh[1] = 4; srh[2] = 4; srh[3] = 1; srh[4] = 1;
        IPAddress.Parse("2001:db8:d::1").GetAddressBytes().CopyTo(srh, 8);
        IPAddress.Parse("2001:db8:100::1").GetAddressBytes().CopyTo(srh, 24);
        var payload = new byte[8];
        var ip = new byte[40];
        ip[0] = 0x60;
        ip[4] = 0; ip[5] = (byte)(srh.Length + payload.Length);
        ip[6] = 43; ip[7] = 64;
        IPAddress.Parse("2001:db8:0:1::2").GetAddressBytes().CopyTo(ip, 8);
        IPAddress.Parse("2001:db8:100::1").GetAddressBytes().CopyTo(ip, 24);
        return [.. Mac(dutMac), .. Mac(testerMac), 0x86, 0xdd, .. ip, .. srh, .. payload];
    }
}
