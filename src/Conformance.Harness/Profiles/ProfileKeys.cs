namespace Conformance.Harness.Profiles;

/// <summary>
/// The keys the loader accepts in each mapping of the format. Single source of truth for the walker;
/// a test compares it with profiles/profile.schema.json so the two cannot drift.
/// Section paths: "" is the top level, "x.y" a nested mapping, "x[]" the items of list x,
/// "x.*" the values of map x.
/// </summary>
internal static class ProfileKeys
{
    public static readonly string[] Top = ["profile", "description", "format_version", "testbed", "capabilities", "parameters", "known_deviations"];
    public static readonly string[] Testbed = ["kind", "platform", "identity", "ssh", "tester_ports", "topology"];
    public static readonly string[] Topology = ["name", "dut_node", "dut_nodes"];
    public static readonly string[] DutNode = ["node", "profile"];
    public static readonly string[] Identity = ["hostname", "serial", "platform_version_pattern"];
    public static readonly string[] Ssh = ["host", "port", "user", "auth", "host_key_sha256", "connect_timeout_s", "command_timeout_s", "keepalive_s"];
    public static readonly string[] Auth = ["key_file", "password_env", "key_passphrase_env"];
    public static readonly string[] TesterPort = ["name", "interface", "dut_interface", "role", "tester_ipv6", "dut_ipv6", "tester_ipv4", "dut_ipv4", "tester_mac", "dedicated"];
    public static readonly string[] Capabilities = ["behaviors", "flavors", "headends", "oam", "icmp_errors", "hmac", "sr_domain_filtering", "per_sid_counters"];
    public static readonly string[] Oam = ["o_flag_processing", "o_flag_rate_limit", "ping_to_sid", "traceroute_to_sid"];
    public static readonly string[] IcmpErrors = ["parameter_problem", "time_exceeded", "packet_too_big"];
    public static readonly string[] Hmac = ["supported", "algorithms"];
    public static readonly string[] Parameters = ["sid_block", "locator", "sids", "addresses", "o_flag", "timeouts", "traffic", "hmac_keys", "inside_sources"];
    public static readonly string[] HmacKey = ["key_id", "algorithm", "secret_env"];
    public static readonly string[] Sid = ["behavior", "flavors", "address", "next_hop", "interface", "table", "segments", "csid"];
    public static readonly string[] Csid = ["flavor", "block_bits", "csid_bits"];
    public static readonly string[] OFlag = ["rate_per_second", "rates_per_second", "burst", "collector_port"];
    public static readonly string[] Timeouts = ["capture_ms", "ssh_command_ms"];
    public static readonly string[] Traffic = ["max_packets_per_case", "max_rate_pps", "max_duration_s"];
    public static readonly string[] Deviation = ["id", "test_purposes", "rfc", "requirement", "observed", "reason"];

    public static readonly IReadOnlyDictionary<string, IReadOnlyList<string>> BySection = new Dictionary<string, IReadOnlyList<string>>
    {
        [""] = Top,
        ["testbed"] = Testbed,
        ["testbed.identity"] = Identity,
        ["testbed.topology"] = Topology,
        ["testbed.topology.dut_nodes[]"] = DutNode,
        ["testbed.ssh"] = Ssh,
        ["testbed.ssh.auth"] = Auth,
        ["testbed.tester_ports[]"] = TesterPort,
        ["capabilities"] = Capabilities,
        ["capabilities.oam"] = Oam,
        ["capabilities.icmp_errors"] = IcmpErrors,
        ["capabilities.hmac"] = Hmac,
        ["parameters"] = Parameters,
        ["parameters.sids.*"] = Sid,
        ["parameters.sids.*.csid"] = Csid,
        ["parameters.o_flag"] = OFlag,
        ["parameters.timeouts"] = Timeouts,
        ["parameters.traffic"] = Traffic,
        ["parameters.hmac_keys[]"] = HmacKey,
        ["known_deviations[]"] = Deviation,
    };
}
