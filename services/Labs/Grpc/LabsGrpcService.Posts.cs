// Senior posts (labs/{lab}/posts): chief scientist and similar posts, open → filled → closed.
// The validation and the fill and close steps at the end of this file also serve an organisation's own
// posts (LabsGrpcService.OrganizationPosts.cs): one set of rules for both parents.
//
// RPC           | SQL: Data/LabStore.cs            | rule: Model/
// CreateLabPost | InsertPostAsync                  | LabLifecycle.IsFinal
// ListLabPosts  | ListPostsAsync                   | LabRules.CanRead (of the platform)
// FillLabPost   | LockPostAsync, FillPostAsync     | PostLifecycle.Next; the home organisation from the directory
// CloseLabPost  | LockPostAsync, SetPostStateAsync | PostLifecycle.Next

using Collaboration.Common.V1;
using Collaboration.Labs.Data;
using Collaboration.Labs.Model;
using Collaboration.Labs.V1;
using Collaboration.Shared.Data;
using Collaboration.Shared.Errors;
using Collaboration.Shared.Identity;
using Collaboration.Shared.Paging;
using Grpc.Core;
using Npgsql;

namespace Collaboration.Labs.Grpc;

public sealed partial class LabsGrpcService
{
    public override async Task<Post> CreateLabPost(CreateLabPostRequest request, ServerCallContext context)
    {
        var caller = Caller.From(context);
        var id = ParseLabName(request.Parent, "parent");
        var post = request.Post ?? new Post();
        var violations = new FieldViolations().RequestId(request.RequestId);
        ValidateNewPost(post, violations, nameof(FillLabPost));
        violations.ThrowIfAny();

        var name = LabNames.Lab(id);
        var call = new WriteCall(nameof(CreateLabPost), caller, request, request.RequestId);
        return await writes.RunAsync(call, async (connection, transaction) =>
        {
            var row = await LockVisibleAsync(context, connection, transaction, caller, id, name);
            if (!caller.CanEditFor(row.HostCode))
            {
                ApiErrors.PermissionDenied($"Only an owner or editor of the host organisation may create posts of {name}.");
            }
            if (LabLifecycle.IsFinal(row.LabState))
            {
                ApiErrors.InvalidState(name, nameof(CreateLabPost), row.LabState.ToString());
            }
            return await InsertPostAsync(connection, transaction, caller, name, PostParent.Lab(id), post, nameof(CreateLabPost));
        }, [], context.CancellationToken);
    }

    public override async Task<ListLabPostsResponse> ListLabPosts(ListLabPostsRequest request, ServerCallContext context)
    {
        var caller = Caller.From(context);
        var id = ParseLabName(request.Parent, "parent");
        var violations = new FieldViolations();
        var size = Page.Size(request.PageSize, violations);
        violations.DefinedEnum("state", request.State, required: false);
        var fingerprint = Page.Fingerprint(request.Parent, request.State);
        var after = Page.AfterGuid(request.PageToken, fingerprint, violations);
        violations.ThrowIfAny();
        await RequireReadableAsync(context, caller, id, request.Parent);

        var rows = await store.ListPostsAsync(id, (short)request.State, after, size + 1, context.CancellationToken);
        var (items, next) = Page.Slice(rows, size, r => r.Id.ToString("D"), fingerprint);
        var response = new ListLabPostsResponse { NextPageToken = next };
        response.Posts.AddRange(items.Select(r => r.ToProto()));
        return response;
    }

    public override async Task<Post> FillLabPost(FillLabPostRequest request, ServerCallContext context)
    {
        var caller = Caller.From(context);
        var violations = new FieldViolations().RequestId(request.RequestId);
        if (!LabNames.TryParseChild(request.Name, LabNames.Posts, out var id, out var postId))
        {
            violations.Add("name", "must look like labs/{lab}/posts/{post}.");
        }
        var appointment = await ValidateAppointmentAsync(context, request.Appointment, violations);

        var name = LabNames.Lab(id);
        var call = new WriteCall(nameof(FillLabPost), caller, request, request.RequestId);
        return await writes.RunAsync(call, async (connection, transaction) =>
        {
            var post = await LockVisiblePostAsync(context, connection, transaction, caller, id, postId, request.Name);
            return await FillAsync(connection, transaction, caller, name, request.Name, post, request.Etag, appointment, nameof(FillLabPost));
        }, [], context.CancellationToken);
    }

    public override async Task<Post> CloseLabPost(CloseLabPostRequest request, ServerCallContext context)
    {
        var caller = Caller.From(context);
        var violations = new FieldViolations().RequestId(request.RequestId);
        if (!LabNames.TryParseChild(request.Name, LabNames.Posts, out var id, out var postId))
        {
            violations.Add("name", "must look like labs/{lab}/posts/{post}.");
        }
        violations.ThrowIfAny();

        var name = LabNames.Lab(id);
        var call = new WriteCall(nameof(CloseLabPost), caller, request, request.RequestId);
        return await writes.RunAsync(call, async (connection, transaction) =>
        {
            var post = await LockVisiblePostAsync(context, connection, transaction, caller, id, postId, request.Name);
            return await CloseAsync(connection, transaction, caller, name, request.Name, post, request.Etag, nameof(CloseLabPost));
        }, [], context.CancellationToken);
    }

