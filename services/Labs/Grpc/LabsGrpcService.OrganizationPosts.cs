// Posts an organisation sets up without a platform (organizations/{credit_code}/posts): the same posts,
// lifecycle and table as a platform's, with the organisation as the parent. Each post is the root of
// its own audit trail.
//
// RPC                              | SQL: Data/LabStore.cs              | rule: Model/
// CreateOrganizationPost           | InsertPostAsync                    | the caller's own organisation (registered), owner or editor
// GetOrganizationPost              | FindOrganizationPostAsync          | PostRules.CanRead
// ListOrganizationPosts            | ListOrganizationPostsAsync         | PostRules.PublicStates (as a parameter)
// FillOrganizationPost             | LockPostAsync, FillPostAsync       | PostLifecycle.Next; the home organisation from the directory
// CloseOrganizationPost            | LockPostAsync, SetPostStateAsync   | PostLifecycle.Next
// ListOrganizationPostAuditEntries | AuditLog.PageAsync (Shared)        | the organisation and admins only

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
    public override async Task<Post> CreateOrganizationPost(CreateOrganizationPostRequest request, ServerCallContext context)
    {
        var caller = Caller.From(context);
        var code = ParseOrganizationName(request.Parent, "parent");
        var post = request.Post ?? new Post();
        var violations = new FieldViolations().RequestId(request.RequestId);
        ValidateNewPost(post, violations, nameof(FillOrganizationPost));
        violations.ThrowIfAny();
        // The parent is an organisation the directory knows, not only a well-formed code.
        await directory.LookupAsync(context, code, "parent");

        var call = new WriteCall(nameof(CreateOrganizationPost), caller, request, request.RequestId);
        return await writes.RunAsync(call, async (connection, transaction) =>
        {
            if (!caller.CanEditFor(code))
            {
                ApiErrors.PermissionDenied($"Only an owner or editor of {request.Parent} may create its posts.");
            }
            return await InsertPostAsync(connection, transaction, caller, null, PostParent.Organization(code), post, nameof(CreateOrganizationPost));
        }, [], context.CancellationToken);
    }

    public override async Task<Post> GetOrganizationPost(GetOrganizationPostRequest request, ServerCallContext context)
    {
        var caller = Caller.From(context);
        var (code, postId) = ParseOrganizationPostName(request.Name, "name");
        var post = await store.FindOrganizationPostAsync(code, postId, context.CancellationToken);
        if (post is null || !PostRules.CanRead(caller, code, post.PostState))
        {
            ApiErrors.NotFound(request.Name);
        }
        return post.ToProto();
    }

    public override async Task<ListOrganizationPostsResponse> ListOrganizationPosts(ListOrganizationPostsRequest request, ServerCallContext context)
    {
        var caller = Caller.From(context);
        var violations = new FieldViolations();
        string? code = null;
        if (request.Parent != OrganizationPostNames.AnyOrganization && !OrganizationPostNames.TryParseOrganization(request.Parent, out code))
        {
            violations.Add("parent", "must look like organizations/{credit_code} (a valid credit code) or organizations/-.");
        }
        var size = Page.Size(request.PageSize, violations);
        violations.DefinedEnum("state", request.State, required: false);
        var fingerprint = Page.Fingerprint(request.Parent, request.State);
        var after = Page.AfterGuid(request.PageToken, fingerprint, violations);
        violations.ThrowIfAny();

        var rows = await store.ListOrganizationPostsAsync(code, (short)request.State, caller, after, size + 1, context.CancellationToken);
        var (items, next) = Page.Slice(rows, size, r => r.Id.ToString("D"), fingerprint);
        var response = new ListOrganizationPostsResponse { NextPageToken = next };
        response.Posts.AddRange(items.Select(r => r.ToProto()));
        return response;
    }

    public override async Task<Post> FillOrganizationPost(FillOrganizationPostRequest request, ServerCallContext context)
    {
        var caller = Caller.From(context);
        var violations = new FieldViolations().RequestId(request.RequestId);
        if (!OrganizationPostNames.TryParsePost(request.Name, out var code, out var postId))
        {
            violations.Add("name", "must look like organizations/{credit_code}/posts/{post}.");
        }
        var appointment = await ValidateAppointmentAsync(context, request.Appointment, violations);

        var call = new WriteCall(nameof(FillOrganizationPost), caller, request, request.RequestId);
        return await writes.RunAsync(call, async (connection, transaction) =>
        {
            var post = await LockChangeableOrganizationPostAsync(connection, transaction, caller, code, postId, request.Name);
            return await FillAsync(connection, transaction, caller, request.Name, request.Name, post, request.Etag, appointment, nameof(FillOrganizationPost));
        }, [], context.CancellationToken);
    }

    public override async Task<Post> CloseOrganizationPost(CloseOrganizationPostRequest request, ServerCallContext context)
    {
        var caller = Caller.From(context);
        var violations = new FieldViolations().RequestId(request.RequestId);
        var (code, postId) = ParseOrganizationPostName(request.Name, "name", violations);

        var call = new WriteCall(nameof(CloseOrganizationPost), caller, request, request.RequestId);
        return await writes.RunAsync(call, async (connection, transaction) =>
        {
            var post = await LockChangeableOrganizationPostAsync(connection, transaction, caller, code, postId, request.Name);
            return await CloseAsync(connection, transaction, caller, request.Name, request.Name, post, request.Etag, nameof(CloseOrganizationPost));
        }, [], context.CancellationToken);
    }

    public override async Task<ListOrganizationPostAuditEntriesResponse> ListOrganizationPostAuditEntries(ListOrganizationPostAuditEntriesRequest request,
        ServerCallContext context)
    {
        var caller = Caller.From(context);
        var (code, postId) = ParseOrganizationPostName(request.Parent, "parent");
        var (entries, next) = await AuditLog.PageAsync(store.DataSource, request.Parent, request.PageSize, request.PageToken, async () =>
        {
            var post = await store.FindOrganizationPostAsync(code, postId, context.CancellationToken);
            if (post is null || !PostRules.CanRead(caller, code, post.PostState))
            {
                ApiErrors.NotFound(request.Parent);
            }
            if (!caller.IsAdmin && !caller.ActsFor(code))
            {
                ApiErrors.PermissionDenied("The audit trail is for the organisation and the city's admins.");
            }
        }, context.CancellationToken);
        return new ListOrganizationPostAuditEntriesResponse { NextPageToken = next, AuditEntries = { entries } };
    }

    /// <summary>Locks the post; NOT_FOUND when the caller may not see it, PERMISSION_DENIED when it may see but not change it.</summary>
    private static async Task<PostRow> LockChangeableOrganizationPostAsync(NpgsqlConnection connection, NpgsqlTransaction transaction,
        Caller caller, string code, Guid postId, string name)
    {
        var post = await LabStore.LockPostAsync(connection, transaction, PostParent.Organization(code), postId);
        if (post is null || !PostRules.CanRead(caller, code, post.PostState))
        {
            ApiErrors.NotFound(name);
        }
        if (!caller.CanEditFor(code))
        {
            ApiErrors.PermissionDenied($"Only an owner or editor of {OrganizationPostNames.Organization(code)} may change its posts.");
        }
        return post;
    }

    private static string ParseOrganizationName(string name, string field)
    {
        if (!OrganizationPostNames.TryParseOrganization(name, out var code))
        {
            ApiErrors.InvalidArgument(field, "must look like organizations/{credit_code} with a valid credit code.");
        }
        return code;
    }

    private static (string Code, Guid PostId) ParseOrganizationPostName(string name, string field, FieldViolations? violations = null)
    {
        violations ??= new FieldViolations();
        if (!OrganizationPostNames.TryParsePost(name, out var code, out var postId))
        {
            violations.Add(field, "must look like organizations/{credit_code}/posts/{post} with a valid credit code.");
        }
        violations.ThrowIfAny();
        return (code, postId);
    }
}
