using System.Reflection;
using System.Text.RegularExpressions;
using Conformance.Harness.Reporting;

namespace Conformance.Harness.Catalogue;

/// <summary>
/// One normative clause a test purpose cites: the RFC, the section, the RFC 2119 level and the
/// requirement text (verbatim, whitespace normalised to single spaces).
/// </summary>
public sealed record Requirement(string Id, string Rfc, string Section, RequirementLevel Level, string Text, string Url);

/// <summary>
/// Catalogue of the normative clauses the SRv6 conformance suite tests.
///
/// Level rule (checked by RequirementsTests):
///   * the level is the strongest RFC 2119 / RFC 8174 keyword (upper case only) in <see cref="Requirement.Text"/>:
///     MUST / MUST NOT / REQUIRED / SHALL / SHALL NOT  → Must;
///     SHOULD / SHOULD NOT / RECOMMENDED / NOT RECOMMENDED → Should;
///     MAY / OPTIONAL → May;
///   * a text with no keyword (normative pseudocode, or RFC 8200 text that uses lower-case "must")
///     is Must: the pseudocode is the normative definition of the behaviour.
///
/// Provenance: every entry carries a comment saying where its text was read and whether it was
/// checked against real RFC text. Entries whose text could NOT be checked against a copy of the
/// RFC in this session are listed in <see cref="Unverified"/>: their text was written from the
/// engineer's knowledge of the RFC and MUST be compared with https://www.rfc-editor.org before a
/// certification report cites them. Do not remove an id from <see cref="Unverified"/> without
/// checking the text against the RFC Editor's copy.
/// </summary>
public static class Requirements
{
    private static Requirement R(string id, int rfc, string section, RequirementLevel level, string text) =>
        new(id, $"RFC {rfc}", section, level, Normalise(text), $"https://www.rfc-editor.org/rfc/rfc{rfc}#section-{section}");

    /// <summary>Collapses every run of white space to one space and trims.</summary>
    public static string Normalise(string text) => Regex.Replace(text, @"\s+", " ").Trim();

    // =====================================================================================
    // RFC 8754 — IPv6 Segment Routing Header (SRH)
    // =====================================================================================

    // Checked against draft-ietf-6man-segment-routing-header-15 §2 (code index, file id 9899631602:
    // "U: Unused and for future use. MUST be 0 on transmission and ignored on receipt."). Not checked
    // against the published RFC. NB: the wording "Unused flags MUST be set to zero on transmission and
    // MUST be ignored on receipt." found in the brief was not found in any copy searched.
    public static readonly Requirement Rfc8754_2_Flags = R("RFC8754-2-FLAGS", 8754, "2", RequirementLevel.Must,
        "U: Unused and for future use. MUST be 0 on transmission and ignored on receipt.");

    // Draft-15 §2 has "When tag is not used at source it MUST be set to zero on transmission. When tag is
    // not used during SRH Processing it SHOULD be ignored." The RFC wording below is from knowledge; NOT verified.
    public static readonly Requirement Rfc8754_2_Tag = R("RFC8754-2-TAG", 8754, "2", RequirementLevel.Must,
        "When Tag is not used at the source, it MUST be set to zero on transmission. When Tag is not used during SRH processing, it SHOULD be ignored.");

    // Identical in draft-15 §2 (file id 9899631602). Not checked against the published RFC.
    public static readonly Requirement Rfc8754_2_LastEntry = R("RFC8754-2-LAST-ENTRY", 8754, "2", RequirementLevel.Must,
        "Last Entry: contains the index (zero based), in the Segment List, of the last element of the Segment List.");

    // Draft-15 §2 has "Segments Left: Defined in [RFC8200]"; the RFC adds the section. NOT verified.
    public static readonly Requirement Rfc8754_2_SegmentsLeft = R("RFC8754-2-SEGMENTS-LEFT", 8754, "2", RequirementLevel.Must,
        "Segments Left: Defined in [RFC8200], Section 4.4.");

    // Draft-15 §2.1: "Type: An 8 bit value. Unrecognized Types MUST be ignored on receipt." RFC hyphenation NOT verified.
    public static readonly Requirement Rfc8754_2_1_UnknownTlv = R("RFC8754-2.1-TLV-UNKNOWN", 8754, "2.1", RequirementLevel.Must,
        "Type: An 8-bit value. Unrecognized Types MUST be ignored on receipt.");

    // Draft-15 §2.1.1 (identical sentence). Not checked against the published RFC.
    public static readonly Requirement Rfc8754_2_1_1_PaddingIgnored = R("RFC8754-2.1.1-PAD-IGNORED", 8754, "2.1.1", RequirementLevel.Must,
        "Padding TLVs are ignored by a node processing the SRH TLV, even if more than one is present.");

    // From knowledge of RFC 8754 §2.1.1.1 (draft-15 named it Pad0). NOT verified.
    public static readonly Requirement Rfc8754_2_1_1_1_Pad1 = R("RFC8754-2.1.1.1-PAD1", 8754, "2.1.1.1", RequirementLevel.Must,
        "A single Pad1 TLV MUST be used when a single byte of padding is required. A Pad1 TLV MUST NOT be used if more than one consecutive byte of padding is required.");

