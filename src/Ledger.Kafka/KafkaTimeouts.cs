using Confluent.Kafka;

namespace Ledger.Kafka;

/// <summary>
/// How fast every client notices a broker gone and finds it back, in one place: librdkafka's defaults
/// let one broker's restart stop the writers for a minute. Chosen and measured with the fault soak's
/// recovery figures (docs/soak.md): with the defaults, a broker down for 1-4 s stopped every decision
/// for 65 s, because a fetch sent as the broker went down was answered never and waited out the
/// 60 s socket timeout.
/// </summary>
public static class KafkaTimeouts
{
    /// <summary>A request unanswered this long is failed and sent again on a new connection (librdkafka:
    /// 60,000). Every request the ledger makes is answered in milliseconds by a live broker (fetches wait
    /// <see cref="KafkaClients.FetchWaitMaxMsDefault"/>); what takes longer is a connection half dead.</summary>
    public const int SocketTimeoutMs = 3_000;

    /// <summary>Longest a connection may take to be set up, TCP and handshake (librdkafka: 30,000).</summary>
    public const int ConnectionSetupTimeoutMs = 5_000;

    /// <summary>First wait before connecting again to a broker that went away (librdkafka: 100)...</summary>
    public const int ReconnectBackoffMs = 50;

    /// <summary>...doubling up to this (librdkafka: 10,000), so a broker back after a few seconds is found
    /// within half a second, not ten.</summary>
    public const int ReconnectBackoffMaxMs = 500;

    /// <summary>How long a group member may stay silent before its partitions go to another (librdkafka:
    /// 45,000; Kafka brokers accept no less than 6,000 by default). A writer killed with kill -9 holds its
    /// partitions this long before a standby or its restarted self may take them.</summary>
    public const int SessionTimeoutMs = 6_000;

    /// <summary>A member's heartbeat (librdkafka: 3,000): several per session, so one late beat under load
    /// does not cost the partitions.</summary>
    public const int HeartbeatIntervalMs = 1_000;

    public static T Apply<T>(T config) where T : ClientConfig
    {
        config.SocketTimeoutMs = SocketTimeoutMs;
        config.SocketConnectionSetupTimeoutMs = ConnectionSetupTimeoutMs;
        config.ReconnectBackoffMs = ReconnectBackoffMs;
        config.ReconnectBackoffMaxMs = ReconnectBackoffMaxMs;
        return config;
    }

    public static ConsumerConfig Apply(ConsumerConfig config)
    {
        Apply<ConsumerConfig>(config);
        config.SessionTimeoutMs = SessionTimeoutMs;
        config.HeartbeatIntervalMs = HeartbeatIntervalMs;
        return config;
    }
}
