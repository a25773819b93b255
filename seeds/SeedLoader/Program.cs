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
              Walks the records of seeds/data (alliances.json, labs.json, industrial-colleges.json, cohorts.json; a missing
              file is skipped): each record's calls in order through the gateway's gRPC API (Gateway__GrpcUrl, default
              http://localhost:8080). The services decide; a refused call stops the load naming the record and step. Safe
              to repeat: every write carries a request id derived from its record and step.
          token --org CODE [--role owner|editor|viewer]     an organisation's owner client, or its demo editor/viewer signing in
          token --role admin                               the admin client (seed-loader@city)
          token --email ADDRESS [--password P]             a person signing in (demo passwords from the data directory)
          token --client-id ID --client-secret SECRET      any machine client
              Prints a bearer token from the identity service (--identity URL, Identity__Url, default
              http://localhost:8090); client secrets and demo passwords come from <repo>/.data (--data-dir DIR).
          token --dev-key --org CODE [--org-kind KIND] [--role R] [--sub SUBJECT] [--minutes N]
              Mints an HS256 token with Auth__SigningKey (or <data>/dev-signing-key): only for a platform started
              with a development key; the AppHost's platform trusts the identity service only.
          token --list-orgs
              Lists the seeded organisations with their credit codes and kinds.

        The loader gets its own tokens from the identity service by client credentials (Identity__Url,
        Seeds__ClientSecret, Seeds__OrgClientSecret, handed over by the AppHost); an explicit Auth__SigningKey mints instead.
        """);
    return exitCode;
}
