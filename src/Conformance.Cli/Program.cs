using Conformance.Harness;
Console.WriteLine($"srv6conf {HarnessInfo.Version}");
return 0;
