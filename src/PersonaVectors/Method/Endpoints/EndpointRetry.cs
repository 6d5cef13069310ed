using System.ClientModel;
using Anthropic.Exceptions;

namespace PersonaVectors.Method.Endpoints;

/// <summary>
/// The one retry rule for calls to remote models (judges and generators): rate limits (429), server errors (5xx),
/// dropped connections and timeouts are tried again with exponentially growing pauses; anything else fails at once.
/// </summary>
public static class EndpointRetry
{
    public static async Task<T> RunAsync<T>(Func<Task<T>> call, string what, int maxAttempts, TimeSpan firstBackoff, CancellationToken cancel)
    {
        var delay = firstBackoff;
        for (int attempt = 1; ; attempt++)
        {
            try { return await call(); }
            catch (Exception e) when (e is not OperationCanceledException || !cancel.IsCancellationRequested)
            {
                if (attempt < maxAttempts && Retryable(e))
                {
                    await Task.Delay(delay, cancel);
                    delay *= 2;
                    continue;
                }
                string status = e is ClientResultException c ? $" (HTTP {c.Status})" : "";
                throw new PersonaVectorsException($"{what} failed after {attempt} attempt(s){status}: {e.Message}", e);
            }
        }
    }

    /// <summary>Rate limits, server errors and timeouts are worth another try; other errors are not.</summary>
    public static bool Retryable(Exception e) => e switch
    {
        ClientResultException c => c.Status is 429 or >= 500 or 0,
        // The Anthropic SDK has retried these a couple of times already; a long run should still outlast a rate limit.
        AnthropicRateLimitException or Anthropic5xxException or AnthropicIOException => true,
        TimeoutException or HttpRequestException => true,
        _ => false,
    };
}
