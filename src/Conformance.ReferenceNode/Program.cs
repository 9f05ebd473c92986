namespace Conformance.ReferenceNode;

/// <summary>Entry point: <c>srv6-refnode daemon …</c> (the node) and <c>srv6-refnode cli …</c> (the SSH login shell).</summary>
public static class Program
{
    public static int Main(string[] args)
    {
        Console.Error.WriteLine("srv6-refnode: not built yet (issue #15)");
        return 2;
    }
}
