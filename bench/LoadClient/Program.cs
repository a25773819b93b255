using Collaboration.Bench;

// The benchmark's helper: tokens, request frames for h2load, request checks, fixed-rate and
// closed-loop load with latency percentiles, the list table's bulk load, and the report.
// Every command prints "key<TAB>value" lines that bench/run records.
var options = Options.Parse(args.Skip(1));
// Pinned to one core the pool would start with one worker and grow slowly: start with enough for the open loop.
ThreadPool.SetMinThreads(Math.Max(8, Environment.ProcessorCount * 4), Math.Max(8, Environment.ProcessorCount * 4));
try
{
    return args.FirstOrDefault() switch
    {
        "token" => Commands.Token(options),
        "credit-code" => Commands.CreditCodeFor(options),
        "ports" => Commands.Ports(options),
        "frame" => Commands.Frame(options),
        "check" => await Load.CheckAsync(options),
        "rate" => await Load.RateAsync(options),
        "closed" => await Load.ClosedAsync(options),
        "wait-grpc" => await Load.WaitAsync(options),
        "seed" => await Seed.AlliancesAsync(options),
        "import" => await Import.RunAsync(options),
        "report" => Report.Write(options),
        _ => Usage(),
    };
}
catch (OptionException e)
{
    Console.Error.WriteLine(e.Message);
    return 64;
}

static int Usage()
{
    Console.Error.WriteLine("""
        usage: LoadClient <command> [--option value ...]
          token --key B64 --sub S --role admin|owner|editor|viewer [--org CODE --kind enterprise]
          credit-code --seed N [--prefix 8 chars]
          ports --count N
          frame --out FILE (--get NAME | --list [--page-size N --state N --chain C --after-id GUID])
          check --url U --token T --method pkg.Service/Method --frame FILE [--count N]
          rate --url U --token T (--method M --frame FILE | --create --org CODE) --rps N --seconds S [--warmup S]
          closed --url U --token T --create --org CODE --concurrency N --seconds S [--warmup S]
          wait-grpc --url U --token T --method M --frame FILE --timeout S
          seed --conn CS --count N
          import --url U --conn CS --key B64 --identity-key B64 --rows N --seed N
          report --results TSV --meta FILE --out FILE
        """);
    return 64;
}
