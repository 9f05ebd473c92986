using Conformance.Harness.Reporting;
using NUnit.Framework;

namespace Conformance.Harness.Tests.Reporting;

// --- catalogue: H.Insert cites an Internet-Draft, not an RFC ---

/// <summary>A test purpose citing an Internet-Draft links to the draft, never to a made-up RFC number.</summary>
public class DraftReferenceTests
{
    [Test]
    public void ADraftIsNotAnRfcAndLinksToTheDatatracker()
    {
        var tp = new TestPurposeAttribute { Rfc = "draft-filsfils-spring-srv6-net-pgm-insertion", Section = "" };
        Assert.That(tp.IsInternetDraft, Is.True);
        Assert.That(tp.RfcNumber, Is.Null, "the digits of 'srv6' are no RFC number");
        Assert.That(tp.SectionUrl, Is.EqualTo("https://datatracker.ietf.org/doc/html/draft-filsfils-spring-srv6-net-pgm-insertion"));
        tp.Section = "3.1";
        Assert.That(tp.SectionUrl, Is.EqualTo("https://datatracker.ietf.org/doc/html/draft-filsfils-spring-srv6-net-pgm-insertion#section-3.1"));
        var rfc = new TestPurposeAttribute { Rfc = "RFC 8986", Section = "4.9" };
        Assert.That((rfc.IsInternetDraft, rfc.RfcNumber, rfc.SectionUrl), Is.EqualTo((false, "8986", "https://www.rfc-editor.org/rfc/rfc8986#section-4.9")));
    }
}
