namespace C2WebSocket
{
    /// <summary>
    /// The duplicate window of a stream: the id hashes of the last <c>capacity</c> messages, oldest forgotten first.
    /// A ring of the hashes and an open-addressing index into it (linear probing, backward-shift removal): 12 bytes per
    /// id at twice the capacity, made on the first id, and no allocation after that (a HashSet and a Queue cost about
    /// 50 bytes per id and grew with the first messages of every stream; issue 26, memory per queued signal).
    /// </summary>
    internal sealed class IdWindow
    {
        private readonly int _capacity;
        private ulong[]? _ring;
        private int[]? _index; // ring position + 1; 0 = empty
        private int _head, _count, _mask;

        public IdWindow(int capacity) { _capacity = capacity; }

        public int Count => _count;

        public bool Contains(ulong id) => _ring != null && Find(id) >= 0;

        /// <summary>Adds an id not yet in the window (false when it is); past the capacity the oldest is forgotten.</summary>
        public bool Add(ulong id)
        {
            if (_ring == null)
            {
                _ring = new ulong[_capacity];
                var size = 4;
                while (size < _capacity * 2) size <<= 1;
                _index = new int[size];
                _mask = size - 1;
            }
            else if (Find(id) >= 0) return false;
            int at;
            if (_count == _capacity)
            {
                at = _head;
                RemoveAt(Find(_ring[at]));
                _head = (_head + 1) % _capacity;
            }
            else
            {
                at = (_head + _count) % _capacity;
                _count++;
            }
            _ring[at] = id;
            var i = Home(id);
            while (_index![i] != 0) i = (i + 1) & _mask;
            _index[i] = at + 1;
            return true;
        }

        public void Clear()
        {
            _ring = null;
            _index = null;
            _head = _count = 0;
        }

        private int Home(ulong id) => (int)(id ^ (id >> 32)) & _mask;

        /// <summary>The index slot that holds <paramref name="id"/>, or -1.</summary>
        private int Find(ulong id)
        {
            var i = Home(id);
            while (true)
            {
                var e = _index![i];
                if (e == 0) return -1;
                if (_ring![e - 1] == id) return i;
                i = (i + 1) & _mask;
            }
        }

        /// <summary>Empties slot <paramref name="i"/> and moves later entries of the probe run back so every entry stays
        /// reachable from its home slot.</summary>
        private void RemoveAt(int i)
        {
            var index = _index!;
            var j = i;
            while (true)
            {
                index[i] = 0;
                while (true)
                {
                    j = (j + 1) & _mask;
                    if (index[j] == 0) return;
                    var k = Home(_ring![index[j] - 1]);
                    // The entry at j may stay when its home k lies cyclically in (i, j].
                    var stays = i <= j ? i < k && k <= j : i < k || k <= j;
                    if (!stays) break;
                }
                index[i] = index[j];
                i = j;
            }
        }
    }
}
