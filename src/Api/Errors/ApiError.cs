using Gateway.Grains.Budgets;
using Gateway.Grains.Common;
using Gateway.Grains.Keys;

namespace Gateway.Api.Errors;

/// <summary>
/// An error as the client gets it: HTTP status, Anthropic error type and message. The one map from the grains'
/// domain refusals (admission, budgets, admin operations) to HTTP lives here.
/// </summary>
public readonly record struct ApiError(int Status, string Type, string Message)
{
    /// <summary>An error whose type is Anthropic's for <paramref name="status"/>.</summary>
    public static ApiError Of(int status, string message) => new(status, AnthropicErrors.TypeFor(status), message);

    /// <summary>
    /// A key's or user's refusal: unknown, revoked or expired keys are 401; a key that may not do this, a blocked user or one
    /// no rule places, 403; a missing config, 404.
    /// </summary>
    public static ApiError For(AdmissionRefusal refusal, string message) => Of(refusal switch
    {
        AdmissionRefusal.UnknownKey or AdmissionRefusal.KeyRevoked or AdmissionRefusal.KeyExpired => 401,
        AdmissionRefusal.ModelNotAllowed or AdmissionRefusal.WorkspaceGone or AdmissionRefusal.UserBlocked or AdmissionRefusal.NoWorkspace => 403,
        AdmissionRefusal.ConfigNotFound => 404,
        _ => throw new ArgumentOutOfRangeException(nameof(refusal), refusal, null),
    }, message);

    /// <summary>A budget's refusal: spend is 402 (billing), limits 429, a store that cannot hold the reservation 503.</summary>
    public static ApiError For(BudgetRefusal refusal, string message) => Of(refusal switch
    {
        BudgetRefusal.BudgetExhausted or BudgetRefusal.Unpriced => 402,
        BudgetRefusal.RateLimited => 429,
        BudgetRefusal.StoreUnavailable => 503,
        _ => throw new ArgumentOutOfRangeException(nameof(refusal), refusal, null),
    }, message);

    /// <summary>An admin operation's refusal: 400, 403, 404 or 409.</summary>
    public static ApiError For(AdminException refused) => Of(refused.Problem switch
    {
        AdminProblem.Invalid => 400,
        AdminProblem.NotFound => 404,
        AdminProblem.Conflict => 409,
        AdminProblem.Forbidden => 403,
        _ => throw new ArgumentOutOfRangeException(nameof(refused), refused.Problem, null),
    }, refused.Message);

    /// <summary>The refusal of a key that did not admit a request.</summary>
    public static ApiError For(Admission refused) => For(refused.Refusal!.Value, refused.Message!);

    /// <summary>The refusal of a budget verdict that did not admit a request.</summary>
    public static ApiError For(BudgetVerdict refused) => For(refused.Refusal!.Value, refused.Message!);
}
