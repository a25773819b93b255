using Collaboration.Seeds;

try
{
    return args switch
    {
        ["token", .. var rest] => TokenCommand.Run(rest),
        ["load", .. var rest] => await LoadCommand.RunAsync(rest),
        ["help" or "--help" or "-h", ..] => Usage(Console.Out, 0),
        [var first, ..] when !first.StartsWith("--", StringComparison.Ordinal) => Usage(Console.Error, SeedException.Usage),
        _ => await LoadCommand.RunAsync(args),
    };
}
catch (SeedException e)
{
    Console.Error.WriteLine($"seeds: {e.Message}");
    return e.ExitCode;
}

static int Usage(TextWriter writer, int exitCode)
{
    writer.WriteLine("""
        Collaboration seed loader.

          [load] [--seed-data DIR] [--data-dir DIR]
              Loads seeds/data (alliances.json, labs.json, then industrial-colleges.json; a missing file is skipped)
              through the gateway's gRPC API (Gateway__GrpcUrl, default http://localhost:8080). Safe to repeat: every
              write carries a stable request id. Seeds__AlliancesGrpcUrl / Seeds__LabsGrpcUrl / Seeds__CollegesGrpcUrl
              talk to a service directly (testing).
          token --org CODE [--org-kind KIND] [--role owner|editor|viewer] [--sub SUBJECT] [--minutes N]
          token --role admin [--sub SUBJECT] [--minutes N]
              Prints a development bearer token.
          token --list-orgs
              Lists the seeded organisations with their credit codes and kinds.

        The signing key comes from Auth__SigningKey, else <repo>/.data/dev-signing-key (--data-dir DIR).
        """);
    return exitCode;
}
