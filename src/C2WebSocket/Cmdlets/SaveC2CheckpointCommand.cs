using System;
using System.Collections.Generic;
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
                ThrowTerminatingError(Error(C2ErrorId.CheckpointNotEnabled, new InvalidOperationException(CmdletTexts.NoCheckpointShort), _session,
                    CmdletTexts.NoCheckpoint(_session.Id)));
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
                    var text = CmdletTexts.ForeignSignal(message, _session.Id, _session.CheckpointPath);
                    var ex = new ArgumentException(CmdletTexts.ForeignSignalShort, nameof(InputObject));
                    ThrowTerminatingError(Error(C2ErrorId.CheckpointForeignSignal, ex, message, text));
                    return;
                }
                if (message.Source == C2StreamMessage.SourceHistory && message.FilledGap != null)
                {
                    // An order written from history in a range's place: saving it says the range is done up to its time.
                    var position = _session.Marks.HistoryPosition(message.FilledGap, message.Timestamp, History.OrderFacts.SignalIdOf(message));
                    if (position is StreamPosition p) _items.Add(new KeyValuePair<StreamKey, StreamPosition>(message.Key, p));
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
            if (_positions > 0) WriteVerbose(CmdletTexts.PassedOver(_positions));
            var targets = _items.GroupBy(i => i.Key).Select(g => CmdletTexts.SaveTarget(g.Key, g.Max(i => i.Value.Seq))).ToList();
            if (targets.Count == 0 || !ShouldProcess(string.Join(", ", targets) + " in " + _session.CheckpointPath, "Save checkpoint"))
            {
                base.EndProcessing();
                return;
            }
            List<KeyValuePair<StreamKey, StreamPosition>> saved;
            try { saved = _session.Checkpoint.Save(_items); }
            catch (C2CheckpointSaveException ex) { ThrowTerminatingError(Error(ex.ErrorId, ex, ex.Target, ex.Message)); return; }
            catch (Exception ex) when (ex is System.IO.IOException || ex is UnauthorizedAccessException)
            {
                var text = CmdletTexts.SaveFailed(_session.CheckpointPath, ex.Message);
                ThrowTerminatingError(Error(C2ErrorId.CheckpointWriteFailed, ex, _session.CheckpointPath, text));
                return;
            }
            foreach (var kv in saved) WriteVerbose(CmdletTexts.Saved(kv.Key, kv.Value.Seq));
            if (saved.Count < targets.Count) WriteVerbose(CmdletTexts.AlreadySaved(targets.Count - saved.Count));
            base.EndProcessing();
        }
    }
}
