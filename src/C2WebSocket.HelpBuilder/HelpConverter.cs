using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Text;
using System.Text.RegularExpressions;
using System.Xml;
using System.Xml.Linq;

namespace C2WebSocket.HelpBuilder
{
    public sealed class HelpFormatException : Exception
    {
        public HelpFormatException(string file, int line, string message) : base(message) { File = file; Line = line; }
        public string File { get; }
        public int Line { get; }
    }

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

    /// <summary>The parts of one platyPS cmdlet page.</summary>
    public sealed class CommandDoc
    {
        public string Name = "";
        public string Synopsis = "";
        public List<string> Description = new List<string>();
        public List<string> ParameterSets = new List<string>();
        public List<(string Title, string Code, List<string> Remarks)> Examples = new List<(string, string, List<string>)>();
        public List<ParameterDoc> Parameters = new List<ParameterDoc>();
        public List<(string Type, List<string> Description)> Inputs = new List<(string, List<string>)>();
        public List<(string Type, List<string> Description)> Outputs = new List<(string, List<string>)>();
        public List<string> Notes = new List<string>();
        public List<(string Text, string Uri)> Links = new List<(string, string)>();
    }

    public sealed class ParameterDoc
    {
        public string Name = "";
        public List<string> Description = new List<string>();
        /// <summary>One entry per yaml block (platyPS writes one block per group of parameter sets with the same metadata).</summary>
        public List<Dictionary<string, string>> Metadata = new List<Dictionary<string, string>>();

        public Dictionary<string, string>? For(string set) =>
            Metadata.FirstOrDefault(m => Sets(m).Contains(set, StringComparer.OrdinalIgnoreCase)) ??
            Metadata.FirstOrDefault(m => Sets(m).Contains("(All)"));

        public static IEnumerable<string> Sets(Dictionary<string, string> m) =>
            (m.TryGetValue("Parameter Sets", out var s) ? s : "(All)").Split(',').Select(x => x.Trim()).Where(x => x.Length > 0);

        public string Get(string key, string fallback = "") =>
            Metadata.Select(m => m.TryGetValue(key, out var v) ? v : null).FirstOrDefault(v => !string.IsNullOrWhiteSpace(v)) ?? fallback;
    }

    /// <summary>
    /// A deliberately small converter for the subset of markdown platyPS writes: headings, paragraphs, lists,
    /// fenced code and yaml blocks, and [text](uri) links. It rejects pages that lack a required section instead of
    /// shipping incomplete help.
    /// </summary>
    public static class HelpConverter
    {
        public static readonly XNamespace Msh = "http://msh";
        public static readonly XNamespace Maml = "http://schemas.microsoft.com/maml/2004/10";
        public static readonly XNamespace Command = "http://schemas.microsoft.com/maml/dev/command/2004/10";
        public static readonly XNamespace Dev = "http://schemas.microsoft.com/maml/dev/2004/10";

        public static IReadOnlyList<string> Convert(string markdownFolder, string outputFolder, string assemblyFileName)
        {
            Directory.CreateDirectory(outputFolder);
            var written = new List<string>();
            var commands = new List<CommandDoc>();
            foreach (var file in Directory.GetFiles(markdownFolder, "*.md").OrderBy(f => f, StringComparer.Ordinal))
            {
                var name = Path.GetFileNameWithoutExtension(file);
                if (name.StartsWith("about_", StringComparison.OrdinalIgnoreCase))
                {
                    var target = Path.Combine(outputFolder, name + ".help.txt");
                    WriteIfChanged(target, AboutToText(file, File.ReadAllLines(file)));
                    written.Add(target);
                }
                else
                {
                    commands.Add(ParseCommand(file, File.ReadAllLines(file)));
                }
            }
            if (commands.Count > 0)
            {
                var maml = Path.Combine(outputFolder, assemblyFileName + "-Help.xml");
                var doc = ToMaml(commands);
                var sb = new StringBuilder();
                using (var w = XmlWriter.Create(new StringWriter(sb), new XmlWriterSettings { Indent = true, OmitXmlDeclaration = true }))
                    doc.Save(w);
                WriteIfChanged(maml, "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n" + sb.ToString().Replace("\r\n", "\n") + "\n");
                written.Add(maml);
            }
            return written;
        }

