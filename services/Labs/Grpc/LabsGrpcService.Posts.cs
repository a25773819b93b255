// Senior posts (labs/{lab}/posts): chief scientist and similar posts, open → filled → closed.
//
// RPC           | SQL: Data/LabStore.cs            | rule: Model/
// CreateLabPost | InsertPostAsync                  | LabLifecycle.IsFinal
// ListLabPosts  | ListPostsAsync                   | LabRules.CanRead (of the platform)
// FillLabPost   | LockPostAsync, FillPostAsync     | PostLifecycle.Next
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
        violations.DefinedEnum("post.kind", post.Kind);
        violations.DefinedEnum("post.engagement", post.Engagement);
        violations.Text("post.field", post.Field, MaxFieldLength);
        if (post.State != Post.Types.State.Unspecified)
        {
            violations.Add("post.state", "is output only; a new post is open.");
        }
        if (post.Appointment is not null)
        {
            violations.Add("post.appointment", "is output only; fill the post with FillLabPost.");
        }
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
            var created = await LabStore.InsertPostAsync(connection, transaction, new PostRow
            {
                Id = Guid.CreateVersion7(),
                LabId = id,
                Kind = (short)post.Kind,
                Field = post.Field.Trim(),
                Engagement = (short)post.Engagement,
                State = (short)Post.Types.State.Open,
            });
            await AuditLog.WriteAsync(connection, transaction, caller, name, LabNames.Post(id, created.Id), nameof(CreateLabPost),
                "", Post.Types.State.Open.ToString(), $"{post.Kind}, {post.Engagement}");
            return created.ToProto();
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
        var appointment = request.Appointment ?? new Post.Types.Appointment();
        violations.Text("appointment.person_name", appointment.PersonName, MaxPersonLength);
        violations.CreditCode("appointment.home_organization.credit_code", appointment.HomeOrganization?.CreditCode);
        violations.Text("appointment.home_organization.name", appointment.HomeOrganization?.Name, MaxNameLength);
        violations.DefinedEnum("appointment.home_organization.kind", appointment.HomeOrganization?.Kind ?? OrganizationKind.Unspecified);
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

        var name = LabNames.Lab(id);
        var call = new WriteCall(nameof(FillLabPost), caller, request, request.RequestId);
        return await writes.RunAsync(call, async (connection, transaction) =>
        {
            var (row, post) = await LockVisiblePostAsync(context, connection, transaction, caller, id, postId, request.Name);
            ApiErrors.CheckEtag(request.Etag, post.Etag, request.Name);
            if (PostLifecycle.Next(post.PostState, PostAction.Fill) is not { } next)
            {
                ApiErrors.InvalidState(request.Name, nameof(FillLabPost), post.PostState.ToString());
                return null!;
            }
            var home = appointment.HomeOrganization!;
            var filled = await LabStore.FillPostAsync(connection, transaction, postId, (short)next, appointment.PersonName.Trim(),
                home.CreditCode, home.Name.Trim(), (short)home.Kind, start!.Value, end);
            await AuditLog.WriteAsync(connection, transaction, caller, name, request.Name, nameof(FillLabPost),
                post.PostState.ToString(), next.ToString(), $"{appointment.PersonName.Trim()} of {home.CreditCode}");
            _ = row;
            return filled.ToProto();
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
            var (_, post) = await LockVisiblePostAsync(context, connection, transaction, caller, id, postId, request.Name);
            ApiErrors.CheckEtag(request.Etag, post.Etag, request.Name);
            if (PostLifecycle.Next(post.PostState, PostAction.Close) is not { } next)
            {
                ApiErrors.InvalidState(request.Name, nameof(CloseLabPost), post.PostState.ToString());
                return null!;
            }
            var closed = await LabStore.SetPostStateAsync(connection, transaction, postId, (short)next);
            await AuditLog.WriteAsync(connection, transaction, caller, name, request.Name, nameof(CloseLabPost),
                post.PostState.ToString(), next.ToString());
            return closed.ToProto();
        }, [], context.CancellationToken);
    }

    private async Task<(LabRow Lab, PostRow Post)> LockVisiblePostAsync(ServerCallContext context, NpgsqlConnection connection,
        NpgsqlTransaction transaction, Caller caller, Guid labId, Guid postId, string postName)
    {
        var row = await LockVisibleAsync(context, connection, transaction, caller, labId, postName);
        var post = await LabStore.LockPostAsync(connection, transaction, labId, postId);
        if (post is null)
        {
            ApiErrors.NotFound(postName);
        }
        if (!caller.CanEditFor(row.HostCode))
        {
            ApiErrors.PermissionDenied($"Only an owner or editor of the host organisation may change the posts of {LabNames.Lab(labId)}.");
        }
        return (row, post);
    }
}