    // Draft-15 §2.1.1.2: "Padding bits have no semantics. They MUST be set to 0 on transmission and ignored on receipt." NOT verified vs RFC.
    public static readonly Requirement Rfc8754_2_1_1_2_PadN = R("RFC8754-2.1.1.2-PADN", 8754, "2.1.1.2", RequirementLevel.Must,
        "Padding: Padding bits have no semantics. They MUST be set to 0 on transmission and ignored on receipt.");

    // Draft-15 §2.1.2 (identical sentence). Not checked against the published RFC.
    public static readonly Requirement Rfc8754_2_1_2_Hmac = R("RFC8754-2.1.2-HMAC-OPTIONAL", 8754, "2.1.2", RequirementLevel.May,
        "The keyed Hashed Message Authentication Code (HMAC) TLV is OPTIONAL and has the following format:");

    // From knowledge of RFC 8754 §2.1.2.1 (HMAC verification failure). NOT verified.
    public static readonly Requirement Rfc8754_2_1_2_1_HmacFailure = R("RFC8754-2.1.2.1-HMAC-FAIL", 8754, "2.1.2.1", RequirementLevel.Should,
        "If HMAC verification is successful, processing proceeds as normal. If HMAC verification fails, an ICMP error message (parameter problem, error code 0, pointing to the HMAC TLV) SHOULD be generated (but rate limited) and SHOULD be logged.");

    // From knowledge of RFC 8754 §4.1. NOT verified.
    public static readonly Requirement Rfc8754_4_1_SrhOmitted = R("RFC8754-4.1-SRH-OMIT", 8754, "4.1", RequirementLevel.May,
        "If the SR Policy results in a Segment List containing a single segment, and there is no need to add information to the SRH flag or add TLV; the DA is set to the single Segment List entry, and the SRH MAY be omitted.");

    // From knowledge of RFC 8754 §4.2. NOT verified (phrase not found in any indexed copy).
    public static readonly Requirement Rfc8754_4_2_Transit = R("RFC8754-4.2-TRANSIT", 8754, "4.2", RequirementLevel.Must,
        "As specified in [RFC8200], the only node allowed to inspect the Routing Extension Header (and therefore the SRH) is the node corresponding to the DA of the packet. Any other transit node MUST NOT inspect the underlying routing header and MUST forward the packet toward the DA according to its IPv6 routing table.");

    // From knowledge of RFC 8754 §4.3. NOT verified.
    public static readonly Requirement Rfc8754_4_3_Lookup = R("RFC8754-4.3-LOOKUP", 8754, "4.3", RequirementLevel.Must,
        "When an SRv6-capable node receives an IPv6 packet, it performs a longest-prefix-match lookup on the packet's destination address.");

    // Draft-15 §4.3.1 has "If the FIB entry represents a locally instantiated SRv6 SID, process the next header
    // of the IPv6 header as defined in section 4 of [RFC8200]"; RFC wording ("next header chain") NOT verified.
    public static readonly Requirement Rfc8754_4_3_1_LocalSid = R("RFC8754-4.3.1-LOCAL-SID", 8754, "4.3.1", RequirementLevel.Must,
        "If the FIB entry represents a locally instantiated SRv6 SID, process the next header chain of the IPv6 header as defined in Section 4 of [RFC8200].");

    // RFC 8754 §4.3.1.1 pseudocode. The logic matches draft-15 §4.3.1.1 (file id 9899631602, unnumbered);
    // the S-numbering and RFC wording are from knowledge. NOT verified line by line.
    public static readonly Requirement Rfc8754_4_3_1_1_SlZero = R("RFC8754-4.3.1.1-SL-ZERO", 8754, "4.3.1.1", RequirementLevel.Must,
        @"S02. If Segments Left is equal to zero {
          S03. Proceed to process the next header in the packet, whose type is identified by the Next Header field in the Routing header.
          S04. }");

    // As above; NOT verified.
    public static readonly Requirement Rfc8754_4_3_1_1_TlvProcessing = R("RFC8754-4.3.1.1-TLV", 8754, "4.3.1.1", RequirementLevel.Must,
        @"S06. If local configuration requires TLV processing {
          S07. Perform TLV processing (see TLV Processing)
          S08. }");

