using System.Runtime.CompilerServices;
using System.Text;
using Collaboration.Apprenticeships.Data;
using Collaboration.Shared.Data;
using Collaboration.Shared.Errors;
using Collaboration.Shared.Identity;
using Google.Protobuf;
using Grpc.Core;
using Microsoft.AspNetCore.Http.Features;
using nietras.SeparatedValues;

namespace Collaboration.Apprenticeships.Grpc;

/// <summary>
/// The roster import for people with spreadsheets: POST /v1/cohorts/{cohort}:importEnrolments with a
/// text/csv body (a header row naming the columns, then one learner per record), query parameters
/// request_id and allow_partial. It runs the same import as the gRPC stream and answers the same
/// JSON, with the CSV line of every bad row.
/// </summary>
public static class RosterCsvEndpoint
{
    public const string StudentNumber = "student_number";
    public const string DisplayName = "display_name";
    public const string IdentityNumberColumn = "identity_number";
    public const string CollegeMentor = "college_mentor";
    public const string EnterpriseMentor = "enterprise_mentor";

    // RFC 4180: comma-separated; a double-quoted field may hold commas, quotes ("") and line breaks. Every record keeps
    // the line it starts on; the header row is read like any other (HasHeader off), so its names are matched our way.
    private static readonly SepReaderOptions Csv = Sep.New(',').Reader(o => o with
    {
        HasHeader = false, Unescape = true, DisableColCountCheck = true,
    });

    private static readonly JsonFormatter Json = new(JsonFormatter.Settings.Default.WithFormatDefaultValues(true)
        .WithTypeRegistry(Google.Protobuf.Reflection.TypeRegistry.FromMessages(Google.Rpc.BadRequest.Descriptor, Google.Rpc.ErrorInfo.Descriptor)));

    /// <summary>Maps the CSV roster upload on the service's HTTP endpoints.</summary>
    public static WebApplication MapRosterCsvImport(this WebApplication app)
    {
        app.MapPost("/v1/cohorts/{cohort}:importEnrolments", ImportAsync).RequireAuthorization();
        return app;
    }

    private static async Task ImportAsync(HttpContext http, string cohort, ImportEnrolmentsHandler imports, ILoggerFactory loggers)
    {
        try
        {
            var caller = Caller.From(http.User);
            var violations = new FieldViolations();
            var requestId = http.Request.Query["request_id"].ToString();
            violations.RequestId(requestId);
            var allowPartial = false;
            if (http.Request.Query["allow_partial"].ToString() is { Length: > 0 } partial && !bool.TryParse(partial, out allowPartial))
            {
                violations.Add("allow_partial", "must be true or false.");
            }
            if (!CohortNames.TryParseCohort("cohorts/" + cohort, out var id))
            {
                violations.Add("parent", "must look like cohorts/{cohort}.");
            }
            var mediaType = http.Request.ContentType ?? "";
            if (!mediaType.StartsWith("text/csv", StringComparison.OrdinalIgnoreCase))
            {
                violations.Add("content_type", "must be text/csv.");
            }
            violations.ThrowIfAny();
            // A roster of any length streams through; nothing holds the whole body.
            if (http.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } limit)
            {
                limit.MaxRequestBodySize = null;
            }

            using var text = new StreamReader(http.Request.Body, Encoding.UTF8, detectEncodingFromByteOrderMarks: true, bufferSize: 64 * 1024);
            using var csv = await Csv.FromAsync(text, http.RequestAborted);
            var columns = await ReadHeaderAsync(csv, http.RequestAborted);
            var response = await imports.RunAsync(http, caller, new ImportHeader(id, requestId, allowPartial), Rows(csv, columns, http.RequestAborted),
                http.RequestAborted);
            http.Response.ContentType = "application/json";
            await http.Response.WriteAsync(Json.Format(response), http.RequestAborted);
        }
        catch (RpcException ex)
        {
            await WriteErrorAsync(http, ex);
        }
        catch (Exception ex) when (DatabaseFailures.IsOutage(ex))
        {
            loggers.CreateLogger(typeof(RosterCsvEndpoint)).LogWarning("Database unavailable in the CSV import: {Message}", ex.Message);
            await WriteErrorAsync(http, new RpcException(new Status(StatusCode.Unavailable, "The database is unavailable; retry shortly.")));
        }
    }

    private static async Task<Dictionary<string, int>> ReadHeaderAsync(SepReader csv, CancellationToken cancellationToken)
    {
        if (!await csv.MoveNextAsync(cancellationToken))
        {
            ApiErrors.InvalidArgument("body", "is empty: the first line must name the columns.");
        }
        var columns = HeaderColumns(csv.Current);
        var violations = new FieldViolations();
        foreach (var required in new[] { StudentNumber, DisplayName, IdentityNumberColumn })
        {
            if (!columns.ContainsKey(required))
            {
                violations.Add("body", $"the header line must name a '{required}' column.");
            }
        }
        violations.ThrowIfAny();
        return columns;
    }

    private static Dictionary<string, int> HeaderColumns(SepReader.Row header)
    {
        var columns = new Dictionary<string, int>(StringComparer.OrdinalIgnoreCase);
        for (var i = 0; i < header.ColCount; i++)
        {
            columns.TryAdd(header[i].Span.Trim().ToString(), i);
        }
        return columns;
    }

    private static async IAsyncEnumerable<RosterInput> Rows(SepReader csv, Dictionary<string, int> columns,
        [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var number = 0;
        while (await csv.MoveNextAsync(cancellationToken))
        {
            if (ToInput(csv.Current, columns, number + 1) is { } row)
            {
                number++;
                yield return row;
            }
        }
    }

    /// <summary>The roster row a CSV record holds; null for a blank line.</summary>
    private static RosterInput? ToInput(SepReader.Row record, Dictionary<string, int> columns, int number)
    {
        if (record.ColCount == 1 && record[0].Span.Length == 0)
        {
            return null;
        }
        string Field(SepReader.Row r, string column) => columns.TryGetValue(column, out var i) && i < r.ColCount ? r[i].ToString() : "";
        return new RosterInput(number, record.LineNumberFrom, Field(record, StudentNumber), Field(record, DisplayName),
            Field(record, IdentityNumberColumn), Field(record, CollegeMentor), Field(record, EnterpriseMentor));
    }

    private static Task WriteErrorAsync(HttpContext http, RpcException exception)
    {
        var status = exception.GetRpcStatus() ?? new Google.Rpc.Status { Code = (int)exception.StatusCode, Message = exception.Status.Detail };
        http.Response.StatusCode = exception.StatusCode switch
        {
            StatusCode.InvalidArgument => StatusCodes.Status400BadRequest,
            StatusCode.Unauthenticated => StatusCodes.Status401Unauthorized,
            StatusCode.PermissionDenied => StatusCodes.Status403Forbidden,
            StatusCode.NotFound => StatusCodes.Status404NotFound,
            StatusCode.AlreadyExists or StatusCode.Aborted => StatusCodes.Status409Conflict,
            StatusCode.FailedPrecondition => StatusCodes.Status400BadRequest,
            StatusCode.ResourceExhausted => StatusCodes.Status429TooManyRequests,
            StatusCode.Unavailable => StatusCodes.Status503ServiceUnavailable,
            StatusCode.Cancelled => 499,
            _ => StatusCodes.Status500InternalServerError,
        };
        http.Response.ContentType = "application/json";
        return http.Response.WriteAsync(Json.Format(status));
    }
}