        private static void WriteIfChanged(string path, string content)
        {
            if (File.Exists(path) && File.ReadAllText(path) == content)
            {
                File.SetLastWriteTimeUtc(path, DateTime.UtcNow); // keeps MSBuild's incremental check satisfied
                return;
            }
            File.WriteAllText(path, content, new UTF8Encoding(false));
        }

        // ----- markdown structure -------------------------------------------------------------------------

        public static Section Parse(string[] lines)
        {
            var root = new Section(0, "", 0);
            var stack = new Stack<Section>();
            stack.Push(root);
            var inFence = false;
            var start = 0;
            // platyPS front matter
            if (lines.Length > 0 && lines[0].Trim() == "---")
            {
                for (var i = 1; i < lines.Length; i++)
                    if (lines[i].Trim() == "---") { start = i + 1; break; }
            }
            for (var i = start; i < lines.Length; i++)
            {
                var line = lines[i].TrimEnd();
                if (line.TrimStart().StartsWith("```", StringComparison.Ordinal)) inFence = !inFence;
                var m = inFence ? Match.Empty : Regex.Match(line, @"^(#{1,6})\s+(.*?)\s*#*$");
                if (m.Success && !line.StartsWith("```", StringComparison.Ordinal))
                {
                    var level = m.Groups[1].Value.Length;
                    while (stack.Peek().Level >= level) stack.Pop();
                    var s = new Section(level, m.Groups[2].Value.Trim(), i + 1);
                    stack.Peek().Children.Add(s);
                    stack.Push(s);
                }
                else
                {
                    stack.Peek().Body.Add(line);
                }
            }
            return root;
        }

        /// <summary>Splits body lines into blocks: paragraphs (joined), list items, and fenced code (kept verbatim, marked with its info string).</summary>
        public static List<(string Kind, string Text)> Blocks(IEnumerable<string> body)
        {
            var blocks = new List<(string, string)>();
            var para = new List<string>();
            string? fence = null;
            var code = new List<string>();
            void FlushPara()
            {
                if (para.Count > 0) blocks.Add(("p", Inline(string.Join(" ", para.Select(p => p.Trim())))));
                para.Clear();
            }
            foreach (var raw in body)
            {
                var line = raw.TrimEnd();
                if (fence != null)
                {
                    if (line.TrimStart().StartsWith("```", StringComparison.Ordinal))
                    {
                        blocks.Add(("code:" + fence, string.Join("\n", code)));
                        code.Clear();
                        fence = null;
                    }
                    else code.Add(line);
                    continue;
                }
                if (line.TrimStart().StartsWith("```", StringComparison.Ordinal))
                {
                    FlushPara();
                    fence = line.Trim().Substring(3).Trim();
                    continue;
                }
                if (line.Trim().Length == 0) { FlushPara(); continue; }
                if (Regex.IsMatch(line, @"^\s*([-*]|\d+\.)\s+") || line.TrimStart().StartsWith("|", StringComparison.Ordinal))
                {
                    FlushPara();
                    blocks.Add((line.TrimStart().StartsWith("|", StringComparison.Ordinal) ? "row" : "li", Inline(line.Trim())));
                    continue;
                }
                // A continuation line of a list item (indented) extends the item.
                if (para.Count == 0 && blocks.Count > 0 && blocks[blocks.Count - 1].Item1 == "li" && raw.StartsWith("  ", StringComparison.Ordinal))
                {
                    var last = blocks[blocks.Count - 1];
                    blocks[blocks.Count - 1] = (last.Item1, last.Item2 + " " + Inline(line.Trim()));
                    continue;
                }
                para.Add(line);
            }
            if (fence != null) blocks.Add(("code:" + fence, string.Join("\n", code)));
            FlushPara();
            return blocks;
        }

