using System.Net;
using System.Net.Sockets;
using Collaboration.Alliances.V1;
using Collaboration.Shared.Identity;
using Collaboration.Shared.Paging;
using Collaboration.Shared.Validation;
using Google.Protobuf;

namespace Collaboration.Bench;

public static class Commands
{
    public static int Token(Options options)
    {
        var auth = new AuthOptions { SigningKey = options.Get("key") };
        Console.WriteLine(JwtAuthentication.MintToken(auth, options.Get("sub"), options.Has("org") ? options.Get("org") : null,
            options.Has("kind") ? options.Get("kind") : null, options.Get("role"), TimeSpan.FromHours(6)));
        return 0;
    }

    /// <summary>
    /// A valid unified social credit code numbered <c>--seed</c>: an enterprise in Jinan, or with <c>--prefix</c> (its first
    /// eight characters) another kind and place, e.g. 12431300 for a public institution in Loudi.
    /// </summary>
    public static int CreditCodeFor(Options options)
    {
        var seed = (int)options.Number("seed");
        Console.WriteLine(options.Has("prefix")
            ? Shared.Validation.CreditCode.Complete(options.Get("prefix") + seed.ToString("D8", System.Globalization.CultureInfo.InvariantCulture))
            : CreditCode(seed));
        return 0;
    }

    public static string CreditCode(int seed) =>
        Shared.Validation.CreditCode.Complete("91370100" + seed.ToString("D8", System.Globalization.CultureInfo.InvariantCulture));

    public static int Ports(Options options)
    {
        var listeners = Enumerable.Range(0, (int)options.Number("count", 1)).Select(_ =>
        {
            var listener = new TcpListener(IPAddress.Loopback, 0);
            listener.Start();
            return listener;
        }).ToList();
        Console.WriteLine(string.Join(' ', listeners.Select(l => ((IPEndPoint)l.LocalEndpoint).Port)));
        listeners.ForEach(l => l.Stop());
        return 0;
    }

    /// <summary>Writes one gRPC frame (0x00, 4-byte big-endian length, the message) for h2load's -d.</summary>
    public static int Frame(Options options)
    {
        IMessage message;
        if (options.Has("get"))
        {
            message = new GetAllianceRequest { Name = options.Get("get") };
        }
        else if (options.Has("list"))
        {
            var request = new ListAlliancesRequest
            {
                PageSize = (int)options.Number("page-size", 0),
                State = (Alliance.Types.State)(int)options.Number("state", 0),
                IndustryChain = options.Get("chain", ""),
            };
            if (options.Has("after-id"))
            {
                // The token the service would have issued after that id for the same filters.
                var fingerprint = Page.Fingerprint(request.State, request.IndustryChain, request.MemberCreditCode, request.FoundedYear,
                    request.SharedWithMe, request.InvitationsForMe);
                request.PageToken = Page.Token(Guid.Parse(options.Get("after-id")).ToString("D"), fingerprint);
            }
            message = request;
        }
        else
        {
            throw new OptionException("frame needs --get NAME or --list");
        }
        File.WriteAllBytes(options.Get("out"), Frames.Wrap(message.ToByteArray()));
        return 0;
    }
}

public static class Frames
{
    public static byte[] Wrap(byte[] message)
    {
        var frame = new byte[message.Length + 5];
        System.Buffers.Binary.BinaryPrimitives.WriteUInt32BigEndian(frame.AsSpan(1), (uint)message.Length);
        message.CopyTo(frame, 5);
        return frame;
    }

    public static byte[] Unwrap(byte[] frame)
    {
        if (frame.Length < 5 || frame[0] != 0
            || System.Buffers.Binary.BinaryPrimitives.ReadUInt32BigEndian(frame.AsSpan(1)) != frame.Length - 5)
        {
            throw new OptionException("not a single uncompressed gRPC frame");
        }
        return frame[5..];
    }
}
