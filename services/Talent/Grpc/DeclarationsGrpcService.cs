// The demand declarations API, one partial file per resource family:
//   DeclarationsGrpcService.Declarations.cs  declarations/{declaration}: get, list, create, update, audit trail
//   DeclarationsGrpcService.Lifecycle.cs     submit, accept, return, revise (Model/DeclarationLifecycle.cs)
// This file: what they share. Who may read a declaration is DeclarationAccess.CanRead (Model/DeclarationAccess.cs), checked by
// RequireReadableAsync and LockReadableAsync below; DeclarationStore.ListAsync applies the same rule to lists.

using Collaboration.Shared.Validation;
using Collaboration.Common.V1;
using Collaboration.Shared.Data;
using Collaboration.Shared.Errors;
using Collaboration.Shared.Identity;
using Collaboration.Talent.Data;
using Collaboration.Talent.Model;
using Collaboration.Talent.V1;
using Grpc.Core;
using Npgsql;

namespace Collaboration.Talent.Grpc;

/// <summary>The demand declarations API: each method validates, checks who may act, acts, and maps back.</summary>
public sealed partial class DeclarationsGrpcService(DeclarationStore store, WriteRunner writes, CodeLists codeLists,
    OrganizationDirectory directory) : DeclarationService.DeclarationServiceBase
{
    private const int MaxChainLength = 64;
    private const int MaxDescriptionLength = 4000;
    private const int MaxReasonLength = 2000;
    private const int MaxRelatedMajors = 10;
    private const int MinYear = 2020;
    private const int MaxYear = 2100;
    private const int MaxHeadcount = 10_000;
    private const int MaxMonthlyPayYuan = 1_000_000;

    /// <summary>The declaration when the caller may see it; NOT_FOUND otherwise (a competitor's declaration does not exist for it).</summary>
    private async Task<DeclarationRow> RequireReadableAsync(Caller caller, Guid id, string name, CancellationToken cancellationToken)
    {
        var row = await store.FindAsync(id, cancellationToken);
        if (row is null || !DeclarationAccess.CanRead(caller, row.EnterpriseCode))
        {
            ApiErrors.NotFound(name);
        }
        return row;
    }

    /// <summary>Locks the declaration; NOT_FOUND when it does not exist or the caller may not see it.</summary>
    private static async Task<DeclarationRow> LockReadableAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, Caller caller, Guid id, string name)
    {
        var row = await DeclarationStore.LockAsync(connection, transaction, id);
        if (row is null || !DeclarationAccess.CanRead(caller, row.EnterpriseCode))
        {
            ApiErrors.NotFound(name);
        }
        return row;
    }

    /// <summary>
    /// The declaring enterprise as the directory registers it: the caller's own organisation, which must be an enterprise.
    /// An organisation the directory does not know may not declare (its people hold a token, but the city has not registered it).
    /// </summary>
    private async Task<RegisteredOrganization> DeclaringEnterpriseAsync(ServerCallContext context, Caller caller)
    {
        if (caller.IsAdmin || !caller.CanWrite)
        {
            ApiErrors.PermissionDenied("Demand is declared by an owner or editor of the enterprise that needs the people.");
        }
        RegisteredOrganization registered;
        try
        {
            registered = await directory.LookupAsync(context, caller.Organization, "declaration.enterprise.credit_code");
        }
        catch (RpcException ex) when (ex.StatusCode == StatusCode.NotFound)
        {
            ApiErrors.PermissionDenied($"The caller's organisation {caller.Organization} is not registered in the organisation directory.");
            throw;
        }
        if (registered.Kind != OrganizationKind.Enterprise)
        {
            ApiErrors.PermissionDenied($"Only enterprises declare demand; {registered.Name} is registered as {registered.Kind}.");
        }
        return registered;
    }

    private static Guid ParseDeclarationName(string name, string field)
    {
        if (!TalentNames.TryParseDeclaration(name, out var id))
        {
            ApiErrors.InvalidArgument(field, "must look like declarations/{declaration}.");
        }
        return id;
    }
}
