using System;
using C2WebSocket.Protocol;

namespace C2WebSocket
{
    /// <summary>
    /// A double-ended queue of slots in chunks of <see cref="ChunkSize"/> (no node per message, and no ring that
    /// doubles: a queued signal costs its bytes, its object and one slot, issue 26). Chunks are added and dropped
    /// at either end; the array of chunks is small (one entry per 256 items).
    /// </summary>
    internal sealed class InboxLane
    {
        private const int ChunkBits = 8, ChunkSize = 1 << ChunkBits, ChunkMask = ChunkSize - 1;
        private InboxSlot[][] _chunks = new InboxSlot[1][];
        private int _chunkCount;
        private int _first; // index of the first item within _chunks[0]

        public InboxLane(StreamKey key) { Key = key; }
        public StreamKey Key { get; }
        public int Count { get; private set; }
        public int Data;
        public bool WantsRoom;

        public InboxSlot PeekFirst() => At(0);
        public InboxSlot PeekLast() => At(Count - 1);
        public InboxSlot At(int index)
        {
            var p = _first + index;
            return _chunks[p >> ChunkBits][p & ChunkMask];
        }

        public void AddLast(InboxSlot s)
        {
            var p = _first + Count;
            if ((p >> ChunkBits) == _chunkCount) InsertChunk(_chunkCount);
            _chunks[p >> ChunkBits][p & ChunkMask] = s;
            Count++;
        }

        public void AddFirst(InboxSlot s)
        {
            if (_first == 0)
            {
                InsertChunk(0);
                _first = ChunkSize;
            }
            _first--;
            _chunks[0][_first] = s;
            Count++;
        }

        public InboxSlot RemoveFirst()
        {
            var s = _chunks[0][_first];
            _chunks[0][_first] = default;
            _first++;
            Count--;
            if (Count == 0)
            {
                // Keep one chunk for the next items; give the rest back.
                for (var i = 1; i < _chunkCount; i++) _chunks[i] = null!;
                _chunkCount = Math.Min(_chunkCount, 1);
                _first = 0;
            }
            else if (_first == ChunkSize)
            {
                Array.Copy(_chunks, 1, _chunks, 0, _chunkCount - 1);
                _chunks[--_chunkCount] = null!;
                _first = 0;
            }
            return s;
        }

        private void InsertChunk(int at)
        {
            if (_chunkCount == _chunks.Length) Array.Resize(ref _chunks, _chunks.Length * 2);
            if (at < _chunkCount) Array.Copy(_chunks, at, _chunks, at + 1, _chunkCount - at);
            _chunks[at] = new InboxSlot[ChunkSize];
            _chunkCount++;
        }
    }
}
