using System;
using System.Collections.Generic;
using System.Linq;

namespace C2WebSocket.HelpBuilder
{
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

    /// <summary>One parameter of a cmdlet page: its description and the metadata of its yaml blocks.</summary>
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
}
