using System.Diagnostics;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;

namespace Collaboration.EndToEnd.Tests;

/// <summary>
/// The README's shell examples, read from README.md at test time and run with bash (curl and jq) against this
/// platform, so that a changed example is a tested example. Run: every <c>```sh</c> block of the section
/// "## Calling the API", in order, in one shell with <c>set -euo pipefail</c>, except blocks that call <c>dotnet</c>
/// (the token command) or <c>grpcurl</c> (reflection: tests/Gateway.Tests). A comment <c># → text</c> or
/// <c># … text</c> names what the block's output must contain.
/// What is bound from the fixture, and nothing else:
/// <list type="bullet">
/// <item><c>localhost:8081</c> and <c>localhost:8090</c>: the platform's gateway (JSON) and identity addresses;</item>
/// <item><c>.data/seeds-client-secret</c>, <c>.data/identity-org-client-secret</c>: written with the fixture's secrets
/// into the working directory (a fresh temporary folder);</item>
/// <item><c>&lt;credit code&gt;</c>: the first seeded enterprise (seeds/data/organizations.json), whose owner client the README uses;</item>
/// <item><c>&lt;college code&gt;</c> and <c>$HOST</c>, <c>$COLLEGE</c>: a vocational college's code and owner token;
/// <c>&lt;enterprise code&gt;</c>, <c>&lt;partner credit code&gt;</c> and <c>$ENT</c>, <c>$SPONSOR</c>: an enterprise's;</item>
/// <item><c>curl</c> runs with <c>--fail-with-body</c>, so that an HTTP error stops the run.</item>
/// </list>
/// Any other <c>&lt;placeholder&gt;</c> fails the test until it is bound here.
/// </summary>
public sealed partial class ReadmeExamplesTests(PlatformFixture platform)
{
    private const string Section = "## Calling the API";

    [Fact]
    public async Task CallingTheApi_ShellExamples_RunAndReachTheirDocumentedEnd()
    {
        var root = RepositoryRoot();
        var blocks = ShellBlocks(await File.ReadAllTextAsync(Path.Combine(root, "README.md"), TestContext.Current.CancellationToken))
            .Where(b => !Regex.IsMatch(b, @"(^|\s)(dotnet|grpcurl)\s", RegexOptions.Multiline))
            .ToList();
        Assert.True(blocks.Count >= 6, $"only {blocks.Count} runnable shell blocks under '{Section}'");

        var college = platform.Code("college-host");
        var enterprise = platform.Code("college-partner");
        var placeholders = new Dictionary<string, string>
        {
            ["<credit code>"] = FirstSeededEnterprise(root),
            ["<college code>"] = college,
            ["<enterprise code>"] = enterprise,
            ["<partner credit code>"] = enterprise,
        };

        var work = Directory.CreateTempSubdirectory("collab-readme-");
        try
        {
            Directory.CreateDirectory(Path.Combine(work.FullName, ".data"));
            await File.WriteAllTextAsync(Path.Combine(work.FullName, ".data", "seeds-client-secret"), platform.AdminClientSecret, TestContext.Current.CancellationToken);
            await File.WriteAllTextAsync(Path.Combine(work.FullName, ".data", "identity-org-client-secret"), platform.OrganizationClientSecret, TestContext.Current.CancellationToken);

            var script = new StringBuilder("set -euo pipefail\ncurl() { command curl --fail-with-body \"$@\"; }\n");
            var expectations = new List<(int Block, string Text)>();
            for (var i = 0; i < blocks.Count; i++)
            {
                var block = Bind(blocks[i], placeholders);
                expectations.AddRange(Expected().Matches(block).Select(m => (i, m.Groups["text"].Value.Trim())));
                script.Append($"echo; echo '::block {i}::'\n").Append(block).Append('\n');
            }
            Assert.True(expectations.Count >= 5, $"only {expectations.Count} documented ends ('# → …') to check");

            var (exit, output) = await RunBashAsync(work.FullName, script.ToString(), new Dictionary<string, string>
            {
                ["HOST"] = await platform.OwnerTokenAsync("college-host"),
                ["COLLEGE"] = await platform.OwnerTokenAsync("college-host"),
                ["ENT"] = await platform.OwnerTokenAsync("college-partner"),
                ["SPONSOR"] = await platform.OwnerTokenAsync("college-partner"),
            });

            var outputs = Regex.Split(output, @"^::block (\d+)::$", RegexOptions.Multiline);
            var byBlock = new Dictionary<int, string>();
            for (var i = 1; i + 1 < outputs.Length; i += 2)
            {
                byBlock[int.Parse(outputs[i], System.Globalization.CultureInfo.InvariantCulture)] = outputs[i + 1];
            }
            var last = byBlock.Keys.DefaultIfEmpty(-1).Max();
            Assert.True(exit == 0, $"block {last} failed (exit {exit}):\n{blocks.ElementAtOrDefault(last)}\n--- output ---\n{output}");
            foreach (var (block, text) in expectations)
            {
                Assert.True(byBlock.GetValueOrDefault(block, "").Contains(text, StringComparison.Ordinal),
                    $"block {block} should print '{text}':\n{blocks[block]}\n--- output ---\n{byBlock.GetValueOrDefault(block)}");
            }
        }
        finally
        {
            work.Delete(recursive: true);
        }
    }

