using Conformance.Harness.Catalogue;
using Conformance.Harness.Reporting;
using NUnit.Framework;

namespace Conformance.Harness.Tests.Reporting;

/// <summary>A requirement from an Internet-Draft links to the draft, never to a made-up RFC number.</summary>
public class DraftReferenceTests
{
    [Test]
    public void ADraftIsNotAnRfcAndLinksToTheDatatracker()
    {
        var draft = RequirementCatalogue.Parse("document: draft-filsfils-spring-srv6-net-pgm-insertion\nunverified: no copy\nrequirements:\n  - id: D\n    section: \"3.1\"\n    level: MAY\n    text: x MAY y\n", "d.yaml")[0];
        Assert.That(draft.RfcNumber, Is.Null, "the digits of 'srv6' are no RFC number");
        Assert.That(draft.Url, Is.EqualTo("https://datatracker.ietf.org/doc/html/draft-filsfils-spring-srv6-net-pgm-insertion#section-3.1"));
        var rfc = RequirementCatalogue.Parse("document: RFC 8986\nrequirements:\n  - id: R\n    section: \"4.9\"\n    level: procedure\n    text: x\n", "r.yaml")[0];
        Assert.That((rfc.RfcNumber, rfc.Url, rfc.Citation), Is.EqualTo(("8986", "https://www.rfc-editor.org/rfc/rfc8986#section-4.9", "RFC 8986 §4.9")));
        var appendix = rfc with { Section = "A.1.2", Document = "RFC 9259" };
        Assert.That((appendix.Url, appendix.Citation), Is.EqualTo(("https://www.rfc-editor.org/rfc/rfc9259#appendix-A.1.2", "RFC 9259 Appendix A.1.2")));
    }

    [Test]
    public void TheHInsertPurposeCitesTheDraftAndIsMarkedUnverified()
    {
        var tp = PurposeCatalogue.Read(typeof(Conformance.Cases.CaseRun).Assembly).Single(p => p.Id == "TP-HINSERT-BV-01").Purpose;
        Assert.That((tp.IsInternetDraft, tp.RfcNumber), Is.EqualTo((true, (string?)null)));
        Assert.That(tp.SectionUrl, Does.StartWith("https://datatracker.ietf.org/doc/html/draft-"));
        Assert.That(tp.Cited[0].Unverified, Is.Not.Null);
    }
}
