using System.Runtime.InteropServices;
using Garnet;

// The development cache: an embedded Garnet server (Redis protocol). Garnet parses the
// arguments itself (--port, --bind, --memory, --index, ...); the AppHost passes them.
using var server = new GarnetServer(args);
server.Start();
Console.WriteLine($"Garnet cache server ready ({string.Join(' ', args)})");

var stopped = new TaskCompletionSource();
using var onTerm = PosixSignalRegistration.Create(PosixSignal.SIGTERM, Stop);
using var onInt = PosixSignalRegistration.Create(PosixSignal.SIGINT, Stop);
await stopped.Task;
Console.WriteLine("Garnet cache server stopping");

void Stop(PosixSignalContext context)
{
    context.Cancel = true;
    stopped.TrySetResult();
}