        /// <summary>Plain text from inline markdown: links become "text (uri)", emphasis markers go.</summary>
        public static string Inline(string s)
        {
            s = Regex.Replace(s, @"\[([^\]]+)\]\(([^)\s]+)\)", m => m.Groups[2].Value.EndsWith(".md", StringComparison.OrdinalIgnoreCase) ? m.Groups[1].Value : m.Groups[1].Value + " (" + m.Groups[2].Value + ")");
            s = Regex.Replace(s, @"(\*\*|__)(.+?)\1", "$2");
            s = Regex.Replace(s, @"(?<![\w*])\*(?!\s)(.+?)(?<!\s)\*(?![\w*])", "$1");
            s = s.Replace("\\<", "<").Replace("\\>", ">").Replace("\\_", "_").Replace("\\*", "*");
            return s;
        }

        private static List<string> Paragraphs(Section? s)
        {
            if (s == null) return new List<string>();
            return Blocks(s.Body).Select(b => b.Text).ToList();
        }

        // ----- cmdlet pages -------------------------------------------------------------------------------

        public static CommandDoc ParseCommand(string file, string[] lines)
        {
            var root = Parse(lines);
            var title = root.Children.FirstOrDefault(c => c.Level == 1) ?? throw new HelpFormatException(file, 1, "The page has no '# <Cmdlet-Name>' heading.");
            Section Need(string name)
            {
                return title.Child(name) ?? throw new HelpFormatException(file, title.Line, "The page of " + title.Title + " has no '## " + name + "' section.");
            }
            var doc = new CommandDoc { Name = title.Title };
            doc.Synopsis = string.Join(" ", Paragraphs(Need("SYNOPSIS")));
            if (doc.Synopsis.Trim().Length == 0) throw new HelpFormatException(file, Need("SYNOPSIS").Line, "Empty SYNOPSIS.");
            var syntax = Need("SYNTAX");
            doc.ParameterSets = syntax.Children.Select(c => Regex.Replace(c.Title, @"\s*\(Default\)\s*$", "")).ToList();
            if (doc.ParameterSets.Count == 0) doc.ParameterSets.Add("__AllParameterSets");
            doc.Description = Paragraphs(Need("DESCRIPTION"));
            if (doc.Description.Count == 0) throw new HelpFormatException(file, Need("DESCRIPTION").Line, "Empty DESCRIPTION.");

            foreach (var ex in Need("EXAMPLES").Children)
            {
                // The first fenced block is the example's code; later ones (sample output) stay verbatim in the remarks.
                var blocks = Blocks(ex.Body);
                var first = blocks.FindIndex(b => b.Kind.StartsWith("code:", StringComparison.Ordinal));
                if (first < 0) throw new HelpFormatException(file, ex.Line, "Example '" + ex.Title + "' has no code block.");
                var code = blocks[first].Text;
                var remarks = blocks.Where((b, i) => i != first).Select(b => b.Text).ToList();
                doc.Examples.Add((ex.Title, code, remarks));
            }

            foreach (var p in Need("PARAMETERS").Children)
            {
                if (string.Equals(p.Title, "CommonParameters", StringComparison.OrdinalIgnoreCase)) continue;
                if (!p.Title.StartsWith("-", StringComparison.Ordinal)) throw new HelpFormatException(file, p.Line, "A parameter heading must be '### -Name', not '" + p.Title + "'.");
                var pd = new ParameterDoc { Name = p.Title.Substring(1).Trim() };
                foreach (var b in Blocks(p.Body))
                {
                    if (b.Kind == "code:yaml") pd.Metadata.Add(Yaml(b.Text));
                    else if (!b.Kind.StartsWith("code:", StringComparison.Ordinal)) pd.Description.Add(b.Text);
                }
                if (pd.Description.Count == 0) throw new HelpFormatException(file, p.Line, "Parameter -" + pd.Name + " has no description.");
                if (pd.Metadata.Count == 0) throw new HelpFormatException(file, p.Line, "Parameter -" + pd.Name + " has no yaml block (Type, Parameter Sets, Aliases, Required, Position, Default value, Accept pipeline input, Accept wildcard characters).");
                doc.Parameters.Add(pd);
            }

            doc.Inputs = Typed(Need("INPUTS"));
            doc.Outputs = Typed(Need("OUTPUTS"));
            doc.Notes = Paragraphs(title.Child("NOTES"));
            foreach (var line in Need("RELATED LINKS").Body)
            {
                foreach (Match m in Regex.Matches(line, @"\[([^\]]+)\]\(([^)]*)\)"))
                {
                    var uri = m.Groups[2].Value;
                    doc.Links.Add((m.Groups[1].Value, uri.StartsWith("http", StringComparison.OrdinalIgnoreCase) ? uri : ""));
                }
            }
            return doc;
        }

