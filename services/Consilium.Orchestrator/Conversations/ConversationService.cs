using Consilium.Contracts;
using Consilium.Council;
using Consilium.Council.Conversations;
using Consilium.Council.Pricing;
using Consilium.Council.Tension;
using Consilium.Orchestrator.Council;
using Consilium.Orchestrator.Http;
using Consilium.Orchestrator.Sessions;
using Consilium.Streaming;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Options;

namespace Consilium.Orchestrator.Conversations;

/// <summary>
/// Opens rounds (checks and claims them, plans each agent's thread) and records them when they end: once per round,
/// with every agent's full answer, the map with who moved, usage and cost; then the claim is released.
/// </summary>
public sealed partial class ConversationService(
    IConversationStore store,
    IOptions<ConversationOptions> options,
    IOptions<CouncilOptions> council,
    TimeProvider time,
    ILogger<ConversationService> logger)
{
    /// <summary>How long a round's claim lasts if its replica dies: the council's longest run plus a minute.</summary>
    private TimeSpan Lease => council.Value.Timeout + TimeSpan.FromMinutes(1);

    /// <summary>
    /// Starts a new conversation or claims the next round of one; a problem when the round may not start.
    /// <c>Stored</c> completes once a new conversation and its round's claim are written, or the store was found
    /// unreachable (which a first question survives): the council may start meanwhile, since nothing it asks depends
    /// on the write, but no client may learn the conversation's id before it (a follow-up could find no conversation,
    /// or a second round start beside the first). The write is not cancelled with the request: it is one round trip.
    /// </summary>
    public async Task<(RoundPlan? Plan, ProblemHttpResult? Problem, Task Stored)> BeginAsync(CouncilRequest request, CancellationToken cancellationToken)
    {
        var mode = request.Mode ?? ConversationModes.Ask;
        var claimId = SessionCredentials.NewSessionId();
        var value = options.Value;
        if (request.ConversationId is null)
        {
            var now = time.GetUtcNow();
            var seats = request.Seats();
            var fresh = new Conversation(SessionCredentials.NewSessionId(), now, now, [.. seats.Select(s => s.Id)], []);
            var stored = StartFreshAsync(fresh, claimId, value.Retention);
            return (RoundPlan.Next(fresh, claimId, mode, request.Message, seats, value.AgentThreadMaxTokens), null, stored);
        }
        var (plan, problem) = await BeginFollowUpAsync(request, mode, claimId, cancellationToken).ConfigureAwait(false);
        return (plan, problem, Task.CompletedTask);
    }

    private async Task StartFreshAsync(Conversation fresh, string claimId, TimeSpan retention)
    {
        try
        {
            await store.StartAsync(fresh, claimId, Lease, retention, CancellationToken.None).ConfigureAwait(false);
        }
        catch (SessionStoreUnavailableException ex)
        {
            // A first question runs while Redis is down, like any council (docs/streaming.md); the round is
            // stored when it ends if Redis is back by then. Only follow-ups need the store.
            LogStoreDown(fresh.ConversationId, ex.Message);
        }
    }

    private async Task<(RoundPlan? Plan, ProblemHttpResult? Problem)> BeginFollowUpAsync(
        CouncilRequest request, string mode, string claimId, CancellationToken cancellationToken)
    {
        var value = options.Value;

        var id = request.ConversationId!;
        if (!SessionCredentials.IsWellFormed(id))
        {
            return (null, UnknownConversation(id));
        }
        if (!await store.TryClaimRoundAsync(id, claimId, Lease, cancellationToken).ConfigureAwait(false))
        {
            return await store.GetAsync(id, cancellationToken).ConfigureAwait(false) is null
                ? (null, UnknownConversation(id))
                : (null, Conflict("Round still running", $"The previous round of conversation '{id}' is still running. Wait for its 'done' (or 'error') event, then ask again."));
        }
        var problem = await CheckAsync(id, request, mode, cancellationToken).ConfigureAwait(false);
        if (problem.Problem is not null)
        {
            await store.ReleaseRoundAsync(id, claimId, CancellationToken.None).ConfigureAwait(false);
            return (null, problem.Problem);
        }
        var conversation = problem.Conversation!;
        var asked = request.Agents is null
            ? [.. Roster.All.Where(agent => conversation.Roster.Contains(agent.Id))]
            : request.Seats();
        return (RoundPlan.Next(conversation, claimId, mode, request.Message, asked, value.AgentThreadMaxTokens), null);
    }

    private async Task<(Conversation? Conversation, ProblemHttpResult? Problem)> CheckAsync(
        string id, CouncilRequest request, string mode, CancellationToken cancellationToken)
    {
        var conversation = await store.GetAsync(id, cancellationToken).ConfigureAwait(false);
        if (conversation is null)
        {
            return (null, UnknownConversation(id));
        }
        var max = options.Value.MaxRounds;
        if (conversation.Rounds.Count >= max)
        {
            return (null, Conflict("Round limit reached", $"Conversation '{id}' has had {conversation.Rounds.Count} rounds, the most allowed (CONVERSATION_MAX_ROUNDS = {max}). Start a new conversation: POST /api/consilium without 'conversationId'."));
        }
        var strangers = request.Agents?.Where(agent => !conversation.Roster.Contains(agent!)).ToArray() ?? [];
        if (strangers.Length > 0)
        {
            return (null, BodyProblems.BadRequest(
                $"'agents' names {string.Join(", ", strangers.Select(s => $"'{s}'"))}, not in this conversation's roster. Ask some of: {string.Join(", ", conversation.Roster)}; or start a new conversation with them."));
        }
        if (mode == ConversationModes.Rebuttal && conversation.LatestStances().Count == 0)
        {
            return (null, Conflict("Nothing to rebut", $"Conversation '{id}' has no stance to rebut yet: no agent has answered with one. Ask a question first."));
        }
        return (conversation, null);
    }

    /// <summary>Agents of the roster not asked this round, with the last stance they keep.</summary>
    public static IReadOnlyList<AgentVerdict> Carried(RoundPlan plan)
    {
        var latest = plan.Conversation.LatestStances();
        return [.. plan.Conversation.Roster
            .Where(id => plan.Seats.All(seat => seat.Id != id) && latest.ContainsKey(id))
            .Select(id => AgentVerdict.Answered(id, latest[id]))];
    }

    /// <summary>The map of a round with who moved and who held, who was not asked, and each axis's follow-up.</summary>
    public static TensionMap Annotate(TensionMap map, RoundPlan plan)
    {
        var asked = plan.Seats.Select(seat => seat.Id).ToArray();
        var previous = plan.Conversation.LatestStances().ToDictionary(pair => pair.Key, pair => RoundPlan.Position(pair.Value), StringComparer.Ordinal);
        var current = map.Positions.Where(pair => asked.Contains(pair.Key)).ToDictionary(pair => pair.Key, pair => pair.Value, StringComparer.Ordinal);
        var shifts = StanceShifts.Compute(asked, previous, current);
        return map with
        {
            Axes = CruxFollowUp.Attach(map.Axes),
            Shifts = shifts.Shifts,
            Moved = shifts.Moved,
            Held = shifts.Held,
            NotAsked = [.. map.Agents.Where(id => !asked.Contains(id))],
        };
    }

    /// <summary>
    /// Appends the round to its conversation, refreshes the retention and releases the claim; never throws. When the
    /// store is unreachable the round is kept in memory and written in the background once it is back (at most for
    /// the claim's lease), so an outage at the end of a council delays its record instead of losing it.
    /// </summary>
    public async Task RecordAsync(
        CouncilSession session, IReadOnlyList<AgentAnswer> answers, IReadOnlyList<bool> succeeded, TensionMap? map,
        Usage usage, Cost cost, DateTimeOffset startedAt, string outcome)
    {
        if (session.Conversation is not { } plan)
        {
            return;
        }
        var rounded = cost.Rounded();
        var round = new ConversationRound(
            plan.Round, session.SessionId, plan.Mode, plan.Question, [.. plan.Seats.Select(s => s.Id)], startedAt, time.GetUtcNow(), outcome,
            [.. answers.Select((answer, i) =>
            {
                var brief = plan.Briefs[answer.Agent.Id];
                return new RoundAnswer(
                    answer.Agent.Id, brief.Prompt, answer.Text, answer.ReadStance(), answer.Model.Length > 0 ? answer.Model : null,
                    answer.TotalUsage(), i < succeeded.Count && succeeded[i], brief.History.Count, brief.DroppedExchanges);
            })],
            map, map?.Synthesis, usage, rounded.Usd, rounded.CacheSavingsUsd);
        if (await TryWriteAsync(plan, round).ConfigureAwait(false) is { } unavailable)
        {
            LogRecordPending(plan.ConversationId, plan.Round, unavailable.Message, Lease.TotalMinutes);
            _ = RetryAsync(plan, round);
        }
    }

    /// <summary>Writes the round and releases the claim; null when done (or failed for good, logged), else the store's outage.</summary>
    private async Task<SessionStoreUnavailableException?> TryWriteAsync(RoundPlan plan, ConversationRound round)
    {
        var released = false;
        try
        {
            var now = time.GetUtcNow();
            // While the claim is ours the stored conversation is the one the round started from: no other round can
            // have been added, so it is written back with this round and the claim released in one step.
            Conversation WithRound(Conversation conversation) => conversation with { UpdatedAt = now, Rounds = [.. conversation.Rounds, round] };
            released = await store.SaveRoundAsync(WithRound(plan.Conversation), plan.ClaimId, options.Value.Retention, CancellationToken.None).ConfigureAwait(false);
            if (!released)
            {
                // The claim lapsed or was never taken (the store was down when the round began): whatever is stored now
                // is kept and this round appended to it.
                var current = await store.GetAsync(plan.ConversationId, CancellationToken.None).ConfigureAwait(false) ?? plan.Conversation;
                await store.SaveAsync(WithRound(current), options.Value.Retention, CancellationToken.None).ConfigureAwait(false);
            }
        }
        catch (SessionStoreUnavailableException ex)
        {
            return ex; // the claim stays ours: the next attempt writes the round and releases it
        }
        catch (Exception ex)
        {
            LogRecordFailed(plan.ConversationId, plan.Round, ex);
        }
        if (!released)
        {
            try
            {
                await store.ReleaseRoundAsync(plan.ConversationId, plan.ClaimId, CancellationToken.None).ConfigureAwait(false);
            }
            catch (Exception ex)
            {
                LogRecordFailed(plan.ConversationId, plan.Round, ex);
            }
        }
        return null;
    }

    /// <summary>The first wait before a record is tried again; it doubles up to <see cref="RecordRetryMax"/>.</summary>
    public static readonly TimeSpan RecordRetryMin = TimeSpan.FromSeconds(1);

    public static readonly TimeSpan RecordRetryMax = TimeSpan.FromSeconds(30);

    private async Task RetryAsync(RoundPlan plan, ConversationRound round)
    {
        var begun = time.GetTimestamp();
        var delay = RecordRetryMin;
        while (time.GetElapsedTime(begun) + delay <= Lease)
        {
            await Task.Delay(delay, time).ConfigureAwait(false);
            if (await TryWriteAsync(plan, round).ConfigureAwait(false) is null)
            {
                LogRecordedLate(plan.ConversationId, plan.Round, time.GetElapsedTime(begun).TotalSeconds);
                return;
            }
            delay = delay * 2 < RecordRetryMax ? delay * 2 : RecordRetryMax;
        }
        LogRecordLost(plan.ConversationId, plan.Round, Lease.TotalMinutes);
    }

    /// <summary>Gives up a claimed round that never started (the council could not be created).</summary>
    public Task AbandonAsync(RoundPlan plan) => store.ReleaseRoundAsync(plan.ConversationId, plan.ClaimId, CancellationToken.None);

    public ProblemHttpResult UnknownConversation(string id) => Problems.NotFound(
        "Unknown conversation",
        $"There is no conversation '{id}': it never existed or its latest round ended more than {options.Value.Retention.TotalDays:0.##} days ago (CONVERSATION_RETENTION). Start a new one: POST /api/consilium without 'conversationId'.");

    private static ProblemHttpResult Conflict(string title, string detail) =>
        TypedResults.Problem(detail, statusCode: StatusCodes.Status409Conflict, title: title);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Conversation {ConversationId}: not stored at its start: {Reason}")]
    private partial void LogStoreDown(string conversationId, string reason);

    [LoggerMessage(Level = LogLevel.Error, Message = "Conversation {ConversationId}: recording round {Round} failed")]
    private partial void LogRecordFailed(string conversationId, int round, Exception exception);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Conversation {ConversationId}: round {Round} is not recorded yet ({Reason}); it is tried again in the background for up to {Minutes} min")]
    private partial void LogRecordPending(string conversationId, int round, string reason, double minutes);

    [LoggerMessage(Level = LogLevel.Information, Message = "Conversation {ConversationId}: round {Round} recorded {Seconds:0.#} s late, the store is back")]
    private partial void LogRecordedLate(string conversationId, int round, double seconds);

    [LoggerMessage(Level = LogLevel.Error, Message = "Conversation {ConversationId}: round {Round} was not recorded; the store stayed unreachable for {Minutes} min")]
    private partial void LogRecordLost(string conversationId, int round, double minutes);
}
