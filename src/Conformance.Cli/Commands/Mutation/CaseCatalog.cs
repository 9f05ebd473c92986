using System.Reflection;

namespace Conformance.Cli.Commands.Mutation;

/// <summary>A test purpose and the case method implementing it, read from the built cases assembly.</summary>
internal sealed record CasePurpose(string Id, string TypeFullName, string Method, bool HasParameters, bool NeedsTopology)
{
    /// <summary>
    /// The NUnit filter term selecting the case: a parameterised case runs as Method(args), so it is selected by
    /// substring (as the harness's CaseRunner does).
    /// </summary>
    public string Filter => HasParameters ? $"FullyQualifiedName~{TypeFullName}.{Method}" : $"FullyQualifiedName={TypeFullName}.{Method}";
}

/// <summary>The test purposes of src/Conformance.Cases (its [TestPurpose] attributes), read by reflection from the built assembly.</summary>
internal static class CaseCatalog
{
    private const string TestPurposeAttribute = "Conformance.Harness.Reporting.TestPurposeAttribute";

    public static IReadOnlyList<CasePurpose> Load(string casesAssembly)
    {
        var asm = Assembly.LoadFrom(casesAssembly);
        Type[] types;
        try { types = asm.GetTypes(); }
        catch (ReflectionTypeLoadException e) { types = e.Types.OfType<Type>().ToArray(); }
        var list = new List<CasePurpose>();
        foreach (var t in types.Where(t => t.IsClass && !t.IsAbstract))
            foreach (var m in t.GetMethods(BindingFlags.Public | BindingFlags.Instance))
            {
                var tp = m.GetCustomAttributesData().FirstOrDefault(a => a.AttributeType.FullName == TestPurposeAttribute);
                if (tp?.NamedArguments.FirstOrDefault(a => a.MemberName == "Id").TypedValue.Value is not string id) continue;
                list.Add(new CasePurpose(id, t.FullName!, m.Name, m.GetParameters().Length > 0, DerivesFrom(t, "TopologyCase")));
            }
        return list.OrderBy(p => p.Id, StringComparer.Ordinal).ToList();
    }

    private static bool DerivesFrom(Type t, string name)
    {
        for (var b = t.BaseType; b is not null; b = b.BaseType) if (b.Name == name) return true;
        return false;
    }

    /// <summary>The NUnit filter for a set of purposes (each once).</summary>
    public static string Filter(IEnumerable<CasePurpose> purposes) => string.Join('|', purposes.Select(p => p.Filter).Distinct(StringComparer.Ordinal));
}