        private static List<(string, List<string>)> Typed(Section s) =>
            s.Children.Select(c => (Inline(c.Title), Paragraphs(c))).ToList();

        public static Dictionary<string, string> Yaml(string text)
        {
            var d = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
            foreach (var line in text.Split('\n'))
            {
                var i = line.IndexOf(':');
                if (i <= 0) continue;
                d[line.Substring(0, i).Trim()] = line.Substring(i + 1).Trim();
            }
            return d;
        }

        // ----- MAML ---------------------------------------------------------------------------------------

        public static XDocument ToMaml(IEnumerable<CommandDoc> commands)
        {
            var items = new XElement(Msh + "helpItems", new XAttribute("schema", "maml"));
            foreach (var c in commands) items.Add(CommandElement(c));
            return new XDocument(items);
        }

        private static XElement Paras(XName name, IEnumerable<string> paragraphs) =>
            new XElement(name, paragraphs.Select(p => new XElement(Maml + "para", p)));

        private static XElement CommandElement(CommandDoc c)
        {
            var dash = c.Name.IndexOf('-');
            var verb = dash > 0 ? c.Name.Substring(0, dash) : c.Name;
            var noun = dash > 0 ? c.Name.Substring(dash + 1) : "";
            var cmd = new XElement(Command + "command",
                new XAttribute(XNamespace.Xmlns + "maml", Maml),
                new XAttribute(XNamespace.Xmlns + "command", Command),
                new XAttribute(XNamespace.Xmlns + "dev", Dev),
                new XElement(Command + "details",
                    new XElement(Command + "name", c.Name),
                    new XElement(Command + "verb", verb),
                    new XElement(Command + "noun", noun),
                    Paras(Maml + "description", new[] { c.Synopsis })),
                Paras(Maml + "description", c.Description));

            var syntax = new XElement(Command + "syntax");
            foreach (var set in c.ParameterSets)
            {
                var item = new XElement(Command + "syntaxItem", new XElement(Maml + "name", c.Name));
                var inSet = c.Parameters
                    .Select(p => (P: p, M: set == "__AllParameterSets" ? p.Metadata.FirstOrDefault() : p.For(set)))
                    .Where(x => x.M != null)
                    .OrderBy(x => int.TryParse(x.M!.TryGetValue("Position", out var pos) ? pos : "", out var n) ? n : int.MaxValue)
                    .ThenBy(x => c.Parameters.IndexOf(x.P));
                foreach (var (p, m) in inSet) item.Add(ParameterElement(p, m!, forSyntax: true));
                syntax.Add(item);
            }
            cmd.Add(syntax);

            cmd.Add(new XElement(Command + "parameters", c.Parameters.Select(p => ParameterElement(p, p.Metadata[0], forSyntax: false))));
            cmd.Add(new XElement(Command + "inputTypes", c.Inputs.Select(i => new XElement(Command + "inputType",
                new XElement(Dev + "type", new XElement(Maml + "name", i.Type)), Paras(Maml + "description", i.Description)))));
            cmd.Add(new XElement(Command + "returnValues", c.Outputs.Select(o => new XElement(Command + "returnValue",
                new XElement(Dev + "type", new XElement(Maml + "name", o.Type)), Paras(Maml + "description", o.Description)))));
            cmd.Add(new XElement(Maml + "alertSet", new XElement(Maml + "alert", c.Notes.Select(n => new XElement(Maml + "para", n)))));
            cmd.Add(new XElement(Command + "examples", c.Examples.Select(e => new XElement(Command + "example",
                new XElement(Maml + "title", "-------------------------- " + e.Title + " --------------------------"),
                new XElement(Dev + "code", e.Code),
                Paras(Dev + "remarks", e.Remarks)))));
            cmd.Add(new XElement(Command + "relatedLinks", c.Links.Select(l => new XElement(Maml + "navigationLink",
                new XElement(Maml + "linkText", l.Text), new XElement(Maml + "uri", l.Uri)))));
            return cmd;
        }