    // Logic identical to draft-15 §4.3.1.1 (file id 9899631602) and to the brief's quote; numbering NOT verified.
    public static readonly Requirement Rfc8754_4_3_1_1_ParamProblem = R("RFC8754-4.3.1.1-PARAM-PROBLEM", 8754, "4.3.1.1", RequirementLevel.Must,
        @"S09. max_last_entry = ( Hdr Ext Len / 2 ) - 1
          S10. If ((Last Entry > max_last_entry) or
          S11. (Segments Left is greater than (Last Entry+1)) {
          S12. Send an ICMP Parameter Problem, Code 0, message to the Source Address, pointing to the Segments Left field, and discard the packet.
          S13. }");

    // S15 and S16 are quoted with these numbers in a public review note (code index file id 70092309583)
    // and the lines match draft-15. Secondary source: verified as a quotation, not against the RFC itself.
    public static readonly Requirement Rfc8754_4_3_1_1_UpdateDa = R("RFC8754-4.3.1.1-UPDATE-DA", 8754, "4.3.1.1", RequirementLevel.Must,
        @"S15. Decrement Segments Left by 1.
          S16. Copy Segment List[Segments Left] from the SRH to the destination address of the IPv6 header.");

    // Lines match draft-15 §4.3.1.1; S-numbering NOT verified.
    public static readonly Requirement Rfc8754_4_3_1_1_TimeExceeded = R("RFC8754-4.3.1.1-TIME-EXCEEDED", 8754, "4.3.1.1", RequirementLevel.Must,
        @"S17. If the IPv6 Hop Limit is less than or equal to 1 {
          S18. Send an ICMP Time Exceeded -- Hop Limit Exceeded in Transit message to the Source Address and discard the packet.
          S19. }");

    // Lines match draft-15 §4.3.1.1; S-numbering NOT verified.
    public static readonly Requirement Rfc8754_4_3_1_1_Forward = R("RFC8754-4.3.1.1-FORWARD", 8754, "4.3.1.1", RequirementLevel.Must,
        @"S20. Else {
          S21. Decrement the Hop Limit by 1
          S22. Resubmit the packet to the IPv6 module for transmission to the new destination.");

    // From knowledge of RFC 8754 §4.3.1.2. NOT verified.
    public static readonly Requirement Rfc8754_4_3_1_2_UpperLayer = R("RFC8754-4.3.1.2-UPPER-LAYER", 8754, "4.3.1.2", RequirementLevel.Must,
        @"If the Upper-Layer header is ICMPv6, then process the ICMPv6 packet. Else if the Upper-Layer header type is allowed by local configuration (e.g., UDP), then proceed to process the Upper-Layer header.
          Else send an ICMP Parameter Problem message to the Source Address, code 4 (SR Upper-layer Header Error), pointer set to the offset of the Upper-Layer header, and discard the packet.");

    // From knowledge of RFC 8754 §4.3.2 (which restates RFC 8200 §4.4). NOT verified.
    public static readonly Requirement Rfc8754_4_3_2_LocalInterface = R("RFC8754-4.3.2-LOCAL-INTERFACE", 8754, "4.3.2", RequirementLevel.Must,
        "If the FIB entry represents a local interface and is not a locally instantiated SRv6 SID, the SRH is processed as follows: If Segments Left is zero, the node must ignore the Routing header and proceed to process the next header in the packet, whose type is identified by the Next Header field in the Routing header. If Segments Left is non-zero, the node must discard the packet and send an ICMP Parameter Problem, Code 0, message to the packet's Source Address, pointing to the unrecognized Routing Type.");

    // From knowledge of RFC 8754 §4.3.3. NOT verified.
    public static readonly Requirement Rfc8754_4_3_3_NonLocal = R("RFC8754-4.3.3-NON-LOCAL", 8754, "4.3.3", RequirementLevel.Must,
        "Processing is not changed by this document.");

    // Quoted verbatim in a draft that reproduces RFC 8754 §5 (code index file id 25855956039) and summarised in
    // three SRv6 security drafts (ids 37864724424, 37898313634, 37832472421). Secondary source; verified as a quotation.
    public static readonly Requirement Rfc8754_5_1_IngressFilter = R("RFC8754-5.1-INGRESS-FILTER", 8754, "5.1", RequirementLevel.Must,
        "Any packet entering the SR domain and destined to a SID within the SR domain is dropped.");

    // Same secondary source as above (file id 25855956039). Verified as a quotation.
    public static readonly Requirement Rfc8754_5_1_NodeFilter = R("RFC8754-5.1-NODE-FILTER", 8754, "5.1", RequirementLevel.Must,
        "The distributed protection in #1 is complemented with per-node protection, dropping packets to SIDs from source addresses outside the SR domain.");

    // =====================================================================================
    // RFC 8986 — SRv6 Network Programming
    // =====================================================================================

    // S01–S16 quoted verbatim, marked "RFC 8986 section 4.1", in a netdev review mail (code index file id
    // 1102393558). Secondary source; verified as a quotation.
    public static readonly Requirement Rfc8986_4_1_End = R("RFC8986-4.1-END", 8986, "4.1", RequirementLevel.Must,
        @"S01. When an SRH is processed {
          S02. If (Segments Left == 0) {
          S03. Stop processing the SRH, and proceed to process the next header in the packet, whose type is identified by the Next Header field in the routing header.
          S04. }
          S05. If (IPv6 Hop Limit <= 1) {
          S06. Send an ICMP Time Exceeded message to the Source Address with Code 0 (Hop limit exceeded in transit), interrupt packet processing, and discard the packet.
          S07. }
          S08. max_LE = (Hdr Ext Len / 2) - 1
          S09. If ((Last Entry > max_LE) or (Segments Left > Last Entry+1)) {
          S10. Send an ICMP Parameter Problem to the Source Address with Code 0 (Erroneous header field encountered) and Pointer set to the Segments Left field, interrupt packet processing, and discard the packet.
          S11. }
          S12. Decrement IPv6 Hop Limit by 1
          S13. Decrement Segments Left by 1
          S14. Update IPv6 DA with Segment List[Segments Left]
          S15. Submit the packet to the egress IPv6 FIB lookup for transmission to the new destination
          S16. }");

    // Sub-clauses of the same verified quotation (file id 1102393558).
    public static readonly Requirement Rfc8986_4_1_SlZero = R("RFC8986-4.1-SL-ZERO", 8986, "4.1", RequirementLevel.Must,
        @"S02. If (Segments Left == 0) {
          S03. Stop processing the SRH, and proceed to process the next header in the packet, whose type is identified by the Next Header field in the routing header.
          S04. }");

    // Verified quotation (file id 1102393558). Note: the hop-limit check precedes the DA update (S12–S14).
    public static readonly Requirement Rfc8986_4_1_HopLimit = R("RFC8986-4.1-HOP-LIMIT", 8986, "4.1", RequirementLevel.Must,
        @"S05. If (IPv6 Hop Limit <= 1) {
          S06. Send an ICMP Time Exceeded message to the Source Address with Code 0 (Hop limit exceeded in transit), interrupt packet processing, and discard the packet.
          S07. }");

    // Verified quotation (file id 1102393558).
    public static readonly Requirement Rfc8986_4_1_ParamProblem = R("RFC8986-4.1-PARAM-PROBLEM", 8986, "4.1", RequirementLevel.Must,
        @"S08. max_LE = (Hdr Ext Len / 2) - 1
          S09. If ((Last Entry > max_LE) or (Segments Left > Last Entry+1)) {
          S10. Send an ICMP Parameter Problem to the Source Address with Code 0 (Erroneous header field encountered) and Pointer set to the Segments Left field, interrupt packet processing, and discard the packet.
          S11. }");

    // Verified quotation (file id 1102393558).
    public static readonly Requirement Rfc8986_4_1_UpdateDa = R("RFC8986-4.1-UPDATE-DA", 8986, "4.1", RequirementLevel.Must,
        @"S12. Decrement IPv6 Hop Limit by 1
          S13. Decrement Segments Left by 1
          S14. Update IPv6 DA with Segment List[Segments Left]
          S15. Submit the packet to the egress IPv6 FIB lookup for transmission to the new destination");

    // From knowledge of RFC 8986 §4.1.1 (an older draft's variant was seen, file id 70535805346). NOT verified.
    public static readonly Requirement Rfc8986_4_1_1_UpperLayer = R("RFC8986-4.1.1-UPPER-LAYER", 8986, "4.1.1", RequirementLevel.Must,
        @"S01. If (Upper-Layer header type is allowed by local configuration) {
          S02. Proceed to process the Upper-Layer header
          S03. } Else {
          S04. Send an ICMP Parameter Problem to the Source Address with Code 4 (SR Upper-layer Header Error) and Pointer set to the offset of the Upper-Layer header, interrupt packet processing, and discard the packet.
          S05. }");

    // From knowledge of RFC 8986 §4.2 (End.X replaces End's S15). NOT verified.
    public static readonly Requirement Rfc8986_4_2_EndX = R("RFC8986-4.2-END-X", 8986, "4.2", RequirementLevel.Must,
        "S15. Submit the packet to the IPv6 module for transmission to the new destination via a member of J");

    // From knowledge of RFC 8986 §4.3. NOT verified.
    public static readonly Requirement Rfc8986_4_3_EndT = R("RFC8986-4.3-END-T", 8986, "4.3", RequirementLevel.Must,
        @"S15. Set the packet's associated FIB table to T
          S16. Submit the packet to the egress IPv6 FIB lookup for transmission to the new destination");

    // From knowledge of RFC 8986 §4.4 (SRH processing common to the decapsulation behaviours). NOT verified.
    public static readonly Requirement Rfc8986_4_4_DecapSlNonZero = R("RFC8986-4.4-DECAP-SL-NONZERO", 8986, "4.4", RequirementLevel.Must,
        @"S01. If (Segments Left != 0) {
          S02. Send an ICMP Parameter Problem to the Source Address with Code 0 (Erroneous header field encountered) and Pointer set to the Segments Left field, interrupt packet processing, and discard the packet.
          S03. }
          S04. Proceed to process the next header in the packet");

    // From knowledge of RFC 8986 §4.4 (upper-layer processing). NOT verified.
    public static readonly Requirement Rfc8986_4_4_EndDX6 = R("RFC8986-4.4-END-DX6", 8986, "4.4", RequirementLevel.Must,
        @"S01. If (Upper-Layer header type == 41(IPv6) ) {
          S02. Remove the outer IPv6 header with all its extension headers
          S03. Forward the exposed IPv6 packet to the L3 adjacency J
          S04. } Else {
          S05. Process as per Section 4.1.1
          S06. }");

    // From knowledge of RFC 8986 §4.5. NOT verified.
    public static readonly Requirement Rfc8986_4_5_EndDX4 = R("RFC8986-4.5-END-DX4", 8986, "4.5", RequirementLevel.Must,
        @"S01. If (Upper-Layer header type == 4(IPv4) ) {
          S02. Remove the outer IPv6 header with all its extension headers
          S03. Forward the exposed IPv4 packet to the IPv4 L3 adjacency J
          S04. } Else {
          S05. Process as per Section 4.1.1
          S06. }");

    // From knowledge of RFC 8986 §4.6. NOT verified.
    public static readonly Requirement Rfc8986_4_6_EndDT6 = R("RFC8986-4.6-END-DT6", 8986, "4.6", RequirementLevel.Must,
        @"S01. If (Upper-Layer header type == 41(IPv6) ) {
          S02. Remove the outer IPv6 header with all its extension headers
          S03. Set the packet's associated FIB table to T
          S04. Submit the packet to the egress IPv6 FIB lookup for transmission to the new destination
          S05. } Else {
          S06. Process as per Section 4.1.1
          S07. }");

    // From knowledge of RFC 8986 §4.7. NOT verified.
    public static readonly Requirement Rfc8986_4_7_EndDT4 = R("RFC8986-4.7-END-DT4", 8986, "4.7", RequirementLevel.Must,
        @"S01. If (Upper-Layer header type == 4(IPv4) ) {
          S02. Remove the outer IPv6 header with all its extension headers
          S03. Set the packet's associated FIB table to T
          S04. Submit the packet to the egress IPv4 FIB lookup for transmission to the new destination
          S05. } Else {
          S06. Process as per Section 4.1.1
          S07. }");

    // From knowledge of RFC 8986 §4.8. NOT verified.
    public static readonly Requirement Rfc8986_4_8_EndDT46 = R("RFC8986-4.8-END-DT46", 8986, "4.8", RequirementLevel.Must,
        @"S01. If (Upper-Layer header type == 4(IPv4) ) {
          S02. Remove the outer IPv6 header with all its extension headers
          S03. Set the packet's associated FIB table to T4
          S04. Submit the packet to the egress IPv4 FIB lookup for transmission to the new destination
          S05. } Else if (Upper-Layer header type == 41(IPv6) ) {
          S06. Remove the outer IPv6 header with all its extension headers
          S07. Set the packet's associated FIB table to T6
          S08. Submit the packet to the egress IPv6 FIB lookup for transmission to the new destination
          S09. } Else {
          S10. Process as per Section 4.1.1
          S11. }");

    // From knowledge of RFC 8986 §4.9. NOT verified.
    public static readonly Requirement Rfc8986_4_9_EndDX2 = R("RFC8986-4.9-END-DX2", 8986, "4.9", RequirementLevel.Must,
        @"S01. If (Upper-Layer header type == 143(Ethernet) ) {
          S02. Remove the outer IPv6 header with all its extension headers
          S03. Forward the Ethernet frame to the OIF I
          S04. } Else {
          S05. Process as per Section 4.1.1
          S06. }");

    // From knowledge of RFC 8986 §4.13 (lines that replace End's S15). NOT verified.
    public static readonly Requirement Rfc8986_4_13_EndB6Encaps = R("RFC8986-4.13-END-B6-ENCAPS", 8986, "4.13", RequirementLevel.Must,
        @"S15. Push a new IPv6 header with its own SRH containing B
          S16. Set the outer IPv6 SA to A
          S17. Set the outer IPv6 DA to the first SID of B
          S18. Set the outer Payload Length, Traffic Class, Flow Label, Hop Limit, and Next Header fields
          S19. Submit the packet to the egress IPv6 FIB lookup for transmission to the new destination");

    // From knowledge of RFC 8986 §4.14. NOT verified.
    public static readonly Requirement Rfc8986_4_14_EndB6EncapsRed = R("RFC8986-4.14-END-B6-ENCAPS-RED", 8986, "4.14", RequirementLevel.May,
        "The SRH Last Entry field is set as defined in Section 4.1.1 of [RFC8754]. The SRH MAY be omitted when the SRv6 Policy only contains one segment and there is no need to use any flag, tag, or TLV.");

    // --- catalogue: End.DX2, H.Insert, USP/USD, DT4/DT46, B6.Encaps.Red ---
    // From knowledge of RFC 8986 §4.14 (the reduction itself; TP-B6RED-BV-01). NOT verified: searches of the stored
    // corpora (docs, pages, code, issues) found no copy of RFC 8986 §4.14, §4.7–4.9 or §4.16 to check against.
    public static readonly Requirement Rfc8986_4_14_EndB6EncapsRedReduction = R("RFC8986-4.14-END-B6-ENCAPS-RED-REDUCTION", 8986, "4.14", RequirementLevel.Must,
        "End.B6.Encaps.Red reduces the size of the SRH by one SID by avoiding the insertion of the first SID in the pushed SRH. In this way, the first SID is only placed in the Destination Address field of the pushed IPv6 header.");

    // From knowledge of RFC 8986 §4.16.1.2. NOT verified.
    public static readonly Requirement Rfc8986_4_16_1_PspPseudocode = R("RFC8986-4.16.1-PSP", 8986, "4.16.1", RequirementLevel.Must,
        @"S14.1. If (updated SL == 0) {
          S14.2. Update the Next Header field in the preceding header to the Next Header value of the SRH
          S14.3. Decrease the IPv6 header Payload Length by 8*(Hdr Ext Len+1)
          S14.4. Remove the SRH from the IPv6 extension header chain
          S14.5. }");

    // From knowledge of RFC 8986 §4.16.1.2. NOT verified.
    public static readonly Requirement Rfc8986_4_16_1_PspPenultimateOnly = R("RFC8986-4.16.1-PSP-PENULTIMATE", 8986, "4.16.1", RequirementLevel.Must,
        "When a SID of PSP flavor is processed at a non-penultimate SR segment endpoint node, the PSP behavior is not performed since Segments Left would not be zero.");

    // From knowledge of RFC 8986 §4.16.2. NOT verified.
    public static readonly Requirement Rfc8986_4_16_2_Usp = R("RFC8986-4.16.2-USP", 8986, "4.16.2", RequirementLevel.Must,
        @"S02. If (Segments Left == 0) {
          S03.1. Update the Next Header field in the preceding header to the Next Header value of the SRH
          S03.2. Decrease the IPv6 header Payload Length by 8*(Hdr Ext Len+1)
          S03.3. Remove the SRH from the IPv6 extension header chain
          S03.4. Proceed to process the next header in the packet
          S04. }");

    // From knowledge of RFC 8986 §4.16.3. NOT verified.
    public static readonly Requirement Rfc8986_4_16_3_Usd = R("RFC8986-4.16.3-USD", 8986, "4.16.3", RequirementLevel.Must,
        @"S01. If (Upper-Layer header type == 41(IPv6) ) {
          S02. Remove the outer IPv6 header with all its extension headers
          S03. Submit the packet to the egress IPv6 FIB lookup for transmission to the new destination");

    // From knowledge of RFC 8986 §5.1. NOT verified. The footnote on hop limit / traffic class (RFC 2473)
    // and flow label (RFC 6437) could not be found and is deliberately not quoted.
    public static readonly Requirement Rfc8986_5_1_HEncaps = R("RFC8986-5.1-H-ENCAPS", 8986, "5.1", RequirementLevel.Must,
        @"S01. Push an IPv6 header with its own SRH
          S02. Set outer IPv6 SA = A and outer IPv6 DA = S1
          S03. Set outer Payload Length, Traffic Class, Hop Limit, and Flow Label fields
          S04. Set the outer Next Header value
          S05. Decrement inner IPv6 Hop Limit or IPv4 TTL
          S06. Submit the packet to the IPv6 module for transmission to S1");

    // Quoted verbatim, as "RFC 8986 Section 5.2", in a netdev review mail (file id 1102393558).
    // Secondary source; verified as a quotation.
    public static readonly Requirement Rfc8986_5_2_HEncapsRed = R("RFC8986-5.2-H-ENCAPS-RED", 8986, "5.2", RequirementLevel.May,
        "The push of the SRH MAY be omitted when the SRv6 Policy only contains one segment and there is no need to use any flag, tag, or TLV.");

    // Quoted verbatim, as "RFC 8986 section 5.3", in the same netdev mail (file id 1102393558). Verified as a quotation.
    public static readonly Requirement Rfc8986_5_3_HEncapsL2 = R("RFC8986-5.3-H-ENCAPS-L2", 8986, "5.3", RequirementLevel.Must,
        "The H.Encaps.L2 behavior encapsulates a received Ethernet [IEEE.802.3_2018] frame and its attached VLAN header, if present, in an IPv6 packet with an SRH. The Ethernet frame becomes the payload of the new IPv6 packet.");

    // From knowledge of RFC 8986 §5.3. NOT verified.
    public static readonly Requirement Rfc8986_5_3_NextHeader143 = R("RFC8986-5.3-NH-143", 8986, "5.3", RequirementLevel.Must,
        "The Next Header field of the SRH MUST be set to 143.");

    // From knowledge of RFC 8986 §5.4. NOT verified.
    public static readonly Requirement Rfc8986_5_4_HEncapsL2Red = R("RFC8986-5.4-H-ENCAPS-L2-RED", 8986, "5.4", RequirementLevel.Must,
        "The H.Encaps.L2.Red behavior is an optimization of the H.Encaps.L2 behavior.");

    // From knowledge of RFC 8986 §6. NOT verified.
    public static readonly Requirement Rfc8986_6_Counters = R("RFC8986-6-COUNTERS", 8986, "6", RequirementLevel.Should,
        "A node supporting this document SHOULD implement a pair of traffic counters (one for packets and one for bytes) per local SID entry, for traffic that matched that SID and was processed successfully (i.e., packets that generate ICMP Error Messages or are dropped are not counted).");

    // =====================================================================================
    // RFC 9259 — Operations, Administration, and Maintenance (OAM) in SRv6
    // All read in shared/seeds/draft-ietf-6man-spring-srv6-oam-10.txt (the text the project treats as
    // RFC 9259). Verified against that draft; RFC Editor edits to the published RFC not checked.
    // =====================================================================================

    // draft-10 §2.1.
    public static readonly Requirement Rfc9259_2_1_OFlag = R("RFC9259-2.1-O-FLAG", 9259, "2.1", RequirementLevel.Must,
        "O-flag: OAM flag in the SRH Flags field defined in [RFC8754] .");

    // draft-10 §2.1.1.
    public static readonly Requirement Rfc9259_2_1_1_Optional = R("RFC9259-2.1.1-OPTIONAL", 9259, "2.1.1", RequirementLevel.May,
        "Implementation of the O-flag is OPTIONAL. If a node does not support the O-flag, then upon reception it simply ignores it.");

    // draft-10 §2.1.1.
    public static readonly Requirement Rfc9259_2_1_1_Pseudocode = R("RFC9259-2.1.1-S01.1", 9259, "2.1.1", RequirementLevel.Should,
        @"S01.1. IF O-flag is set and local configuration permits O-flag processing {
          a. Make a copy of the packet.
          b. Send the copied packet, along with a timestamp to the OAM process for telemetry data collection and export. ;; Ref1 }
          Ref1: An implementation SHOULD copy and record the timestamp as soon as possible during packet processing. Timestamp or any other metadata is not carried in the packet forwarded to the next hop.");

    // draft-10 §2.1.1.
    public static readonly Requirement Rfc9259_2_1_1_PspInteraction = R("RFC9259-2.1.1-PSP", 9259, "2.1.1", RequirementLevel.Should,
        "If the telemetry data from the ultimate segment in the segment-list is required, a penultimate segment SHOULD NOT be a Penultimate Segment Pop (PSP) SID. When the penultimate segment is a PSP SID, the SRH will be removed and the O-flag will not be processed at the ultimate segment.");

    // draft-10 §2.1.1.
    public static readonly Requirement Rfc9259_2_1_1_RateLimit = R("RFC9259-2.1.1-RATE-LIMIT", 9259, "2.1.1", RequirementLevel.Should,
        "The processing node SHOULD rate-limit the number of packets punted to the OAM process to a configurable rate.");

    // draft-10 §2.1.1.
    public static readonly Requirement Rfc9259_2_1_1_NoUpperLayer = R("RFC9259-2.1.1-NO-UPPER-LAYER", 9259, "2.1.1", RequirementLevel.Must,
        "The OAM process MUST NOT process the copy of the packet or respond to any upper-layer header (like ICMP, UDP, etc.) payload to prevent multiple evaluations of the datagram.");

    // draft-10 §3.1.2.
    public static readonly Requirement Rfc9259_3_1_2_PingSid = R("RFC9259-3.1.2-PING-SID", 9259, "3.1.2", RequirementLevel.Must,
        "If the target SID (2001:db8:B:4::) is locally instantiated, the node processes the upper layer header. As part of the upper layer header processing node N4 respond to the ICMPv6 echo request message and responds with the echo reply message. The echo reply message is IP routed.");

    // draft-10 §3.1.2.
    public static readonly Requirement Rfc9259_3_1_2_PingSidNotInstantiated = R("RFC9259-3.1.2-PING-SID-ABSENT", 9259, "3.1.2", RequirementLevel.Must,
        "If the target SID (2001:db8:B:4::) is not locally instantiated, the packet is discarded");

    // draft-10 §3.2.2 (traceroute to a SID).
    public static readonly Requirement Rfc9259_3_2_2_TracerouteSid = R("RFC9259-3.2.2-TRACEROUTE-SID", 9259, "3.2.2", RequirementLevel.Must,
        "The UDP encoded message to traceroute a SID uses the UDP ports assigned by IANA for \"traceroute use\".");

    // draft-10 §3.4.
    public static readonly Requirement Rfc9259_3_4_LoopbackProbe = R("RFC9259-3.4-LOOPBACK-PROBE", 9259, "3.4", RequirementLevel.Must,
        "To monitor any arbitrary SRv6 paths, the controller can create a loopback probe that originates and terminates on Node N100.");

    // =====================================================================================
    // RFC 4443 — ICMPv6
    // From knowledge of RFC 4443. NOT verified in this session (no copy searched).
    // =====================================================================================

    public static readonly Requirement Rfc4443_2_4_e_InvokingPacket = R("RFC4443-2.4e-INVOKING-PACKET", 4443, "2.4", RequirementLevel.Must,
        "Every ICMPv6 error message (type < 128) MUST include as much of the IPv6 offending (invoking) packet (the packet that caused the error) as possible without making the error message packet exceed the minimum IPv6 MTU [IPv6].");

    public static readonly Requirement Rfc4443_3_3_TimeExceeded = R("RFC4443-3.3-TIME-EXCEEDED", 4443, "3.3", RequirementLevel.Must,
        "If a router receives a packet with a Hop Limit of zero, or if a router decrements a packet's Hop Limit to zero, it MUST discard the packet and originate an ICMPv6 Time Exceeded message with Code 0 to the source of the packet.");

    public static readonly Requirement Rfc4443_3_4_ParameterProblem = R("RFC4443-3.4-PARAM-PROBLEM", 4443, "3.4", RequirementLevel.Must,
        "If an IPv6 node processing a packet finds a problem with a field in the IPv6 header or extension headers such that it cannot complete processing the packet, it MUST discard the packet and SHOULD originate an ICMPv6 Parameter Problem message to the packet's source, indicating the type and location of the problem.");

    public static readonly Requirement Rfc4443_3_4_Pointer = R("RFC4443-3.4-POINTER", 4443, "3.4", RequirementLevel.Must,
        "Pointer: Identifies the octet offset within the invoking packet where the error was detected.");

    // =====================================================================================
    // RFC 8200 — IPv6
    // From knowledge of RFC 8200. NOT verified in this session. RFC 8200 uses lower-case "must" here:
    // Must by the level rule (no upper-case keyword).
    // =====================================================================================

    public static readonly Requirement Rfc8200_4_ExtensionHeaders = R("RFC8200-4-EH-NOT-PROCESSED", 8200, "4", RequirementLevel.Must,
        "Extension headers (except for the Hop-by-Hop Options header) are not processed, inserted, or deleted by any node along a packet's delivery path, until the packet reaches the node (or each of the set of nodes, in the case of multicast) identified in the Destination Address field of the IPv6 header.");

    public static readonly Requirement Rfc8200_4_4_UnknownRoutingType = R("RFC8200-4.4-UNKNOWN-RT", 8200, "4.4", RequirementLevel.Must,
        "If Segments Left is zero, the node must ignore the Routing header and proceed to process the next header in the packet, whose type is identified by the Next Header field in the Routing header. If Segments Left is non-zero, the node must discard the packet and send an ICMP Parameter Problem, Code 0, message to the packet's Source Address, pointing to the unrecognized Routing Type.");

    public static readonly Requirement Rfc8200_8_1_Checksum = R("RFC8200-8.1-CHECKSUM", 8200, "8.1", RequirementLevel.Must,
        "If the IPv6 packet contains a Routing header, the Destination Address used in the pseudo-header is that of the final destination. At the originating node, that address will be in the last element of the Routing header; at the recipient(s), that address will be in the Destination Address field of the IPv6 header.");

    // =====================================================================================

    /// <summary>
    /// Ids whose text could not be checked against a copy of the RFC (or a verbatim quotation of it) in the
    /// session that wrote this file. A certification report must not cite these as verbatim until checked.
    /// </summary>
    public static readonly IReadOnlySet<string> Unverified = new HashSet<string>(StringComparer.Ordinal)
    {
        "RFC8754-2-FLAGS", "RFC8754-2-TAG", "RFC8754-2-LAST-ENTRY", "RFC8754-2-SEGMENTS-LEFT", "RFC8754-2.1-TLV-UNKNOWN",
        "RFC8754-2.1.1-PAD-IGNORED", "RFC8754-2.1.1.1-PAD1", "RFC8754-2.1.1.2-PADN", "RFC8754-2.1.2-HMAC-OPTIONAL",
        "RFC8754-2.1.2.1-HMAC-FAIL", "RFC8754-4.1-SRH-OMIT", "RFC8754-4.2-TRANSIT", "RFC8754-4.3-LOOKUP",
        "RFC8754-4.3.1-LOCAL-SID", "RFC8754-4.3.1.1-SL-ZERO", "RFC8754-4.3.1.1-TLV", "RFC8754-4.3.1.1-PARAM-PROBLEM",
        "RFC8754-4.3.1.1-TIME-EXCEEDED", "RFC8754-4.3.1.1-FORWARD", "RFC8754-4.3.1.2-UPPER-LAYER",
        "RFC8754-4.3.2-LOCAL-INTERFACE", "RFC8754-4.3.3-NON-LOCAL",
        "RFC8986-4.1.1-UPPER-LAYER", "RFC8986-4.2-END-X", "RFC8986-4.3-END-T", "RFC8986-4.4-DECAP-SL-NONZERO",
        "RFC8986-4.4-END-DX6", "RFC8986-4.5-END-DX4", "RFC8986-4.6-END-DT6", "RFC8986-4.7-END-DT4", "RFC8986-4.8-END-DT46",
        "RFC8986-4.9-END-DX2", "RFC8986-4.13-END-B6-ENCAPS", "RFC8986-4.14-END-B6-ENCAPS-RED", "RFC8986-4.16.1-PSP",
        "RFC8986-4.16.1-PSP-PENULTIMATE", "RFC8986-4.16.2-USP", "RFC8986-4.16.3-USD", "RFC8986-5.1-H-ENCAPS",
        "RFC8986-5.3-NH-143", "RFC8986-5.4-H-ENCAPS-L2-RED", "RFC8986-6-COUNTERS",
        "RFC4443-2.4e-INVOKING-PACKET", "RFC4443-3.3-TIME-EXCEEDED", "RFC4443-3.4-PARAM-PROBLEM", "RFC4443-3.4-POINTER",
        "RFC8200-4-EH-NOT-PROCESSED", "RFC8200-4.4-UNKNOWN-RT", "RFC8200-8.1-CHECKSUM",
        // --- catalogue: End.DX2, H.Insert, USP/USD, DT4/DT46, B6.Encaps.Red ---
        "RFC8986-4.14-END-B6-ENCAPS-RED-REDUCTION",
    };

    private static readonly Lazy<IReadOnlyList<Requirement>> AllLazy = new(() =>
        typeof(Requirements).GetFields(BindingFlags.Public | BindingFlags.Static)
            .Where(f => f.FieldType == typeof(Requirement))
            .Select(f => (Requirement)f.GetValue(null)!)
            .ToList());

    /// <summary>Every requirement in the catalogue, in declaration order.</summary>
    public static IReadOnlyList<Requirement> All => AllLazy.Value;

    /// <summary>The requirement with that id, or null.</summary>
    public static Requirement? Find(string id) => All.FirstOrDefault(r => r.Id == id);
}