    private string Bind(string block, Dictionary<string, string> placeholders)
    {
        block = block
            .Replace("localhost:8081", $"{platform.GatewayHttp.BaseAddress!.Host}:{platform.GatewayHttp.BaseAddress.Port}", StringComparison.Ordinal)
            .Replace("localhost:8090", $"{platform.IdentityUrl.Host}:{platform.IdentityUrl.Port}", StringComparison.Ordinal);
        foreach (var (placeholder, value) in placeholders)
        {
            block = block.Replace(placeholder, value, StringComparison.Ordinal);
        }
        // Placeholders in comments (# alliances/<id>) explain; those in commands must be bound.
        var unbound = Placeholder().Matches(string.Join('\n', block.Split('\n').Select(l => l.Split(" # ")[0]))).Select(m => m.Value).ToList();
        Assert.True(unbound.Count == 0, $"unbound placeholders {string.Join(", ", unbound)} in:\n{block}");
        return block;
    }

    /// <summary>The <c>```sh</c> blocks between <see cref="Section"/> and the next "## " heading.</summary>
    private static IEnumerable<string> ShellBlocks(string readme)
    {
        var start = readme.IndexOf("\n" + Section + "\n", StringComparison.Ordinal);
        Assert.True(start >= 0, $"README.md has no '{Section}'");
        var end = readme.IndexOf("\n## ", start + 1, StringComparison.Ordinal);
        var section = readme[start..(end < 0 ? readme.Length : end)];
        return ShellBlock().Matches(section).Select(m => m.Groups["body"].Value);
    }

    private static string FirstSeededEnterprise(string root)
    {
        using var json = JsonDocument.Parse(File.ReadAllText(Path.Combine(root, "seeds", "data", "organizations.json")));
        return json.RootElement.GetProperty("organizations").EnumerateArray()
            .First(o => o.GetProperty("kind").GetString() == "enterprise").GetProperty("creditCode").GetString()!;
    }

    private static string RepositoryRoot()
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            if (File.Exists(Path.Combine(directory.FullName, "README.md")) && File.Exists(Path.Combine(directory.FullName, "Collaboration.sln")))
            {
                return directory.FullName;
            }
        }
        throw new InvalidOperationException("README.md not found above " + AppContext.BaseDirectory);
    }

    private static async Task<(int Exit, string Output)> RunBashAsync(string directory, string script, Dictionary<string, string> environment)
    {
        var start = new ProcessStartInfo("bash", ["-c", script])
        {
            WorkingDirectory = directory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        foreach (var (name, value) in environment)
        {
            start.Environment[name] = value;
        }
        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync(TestContext.Current.CancellationToken);
        var stderr = process.StandardError.ReadToEndAsync(TestContext.Current.CancellationToken);
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
        timeout.CancelAfter(TimeSpan.FromMinutes(3));
        try
        {
            await process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw;
        }
        return (process.ExitCode, await stdout + "\n--- stderr ---\n" + await stderr);
    }

    [GeneratedRegex(@"^```sh\n(?<body>.*?)^```$", RegexOptions.Singleline | RegexOptions.Multiline)]
    private static partial Regex ShellBlock();

    [GeneratedRegex(@"#\s*(→|…)\s*(?<text>.+)$", RegexOptions.Multiline)]
    private static partial Regex Expected();

    [GeneratedRegex(@"<[a-z][a-z ]*>")]
    private static partial Regex Placeholder();
}