        private static XElement ParameterElement(ParameterDoc p, Dictionary<string, string> m, bool forSyntax)
        {
            string Meta(string key, string fallback) => m.TryGetValue(key, out var v) && v.Length > 0 ? v : p.Get(key, fallback);
            var type = Meta("Type", "Object");
            var required = Meta("Required", "False").StartsWith("True", StringComparison.OrdinalIgnoreCase);
            var position = Meta("Position", "Named");
            var pipeline = Meta("Accept pipeline input", "False");
            var globbing = Meta("Accept wildcard characters", "False").StartsWith("True", StringComparison.OrdinalIgnoreCase);
            var aliases = Meta("Aliases", "");
            var isSwitch = type.EndsWith("SwitchParameter", StringComparison.OrdinalIgnoreCase);
            var el = new XElement(Command + "parameter",
                new XAttribute("required", required ? "true" : "false"),
                new XAttribute("variableLength", type.EndsWith("[]", StringComparison.Ordinal) ? "true" : "false"),
                new XAttribute("globbing", globbing ? "true" : "false"),
                new XAttribute("pipelineInput", pipeline),
                new XAttribute("position", position.Equals("Named", StringComparison.OrdinalIgnoreCase) ? "named" : position),
                new XAttribute("aliases", aliases.Length == 0 ? "none" : aliases),
                new XElement(Maml + "name", p.Name),
                Paras(Maml + "description", p.Description));
            if (!isSwitch || !forSyntax)
                el.Add(new XElement(Command + "parameterValue", new XAttribute("required", isSwitch ? "false" : "true"),
                    new XAttribute("variableLength", "false"), type));
            el.Add(new XElement(Dev + "type", new XElement(Maml + "name", type), new XElement(Maml + "uri")));
            el.Add(new XElement(Dev + "defaultValue", Meta("Default value", "None")));
            return el;
        }

        // ----- about topics -------------------------------------------------------------------------------

        public static string AboutToText(string file, string[] lines)
        {
            var root = Parse(lines);
            var title = root.Children.FirstOrDefault(c => c.Level == 1) ?? throw new HelpFormatException(file, 1, "The about topic has no '# about_Name' heading.");
            if (title.Child("SHORT DESCRIPTION") == null) throw new HelpFormatException(file, title.Line, "The about topic has no '## SHORT DESCRIPTION' section.");
            var sb = new StringBuilder();
            sb.Append("TOPIC\n    ").Append(title.Title).Append("\n\n");
            void Emit(Section s)
            {
                if (s.Level == 2) sb.Append(s.Title.ToUpperInvariant()).Append('\n');
                else if (s.Level >= 3) sb.Append("  ").Append(s.Title).Append('\n');
                foreach (var (kind, text) in Blocks(s.Body))
                {
                    if (kind.StartsWith("code:", StringComparison.Ordinal))
                        foreach (var l in text.Split('\n')) sb.Append(l.Length == 0 ? "" : "        " + l).Append('\n');
                    else if (kind == "row")
                        sb.Append("    ").Append(text).Append('\n');
                    else if (kind == "li")
                        Wrap(sb, text, "    ", "      ");
                    else
                        Wrap(sb, text, "    ", "    ");
                    if (kind != "row" && kind != "li") sb.Append('\n');
                }
                if (Blocks(s.Body).Count > 0 && Blocks(s.Body).Last().Kind is var k && (k == "li" || k == "row")) sb.Append('\n');
                foreach (var c in s.Children) Emit(c);
            }
            foreach (var c in title.Children) Emit(c);
            return sb.ToString().TrimEnd('\n') + "\n";
        }

        private static void Wrap(StringBuilder sb, string text, string first, string rest, int width = 100)
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
