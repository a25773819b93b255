using System.Diagnostics;
using System.Text;
using System.Text.RegularExpressions;

namespace Collaboration.Shared.Tests;

/// <summary>
/// Secrets live in the data directory the AppHost generates (or in configuration), never in the repository:
/// no tracked file may hold a private key or a connection string with a real password. The markers are
/// assembled at run time so that this file does not match itself.
/// </summary>
public sealed class NoSecretsInRepositoryTests
{
    private const string Dashes = "-----";
    private static readonly Regex PrivateKey = new(Dashes + "BEGIN ([A-Z0-9]+ )*PRIVATE KEY" + Dashes, RegexOptions.Compiled);
    private static readonly Regex ConnectionPassword = new(@"(?i)\b(pass" + @"word|pwd)=(?<value>[^;""'`\s]*)", RegexOptions.Compiled);

    /// <summary>
    /// The only literal passwords allowed: the throw-away PostgreSQL clusters the unit tests (tests/TestSupport/PostgresServer.cs)
    /// and the benchmarks (bench/run) initialise themselves in a temporary or ignored directory, listening on 127.0.0.1 only.
    /// </summary>
    private static readonly HashSet<(string Path, string Value)> AllowList =
    [
        ("tests/TestSupport/PostgresServer.cs", "postgres"),
        ("bench/run", "postgres"),
    ];

    [Fact]
    public void NoTrackedFile_HoldsAPrivateKeyOrAConnectionStringPassword()
    {
        var root = RepositoryRoot();
        if (root is null || !TryGitLsFiles(root, out var files))
        {
            Assert.Skip("not a git checkout (or git is not installed): nothing to scan");
            return;
        }

        var findings = new List<string>();
        foreach (var file in files)
        {
            var path = Path.Combine(root, file);
            if (!File.Exists(path) || new FileInfo(path).Length > 4 * 1024 * 1024)
            {
                continue;
            }
            var bytes = File.ReadAllBytes(path);
            if (bytes.AsSpan(0, Math.Min(bytes.Length, 8000)).Contains((byte)0))
            {
                continue; // binary
            }
            findings.AddRange(Scan(file, Encoding.UTF8.GetString(bytes)));
        }

        Assert.True(files.Count > 50, $"git ls-files listed only {files.Count} files");
        Assert.True(findings.Count == 0, "secrets in tracked files:\n" + string.Join("\n", findings));
    }

    [Fact]
    public void Scanner_FindsWhatItLooksFor_AndLetsPlaceholdersThrough()
    {
        var key = Dashes + "BEGIN RSA PRIVATE KEY" + Dashes + "\nMIIE...\n" + Dashes + "END RSA PRIVATE KEY" + Dashes;
        var pkcs8 = Dashes + "BEGIN PRIVATE KEY" + Dashes;
        var real = "Host=db;Username=app;Pass" + "word=s3cr3t-Value;Database=x";

        Assert.Single(Scan("a.pem", key));
        Assert.Single(Scan("b.txt", pkcs8));
        Assert.Single(Scan("c.json", real));
        Assert.Empty(Scan("d.md", "Host=db;Pass" + "word=…;Database=x"));
        Assert.Empty(Scan("e.md", "Host=db;Pass" + "word=...;Database=x"));
        Assert.Empty(Scan("f.cs", "$\"Host=db;Pass" + "word={password};\""));
        Assert.Empty(Scan("g.md", "Pass" + "word=<your password>"));
        Assert.Empty(Scan("h.cs", "var pass" + "word = Generate();"));
        Assert.Empty(Scan("tests/TestSupport/PostgresServer.cs", "Pass" + "word=postgres;"));
        Assert.Single(Scan("elsewhere.cs", "Pass" + "word=postgres;"));
        Assert.Empty(Scan("i.cs", "-----BEGIN PUBLIC KEY-----"));
    }

    private static IEnumerable<string> Scan(string file, string text)
    {
        foreach (Match match in PrivateKey.Matches(text))
        {
            yield return $"{file}:{Line(text, match.Index)}: a private key ({match.Value})";
        }
        foreach (Match match in ConnectionPassword.Matches(text))
        {
            var value = match.Groups["value"].Value;
            if (!IsPlaceholder(value) && !AllowList.Contains((file, value)))
            {
                yield return $"{file}:{Line(text, match.Index)}: a password ({match.Groups[1].Value}={Mask(value)})";
            }
        }
    }

    /// <summary>Empty, elided (<c>…</c>, <c>...</c>, <c>***</c>), a placeholder (<c>&lt;…&gt;</c>) or filled in at run time (<c>{x}</c>, <c>$X</c>, <c>%X%</c>).</summary>
    private static bool IsPlaceholder(string value) =>
        value.Length == 0 || value[0] is '{' or '$' or '<' or '%' or '…' || value.StartsWith("...", StringComparison.Ordinal)
        || value.Trim('*', '.', '…', 'x', 'X').Length == 0;

    private static string Mask(string value) => value.Length <= 2 ? "**" : value[..2] + new string('*', Math.Min(value.Length - 2, 8));

    private static int Line(string text, int index) => text.AsSpan(0, index).Count('\n') + 1;

    private static string? RepositoryRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Collaboration.sln")))
            {
                return dir.FullName;
            }
        }
        return null;
    }

    private static bool TryGitLsFiles(string root, out List<string> files)
    {
        files = [];
        try
        {
            using var git = Process.Start(new ProcessStartInfo("git", "ls-files -z")
            {
                WorkingDirectory = root,
                RedirectStandardOutput = true,
                RedirectStandardError = true,
                UseShellExecute = false,
            })!;
            var output = git.StandardOutput.ReadToEnd();
            git.StandardError.ReadToEnd();
            git.WaitForExit();
            if (git.ExitCode != 0)
            {
                return false;
            }
            files = output.Split('\0', StringSplitOptions.RemoveEmptyEntries).ToList();
            return true;
        }
        catch (System.ComponentModel.Win32Exception)
        {
            return false;
        }
    }
}
