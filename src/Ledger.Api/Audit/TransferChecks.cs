using Ledger.Domain;
using Ledger.Domain.Transfers;
using Ledger.Kafka;

namespace Ledger.Api.Audit;

/// <summary>
/// Every transfer's saga, on ledger.events (the source of truth, read after the store's snapshot, so a
/// projector behind on one partition is not a difference):
/// - every credit decision (credited or refused) has its debit, with the same receiver, asset and
///   amount, and every refund has its refused credit: a credit without its debit creates money;
/// - once the saga has settled, every debit has its credit decision and every refused credit its refund.
///   A step still to be decided is in flight, not missing, while its command is on ledger.commands
///   where the writers have not reached yet; it differs when the writers passed its command without
///   deciding it, or when its command was never sent.
/// Steps are matched by transfer (sender and transfer id), as the writers remember them.
/// </summary>
internal static class TransferChecks
{
    private sealed class Saga
    {
        public TransferStep? Debited;
        public TransferStep? CreditDecided;
        public bool CreditRefused;
        public TransferStep? Refunded;
    }

    /// <summary>The sagas on the log, and the commands of the steps they still wait for (looked up on ledger.commands).</summary>
    public sealed class Sagas
    {
        private readonly Dictionary<(string FromUserId, string TransferId), Saga> _byTransfer = new();

        public int Count => _byTransfer.Count;

        public static Sagas Of(EventLog log)
        {
            var sagas = new Sagas();
            foreach (var partition in log.ByOffset)
                foreach (var (_, logged) in partition.OrderBy(e => e.Key))
                    if (logged.Transfer is { } step) sagas.Add(logged.Type, step);
            return sagas;
        }

        private void Add(string type, TransferStep step)
        {
            var key = (step.FromUserId, step.TransferId);
            if (!_byTransfer.TryGetValue(key, out var saga)) _byTransfer[key] = saga = new Saga();
            switch (type)
            {
                case nameof(TransferDebited): saga.Debited = step; break;
                case nameof(TransferCredited): saga.CreditDecided = step; break;
                case nameof(TransferCreditRejected): saga.CreditDecided = step; saga.CreditRefused = true; break;
                case nameof(TransferRefunded): saga.Refunded = step; break;
            }
        }

        /// <summary>The command ids of the steps still to be decided: the credit of a debit with no credit
        /// decision, the refund of a refused credit with no refund. Their ids are derived from the transfer.</summary>
        public IReadOnlySet<Guid> AwaitedCommands() => _byTransfer.Values.Select(AwaitedCommand).OfType<Guid>().ToHashSet();

        private static Guid? AwaitedCommand(Saga saga)
        {
            if (saga.Debited is { } debited && saga.CreditDecided is null)
                return TransferSaga.NameBasedId(TransferSaga.IdempotencyKeyOf(debited.FromUserId, debited.TransferId, TransferSaga.CreditStep));
            if (saga.CreditRefused && saga.Refunded is null && saga.CreditDecided is { } refused)
                return TransferSaga.NameBasedId(TransferSaga.IdempotencyKeyOf(refused.FromUserId, refused.TransferId, TransferSaga.RefundStep));
            return null;
        }

        /// <param name="deletedBefore">Per partition, the first offset the broker still holds: a step
        /// on a partition whose start was deleted may be missing only because it was deleted.</param>
        public AuditCheck Check(CommandChecks.Coverage commands, long[] deletedBefore, AuditOptions options)
        {
            var partitions = deletedBefore.Length;
            var findings = new CheckFindings("transfers_complete",
                "every transfer credit (or refused credit) has its debit and every refund its refused credit, with the same details; " +
                "every debit is credited or refunded once its next step's command has been reached",
                options.ExamplesMax);
            foreach (var saga in _byTransfer.Values)
            {
                var sender = (saga.Debited ?? saga.CreditDecided ?? saga.Refunded)!.FromUserId;
                if (saga.Debited is null && deletedBefore[UserPartitioner.PartitionOf(sender, partitions)] > 0) continue;
                findings.Checked++;
                if (Problem(saga, commands) is { } problem) findings.Differ(problem);
            }
            return findings.Result();
        }

        private static string? Problem(Saga saga, CommandChecks.Coverage commands)
        {
            var (debited, credit, refund) = (saga.Debited, saga.CreditDecided, saga.Refunded);
            if (credit is not null && debited is null) return $"{credit}: its credit was decided, but it was never debited";
            if (credit is not null && credit != debited) return $"{debited}: its credit was decided for another transfer ({credit})";
            if (refund is not null && !saga.CreditRefused) return $"{refund}: refunded, but its credit was never refused";
            if (refund is not null && refund != debited) return $"{debited}: refunded as another transfer ({refund})";
            if (AwaitedCommand(saga) is not { } awaited) return null;
            var step = credit is null ? "credit" : "refund";
            if (!commands.Found.TryGetValue(awaited, out var at))
                return $"{debited ?? credit}: its {step} (command {awaited}) was never sent";
            return at.Offset < commands.ReachedUpTo[at.Partition]
                ? $"{debited ?? credit}: its {step} (command {awaited}, ledger.commands/{at.Partition}/{at.Offset}) was passed by the writers without a decision"
                : null; // in flight: the writer of that partition has not reached it yet
        }
    }
}
