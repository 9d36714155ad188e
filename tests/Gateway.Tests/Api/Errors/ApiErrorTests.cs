using System.Reflection;
using System.Text.RegularExpressions;
using Gateway.Api.Errors;
using Gateway.Grains.Budgets;
using Gateway.Grains.Common;
using Gateway.Grains.Keys;
using Gateway.Tests.Infrastructure;

namespace Gateway.Tests.Api.Errors;

[Trait("Category", "Unit")]
public sealed partial class ApiErrorTests
{
    [Theory]
    [InlineData(AdmissionRefusal.UnknownKey, 401, "authentication_error")]
    [InlineData(AdmissionRefusal.KeyRevoked, 401, "authentication_error")]
    [InlineData(AdmissionRefusal.KeyExpired, 401, "authentication_error")]
    [InlineData(AdmissionRefusal.ModelNotAllowed, 403, "permission_error")]
    [InlineData(AdmissionRefusal.WorkspaceGone, 403, "permission_error")]
    [InlineData(AdmissionRefusal.ConfigNotFound, 404, "not_found_error")]
    public void A_keys_refusal_is_answered_as_anthropic_answers_it(AdmissionRefusal refusal, int status, string type)
    {
        var error = ApiError.For(Admission.Refused(refusal, "why"));

        Assert.Equal(new ApiError(status, type, "why"), error);
    }

    [Theory]
    [InlineData(BudgetRefusal.BudgetExhausted, 402, "billing_error")]
    [InlineData(BudgetRefusal.Unpriced, 402, "billing_error")]
    [InlineData(BudgetRefusal.RateLimited, 429, "rate_limit_error")]
    [InlineData(BudgetRefusal.StoreUnavailable, 503, "overloaded_error")]
    public void A_budgets_refusal_is_answered_as_anthropic_answers_it(BudgetRefusal refusal, int status, string type)
    {
        Assert.Equal(new ApiError(status, type, "why"), ApiError.For(BudgetVerdict.Deny(refusal, "why", 3)));
    }

    [Theory]
    [InlineData(AdminProblem.Invalid, 400, "invalid_request_error")]
    [InlineData(AdminProblem.NotFound, 404, "not_found_error")]
    [InlineData(AdminProblem.Conflict, 409, "invalid_request_error")]
    [InlineData(AdminProblem.Forbidden, 403, "permission_error")]
    public void An_admin_refusal_is_answered_as_anthropic_answers_it(AdminProblem problem, int status, string type)
    {
        Assert.Equal(new ApiError(status, type, "why"), ApiError.For(new AdminException(problem, "why")));
    }

    [Fact]
    public void Every_domain_refusal_has_an_answer()
    {
        foreach (var refusal in Enum.GetValues<AdmissionRefusal>())
        {
            Assert.InRange(ApiError.For(refusal, "m").Status, 400, 599);
        }
        foreach (var refusal in Enum.GetValues<BudgetRefusal>())
        {
            Assert.InRange(ApiError.For(refusal, "m").Status, 400, 599);
        }
    }

    [Fact]
    public void Grains_carry_no_http_status_or_anthropic_error_type()
    {
        var grains = typeof(BudgetVerdict).Assembly;
        var httpShaped = grains.GetTypes()
            .SelectMany(type => type.GetProperties(BindingFlags.Public | BindingFlags.Instance).Select(property => (type, property)))
            .Where(p => p.property.Name is "Status" or "StatusCode" or "ErrorType" && p.property.PropertyType == typeof(int) || p.property.Name == "ErrorType")
            .Select(p => $"{p.type.Name}.{p.property.Name}")
            .ToList();
        Assert.Empty(httpShaped);

        var source = Path.Combine(RepositoryFiles.Root(), "src", "Grains");
        var literals = Directory.EnumerateFiles(source, "*.cs", SearchOption.AllDirectories)
            .Where(path => !path.Contains($"{Path.DirectorySeparatorChar}obj{Path.DirectorySeparatorChar}", StringComparison.Ordinal))
            .SelectMany(path => ErrorTypeLiteral().Matches(File.ReadAllText(path)).Select(match => $"{Path.GetFileName(path)}: {match.Value}"))
            .ToList();
        Assert.Empty(literals);
    }

    [GeneratedRegex("\"[a-z]+_error\"")]
    private static partial Regex ErrorTypeLiteral();
}
