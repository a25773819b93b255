using System.Diagnostics;

namespace Collaboration.AppHost;

/// <summary>Asks Docker or Podman whether an engine really answers; a client without a daemon is not enough.</summary>
public static class ContainerEngine
{
    private static readonly TimeSpan ProbeTimeout = TimeSpan.FromSeconds(3);

    public static bool Answers()
    {
        foreach (var client in (string[])["docker", "podman"])
        {
            if (Executables.FindOnPath(client) is { } path && Probe(path))
            {
                return true;
            }
        }
        return false;
    }

    private static bool Probe(string client)
    {
        var start = new ProcessStartInfo(client, "info")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        try
        {
            using var process = Process.Start(start);
            if (process is null)
            {
                return false;
            }
            process.OutputDataReceived += static (_, _) => { };
            process.ErrorDataReceived += static (_, _) => { };
            process.BeginOutputReadLine();
            process.BeginErrorReadLine();
            if (!process.WaitForExit(ProbeTimeout))
            {
                process.Kill(entireProcessTree: true);
                return false;
            }
            return process.ExitCode == 0;
        }
        catch (Exception e) when (e is System.ComponentModel.Win32Exception or InvalidOperationException)
        {
            return false;
        }
    }
}
