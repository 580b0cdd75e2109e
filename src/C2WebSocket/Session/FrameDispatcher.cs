using System;
using System.Threading;
using C2WebSocket.Protocol;

namespace C2WebSocket
{
    /// <summary>
    /// The first stop of every server message: decode the envelope, answer heartbeats, note the protocol version and the
    /// server's clock, and hand the message to the part whose job it is (data to the <see cref="StreamRouter"/>, acks
    /// and errors to <see cref="ServerReplies"/>, gaps to <see cref="StreamDelivery"/>, connection.connected to the
    /// <see cref="ConnectionSupervisor"/>). Owns whether the version warning was given. Runs on the loop.
    /// </summary>
    internal sealed class FrameDispatcher : SessionPart
    {
        private readonly ConnectionSupervisor _connections;
        private readonly ServerReplies _replies;
        private readonly StreamRouter _router;
        private readonly StreamDelivery _delivery;
        private bool _versionWarned;

        public FrameDispatcher(SessionContext context, ConnectionSupervisor connections, ServerReplies replies, StreamRouter router, StreamDelivery delivery)
            : base(context)
        {
            _connections = connections;
            _replies = replies;
            _router = router;
            _delivery = delivery;
        }

        /// <summary>A message that arrived at <paramref name="now"/> (the messages of a batch share one clock read).</summary>
        internal void OnMessage(Link link, int gen, byte[] data, bool binary, long now)
        {
            if (gen != link.Gen || link.Connection == null) return; // a frame of a connection already replaced
            Context.FrameTicks = now;
            link.MessageArrived(now);
            Volatile.Write(ref _session._lastFrameTicks, link.LastFrameTicks);
            _counters.Inc(ref _counters.MessagesReceived);
            if (binary)
            {
                Malformed("BinaryFrame", SessionTexts.BinaryFrame(data.Length));
                return;
            }
            Envelope env;
            try { env = EnvelopeReader.Decode(data, data.Length); }
            catch (ProtocolException ex)
            {
                Malformed(ex.Reason, ex.Message);
                return;
            }
            if (env.Malformed != null)
            {
                Malformed("WrongFieldType", SessionTexts.WrongFieldType(env.UnknownType ?? env.Kind.ToString(), env.Malformed));
                // A heartbeat is still answered: the server closes connections that miss one.
                if (env.Kind != MessageKind.Heartbeat) return;
            }
            if (env.Version is int v) NoteVersion(v);

            switch (env.Kind)
            {
                case MessageKind.Signal:
                case MessageKind.Positions:
                    _router.OnData(link, env, data);
                    break;
                case MessageKind.Heartbeat:
                    OnHeartbeat(link, env, data);
                    break;
                case MessageKind.Connected:
                    SampleClock(env.ParseTimestamp(data));
                    _connections.OnLinkConnected(link);
                    break;
                case MessageKind.Ack:
                    _replies.OnAck(link, env, data);
                    break;
                case MessageKind.Error:
                    _replies.OnError(link, env, data);
                    break;
                case MessageKind.Gap:
                    _delivery.OnGap(link, env, data);
                    break;
                case MessageKind.Disconnected:
                    _diag.Verbose(SessionTexts.DisconnectAnnounced(Label, link));
                    break;
                default:
                    _counters.Inc(ref _counters.UnknownMessages);
                    Debug(SessionTexts.UnknownType(Label, env.UnknownType));
                    break;
            }
        }

        private void OnHeartbeat(Link link, in Envelope env, byte[] data)
        {
            _counters.Inc(ref _counters.HeartbeatsReceived);
            _session.LastHeartbeatAt = _time.GetUtcNow();
            SampleClock(env.ParseTimestamp(data));
            link.Connection!.Send(ClientMessages.HeartbeatAck(_clock.Now));
            _connections.AimWatchdog(link.LastFrameTicks); // the deadline moved: the watchdog need not wake the loop while heartbeats come
            _counters.Inc(ref _counters.HeartbeatAcksSent);
            if (FrameDebugSlot()) _diag.Debug(SessionTexts.HeartbeatAnswered(Label, link)); // text built only when it may be written
        }

        private void SampleClock(DateTimeOffset? serverTimestamp)
        {
            if (!(_clock.Sample(serverTimestamp) is TimeSpan offset)) return;
            _diag.Verbose(SessionTexts.ClockOffset(Label, offset));
        }

        private void NoteVersion(int version)
        {
            if (_session.ServerVersion != version) _session.ServerVersion = version; // every message carries it: a new snapshot only when it changes
            if (version == ProtocolLimits.ProtocolVersion || _versionWarned) return;
            _versionWarned = true;
            _diag.Add(C2DiagnosticLevel.Warning, C2DiagnosticCode.ProtocolVersion, SessionTexts.OtherProtocolVersion(version));
        }

        internal void Malformed(string reason, string detail)
        {
            _counters.Inc(ref _counters.Malformed);
            var text = SessionTexts.Malformed(Label, reason, EnvelopeReader.Truncate(detail, 300));
            _diag.Add(C2DiagnosticLevel.Verbose, C2DiagnosticCode.MalformedMessage, text);
        }
    }
}
