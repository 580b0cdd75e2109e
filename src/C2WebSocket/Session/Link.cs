using System;
using System.Collections.Generic;
using System.Threading;
using C2WebSocket.Protocol;
using C2WebSocket.Transport;

namespace C2WebSocket
{
    /// <summary>
    /// One connection slot of a session and what the loop knows about it. A session has one; it opens more only when
    /// the server's messages do not name their strategy, so that each strategy is known by its connection. Its state
    /// changes only through the methods below, each one step of the slot's life (Idle → Connecting → Handshake → Ready
    /// → Backoff → Connecting ..., or Closed), so the fields stay consistent: a new attempt has a new
    /// <see cref="Gen"/> and no timer of the old one, a lost connection has no socket and no outstanding resubscribes,
    /// a shut slot has given back its budget. Only the session loop calls them (the <see cref="ConnectionSupervisor"/>,
    /// and the parts that note what a message or an ack says about its connection); the receive pump only reads its
    /// connection.
    /// </summary>
    internal sealed class Link
    {
        private readonly HashSet<string> _ambiguous = new HashSet<string>(StringComparer.Ordinal);
        private ITimer? _timer;

        public Link(int id, bool holdsBudget) { Id = id; HoldsBudget = holdsBudget; }

        public int Id { get; }
        /// <summary>Bumped for each connection attempt and at the shut: inputs of an older connection are ignored.</summary>
        public int Gen { get; private set; }
        public LinkState State { get; private set; }
        public IC2Connection? Connection { get; private set; }
        /// <summary>Connection attempts since the last connection that lived long enough.</summary>
        public int Attempt { get; private set; }
        /// <summary>When the current connection attempt started (TimeProvider timestamp).</summary>
        public long StartedTicks { get; private set; }
        /// <summary>When the last message arrived on the current connection (the watchdog's measure).</summary>
        public long LastFrameTicks { get; private set; }
        /// <summary>Why the loop aborted the connection (watchdog, handshake deadline): reported as the end reason.</summary>
        public string? AbortReason { get; private set; }
        public bool HandshakeTimedOut { get; private set; }
        /// <summary>Holds one of the key's connection slots (see <see cref="ConnectionBudget"/>).</summary>
        public bool HoldsBudget { get; private set; }
        /// <summary>Resubscribes sent after the last (re)connect and not yet answered: the session reads Connected only when none is left.</summary>
        public int ResubscribesOutstanding { get; private set; }
        /// <summary>The stream of the most recent acknowledged subscribe with resume_from: a <c>gap</c> that names no stream is its.</summary>
        public StreamKey? LastReplayAcked { get; private set; }
        /// <summary>When connection.connected arrived on the current connection (0 before).</summary>
        public long ReadyTicks { get; private set; }
        /// <summary>Messages received on the current connection after connection.connected.</summary>
        public int MessagesSinceReady { get; private set; }
        /// <summary>When the server last closed a connection of this slot with PolicyViolation (0 never).</summary>
        public long LastPolicyCloseTicks { get; private set; }
        private bool _everReady;

        /// <summary>Whether this link carries, on <paramref name="channel"/>, several strategies whose messages cannot be
        /// told apart (no budget left to split them).</summary>
        public bool IsAmbiguous(string channel) => _ambiguous.Contains(channel);

        public void MarkAmbiguous(string channel) => _ambiguous.Add(channel);

        /// <summary>A new connection attempt starts: the old attempt's timer is cancelled and its inputs are ignored from now on.</summary>
        /// <returns>The attempt's generation.</returns>
        public int BeginConnect(long now)
        {
            CancelTimer();
            State = LinkState.Connecting;
            StartedTicks = now;
            return ++Gen;
        }

        /// <summary>The WebSocket upgrade succeeded: waiting for connection.connected (the handshake deadline is armed next).</summary>
        public void Upgraded(IC2Connection connection, long now)
        {
            Connection = connection;
            State = LinkState.Handshake;
            HandshakeTimedOut = false;
            LastFrameTicks = now;
        }

        /// <summary>The timer of the current step (the handshake deadline, the reconnect delay); replaces any other.</summary>
        public void Arm(ITimer timer)
        {
            CancelTimer();
            _timer = timer;
        }

        private void CancelTimer()
        {
            _timer?.Dispose();
            _timer = null;
        }

        /// <summary>The handshake took too long: the connection is aborted with that reason.</summary>
        public void HandshakeExpired(string reason)
        {
            HandshakeTimedOut = true;
            Abort(reason);
        }

        /// <summary>The loop gives the connection up (watchdog, handshake deadline); its end is reported with <paramref name="reason"/>.</summary>
        public void Abort(string reason)
        {
            AbortReason = reason;
            Connection?.Abort();
        }

        /// <summary>A message arrived on the current connection.</summary>
        public void MessageArrived(long now)
        {
            LastFrameTicks = now;
            if (State == LinkState.Ready) MessagesSinceReady++;
        }

        /// <summary>connection.connected: the slot is usable.</summary>
        /// <returns>True when an earlier connection of this slot had been ready too (this is a reconnect).</returns>
        public bool Connected(long now)
        {
            CancelTimer();
            State = LinkState.Ready;
            ReadyTicks = now;
            MessagesSinceReady = 0;
            var reconnect = _everReady;
            _everReady = true;
            return reconnect;
        }

        /// <summary>The resubscribes just sent after a (re)connect: Connected once each is answered.</summary>
        public void ExpectResubscribes(int count) => ResubscribesOutstanding = count;

        /// <summary>A resubscribe was answered (acknowledged, refused or given up on).</summary>
        public void ResubscribeAnswered() => ResubscribesOutstanding--;

        public void ReplayAcked(StreamKey key) => LastReplayAcked = key;

        /// <summary>The server closed this slot's connection with PolicyViolation (1008) at <paramref name="now"/>.</summary>
        public void PolicyClosed(long now) => LastPolicyCloseTicks = now;

        /// <summary>The current connection ended: the socket is released and the slot waits to reconnect.</summary>
        /// <returns>Why it ended: the loop's own reason when the loop aborted it, else <paramref name="endReason"/>.</returns>
        public string Lost(string endReason)
        {
            var reason = AbortReason ?? endReason;
            AbortReason = null;
            CancelTimer();
            Connection?.Dispose();
            Connection = null;
            State = LinkState.Backoff;
            ResubscribesOutstanding = 0;
            return reason;
        }

        /// <summary>The connection lived long enough: the next failure counts as the first attempt again.</summary>
        public void ResetAttempts() => Attempt = 0;

        /// <summary>Counts one more reconnect attempt.</summary>
        public int NextAttempt() => ++Attempt;

        /// <summary>A reconnect is scheduled: <paramref name="timer"/> posts ReconnectDue for the current generation.</summary>
        public void WaitToReconnect(ITimer timer)
        {
            State = LinkState.Backoff;
            Arm(timer);
        }

        /// <summary>The slot is closed for good: timer cancelled, older inputs ignored, socket aborted.</summary>
        /// <returns>True when the slot held one of the key's connections, now given back by the caller.</returns>
        public bool Shut()
        {
            CancelTimer();
            Gen++;
            Connection?.Abort();
            Connection?.Dispose();
            Connection = null;
            State = LinkState.Closed;
            var held = HoldsBudget;
            HoldsBudget = false;
            return held;
        }

        public override string ToString() => "connection " + Id;
    }
}
