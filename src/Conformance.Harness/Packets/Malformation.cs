namespace Conformance.Harness.Packets;

/// <summary>
/// One problem found while decoding. <see cref="Offset"/> is a byte offset from the start of the
/// frame handed to the decoder (clamped into the frame when the problem is "bytes are missing").
/// Notes (<see cref="IsNote"/>) describe unusual-but-legal content; their problem text starts with "note: ".
/// </summary>
public sealed record Malformation(string Layer, string Field, int Offset, string Problem)
{
    public bool IsNote { get; init; }

    public override string ToString() => $"{Layer}.{Field} @{Offset}: {Problem}";
}

/// <summary>Collects malformations and keeps their offsets inside the frame.</summary>
internal sealed class MalformationSink
{
    private readonly int _frameLength;

    public MalformationSink(List<Malformation> list, int frameLength)
    {
        List = list;
        _frameLength = frameLength;
    }

    public List<Malformation> List { get; }

    /// <summary>The C-SID blocks the decoder was given (decode --csid): the ultimate destination of a compressed list is
    /// found by walking it (RFC 9800 §6.5, §9.4). Null: the RFC 8200 §8.1 rule alone (SRH segment [0]).</summary>
    public CsidTable? Csid { get; init; }

    public int Clamp(int offset) => Math.Clamp(offset, 0, Math.Max(0, _frameLength - 1));

    public void Error(string layer, string field, int offset, string problem) =>
        List.Add(new Malformation(layer, field, Clamp(offset), problem));

    public void Note(string layer, string field, int offset, string problem) =>
        List.Add(new Malformation(layer, field, Clamp(offset), "note: " + problem) { IsNote = true });
}
