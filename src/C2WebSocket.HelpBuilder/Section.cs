using System;
using System.Collections.Generic;
using System.Linq;

namespace C2WebSocket.HelpBuilder
{
    /// <summary>A markdown heading with the lines below it up to the next heading of the same or a higher level.</summary>
    public sealed class Section
    {
        public Section(int level, string title, int line) { Level = level; Title = title; Line = line; }
        public int Level { get; }
        public string Title { get; }
        public int Line { get; }
        public List<string> Body { get; } = new List<string>();
        public List<Section> Children { get; } = new List<Section>();
        public Section? Child(string title) => Children.FirstOrDefault(c => string.Equals(c.Title, title, StringComparison.OrdinalIgnoreCase));
    }
}
