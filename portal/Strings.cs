namespace Collaboration.Portal;

/// <summary>The marker of <c>Resources/Strings.resx</c> (English) and <c>Strings.zh-CN.resx</c>: every string a page shows.</summary>
public sealed class Strings;
