namespace Conformance.Harness.Dut;

/// <summary>How to reach a DUT over SSH. Exactly one of <see cref="PrivateKeyPath"/> / <see cref="Password"/> must be set.</summary>
public sealed record SshDutOptions
{
    public required string Host { get; init; }
    public int Port { get; init; } = 22;
    public required string User { get; init; }
    /// <summary>Path of an OpenSSH/PEM private key file.</summary>
    public string? PrivateKeyPath { get; init; }
    public string? PrivateKeyPassphrase { get; init; }
    /// <summary>Password (the caller reads it from an environment variable); never logged.</summary>
    public string? Password { get; init; }
    /// <summary>Pinned host key fingerprint, "SHA256:..." as printed by <c>ssh-keygen -lf</c>.</summary>
    public required string HostKeySha256 { get; init; }
    public TimeSpan ConnectTimeout { get; init; } = TimeSpan.FromSeconds(10);
    public TimeSpan KeepAliveInterval { get; init; } = TimeSpan.FromSeconds(15);
    public TimeSpan CommandTimeout { get; init; } = TimeSpan.FromSeconds(60);

    /// <summary>
    /// Returns a copy using password authentication with the password read from environment variable
    /// <paramref name="variable"/> (the profile names the variable, never the password).
    /// </summary>
    public SshDutOptions WithPasswordFromEnvironment(string variable)
    {
        var password = Environment.GetEnvironmentVariable(variable);
        if (string.IsNullOrEmpty(password))
            throw new TestbedException($"SSH password for {User}@{HostPort}: environment variable '{variable}' is not set or empty.");
        return this with { Password = password, PrivateKeyPath = null, PrivateKeyPassphrase = null };
    }

    /// <summary>Never prints secrets.</summary>
    public override string ToString() =>
        $"{User}@{HostPort} ({(PrivateKeyPath is not null ? "publickey " + PrivateKeyPath : "password")}, host key {HostKeySha256})";

    public string HostPort => Host.Contains(':') ? $"[{Host}]:{Port}" : $"{Host}:{Port}";
}

/// <summary>Result of one command on the DUT.</summary>
public sealed record CommandResult(int ExitCode, string Stdout, string Stderr, TimeSpan Duration)
{
    public bool Succeeded => ExitCode == 0;
}
