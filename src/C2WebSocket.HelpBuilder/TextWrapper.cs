using System.Linq;
using System.Text;

namespace C2WebSocket.HelpBuilder
{
    /// <summary>Word wrapping for the plain-text help: whole words, a first-line and a continuation indent.</summary>
    public static class TextWrapper
    {
        /// <summary>Appends <paramref name="text"/> wrapped at <paramref name="width"/> characters (indents included), each
        /// line ending in '\n'. A word longer than a line stays whole on a line of its own.</summary>
        public static void Wrap(StringBuilder sb, string text, string first, string rest, int width = 100)
        {
            var line = new StringBuilder(first);
            var empty = true;
            foreach (var word in text.Split(' ').Where(w => w.Length > 0))
            {
                if (!empty && line.Length + 1 + word.Length > width)
                {
                    sb.Append(line).Append('\n');
                    line.Clear().Append(rest);
                    empty = true;
                }
                if (!empty) line.Append(' ');
                line.Append(word);
                empty = false;
            }
            sb.Append(line).Append('\n');
        }
    }
}
