namespace Conformance.Cases;
internal static class CasesAssembly { }