    private async Task<PostRow> LockVisiblePostAsync(ServerCallContext context, NpgsqlConnection connection,
        NpgsqlTransaction transaction, Caller caller, Guid labId, Guid postId, string postName)
    {
        var row = await LockVisibleAsync(context, connection, transaction, caller, labId, postName);
        var post = await LabStore.LockPostAsync(connection, transaction, PostParent.Lab(labId), postId);
        if (post is null)
        {
            ApiErrors.NotFound(postName);
        }
        if (!caller.CanEditFor(row.HostCode))
        {
            ApiErrors.PermissionDenied($"Only an owner or editor of the host organisation may change the posts of {LabNames.Lab(labId)}.");
        }
        return post;
    }

    /// <summary>A post as a client proposes it: kind, field and engagement; the state and appointment are the server's.</summary>
    private static void ValidateNewPost(Post post, FieldViolations violations, string fillMethod)
    {
        violations.DefinedEnum("post.kind", post.Kind);
        violations.DefinedEnum("post.engagement", post.Engagement);
        violations.Text("post.field", post.Field, MaxFieldLength);
        if (post.State != Post.Types.State.Unspecified)
        {
            violations.Add("post.state", "is output only; a new post is open.");
        }
        if (post.Appointment is not null)
        {
            violations.Add("post.appointment", $"is output only; fill the post with {fillMethod}.");
        }
    }

    private sealed record ValidAppointment(string PersonName, RegisteredOrganization Home, DateOnly Start, DateOnly? End);

    private const string HomeOrganizationField = "appointment.home_organization.credit_code";

    /// <summary>
    /// Checks the appointment (throwing INVALID_ARGUMENT with every violation collected so far) and takes the home
    /// organisation's name and kind from the directory: NOT_FOUND naming the field for an unregistered code.
    /// </summary>
    private async Task<ValidAppointment> ValidateAppointmentAsync(ServerCallContext context, Post.Types.Appointment? requested, FieldViolations violations)
    {
        var appointment = requested ?? new Post.Types.Appointment();
        violations.Text("appointment.person_name", appointment.PersonName, MaxPersonLength);
        violations.CreditCode(HomeOrganizationField, appointment.HomeOrganization?.CreditCode);
        var start = ParseDate(appointment.StartDate, "appointment.start_date", violations);
        if (!appointment.StartDate.IsSet())
        {
            violations.Add("appointment.start_date", "is required.");
        }
        var end = ParseDate(appointment.EndDate, "appointment.end_date", violations);
        if (start is not null && end is not null && end < start)
        {
            violations.Add("appointment.end_date", "must not be before the start date.");
        }
        violations.ThrowIfAny();
        var home = await directory.LookupAsync(context, appointment.HomeOrganization!.CreditCode, HomeOrganizationField);
        return new ValidAppointment(appointment.PersonName.Trim(), home, start!.Value, end);
    }

    private static async Task<Post> InsertPostAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, Caller caller,
        string? auditRoot, PostParent parent, Post post, string method)
    {
        var created = await LabStore.InsertPostAsync(connection, transaction, new PostRow
        {
            Id = Guid.CreateVersion7(),
            LabId = parent.LabId,
            OrgCode = parent.OrganizationCode,
            Kind = (short)post.Kind,
            Field = post.Field.Trim(),
            Engagement = (short)post.Engagement,
            State = (short)Post.Types.State.Open,
        });
        var proto = created.ToProto();
        await AuditLog.WriteAsync(connection, transaction, caller, auditRoot ?? proto.Name, proto.Name, method,
            "", Post.Types.State.Open.ToString(), $"{post.Kind}, {post.Engagement}");
        return proto;
    }

    /// <summary>The fill step for a locked post the caller may change: etag, transition (Model/PostLifecycle.cs), write, audit.</summary>
    private static async Task<Post> FillAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, Caller caller,
        string auditRoot, string name, PostRow post, string etag, ValidAppointment appointment, string method)
    {
        ApiErrors.CheckEtag(etag, post.Etag, name);
        if (PostLifecycle.Next(post.PostState, PostAction.Fill) is not { } next)
        {
            ApiErrors.InvalidState(name, method, post.PostState.ToString());
            return null!;
        }
        var home = appointment.Home;
        var filled = await LabStore.FillPostAsync(connection, transaction, post.Id, (short)next, appointment.PersonName,
            home.CreditCode, home.Name, (short)home.Kind, appointment.Start, appointment.End);
        await AuditLog.WriteAsync(connection, transaction, caller, auditRoot, name, method,
            post.PostState.ToString(), next.ToString(), $"{appointment.PersonName} of {home.CreditCode}");
        return filled.ToProto();
    }

    private static async Task<Post> CloseAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, Caller caller,
        string auditRoot, string name, PostRow post, string etag, string method)
    {
        ApiErrors.CheckEtag(etag, post.Etag, name);
        if (PostLifecycle.Next(post.PostState, PostAction.Close) is not { } next)
        {
            ApiErrors.InvalidState(name, method, post.PostState.ToString());
            return null!;
        }
        var closed = await LabStore.SetPostStateAsync(connection, transaction, post.Id, (short)next);
        await AuditLog.WriteAsync(connection, transaction, caller, auditRoot, name, method, post.PostState.ToString(), next.ToString());
        return closed.ToProto();
    }
}
