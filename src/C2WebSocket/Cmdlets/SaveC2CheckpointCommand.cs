using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Management.Automation;
using C2WebSocket.Protocol;

namespace C2WebSocket.Commands
{
    /// <summary><para type="synopsis">Says which signals a script has finished with: the session's checkpoint advances to them.</para></summary>
    /// <remarks>
    /// Saving seq_id N of a strategy means everything up to N of that stream is done. Each strategy moves to the highest
    /// seq_id given, only forward. Everything piped in is checked first and saved when the pipeline ends, one small
    /// journal write per strategy before the command returns (durable against a killed process at once; compacted into
    /// the checkpoint file, with fsync, when the session closes or the stream changes owner).
    /// </remarks>
    [Cmdlet(VerbsData.Save, "C2Checkpoint", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Low, DefaultParameterSetName = "Signal")]
    [OutputType(typeof(void))]
    public sealed class SaveC2CheckpointCommand : C2SessionCmdletBase
    {
        /// <summary>Signals Receive-C2Signal delivered (position updates are not checkpointed and are passed over).</summary>
        [Parameter(ParameterSetName = "Signal", Mandatory = true, Position = 0, ValueFromPipeline = true)]
        [ValidateNotNull]
        public C2StreamMessage[]? InputObject { get; set; }

        [Parameter(ParameterSetName = "SeqId", Mandatory = true)]
        [ArgumentCompleter(typeof(StrategyIdCompleter))]
        [StrategyIdTransformation(Single = true)]
        [ValidateRange(1, long.MaxValue)]
        public long StrategyId { get; set; }

        [Parameter(ParameterSetName = "SeqId", Mandatory = true)]
        [ValidateRange(1, long.MaxValue)]
        public long SeqId { get; set; }

        /// <summary>The session whose checkpoint to advance; by default the runspace's default session. Not taken from
        /// the pipeline: the signals piped in are what is saved.</summary>
        [Parameter]
        [ArgumentCompleter(typeof(SessionCompleter))]
        [SessionTransformation]
        [ValidateNotNull]
        public override C2Session? Session { get => base.Session; set => base.Session = value; }

        private readonly List<KeyValuePair<StreamKey, StreamPosition>> _items = new List<KeyValuePair<StreamKey, StreamPosition>>();
        private C2Session? _session;
        private int _positions;

        protected override void ProcessRecord()
        {
            _session ??= ResolveSession();
            var checkpoint = _session.Checkpoint;
            if (checkpoint == null)
            {
                ThrowTerminatingError(Error(C2ErrorId.CheckpointNotEnabled, new InvalidOperationException("No checkpoint."), _session,
                    "Session " + _session.Id.ToString(CultureInfo.InvariantCulture) + " has no checkpoint: connect with -CheckpointPath (and -ManualCheckpoint to save only with Save-C2Checkpoint)."));
                return;
            }
            if (ParameterSetName == "SeqId")
            {
                var key = new StreamKey(Channels.Signal, StrategyId);
                var emitted = checkpoint.EmittedOf(key);
                var at = emitted.HasValue && emitted.Value.Seq == SeqId ? emitted.Value.At : null;
                _items.Add(new KeyValuePair<StreamKey, StreamPosition>(key, new StreamPosition(emitted?.Epoch ?? 0, SeqId, at)));
                return;
            }
            foreach (var message in InputObject!)
            {
                if (message.SessionId != _session.Id)
                {
                    ThrowTerminatingError(Error(C2ErrorId.CheckpointForeignSignal, new ArgumentException("Signal of another session.", nameof(InputObject)), message,
                        "Cannot save " + message + ": session " + message.SessionId.ToString(CultureInfo.InvariantCulture) + " delivered it, not session " +
                        _session.Id.ToString(CultureInfo.InvariantCulture) + (_session.CheckpointPath != null ? " (checkpoint '" + _session.CheckpointPath + "')" : "") +
                        ". Save each signal with the session that delivered it: -Session " + message.SessionId.ToString(CultureInfo.InvariantCulture) + ". Nothing was saved."));
                    return;
                }
                if (message.Source == C2StreamMessage.SourceHistory && message.FilledGap != null)
                {
                    // An order written from history in a range's place: saving it says the range is done up to its time.
                    if (_session.Marks.HistoryPosition(message.FilledGap, message.Timestamp, History.OrderFacts.SignalIdOf(message)) is StreamPosition p) _items.Add(new KeyValuePair<StreamKey, StreamPosition>(message.Key, p));
                    else _positions++;
                    continue;
                }
                if (message.Channel != Channels.Signal || !message.SeqId.HasValue || !message.StrategyId.HasValue) { _positions++; continue; }
                _items.Add(new KeyValuePair<StreamKey, StreamPosition>(message.Key, new StreamPosition(message.Epoch, message.SeqId.Value, message.Timestamp,
                    _session.Options.FillGapsFromHistory ? History.OrderFacts.SignalIdOf(message) : null)));
            }
        }

        protected override void EndProcessing()
        {
            if (_session?.Checkpoint == null) { base.EndProcessing(); return; }
            if (_positions > 0) WriteVerbose("Save-C2Checkpoint: " + _positions.ToString(CultureInfo.InvariantCulture) + " object(s) without a checkpoint position (position updates, or history orders of a range that does not start at the stream's position) passed over.");
            var targets = _items.GroupBy(i => i.Key).Select(g => g.Key + " up to seq_id " + g.Max(i => i.Value.Seq).ToString(CultureInfo.InvariantCulture)).ToList();
            if (targets.Count == 0 || !ShouldProcess(string.Join(", ", targets) + " in " + _session.CheckpointPath, "Save checkpoint")) { base.EndProcessing(); return; }
            List<KeyValuePair<StreamKey, StreamPosition>> saved;
            try { saved = _session.Checkpoint.Save(_items); }
            catch (C2CheckpointSaveException ex) { ThrowTerminatingError(Error(ex.ErrorId, ex, ex.Target, ex.Message)); return; }
            catch (Exception ex) when (ex is System.IO.IOException || ex is UnauthorizedAccessException)
            {
                ThrowTerminatingError(Error(C2ErrorId.CheckpointWriteFailed, ex, _session.CheckpointPath, "Could not save to the checkpoint '" + _session.CheckpointPath + "': " + ex.Message + " Nothing was saved."));
                return;
            }
            foreach (var kv in saved) WriteVerbose("Save-C2Checkpoint: " + kv.Key + " saved up to seq_id " + kv.Value.Seq.ToString(CultureInfo.InvariantCulture) + ".");
            if (saved.Count < targets.Count) WriteVerbose("Save-C2Checkpoint: " + (targets.Count - saved.Count).ToString(CultureInfo.InvariantCulture) + " stream(s) were already saved that far or further (a checkpoint only moves forward).");
            base.EndProcessing();
        }
    }
}
