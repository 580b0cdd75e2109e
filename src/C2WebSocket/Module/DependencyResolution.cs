using System;
using System.Collections.Generic;
using System.IO;
using System.Management.Automation;
using System.Reflection;

namespace C2WebSocket.Module
{
    /// <summary>
    /// The pure decision of the Windows PowerShell 5.1 dependency resolver: given the assembly the runtime failed
    /// to find, the files in dependencies/ and what is already loaded, which file (if any) to load. Resolves only
    /// a simple name that matches a file in dependencies/, and only when the requested version is not newer than
    /// the file's or the runtime has no assembly of that name loaded; an assembly of that name already loaded with a
    /// version that satisfies the request is returned instead of loading a second copy.
    /// </summary>
    public static class DependencyResolution
    {
        public enum Action
        {
            /// <summary>Not ours: let the runtime (or another handler) decide.</summary>
            Ignore,
            /// <summary>Return the assembly already loaded.</summary>
            UseLoaded,
            /// <summary>Load the file from dependencies/.</summary>
            LoadFile,
        }

        public readonly struct Decision
        {
            public Decision(Action action, string? path, AssemblyName? loaded)
            {
                Kind = action;
                Path = path;
                Loaded = loaded;
            }

            public Action Kind { get; }
            /// <summary>The file to load (LoadFile).</summary>
            public string? Path { get; }
            /// <summary>The loaded assembly to reuse (UseLoaded).</summary>
            public AssemblyName? Loaded { get; }
            public override string ToString() => Kind + (Path != null ? " " + Path : "") + (Loaded != null ? " " + Loaded : "");
        }

        /// <param name="requested">The name the runtime asked for.</param>
        /// <param name="available">The files of dependencies/: simple name (case-insensitive) to (path, assembly version).</param>
        /// <param name="loaded">The assemblies already loaded in the AppDomain.</param>
        public static Decision Decide(AssemblyName requested, IReadOnlyDictionary<string, (string Path, Version Version)> available, IEnumerable<AssemblyName> loaded)
        {
            if (requested?.Name == null) return new Decision(Action.Ignore, null, null);
            if (!TryGet(available, requested.Name, out var file)) return new Decision(Action.Ignore, null, null);

            var wanted = requested.Version ?? new Version(0, 0, 0, 0);

            // An already loaded copy that satisfies the request wins: two copies of one assembly break type identity.
            AssemblyName? best = null;
            foreach (var a in loaded)
            {
                if (!string.Equals(a.Name, requested.Name, StringComparison.OrdinalIgnoreCase)) continue;
                var v = a.Version ?? new Version(0, 0, 0, 0);
                if (v >= wanted && (best == null || v > best.Version)) best = a;
            }
            if (best != null) return new Decision(Action.UseLoaded, null, best);

            if (wanted <= file.Version) return new Decision(Action.LoadFile, file.Path, null);

            // Newer than ours was asked for. If the runtime has no copy at all, ours is the only chance (binding
            // redirects do the same on .NET Framework); if it has an older copy loaded, loading ours beside it would
            // give two identities of one assembly, so leave the failure to the runtime.
            foreach (var a in loaded)
                if (string.Equals(a.Name, requested.Name, StringComparison.OrdinalIgnoreCase)) return new Decision(Action.Ignore, null, null);
            return new Decision(Action.LoadFile, file.Path, null);
        }

        private static bool TryGet(IReadOnlyDictionary<string, (string Path, Version Version)> available, string name, out (string Path, Version Version) file)
        {
            if (available.TryGetValue(name, out file)) return true;
            foreach (var kv in available)
            {
                if (string.Equals(kv.Key, name, StringComparison.OrdinalIgnoreCase)) { file = kv.Value; return true; }
            }
            file = default;
            return false;
        }

        /// <summary>Reads the simple names and versions of the assemblies in a folder without loading them.</summary>
        public static Dictionary<string, (string Path, Version Version)> Scan(string folder)
        {
            var result = new Dictionary<string, (string Path, Version Version)>(StringComparer.OrdinalIgnoreCase);
            if (!Directory.Exists(folder)) return result;
            foreach (var path in Directory.GetFiles(folder, "*.dll"))
            {
                try
                {
                    var name = AssemblyName.GetAssemblyName(path);
                    if (name.Name != null) result[name.Name] = (path, name.Version ?? new Version(0, 0, 0, 0));
                }
                catch (Exception ex) when (ex is BadImageFormatException || ex is IOException || ex is UnauthorizedAccessException)
                {
                    // Not a managed assembly or unreadable: never resolve to it.
                }
            }
            return result;
        }
    }
}
